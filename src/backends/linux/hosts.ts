// Device.Hosts.Host.{i}: the machines this one has talked to recently, from the neighbour tables
// (one row per MAC address, the TR-181 unique key), named from dnsmasq leases when present.
import { resolveDeps, type LinuxDeps, type Resolved } from './deps.js';
import type { ModelBuilder } from './model-api.js';
import { readLeaseHostNames, readNeighbours, type Neighbour } from './readers/neighbours.js';
import { netInterfaces, ref, snapshot, T, truncate, VOLATILE_TTL_MS } from './shared.js';

export interface HostRow {
  mac: string;
  ifname: string;
  active: boolean;
  ipv4: string[];
  ipv6: string[];
}

export function groupByMac(neigh: Neighbour[]): HostRow[] {
  const byMac = new Map<string, { row: HostRow; seen: Neighbour[] }>();
  for (const n of neigh) {
    if (n.ifname === 'lo') continue;
    let h = byMac.get(n.mac);
    if (!h) {
      h = { row: { mac: n.mac, ifname: n.ifname, active: false, ipv4: [], ipv6: [] }, seen: [] };
      byMac.set(n.mac, h);
    }
    h.row.active ||= n.active;
    h.seen.push(n);
  }
  return [...byMac.values()].map(({ row, seen }) => {
    // Confirmed addresses first (Host.IPAddress names the first), otherwise in table order.
    for (const n of [...seen.filter((x) => x.active), ...seen.filter((x) => !x.active)]) {
      const list = n.family === 4 ? row.ipv4 : row.ipv6;
      if (!list.includes(n.ip)) list.push(n.ip);
    }
    return row;
  });
}

/** Host.IPAddress: an IPv4 address if any, else a global IPv6 one, else link-local. */
export function mainAddress(h: HostRow): string {
  return h.ipv4[0] ?? h.ipv6.find((a) => !a.startsWith('fe80:')) ?? h.ipv6[0] ?? '';
}

const hosts = (d: Resolved): Promise<HostRow[]> =>
  snapshot(d, 'hosts', VOLATILE_TTL_MS, async () => groupByMac(await readNeighbours(d.root, d.run)));

export function register(model: ModelBuilder, deps: LinuxDeps): void {
  const d = resolveDeps(deps);

  model.object('Device.Hosts.', { params: {} });

  // Neighbours come and go all day: their instance numbers need not survive a restart.
  model.table<HostRow>('Device.Hosts.Host.{i}.', {
    ephemeral: true,
    list: async () => (await hosts(d)).map((h) => ({ key: h.mac, row: h })),
    params: {
      PhysAddress: { get: (h) => h.mac },
      IPAddress: { get: (h) => mainAddress(h) },
      Layer3Interface: { get: (h, ctx) => ref(ctx, T.ipInterface, h.ifname) },
      InterfaceType: {
        get: async (h, ctx) => {
          const i = (await netInterfaces(ctx, d)).find((x) => x.name === h.ifname);
          if (i?.kind === 'wifi') return 'Wi-Fi';
          return i?.ethernetFramed ? 'Ethernet' : 'Other';
        },
      },
      HostName: {
        get: async (h, ctx) => truncate((await ctx.cache('linux:leasenames', () => readLeaseHostNames(d.root))).get(h.mac) ?? '', 64),
      },
      Active: { get: (h) => h.active },
    },
  });
  model.table<string, HostRow>('Device.Hosts.Host.{i}.IPv4Address.{i}.', {
    ephemeral: true,
    list: (h) => h.ipv4.map((a) => ({ key: a, row: a })),
    params: { IPAddress: { get: (a) => a } },
  });
  model.table<string, HostRow>('Device.Hosts.Host.{i}.IPv6Address.{i}.', {
    ephemeral: true,
    list: (h) => h.ipv6.map((a) => ({ key: a, row: a })),
    params: { IPAddress: { get: (a) => a } },
  });
}
