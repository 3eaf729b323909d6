// Downloads one URL into a file inside a given directory: streamed to disk (constant memory),
// hashed on the way, size-limited, fsync'ed, removed again on any failure. The local name is
// derived from a hint but can never leave the directory (no separators, no leading dots).
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, statfs, unlink } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import type { Agent, Dispatcher } from 'undici';
import { FAULT, TransferFault, duration } from './faults.js';
import {
  HTTP_DEFAULTS,
  abortError,
  exchange,
  makeAgent,
  networkFault,
  type HttpTransferOptions,
} from './http-common.js';

export interface DownloadSpec {
  url: string;
  username?: string;
  password?: string;
  /** Directory the file is created in (must exist). */
  dir: string;
  /** A name suggestion (URL or TargetFileName); only a sanitised last segment of it is used. */
  nameHint?: string;
  /** Prefix that makes the local name unique within the directory, e.g. "01". */
  prefix?: string;
  /** Expected size in bytes (FileSize or a manifest's size); 0/undefined = unknown. */
  expectedSize?: number;
  /** Hard cap on bytes accepted (default 4 GiB). */
  maxBytes?: number;
  signal?: AbortSignal;
  /** Reuse a connection pool across several downloads (a manifest's links). */
  agent?: Agent;
}

export interface DownloadedFile {
  path: string;
  size: number;
  /** Lower-case hex SHA-256 of the content, computed while streaming. */
  sha256: string;
}

export const DEFAULT_MAX_DOWNLOAD_BYTES = 4 * 1024 ** 3;
/** Space left free on the disk besides the file itself. */
const DISK_RESERVE_BYTES = 8 * 1024 * 1024;

/**
 * A file name that stays inside its directory whatever the hint: the last path segment only,
 * percent-decoded, reduced to [A-Za-z0-9._-], no leading dot, at most 100 characters.
 */
