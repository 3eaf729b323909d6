// The agent: owns the timers and decides when a session runs. One session at a time; anything that
// happens meanwhile (a connection request, a settings change, a due periodic inform) is queued as an
// event, persisted, and served by the next session, which starts right after the current one.
import { randomBytes } from 'node:crypto';
import type { AcsRequest, CpeResponse, Fault, Inform, ParameterValue, TransferComplete } from '../cwmp/types.js';
import { DATA_FILES, dataPaths, resolveDefaultsFile } from '../store/paths.js';
import { writeStatus } from '../store/status.js';
import { wipeDataDir } from '../store/wipe.js';
import {
  changedSettings,
  clientStatus,
  defaultSettings,
  loadSettings,
  settingsFile,
  updateSettings,
  type ClientStatus,
  type SettingKey,
  type SettingsValues as Settings,
} from '../settings/settings.js';
import { readDefaultsFile } from '../settings/defaults.js';
import { openHttpSession } from '../transport/http-session.js';
import { runSession } from '../session/runner.js';
import type { QueuedCpeRequest } from '../session/machine.js';
import {
  addEvent,
  eventsForInform,
  onBoot,
  onBootstrap,
  onInformAcknowledged,
  onSessionFailed,
  onTransferCompleteAcknowledged,
} from '../session/events.js';
import { honourRetryAfter, retryDelaySeconds } from '../session/retry.js';
import { deviceOffsetSec, nextPeriodicInform } from '../session/periodic.js';
import { agentStateFile, newAgentState, type AgentState } from './agent-state.js';
import { createLogger, redactSoap, type Logger } from './logger.js';
import { localAddressFor } from './local-address.js';
import { watchSettingsFile } from './settings-watch.js';
import { buildAgentModel, type AgentModel } from './local-model.js';
import { dispatchRequest } from '../rpc/dispatch.js';
import type { AgentHooks } from '../rpc/agent-hooks.js';
import { ConnectionRequests } from './connection-requests.js';
import { Transfers } from './transfers.js';
import { describeFailure, runShellCommand } from '../transfers/commands.js';

/** Largest delay setTimeout accepts; longer waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const NOTIFICATION_POLL_MS = 2000;
/** On stop, a running session gets this long to finish; then its connection is closed (its events stay queued). */
const STOP_GRACE_MS = 5000;
const OPERATOR_COMMAND_TIMEOUT_MS = 120_000;
const IDENTITY_KEYS: readonly SettingKey[] = ['manufacturer', 'manufacturer-oui', 'product-class', 'serial-number'];

export interface AgentOptions {
  dataDir: string;
  /** Where the log is also written for Upload "2 Vendor Log File". */
  logFile?: string;
  verbose?: boolean;
  defaultsFile?: string;
  log?: Logger;
}

export class Agent implements AgentHooks {
  readonly log: Logger;
  private readonly paths;
  private readonly stateFile;
  state!: AgentState;
  /** The settings as last read; `applied` is what timers and listeners were last set up for. */
  settings!: Settings;
  private applied!: Settings;
  model!: AgentModel;
  private connreq!: ConnectionRequests;
  transfers!: Transfers;

  private running = false;
  private again = false;
  private stopped = false;
  private retryCount = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private periodicTimer: NodeJS.Timeout | undefined;
  private scheduledTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private unwatch: (() => void) | undefined;
  private sessionDone: Promise<void> = Promise.resolve();
  private bootAt = Date.now();
  /** The transport of the running session, closed by stop() when the session outlasts the grace time. */
  private activeTransport: { close(): Promise<void> } | undefined;
  /** Settings changes noticed during a session wait until it ends. */
  private settingsDirty = false;
  private rebootAfterSession = false;
  private periodicSinceBoot = false;
  /** During a FactoryReset no notification poll may touch the model (it would write model.json back). */
  private resetting = false;
  private pollInFlight: Promise<void> = Promise.resolve();

