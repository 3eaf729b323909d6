// The settings table: one row per CLI setting (the names of RouterOS's /tr069-client where it has one),
// with its kind, default, meaning and the TR-181 parameter it is (one truth: the data model reads and
// writes the setting). Shared by the CLI (print/set), the defaults file, the daemon and the data model.
//
// Naming: values are keyed by the CLI names everywhere — in settings.json, in `print --json`, and in
// code (`values['acs-url']`), so there is no second spelling to keep in sync.
import { DurableFile, StateFileError } from '../store/durable-file.js';
import { dataPaths } from '../store/paths.js';
import type { DaemonStatus } from '../store/status.js';
import {
  acsUrl,
  command,
  dateTime,
  duration,
  host,
  integer,
  ipAddress,
  type Kind,
  type ParamType,
  type ParseContext,
  oui,
  pemFile,
  port,
  SettingValueError,
  text,
  yesNo,
} from './kinds.js';

export { SettingValueError } from './kinds.js';
export type { ParamType } from './kinds.js';

export interface SettingsValues {
  enabled: boolean;
  'acs-url': string;
  username: string;
  password: string;
  'periodic-inform-enabled': boolean;
  /** seconds */
  'periodic-inform-interval': number;
  /** UTC "YYYY-MM-DDTHH:MM:SSZ", or "" = unknown (no phase) */
  'periodic-inform-time': string;
  /** absolute path or "" */
  'client-certificate': string;
  /** absolute path or "" (= system store) */
  'ca-certificate': string;
  'check-certificate': boolean;
  'connection-request-port': number;
  'connection-request-address': string;
  'connection-request-enabled': boolean;
  'connection-request-username': string;
  'connection-request-password': string;
  /** 0 = off */
  'udp-connection-request-port': number;
  'stun-enabled': boolean;
  'stun-server-address': string;
  'stun-server-port': number;
  'stun-username': string;
  'stun-password': string;
  /** seconds */
  'stun-min-keepalive': number;
  /** seconds, or -1 = unspecified */
  'stun-max-keepalive': number;
  /** seconds */
  'retry-minimum-wait': number;
  /** thousandths (2000 = ×2) */
  'retry-interval-multiplier': number;
  /** seconds */
  'active-notification-throttle': number;
  'provisioning-code': string;
  manufacturer: string;
  'manufacturer-oui': string;
  'product-class': string;
  'serial-number': string;
  'reboot-command': string;
  'factory-reset-command': string;
  'upgrade-command': string;
  'script-command': string;
  'config-command': string;
}

export type SettingKey = keyof SettingsValues;

export interface SettingDef<T> {
  readonly kind: Kind<T>;
  readonly default: T;
  /** One line for the README table and `--help`. */
  readonly doc: string;
  /** Printed as "********" when set and read as "" through the data model. */
  readonly secret?: boolean;
  /** The TR-181 parameter this setting is. */
  readonly parameter?: string;
  /** false: the parameter is read-only for the ACS (identity overrides). Default true. */
  readonly acsWritable?: boolean;
}

type Table = { readonly [K in SettingKey]: SettingDef<SettingsValues[K]> };

const MS = 'Device.ManagementServer.';
const DI = 'Device.DeviceInfo.';

