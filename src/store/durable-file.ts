// A JSON file that survives crashes: every save is temp file + fsync + rename (write-file-atomic),
// mode 0600, and read-modify-write cycles hold a cross-process lock so the CLI and the daemon
// never lose each other's updates.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { requireDependency } from '../cjs.js';

const writeFileAtomic = requireDependency<typeof import('write-file-atomic')>('write-file-atomic');
const lockfile = requireDependency<typeof import('proper-lockfile')>('proper-lockfile');

/** A lock not refreshed for this long belongs to a dead process (holders refresh it every stale/2). */
const LOCK_STALE_MS = 5000;

export class StateFileError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'StateFileError';
  }
}

/** Tail of the queue of updates per file path in this process. */
const inProcessQueue = new Map<string, Promise<void>>();

export class DurableFile<T> {
  constructor(
    readonly path: string,
    private readonly defaults: () => T,
    /** Checks and normalises what was read; throws on content it cannot accept. */
    private readonly validate: (raw: unknown) => T = (raw) => raw as T,
  ) {}

  /** The stored value, or the defaults when the file does not exist yet. */
  async load(): Promise<T> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return this.defaults();
      throw new StateFileError(this.path, `cannot read ${this.path}: ${(err as Error).message}`);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new StateFileError(this.path, `${this.path} is not valid JSON`);
    }
    try {
      return this.validate(raw);
    } catch (err) {
      throw new StateFileError(this.path, `${this.path}: ${(err as Error).message}`);
    }
  }

  async save(value: T): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.path, JSON.stringify(value, null, 1) + '\n', { mode: 0o600, fsync: true });
  }

  /**
   * Locked read-modify-write; returns the value written. Updates of one file from this process run
   * one at a time (queued here), so the cross-process lock is only ever contended by another process.
   */
  update(change: (current: T) => T | Promise<T>): Promise<T> {
    const prev = inProcessQueue.get(this.path) ?? Promise.resolve();
    const run = prev.then(() => this.lockedUpdate(change));
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    inProcessQueue.set(this.path, tail);
    void tail.then(() => {
      if (inProcessQueue.get(this.path) === tail) inProcessQueue.delete(this.path);
    });
    return run;
  }

  private async lockedUpdate(change: (current: T) => T | Promise<T>): Promise<T> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    // A process killed while holding the lock (kill -9, power loss) leaves the lock dir behind; its
    // mtime stops being refreshed, so after `stale` ms it is taken over. The retries must outlast
    // `stale`, or a restart right after a crash fails with ELOCKED (test/agent/crash.test.ts).
    // The lock is keyed on the file itself (proper-lockfile tracks held locks by that path in
    // memory), so updates of different files in one data dir never collide. A compromised lock
    // (e.g. the machine was suspended past `stale`) is logged by the caller's failure, not thrown
    // asynchronously: the write itself is still atomic.
    const release = await lockfile.lock(this.path, {
      realpath: false,
      lockfilePath: this.path + '.lock',
      retries: { retries: 60, minTimeout: 10, maxTimeout: 150 },
      stale: LOCK_STALE_MS,
      onCompromised: () => undefined,
    });
    try {
      const next = await change(await this.load());
      await this.save(next);
      return next;
    } finally {
      await release().catch(() => undefined);
    }
  }
}