  constructor(readonly opts: AgentOptions) {
    this.log = opts.log ?? createLogger({ verbose: opts.verbose });
    this.paths = dataPaths(opts.dataDir);
    this.stateFile = agentStateFile(opts.dataDir);
  }

  // ---- lifecycle --------------------------------------------------------------------------

  async start(): Promise<void> {
    this.stopped = false;
    this.settings = await loadSettings(this.opts.dataDir);
    await this.ensureConnectionRequestCredentials();
    this.applied = this.settings;
    this.model = await buildAgentModel({ dataDir: this.opts.dataDir, agent: this, log: this.log });
    await this.boot();
    this.transfers = new Transfers(this);
    await this.transfers.start();
    this.connreq = new ConnectionRequests(this);
    this.connreq.setLocalAddress(await localAddressFor(this.settings['acs-url']));
    await this.connreq.apply();
    this.unwatch = watchSettingsFile(this.paths.settings, () => void this.onSettingsFileChanged());
    this.pollTimer = setInterval(() => void this.pollNotifications(), NOTIFICATION_POLL_MS);
    this.pollTimer.unref();
    this.armScheduledInforms();
    // A FactoryReset answered before a crash is carried out now: the first Inform the ACS sees after
    // the FactoryResetResponse must already be the reset device's 0 BOOTSTRAP.
    if (this.state.factoryResetPending) await this.factoryReset();
    else if (this.rebootAfterSession) {
      this.rebootAfterSession = false;
      await this.reboot();
    }
    this.log.info({ dataDir: this.opts.dataDir, status: this.status() }, 'tr069-client started');
    this.trigger();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unwatch?.();
    for (const t of [this.retryTimer, this.periodicTimer, this.scheduledTimer]) clearTimeout(t);
    clearInterval(this.pollTimer);
    // A slow or silent ACS must not hold up SIGTERM for its reply timeout (30 s per message): every
    // answer already given is persisted, so cutting the session short is as safe as a crash.
    const grace = setTimeout(() => void this.activeTransport?.close().catch(() => undefined), STOP_GRACE_MS);
    await this.sessionDone;
    clearTimeout(grace);
    await this.connreq?.close();
    await this.transfers?.stop();
    this.log.info('tr069-client stopped');
  }

  status(): ClientStatus {
    return clientStatus(this.settings);
  }

  /** A start of the client: 1 BOOT (+ M Reboot when we rebooted for the ACS), BOOTSTRAP when due. */
  private async boot(): Promise<void> {
    this.bootAt = Date.now();
    this.periodicSinceBoot = false;
    this.retryCount = 0;
    this.state = await this.stateFile.update((s) => {
      const next = { ...s };
      // A Reboot answered but never begun (the daemon died first) is still owed: do it, report later.
      const hasCommand = this.settings['reboot-command'] !== '';
      const done = s.pendingReboots.filter((r) => r.started || !hasCommand);
      const owed = s.pendingReboots.filter((r) => !r.started && hasCommand);
      next.events = onBoot(s.events, { rebootCommandKey: done[0]?.commandKey });
      for (const r of done.slice(1)) next.events = addEvent(next.events, { code: 'M Reboot', commandKey: r.commandKey });
      next.pendingReboots = owed;
      this.rebootAfterSession = owed.length > 0;
      return this.withBootstrapIfUrlChanged(next);
    });
    await this.writeStatus('');
  }

  private withBootstrapIfUrlChanged(s: AgentState): AgentState {
    const url = this.settings['acs-url'];
    if (!url || s.bootstrappedUrl === url) return s;
    this.log.info({ url }, s.bootstrappedUrl === null ? 'first contact with this ACS: BOOTSTRAP' : 'ACS URL changed: BOOTSTRAP');
    return { ...s, events: onBootstrap(s.events), bootstrappedUrl: url };
  }

  // ---- events and scheduling --------------------------------------------------------------

