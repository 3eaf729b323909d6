// The durable transfer queue: every accepted Download/ScheduleDownload/Upload and its progress,
// persisted (atomic write + fsync, mode 0600: it holds file-server passwords) BEFORE the RPC is
// answered, and kept until the ACS acknowledged the TransferComplete. The phase marker is what
// lets a restart decide the outcome of a transfer that was interrupted (see runner.ts, recover()).
import { randomBytes } from 'node:crypto';
import { DurableFile } from '../store/durable-file.js';
import {
  UNKNOWN_TIME,
  type AllQueuedTransfer,
  type Download,
  type EventStruct,
  type QueuedTransfer,
  type ScheduleDownload,
  type TransferComplete,
  type Upload,
} from '../cwmp/types.js';
import { FAULT, TransferFault, faultString } from './faults.js';

export type TransferMethod = 'Download' | 'ScheduleDownload' | 'Upload';
export type TransferKind = 'download' | 'upload';
/**
 * queued → downloading/uploading → (applying → rebooting) → done.
 * `applying` = a command that changes the device was started; `rebooting` = it succeeded and
 * reboot-command was invoked. Both are persisted before the step starts.
 */
export type TransferPhase = 'queued' | 'downloading' | 'uploading' | 'applying' | 'rebooting' | 'done';

export interface TransferResult {
  faultCode: number;
  faultString: string;
  startTime: string;
  completeTime: string;
}

/** A ScheduleDownload window in absolute time (ms since the epoch). */
export interface TransferWindow {
  start: number;
  end: number;
  mode: string;
  maxRetries: number;
}

export interface TransferEntry {
  id: string;
  kind: TransferKind;
  method: TransferMethod;
  commandKey: string;
  fileType: string;
  url: string;
  username: string;
  /** Stored only in the 0600 queue file; never logged. */
  password: string;
  fileSize: number;
  targetFileName: string;
  delaySeconds: number;
  receivedAt: number;
  /** Earliest start (ms since the epoch): receipt + DelaySeconds, or the next window's start. */
  notBefore: number;
  timeWindows?: TransferWindow[];
  /** 1 not started, 2 in progress, 3 completed (TransferComplete pending). */
  state: 1 | 2 | 3;
  phase: TransferPhase;
  startedAt?: number;
  /** How many times the transfer was started; bounds restarts after crashes. */
  starts: number;
  /** Retries used in the current ScheduleDownload window. */
  windowRetries?: number;
  result?: TransferResult;
  isAutonomous?: boolean;
}

interface QueueFile {
  version: 1;
  entries: TransferEntry[];
}

export const DOWNLOAD_FILE_TYPES = ['1 Firmware Upgrade Image', '3 Vendor Configuration File'] as const;
/** Upload FileType → what we send. "3 …File 1"/"4 …File 1" name instance 1 of VendorConfigFile/VendorLogFile. */
export const UPLOAD_FILE_TYPES: Record<string, 'config' | 'log'> = {
  '1 Vendor Configuration File': 'config',
  '3 Vendor Configuration File 1': 'config',
  '2 Vendor Log File': 'log',
  '4 Vendor Log File 1': 'log',
};
/** Window modes we can honour; "3 When Idle" is treated as "at any time" (no idle detection). */
const USABLE_WINDOW_MODES = new Set(['1 At Any Time', '2 Immediately', '3 When Idle']);

export const DEFAULT_MAX_QUEUE_DEPTH = 10;
/** GetQueuedTransfers returns at most 16 entries (schema). */
const MAX_QUEUED_TRANSFERS_LIST = 16;

/** CWMP dateTime in UTC without milliseconds. */
export function cwmpTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface QueueOptions {
  maxDepth?: number;
  now?: () => number;
}

export type TransferRequest = Download | ScheduleDownload | Upload;

export class TransferQueue {
  private readonly file: DurableFile<QueueFile>;
  private readonly maxDepth: number;
  private readonly now: () => number;

