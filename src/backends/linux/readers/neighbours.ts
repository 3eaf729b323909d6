// The neighbour tables: /proc/net/arp for IPv4; IPv6 has no procfs view, so `ip -6 neigh show`
// is run when available (guarded by a timeout; missing iproute2 just means no IPv6 hosts).
import type { CommandRunner } from './command.js';
import { readText } from './fs.js';

export interface Neighbour {
  ip: string;
  family: 4 | 6;
  /** Lower-case MAC address. */
  mac: string;
  ifname: string;
  /** Recently confirmed or statically configured (not FAILED/INCOMPLETE). */
  active: boolean;
}

const ATF_COM = 0x2;
const ATF_PERM = 0x4;
const MAC_RE = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

export function parseArp(text: string): Neighbour[] {
  const out: Neighbour[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6) continue;
    const flags = Number.parseInt(f[2], 16) || 0;
    const mac = f[3].toLowerCase();
    if (!MAC_RE.test(mac) || mac === '00:00:00:00:00:00') continue; // incomplete: no host to name
    out.push({ ip: f[0], family: 4, mac, ifname: f[5], active: (flags & (ATF_COM | ATF_PERM)) !== 0 });
  }
  return out;
}

const ACTIVE_NUD = new Set(['REACHABLE', 'STALE', 'DELAY', 'PROBE', 'PERMANENT', 'NOARP']);

/** `ip -6 neigh show`: "fe80::1 dev eth0 lladdr 52:54:00:12:34:56 router REACHABLE". */
export function parseIpNeigh(text: string): Neighbour[] {
  const out: Neighbour[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 3 || !f[0].includes(':')) continue;
    const dev = f.indexOf('dev');
    const ll = f.indexOf('lladdr');
    if (dev < 0 || ll < 0) continue; // FAILED/INCOMPLETE entries carry no MAC
    const mac = (f[ll + 1] ?? '').toLowerCase();
    if (!MAC_RE.test(mac)) continue;
    out.push({
      ip: f[0],
      family: 6,
      mac,
      ifname: f[dev + 1] ?? '',
      active: f.some((w) => ACTIVE_NUD.has(w)),
    });
  }
  return out;
}

export async function readNeighbours(root = '/', run?: CommandRunner | null): Promise<Neighbour[]> {
  const arp = await readText(root, '/proc/net/arp');
  const out = arp === null ? [] : parseArp(arp);
  if (run) {
    const text = await run('ip', ['-6', 'neigh', 'show'], 2000);
    if (text !== null) out.push(...parseIpNeigh(text));
  }
  return out;
}

/** dnsmasq leases ("expiry mac ip hostname clientid"): MAC → host name, for Hosts.Host.HostName. */
export function parseDnsmasqLeases(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || !MAC_RE.test(f[1].toLowerCase()) || f[3] === '*') continue;
    out.set(f[1].toLowerCase(), f[3]);
  }
  return out;
}

export async function readLeaseHostNames(root = '/'): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const p of ['/var/lib/misc/dnsmasq.leases', '/tmp/dhcp.leases']) {
    const t = await readText(root, p);
    if (t !== null) for (const [k, v] of parseDnsmasqLeases(t)) out.set(k, v);
  }
  return out;
}
