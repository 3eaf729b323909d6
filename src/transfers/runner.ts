// Executes queued transfers one at a time, outside the CWMP session, once DelaySeconds passed or a
// ScheduleDownload window opened. Every step that changes the device is announced in the queue
// file (phase) before it starts, so a restart can tell how an interrupted transfer ended:
//   downloading/uploading → restarted from scratch (at most maxStarts starts), then 9017
//   applying              → 9010 "interrupted while <command> was running; outcome unknown"
//   rebooting             → success (reboot-command was invoked after a successful upgrade)
import { mkdir, readFile, readdir, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describeFailure, runShellCommand, type CommandResult, type CommandRunner, type CommandSpec } from './commands.js';
import { parseConfigExport } from './config-export.js';
import { FAULT, TransferFault, asTransferFault, duration } from './faults.js';
import { TransferAborted, connectSettings, urlForLog, type HttpTransferOptions } from './http-common.js';
import type { ConnectSettings } from './http-get.js';
import { checkFreeSpace, downloadToFile, DEFAULT_MAX_DOWNLOAD_BYTES } from './http-download.js';
import { MAX_MANIFEST_BYTES, isManifestFile, parseManifest } from './manifest.js';
import { UPLOAD_FILE_TYPES, type TransferEntry, type TransferQueue, type TransferWindow } from './queue.js';
import { readLogTail, uploadBuffer } from './upload.js';

/** The command settings, read afresh for every transfer. */
export interface TransferCommands {
  upgradeCommand: string;
  rebootCommand: string;
  scriptCommand: string;
  configCommand: string;
}

/** Satisfied by a pino logger. */
export interface TransferLog {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export interface RunnerLimits {
  upgradeTimeoutMs: number;
  rebootTimeoutMs: number;
  scriptTimeoutMs: number;
  /** After reboot-command returned 0 and the device is still up this long, report success anyway. */
  rebootGraceMs: number;
  /** Starts of one transfer (restarts after crashes included) before it fails with 9017. */
  maxStarts: number;
  /** Pause between retries inside a ScheduleDownload window. */
  windowRetryDelayMs: number;
  /** Retries per window when MaxRetries is -1 ("CPE decides"). */
  defaultWindowRetries: number;
  maxDownloadBytes: number;
  /** Configuration files larger than this are never taken for our export format. */
  maxConfigExportBytes: number;
  maxLogUploadBytes: number;
  /** Pause after a queue-file error (e.g. a lock left by a killed process, stale after ~10 s). */
  retryAfterErrorMs: number;
}

export const DEFAULT_LIMITS: RunnerLimits = {
  upgradeTimeoutMs: 30 * 60_000,
  rebootTimeoutMs: 60_000,
  scriptTimeoutMs: 300_000,
  rebootGraceMs: 10 * 60_000,
  maxStarts: 3,
  windowRetryDelayMs: 60_000,
  defaultWindowRetries: 2,
  maxDownloadBytes: DEFAULT_MAX_DOWNLOAD_BYTES,
  maxConfigExportBytes: 1024 * 1024,
  maxLogUploadBytes: 4 * 1024 * 1024,
  retryAfterErrorMs: 5_000,
};

export interface RunnerDeps {
  queue: TransferQueue;
  /** Directory owned by the runner; each transfer gets <workDir>/<id>/ (removed when it ends). */
  workDir: string;
  commands: () => TransferCommands;
  /** Injected for tests; default spawns /bin/sh. */
  runCommand?: CommandRunner;
  /** Called after a result was persisted: add 7 TRANSFER COMPLETE + M <Method> and start a session. */
  onTransferComplete?: (entry: TransferEntry) => void;
  /** Applies a file in our export format (all-or-nothing; throws with a reason to refuse it). */
  applySettings?: (values: Record<string, string>) => Promise<void>;
  /** Upload "1 Vendor Configuration File": the export text (without secrets). */
  exportConfig?: () => string | Promise<string>;
  /** Upload "2 Vendor Log File": path of the client's recent log. */
  logFile?: () => string | undefined;
  /** TLS/timeouts for file servers, read for every transfer. */
  http?: () => HttpTransferOptions;
  log?: TransferLog;
  now?: () => number;
  limits?: Partial<RunnerLimits>;
}

const silent: TransferLog = { info() {}, warn() {}, error() {} };
const RETRYABLE = new Set<number>([FAULT.cannotContact, FAULT.cannotAccess, FAULT.incomplete]);
const MAX_TIMER_MS = 2 ** 31 - 1;
const ENTRY_DIR = /^[0-9a-f]{16}$/;

/** 'cancelled': drop the files; 'suspended': leave entry and files as they are (shutdown while rebooting). */
type Outcome = { faultCode: number; message: string } | 'cancelled' | 'suspended';

export class TransferRunner {
  private readonly q: TransferQueue;
  private readonly log: TransferLog;
  private readonly now: () => number;
  private readonly limits: RunnerLimits;
  private readonly run: CommandRunner;
  private stopped = true;
  private recovered = false;
  private timer: NodeJS.Timeout | undefined;
  private pumping: Promise<void> | undefined;
  private again = false;
  private active: { id: string; commandKey: string; abort: AbortController } | undefined;
  private graceWait: { timer: NodeJS.Timeout; resolve: () => void } | undefined;