  constructor(path: string, opts: QueueOptions = {}) {
    this.file = new DurableFile<QueueFile>(path, () => ({ version: 1, entries: [] }), validateQueueFile);
    this.maxDepth = opts.maxDepth ?? DEFAULT_MAX_QUEUE_DEPTH;
    this.now = opts.now ?? Date.now;
  }

  get path(): string {
    return this.file.path;
  }

  /**
   * Checks the request (throws TransferFault with the synchronous fault code: 9003 bad arguments or
   * unsupported FileType/window mode, 9013 unsupported URL scheme, 9004 queue full) and persists it.
   * Resolves only once the entry is on disk: answer the RPC after this.
   */
  async enqueue(req: TransferRequest): Promise<TransferEntry> {
    const entry = buildEntry(req, this.now());
    await this.file.update((q) => {
      const open = q.entries.filter((e) => e.state !== 3).length;
      if (open >= this.maxDepth) {
        throw new TransferFault(FAULT.resourcesExceeded, `transfer queue is full (${this.maxDepth} transfers)`);
      }
      return { ...q, entries: [...q.entries, entry] };
    });
    return entry;
  }

  async list(): Promise<TransferEntry[]> {
    return (await this.file.load()).entries;
  }

  async get(id: string): Promise<TransferEntry | undefined> {
    return (await this.list()).find((e) => e.id === id);
  }

  /** GetQueuedTransfers: ACS-requested transfers only, at most 16. */
  async getQueuedTransfers(): Promise<QueuedTransfer[]> {
    return (await this.list())
      .filter((e) => !e.isAutonomous)
      .slice(0, MAX_QUEUED_TRANSFERS_LIST)
      .map((e) => ({ commandKey: e.commandKey, state: e.state }));
  }

  async getAllQueuedTransfers(): Promise<AllQueuedTransfer[]> {
    return (await this.list()).map((e) => ({
      commandKey: e.commandKey,
      state: e.state,
      isDownload: e.kind === 'download',
      fileType: e.fileType,
      fileSize: e.fileSize,
      targetFileName: e.targetFileName,
    }));
  }

  /**
   * CancelTransfer: removes every not-yet-applying transfer with this CommandKey (no TransferComplete
   * is sent for them). 9021 when one of them is already applying/rebooting/completed (nothing is
   * removed then); 9003 when no transfer has the key. Returns the removed entries.
   */
  async cancel(commandKey: string): Promise<TransferEntry[]> {
    let removed: TransferEntry[] = [];
    await this.file.update((q) => {
      const matching = q.entries.filter((e) => e.commandKey === commandKey && !e.isAutonomous);
      if (matching.length === 0) {
        throw new TransferFault(FAULT.invalidArguments, `no queued transfer has CommandKey "${commandKey}"`);
      }
      const late = matching.find((e) => e.state === 3 || e.phase === 'applying' || e.phase === 'rebooting');
      if (late) {
        throw new TransferFault(
          FAULT.cancelNotPermitted,
          late.state === 3 ? 'the transfer has already completed' : 'the transfer is already being applied',
        );
      }
      removed = matching;
      return { ...q, entries: q.entries.filter((e) => !matching.includes(e)) };
    });
    return removed;
  }

  /** Changes one entry under the file lock; `change` returns the new entry, or null to delete it. */
  async modify(id: string, change: (e: TransferEntry) => TransferEntry | null): Promise<TransferEntry | undefined> {
    let result: TransferEntry | undefined;
    await this.file.update((q) => {
      const i = q.entries.findIndex((e) => e.id === id);
      if (i < 0) return q;
      const next = change(q.entries[i]);
      const entries = [...q.entries];
      if (next) entries[i] = next;
      else entries.splice(i, 1);
      result = next ?? undefined;
      return { ...q, entries };
    });
    return result;
  }

