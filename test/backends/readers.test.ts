import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { formatIpv6, listIpv4, parseDhclientLeases, parseIfInet6, prefixToMask, readDhcpLeases, readIpv6Addresses } from '../../src/backends/linux/readers/addresses.js';
import { CpuMeter, parseProcStat, usageBetween } from '../../src/backends/linux/readers/cpu.js';
import { cleanFirmwareString, parseCpuinfo, readCpuinfo, readDeviceTree, readDmi, readMachineId, readOsRelease } from '../../src/backends/linux/readers/identity.js';
import { readMeminfo, readRootStorage } from '../../src/backends/linux/readers/meminfo.js';
import { parseArp, parseDnsmasqLeases, parseIpNeigh, readNeighbours } from '../../src/backends/linux/readers/neighbours.js';
import { classify, mapOperState, readNetInterfaces, readNetStats } from '../../src/backends/linux/readers/net.js';
import { readActivePorts } from '../../src/backends/linux/readers/ports.js';
import { linuxPriority, mapProcessState, parseCmdline, parsePidStat, readProcesses } from '../../src/backends/linux/readers/processes.js';
import { formatResolvConf, parseResolvConf, servers } from '../../src/backends/linux/readers/resolv.js';
import { defaultRouteInterfaces, hexToIpv4, parseRoute, readIpv4Routes, readIpv6Routes } from '../../src/backends/linux/readers/routes.js';
import { readTemperatures } from '../../src/backends/linux/readers/thermal.js';
import { parseTimesyncd, readClockSynchronized, readNtpClients, readTimeZone, tzifFooter } from '../../src/backends/linux/readers/time.js';
import { readUptime } from '../../src/backends/linux/readers/uptime.js';

const HOST1 = fileURLToPath(new URL('./fixtures/host1', import.meta.url));
const HOST2 = fileURLToPath(new URL('./fixtures/host2', import.meta.url));
const NEIGH6 = readFileSync(new URL('./fixtures/ip-6-neigh.txt', import.meta.url), 'utf8');
const MISSING = fileURLToPath(new URL('./fixtures/no-such-root', import.meta.url));

describe('memory, uptime, storage', () => {
  it('reads MemTotal and MemAvailable in KiB', async () => {
    assert.deepEqual(await readMeminfo(HOST1), { totalKiB: 8016432, freeKiB: 5123456 });
  });
  it('reads uptime seconds', async () => {
    assert.equal(await readUptime(HOST1), 273849.51);
  });
  it('gives null for a machine without the files', async () => {
    assert.equal(await readMeminfo(MISSING), null);
    assert.equal(await readUptime(MISSING), null);
    assert.equal(await readRootStorage(MISSING), null);
  });
  it('sizes the file system holding the root', async () => {
    const s = await readRootStorage(HOST1);
    assert.ok(s && s.totalKiB > 0 && s.freeKiB >= 0 && s.freeKiB <= s.totalKiB);
  });
});

describe('CPU usage', () => {
  it('parses the total and per-CPU lines', () => {
    const t = parseProcStat(readFileSync(`${HOST1}/proc/stat`, 'utf8'));
    assert.deepEqual(
      t.map((c) => c.name),
      ['cpu', 'cpu0', 'cpu1', 'cpu2', 'cpu3'],
    );
    assert.deepEqual(t[0], { name: 'cpu', user: 100500, system: 43300, idle: 820000 });
  });
  it('first call averages since boot; later calls use the delta', () => {
    const a = { name: 'cpu', user: 100, system: 100, idle: 800 };
    assert.deepEqual(usageBetween(undefined, a), { name: 'cpu', user: 10, system: 10, idle: 80, busy: 20 });
    const b = { name: 'cpu', user: 160, system: 120, idle: 820 };
    assert.deepEqual(usageBetween(a, b), { name: 'cpu', user: 60, system: 20, idle: 20, busy: 80 });
    // No tick elapsed, or the counters went backwards (CPU hot-plug): since-boot figures.
    assert.equal(usageBetween(b, b).busy, usageBetween(undefined, b).busy);
    assert.equal(usageBetween(b, a).busy, 20);
  });
  it('CpuMeter repeats its answer within the minimum interval and re-samples after it', async () => {
    let now = 0;
    const meter = new CpuMeter(HOST1, 1000, () => now);
    const first = await meter.usage();
    assert.ok(first);
    assert.equal(first.length, 5);
    assert.equal(first[0].busy, 15); // (100500+43300)/963800
    now = 500;
    assert.equal(await meter.usage(), first);
    now = 1500;
    const again = await meter.usage();
    assert.notEqual(again, first);
    // Same file read twice: no ticks in between, so the since-boot figure again.
    assert.equal(again?.[0].busy, 15);
  });
});