// Row order is the print order.
const TABLE: Table = {
  enabled: { kind: yesNo(), default: true, parameter: MS + 'EnableCWMP', doc: 'Master switch: no = no sessions and no connection requests.' },
  'acs-url': { kind: acsUrl(), default: '', parameter: MS + 'URL', doc: 'ACS URL (http:// for labs, https:// in production); a change means BOOTSTRAP.' },
  username: { kind: text({ max: 256 }), default: '', parameter: MS + 'Username', doc: 'Username for HTTP authentication towards the ACS.' },
  password: { kind: text({ max: 256 }), default: '', secret: true, parameter: MS + 'Password', doc: 'Password for HTTP authentication towards the ACS.' },
  'periodic-inform-enabled': { kind: yesNo(), default: true, parameter: MS + 'PeriodicInformEnable', doc: 'Contact the ACS periodically.' },
  'periodic-inform-interval': { kind: duration({ min: 1 }), default: 86_400, parameter: MS + 'PeriodicInformInterval', doc: 'Time between periodic Informs.' },
  'periodic-inform-time': { kind: dateTime(), default: '', parameter: MS + 'PeriodicInformTime', doc: 'Phase reference of the periodic Informs ("" = none).' },
  'client-certificate': { kind: pemFile('client'), default: '', doc: 'PEM file with the TLS client certificate and its key, for the ACS ("" = none).' },
  'ca-certificate': { kind: pemFile('ca'), default: '', doc: 'PEM bundle of CAs trusted for the ACS ("" = the system store).' },
  'check-certificate': { kind: yesNo(), default: true, doc: 'Verify the ACS certificate (no = accept any; lab use only).' },
  'connection-request-port': { kind: port(1), default: 7547, doc: 'TCP port of the connection-request listener (in ConnectionRequestURL).' },
  'connection-request-address': { kind: ipAddress(), default: '', doc: 'IP address the listener binds to ("" = all).' },
  'connection-request-enabled': { kind: yesNo(), default: true, parameter: MS + 'HTTPConnectionRequestEnable', doc: 'Accept HTTP connection requests.' },
  'connection-request-username': { kind: text({ max: 256 }), default: '', parameter: MS + 'ConnectionRequestUsername', doc: 'Username the ACS must use for connection requests (generated on first start when "").' },
  'connection-request-password': { kind: text({ max: 256 }), default: '', secret: true, parameter: MS + 'ConnectionRequestPassword', doc: 'Password the ACS must use for connection requests (generated on first start when "").' },
  'udp-connection-request-port': { kind: port(0), default: 0, doc: 'UDP port for TR-111 connection requests (0 = off).' },
  'stun-enabled': { kind: yesNo(), default: false, parameter: MS + 'STUNEnable', doc: 'Use STUN to keep a NAT binding for UDP connection requests.' },
  'stun-server-address': { kind: host(), default: '', parameter: MS + 'STUNServerAddress', doc: 'STUN server ("" = the ACS host).' },
  'stun-server-port': { kind: port(0), default: 3478, parameter: MS + 'STUNServerPort', doc: 'STUN server port.' },
  'stun-username': { kind: text({ max: 256 }), default: '', parameter: MS + 'STUNUsername', doc: 'STUN username.' },
  'stun-password': { kind: text({ max: 256 }), default: '', secret: true, parameter: MS + 'STUNPassword', doc: 'STUN password.' },
  'stun-min-keepalive': { kind: duration({ min: 0 }), default: 30, parameter: MS + 'STUNMinimumKeepAlivePeriod', doc: 'Shortest time between STUN keep-alives.' },
  'stun-max-keepalive': { kind: duration({ min: 0, max: 2_147_483_647, minusOne: true }), default: -1, parameter: MS + 'STUNMaximumKeepAlivePeriod', doc: 'Longest time between STUN keep-alives (-1 = unspecified).' },
  'retry-minimum-wait': { kind: duration({ min: 1, max: 65_535 }), default: 5, parameter: MS + 'CWMPRetryMinimumWaitInterval', doc: 'First retry wait after a failed session (doubles by default).' },
  'retry-interval-multiplier': { kind: integer({ min: 1000, max: 65_535 }), default: 2000, parameter: MS + 'CWMPRetryIntervalMultiplier', doc: 'Retry back-off factor in thousandths (2000 = ×2).' },
  'active-notification-throttle': { kind: duration({ min: 0 }), default: 0, parameter: MS + 'DefaultActiveNotificationThrottle', doc: 'Least time between two active-notification Informs.' },
  'provisioning-code': { kind: text({ max: 64 }), default: '', parameter: DI + 'ProvisioningCode', doc: 'Provisioning code sent in every Inform.' },
  manufacturer: { kind: text({ max: 64 }), default: '', parameter: DI + 'Manufacturer', acsWritable: false, doc: 'Identity override ("" = from DMI).' },
  'manufacturer-oui': { kind: oui(), default: '', parameter: DI + 'ManufacturerOUI', acsWritable: false, doc: 'Identity override, 6 hex digits ("" = derived).' },
  'product-class': { kind: text({ max: 64 }), default: '', parameter: DI + 'ProductClass', acsWritable: false, doc: 'Identity override ("" = from DMI).' },
  'serial-number': { kind: text({ max: 64 }), default: '', parameter: DI + 'SerialNumber', acsWritable: false, doc: 'Identity override ("" = from DMI or machine-id).' },
  'reboot-command': { kind: command(), default: '', doc: 'Shell command for Reboot, e.g. "systemctl reboot" ("" = log only).' },
  'factory-reset-command': { kind: command(), default: '', doc: 'Shell command run by FactoryReset after the client forgot its state.' },
  'upgrade-command': { kind: command(), default: '', doc: 'Shell command that installs a firmware download ("" = downloads fault 9010).' },
  'script-command': { kind: command(), default: '/bin/sh', doc: 'Interpreter for downloaded scripts ("" = scripts disabled).' },
  'config-command': { kind: command(), default: '', doc: 'Shell command that applies a vendor configuration file.' },
};