  /** Records the outcome (state 3, phase done). Returns the entry, or undefined if it was cancelled. */
  async complete(id: string, faultCode: number, message: string): Promise<TransferEntry | undefined> {
    const now = this.now();
    return this.modify(id, (e) => ({
      ...e,
      state: 3,
      phase: 'done',
      result: {
        faultCode,
        faultString: faultCode === 0 ? '' : faultString(message),
        startTime: e.startedAt !== undefined ? cwmpTime(e.startedAt) : UNKNOWN_TIME,
        completeTime: cwmpTime(now),
      },
    }));
  }

  /** The TransferComplete calls still owed to the ACS, oldest first. */
  async pendingTransferCompletes(): Promise<TransferComplete[]> {
    return completionRequests(await this.list());
  }

  /** Inform events for the pending TransferCompletes: one "7 TRANSFER COMPLETE" + "M <Method>" per key. */
  async pendingEvents(): Promise<EventStruct[]> {
    return completionEvents(await this.list());
  }

  /** Both of the above from ONE read of the file, so that they always match. */
  async pendingCompletions(): Promise<{ requests: TransferComplete[]; events: EventStruct[] }> {
    const entries = await this.list();
    return { requests: completionRequests(entries), events: completionEvents(entries) };
  }

  /** The ACS answered TransferCompleteResponse for this key: forget the oldest completed entry with it. */
  async acknowledge(commandKey: string): Promise<boolean> {
    let found = false;
    await this.file.update((q) => {
      const i = q.entries.findIndex((e) => e.result && !e.isAutonomous && e.commandKey === commandKey);
      if (i < 0) return q;
      found = true;
      return { ...q, entries: q.entries.filter((_, j) => j !== i) };
    });
    return found;
  }

  /** Forgets everything (BOOTSTRAP to a new ACS: its predecessor's transfers must not be reported to it). */
  async clear(): Promise<TransferEntry[]> {
    let dropped: TransferEntry[] = [];
    await this.file.update((q) => {
      dropped = q.entries;
      return { version: 1, entries: [] };
    });
    return dropped;
  }
}

function completionRequests(entries: TransferEntry[]): TransferComplete[] {
  return entries
    .filter((e) => e.result && !e.isAutonomous)
    .map((e) => ({
      method: 'TransferComplete',
      commandKey: e.commandKey,
      faultStruct: { faultCode: e.result!.faultCode, faultString: e.result!.faultString },
      startTime: e.result!.startTime,
      completeTime: e.result!.completeTime,
    }));
}

function completionEvents(entries: TransferEntry[]): EventStruct[] {
  const done = entries.filter((e) => e.result && !e.isAutonomous);
  if (done.length === 0) return [];
  const events: EventStruct[] = [{ eventCode: '7 TRANSFER COMPLETE', commandKey: '' }];
  const seen = new Set<string>();
  for (const e of done) {
    const code = `M ${e.method}`;
    if (seen.has(code + '\n' + e.commandKey)) continue;
    seen.add(code + '\n' + e.commandKey);
    events.push({ eventCode: code, commandKey: e.commandKey });
  }
  return events;
}

// ---- request checks ----------------------------------------------------------------------

function invalid(message: string): TransferFault {
  return new TransferFault(FAULT.invalidArguments, message);
}

function checkCount(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw invalid(`${name} must be a non-negative integer`);
}

/** Parses and checks the URL: http/https only (9013); credentials embedded in it are moved out. */
export function checkTransferUrl(text: string): { url: string; username?: string; password?: string } {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw invalid('URL is not a valid absolute URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new TransferFault(FAULT.unsupportedProtocol, `unsupported protocol "${u.protocol.replace(/:$/, '')}" (http and https only)`);
  }
  if (!u.hostname) throw invalid('URL has no host');
  if (u.username || u.password) {
    const username = decodeURIComponent(u.username);
    const password = decodeURIComponent(u.password);
    u.username = '';
    u.password = '';
    return { url: u.href, username, password };
  }
  return { url: u.href };
}

