// What the Linux backend needs from its host program, and the state it keeps between requests.
import { networkInterfaces as osNetworkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { NetworkInterfacesFn } from './readers/addresses.js';
import { runCommand, type CommandRunner } from './readers/command.js';
import { CpuMeter } from './readers/cpu.js';

/** The identity overrides of the settings table (SETTINGS.md); '' or absent = derive from the machine. */
export interface IdentitySettings {
  manufacturer?: string;
  'manufacturer-oui'?: string;
  'product-class'?: string;
  'serial-number'?: string;
}

export interface LinuxDeps {
  /** Current identity overrides (called on every read, so `set` takes effect at once). */
  settings(): IdentitySettings;
  /** File system root all system files are read under: '/' (default) or a test fixture tree. */
  root?: string;
  /** resolv.conf that Device.DNS.Client.Server reads and edits; default <root>/etc/resolv.conf. */
  resolvConfPath?: string;
  /** Where the DNS table remembers row keys of re-addressed servers (persistent instance numbers). */
  dnsKeysFile?: string;
  /** Fixed Device.DeviceInfo.SoftwareVersion; default: the OS's PRETTY_NAME. */
  softwareVersion?: string;
  /** Wall clock; default new Date(). */
  now?: () => Date;
  /** IPv4 address source; default os.networkInterfaces() when root is '/', else none. */
  networkInterfaces?: NetworkInterfacesFn;
  /** Runs `ip -6 neigh`, `timedatectl`; default: real programs when root is '/', else none (null). */
  runCommand?: CommandRunner | null;
}

export interface Resolved {
  settings: () => IdentitySettings;
  root: string;
  resolvConfPath: string;
  softwareVersion: string | undefined;
  now: () => Date;
  networkInterfaces: NetworkInterfacesFn;
  run: CommandRunner | null;
  state: BackendState;
}

/** Remembered between requests: CPU samples, when each interface last changed status, sensor extremes. */
export interface BackendState {
  cpu: CpuMeter;
  statusSince: Map<string, { status: string; since: number }>;
  sensors: Map<string, { min: number; minAt: Date; max: number; maxAt: Date; since: Date }>;
  /** Short-lived listings of fast-changing tables (see shared.ts snapshot()). */
  snapshots: Map<string, { at: number; value: Promise<unknown> }>;
}

const resolvedByDeps = new WeakMap<LinuxDeps, Resolved>();

/** One Resolved (and so one BackendState) per deps object, shared by every area. */
export function resolveDeps(deps: LinuxDeps): Resolved {
  let r = resolvedByDeps.get(deps);
  if (r) return r;
  const root = deps.root ?? '/';
  const real = root === '/';
  r = {
    settings: deps.settings,
    root,
    resolvConfPath: deps.resolvConfPath ?? join(root, 'etc/resolv.conf'),
    softwareVersion: deps.softwareVersion,
    now: deps.now ?? (() => new Date()),
    networkInterfaces: deps.networkInterfaces ?? (real ? osNetworkInterfaces : () => ({})),
    run: deps.runCommand !== undefined ? deps.runCommand : real ? runCommand : null,
    state: { cpu: new CpuMeter(root), statusSince: new Map(), sensors: new Map(), snapshots: new Map() },
  };
  resolvedByDeps.set(deps, r);
  return r;
}