describe('processes', () => {
  it('maps every Linux state letter to the TR-181 enum', () => {
    const cases: Record<string, string> = { R: 'Running', S: 'Sleeping', D: 'Uninterruptible', Z: 'Zombie', T: 'Stopped', t: 'Stopped', I: 'Idle', X: 'Zombie', W: 'Sleeping' };
    for (const [l, s] of Object.entries(cases)) assert.equal(mapProcessState(l), s, l);
  });
  it('parses comm with spaces and parentheses', () => {
    const st = parsePidStat('77 (a (b) c) S 1 77 77 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 999 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0');
    assert.equal(st?.comm, 'a (b) c');
    assert.equal(st?.state, 'S');
    assert.equal(st?.utime, 5);
    assert.equal(st?.startTicks, 999);
  });
  it('maps priorities into 0..99 with 0 highest', () => {
    assert.equal(linuxPriority(99, 0), 0);
    assert.equal(linuxPriority(1, 0), 19);
    assert.equal(linuxPriority(0, -20), 20);
    assert.equal(linuxPriority(0, 0), 40);
    assert.equal(linuxPriority(0, 19), 59);
  });
  it('joins the NUL-separated command line', () => {
    assert.equal(parseCmdline('a\0b c\0\0'), 'a b c');
    assert.equal(parseCmdline('/sbin/init\0splash\0'), '/sbin/init splash');
    assert.equal(parseCmdline('bash\0-c\0X=1\necho\t$X\r\n\x1b[0m\0'), 'bash -c X=1 echo $X  ?[0m', 'one line, like ps');
  });
  it('reads the fixture process table', async () => {
    const ps = await readProcesses(HOST1);
    assert.deepEqual(
      ps.map((p) => p.pid),
      [1, 2, 15, 40, 412, 1203, 2220, 3001, 3050, 3100],
    ); // 9999 vanished while listed
    const byPid = new Map(ps.map((p) => [p.pid, p]));
    assert.deepEqual(byPid.get(1), { pid: 1, startTicks: 5, command: '/sbin/init splash', sizeKiB: 12040, priority: 40, cpuTimeMs: 35790, state: 'Sleeping' });
    assert.equal(byPid.get(2)?.command, '[kthreadd]');
    assert.equal(byPid.get(2)?.sizeKiB, 0);
    assert.equal(byPid.get(15)?.priority, 0); // SCHED_FIFO 99
    assert.equal(byPid.get(1203)?.command, '(sd-pam)');
    assert.equal(byPid.get(2220)?.state, 'Uninterruptible');
    assert.equal(byPid.get(2220)?.priority, 45);
    assert.equal(byPid.get(3001)?.state, 'Running');
    assert.equal(byPid.get(3001)?.priority, 35);
    assert.equal(byPid.get(3050)?.state, 'Zombie');
    assert.equal(byPid.get(3100)?.state, 'Stopped');
    assert.equal(byPid.get(40)?.state, 'Idle');
  });
});

describe('temperatures', () => {
  it('reads thermal zones and hwmon inputs, with unique names', async () => {
    const t = await readTemperatures(HOST1);
    assert.deepEqual(t, [
      { name: 'thermal_zone0 (acpitz)', celsius: 28, enabled: true },
      { name: 'thermal_zone1 (x86_pkg_temp)', celsius: 46, enabled: true },
      { name: 'thermal_zone2 (iwlwifi_1)', celsius: null, enabled: false },
      { name: 'coretemp Package id 0', celsius: 46, enabled: true },
      { name: 'coretemp Core 0', celsius: 44, enabled: true },
      { name: 'coretemp Core 1', celsius: 43, enabled: true },
      { name: 'nvme Composite', celsius: 39, enabled: true },
      { name: 'nvme Composite #2', celsius: -5, enabled: true },
    ]);
  });
  it('is empty without sensors', async () => {
    assert.deepEqual(await readTemperatures(HOST2), []);
  });
});

