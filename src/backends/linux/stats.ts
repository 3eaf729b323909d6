// The Stats sub-object shared by Ethernet.Interface, Ethernet.Link and IP.Interface, from
// /sys/class/net/<name>/statistics. Linux does not count sent multicast/broadcast or received
// broadcast separately, so those parameters are not offered. UnicastPacketsReceived is
// rx_packets − multicast (drivers count broadcast frames as multicast).
import type { Resolved } from './deps.js';
import type { ParamSpec, ReadContext } from './model-api.js';
import type { NetInterface, NetStats } from './readers/net.js';
import { counter32, counter64, netStats } from './shared.js';

export function statsParams(d: Resolved, opts: { collisions: boolean }): Record<string, ParamSpec<NetInterface>> {
  const s = (i: NetInterface, ctx: ReadContext): Promise<NetStats> => netStats(ctx, d, i.name);
  const c64 = (f: string): ParamSpec<NetInterface> => ({ get: async (i, ctx) => counter64((await s(i, ctx))[f]) });
  const c32 = (f: string): ParamSpec<NetInterface> => ({ get: async (i, ctx) => counter32((await s(i, ctx))[f]) });
  const params: Record<string, ParamSpec<NetInterface>> = {
    BytesSent: c64('tx_bytes'),
    BytesReceived: c64('rx_bytes'),
    PacketsSent: c64('tx_packets'),
    PacketsReceived: c64('rx_packets'),
    ErrorsSent: c32('tx_errors'),
    ErrorsReceived: c32('rx_errors'),
    DiscardPacketsSent: c32('tx_dropped'),
    DiscardPacketsReceived: c32('rx_dropped'),
    MulticastPacketsReceived: c64('multicast'),
    UnicastPacketsReceived: {
      get: async (i, ctx) => {
        const st = await s(i, ctx);
        const u = (st.rx_packets ?? 0n) - (st.multicast ?? 0n);
        return counter64(u < 0n ? 0n : u);
      },
    },
    UnknownProtoPacketsReceived: c32('rx_nohandler'),
  };
  if (opts.collisions) params.Collisions = c64('collisions');
  return params;
}