  /** Persists the event, then makes sure a session will carry it. */
  async queueEvent(code: string, commandKey = ''): Promise<void> {
    try {
      await this.saveState((s) => ({ ...s, events: addEvent(s.events, { code, commandKey }) }));
    } catch (err) {
      // Not persisted, but still delivered if this process lives: better than dropping it.
      this.log.error({ err, code }, 'cannot persist an event');
      this.state = { ...this.state, events: addEvent(this.state.events, { code, commandKey }) };
    }
    this.trigger();
  }

  async saveState(change: (s: AgentState) => AgentState): Promise<void> {
    this.state = await this.stateFile.update(() => change(this.state));
  }

  /** Start a session now, or right after the running one. A pending retry wait is cut short. */
  trigger(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.sessionDone = this.loop();
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      do {
        this.again = false;
        if (this.settingsDirty) await this.applySettings();
        if (this.status() !== 'running' || this.state.events.length === 0) break;
        const ok = await this.runOneSession();
        await this.afterSession();
        if (!ok) break;
      } while (this.again && !this.stopped);
    } catch (err) {
      this.log.error({ err }, 'session loop failed');
    } finally {
      this.running = false;
    }
    if (this.settingsDirty && !this.stopped) {
      await this.applySettings();
      if (this.state.events.length > 0 && this.retryTimer === undefined) return this.loop();
    }
    this.armPeriodic();
  }

  private armPeriodic(): void {
    clearTimeout(this.periodicTimer);
    this.periodicTimer = undefined;
    if (this.stopped || this.status() !== 'running') return;
    const s = this.settings;
    const at = nextPeriodicInform({
      now: Date.now(),
      enabled: s['periodic-inform-enabled'],
      intervalSec: s['periodic-inform-interval'],
      phase: s['periodic-inform-time'] || undefined,
      lastSessionEnd: this.state.lastSuccessAt ?? this.bootAt,
      firstAfterBoot: !this.periodicSinceBoot,
      deviceOffsetSec: deviceOffsetSec(this.model.deviceId().serialNumber, s['periodic-inform-interval']),
    });
    if (at === undefined || at === null) return;
    this.armTimer('periodic', at, () => {
      this.periodicSinceBoot = true;
      void this.queueEvent('2 PERIODIC');
    });
  }

  private armTimer(which: 'periodic' | 'scheduled', at: number, fire: () => void): void {
    const delay = Math.max(0, at - Date.now());
    const t = setTimeout(() => (delay > MAX_TIMER_MS ? this.armTimer(which, at, fire) : fire()), Math.min(delay, MAX_TIMER_MS));
    t.unref?.();
    if (which === 'periodic') this.periodicTimer = t;
    else this.scheduledTimer = t;
  }

  private armScheduledInforms(): void {
    clearTimeout(this.scheduledTimer);
    const next = [...this.state.scheduledInforms].sort((a, b) => a.dueAt - b.dueAt)[0];
    if (!next) return;
    this.armTimer('scheduled', next.dueAt, () =>
      void this.fireScheduledInforms().catch((err: unknown) => this.log.error({ err }, 'cannot fire scheduled informs')),
    );
  }

  private async fireScheduledInforms(): Promise<void> {
    const now = Date.now();
    await this.saveState((s) => {
      let events = s.events;
      const due = s.scheduledInforms.filter((x) => x.dueAt <= now);
      for (const d of due) {
        events = addEvent(events, { code: '3 SCHEDULED', commandKey: '' });
        events = addEvent(events, { code: 'M ScheduleInform', commandKey: d.commandKey });
      }
      return { ...s, events, scheduledInforms: s.scheduledInforms.filter((x) => x.dueAt > now) };
    });
    this.armScheduledInforms();
    this.trigger();
  }

  private pollNotifications(): Promise<void> {
    if (this.stopped || this.resetting || this.status() !== 'running') return Promise.resolve();
    this.pollInFlight = this.checkActiveNotifications();
    return this.pollInFlight;
  }

  private async checkActiveNotifications(): Promise<void> {
    try {
      const { active } = await this.model.checkNotifications();
      if (!active) return;
      const throttle = this.settings['active-notification-throttle'] * 1000;
      const since = Date.now() - (this.state.lastSuccessAt ?? 0);
      if (throttle > 0 && since < throttle) {
        setTimeout(() => void this.pollNotifications(), throttle - since).unref();
        return;
      }
      if (!this.state.events.some((e) => e.code === '4 VALUE CHANGE')) await this.queueEvent('4 VALUE CHANGE');
    } catch (err) {
      this.log.warn({ err }, 'notification check failed');
    }
  }

  // ---- one session ------------------------------------------------------------------------

  private async runOneSession(): Promise<boolean> {
    const started = Date.now();
    const s = this.settings;
    const url = s['acs-url'];
    this.connreq.setLocalAddress(await localAddressFor(url));

    const changed = await this.model.changedParameters();
    if (changed.length > 0 && !this.state.events.some((e) => e.code === '4 VALUE CHANGE')) {
      await this.saveState((st) => ({ ...st, events: addEvent(st.events, { code: '4 VALUE CHANGE', commandKey: '' }) }));
    }
    // Before the events are taken: it puts 7 TRANSFER COMPLETE + M <Method> of every
    // TransferComplete it returns into the state, so the Inform announces what the session sends.
    const cpeRequests: QueuedCpeRequest[] = await this.transfers.pendingTransferCompletes();
    const events = eventsForInform(this.state.events);
    const inform: Inform = {
      method: 'Inform',
      deviceId: this.model.deviceId(),
      event: events,
      maxEnvelopes: 1,
      currentTime: currentTime(),
      retryCount: this.retryCount,
      parameterList: dedupe([
        ...(await this.model.informParameters(events.map((e) => e.eventCode))),
        ...(events.some((e) => e.eventCode === '4 VALUE CHANGE') ? changed : []),
      ]),
    };
    const transport = openHttpSession({
      url,
      username: s.username,
      password: s.password,
      caFile: s['ca-certificate'] || undefined,
      clientCertFile: s['client-certificate'] || undefined,
      checkCertificate: s['check-certificate'],
    });
    this.activeTransport = transport;
    const rpcs: string[] = [];
    const outcome = await runSession({
      transport,
      inform,
      cpeRequests,
      handleRequest: async (req: AcsRequest): Promise<CpeResponse | Fault> => {
        rpcs.push(req.method);
        return dispatchRequest(req, this.rpcContext());
      },
      onInformAcknowledged: async () => {
        await this.saveState((st) => ({ ...st, events: onInformAcknowledged(st.events, events) }));
        await this.model.markReported();
      },
      onCpeRequestAcknowledged: async (i: number) => {
        const req = cpeRequests[i];
        if (req?.method === 'TransferComplete') await this.transferCompleteAcknowledged(req);
      },
      onCpeRequestFailed: async (i, fault, disposition) => {
        const req = cpeRequests[i];
        this.log.warn({ method: req?.method, faultCode: fault.faultCode, faultString: fault.faultString, disposition }, 'ACS refused a CPE request');
        if (disposition === 'drop' && req?.method === 'TransferComplete') await this.transferCompleteAcknowledged(req);
      },
      log: this.log,
      trace: this.opts.verbose
        ? (dir: 'sent' | 'received', body: string) => this.log.debug({ dir, body: redactSoap(body) }, 'soap')
        : undefined,
    });
    this.activeTransport = undefined;
    // ConnectionRequestURL names the local address of the connection last used to reach the ACS;
    // a change is picked up (and notified: active by default) by the next notification check.
    this.connreq.setLocalAddress(transport.localAddress());
    const durationMs = Date.now() - started;
    const eventCodes = events.map((e) => (e.commandKey ? `${e.eventCode} (${e.commandKey})` : e.eventCode));
    if (outcome.ok) {
      this.retryCount = 0;
      await this.saveState((st) => ({ ...st, lastSuccessAt: Date.now() }));
      await this.writeStatus('');
      this.log.info({ session: outcome.sessionId, url, events: eventCodes, rpcs, durationMs, outcome: 'ok' }, 'session');
      if (outcome.deferredCpeRequests.length > 0) {
        // The ACS asked for a retry (8005): come back after the back-off, not in a tight loop.
        this.armRetry(retryDelaySeconds(1, s['retry-minimum-wait'], s['retry-interval-multiplier']));
        return false;
      }
      return true;
    }
    this.retryCount++;
    await this.saveState((st) => ({ ...st, events: onSessionFailed(st.events) }));
    await this.writeStatus(outcome.error ?? 'session failed');
    // Never sooner than the ACS's Retry-After, which is capped (a day) so it cannot park us for ever.
    const wait = honourRetryAfter(
      retryDelaySeconds(this.retryCount, s['retry-minimum-wait'], s['retry-interval-multiplier']),
      outcome.retryAfterSeconds,
    );
    this.log.warn(
      { session: outcome.sessionId, url, events: eventCodes, rpcs, durationMs, outcome: 'failed', error: outcome.error, retryCount: this.retryCount, retryInSeconds: Math.round(wait) },
      'session',
    );
    this.armRetry(wait);
    return false;
  }

  private armRetry(seconds: number): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.trigger();
    }, Math.min(seconds * 1000, MAX_TIMER_MS)); // a longer delay would overflow to 1 ms: a tight retry loop
    this.retryTimer.unref?.();
  }

  private async transferCompleteAcknowledged(req: TransferComplete): Promise<void> {
    await this.transfers.acknowledge(req.commandKey);
    await this.saveState((st) => ({ ...st, events: onTransferCompleteAcknowledged(st.events, req.commandKey) }));
  }

  private rpcContext() {
    return this.model.rpcContext(this);
  }

  private async writeStatus(lastSessionError: string): Promise<void> {
    try {
      await writeStatus(this.opts.dataDir, { lastSessionError, retryCount: this.retryCount });
    } catch (err) {
      this.log.warn({ err }, 'cannot write status.json');
    }
  }

  // ---- actions after a session ------------------------------------------------------------

  private async afterSession(): Promise<void> {
    if (this.state.factoryResetPending) {
      await this.factoryReset();
      return;
    }
    if (this.rebootAfterSession) {
      this.rebootAfterSession = false;
      await this.reboot();
    }
  }

  private async reboot(): Promise<void> {
    const cmd = this.settings['reboot-command'];
    if (cmd) {
      this.log.info({ command: cmd }, 'rebooting the device for the ACS');
      await this.saveState((s) => ({ ...s, pendingReboots: s.pendingReboots.map((r) => ({ ...r, started: true })) }));
      await runOperatorCommand('reboot-command', cmd, this.log);
      return; // the machine goes down; the next start reports 1 BOOT + M Reboot
    }
    this.log.warn('reboot-command is empty: restarting the client instead of the machine');
    await this.restartInProcess();
  }

  /** What a reboot does to the client, without one: boot events, fresh timers. */
  private async restartInProcess(): Promise<void> {
    this.settings = this.applied = await loadSettings(this.opts.dataDir);
    await this.boot();
    this.again = true;
  }

  private async factoryReset(): Promise<void> {
    this.resetting = true;
    try {
      await this.pollInFlight;
      await this.resetNow();
    } finally {
      this.resetting = false;
    }
  }

  private async resetNow(): Promise<void> {
    this.log.warn('factory reset requested by the ACS');
    // Read the operator's defaults before wiping, so a bad file cannot leave the device unmanaged.
    let patch: Partial<Settings>;
    try {
      const d = await readDefaultsFile(resolveDefaultsFile(this.opts.defaultsFile));
      patch = d.found ? d.patch : {};
      if (!d.found) patch = { 'acs-url': this.settings['acs-url'], username: this.settings.username, password: this.settings.password };
    } catch (err) {
      this.log.error({ err }, 'defaults file unusable: keeping the ACS URL and credentials');
      patch = { 'acs-url': this.settings['acs-url'], username: this.settings.username, password: this.settings.password };
    }
    const cmd = this.settings['factory-reset-command'];
    await this.connreq.close();
    await this.transfers.stop();
    // Order matters for a crash at any point: the reset settings are written first, then everything
    // else goes, and state.json (still holding factoryResetPending) is replaced last — a restart in
    // between simply does the (idempotent) reset again, and never finds the device without its ACS.
    await settingsFile(this.opts.dataDir).save({ ...defaultSettings(), ...patch });
    await wipeDataDir(this.opts.dataDir, { force: true, keep: [DATA_FILES.settings, DATA_FILES.state] });
    await this.stateFile.save(newAgentState());
    this.settings = await loadSettings(this.opts.dataDir);
    await this.ensureConnectionRequestCredentials();
    this.applied = this.settings;
    this.state = await this.stateFile.load();
    await this.model.reload();
    await this.model.refreshIdentity();
    if (cmd) await runOperatorCommand('factory-reset-command', cmd, this.log);
    await this.boot();
    await this.transfers.start();
    await this.connreq.apply();
    this.again = true;
  }

  // ---- AgentHooks (called by RPC handlers during a session) ------------------------------

  async requestReboot(commandKey: string): Promise<void> {
    await this.saveState((s) => ({ ...s, pendingReboots: [...s.pendingReboots, { commandKey, started: false }] }));
    this.rebootAfterSession = true;
  }

  async requestFactoryReset(): Promise<void> {
    await this.saveState((s) => ({ ...s, factoryResetPending: true }));
  }

  async scheduleInform(delaySeconds: number, commandKey: string): Promise<void> {
    await this.saveState((s) => ({ ...s, scheduledInforms: [...s.scheduledInforms, { dueAt: Date.now() + delaySeconds * 1000, commandKey }] }));
    this.armScheduledInforms();
  }

  pendingScheduledInforms(): number {
    return this.state.scheduledInforms.length;
  }

  connectionRequestUrl(): string {
    return this.connreq?.url() ?? '';
  }

  udpConnectionRequestAddress(): string {
    return this.connreq?.udpAddress() ?? '';
  }

  natDetected(): boolean {
    return this.connreq?.natDetected() ?? false;
  }

  /** The ACS changed these parameters: their new values are not notified back to it. */
  onAcsWrite(paths: string[]): void {
    void this.model.model.noteAcsWrite(paths).catch((err: unknown) => this.log.warn({ err }, 'noteAcsWrite failed'));
  }

  /** The ACS wrote settings.json through the data model: reads see it at once, the rest after the session. */
  settingsWritten(values: Settings): void {
    this.settings = values;
    this.settingsDirty = true;
  }

  // ---- settings ---------------------------------------------------------------------------

  private async onSettingsFileChanged(): Promise<void> {
    this.settingsDirty = true;
    if (this.running) return; // applied when the session ends
    try {
      if (await this.applySettings()) this.trigger();
    } catch (err) {
      this.log.error({ err }, 'cannot apply the new settings');
    }
  }

  /** Returns true when the change calls for a session (new ACS URL, client enabled). */
  private async applySettings(): Promise<boolean> {
    this.settingsDirty = false;
    let next: Settings;
    try {
      next = await loadSettings(this.opts.dataDir);
    } catch (err) {
      this.log.error({ err }, 'cannot read settings; keeping the previous ones');
      return false;
    }
    const prev = this.applied;
    this.settings = next;
    this.applied = next;
    // The DeviceId is read from DMI/machine-id once; only the identity overrides can change it.
    if (changedSettings(prev, next).some((k) => IDENTITY_KEYS.includes(k))) await this.model.refreshIdentity();
    if (!next.enabled && prev.enabled) {
      this.retryCount = 0;
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      await this.writeStatus('');
    }
    if (next['acs-url'] !== prev['acs-url']) {
      this.retryCount = 0;
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      const before = this.state.bootstrappedUrl;
      this.state = await this.stateFile.update(() => this.withBootstrapIfUrlChanged(this.state));
      // Transfers the old ACS asked for are not reported to the new one (their events went with BOOTSTRAP).
      if (before !== null && this.state.bootstrappedUrl !== before) await this.transfers.queue.clear();
    }
    await this.connreq.apply();
    this.armPeriodic();
    return (next.enabled && !prev.enabled) || next['acs-url'] !== prev['acs-url'];
  }

  private async ensureConnectionRequestCredentials(): Promise<void> {
    const s = this.settings;
    if (s['connection-request-username'] && s['connection-request-password']) return;
    const patch: Partial<Settings> = {};
    if (!s['connection-request-username']) patch['connection-request-username'] = `cr-${randomBytes(6).toString('hex')}`;
    if (!s['connection-request-password']) patch['connection-request-password'] = randomBytes(18).toString('base64url');
    this.settings = await updateSettings(this.opts.dataDir, patch);
  }
}