export function safeLocalName(hint: string | undefined, prefix = ''): string {
  let last = (hint ?? '').split(/[?#]/)[0].split(/[/\\]/).pop() ?? '';
  try {
    last = decodeURIComponent(last);
  } catch {
    // keep it undecoded
  }
  last = basename(last.replace(/[/\\]/g, '_'));
  const clean = last
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^[.]+/, '')
    .slice(0, 100);
  const name = [prefix, clean].filter((s) => s).join('-');
  return name || 'file';
}

/** Joins and proves the result is a direct child of dir. */
export function pathInside(dir: string, name: string): string {
  const root = resolve(dir);
  const p = resolve(root, name);
  if (p !== join(root, name) || resolve(p, '..') !== root || name.includes('/') || name === '..' || name === '.') {
    throw new TransferFault(FAULT.internal, 'local file name escapes the transfer directory');
  }
  return p;
}

function declaredLength(headers: Record<string, string | string[] | undefined>): number | undefined {
  const v = headers['content-length'];
  if (typeof v !== 'string' || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

/** Throws 9010 when the disk holding dir has less than needed bytes (plus a reserve) free. */
export async function checkFreeSpace(dir: string, needed: number): Promise<void> {
  let free: number;
  try {
    const s = await statfs(dir);
    free = s.bavail * s.bsize;
  } catch {
    return; // unknown free space: let the write itself fail with ENOSPC if it must
  }
  if (needed + DISK_RESERVE_BYTES > free) {
    throw new TransferFault(
      FAULT.transferFailure,
      `not enough free disk space: the file needs ${needed} bytes, ${free} are available`,
    );
  }
}

/** Writes all of bufs (a short write is continued, as the system call allows). */
async function writeAll(fh: FileHandle, bufs: Buffer[]): Promise<void> {
  const total = bufs.reduce((n, b) => n + b.length, 0);
  const { bytesWritten } = await fh.writev(bufs);
  if (bytesWritten === total) return;
  let rest = Buffer.concat(bufs).subarray(bytesWritten);
  while (rest.length > 0) {
    const { bytesWritten: n } = await fh.write(rest);
    if (n <= 0) throw new Error('write made no progress');
    rest = rest.subarray(n);
  }
}

/** Read-ahead of the response body: 1 MiB instead of 64 KiB doubles loopback throughput (bench). */
const BODY_HIGH_WATER_MARK = 1024 * 1024;
/** Chunks are gathered into writes of about this size; at most one write is in flight. */
const WRITE_BATCH_BYTES = 1024 * 1024;

/**
 * Copies the body to the file, counting and hashing on the way and stopping at `limit`. Memory is
 * bounded (one batch being written, one being gathered) and reading overlaps writing.
 */
async function copyToFile(
  body: AsyncIterable<Buffer>,
  fh: FileHandle,
  limit: number,
  overLimit: () => TransferFault,
  onData: () => void,
): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  let batch: Buffer[] = [];
  let batchBytes = 0;
  let writing: Promise<void> = Promise.resolve();
  let writeError: unknown;
  const flush = async (): Promise<void> => {
    await writing;
    if (writeError) throw writeError;
    const b = batch;
    batch = [];
    batchBytes = 0;
    writing = writeAll(fh, b).catch((err: unknown) => {
      writeError = err;
    });
  };
  for await (const chunk of body) {
    onData();
    bytes += chunk.length;
    if (bytes > limit) throw overLimit();
    hash.update(chunk);
    batch.push(chunk);
    batchBytes += chunk.length;
    if (batchBytes >= WRITE_BATCH_BYTES) await flush();
  }
  if (batch.length > 0) await flush();
  await writing;
  if (writeError) throw writeError;
  return { bytes, sha256: hash.digest('hex') };
}

/** Downloads spec.url; throws TransferFault (or TransferAborted when spec.signal fired). */
export async function downloadToFile(spec: DownloadSpec, opts: HttpTransferOptions = {}): Promise<DownloadedFile> {
  const name = safeLocalName(spec.nameHint ?? spec.url, spec.prefix);
  const path = pathInside(spec.dir, name);
  const host = hostOf(spec.url);
  const maxBytes = spec.maxBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES;
  const expected = spec.expectedSize && spec.expectedSize > 0 ? spec.expectedSize : undefined;
  const totalMs = opts.totalTimeoutMs ?? HTTP_DEFAULTS.totalTimeoutMs;

  const timeout = new AbortController();
  const timer = setTimeout(
    () => timeout.abort(new TransferFault(FAULT.incomplete, `download did not finish within ${duration(totalMs)}`)),
    totalMs,
  );
  const signal = spec.signal ? AbortSignal.any([spec.signal, timeout.signal]) : timeout.signal;
  // Our own idle watchdog: undici's bodyTimeout runs on coarse timers.
  const idleMs = opts.idleTimeoutMs ?? HTTP_DEFAULTS.idleTimeoutMs;
  let idle: NodeJS.Timeout | undefined;
  const agent = spec.agent ?? (await makeAgent(opts));
  let created = false;
  let failed = false;
  let res: Dispatcher.ResponseData | undefined;
  try {
    ({ res } = await exchange({
      agent,
      method: 'GET',
      url: spec.url,
      username: spec.username ?? '',
      password: spec.password ?? '',
      signal,
      maxRedirects: opts.maxRedirects ?? HTTP_DEFAULTS.maxRedirects,
      redirectStatuses: [301, 302, 303, 307, 308],
      userAgent: opts.userAgent ?? HTTP_DEFAULTS.userAgent,
      highWaterMark: BODY_HIGH_WATER_MARK,
    }));
    if (res.statusCode < 200 || res.statusCode >= 300) {
      throw new TransferFault(FAULT.cannotAccess, `${host} answered HTTP ${res.statusCode} for the file`);
    }
    const length = declaredLength(res.headers);
    if (expected !== undefined && length !== undefined && length !== expected) {
      throw new TransferFault(FAULT.corrupted, `the server sends ${length} bytes but ${expected} were expected`);
    }
    if (length !== undefined && length > maxBytes) {
      throw new TransferFault(FAULT.transferFailure, `the file is too large (${length} bytes, limit ${maxBytes})`);
    }
    await checkFreeSpace(spec.dir, length ?? expected ?? 0);

    const limit = Math.min(maxBytes, expected ?? Infinity);
    idle = setTimeout(
      () => timeout.abort(new TransferFault(FAULT.incomplete, `${host} stopped sending data for ${duration(idleMs)} (idle timeout)`)),
      idleMs,
    );
    const overLimit = (): TransferFault =>
      expected !== undefined && expected <= maxBytes
        ? new TransferFault(FAULT.corrupted, `the file is larger than the expected ${expected} bytes`)
        : new TransferFault(FAULT.transferFailure, `the file is larger than the limit of ${maxBytes} bytes`);
    // O_EXCL + O_NOFOLLOW: never write through a pre-planted file or symlink.
    const fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    created = true;
    let copied: { bytes: number; sha256: string };
    try {
      try {
        copied = await copyToFile(res.body, fh, limit, overLimit, () => idle?.refresh());
      } catch (err) {
        if (signal.aborted) throw abortError(signal);
        throw networkFault(err, 'body', FAULT.incomplete, host);
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (expected !== undefined && copied.bytes < expected) {
      throw new TransferFault(FAULT.incomplete, `received ${copied.bytes} of the expected ${expected} bytes`);
    }
    return { path, size: copied.bytes, sha256: copied.sha256 };
  } catch (err) {
    failed = true;
    if (res && !res.body.destroyed) {
      res.body.on('error', () => undefined); // destroying an unread body emits "Request aborted"
      res.body.destroy();
    }
    if (created) await unlink(path).catch(() => undefined);
    if (signal.aborted && !(err instanceof TransferFault)) throw abortError(signal);
    throw err;
  } finally {
    clearTimeout(timer);
    clearTimeout(idle);
    if (!spec.agent) await (failed ? agent.destroy(null) : agent.close()).catch(() => undefined);
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the server';
  }
}
