// The local address the kernel would use to reach the ACS, found by "connecting" a UDP socket
// (no packet is sent). ConnectionRequestURL advertises it, so it must be known before the first Inform.
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';

export async function localAddressFor(acsUrl: string): Promise<string | undefined> {
  let host: string;
  let port: number;
  try {
    const u = new URL(acsUrl);
    host = u.hostname.replace(/^\[|\]$/g, '');
    port = Number(u.port) || (u.protocol === 'https:' ? 443 : 80);
  } catch {
    return undefined;
  }
  try {
    const address = isIP(host) ? host : (await (await import('node:dns/promises')).lookup(host)).address;
    const family = isIP(address) === 6 ? 'udp6' : 'udp4';
    const sock = createSocket(family);
    try {
      await new Promise<void>((resolve, reject) => {
        sock.once('error', reject);
        sock.connect(port, address, () => resolve());
      });
      return sock.address().address;
    } finally {
      sock.close();
    }
  } catch {
    return undefined;
  }
}
