// status.json: what the daemon reports about itself for `tr069-client print` (RouterOS's read-only
// last-session-error and retry-count). Only the daemon writes it; the CLI only reads it.
import { DurableFile } from './durable-file.js';
import { dataPaths } from './paths.js';

export interface DaemonStatus {
  /** Why the previous session failed; "" after a successful one. */
  lastSessionError: string;
  /** Consecutive failed sessions; 0 after a success, on start and when disabled. */
  retryCount: number;
  /** Process id of the daemon that wrote the file (null when unknown). */
  pid: number | null;
  /** ISO time of the write ("" when never written). */
  updatedAt: string;
}

export function emptyStatus(): DaemonStatus {
  return { lastSessionError: '', retryCount: 0, pid: null, updatedAt: '' };
}

function checkStatus(raw: unknown): DaemonStatus {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('expected a JSON object');
  const r = raw as Record<string, unknown>;
  const out = emptyStatus();
  if (r.lastSessionError !== undefined) {
    if (typeof r.lastSessionError !== 'string') throw new Error('lastSessionError must be a string');
    out.lastSessionError = r.lastSessionError;
  }
  if (r.retryCount !== undefined) {
    if (!Number.isSafeInteger(r.retryCount) || (r.retryCount as number) < 0) {
      throw new Error('retryCount must be a non-negative integer');
    }
    out.retryCount = r.retryCount as number;
  }
  if (r.pid !== undefined && r.pid !== null) {
    if (!Number.isSafeInteger(r.pid) || (r.pid as number) <= 0) throw new Error('pid must be a positive integer');
    out.pid = r.pid as number;
  }
  if (r.updatedAt !== undefined) {
    if (typeof r.updatedAt !== 'string') throw new Error('updatedAt must be a string');
    out.updatedAt = r.updatedAt;
  }
  return out;
}

export function statusFile(dataDir: string): DurableFile<DaemonStatus> {
  return new DurableFile(dataPaths(dataDir).status, emptyStatus, checkStatus);
}

/** The last status the daemon wrote, or the empty status ("" and 0) when there is none. */
export async function readStatus(dataDir: string): Promise<DaemonStatus> {
  return statusFile(dataDir).load();
}

/**
 * Replaces status.json atomically. `pid` defaults to this process and `updatedAt` to now.
 * Returns what was written.
 */
export async function writeStatus(
  dataDir: string,
  status: { lastSessionError: string; retryCount: number; pid?: number | null; updatedAt?: string },
): Promise<DaemonStatus> {
  const value = checkStatus({
    lastSessionError: status.lastSessionError,
    retryCount: status.retryCount,
    pid: status.pid === undefined ? process.pid : status.pid,
    updatedAt: status.updatedAt ?? new Date().toISOString(),
  });
  await statusFile(dataDir).save(value);
  return value;
}
