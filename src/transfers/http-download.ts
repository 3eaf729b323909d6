// Downloads one URL into a file inside a given directory: streamed to disk (constant memory),
// hashed on the way, size-limited, fsync'ed, removed again on any failure. The local name is
// derived from a hint but can never leave the directory (no separators, no leading dots).
import { createHash, type Hash } from 'node:crypto';
import { constants, write } from 'node:fs';
import { open, statfs, unlink } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import { FAULT, TransferFault, duration } from './faults.js';
import {
  HTTP_DEFAULTS,
  abortError,
  connectSettings,
  negotiate,
  networkFault,
  urlForLog,
  type HttpTransferOptions,
} from './http-common.js';
import { httpGet, type BodySink, type ConnectSettings, type GetResponse } from './http-get.js';

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
  /**
   * Expected SHA-256 (lower-case hex): the content is hashed while streaming and a mismatch is fault
   * 9018. Without it nothing is hashed: SHA-256 costs ~0.7 ms/MB of main-thread CPU, a third of a
   * loopback download's time (bench transfers).
   */
  sha256?: string;
  signal?: AbortSignal;
  /**
   * Connection settings shared by several downloads (a manifest's links), so the CA file is read
   * once; default: derived from the options. Connections are not pooled (one per request).
   */
  connect?: ConnectSettings;
}

export interface DownloadedFile {
  path: string;
  size: number;
  /** Lower-case hex SHA-256 of the content, when one was expected (and then it matched). */
  sha256?: string;
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

/**
 * The body is gathered into reused buffers of this size, each hashed, then written in one call.
 * Not larger: on the bench VM, 1 MiB writes cost ~3x the kernel time of 256 KiB ones (larger
 * page-cache allocations), and 128 KiB costs more JS per byte.
 */
const BATCH_BYTES = 256 * 1024;
/** Buffers in the pool: while one fills, the others wait for the disk; then the socket is paused. */
const BATCHES = 8;
/**
 * fdatasync this often during the download, in the background: the disk writes back while the
 * network is still busy, the final fsync finds little left, and dirty pages stay bounded.
 */
const FLUSH_EVERY_BYTES = 32 * 1024 * 1024;

/**
 * The body's sink: counts (stopping at `limit`), copies into pooled batches, hashes a batch when it
 * is full and queues it for writing (one write in flight, in order). It stops the flow while it has
 * no spare batch, so memory is the pool (BATCHES × BATCH_BYTES) whatever the file size.
 */
class FileFiller implements BodySink {
  bytes = 0;
  private readonly hash: Hash | undefined;
  private readonly free: Buffer[] = [];
  private cur: Buffer | undefined;
  private fill = 0;
  private position = 0;
  private writing: Promise<void> = Promise.resolve();
  private flushing: Promise<void> | undefined;
  private unflushed = 0;
  private error: unknown;
  private stopped = false;

  constructor(
    private readonly fh: FileHandle,
    private readonly res: GetResponse,
    private readonly limit: number,
    private readonly overLimit: () => TransferFault,
    private readonly onData: () => void,
    hashed: boolean,
  ) {
    this.hash = hashed ? createHash('sha256') : undefined;
    for (let i = 0; i < BATCHES; i++) this.free.push(Buffer.allocUnsafeSlow(BATCH_BYTES));
    this.cur = this.free.pop();
  }

  data(piece: Buffer): boolean {
    this.onData();
    this.bytes += piece.length;
    if (this.bytes > this.limit) throw this.overLimit();
    let off = 0;
    while (off < piece.length) {
      // a piece (one socket read) is smaller than a batch, and we stop while a spare one is left:
      // the allocation is a safety net that is not reached
      this.cur ??= Buffer.allocUnsafeSlow(BATCH_BYTES);
      const n = piece.copy(this.cur, this.fill, off);
      this.fill += n;
      off += n;
      if (this.fill === BATCH_BYTES) this.queue();
    }
    this.stopped = this.free.length === 0;
    return !this.stopped;
  }

