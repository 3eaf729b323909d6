// Helpers every TR-181 area uses: per-request cached reads, references to rows of other tables,
// and conversions into the ranges of TR-181 types.
import type { Resolved } from './deps.js';
import type { ReadContext, Value } from './model-api.js';
import { listIpv4, readIpv6Addresses, type Ipv4Address, type Ipv6Address } from './readers/addresses.js';
import { readNetInterfaces, readNetStats, type NetInterface, type NetStats } from './readers/net.js';
import { readIpv4Routes, readIpv6Routes, type Ipv4Route, type Ipv6Route } from './readers/routes.js';
import { readUptime } from './readers/uptime.js';

export const T = {
  ethInterface: 'Device.Ethernet.Interface.{i}.',
  ethLink: 'Device.Ethernet.Link.{i}.',
  ipInterface: 'Device.IP.Interface.{i}.',
  router: 'Device.Routing.Router.{i}.',
} as const;

/** The one routing instance we expose: Linux's main table. */
export const MAIN_ROUTER_KEY = 'main';

// ---- cached reads (one read per request, however many parameters use it) ---------------------

export const netInterfaces = (ctx: ReadContext, d: Resolved): Promise<NetInterface[]> =>
  ctx.cache('linux:net', () => readNetInterfaces(d.root));
export const netStats = (ctx: ReadContext, d: Resolved, name: string): Promise<NetStats> =>
  ctx.cache(`linux:netstats:${name}`, () => readNetStats(d.root, name));
export const ipv4Addresses = (ctx: ReadContext, d: Resolved): Promise<Ipv4Address[]> =>
  ctx.cache('linux:ipv4', () => listIpv4(d.networkInterfaces));
export const ipv6Addresses = (ctx: ReadContext, d: Resolved): Promise<Ipv6Address[]> =>
  ctx.cache('linux:ipv6', () => readIpv6Addresses(d.root));
export const ipv4Routes = (ctx: ReadContext, d: Resolved): Promise<Ipv4Route[]> =>
  ctx.cache('linux:route4', () => readIpv4Routes(d.root));
export const ipv6Routes = (ctx: ReadContext, d: Resolved): Promise<Ipv6Route[]> =>
  ctx.cache('linux:route6', () => readIpv6Routes(d.root));
export const uptime = (ctx: ReadContext, d: Resolved): Promise<number | null> =>
  ctx.cache('linux:uptime', () => readUptime(d.root));

/**
 * A listing reused for `ttlMs` across requests. Processes and sockets come and go between the
 * GetParameterNames that discovers rows and the GetParameterValues that reads them (GenieACS
 * does exactly that); one vanished row would fault a whole batch with 9005. Within a session the
 * rows stay put; values may be up to `ttlMs` old.
 */
export function snapshot<T>(d: Resolved, key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
  const now = d.now().getTime();
  const hit = d.state.snapshots.get(key);
  if (hit && now - hit.at >= 0 && now - hit.at < ttlMs) return hit.value as Promise<T>;
  const value = load();
  d.state.snapshots.set(key, { at: now, value });
  value.catch(() => d.state.snapshots.delete(key)); // never keep a failure
  return value;
}
export const VOLATILE_TTL_MS = 15_000;

// ---- references ------------------------------------------------------------------------------

/** Path of another table's row; '' when the engine cannot resolve references (or no such row). */
export async function ref(ctx: ReadContext, tablePath: string, key: string): Promise<string> {
  if (!ctx.ref) return ''; // contexts made outside the engine (tests, tools)
  return (await ctx.ref(tablePath, key)) ?? '';
}

/** A comma-separated list of references (LowerLayers), empty items dropped. */
export async function refList(ctx: ReadContext, targets: Array<[string, string]>): Promise<string> {
  const paths = await Promise.all(targets.map(([t, k]) => ref(ctx, t, k)));
  return paths.filter((p) => p !== '').join(',');
}

// ---- LastChange --------------------------------------------------------------------------------

/**
 * Seconds since `key` entered `status`. Linux does not record when an interface changed state, so
 * the first sighting counts from boot and later changes are seen when a request notices them.
 */
export async function secondsInStatus(ctx: ReadContext, d: Resolved, key: string, status: string): Promise<number> {
  const now = d.now().getTime();
  const seen = d.state.statusSince.get(key);
  if (!seen || seen.status !== status) {
    const up = seen ? null : await uptime(ctx, d);
    d.state.statusSince.set(key, { status, since: up === null ? now : now - up * 1000 });
  }
  return uint32(Math.floor((now - d.state.statusSince.get(key)!.since) / 1000));
}

// ---- TR-181 value ranges ---------------------------------------------------------------------

const UINT32_MAX = 0xffffffff;

/** Cut to `max` characters (TR-181 string sizes count characters). */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  return Array.from(s).slice(0, max).join('');
}

export function uint32(n: number): number {
  if (!Number.isFinite(n) || n < 0) return 0;
  return Math.min(UINT32_MAX, Math.floor(n));
}

/** StatsCounter32 wraps like the 32-bit counter it models. */
export function counter32(v: bigint | undefined): number {
  return v === undefined ? 0 : Number(v & 0xffffffffn);
}

export function counter64(v: bigint | undefined): bigint {
  return v === undefined ? 0n : v & 0xffffffffffffffffn;
}

/** TR-106 "unknown time". */
export const UNKNOWN_TIME = new Date('0001-01-01T00:00:00Z');
/** TR-106 "infinite time" (no expiry). */
export const INFINITE_TIME = new Date('9999-12-31T23:59:59Z');

/** A boolean from the engine (already typed, or still wire text). */
export function asBoolean(v: Value): boolean {
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toLowerCase();
  if (s === 'true' || s === '1') return true;
  if (s === 'false' || s === '0') return false;
  throw new Error(`"${String(v)}" is not a boolean`);
}

/** Makes list keys unique by suffixing repeats ("k", "k#2"): the kernel may list twins. */
export function withUniqueKeys<R>(rows: Array<{ key: string; row: R }>): Array<{ key: string; row: R }> {
  const seen = new Map<string, number>();
  return rows.map(({ key, row }) => {
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return { key: n === 1 ? key : `${key}#${n}`, row };
  });
}