function buildWindows(list: ScheduleDownload['timeWindowList'], receivedAt: number): TransferWindow[] {
  if (list.length < 1 || list.length > 2) throw invalid('TimeWindowList must hold 1 or 2 windows');
  const windows = list.map((w) => {
    checkCount('WindowStart', w.windowStart);
    checkCount('WindowEnd', w.windowEnd);
    if (w.windowEnd < w.windowStart) throw invalid('WindowEnd is before WindowStart');
    if (!Number.isSafeInteger(w.maxRetries) || w.maxRetries < -1) throw invalid('MaxRetries must be -1 or more');
    return {
      start: receivedAt + w.windowStart * 1000,
      end: receivedAt + w.windowEnd * 1000,
      mode: w.windowMode,
      maxRetries: w.maxRetries,
    };
  });
  if (windows.length === 2 && windows[1].start < windows[0].end) throw invalid('time windows overlap or are out of order');
  const usable = windows.filter((w) => USABLE_WINDOW_MODES.has(w.mode));
  if (usable.length === 0) {
    // "4 Confirmation Needed" needs a local user to confirm; a headless agent has none.
    throw invalid(`no time window this device can honour (modes: ${windows.map((w) => w.mode).join(', ')})`);
  }
  return usable;
}

function buildEntry(req: TransferRequest, now: number): TransferEntry {
  const isUpload = req.method === 'Upload';
  if (isUpload) {
    if (!(req.fileType in UPLOAD_FILE_TYPES)) throw invalid(`unsupported Upload FileType "${req.fileType}"`);
  } else if (!(DOWNLOAD_FILE_TYPES as readonly string[]).includes(req.fileType)) {
    throw invalid(`unsupported Download FileType "${req.fileType}"`);
  }
  const target = checkTransferUrl(req.url);
  const delaySeconds = req.method === 'ScheduleDownload' ? 0 : req.delaySeconds;
  checkCount('DelaySeconds', delaySeconds);
  const fileSize = req.method === 'Upload' ? 0 : req.fileSize;
  checkCount('FileSize', fileSize);
  const timeWindows = req.method === 'ScheduleDownload' ? buildWindows(req.timeWindowList, now) : undefined;
  return {
    id: randomBytes(8).toString('hex'),
    kind: isUpload ? 'upload' : 'download',
    method: req.method,
    commandKey: req.commandKey,
    fileType: req.fileType,
    url: target.url,
    username: req.username || target.username || '',
    password: req.username ? req.password : (target.password ?? req.password),
    fileSize,
    targetFileName: req.method === 'Upload' ? '' : req.targetFileName,
    delaySeconds,
    receivedAt: now,
    notBefore: timeWindows ? timeWindows[0].start : now + delaySeconds * 1000,
    ...(timeWindows ? { timeWindows } : {}),
    state: 1,
    phase: 'queued',
    starts: 0,
  };
}

// ---- file validation ---------------------------------------------------------------------

const PHASES = new Set<TransferPhase>(['queued', 'downloading', 'uploading', 'applying', 'rebooting', 'done']);

function validateQueueFile(raw: unknown): QueueFile {
  const q = raw as Partial<QueueFile> | null;
  if (!q || typeof q !== 'object' || !Array.isArray(q.entries)) throw new Error('expected {"entries": [...]}');
  for (const e of q.entries as unknown[]) {
    const t = e as Partial<TransferEntry> | null;
    if (
      !t ||
      typeof t.id !== 'string' ||
      (t.kind !== 'download' && t.kind !== 'upload') ||
      typeof t.commandKey !== 'string' ||
      typeof t.url !== 'string' ||
      typeof t.fileType !== 'string' ||
      ![1, 2, 3].includes(t.state as number) ||
      !PHASES.has(t.phase as TransferPhase) ||
      typeof t.notBefore !== 'number'
    ) {
      throw new Error('a transfer entry is malformed');
    }
  }
  return { version: 1, entries: q.entries as TransferEntry[] };
}