  constructor(private readonly deps: RunnerDeps) {
    this.q = deps.queue;
    this.log = deps.log ?? silent;
    this.now = deps.now ?? Date.now;
    this.limits = { ...DEFAULT_LIMITS, ...deps.limits };
    this.run = deps.runCommand ?? runShellCommand;
  }

  /**
   * Settles interrupted transfers (see the header), then starts working through the queue. Call it
   * before the first Inform so that results settled here go into that session. Never throws for a
   * queue file it cannot use right now (e.g. a lock left by a killed process): it logs and retries.
   */
  async start(): Promise<void> {
    this.stopped = false;
    try {
      await mkdir(this.deps.workDir, { recursive: true, mode: 0o700 });
      await this.recover();
      this.recovered = true;
    } catch (err) {
      this.log.error({ err: String(err) }, 'cannot settle interrupted transfers yet; will retry');
    }
    this.poke();
  }

  /** Re-examines the queue (call after enqueue). */
  poke(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pumping = this.pump()
      .catch((err: unknown) => {
        // e.g. the queue file is unreadable for a moment; try again later rather than never
        const wait = this.limits.retryAfterErrorMs;
        this.log.error({ err: String(err) }, `transfer runner failed; retrying in ${duration(wait)}`);
        if (!this.stopped && !this.timer) this.timer = setTimeout(() => this.poke(), wait);
      })
      .finally(() => {
        this.pumping = undefined;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  /**
   * Stops taking new work and aborts a running download/upload (it is re-queued, not failed).
   * A running command (upgrade, script) is never killed: this waits for it.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.active?.abort.abort('stop');
    if (this.graceWait) {
      clearTimeout(this.graceWait.timer);
      this.graceWait.resolve();
    }
    await this.pumping;
  }

  /** CancelTransfer: see TransferQueue.cancel for the faults; a running download is aborted. */
  async cancel(commandKey: string): Promise<void> {
    const removed = await this.q.cancel(commandKey);
    for (const e of removed) {
      this.log.info(this.describe(e), 'transfer cancelled by the ACS');
      if (this.active?.id === e.id) this.active.abort.abort('cancel');
      else await this.removeDir(e.id);
    }
  }

  // ---- recovery ----------------------------------------------------------------------------

  private async recover(): Promise<void> {
    for (const e of await this.q.list()) {
      if (e.state === 3) continue;
      if (e.phase === 'downloading' || e.phase === 'uploading') {
        if (e.starts >= this.limits.maxStarts) {
          await this.finish(e, {
            faultCode: FAULT.incomplete,
            message: `the transfer was interrupted ${e.starts} times (tr069-client stopped or the device restarted)`,
          });
        } else {
          this.log.warn(this.describe(e), 'transfer was interrupted by a restart; starting it again');
          await this.q.modify(e.id, (x) => ({ ...x, state: 1, phase: 'queued' }));
        }
      } else if (e.phase === 'applying') {
        await this.finish(e, {
          faultCode: FAULT.transferFailure,
          message: `interrupted: tr069-client stopped while applying the ${e.fileType.replace(/^\d+ /, '')}; the outcome is unknown`,
        });
      } else if (e.phase === 'rebooting') {
        this.log.info(this.describe(e), 'restarted after the upgrade: reporting success');
        await this.finish(e, { faultCode: 0, message: '' });
      }
    }
    // Leftovers of transfers that are gone or were just reset.
    const open = new Set((await this.q.list()).filter((e) => e.state === 2).map((e) => e.id));
    for (const name of await readdir(this.deps.workDir).catch(() => [] as string[])) {
      if (ENTRY_DIR.test(name) && !open.has(name)) await this.removeDir(name);
    }
  }

  // ---- scheduling --------------------------------------------------------------------------

  private async pump(): Promise<void> {
    if (!this.recovered) {
      await mkdir(this.deps.workDir, { recursive: true, mode: 0o700 });
      await this.recover();
      this.recovered = true;
    }
    for (let guard = 0; guard < 1000 && !this.stopped; guard++) {
      const now = this.now();
      const waiting = (await this.q.list()).filter((e) => e.state === 1);
      let next: { e: TransferEntry; at: number; window?: TransferWindow } | undefined;
      for (const e of waiting) {
        const slot = nextSlot(e, now);
        if (!slot) {
          await this.finish(e, {
            faultCode: FAULT.outsideWindows,
            message: 'the transfer could not be done within the time windows',
          });
          continue;
        }
        if (!next || slot.at < next.at) next = { e, ...slot };
      }
      if (!next) return;
      if (next.at > now) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.poke();
        }, Math.min(next.at - now, MAX_TIMER_MS));
        return;
      }
      await this.runOne(next.e, next.window);
    }
    // Only reached when the guard ran out: look again shortly rather than never.
    if (!this.stopped && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.poke();
      }, 1000);
    }
  }

  private async runOne(entry: TransferEntry, window: TransferWindow | undefined): Promise<void> {
    const started = await this.q.modify(entry.id, (x) =>
      x.state === 1
        ? {
            ...x,
            state: 2,
            phase: x.kind === 'upload' ? 'uploading' : 'downloading',
            startedAt: x.startedAt ?? this.now(),
            starts: x.starts + 1,
          }
        : x,
    );
    if (!started || started.state !== 2) return;
    const abort = new AbortController();
    this.active = { id: started.id, commandKey: started.commandKey, abort };
    let windowTimer: NodeJS.Timeout | undefined;
    if (window) {
      windowTimer = setTimeout(
        () => abort.abort(new TransferFault(FAULT.outsideWindows, 'the time window closed before the download finished')),
        Math.min(Math.max(0, window.end - this.now()), MAX_TIMER_MS),
      );
    }
    const endWindow = (): void => clearTimeout(windowTimer);
    this.log.info(this.describe(started), `${started.kind} started`);
    let outcome: Outcome;
    try {
      const dir = join(this.deps.workDir, started.id);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      outcome =
        started.kind === 'upload'
          ? await this.upload(started, abort.signal)
          : await this.download(started, dir, abort.signal, endWindow);
    } catch (err) {
      if (err instanceof TransferAborted) {
        outcome = 'cancelled';
        if (err.reason === 'stop') {
          // Shutdown is not a failure: put it back as it was.
          await this.q.modify(started.id, (x) => ({ ...x, state: 1, phase: 'queued', starts: Math.max(0, x.starts - 1) }));
        }
      } else {
        const fault = asTransferFault(err);
        outcome = { faultCode: fault.faultCode, message: fault.message };
      }
    } finally {
      endWindow();
      this.active = undefined;
    }
    if (outcome === 'suspended') return;
    if (outcome === 'cancelled') {
      await this.removeDir(started.id);
      return;
    }
    if (outcome.faultCode !== 0 && window && (await this.retryInWindows(started, window, outcome))) return;
    await this.finish(started, outcome);
  }

  /** ScheduleDownload: retry inside the window, or move to the next one. True when rescheduled. */
  private async retryInWindows(e: TransferEntry, window: TransferWindow, o: { faultCode: number; message: string }): Promise<boolean> {
    const now = this.now();
    const used = e.windowRetries ?? 0;
    const allowed = window.maxRetries < 0 ? this.limits.defaultWindowRetries : window.maxRetries;
    let notBefore: number | undefined;
    let windowRetries = 0;
    if (RETRYABLE.has(o.faultCode) && used < allowed && now + this.limits.windowRetryDelayMs < window.end) {
      notBefore = now + this.limits.windowRetryDelayMs;
      windowRetries = used + 1;
    } else {
      const later = e.timeWindows?.find((w) => w.start >= window.end);
      if (later) notBefore = later.start;
    }
    if (notBefore === undefined) return false;
    this.log.warn({ ...this.describe(e), faultCode: o.faultCode, reason: o.message }, 'transfer failed; will try again in its time window');
    await this.removeDir(e.id);
    await this.q.modify(e.id, (x) => ({ ...x, state: 1, phase: 'queued', notBefore: notBefore!, windowRetries }));
    return true;
  }

  private async finish(e: TransferEntry, o: { faultCode: number; message: string }): Promise<void> {
    const done = await this.q.complete(e.id, o.faultCode, o.message);
    await this.removeDir(e.id);
    if (!done) return; // cancelled meanwhile
    if (o.faultCode === 0) this.log.info(this.describe(done), `${e.kind} completed successfully`);
    else this.log.warn({ ...this.describe(done), faultCode: o.faultCode, reason: done.result?.faultString }, `${e.kind} failed`);
    try {
      this.deps.onTransferComplete?.(done);
    } catch (err) {
      this.log.error({ err: String(err) }, 'onTransferComplete callback failed');
    }
  }

  /** Moves the entry to a new phase; undefined when it was cancelled meanwhile. */
  private setPhase(id: string, phase: 'applying' | 'rebooting'): Promise<TransferEntry | undefined> {
    return this.q.modify(id, (x) => ({ ...x, phase }));
  }

  // ---- downloads ---------------------------------------------------------------------------

  private async download(e: TransferEntry, dir: string, signal: AbortSignal, endWindow: () => void): Promise<Outcome> {
    const http = this.deps.http?.() ?? {};
    const connect = await connectSettings(http);
    const main = await downloadToFile(
      {
        url: e.url,
        username: e.username,
        password: e.password,
        dir,
        nameHint: e.targetFileName || e.url,
        prefix: '00',
        expectedSize: e.fileSize,
        maxBytes: this.limits.maxDownloadBytes,
        signal,
        connect,
      },
      http,
    );
    this.log.info({ ...this.describe(e), bytes: main.size }, 'file downloaded');
    let files = [main.path];
    if (e.fileType === '1 Firmware Upgrade Image' && (await isManifestFile(main.path))) {
      files = await this.downloadManifestLinks(e, dir, main.path, main.size, signal, connect, http);
    }
    endWindow(); // from here on nothing is interrupted for a time window
    if (e.fileType === '1 Firmware Upgrade Image') return this.applyFirmware(e, files);
    if (e.fileType === '3 Vendor Configuration File') return this.applyConfig(e, files[0]);
    throw new TransferFault(FAULT.transferFailure, `FileType "${e.fileType}" is not supported`);
  }

  private async downloadManifestLinks(
    e: TransferEntry,
    dir: string,
    manifestPath: string,
    manifestSize: number,
    signal: AbortSignal,
    connect: ConnectSettings,
    http: HttpTransferOptions,
  ): Promise<string[]> {
    if (manifestSize > MAX_MANIFEST_BYTES) {
      throw new TransferFault(FAULT.corrupted, `invalid upgrade manifest: larger than ${MAX_MANIFEST_BYTES} bytes`);
    }
    const manifest = parseManifest(await readFile(manifestPath, 'utf8'));
    await unlink(manifestPath);
    this.log.info({ ...this.describe(e), links: manifest.links.map((l) => urlForLog(l.url)) }, 'upgrade manifest accepted');
    const declared = manifest.links.reduce((sum, l) => sum + (l.size ?? 0), 0);
    await checkFreeSpace(dir, declared);
    const files: string[] = [];
    for (const [i, link] of manifest.links.entries()) {
      const f = await downloadToFile(
        {
          url: link.url,
          username: e.username,
          password: e.password,
          dir,
          nameHint: link.url,
          prefix: String(i + 1).padStart(2, '0'),
          expectedSize: link.size,
          sha256: link.sha256,
          maxBytes: this.limits.maxDownloadBytes,
          signal,
          connect,
        },
        http,
      );
      this.log.info({ ...this.describe(e), file: urlForLog(link.url), bytes: f.size, sha256: f.sha256 }, 'manifest link downloaded');
      files.push(f.path);
    }
    return files;
  }

  private async applyFirmware(e: TransferEntry, files: string[]): Promise<Outcome> {
    const cmds = this.deps.commands();
    if (!cmds.upgradeCommand.trim()) {
      throw new TransferFault(FAULT.transferFailure, 'no upgrade-command configured');
    }
    if (!(await this.setPhase(e.id, 'applying'))) return 'cancelled';
    await this.command(e, { command: cmds.upgradeCommand, args: files, timeoutMs: this.limits.upgradeTimeoutMs, purpose: 'upgrade-command' });
    if (!cmds.rebootCommand.trim()) {
      this.log.warn(this.describe(e), 'upgrade applied; no reboot-command configured, so reporting success without a reboot');
      return { faultCode: 0, message: '' };
    }
    await this.setPhase(e.id, 'rebooting');
    this.log.info(this.describe(e), 'upgrade applied; running reboot-command');
    const reboot = await this.execute(e, { command: cmds.rebootCommand, args: [], timeoutMs: this.limits.rebootTimeoutMs, purpose: 'reboot-command' });
    // The shutdown of the reboot itself may stop us while reboot-command still runs (stop() came
    // first: never start the grace wait then, or the shutdown hangs for it) or end reboot-command
    // with a signal before stop() arrives: neither is a failure of the reboot.
    if (!reboot.ok && !this.stopped && !endedBySignal(reboot.result)) {
      return { faultCode: FAULT.transferFailure, message: `the upgrade was installed but ${reboot.why}` };
    }
    if (!reboot.ok && !this.stopped) this.log.warn(this.describe(e), `${reboot.why}; taking it for the shutdown of the reboot`);
    // Normally the machine goes down now and the next start reports success (phase "rebooting").
    if (!this.stopped) {
      await new Promise<void>((resolve) => {
        this.graceWait = { timer: setTimeout(resolve, this.limits.rebootGraceMs), resolve };
      });
      this.graceWait = undefined;
    }
    // Shutting down for the reboot: the next start reports success. The files stay until then
    // (an upgrade-command may have staged them for installation at boot).
    if (this.stopped) return 'suspended';
    this.log.warn(this.describe(e), `reboot-command returned but the device is still running after ${duration(this.limits.rebootGraceMs)}; reporting success`);
    return { faultCode: 0, message: '' };
  }

  private async applyConfig(e: TransferEntry, path: string): Promise<Outcome> {
    const cmds = this.deps.commands();
    const size = (await stat(path)).size;
    const values =
      this.deps.applySettings && size <= this.limits.maxConfigExportBytes ? parseConfigExport(await readFile(path, 'utf8')) : null;
    if (values && this.deps.applySettings) {
      // Command settings run shell code: not through a file when the operator disabled scripts.
      const commandKeys = Object.keys(values).filter((k) => k.endsWith('-command'));
      if (commandKeys.length > 0 && !cmds.scriptCommand.trim()) {
        throw new TransferFault(FAULT.transferFailure, `the file sets ${commandKeys.join(', ')} but scripts are disabled (script-command is empty)`);
      }
      if (!(await this.setPhase(e.id, 'applying'))) return 'cancelled';
      try {
        await this.deps.applySettings(values);
      } catch (err) {
        throw new TransferFault(FAULT.transferFailure, `configuration rejected: ${(err as Error).message}`);
      }
      this.log.info({ ...this.describe(e), keys: Object.keys(values) }, 'configuration export applied');
      return { faultCode: 0, message: '' };
    }
    const isAlter = /\.alter$/i.test(new URL(e.url).pathname);
    let spec: CommandSpec;
    if (!isAlter && cmds.configCommand.trim()) {
      spec = { command: cmds.configCommand, args: [path], timeoutMs: this.limits.scriptTimeoutMs, purpose: 'config-command' };
    } else if (cmds.scriptCommand.trim()) {
      spec = { command: cmds.scriptCommand, args: [path], timeoutMs: this.limits.scriptTimeoutMs, purpose: 'script' };
    } else {
      throw new TransferFault(FAULT.transferFailure, 'scripts are disabled (script-command is empty)');
    }
    if (!(await this.setPhase(e.id, 'applying'))) return 'cancelled';
    await this.command(e, spec);
    return { faultCode: 0, message: '' };
  }

  /** Runs a command, logs its output, throws 9010 with the reason when it fails. */
  private async command(e: TransferEntry, spec: CommandSpec): Promise<void> {
    const r = await this.execute(e, spec);
    if (!r.ok) throw new TransferFault(FAULT.transferFailure, r.why);
  }

  /** Runs a command and logs its output; `why` says in one line how it failed. */
  private async execute(e: TransferEntry, spec: CommandSpec): Promise<{ ok: boolean; why: string; result: CommandResult }> {
    const full: CommandSpec = {
      ...spec,
      env: { TR069_COMMAND_KEY: e.commandKey, TR069_FILE_TYPE: e.fileType, ...spec.env },
      cwd: join(this.deps.workDir, e.id),
    };
    this.log.info({ ...this.describe(e), files: spec.args.length }, `running ${spec.purpose}`);
    const r = await this.run(full);
    const ok = r.exitCode === 0 && !r.timedOut && !r.spawnError;
    const detail = { ...this.describe(e), exitCode: r.exitCode, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
    if (ok) {
      this.log.info(detail, `${spec.purpose} finished`);
      return { ok, why: '', result: r };
    }
    const why = describeFailure(spec, r, spec.timeoutMs);
    this.log.warn(detail, why);
    return { ok, why, result: r };
  }

  // ---- uploads -----------------------------------------------------------------------------

  private async upload(e: TransferEntry, signal: AbortSignal): Promise<Outcome> {
    const what = UPLOAD_FILE_TYPES[e.fileType];
    let body: Buffer;
    if (what === 'config') {
      if (!this.deps.exportConfig) throw new TransferFault(FAULT.uploadFailure, 'configuration export is not available');
      body = Buffer.from(await this.deps.exportConfig(), 'utf8');
    } else if (what === 'log') {
      const path = this.deps.logFile?.();
      if (!path) throw new TransferFault(FAULT.uploadFailure, 'no log file is kept');
      body = await readLogTail(path, this.limits.maxLogUploadBytes);
    } else {
      throw new TransferFault(FAULT.uploadFailure, `FileType "${e.fileType}" is not supported`);
    }
    await uploadBuffer(
      { url: e.url, username: e.username, password: e.password, body, contentType: 'text/plain; charset=utf-8', signal },
      this.deps.http?.() ?? {},
    );
    this.log.info({ ...this.describe(e), bytes: body.length }, 'file uploaded');
    return { faultCode: 0, message: '' };
  }

  // ---- helpers -----------------------------------------------------------------------------

  /** What is logged about a transfer: never the password, never the URL's query. */
  private describe(e: TransferEntry): Record<string, unknown> {
    return { transfer: e.id, commandKey: e.commandKey, fileType: e.fileType, url: urlForLog(e.url) };
  }

  private async removeDir(id: string): Promise<void> {
    if (!ENTRY_DIR.test(id)) return;
    await rm(join(this.deps.workDir, id), { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * Ended by SIGHUP/SIGINT/SIGKILL/SIGTERM (what a shutdown sends), directly or as the shell reports
 * it (128 + signal number), and not by our own time limit.
 */
function endedBySignal(r: CommandResult): boolean {
  if (r.timedOut || r.spawnError) return false;
  if (r.signal) return ['SIGHUP', 'SIGINT', 'SIGKILL', 'SIGTERM'].includes(r.signal);
  return r.exitCode !== null && [129, 130, 137, 143].includes(r.exitCode);
}

/** When the entry may start next (and in which window), or undefined when its windows are all gone. */
function nextSlot(e: TransferEntry, now: number): { at: number; window?: TransferWindow } | undefined {
  if (!e.timeWindows) return { at: e.notBefore };
  for (const w of e.timeWindows) {
    const at = Math.max(w.start, e.notBefore);
    if (at < w.end && now < w.end) return { at, window: w };
  }
  return undefined;
}