/** Setting names in table (print) order. */
export const SETTING_KEYS: readonly SettingKey[] = Object.keys(TABLE) as SettingKey[];

/** Reported, never set. */
export const READ_ONLY_KEYS = ['status', 'last-session-error', 'retry-count'] as const;
export type ReadOnlyKey = (typeof READ_ONLY_KEYS)[number];
/** Every key of `print --json`, in order. */
export const PRINT_KEYS: readonly (SettingKey | ReadOnlyKey)[] = [...SETTING_KEYS, ...READ_ONLY_KEYS];

export type ClientStatus = 'disabled' | 'waiting-URL' | 'running';

export function isSettingKey(key: string): key is SettingKey {
  return Object.prototype.hasOwnProperty.call(TABLE, key);
}

export function isReadOnlyKey(key: string): key is ReadOnlyKey {
  return (READ_ONLY_KEYS as readonly string[]).includes(key);
}

export function settingDef<K extends SettingKey>(key: K): SettingDef<SettingsValues[K]> {
  return TABLE[key] as SettingDef<SettingsValues[K]>;
}

export function defaultSettings(): SettingsValues {
  const out: Record<string, unknown> = {};
  for (const k of SETTING_KEYS) out[k] = TABLE[k].default;
  return out as unknown as SettingsValues;
}

/** RouterOS's read-only `status`, from the settings alone. */
export function clientStatus(values: SettingsValues): ClientStatus {
  if (!values.enabled) return 'disabled';
  if (values['acs-url'] === '') return 'waiting-URL';
  return 'running';
}

/** Keys whose values differ between two settings snapshots (for the daemon's reload). */
export function changedSettings(before: SettingsValues, after: SettingsValues): SettingKey[] {
  return SETTING_KEYS.filter((k) => before[k] !== after[k]);
}

// --- Parsing and formatting ---------------------------------------------------------------------------

export type ParseResult<K extends SettingKey = SettingKey> =
  | { ok: true; key: K; value: SettingsValues[K] }
  | { ok: false; error: string };

/**
 * Operator text → value, for `set` and the defaults file. Errors name the key and the problem, e.g.
 * `periodic-inform-interval: "abc" is not a duration (use seconds or 30s, 5m, 1h, 1d)`.
 * Certificate paths are resolved against `ctx.cwd` and their files checked.
 */
export function parseSettingValue(key: string, text: string, ctx: ParseContext = { cwd: process.cwd() }): ParseResult {
  if (!isSettingKey(key)) {
    if (isReadOnlyKey(key)) return { ok: false, error: `${key}: is read-only (the client reports it; it cannot be set)` };
    const near = closestKey(key);
    return { ok: false, error: `${key}: unknown setting${near ? ` (did you mean ${near}?)` : ''}` };
  }
  try {
    const value = (TABLE[key].kind as Kind<unknown>).parse(text, ctx);
    return { ok: true, key, value } as ParseResult;
  } catch (err) {
    if (err instanceof SettingValueError) return { ok: false, error: `${key}: ${err.message}` };
    throw err;
  }
}

/**
 * A value for `print`: text form (durations "1d", yes/no) or JSON form (numbers, "yes"/"no").
 * Secrets are "********" when set and "" when empty. Also formats the read-only keys.
 */
export function formatSetting(key: SettingKey | ReadOnlyKey, value: unknown, mode: 'text' | 'json'): string | number {
  if (isReadOnlyKey(key)) {
    if (key === 'retry-count') return mode === 'json' ? Number(value) : String(value);
    return String(value);
  }
  const def = TABLE[key] as SettingDef<unknown>;
  if (def.secret) return value === '' ? '' : '********';
  return mode === 'json' ? def.kind.json(value) : def.kind.text(value);
}

/** The whole `print` view: settings then status, last-session-error, retry-count, in order. */
export function printView(
  values: SettingsValues,
  status: Pick<DaemonStatus, 'lastSessionError' | 'retryCount'>,
  mode: 'text' | 'json',
): [SettingKey | ReadOnlyKey, string | number][] {
  const out: [SettingKey | ReadOnlyKey, string | number][] = SETTING_KEYS.map((k) => [k, formatSetting(k, values[k], mode)]);
  out.push(['status', clientStatus(values)]);
  out.push(['last-session-error', formatSetting('last-session-error', status.lastSessionError, mode)]);
  out.push(['retry-count', formatSetting('retry-count', status.retryCount, mode)]);
  return out;
}