describe('network interfaces', () => {
  it('classifies and reads every netdev', async () => {
    const ifs = await readNetInterfaces(HOST1);
    assert.deepEqual(
      ifs.map((i) => [i.name, i.kind, i.ethernetFramed]),
      [
        ['lo', 'loopback', false],
        ['eth0', 'ethernet', true],
        ['eth1', 'ethernet', true],
        ['wlan0', 'wifi', true],
        ['br0', 'bridge', true],
        ['veth1a2b', 'ethernet', true],
        ['tun0', 'tunnel', false],
        ['ifb0', 'virtual', true],
      ],
    );
    const eth0 = ifs[1];
    assert.deepEqual(
      { up: eth0.adminUp, op: eth0.operstate, carrier: eth0.carrier, mac: eth0.mac, mtu: eth0.mtu, speed: eth0.speedMbps, duplex: eth0.duplex, idx: eth0.ifindex },
      { up: true, op: 'up', carrier: true, mac: '00:1b:21:0a:0b:0c', mtu: 1500, speed: 1000, duplex: 'full', idx: 2 },
    );
    const eth1 = ifs[2];
    assert.equal(eth1.adminUp, false);
    assert.equal(eth1.carrier, null);
    assert.equal(eth1.speedMbps, null); // -1 = unknown
    assert.equal(eth1.duplex, null);
  });
  it('maps operstate to TR-181 Status', () => {
    assert.equal(mapOperState('up', true, true), 'Up');
    assert.equal(mapOperState('down', false, null), 'Down');
    assert.equal(mapOperState('dormant', true, false), 'Dormant');
    assert.equal(mapOperState('lowerlayerdown', true, false), 'LowerLayerDown');
    assert.equal(mapOperState('notpresent', true, null), 'NotPresent');
    // "unknown": loopback and tun report it while working
    assert.equal(mapOperState('unknown', true, true), 'Up');
    assert.equal(mapOperState('unknown', false, true), 'Down');
    assert.equal(mapOperState('unknown', true, null), 'Unknown');
    assert.equal(mapOperState('testing', true, false), 'Down');
  });
  it('classify: ARPHRD types and markers', () => {
    const none = { wireless: false, bridge: false, bond: false, device: false, devtype: undefined, peer: false };
    assert.equal(classify(772, none), 'loopback');
    assert.equal(classify(776, none), 'tunnel');
    assert.equal(classify(512, none), 'other');
    assert.equal(classify(1, { ...none, devtype: 'vlan', peer: true }), 'vlan');
    assert.equal(classify(1, { ...none, bond: true }), 'bond');
    assert.equal(classify(1, { ...none, device: true }), 'ethernet');
    assert.equal(classify(1, { ...none, peer: true }), 'ethernet');
    assert.equal(classify(1, none), 'virtual');
  });
  it('reads 64-bit counters exactly', async () => {
    const s = await readNetStats(HOST1, 'eth0');
    assert.equal(s.rx_bytes, 18446744073709551000n);
    assert.equal(s.rx_errors, 4294967298n);
    assert.equal(s.rx_nohandler, 8n);
  });
});

