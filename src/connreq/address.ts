// Address formatting for the URLs and addresses the CPE publishes.
import { isIPv6 } from 'node:net';

/** An address as a URL/authority host: IPv6 in brackets, zone id and IPv4-mapped prefix removed. */
export function hostForUrl(address: string): string {
  let a = address.trim();
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1);
  const zone = a.indexOf('%');
  // A zone id (fe80::1%eth0) means nothing to the ACS and is not valid in an http URL.
  if (zone !== -1 && a.includes(':')) a = a.slice(0, zone);
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(a);
  if (mapped) return mapped[1];
  return isIPv6(a) ? `[${a}]` : a;
}
