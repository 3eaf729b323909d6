// Listening and connected TCP sockets from /proc/net/tcp and /proc/net/tcp6 (IP.ActivePort).
import { endianness } from 'node:os';
import { formatIpv6 } from './addresses.js';
import { readText } from './fs.js';
import { hexToIpv4 } from './routes.js';

export interface ActivePort {
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  status: 'LISTEN' | 'ESTABLISHED';
}

const TCP_ESTABLISHED = 0x01;
const TCP_LISTEN = 0x0a;

/** tcp6 prints the address as four u32 words, each in host byte order. */
export function hexToIpv6Words(hex: string, order: 'LE' | 'BE' = endianness()): string {
  let out = '';
  for (let i = 0; i < 32; i += 8) {
    const w = hex.slice(i, i + 8);
    out += order === 'LE' ? w.slice(6, 8) + w.slice(4, 6) + w.slice(2, 4) + w.slice(0, 2) : w;
  }
  return formatIpv6(out.toLowerCase());
}

export function parseProcNetTcp(text: string, v6: boolean, order: 'LE' | 'BE' = endianness()): ActivePort[] {
  const out: ActivePort[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    const st = Number.parseInt(f[3], 16);
    if (st !== TCP_LISTEN && st !== TCP_ESTABLISHED) continue;
    const [la, lp] = f[1].split(':');
    const [ra, rp] = f[2].split(':');
    if (!la || !lp || !ra || !rp) continue;
    const addr = (h: string) => (v6 ? hexToIpv6Words(h, order) : hexToIpv4(h, order));
    out.push({
      localAddress: addr(la),
      localPort: Number.parseInt(lp, 16),
      remoteAddress: addr(ra),
      remotePort: Number.parseInt(rp, 16),
      status: st === TCP_LISTEN ? 'LISTEN' : 'ESTABLISHED',
    });
  }
  return out;
}

export async function readActivePorts(root = '/', order: 'LE' | 'BE' = endianness()): Promise<ActivePort[]> {
  const v4 = await readText(root, '/proc/net/tcp');
  const v6 = await readText(root, '/proc/net/tcp6');
  return [...(v4 ? parseProcNetTcp(v4, false, order) : []), ...(v6 ? parseProcNetTcp(v6, true, order) : [])];
}
