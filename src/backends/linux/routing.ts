// Device.Routing: Router.1 is the kernel's main table; its IPv4/IPv6 routes are read-only rows.
import { resolveDeps, type LinuxDeps } from './deps.js';
import type { ModelBuilder } from './model-api.js';
import type { Ipv4Route, Ipv6Route } from './readers/routes.js';
import { INFINITE_TIME, ipv4Routes, ipv6Routes, MAIN_ROUTER_KEY, ref, T, UNKNOWN_TIME, withUniqueKeys } from './shared.js';

export function register(model: ModelBuilder, deps: LinuxDeps): void {
  const d = resolveDeps(deps);

  model.object('Device.Routing.', { params: {} });

  model.table<string>(T.router, {
    list: () => [{ key: MAIN_ROUTER_KEY, row: MAIN_ROUTER_KEY }],
    params: {
      Enable: { get: () => true },
      Status: { get: () => 'Enabled' },
    },
  });

  model.table<Ipv4Route, string>(`${T.router}IPv4Forwarding.{i}.`, {
    list: async (_, ctx) =>
      withUniqueKeys(
        (await ipv4Routes(ctx, d)).map((r) => ({ key: `${r.dest}/${r.mask}>${r.gateway}@${r.ifname}:${r.metric}`, row: r })),
      ),
    params: {
      Enable: { get: (r) => r.up },
      Status: { get: (r) => (r.up ? 'Enabled' : 'Disabled') },
      Type: { get: (r) => (r.reject ? 'Unreachable' : 'Normal') },
      StaticRoute: { get: (r) => !r.dynamic },
      DestIPAddress: { get: (r) => r.dest },
      DestSubnetMask: { get: (r) => r.mask },
      ForwardingPolicy: { get: () => -1 },
      GatewayIPAddress: { get: (r) => r.gateway },
      Interface: { get: (r, ctx) => ref(ctx, T.ipInterface, r.ifname) },
      Origin: { get: () => 'Static' },
      ForwardingMetric: { get: (r) => r.metric },
    },
  });

  model.table<Ipv6Route, string>(`${T.router}IPv6Forwarding.{i}.`, {
    list: async (_, ctx) =>
      withUniqueKeys(
        (await ipv6Routes(ctx, d)).map((r) => ({ key: `${r.destPrefix}>${r.nextHop}@${r.ifname}:${r.metric}`, row: r })),
      ),
    params: {
      Enable: { get: (r) => r.up },
      Status: { get: (r) => (r.up ? 'Enabled' : 'Disabled') },
      Type: { get: (r) => (r.reject ? 'Unreachable' : 'Normal') },
      DestIPPrefix: { get: (r) => r.destPrefix },
      ForwardingPolicy: { get: () => -1 },
      NextHop: { get: (r) => r.nextHop },
      Interface: { get: (r, ctx) => ref(ctx, T.ipInterface, r.ifname) },
      Origin: { get: (r) => (r.fromRa ? 'RA' : 'Static') },
      ForwardingMetric: { get: (r) => r.metric },
      // RA routes expire, but procfs does not say when.
      ExpirationTime: { get: (r) => (r.expires ? UNKNOWN_TIME : INFINITE_TIME) },
    },
  });
}
