// Network interfaces from /sys/class/net/<name>/: identity, state, link speed and counters.
import { exists, listDir, parseKeyValue, readBigInt, readInt, readLine, readText } from './fs.js';

/**
 * What a netdev is, for the TR-181 layering:
 * - ethernet: an Ethernet port (NIC behind a bus device, or one end of a veth pair: the port of a
 *   container) → Device.Ethernet.Interface
 * - wifi, bridge, vlan, bond, virtual (ifb, dummy, tap...): Ethernet-framed but not a port
 * - loopback; tunnel (ipip, sit, gre, tun/wireguard); other (ppp, can...)
 */
export type NetKind = 'ethernet' | 'wifi' | 'bridge' | 'vlan' | 'bond' | 'virtual' | 'loopback' | 'tunnel' | 'other';

export interface NetInterface {
  name: string;
  ifindex: number;
  /** ARPHRD_* from if_arp.h: 1 Ethernet, 772 loopback, ... */
  arphrd: number;
  kind: NetKind;
  /** True for every ARPHRD_ETHER netdev (it has an Ethernet MAC layer → Ethernet.Link). */
  ethernetFramed: boolean;
  /** IFF_UP: administratively enabled. */
  adminUp: boolean;
  operstate: string;
  carrier: boolean | null;
  mac: string;
  mtu: number;
  /** Link speed in Mbps; null when unknown (down, virtual). */
  speedMbps: number | null;
  duplex: 'full' | 'half' | null;
}

const ARPHRD_ETHER = 1;
const ARPHRD_LOOPBACK = 772;
const TUNNEL_ARPHRD = new Set([768, 769, 776, 778, 823, 65534]);
const IFF_UP = 0x1;

export function classify(
  arphrd: number,
  marks: { wireless: boolean; bridge: boolean; bond: boolean; device: boolean; devtype: string | undefined; peer: boolean },
): NetKind {
  if (arphrd === ARPHRD_LOOPBACK) return 'loopback';
  if (TUNNEL_ARPHRD.has(arphrd)) return 'tunnel';
  if (arphrd !== ARPHRD_ETHER) return 'other';
  if (marks.wireless || marks.devtype === 'wlan') return 'wifi';
  if (marks.bridge || marks.devtype === 'bridge') return 'bridge';
  if (marks.bond || marks.devtype === 'bond') return 'bond';
  if (marks.devtype === 'vlan') return 'vlan';
  if (marks.device) return 'ethernet';
  if (marks.peer && marks.devtype === undefined) return 'ethernet'; // veth
  return 'virtual';
}

/** operstate (RFC 2863 words) → TR-181 interface Status. */
export function mapOperState(operstate: string, adminUp: boolean, carrier: boolean | null): string {
  switch (operstate) {
    case 'up':
      return 'Up';
    case 'down':
      return 'Down';
    case 'dormant':
      return 'Dormant';
    case 'notpresent':
      return 'NotPresent';
    case 'lowerlayerdown':
      return 'LowerLayerDown';
    default:
      // "unknown" is what loopback, tun and many virtual drivers report while working fine.
      if (!adminUp) return 'Down';
      if (carrier === true) return 'Up';
      return carrier === false ? 'Down' : 'Unknown';
  }
}

export async function readNetInterface(root: string, name: string): Promise<NetInterface | null> {
  const dir = `/sys/class/net/${name}`;
  const arphrd = await readInt(root, `${dir}/type`);
  const ifindex = await readInt(root, `${dir}/ifindex`);
  if (arphrd === null || ifindex === null) return null;
  const flagsLine = await readLine(root, `${dir}/flags`);
  const flags = flagsLine ? Number.parseInt(flagsLine, 16) || 0 : 0;
  const iflink = await readInt(root, `${dir}/iflink`);
  const uevent = await readText(root, `${dir}/uevent`);
  const has = (sub: string) => exists(root, `${dir}/${sub}`);
  const kind = classify(arphrd, {
    wireless: has('wireless') || has('phy80211'),
    bridge: has('bridge'),
    bond: has('bonding'),
    device: has('device'),
    devtype: uevent ? parseKeyValue(uevent).get('DEVTYPE') : undefined,
    peer: iflink !== null && iflink !== ifindex,
  });
  const carrier = await readInt(root, `${dir}/carrier`); // EINVAL while admin down → null
  const speed = await readInt(root, `${dir}/speed`);
  const duplex = await readLine(root, `${dir}/duplex`);
  return {
    name,
    ifindex,
    arphrd,
    kind,
    ethernetFramed: arphrd === ARPHRD_ETHER,
    adminUp: (flags & IFF_UP) !== 0,
    operstate: (await readLine(root, `${dir}/operstate`)) ?? 'unknown',
    carrier: carrier === null ? null : carrier === 1,
    mac: (await readLine(root, `${dir}/address`)) ?? '',
    mtu: (await readInt(root, `${dir}/mtu`)) ?? 0,
    // Drivers report -1 or (u32)-1 for "unknown".
    speedMbps: speed !== null && speed > 0 && speed < 0xffffffff ? speed : null,
    duplex: duplex === 'full' || duplex === 'half' ? duplex : null,
  };
}

export async function readNetInterfaces(root = '/'): Promise<NetInterface[]> {
  const names = await listDir(root, '/sys/class/net');
  const out: NetInterface[] = [];
  for (const n of names) {
    if (n === 'bonding_masters') continue; // a file, not an interface
    const i = await readNetInterface(root, n);
    if (i) out.push(i);
  }
  return out.sort((a, b) => a.ifindex - b.ifindex);
}

/** The counters of /sys/class/net/<name>/statistics (rx_bytes, tx_packets, ...), absent ones omitted. */
export type NetStats = Record<string, bigint>;

export const STAT_FILES = [
  'rx_bytes',
  'tx_bytes',
  'rx_packets',
  'tx_packets',
  'rx_errors',
  'tx_errors',
  'rx_dropped',
  'tx_dropped',
  'multicast',
  'collisions',
  'rx_nohandler',
] as const;

export async function readNetStats(root: string, name: string): Promise<NetStats> {
  const out: NetStats = {};
  for (const f of STAT_FILES) {
    const v = await readBigInt(root, `/sys/class/net/${name}/statistics/${f}`);
    if (v !== null) out[f] = v;
  }
  return out;
}

/** Kernel's IPv6 switch for one interface (or 'all'/'default'); null if IPv6 is not built in. */
export async function readIpv6Disabled(root: string, name: string): Promise<boolean | null> {
  const v = await readInt(root, `/proc/sys/net/ipv6/conf/${name}/disable_ipv6`);
  return v === null ? null : v !== 0;
}
