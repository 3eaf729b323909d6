// IP addresses. Node has no netlink, so IPv4 comes from os.networkInterfaces() (which lists only
// interfaces that are up) and IPv6 from /proc/net/if_inet6 (every address, with scope and flags).
// Best-effort DHCP detection reads the lease files of systemd-networkd and dhclient/NetworkManager.
import { networkInterfaces as osNetworkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { ipv6FromGroups } from '../../../net/ipv6.js';
import { listDir, parseKeyValue, readText } from './fs.js';

export type NetworkInterfacesFn = () => NodeJS.Dict<NetworkInterfaceInfo[]>;

export interface Ipv4Address {
  ifname: string;
  address: string;
  prefixLength: number;
  netmask: string;
}

export function prefixToMask(prefix: number): string {
  const bits = prefix <= 0 ? 0 : (0xffffffff << (32 - Math.min(32, prefix))) >>> 0;
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 0xff).join('.');
}

export function maskToPrefix(mask: string): number {
  let n = 0;
  for (const part of mask.split('.')) n += (Number(part) >>> 0).toString(2).replace(/0/g, '').length;
  return n;
}

export function readIpv4Addresses(list: NodeJS.Dict<NetworkInterfaceInfo[]>): Ipv4Address[] {
  const out: Ipv4Address[] = [];
  for (const [ifname, infos] of Object.entries(list)) {
    for (const i of infos ?? []) {
      // Node 18.0-18.3 reported family as the number 4.
      if (i.family !== 'IPv4' && (i.family as unknown) !== 4) continue;
      const prefix = i.cidr ? Number(i.cidr.split('/')[1]) : maskToPrefix(i.netmask);
      out.push({ ifname, address: i.address, prefixLength: prefix, netmask: prefixToMask(prefix) });
    }
  }
  return out;
}

/** The machine's IPv4 addresses (or those of an injected list, for tests). */
export function listIpv4(fn: NetworkInterfacesFn = osNetworkInterfaces): Ipv4Address[] {
  return readIpv4Addresses(fn());
}

// ---- IPv6 -----------------------------------------------------------------------------------

/** 32 hex digits → RFC 5952 text (lower case, longest zero run as "::"). */
export function formatIpv6(hex: string): string {
  const groups: number[] = [];
  for (let i = 0; i < 32; i += 4) groups.push(Number.parseInt(hex.slice(i, i + 4), 16));
  return ipv6FromGroups(groups);
}

// IFA_F_* flags from linux/if_addr.h
const IFA_F_OPTIMISTIC = 0x04;
const IFA_F_DADFAILED = 0x08;
const IFA_F_DEPRECATED = 0x20;
const IFA_F_TENTATIVE = 0x40;
const IFA_F_PERMANENT = 0x80;

export interface Ipv6Address {
  ifname: string;
  ifindex: number;
  address: string;
  prefixLength: number;
  /** Kernel scope: 0 global, 0x20 link, 0x10 host, 0x40 site. */
  scope: number;
  flags: number;
  /** TR-181 IPv6Address.IPAddressStatus. */
  status: 'Preferred' | 'Deprecated' | 'Tentative' | 'Duplicate' | 'Optimistic';
  /** TR-181 IPv6Address.Origin (as far as flags tell: DHCPv6 and SLAAC look the same). */
  origin: 'AutoConfigured' | 'WellKnown' | 'Static';
  /** Configured by hand/static config, i.e. without a lifetime. */
  permanent: boolean;
}

export function parseIfInet6(text: string): Ipv6Address[] {
  const out: Ipv6Address[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || !/^[0-9a-f]{32}$/i.test(f[0])) continue;
    const flags = Number.parseInt(f[4], 16);
    const scope = Number.parseInt(f[3], 16);
    const address = formatIpv6(f[0].toLowerCase());
    const permanent = (flags & IFA_F_PERMANENT) !== 0;
    let status: Ipv6Address['status'] = 'Preferred';
    if (flags & IFA_F_DADFAILED) status = 'Duplicate';
    else if (flags & IFA_F_OPTIMISTIC) status = 'Optimistic';
    else if (flags & IFA_F_TENTATIVE) status = 'Tentative';
    else if (flags & IFA_F_DEPRECATED) status = 'Deprecated';
    let origin: Ipv6Address['origin'] = 'AutoConfigured';
    if (address === '::1') origin = 'WellKnown';
    else if (scope !== 0x20 && permanent) origin = 'Static';
    out.push({
      ifname: f[5],
      ifindex: Number.parseInt(f[1], 16),
      address,
      prefixLength: Number.parseInt(f[2], 16),
      scope,
      flags,
      status,
      origin,
      permanent,
    });
  }
  return out;
}

export async function readIpv6Addresses(root = '/'): Promise<Ipv6Address[]> {
  const text = await readText(root, '/proc/net/if_inet6');
  return text === null ? [] : parseIfInet6(text);
}

// ---- DHCP leases (best effort) ----------------------------------------------------------------

/** "ifname address" pairs that a DHCP client holds a lease for. */
export async function readDhcpLeases(root: string, ifnameByIndex: Map<number, string>): Promise<Set<string>> {
  const out = new Set<string>();
  // systemd-networkd: one file per ifindex with ADDRESS=
  for (const f of await listDir(root, '/run/systemd/netif/leases')) {
    const text = await readText(root, `/run/systemd/netif/leases/${f}`);
    const addr = text ? parseKeyValue(text).get('ADDRESS') : undefined;
    const ifname = ifnameByIndex.get(Number(f));
    if (addr && ifname) out.add(`${ifname} ${addr}`);
  }
  // dhclient (ISC) and NetworkManager's dhclient backend: lease { interface "x"; fixed-address a; }
  const dirs = ['/var/lib/dhcp', '/var/lib/dhclient', '/var/lib/NetworkManager'];
  for (const d of dirs) {
    for (const f of await listDir(root, d)) {
      if (!f.endsWith('.leases') && !f.endsWith('.lease')) continue;
      const text = await readText(root, `${d}/${f}`);
      if (text) for (const pair of parseDhclientLeases(text)) out.add(pair);
    }
  }
  return out;
}

export function parseDhclientLeases(text: string): string[] {
  const out: string[] = [];
  for (const block of text.split(/\blease\s*\{/).slice(1)) {
    const iface = /interface\s+"([^"]+)"/.exec(block)?.[1];
    const addr = /fixed-address\s+([0-9.]+)/.exec(block)?.[1];
    if (iface && addr) out.push(`${iface} ${addr}`);
  }
  return out;
}
