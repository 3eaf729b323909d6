// Device.Ethernet: Interface.{i} = Ethernet ports (physical NICs, veth ends), Link.{i} = every
// Ethernet-framed netdev (the MAC layer that IP.Interface stacks on). Layering, as TR-181 wants:
// IP.Interface → Ethernet.Link → Ethernet.Interface.
import { resolveDeps, type LinuxDeps } from './deps.js';
import type { ModelBuilder } from './model-api.js';
import { mapOperState, type NetInterface } from './readers/net.js';
import { statsParams } from './stats.js';
import { ipv4Routes, ipv6Routes, netInterfaces, refList, secondsInStatus, T, truncate, uint32 } from './shared.js';
import { defaultRouteInterfaces } from './readers/routes.js';

export const status = (i: NetInterface): string => mapOperState(i.operstate, i.adminUp, i.carrier);

export function register(model: ModelBuilder, deps: LinuxDeps): void {
  const d = resolveDeps(deps);

  model.object('Device.Ethernet.', { params: {} });

  model.table<NetInterface>(T.ethInterface, {
    list: async (_, ctx) => (await netInterfaces(ctx, d)).filter((i) => i.kind === 'ethernet').map((i) => ({ key: i.name, row: i })),
    params: {
      Enable: { get: (i) => i.adminUp },
      Status: { get: status },
      Name: { get: (i) => truncate(i.name, 64) },
      LastChange: { get: (i, ctx) => secondsInStatus(ctx, d, `eth:${i.name}`, status(i)) },
      LowerLayers: { get: () => '' }, // a port is the bottom of the stack
      Upstream: {
        get: async (i, ctx) => defaultRouteInterfaces(await ipv4Routes(ctx, d), await ipv6Routes(ctx, d)).has(i.name),
      },
      MACAddress: { get: (i) => i.mac },
      // Linux negotiates the rate; the best we know is the rate in use (-1 = automatic/unknown).
      MaxBitRate: { get: (i) => i.speedMbps ?? -1 },
      CurrentBitRate: { get: (i) => uint32(i.speedMbps ?? 0) },
      DuplexMode: { get: () => 'Auto' },
      CurrentDuplexMode: { get: (i) => (i.duplex === 'full' ? 'Full' : i.duplex === 'half' ? 'Half' : 'Unknown') },
    },
  });
  model.object<NetInterface>(`${T.ethInterface}Stats.`, { params: statsParams(d, { collisions: true }) });

  model.table<NetInterface>(T.ethLink, {
    list: async (_, ctx) => (await netInterfaces(ctx, d)).filter((i) => i.ethernetFramed).map((i) => ({ key: i.name, row: i })),
    params: {
      Enable: { get: (i) => i.adminUp },
      Status: { get: status },
      Name: { get: (i) => truncate(i.name, 64) },
      LastChange: { get: (i, ctx) => secondsInStatus(ctx, d, `link:${i.name}`, status(i)) },
      LowerLayers: { get: (i, ctx) => (i.kind === 'ethernet' ? refList(ctx, [[T.ethInterface, i.name]]) : '') },
      MACAddress: { get: (i) => i.mac },
      MTU: { get: (i) => uint32(i.mtu) },
    },
  });
  model.object<NetInterface>(`${T.ethLink}Stats.`, { params: statsParams(d, { collisions: false }) });
}