describe('addresses', () => {
  it('compresses IPv6 addresses as RFC 5952 says', () => {
    assert.equal(formatIpv6('00000000000000000000000000000001'), '::1');
    assert.equal(formatIpv6('00000000000000000000000000000000'), '::');
    assert.equal(formatIpv6('20010db8000000000000000000000017'), '2001:db8::17');
    assert.equal(formatIpv6('20010db8000000010000000000000001'), '2001:db8:0:1::1');
    assert.equal(formatIpv6('20010db8000100000001000100010001'), '2001:db8:1:0:1:1:1:1'); // one zero group stays
    assert.equal(formatIpv6('20010000000000010000000000000001'), '2001:0:0:1::1'); // the longer run wins
    assert.equal(formatIpv6('fe80000000000000021b21fffe0a0b0c'), 'fe80::21b:21ff:fe0a:b0c');
  });
  it('reads if_inet6 with status and origin from the flags', async () => {
    const a = await readIpv6Addresses(HOST1);
    const by = new Map(a.map((x) => [x.address, x]));
    assert.equal(by.get('::1')?.origin, 'WellKnown');
    assert.equal(by.get('2001:db8::17')?.origin, 'Static');
    assert.equal(by.get('2001:db8::17')?.prefixLength, 64);
    assert.equal(by.get('2001:db8::2aa:bbff:fecc:17')?.origin, 'AutoConfigured'); // no PERMANENT flag: SLAAC/DHCPv6
    assert.equal(by.get('fe80::21b:21ff:fe0a:b0c')?.origin, 'AutoConfigured');
    assert.equal(by.get('fe80::beef')?.status, 'Tentative');
    assert.equal(by.get('fd00::a0ff')?.status, 'Duplicate');
    assert.equal(by.get('2001:db8::99')?.status, 'Deprecated');
    assert.equal(by.get('fd00::a001')?.ifname, 'br0');
    assert.equal(parseIfInet6('garbage\n').length, 0);
  });
  it('takes IPv4 addresses from os.networkInterfaces() output', () => {
    const v4 = listIpv4(() => ({
      eth0: [
        { address: '192.168.1.23', netmask: '255.255.255.0', family: 'IPv4', mac: 'x', internal: false, cidr: '192.168.1.23/24' },
        { address: '2001:db8::17', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: 'x', internal: false, cidr: '2001:db8::17/64', scopeid: 0 },
      ],
      br0: [{ address: '10.10.0.1', netmask: '255.255.252.0', family: 'IPv4', mac: 'x', internal: false, cidr: null }],
    }));
    assert.deepEqual(v4, [
      { ifname: 'eth0', address: '192.168.1.23', prefixLength: 24, netmask: '255.255.255.0' },
      { ifname: 'br0', address: '10.10.0.1', prefixLength: 22, netmask: '255.255.252.0' },
    ]);
    assert.equal(prefixToMask(0), '0.0.0.0');
    assert.equal(prefixToMask(32), '255.255.255.255');
    assert.equal(prefixToMask(17), '255.255.128.0');
  });
  it('finds DHCP leases of systemd-networkd and dhclient', async () => {
    const leases = await readDhcpLeases(HOST1, new Map([[2, 'eth0']]));
    assert.deepEqual([...leases], ['eth0 192.168.1.23']);
    assert.deepEqual(
      parseDhclientLeases('lease {\n  interface "wlan0";\n  fixed-address 10.1.2.3;\n}\nlease {\n  interface "eth1";\n}\n'),
      ['wlan0 10.1.2.3'],
    );
  });
});

describe('routes', () => {
  it('decodes addresses in either host byte order', () => {
    assert.equal(hexToIpv4('0101A8C0', 'LE'), '192.168.1.1');
    assert.equal(hexToIpv4('C0A80101', 'BE'), '192.168.1.1');
    const be = parseRoute('Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\nwan\t00000000\tC0A80101\t0003\t0\t0\t5\t00000000\n', 'BE');
    assert.equal(be[0].gateway, '192.168.1.1');
  });
  it('reads the IPv4 main table', async () => {
    const r = await readIpv4Routes(HOST1, 'LE');
    assert.equal(r.length, 6);
    assert.deepEqual(r[0], { ifname: 'eth0', dest: '', mask: '', gateway: '192.168.1.1', metric: 100, up: true, reject: false, dynamic: false });
    assert.deepEqual(r[1], { ifname: 'eth0', dest: '192.168.1.0', mask: '255.255.255.0', gateway: '', metric: 100, up: true, reject: false, dynamic: false });
    assert.equal(r[4].dynamic, true); // RTF_DYNAMIC: learned from a redirect
    assert.equal(r[5].reject, true);
    assert.equal(r[5].dest, '172.16.0.0');
    assert.equal(r[5].mask, '255.240.0.0');
  });
  it('reads the IPv6 table without local, cache, multicast and null entries', async () => {
    const r = await readIpv6Routes(HOST1);
    assert.deepEqual(
      r.map((x) => `${x.destPrefix} ${x.nextHop || '-'} ${x.ifname} ${x.metric}${x.fromRa ? ' RA' : ''}${x.expires ? ' exp' : ''}`),
      ['2001:db8::/64 - eth0 256', 'fe80::/64 - eth0 256', 'fd00::a000/64 - br0 256', '::/0 fe80::222:33ff:fe44:5566 eth0 1024 RA exp'],
    );
    assert.deepEqual([...defaultRouteInterfaces(await readIpv4Routes(HOST1, 'LE'), r)], ['eth0']);
  });
});

