// Device.Time: local time and zone, and the NTP clients found on the machine as Time.Client rows
// (TR-181 2.19 deleted Time.NTPServer1..5; the servers now live in Client.{i}.Servers).
import { resolveDeps, type LinuxDeps, type Resolved } from './deps.js';
import type { ModelBuilder, ReadContext } from './model-api.js';
import { readClockSynchronized, readNtpClients, readTimeZone, type NtpClientConfig } from './readers/time.js';
import { truncate } from './shared.js';

/** xsd:dateTime in local time with its UTC offset: 2025-11-25T14:18:00+01:00. */
export function localDateTime(t: Date): string {
  const p = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
  const off = -t.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  return (
    `${p(t.getFullYear(), 4)}-${p(t.getMonth() + 1)}-${p(t.getDate())}T` +
    `${p(t.getHours())}:${p(t.getMinutes())}:${p(t.getSeconds())}` +
    `${sign}${p(Math.trunc(Math.abs(off) / 60))}:${p(Math.abs(off) % 60)}`
  );
}

const clients = (ctx: ReadContext, d: Resolved): Promise<NtpClientConfig[]> =>
  ctx.cache('linux:ntp', () => readNtpClients(d.root));
const synced = (ctx: ReadContext, d: Resolved): Promise<boolean | null> =>
  ctx.cache('linux:ntpsync', () => readClockSynchronized(d.root, d.run));

function clientStatus(enabled: boolean, sync: boolean | null): string {
  if (!enabled) return 'Disabled';
  return sync ? 'Synchronized' : 'Unsynchronized';
}

export function register(model: ModelBuilder, deps: LinuxDeps): void {
  const d = resolveDeps(deps);
  model.object('Device.Time.', {
    params: {
      Enable: { get: async (_, ctx) => (await clients(ctx, d)).some((c) => c.enabled) },
      Status: {
        get: async (_, ctx) => clientStatus((await clients(ctx, d)).some((c) => c.enabled), await synced(ctx, d)),
      },
      CurrentLocalTime: { get: () => localDateTime(d.now()) },
      LocalTimeZone: {
        get: async (_, ctx) => {
          const tz = await ctx.cache('linux:tz', () => readTimeZone(d.root));
          return truncate(tz.posix ?? tz.name ?? '', 256);
        },
      },
    },
  });

  model.table<NtpClientConfig>('Device.Time.Client.{i}.', {
    list: async (_, ctx) => (await clients(ctx, d)).map((c) => ({ key: c.client, row: c })),
    params: {
      Enable: { get: (c) => c.enabled },
      Status: { get: async (c, ctx) => clientStatus(c.enabled, await synced(ctx, d)) },
      Mode: { get: () => 'Unicast' },
      Port: { get: () => 123 },
      Version: { get: () => 4 },
      Servers: { get: (c) => c.servers.map((s) => s.replace(/,/g, '')).join(',') },
    },
  });
}