function closestKey(key: string): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of [...SETTING_KEYS, ...READ_ONLY_KEYS]) {
    const d = editDistance(key.toLowerCase(), k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return bestD <= Math.max(2, Math.floor(key.length / 4)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  if (a.length > 100 || b.length > 100) return Infinity;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

// --- Storage ------------------------------------------------------------------------------------------

/** Checks a settings object (from settings.json or a patch); throws an Error naming the key. */
function checkValues(raw: unknown, base: SettingsValues, what: string): SettingsValues {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${what} must be a JSON object`);
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(raw)) {
    if (!isSettingKey(k)) throw new Error(`unknown setting "${k}"`);
    if (v === undefined) continue;
    try {
      out[k] = (TABLE[k].kind as Kind<unknown>).check(v);
    } catch (err) {
      throw new Error(`${k}: ${(err as Error).message}`);
    }
  }
  return out as unknown as SettingsValues;
}

/** settings.json as a DurableFile; a missing file or key reads as the default. */
export function settingsFile(dataDir: string): DurableFile<SettingsValues> {
  return new DurableFile(dataPaths(dataDir).settings, defaultSettings, (raw) =>
    checkValues(raw, defaultSettings(), 'settings.json'),
  );
}

export async function loadSettings(dataDir: string): Promise<SettingsValues> {
  return settingsFile(dataDir).load();
}

/**
 * Applies a patch of typed values in ONE locked read-modify-write of settings.json (all or nothing).
 * `patch` may be a function of the current values (e.g. "generate the CR password if still empty").
 * Throws StateFileError for a bad value (nothing written). Returns the new values.
 */
export async function updateSettings(
  dataDir: string,
  patch: Partial<SettingsValues> | ((current: SettingsValues) => Partial<SettingsValues>),
): Promise<SettingsValues> {
  const file = settingsFile(dataDir);
  return file.update((current) => {
    const p = typeof patch === 'function' ? patch(current) : patch;
    try {
      return checkValues(p, current, 'the patch');
    } catch (err) {
      throw new StateFileError(file.path, `cannot update settings: ${(err as Error).message}`);
    }
  });
}

// --- TR-181 side (used by the data model) ------------------------------------------------------------

export interface SettingParameter {
  key: SettingKey;
  /** Full path, e.g. "Device.ManagementServer.URL". */
  path: string;
  type: ParamType;
  /** Writable by the ACS (SetParameterValues). */
  writable: boolean;
  /** Reads as "" (passwords). */
  hidden: boolean;
}

const PARAMETERS: ReadonlyMap<string, SettingParameter> = new Map(
  SETTING_KEYS.flatMap((key) => {
    const def = TABLE[key] as SettingDef<unknown>;
    if (!def.parameter || !def.kind.param) return [];
    const p: SettingParameter = {
      key,
      path: def.parameter,
      type: def.kind.param.type,
      writable: def.acsWritable !== false,
      hidden: def.secret === true,
    };
    return [[def.parameter, p]];
  }),
);

/** Every setting that is a TR-181 parameter. */
export function settingParameters(): SettingParameter[] {
  return [...PARAMETERS.values()];
}

/** The setting behind a TR-181 parameter path, if any. */
export function settingForParameter(path: string): SettingParameter | undefined {
  return PARAMETERS.get(path);
}

/** The parameter value the ACS sees (GetParameterValues): xsd text; hidden values read as "". */
export function toParameterValue<K extends SettingKey>(key: K, value: SettingsValues[K]): string {
  const def = TABLE[key] as SettingDef<unknown>;
  if (!def.parameter || !def.kind.param) throw new Error(`${key} is not a TR-181 parameter`);
  if (def.secret) return '';
  return def.kind.param.to(value);
}

/**
 * A SetParameterValues value (strict xsd text) → setting value. An error is an invalid parameter
 * value (fault 9007); the message says why.
 */
export function fromParameterValue(key: SettingKey, text: string): ParseResult {
  const def = TABLE[key] as SettingDef<unknown>;
  if (!def.parameter || !def.kind.param) return { ok: false, error: `${key}: not a TR-181 parameter` };
  try {
    return { ok: true, key, value: def.kind.param.from(text) } as ParseResult;
  } catch (err) {
    if (err instanceof SettingValueError) return { ok: false, error: `${def.parameter}: ${err.message}` };
    throw err;
  }
}
