// Builds the data model of this machine: the TR-181 engine with the Linux backend, the client's own
// settings as Device.ManagementServer, and operator extensions. Used by the daemon and by
// `tr069-client get` (read-only, next to a running daemon).
import type { DeviceId, ParameterValue } from '../cwmp/types.js';
import { createModel, ModelFault, type Model } from '../datamodel/index.js';
import { registerLinuxBackend, readIdentity, type LinuxDeps } from '../backends/linux/index.js';
import { registerManagementServer } from '../backends/management-server.js';
import { DEFAULT_EXTENSIONS_FILE, loadExtensions, registerExtensions, type ExtensionsFile } from '../backends/extensions.js';
import { dataPaths } from '../store/paths.js';
import { loadSettings, type SettingsValues } from '../settings/settings.js';
import type { DispatchContext } from '../rpc/dispatch.js';
import type { Logger } from './logger.js';
import type { Agent } from './agent.js';

export interface AgentModel {
  readonly model: Model;
  deviceId(): DeviceId;
  /** Re-reads the identity (settings overrides may have changed). */
  refreshIdentity(): Promise<void>;
  informParameters(events: readonly string[]): Promise<ParameterValue[]>;
  /** Notified parameters changed since last reported (kept for markReported). */
  changedParameters(): Promise<ParameterValue[]>;
  /** Is there an active-notification change waiting? */
  checkNotifications(): Promise<{ active: boolean }>;
  /** The Inform carrying the changes was acknowledged. */
  markReported(): Promise<void>;
  reload(): Promise<void>;
  rpcContext(agent: Agent): DispatchContext;
}

interface BuildOptions {
  dataDir: string;
  agent?: Agent;
  log?: Logger;
  readOnly?: boolean;
  settings?: () => SettingsValues;
}

function linuxDeps(settings: () => SettingsValues, dataDir: string): LinuxDeps {
  return {
    settings: () => settings(),
    dnsKeysFile: dataPaths(dataDir).dnsKeys,
    // Tests point this at a scratch file; a real device edits its own resolv.conf.
    resolvConfPath: process.env.TR069_RESOLV_CONF || undefined,
  };
}

/** Operator extensions (vendor parameters backed by shell commands); none when the file is absent. */
async function extensions(log?: Logger): Promise<ExtensionsFile | undefined> {
  const path = process.env.TR069_EXTENSIONS_FILE || DEFAULT_EXTENSIONS_FILE;
  try {
    return await loadExtensions(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // The device must stay manageable: run without the extensions, loudly.
    if (log) log.error({ err: (err as Error).message, path }, 'extensions file refused; running without it');
    else process.stderr.write(`tr069-client: ${(err as Error).message}\n`);
    return undefined;
  }
}

async function newModel(opts: BuildOptions, settings: () => SettingsValues): Promise<Model> {
  const model = createModel({ statePath: dataPaths(opts.dataDir).model, readOnly: opts.readOnly, log: opts.log });
  registerLinuxBackend(model.builder, linuxDeps(settings, opts.dataDir));
  const ext = await extensions(opts.log);
  if (ext) registerExtensions(model.builder, ext);
  registerManagementServer(model.builder, {
    dataDir: opts.dataDir,
    settings,
    connectionRequestUrl: () => opts.agent?.connectionRequestUrl() ?? '',
    udpConnectionRequestAddress: () => opts.agent?.udpConnectionRequestAddress() ?? '',
    natDetected: () => opts.agent?.natDetected() ?? false,
    onSettingsWritten: (values) => opts.agent?.settingsWritten(values),
  });
  return model;
}

export async function buildAgentModel(opts: BuildOptions & { agent: Agent }): Promise<AgentModel> {
  const settings = () => opts.agent.settings;
  let model = await newModel(opts, settings);
  await model.load();
  let identity = await readIdentity(linuxDeps(settings, opts.dataDir));
  let pending: ParameterValue[] = [];
  return {
    get model() {
      return model;
    },
    deviceId: () => identity,
    async refreshIdentity() {
      identity = await readIdentity(linuxDeps(settings, opts.dataDir));
    },
    informParameters: (events) => model.informParameters(events),
    async changedParameters() {
      const changes = await model.pollChanges();
      pending = changes.map(({ name, value, type }) => ({ name, value, type }));
      return pending;
    },
    async checkNotifications() {
      const changes = await model.pollChanges();
      return { active: changes.some((c) => c.notification === 2) };
    },
    async markReported() {
      const done = pending;
      pending = [];
      await model.markReported(done);
    },
    async reload() {
      model = await newModel(opts, settings);
      await model.load();
      pending = [];
    },
    rpcContext(agent) {
      return {
        model,
        agent,
        log: opts.log,
        onAcsWrite: (paths) => agent.onAcsWrite(paths),
      };
    },
  };
}

const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Text output is one parameter per line: control characters in a value are written as escapes. */
export function oneLine(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\x00-\x1f\x7f]/g, (c) => ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** `tr069-client get PATH...`: values as the ACS would read them (secrets empty). */
export async function runGet(opts: { dataDir: string; paths: string[]; json: boolean }): Promise<number> {
  const values = await loadSettings(opts.dataDir);
  const model = await newModel({ dataDir: opts.dataDir, readOnly: true }, () => values);
  await model.load();
  try {
    const list = await model.getValues(opts.paths.length > 0 ? opts.paths : ['Device.']);
    if (opts.json) {
      process.stdout.write(JSON.stringify(Object.fromEntries(list.map((p) => [p.name, p.value])), null, 1) + '\n');
    } else {
      for (const p of list) process.stdout.write(`${p.name} = ${oneLine(p.value)}\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof ModelFault) {
      process.stderr.write(`tr069-client: ${err.message} (CWMP fault ${err.code})\n`);
      return 2;
    }
    throw err;
  }
}
