// Wires the durable transfer queue and its runner to the agent: commands and TLS settings come from
// the settings, a finished transfer becomes 7 TRANSFER COMPLETE + M <Method> events and a session,
// and configuration files in our own export format are applied through `set` semantics.
//
// The transfer events in state.json are DERIVED from the queue (syncEvents): the queue file is the
// truth about which TransferCompletes are owed, and the events are made to match it before every
// Inform, after every completion and after every acknowledgement. Adding them on completion alone
// raced with sessions (a TransferComplete sent in a session whose Inform lacked its M Download, or
// an event saved after its acknowledgement and then carried in every later Inform) and lost them
// when the daemon was killed between the queue write and the state write.
import type { EventStruct } from '../cwmp/types.js';
import type { QueuedCpeRequest } from '../session/machine.js';
import { addEvent } from '../session/events.js';
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
const TRANSFER_EVENTS = new Set(['7 TRANSFER COMPLETE', ...Object.values(COMPLETION_EVENT)]);

export class Transfers {
  readonly queue: TransferQueue;
  private readonly runner: TransferRunner;
  /** Serialises queue reads + event writes, so an acknowledgement cannot slip between them. */
  private serial: Promise<unknown> = Promise.resolve();
  /** While start() settles interrupted transfers: the agent starts the first session itself. */
  private starting = false;

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
    this.starting = true;
    try {
      await this.runner.start();
      // Also settles events of results written just before a crash (queue saved, state not yet).
      await this.exclusive(() => this.syncEvents());
    } finally {
      this.starting = false;
    }
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

  /**
   * The TransferCompletes owed to the ACS, with their events already in the agent's state: call it
   * BEFORE taking the Inform's events, so that every TransferComplete of the session is announced.
   */
  async pendingTransferCompletes(): Promise<QueuedCpeRequest[]> {
    try {
      return await this.exclusive(() => this.syncEvents());
    } catch (err) {
      // An unreadable queue file must not keep the ACS away (it could not repair anything then):
      // this session goes without TransferCompletes, the next one tries again.
      this.agent.log.error({ err }, 'cannot read the transfer queue; no TransferComplete in this session');
      return [];
    }
  }

  /** TransferCompleteResponse: the entry is forgotten and its events go with it. */
  async acknowledge(commandKey: string): Promise<void> {
    await this.exclusive(async () => {
      await this.queue.acknowledge(commandKey);
      await this.syncEvents();
    });
  }

  private async completed(entry: TransferEntry): Promise<void> {
    try {
      await this.exclusive(() => this.syncEvents());
    } catch (err) {
      // The next session's pendingTransferCompletes() adds them; the result itself is on disk.
      this.agent.log.warn({ err, commandKey: entry.commandKey }, 'cannot save the transfer-complete events yet');
    }
    if (!this.starting) this.agent.trigger();
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.serial.then(fn, fn);
    this.serial = run.catch(() => undefined);
    return run;
  }

  /** Makes the transfer events of the state match the queue; returns the TransferCompletes owed. */
  private async syncEvents(): Promise<QueuedCpeRequest[]> {
    const { requests, events: owed } = await this.queue.pendingCompletions();
    const id = (code: string, key: string): string => `${code}\n${key}`;
    const wanted = new Set(owed.map((e: EventStruct) => id(e.eventCode, e.commandKey)));
    const isStale = (e: { code: string; commandKey: string }): boolean => TRANSFER_EVENTS.has(e.code) && !wanted.has(id(e.code, e.commandKey));
    const have = new Set(this.agent.state.events.map((e) => id(e.code, e.commandKey)));
    const missing = owed.filter((e) => !have.has(id(e.eventCode, e.commandKey)));
    if (missing.length > 0 || this.agent.state.events.some(isStale)) {
      await this.agent.saveState((s) => {
        let events = s.events.filter((e) => !isStale(e));
        for (const e of missing) events = addEvent(events, { code: e.eventCode, commandKey: e.commandKey });
        return { ...s, events };
      });
    }
    return requests;
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