describe('neighbours', () => {
  it('parses /proc/net/arp, skipping incomplete entries', async () => {
    const n = parseArp(readFileSync(`${HOST1}/proc/net/arp`, 'utf8'));
    assert.deepEqual(
      n.map((x) => `${x.ip} ${x.mac} ${x.ifname} ${x.active}`),
      ['192.168.1.1 00:22:33:44:55:66 eth0 true', '10.10.0.23 3c:22:fb:12:34:56 br0 true', '10.10.0.57 a4:83:e7:00:11:22 br0 false', '10.10.0.60 de:ad:be:ef:00:01 br0 true'],
    );
  });
  it('parses `ip -6 neigh` output, skipping entries without a MAC', () => {
    const n = parseIpNeigh(NEIGH6);
    assert.deepEqual(
      n.map((x) => `${x.ip} ${x.mac} ${x.ifname} ${x.active}`),
      [
        'fe80::222:33ff:fe44:5566 00:22:33:44:55:66 eth0 true',
        'fd00::a017 3c:22:fb:12:34:56 br0 true',
        '2001:db8::42 00:22:33:44:55:99 eth0 true',
        'fe80::3e22:fbff:fe12:3456 3c:22:fb:12:34:56 br0 true',
      ],
    );
  });
  it('runs ip -6 neigh through the injected runner, and copes without it', async () => {
    const calls: string[] = [];
    const withIp = await readNeighbours(HOST1, async (file, args, timeout) => {
      calls.push(`${file} ${args.join(' ')} ${timeout}`);
      return NEIGH6;
    });
    assert.deepEqual(calls, ['ip -6 neigh show 2000']);
    assert.equal(withIp.length, 8);
    assert.equal((await readNeighbours(HOST1, async () => null)).length, 4); // ip missing or timed out
    assert.equal((await readNeighbours(HOST1, null)).length, 4);
  });
  it('reads host names from dnsmasq leases', () => {
    const m = parseDnsmasqLeases(readFileSync(`${HOST1}/var/lib/misc/dnsmasq.leases`, 'utf8'));
    assert.deepEqual([...m], [['3c:22:fb:12:34:56', 'lab-laptop']]);
  });
});

describe('TCP ports', () => {
  it('lists LISTEN and ESTABLISHED sockets of tcp and tcp6', async () => {
    const p = await readActivePorts(HOST1, 'LE');
    assert.deepEqual(
      p.map((x) => `${x.status} ${x.localAddress}:${x.localPort} ${x.remoteAddress}:${x.remotePort}`),
      [
        'LISTEN 0.0.0.0:22 0.0.0.0:0',
        'LISTEN 127.0.0.1:7563 0.0.0.0:0',
        'ESTABLISHED 192.168.1.23:22 192.168.1.11:54321',
        'LISTEN :::22 :::0',
        'ESTABLISHED 2001:db8::17:22 2001:db8::42:58022',
      ],
    );
  });
});

describe('resolv.conf', () => {
  it('keeps every line and offers only usable servers', () => {
    const text = readFileSync(`${HOST1}/etc/resolv.conf`, 'utf8');
    const lines = parseResolvConf(text);
    assert.deepEqual(servers(lines), [
      { address: '192.168.1.1', enabled: true },
      { address: '2001:db8::53', enabled: true },
      { address: '9.9.9.9', enabled: false },
      { address: 'fe80::1%eth0', enabled: true },
    ]);
    assert.equal(formatResolvConf(lines), text); // round trip, byte for byte
  });
});

