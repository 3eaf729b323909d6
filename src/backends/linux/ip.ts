// Device.IP: one IP.Interface per netdev (loopback included), its IPv4/IPv6 addresses and
// counters, the global IPv4/IPv6 switches, and the TCP ports in use (IP.ActivePort).
import { resolveDeps, type LinuxDeps, type Resolved } from './deps.js';
import { status } from './ethernet.js';
import type { ModelBuilder, ReadContext } from './model-api.js';
import { readDhcpLeases, type Ipv4Address, type Ipv6Address } from './readers/addresses.js';
import { exists } from './readers/fs.js';
import { readIpv6Disabled, type NetInterface } from './readers/net.js';
import { readActivePorts, type ActivePort } from './readers/ports.js';
import {
  INFINITE_TIME,
  ipv4Addresses,
  ipv6Addresses,
  MAIN_ROUTER_KEY,
  netInterfaces,
  ref,
  refList,
  secondsInStatus,
  snapshot,
  T,
  truncate,
  UNKNOWN_TIME,
  VOLATILE_TTL_MS,
  withUniqueKeys,
} from './shared.js';
import { statsParams } from './stats.js';

const dhcpLeases = (ctx: ReadContext, d: Resolved): Promise<Set<string>> =>
  ctx.cache('linux:dhcp', async () => {
    const byIndex = new Map((await netInterfaces(ctx, d)).map((i) => [i.ifindex, i.name]));
    return readDhcpLeases(d.root, byIndex);
  });

function addressingType(a: Ipv4Address, leases: Set<string>): string {
  if (a.address.startsWith('169.254.')) return 'AutoIP';
  return leases.has(`${a.ifname} ${a.address}`) ? 'DHCP' : 'Static';
}

export function register(model: ModelBuilder, deps: LinuxDeps): void {
  const d = resolveDeps(deps);
  const v4 = () => exists(d.root, '/proc/net/route');
  const v6 = () => exists(d.root, '/proc/net/if_inet6');
  const v6Enabled = async () => v6() && (await readIpv6Disabled(d.root, 'all')) !== true;

  model.object('Device.IP.', {
    params: {
      IPv4Capable: { get: v4 },
      IPv4Enable: { get: v4 },
      IPv4Status: { get: () => (v4() ? 'Enabled' : 'Disabled') },
      IPv6Capable: { get: v6 },
      IPv6Enable: { get: v6Enabled },
      IPv6Status: { get: async () => ((await v6Enabled()) ? 'Enabled' : 'Disabled') },
    },
  });

  model.table<NetInterface>(T.ipInterface, {
    list: async (_, ctx) => (await netInterfaces(ctx, d)).map((i) => ({ key: i.name, row: i })),
    params: {
      Enable: { get: (i) => i.adminUp },
      IPv4Enable: { get: v4 },
      IPv6Enable: { get: async (i) => v6() && (await readIpv6Disabled(d.root, i.name)) === false },
      Status: { get: status },
      Name: { get: (i) => truncate(i.name, 64) },
      LastChange: { get: (i, ctx) => secondsInStatus(ctx, d, `ip:${i.name}`, status(i)) },
      LowerLayers: { get: (i, ctx) => (i.ethernetFramed ? refList(ctx, [[T.ethLink, i.name]]) : '') },
      Router: { get: (_, ctx) => ref(ctx, T.router, MAIN_ROUTER_KEY) },
      MaxMTUSize: { get: (i) => Math.max(64, Math.min(65535, i.mtu)) },
      Type: { get: (i) => (i.kind === 'loopback' ? 'Loopback' : 'Normal') },
      Loopback: { get: (i) => i.kind === 'loopback' },
    },
  });
  model.object<NetInterface>(`${T.ipInterface}Stats.`, { params: statsParams(d, { collisions: false }) });

  model.table<Ipv4Address, NetInterface>(`${T.ipInterface}IPv4Address.{i}.`, {
    list: async (i, ctx) =>
      (await ipv4Addresses(ctx, d))
        .filter((a) => a.ifname === i.name)
        .map((a) => ({ key: `${a.address}/${a.prefixLength}`, row: a })),
    params: {
      Enable: { get: () => true },
      Status: { get: () => 'Enabled' },
      IPAddress: { get: (a) => a.address },
      SubnetMask: { get: (a) => a.netmask },
      AddressingType: { get: async (a, ctx) => addressingType(a, await dhcpLeases(ctx, d)) },
    },
  });

  model.table<Ipv6Address, NetInterface>(`${T.ipInterface}IPv6Address.{i}.`, {
    list: async (i, ctx) =>
      (await ipv6Addresses(ctx, d)).filter((a) => a.ifname === i.name).map((a) => ({ key: a.address, row: a })),
    params: {
      Enable: { get: () => true },
      Status: { get: (a) => (a.status === 'Duplicate' ? 'Error' : 'Enabled') },
      IPAddressStatus: { get: (a) => a.status },
      IPAddress: { get: (a) => a.address },
      Origin: { get: (a) => a.origin },
      // The kernel keeps lifetimes only in netlink; permanent addresses never expire.
      PreferredLifetime: { get: (a) => (a.permanent ? INFINITE_TIME : UNKNOWN_TIME) },
      ValidLifetime: { get: (a) => (a.permanent ? INFINITE_TIME : UNKNOWN_TIME) },
      Anycast: { get: () => false },
    },
  });

  model.table<ActivePort>('Device.IP.ActivePort.{i}.', {
    ephemeral: true,
    list: async () =>
      withUniqueKeys(
        (await snapshot(d, 'ports', VOLATILE_TTL_MS, () => readActivePorts(d.root))).map((p) => ({
          key: `${p.localAddress}|${p.localPort}|${p.remoteAddress}|${p.remotePort}`,
          row: p,
        })),
      ),
    params: {
      LocalIPAddress: { get: (p) => p.localAddress },
      LocalPort: { get: (p) => p.localPort },
      RemoteIPAddress: { get: (p) => p.remoteAddress },
      RemotePort: { get: (p) => p.remotePort },
      Status: { get: (p) => p.status },
    },
  });
}
