import { strict as assert } from 'node:assert';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { registerLinuxBackend, type LinuxDeps } from '../../src/backends/linux/index.js';
import { Registry, type Value } from '../../src/datamodel/registry.js';
import { loadSchema, type ParamSchema } from '../../src/datamodel/schema.js';
import { compileTree } from '../../src/datamodel/tree.js';
import { formatValue, parseValue } from '../../src/datamodel/values.js';
import { FakeModel } from './fake-model.js';

const HOST1 = fileURLToPath(new URL('./fixtures/host1', import.meta.url));
const HOST2 = fileURLToPath(new URL('./fixtures/host2', import.meta.url));
const NEIGH6 = readFileSync(new URL('./fixtures/ip-6-neigh.txt', import.meta.url), 'utf8');

const tmp = mkdtempSync(join(tmpdir(), 'tr069-mapping-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function host1Deps(overrides: Partial<LinuxDeps> = {}): LinuxDeps & { clock: { t: number } } {
  const resolv = join(tmp, `resolv-${Math.random().toString(36).slice(2)}.conf`);
  copyFileSync(join(HOST1, 'etc/resolv.conf'), resolv);
  const clock = { t: Date.parse('2025-11-25T12:00:00Z') };
  return {
    clock,
    root: HOST1,
    settings: () => ({}),
    resolvConfPath: resolv,
    now: () => new Date(clock.t),
    networkInterfaces: () => ({
      lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }],
      eth0: [{ address: '192.168.1.23', netmask: '255.255.255.0', family: 'IPv4', mac: '00:1b:21:0a:0b:0c', internal: false, cidr: '192.168.1.23/24' }],
      br0: [
        { address: '10.10.0.1', netmask: '255.255.255.0', family: 'IPv4', mac: '02:42:ac:11:00:01', internal: false, cidr: '10.10.0.1/24' },
        { address: '169.254.7.9', netmask: '255.255.0.0', family: 'IPv4', mac: '02:42:ac:11:00:01', internal: false, cidr: '169.254.7.9/16' },
      ],
    }),
    runCommand: async (file) => (file === 'ip' ? NEIGH6 : null),
    ...overrides,
  };
}

async function readHost1(overrides: Partial<LinuxDeps> = {}, refs = true) {
  const model = new FakeModel();
  model.refs = refs;
  const deps = host1Deps(overrides);
  registerLinuxBackend(model, deps);
  return { model, deps, res: await model.readAll() };
}

/** The JS type a getter must return for a schema type. */
function checkJsType(p: ParamSchema, v: Value): string | undefined {
  switch (p.type) {
    case 'boolean':
      return typeof v === 'boolean' ? undefined : 'boolean expected';
    case 'int':
    case 'unsignedInt':
      return typeof v === 'number' && Number.isInteger(v) ? undefined : 'integer number expected';
    case 'long':
    case 'unsignedLong':
      if (p.dataType === 'StatsCounter64') return typeof v === 'bigint' ? undefined : 'bigint expected for StatsCounter64';
      return typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v)) ? undefined : 'integer expected';
    case 'dateTime':
      return v instanceof Date || typeof v === 'string' ? undefined : 'Date or string expected';
    default:
      return typeof v === 'string' ? undefined : 'string expected';
  }
}

