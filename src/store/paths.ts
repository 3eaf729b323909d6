// Where the client keeps things. Every persistent file lives in ONE data directory, and its names are
// listed here and nowhere else, so that the CLI, the daemon and reset-tr069-config agree on them.
// A module that needs a new file or directory adds its name here.
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/** Data directory of the system service (matches StateDirectory=tr069-client in the systemd unit). */
export const SYSTEM_DATA_DIR = '/var/lib/tr069-client';
/** Script of `set` lines applied after a FactoryReset (see settings/defaults.ts). */
export const SYSTEM_DEFAULTS_FILE = '/etc/tr069-client/defaults';

/** Environment variables that mean the same as the CLI flags (a flag wins over its variable). */
export const ENV_DATA_DIR = 'TR069_DATA_DIR';
export const ENV_DEFAULTS_FILE = 'TR069_DEFAULTS_FILE';

/** Files in the data dir, by owner. All are DurableFile JSON (0600). */
export const DATA_FILES = {
  /** CLI settings (settings/settings.ts). */
  settings: 'settings.json',
  /** Written by the daemon, read by `print`: last session error, retry count, pid (store/status.ts). */
  status: 'status.json',
  /** Agent/session state: bootstrapped-to URL, pending events, ParameterKey, scheduled informs… */
  state: 'state.json',
  /** Data model state: instance numbers, attributes, last reported values. */
  model: 'model.json',
  /** Durable transfer queue. */
  transfers: 'transfers.json',
  /** Connection-request state (e.g. UDP timestamps, rate limit). */
  connreq: 'connreq.json',
  /** Row keys of DNS servers the ACS re-addressed (so they keep their instance numbers). */
  dnsKeys: 'dns-keys.json',
  /** The daemon's recent log (JSON lines), for Upload "2 Vendor Log File"; rotated at start. */
  log: 'client.log',
} as const;

/** Directories in the data dir. reset-tr069-config only descends into these (and lock dirs). */
export const DATA_DIRS = {
  /** Files being downloaded or waiting to be applied. */
  downloads: 'downloads',
  /** Files being prepared for an Upload. */
  uploads: 'uploads',
} as const;

export type DataFileName = keyof typeof DATA_FILES;
export type DataDirName = keyof typeof DATA_DIRS;
export type DataPaths = { readonly dir: string } & { readonly [K in DataFileName | DataDirName]: string };

/** Absolute paths of everything in `dataDir`. */
export function dataPaths(dataDir: string): DataPaths {
  const dir = resolve(dataDir);
  const out: Record<string, string> = { dir };
  for (const [k, name] of Object.entries({ ...DATA_FILES, ...DATA_DIRS })) out[k] = join(dir, name);
  return out as DataPaths;
}

/**
 * Default data dir: /var/lib/tr069-client for root, otherwise ${XDG_STATE_HOME:-~/.local/state}/tr069-client
 * (a relative XDG_STATE_HOME is ignored, as the XDG spec asks).
 */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  uid: number | undefined = process.getuid?.(),
): string {
  if (uid === 0) return SYSTEM_DATA_DIR;
  const xdg = env.XDG_STATE_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.local', 'state');
  return join(base, 'tr069-client');
}

/** The data dir to use: --data-dir flag, else $TR069_DATA_DIR, else the default; always absolute. */
export function resolveDataDir(flag?: string, env: NodeJS.ProcessEnv = process.env, uid?: number): string {
  const chosen = nonEmpty(flag) ?? nonEmpty(env[ENV_DATA_DIR]) ?? defaultDataDir(env, uid ?? process.getuid?.());
  return resolve(chosen);
}

/** The defaults file to use: --defaults-file flag, else $TR069_DEFAULTS_FILE, else /etc/tr069-client/defaults. */
export function resolveDefaultsFile(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(nonEmpty(flag) ?? nonEmpty(env[ENV_DEFAULTS_FILE]) ?? SYSTEM_DEFAULTS_FILE);
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}