describe('identity sources', () => {
  it('drops firmware placeholders', () => {
    for (const s of ['To Be Filled By O.E.M.', 'Default string', '  ', '0', '00000000', 'FFFFFFFF', 'System Serial Number', 'None']) {
      assert.equal(cleanFirmwareString(s), null, s);
    }
    assert.equal(cleanFirmwareString(' PT24-0012345\n'), 'PT24-0012345');
  });
  it('reads DMI (x86) and the device tree (ARM)', async () => {
    const dmi = await readDmi(HOST1);
    assert.equal(dmi.sysVendor, 'Protectli');
    assert.equal(dmi.productSerial, 'PT24-0012345');
    assert.equal(dmi.chassisSerial, null);
    assert.equal(dmi.boardSerial, null);
    const dt = await readDeviceTree(HOST2);
    assert.deepEqual(dt, { model: 'Raspberry Pi 4 Model B Rev 1.4', serial: '10000000a1b2c3d4', compatible: 'raspberrypi,4-model-b' });
    assert.equal((await readDmi(HOST2)).productSerial, null);
  });
  it('reads machine-id, os-release and cpuinfo', async () => {
    assert.equal(await readMachineId(HOST1), '4c4c4544004d3510805ab4c04f4e4d32');
    assert.equal(await readMachineId(HOST2), null);
    assert.equal((await readOsRelease(HOST1)).get('PRETTY_NAME'), 'Debian GNU/Linux 12 (bookworm)');
    assert.deepEqual(await readCpuinfo(HOST1), { model: 'Intel(R) Celeron(R) J4125 CPU @ 2.00GHz', serial: null, count: 4 });
    assert.deepEqual(await readCpuinfo(HOST2), { model: 'BCM2835', serial: '10000000a1b2c3d4', count: 2 });
    assert.equal(parseCpuinfo('processor : 0\ncpu model : MIPS 24Kc V7.4\n').model, 'MIPS 24Kc V7.4');
  });
});

describe('time', () => {
  it('reads the zone name and the POSIX TZ string of /etc/localtime', async () => {
    // host1's /etc/localtime is an absolute link, resolved under the root
    assert.deepEqual(await readTimeZone(HOST1), { name: 'Europe/Berlin', posix: 'CET-1CEST,M3.5.0,M10.5.0/3' });
    assert.deepEqual(await readTimeZone(HOST2), { name: null, posix: 'UTC0' });
    assert.deepEqual(await readTimeZone(MISSING), { name: null, posix: null });
    assert.equal(tzifFooter(Buffer.from('not a tzif file at all, not at all, no no no\n')), null);
  });
  it('applies timesyncd drop-ins in order', () => {
    assert.deepEqual(parseTimesyncd(['[Time]\nNTP=a b\n', '[Time]\nNTP=\n']), []);
    assert.deepEqual(parseTimesyncd(['[Time]\nNTP=\nFallbackNTP=f\n']), ['f']);
    assert.deepEqual(parseTimesyncd(['[Other]\nNTP=x\n[Time]\n#NTP=y\n']), []);
  });
  it('finds the NTP clients and their servers', async () => {
    assert.deepEqual(await readNtpClients(HOST1), [
      { client: 'systemd-timesyncd', servers: ['ntp1.example.net', 'ntp2.example.net'], enabled: true },
    ]);
    // no systemd: a configured daemon counts as enabled; ntpd's 127.127.x.x refclock is not a server
    assert.deepEqual(await readNtpClients(HOST2), [
      { client: 'chrony', servers: ['2.debian.pool.ntp.org', '192.0.2.123', 'ntp.lab.example.net'], enabled: true },
      { client: 'ntpd', servers: ['ntp.example.com'], enabled: true },
    ]);
  });
  it('asks timedatectl first, then looks for timesyncd\'s marker', async () => {
    assert.equal(await readClockSynchronized(HOST2, async () => 'yes\n'), true);
    assert.equal(await readClockSynchronized(HOST1, async () => 'no\n'), false);
    assert.equal(await readClockSynchronized(HOST1, async () => null), true);
    assert.equal(await readClockSynchronized(HOST2, null), null);
  });
});