describe('TR-181 mapping on the host1 fixture', () => {
  it('registers only schema paths, and every value is valid for its type', async () => {
    const schema = loadSchema();
    const { model, res } = await readHost1();
    for (const path of [...model.objects.keys(), ...model.tables.keys()]) {
      assert.ok(schema.object(path), `${path} is not a schema object`);
    }
    assert.equal(res.errors.size, 0, [...res.errors].map(([p, e]) => `${p}: ${String(e)}`).join('\n'));
    assert.ok(res.values.size > 500, `only ${res.values.size} values`);
    const problems: string[] = [];
    for (const [path, v] of res.values) {
      const generic = res.generic.get(path)!;
      const p = schema.param(generic);
      if (!p) {
        problems.push(`${generic}: not in the schema`);
        continue;
      }
      if (generic.endsWith('NumberOfEntries')) problems.push(`${generic}: computed by the engine`);
      const t = checkJsType(p, v);
      if (t) problems.push(`${path} = ${String(v)}: ${t}`);
      let text: string;
      try {
        text = formatValue(p, v);
      } catch (e) {
        problems.push(`${path}: ${(e as Error).message}`);
        continue;
      }
      const back = parseValue(p, text);
      if (!back.ok) problems.push(`${path} = ${JSON.stringify(text)}: ${back.message}`);
    }
    assert.deepEqual(problems, []);
  });

  it('fills DeviceInfo from DMI, os-release and procfs', async () => {
    const { res } = await readHost1();
    const v = (p: string) => res.values.get(`Device.DeviceInfo.${p}`);
    assert.equal(v('Manufacturer'), 'Protectli');
    assert.equal(v('ManufacturerOUI'), 'FFFFFF');
    assert.equal(v('ModelName'), 'VP2410');
    assert.equal(v('ProductClass'), 'VP2410');
    assert.equal(v('SerialNumber'), 'PT24-0012345');
    assert.equal(v('HardwareVersion'), '1.0');
    assert.equal(v('SoftwareVersion'), 'Debian GNU/Linux 12 (bookworm)');
    assert.equal(v('AdditionalSoftwareVersion'), 'Linux 6.1.0-18-amd64');
    assert.equal(v('Description'), 'Debian GNU/Linux 12 (bookworm) on VP2410, 4 x Intel(R) Celeron(R) J4125 CPU @ 2.00GHz');
    assert.equal(v('HostName'), 'gw-lab-01');
    assert.equal(v('UpTime'), 273849);
    assert.ok(v('FirstUseDate') instanceof Date);
    assert.equal(v('MemoryStatus.Total'), 8016432);
    assert.equal(v('MemoryStatus.Free'), 5123456);
    assert.equal(v('ProcessStatus.CPUUsage'), 15);
    assert.equal(v('ProcessStatus.CPU.4.Name'), 'cpu3');
    assert.equal(v('ProcessStatus.Process.1.Command'), '/sbin/init splash');
    assert.equal((v('ProcessStatus.Process.8.Command') as string).length, 256); // truncated
    assert.equal(v('TemperatureStatus.TemperatureSensor.3.Status'), 'Disabled');
    assert.equal(v('TemperatureStatus.TemperatureSensor.3.Value'), -274);
    assert.equal(v('TemperatureStatus.TemperatureSensor.4.Name'), 'coretemp Package id 0');
    assert.equal(v('TemperatureStatus.TemperatureSensor.4.Value'), 46);
  });

  it('settings override the identity, immediately', async () => {
    const model = new FakeModel();
    let s: Record<string, string> = {};
    registerLinuxBackend(model, host1Deps({ settings: () => s }));
    s = { manufacturer: 'ACME', 'manufacturer-oui': '00a0c6', 'product-class': 'EdgeBox', 'serial-number': 'SN-0001' };
    const res = await model.readAll();
    assert.equal(res.values.get('Device.DeviceInfo.Manufacturer'), 'ACME');
    assert.equal(res.values.get('Device.DeviceInfo.ManufacturerOUI'), '00A0C6');
    assert.equal(res.values.get('Device.DeviceInfo.ProductClass'), 'EdgeBox');
    assert.equal(res.values.get('Device.DeviceInfo.SerialNumber'), 'SN-0001');
  });

  it('builds the interface stack IP.Interface → Ethernet.Link → Ethernet.Interface', async () => {
    const { res } = await readHost1();
    const names = (prefix: string) =>
      [...res.values].filter(([p]) => p.startsWith(prefix) && p.endsWith('.Name')).map(([p, v]) => `${p.slice(prefix.length, -5)}=${String(v)}`);
    assert.deepEqual(names('Device.Ethernet.Interface.'), ['1=eth0', '2=eth1', '3=veth1a2b']);
    assert.deepEqual(names('Device.Ethernet.Link.'), ['1=eth0', '2=eth1', '3=wlan0', '4=br0', '5=veth1a2b', '6=ifb0']);
    assert.deepEqual(names('Device.IP.Interface.'), ['1=lo', '2=eth0', '3=eth1', '4=wlan0', '5=br0', '6=veth1a2b', '7=tun0', '8=ifb0']);
    const v = (p: string) => res.values.get(p);
    assert.equal(v('Device.IP.Interface.2.LowerLayers'), 'Device.Ethernet.Link.1');
    assert.equal(v('Device.IP.Interface.1.LowerLayers'), '');
    assert.equal(v('Device.IP.Interface.1.Type'), 'Loopback');
    assert.equal(v('Device.IP.Interface.1.Status'), 'Up');
    assert.equal(v('Device.IP.Interface.7.Status'), 'Up'); // tun: operstate unknown, carrier up
    assert.equal(v('Device.IP.Interface.3.Status'), 'Down');
    assert.equal(v('Device.IP.Interface.3.IPv6Enable'), false);
    assert.equal(v('Device.IP.Interface.2.Router'), 'Device.Routing.Router.1');
    assert.equal(v('Device.Ethernet.Link.1.LowerLayers'), 'Device.Ethernet.Interface.1');
    assert.equal(v('Device.Ethernet.Link.4.LowerLayers'), ''); // a bridge is not a port
    assert.equal(v('Device.Ethernet.Link.5.LowerLayers'), 'Device.Ethernet.Interface.3');
    const stack = [...res.values]
      .filter(([p]) => p.startsWith('Device.InterfaceStack.') && p.endsWith('.HigherLayer'))
      .map(([p, hi]) => `${String(hi)} > ${String(v(p.replace('HigherLayer', 'LowerLayer')))}`);
    assert.deepEqual(stack, [
      'Device.IP.Interface.2 > Device.Ethernet.Link.1',
      'Device.Ethernet.Link.1 > Device.Ethernet.Interface.1',
      'Device.IP.Interface.3 > Device.Ethernet.Link.2',
      'Device.Ethernet.Link.2 > Device.Ethernet.Interface.2',
      'Device.IP.Interface.4 > Device.Ethernet.Link.3',
      'Device.IP.Interface.5 > Device.Ethernet.Link.4',
      'Device.IP.Interface.6 > Device.Ethernet.Link.5',
      'Device.Ethernet.Link.5 > Device.Ethernet.Interface.3',
      'Device.IP.Interface.8 > Device.Ethernet.Link.6',
    ]);
  });

  it('reports Ethernet port details and counters', async () => {
    const { res } = await readHost1();
    const v = (p: string) => res.values.get(`Device.Ethernet.Interface.1.${p}`);
    assert.equal(v('Upstream'), true);
    assert.equal(v('MACAddress'), '00:1b:21:0a:0b:0c');
    assert.equal(v('MaxBitRate'), 1000);
    assert.equal(v('CurrentBitRate'), 1000);
    assert.equal(v('CurrentDuplexMode'), 'Full');
    assert.equal(v('Stats.BytesReceived'), 18446744073709551000n);
    assert.equal(v('Stats.BytesSent'), 9876543210n);
    assert.equal(v('Stats.ErrorsReceived'), 2); // StatsCounter32 wraps
    assert.equal(v('Stats.UnicastPacketsReceived'), 123456789012n - 23456n);
    assert.equal(v('Stats.Collisions'), 3n);
    assert.equal(res.values.get('Device.Ethernet.Interface.2.MaxBitRate'), -1);
    assert.equal(res.values.get('Device.Ethernet.Interface.2.CurrentDuplexMode'), 'Unknown');
    assert.equal(res.values.get('Device.Ethernet.Interface.2.Upstream'), false);
    assert.equal(res.values.has('Device.IP.Interface.2.Stats.Collisions'), false);
  });

  it('lists IPv4 and IPv6 addresses per interface', async () => {
    const { res } = await readHost1();
    const v = (p: string) => res.values.get(p);
    assert.equal(v('Device.IP.Interface.2.IPv4Address.1.IPAddress'), '192.168.1.23');
    assert.equal(v('Device.IP.Interface.2.IPv4Address.1.SubnetMask'), '255.255.255.0');
    assert.equal(v('Device.IP.Interface.2.IPv4Address.1.AddressingType'), 'DHCP');
    assert.equal(v('Device.IP.Interface.5.IPv4Address.1.AddressingType'), 'Static');
    assert.equal(v('Device.IP.Interface.5.IPv4Address.2.AddressingType'), 'AutoIP');
    assert.equal(v('Device.IP.Interface.1.IPv6Address.1.IPAddress'), '::1');
    assert.equal(v('Device.IP.Interface.1.IPv6Address.1.Origin'), 'WellKnown');
    assert.equal(v('Device.IP.Interface.2.IPv6Address.1.IPAddress'), '2001:db8::17');
    assert.deepEqual(v('Device.IP.Interface.2.IPv6Address.1.ValidLifetime'), new Date('9999-12-31T23:59:59Z'));
    assert.deepEqual(v('Device.IP.Interface.2.IPv6Address.2.ValidLifetime'), new Date('0001-01-01T00:00:00Z'));
    assert.equal(v('Device.IP.Interface.5.IPv6Address.3.Status'), 'Error'); // DAD failed
    assert.equal(v('Device.IP.IPv4Capable'), true);
    assert.equal(v('Device.IP.IPv6Status'), 'Enabled');
    assert.equal(v('Device.IP.ActivePort.3.RemoteIPAddress'), '192.168.1.11');
  });

  it('exposes the main routing table as Router.1', async () => {
    const { res } = await readHost1();
    const v = (p: string) => res.values.get(`Device.Routing.Router.1.${p}`);
    assert.equal(v('Status'), 'Enabled');
    assert.equal(v('IPv4Forwarding.1.DestIPAddress'), '');
    assert.equal(v('IPv4Forwarding.1.GatewayIPAddress'), '192.168.1.1');
    assert.equal(v('IPv4Forwarding.1.Interface'), 'Device.IP.Interface.2');
    assert.equal(v('IPv4Forwarding.1.ForwardingMetric'), 100);
    assert.equal(v('IPv4Forwarding.5.StaticRoute'), false);
    assert.equal(v('IPv4Forwarding.6.Type'), 'Unreachable');
    assert.equal(v('IPv4Forwarding.6.Interface'), 'Device.IP.Interface.7');
    assert.equal(v('IPv6Forwarding.4.DestIPPrefix'), '::/0');
    assert.equal(v('IPv6Forwarding.4.NextHop'), 'fe80::222:33ff:fe44:5566');
    assert.equal(v('IPv6Forwarding.4.Origin'), 'RA');
    assert.equal(v('IPv6Forwarding.3.Interface'), 'Device.IP.Interface.5');
  });

  it('lists neighbours as Hosts, one per MAC', async () => {
    const { res } = await readHost1();
    const rows = [...res.values]
      .filter(([p]) => /^Device\.Hosts\.Host\.\d+\.PhysAddress$/.test(p))
      .map(([p, mac]) => {
        const base = p.slice(0, -'PhysAddress'.length);
        return [mac, res.values.get(base + 'IPAddress'), res.values.get(base + 'Active'), res.values.get(base + 'Layer3Interface'), res.values.get(base + 'HostName'), res.values.get(base + 'InterfaceType')].join(' ');
      });
    assert.deepEqual(rows, [
      '00:22:33:44:55:66 192.168.1.1 true Device.IP.Interface.2  Ethernet',
      '3c:22:fb:12:34:56 10.10.0.23 true Device.IP.Interface.5 lab-laptop Ethernet',
      'a4:83:e7:00:11:22 10.10.0.57 false Device.IP.Interface.5  Ethernet',
      'de:ad:be:ef:00:01 10.10.0.60 true Device.IP.Interface.5  Ethernet',
      '00:22:33:44:55:99 2001:db8::42 true Device.IP.Interface.2  Ethernet',
    ]);
    assert.equal(res.values.get('Device.Hosts.Host.2.IPv6Address.2.IPAddress'), 'fe80::3e22:fbff:fe12:3456');
  });

  it('reports time, zone and the NTP client', async () => {
    const { res } = await readHost1();
    const v = (p: string) => res.values.get(`Device.Time.${p}`);
    assert.equal(v('Enable'), true);
    assert.equal(v('Status'), 'Synchronized');
    assert.equal(v('LocalTimeZone'), 'CET-1CEST,M3.5.0,M10.5.0/3');
    assert.match(String(v('CurrentLocalTime')), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
    assert.equal(Date.parse(String(v('CurrentLocalTime'))), Date.parse('2025-11-25T12:00:00Z'));
    assert.equal(v('Client.1.Servers'), 'ntp1.example.net,ntp2.example.net');
    assert.equal(v('Client.1.Status'), 'Synchronized');
  });

  it('reads DNS servers from resolv.conf', async () => {
    const { res } = await readHost1();
    const v = (p: string) => res.values.get(`Device.DNS.Client.Server.${p}`);
    assert.deepEqual(
      [1, 2, 3, 4].map((i) => `${String(v(`${i}.DNSServer`))} ${String(v(`${i}.Enable`))} ${String(v(`${i}.Status`))}`),
      ['192.168.1.1 true Enabled', '2001:db8::53 true Enabled', '9.9.9.9 false Disabled', 'fe80::1%eth0 true Enabled'],
    );
    assert.equal(v('4.Interface'), 'Device.IP.Interface.2');
  });

  it('reads references as empty when the engine cannot resolve them', async () => {
    const { res } = await readHost1({}, false);
    assert.equal(res.values.get('Device.IP.Interface.2.LowerLayers'), '');
    assert.equal(res.values.get('Device.Routing.Router.1.IPv4Forwarding.1.Interface'), '');
    assert.equal(res.values.get('Device.InterfaceStack.1.HigherLayer'), '');
  });

  it('LastChange counts from boot, then from the change it sees', async () => {
    const model = new FakeModel();
    const deps = host1Deps();
    registerLinuxBackend(model, deps);
    const lastChange = async () => (await model.readAll()).values.get('Device.Ethernet.Interface.1.LastChange');
    assert.equal(await lastChange(), 273849); // first sighting: up since boot
    deps.clock.t += 60_000;
    assert.equal(await lastChange(), 273909);
  });

  it('tracks sensor minimum and maximum across reads', async () => {
    const model = new FakeModel();
    const deps = host1Deps();
    registerLinuxBackend(model, deps);
    const first = await model.readAll();
    const t0 = new Date(deps.clock.t);
    assert.equal(first.values.get('Device.DeviceInfo.TemperatureStatus.TemperatureSensor.1.MinValue'), 28);
    assert.deepEqual(first.values.get('Device.DeviceInfo.TemperatureStatus.TemperatureSensor.1.MaxTime'), t0);
    deps.clock.t += 5000;
    const second = await model.readAll();
    assert.deepEqual(second.values.get('Device.DeviceInfo.TemperatureStatus.TemperatureSensor.1.ResetTime'), t0);
    assert.deepEqual(second.values.get('Device.DeviceInfo.TemperatureStatus.TemperatureSensor.1.LastUpdate'), new Date(deps.clock.t));
  });

  it('keeps process rows stable for a while, so GPN-then-GPV finds them', async () => {
    const root = join(tmp, 'procs');
    const proc = (pid: number) => {
      mkdirSync(join(root, `proc/${pid}`), { recursive: true });
      writeFileSync(join(root, `proc/${pid}/stat`), `${pid} (p${pid}) S 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 ${pid * 10} 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0`);
    };
    proc(100);
    proc(200);
    const model = new FakeModel();
    const clock = { t: 1_000_000 };
    registerLinuxBackend(model, { root, settings: () => ({}), now: () => new Date(clock.t) });
    const pids = async () => [...(await model.readAll()).values].filter(([p]) => p.endsWith('.PID')).map(([, v]) => v);
    assert.deepEqual(await pids(), [100, 200]);
    rmSync(join(root, 'proc/100'), { recursive: true });
    proc(300);
    clock.t += 10_000;
    assert.deepEqual(await pids(), [100, 200]); // same listing within 15 s
    clock.t += 6_000;
    assert.deepEqual(await pids(), [200, 300]);
  });

  it('works on a machine without DMI, sensors or network files (host2)', async () => {
    const model = new FakeModel();
    registerLinuxBackend(model, { root: HOST2, settings: () => ({}), resolvConfPath: join(tmp, 'absent-resolv.conf') });
    const res = await model.readAll();
    assert.equal(res.errors.size, 0, [...res.errors].map(([p, e]) => `${p}: ${String(e)}`).join('\n'));
    assert.equal(res.values.get('Device.DeviceInfo.Manufacturer'), 'raspberrypi');
    assert.equal(res.values.get('Device.DeviceInfo.ProductClass'), 'Raspberry Pi 4 Model B Rev 1.4');
    assert.equal(res.values.get('Device.DeviceInfo.SerialNumber'), '10000000a1b2c3d4');
    assert.equal(res.values.get('Device.DeviceInfo.SoftwareVersion'), 'Alpine Linux v3.20');
    assert.equal(res.values.get('Device.DeviceInfo.MemoryStatus.Total'), 0);
    assert.equal(res.values.get('Device.IP.IPv4Capable'), false);
    assert.equal(res.values.get('Device.Time.LocalTimeZone'), 'UTC0');
    assert.equal(res.values.get('Device.Time.Client.2.Servers'), 'ntp.example.com');
    assert.equal(res.values.get('Device.Time.Status'), 'Unsynchronized');
    assert.equal([...res.values.keys()].filter((p) => p.startsWith('Device.DNS.Client.Server.')).length, 0);
  });

  it('compiles in the real engine (every path and name is accepted)', () => {
    const reg = new Registry();
    registerLinuxBackend(reg, host1Deps());
    const tree = compileTree(loadSchema(), reg.entries);
    assert.ok(tree.params.get('Device.IP.Interface.{i}.Stats.BytesSent')?.spec);
    assert.equal(tree.params.get('Device.DNS.Client.Server.{i}.DNSServer')?.writable, true);
    assert.equal(tree.objects.get('Device.DNS.Client.Server.')?.writable, true); // AddObject
    assert.equal(tree.params.get('Device.IP.Interface.{i}.Name')?.writable, false);
    assert.ok(tree.params.get('Device.IP.InterfaceNumberOfEntries')?.countOf);
  });
});