  /** Writes the rest; resolves with the size (and SHA-256 if hashed) once everything is written. */
  async finish(): Promise<{ bytes: number; sha256?: string }> {
    if (this.fill > 0) this.queue();
    await this.settled();
    if (this.error) throw this.error;
    return { bytes: this.bytes, sha256: this.hash?.digest('hex') };
  }

  /** Waits for the writes already queued (after a failure, before the file is closed). */
  async settled(): Promise<void> {
    await this.writing;
    await this.flushing;
  }

  private queue(): void {
    const buf = this.cur!;
    const n = this.fill;
    const at = this.position;
    this.cur = this.free.pop();
    this.fill = 0;
    this.position += n;
    this.hash?.update(n === buf.length ? buf : buf.subarray(0, n));
    this.writing = this.writing.then(async () => {
      if (this.error) return;
      try {
        await writeAll(this.fh, buf, n, at);
      } catch (err) {
        this.failed(err);
        return;
      }
      if (this.free.length < BATCHES) this.free.push(buf);
      this.cur ??= this.free.pop();
      this.unflushed += n;
      if (this.unflushed >= FLUSH_EVERY_BYTES && !this.flushing) {
        this.unflushed = 0;
        this.flushing = this.fh
          .datasync()
          .catch((err: unknown) => this.failed(err))
          .finally(() => (this.flushing = undefined));
      }
      if (this.stopped) {
        this.stopped = false;
        this.res.resume();
      }
    });
  }

  private failed(err: unknown): void {
    this.error ??= err;
    this.res.destroy(err instanceof Error ? err : new Error(String(err)));
  }
}

/**
 * Writes buf[0, n) at position (a short write is continued, as the system call allows). Through
 * fs.write on the descriptor: FileHandle.write costs ~2x the main-thread time per call (bench).
 */
async function writeAll(fh: FileHandle, buf: Buffer, n: number, position: number): Promise<void> {
  let off = 0;
  while (off < n) {
    const written = await new Promise<number>((resolve, reject) =>
      write(fh.fd, buf, off, n - off, position + off, (err, bytes) => (err ? reject(err) : resolve(bytes))),
    );
    if (written <= 0) throw new Error('write made no progress');
    off += written;
  }
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
  const conn = spec.connect ?? (await connectSettings(opts));
  let created = false;
  let res: GetResponse | undefined;
  try {
    ({ res } = await negotiate(
      {
        method: 'GET',
        url: spec.url,
        username: spec.username ?? '',
        password: spec.password ?? '',
        signal,
        maxRedirects: opts.maxRedirects ?? HTTP_DEFAULTS.maxRedirects,
        redirectStatuses: [301, 302, 303, 307, 308],
        userAgent: opts.userAgent ?? HTTP_DEFAULTS.userAgent,
      },
      {
        send: (url, headers) => httpGet({ url, headers, signal }, conn),
        discard: async (r) => r.destroy(),
      },
    ));
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
    let copied: { bytes: number; sha256?: string };
    const filler = new FileFiller(fh, res, limit, overLimit, () => idle?.refresh(), spec.sha256 !== undefined);
    try {
      try {
        await res.readBody(filler);
        copied = await filler.finish();
      } catch (err) {
        res.destroy();
        await filler.settled();
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
    if (spec.sha256 !== undefined && copied.sha256 !== spec.sha256.toLowerCase()) {
      throw new TransferFault(FAULT.corrupted, `checksum mismatch for ${urlForLog(spec.url)} (SHA-256 ${copied.sha256})`);
    }
    return { path, size: copied.bytes, sha256: copied.sha256 };
  } catch (err) {
    res?.destroy();
    if (created) await unlink(path).catch(() => undefined);
    if (signal.aborted && !(err instanceof TransferFault)) throw abortError(signal);
    throw err;
  } finally {
    clearTimeout(timer);
    clearTimeout(idle);
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the server';
  }
}
