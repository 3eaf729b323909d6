// Device.ManagementServer (and DeviceInfo.ProvisioningCode): the client's own settings seen as
// TR-181 parameters. One truth: a SetParameterValues writes settings.json, exactly as `tr069-client
// set` does, and the CLI and the ACS read the same file.
import type { ModelBuilder, ParamSpec, ReadContext, Value } from '../datamodel/registry.js';
import {
  fromParameterValue,
  loadSettings,
  settingParameters,
  updateSettings,
  type SettingKey,
  type SettingsValues,
} from '../settings/settings.js';

export interface ManagementServerDeps {
  dataDir: string;
  settings(): SettingsValues;
  /** Called with the new values after an ACS write reached settings.json. */
  onSettingsWritten?(values: SettingsValues): void;
  connectionRequestUrl(): string;
  udpConnectionRequestAddress(): string;
  natDetected(): boolean;
}

const UNKNOWN_TIME = '0001-01-01T00:00:00Z';

/** Settings patches of one SetParameterValues, written once at commit. */
const pending = new WeakMap<ReadContext, Partial<SettingsValues>>();

export function registerManagementServer(model: ModelBuilder, deps: ManagementServerDeps): void {
  const byObject = new Map<string, Record<string, ParamSpec<unknown>>>();
  for (const p of settingParameters()) {
    // Identity overrides are read through the device backend, which falls back to DMI/machine-id.
    if (!p.path.startsWith('Device.ManagementServer.') && p.path !== 'Device.DeviceInfo.ProvisioningCode') continue;
    const cut = p.path.lastIndexOf('.') + 1;
    const obj = p.path.slice(0, cut);
    const params = byObject.get(obj) ?? {};
    params[p.path.slice(cut)] = settingParam(p.key, p.hidden, p.writable, deps);
    byObject.set(obj, params);
  }
  const ms = byObject.get('Device.ManagementServer.') ?? {};
  Object.assign(ms, {
    ConnectionRequestURL: { get: () => deps.connectionRequestUrl() },
    UDPConnectionRequestAddress: { get: () => deps.udpConnectionRequestAddress() },
    NATDetected: { get: () => deps.natDetected() },
    SupportedConnReqMethods: { get: () => 'HTTP,STUN' },
    KickURL: { get: () => '' },
    DownloadProgressURL: { get: () => '' },
    HTTPCompressionSupported: { get: () => '' },
  } satisfies Record<string, ParamSpec<unknown>>);
  byObject.set('Device.ManagementServer.', ms);
  for (const [path, params] of byObject) model.object(path, { params });
}

function settingParam(key: SettingKey, hidden: boolean, writable: boolean, deps: ManagementServerDeps): ParamSpec<unknown> {
  const spec: ParamSpec<unknown> = {
    get: async (_row: unknown, ctx: ReadContext) => {
      if (hidden) return '';
      const v = (await currentSettings(deps, ctx))[key] as Value;
      if (key === 'periodic-inform-time' && v === '') return UNKNOWN_TIME;
      return v;
    },
  };
  if (!writable) return spec;
  spec.validate = (value: Value) => {
    const r = fromParameterValue(key, textOf(value));
    return r.ok ? undefined : r.error;
  };
  spec.set = (_row: unknown, value: Value, ctx: ReadContext) => {
    const r = fromParameterValue(key, textOf(value));
    if (!r.ok) throw new Error(r.error);
    let patch = pending.get(ctx);
    if (!patch) {
      patch = {};
      pending.set(ctx, patch);
    }
    (patch as Record<string, unknown>)[key] = r.value;
    if (!ctx.onCommit) throw new Error('settings can only be written inside a SetParameterValues');
    ctx.onCommit('settings', async () => {
      const values = await updateSettings(deps.dataDir, pending.get(ctx) ?? {});
      pending.delete(ctx);
      deps.onSettingsWritten?.(values);
    });
  };
  return spec;
}

/**
 * settings.json as of this request. The file is the one truth: `tr069-client set` rewrites it while
 * the daemon runs, and the daemon's in-memory copy only catches up when its file watcher fires, so
 * an ACS read right after a CLI change would otherwise see the old value. Read once per request.
 */
function currentSettings(deps: ManagementServerDeps, ctx: ReadContext): Promise<SettingsValues> {
  return ctx.cache('management-server:settings', () => loadSettings(deps.dataDir).catch(() => deps.settings()));
}

function textOf(v: Value): string {
  if (v instanceof Date) return v.toISOString().replace('.000Z', 'Z');
  return String(v);
}
