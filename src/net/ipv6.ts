// IPv6 text form shared by the Linux backend (procfs hex) and the STUN client (wire bytes).

/** Eight 16-bit groups → RFC 5952 text; the WHATWG URL serializer implements exactly that rule. */
export function ipv6FromGroups(groups: readonly number[]): string {
  if (groups.length !== 8) throw new RangeError('an IPv6 address has 8 groups');
  return new URL(`http://[${groups.map((g) => g.toString(16)).join(':')}]/`).hostname.slice(1, -1);
}
