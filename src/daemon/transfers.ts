// Wires the durable transfer queue and its runner to the agent: commands and TLS settings come from
// the settings, a finished transfer becomes 7 TRANSFER COMPLETE + M <Method> events and a session,
// and configuration files in our own export format are applied through `set` semantics.
import type { QueuedCpeRequest } from '../session/machine.js';
import { TransferQueue, TransferRunner, exportConfig, type TransferEntry } from '../transfers/index.js';
import { dataPaths } from '../store/paths.js';
import {
  SETTING_KEYS,
  defaultSettings,
  formatSetting,
  parseSettingValue,
  settingDef,
  updateSettings,
  type SettingKey,
  type SettingsValues,
} from '../settings/settings.js';
import type { Agent } from './agent.js';

const COMPLETION_EVENT: Record<TransferEntry['method'], string> = {
  Download: 'M Download',
  ScheduleDownload: 'M ScheduleDownload',
  Upload: 'M Upload',
};

export class Transfers {
  readonly queue: TransferQueue;
  private readonly runner: TransferRunner;

  constructor(private readonly agent: Agent) {
    const paths = dataPaths(agent.opts.dataDir);
    this.queue = new TransferQueue(paths.transfers);
    this.runner = new TransferRunner({
      queue: this.queue,
      workDir: paths.downloads,
      commands: () => {
        const s = agent.settings;
        return {
          upgradeCommand: s['upgrade-command'],
          rebootCommand: s['reboot-command'],
          scriptCommand: s['script-command'],
          configCommand: s['config-command'],
        };
      },
      onTransferComplete: (entry) => void this.completed(entry),
      applySettings: (values) => this.applyExport(values),
      exportConfig: () => exportSettings(agent.settings, false),
      logFile: () => agent.opts.logFile,
      http: () => ({
        caFile: agent.settings['ca-certificate'] || undefined,
        rejectUnauthorized: agent.settings['check-certificate'],
      }),
      log: agent.log,
    });
  }

  async start(): Promise<void> {
    await this.runner.start();
  }

  async stop(): Promise<void> {
    await this.runner.stop();
  }

  /** Call after an RPC queued a transfer. */
  poke(): void {
    this.runner.poke();
  }

  async cancel(commandKey: string): Promise<void> {
    await this.runner.cancel(commandKey);
  }

  async pendingTransferCompletes(): Promise<QueuedCpeRequest[]> {
    return this.queue.pendingTransferCompletes();
  }

  async acknowledge(commandKey: string): Promise<void> {
    await this.queue.acknowledge(commandKey);
  }

  private async completed(entry: TransferEntry): Promise<void> {
    await this.agent.queueEvent(COMPLETION_EVENT[entry.method], entry.commandKey);
  }

  /** A Download "3 Vendor Configuration File" in our export format: all settings or none. */
  private async applyExport(values: Record<string, string>): Promise<void> {
    const patch: Partial<SettingsValues> = {};
    const errors: string[] = [];
    for (const [key, text] of Object.entries(values)) {
      const r = parseSettingValue(key, text);
      if (r.ok) (patch as Record<string, unknown>)[r.key] = r.value;
      else errors.push(r.error);
    }
    if (errors.length > 0) throw new Error(errors.join('; '));
    await updateSettings(this.agent.opts.dataDir, patch);
  }
}

/** The settings as a script of `tr069-client set` lines (RouterOS `export`). */
export function exportSettings(values: SettingsValues, includeSecrets: boolean): string {
  const text: Record<string, string> = {};
  const defaults: Record<string, string> = {};
  const d = defaultSettings();
  for (const key of SETTING_KEYS) {
    text[key] = String(formatSetting(key, values[key], 'text'));
    defaults[key] = String(formatSetting(key, d[key], 'text'));
    if (settingDef(key).secret) text[key] = String(values[key as SettingKey]);
  }
  return exportConfig({
    values: text,
    defaults,
    secretKeys: SETTING_KEYS.filter((k) => settingDef(k).secret),
    includeSecrets,
    order: SETTING_KEYS,
  });
}