function dedupe(list: ParameterValue[]): ParameterValue[] {
  const seen = new Map<string, ParameterValue>();
  for (const p of list) seen.set(p.name, p);
  return [...seen.values()];
}

/** Local time with an explicit offset, as real CPEs send it. */
export function currentTime(d = new Date()): string {
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const pad = (n: number) => String(Math.abs(Math.trunc(n))).padStart(2, '0');
  const local = new Date(d.getTime() + off * 60_000).toISOString().slice(0, 19);
  return `${local}${sign}${pad(off / 60)}:${pad(off % 60)}`;
}

/** Runs an operator command (reboot-command, factory-reset-command) and logs how it ended. */
async function runOperatorCommand(purpose: string, command: string, log: Logger): Promise<void> {
  const r = await runShellCommand({ command, args: [], timeoutMs: OPERATOR_COMMAND_TIMEOUT_MS, purpose });
  const output = (r.stdout + r.stderr).trim().slice(-4096);
  if (r.exitCode === 0) log.info({ command, output }, `${purpose} finished`);
  else log.error({ command, output }, describeFailure({ command, args: [], timeoutMs: OPERATOR_COMMAND_TIMEOUT_MS, purpose }, r, OPERATOR_COMMAND_TIMEOUT_MS));
}

/** `tr069-client run`: the daemon in the foreground until `signal` aborts (SIGTERM/SIGINT). */
export async function runDaemon(opts: AgentOptions & { signal: AbortSignal }): Promise<number> {
  const logFile = opts.logFile ?? dataPaths(opts.dataDir).log;
  const agent = new Agent({ ...opts, logFile, log: opts.log ?? createLogger({ verbose: opts.verbose, file: logFile }) });
  try {
    await agent.start();
  } catch (err) {
    agent.log.fatal({ err }, 'cannot start');
    await agent.stop().catch(() => undefined);
    return 1;
  }
  // A stray rejection must not take the agent down: its state is on disk, but a dead daemon
  // answers no connection request until someone restarts it.
  const onRejection = (err: unknown) => agent.log.error({ err }, 'unhandled rejection');
  process.on('unhandledRejection', onRejection);
  // Timers are unref'd; this keeps the process alive until it is told to stop.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  if (!opts.signal.aborted) await new Promise<void>((resolve) => opts.signal.addEventListener('abort', () => resolve(), { once: true }));
  clearInterval(keepAlive);
  await agent.stop();
  process.off('unhandledRejection', onRejection);
  return 0;
}
