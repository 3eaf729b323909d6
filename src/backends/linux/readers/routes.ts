// The kernel routing table (main table): /proc/net/route (IPv4) and /proc/net/ipv6_route.
import { endianness } from 'node:os';
import { formatIpv6 } from './addresses.js';
import { readText } from './fs.js';

const RTF_UP = 0x1;
const RTF_DYNAMIC = 0x10;
const RTF_MODIFIED = 0x20;
const RTF_REJECT = 0x200;
const RTF_ADDRCONF = 0x40000;
const RTF_EXPIRES = 0x400000;
const RTF_CACHE = 0x1000000;
const RTF_LOCAL = 0x80000000;

export interface Ipv4Route {
  ifname: string;
  /** '' for the default route (TR-181 convention), else dotted quad. */
  dest: string;
  mask: string;
  /** '' when there is no next hop (directly connected). */
  gateway: string;
  metric: number;
  up: boolean;
  reject: boolean;
  /** Created by an ICMP redirect or a routing daemon rather than configured. */
  dynamic: boolean;
}

/** /proc/net/route prints each address as the in-memory u32, i.e. byte order of the host. */
export function hexToIpv4(hex: string, order: 'LE' | 'BE' = endianness()): string {
  const n = Number.parseInt(hex, 16) >>> 0;
  const bytes = [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  return (order === 'LE' ? bytes.reverse() : bytes).join('.');
}

export function parseRoute(text: string, order: 'LE' | 'BE' = endianness()): Ipv4Route[] {
  const out: Ipv4Route[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const flags = Number.parseInt(f[3], 16);
    const dest = hexToIpv4(f[1], order);
    const mask = hexToIpv4(f[7], order);
    const gw = hexToIpv4(f[2], order);
    const isDefault = dest === '0.0.0.0' && mask === '0.0.0.0';
    out.push({
      ifname: f[0],
      dest: isDefault ? '' : dest,
      mask: isDefault ? '' : mask,
      gateway: gw === '0.0.0.0' ? '' : gw,
      metric: Math.min(Number(f[6]) || 0, 0x7fffffff),
      up: (flags & RTF_UP) !== 0,
      reject: (flags & RTF_REJECT) !== 0,
      dynamic: (flags & (RTF_DYNAMIC | RTF_MODIFIED)) !== 0,
    });
  }
  return out;
}

export interface Ipv6Route {
  ifname: string;
  /** 'fd00::/64', '::/0' */
  destPrefix: string;
  /** '' when directly connected. */
  nextHop: string;
  metric: number;
  up: boolean;
  reject: boolean;
  /** Learned from a Router Advertisement. */
  fromRa: boolean;
  /** Has a lifetime (RA routes); the kernel does not show when it ends. */
  expires: boolean;
}

export function parseIpv6Route(text: string): Ipv6Route[] {
  const out: Ipv6Route[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || !/^[0-9a-f]{32}$/i.test(f[0])) continue;
    const flags = Number.parseInt(f[8], 16) >>> 0;
    const len = Number.parseInt(f[1], 16);
    const metric = Number.parseInt(f[5], 16) >>> 0;
    const dest = formatIpv6(f[0].toLowerCase());
    const ifname = f[9];
    // Not forwarding entries: local-table host routes, cached clones, multicast, and the kernel's
    // always-present "null" reject entry (::/0 via lo, metric 0xffffffff).
    if (flags & (RTF_LOCAL | RTF_CACHE)) continue;
    if (f[0].toLowerCase().startsWith('ff')) continue;
    if ((flags & RTF_REJECT) !== 0 && ifname === 'lo' && len === 0 && metric === 0xffffffff) continue;
    const nh = formatIpv6(f[4].toLowerCase());
    out.push({
      ifname,
      destPrefix: `${dest}/${len}`,
      nextHop: nh === '::' ? '' : nh,
      metric: Math.min(metric, 0x7fffffff),
      up: (flags & RTF_UP) !== 0,
      reject: (flags & RTF_REJECT) !== 0,
      fromRa: (flags & RTF_ADDRCONF) !== 0,
      expires: (flags & RTF_EXPIRES) !== 0,
    });
  }
  return out;
}

export async function readIpv4Routes(root = '/', order: 'LE' | 'BE' = endianness()): Promise<Ipv4Route[]> {
  const text = await readText(root, '/proc/net/route');
  return text === null ? [] : parseRoute(text, order);
}

export async function readIpv6Routes(root = '/'): Promise<Ipv6Route[]> {
  const text = await readText(root, '/proc/net/ipv6_route');
  return text === null ? [] : parseIpv6Route(text);
}

/** Interfaces that carry a default route: they face upstream. */
export function defaultRouteInterfaces(v4: Ipv4Route[], v6: Ipv6Route[]): Set<string> {
  const s = new Set<string>();
  for (const r of v4) if (r.dest === '' && r.up && !r.reject) s.add(r.ifname);
  for (const r of v6) if (r.destPrefix === '::/0' && r.up && !r.reject) s.add(r.ifname);
  return s;
}
