// One RPC's view of the device: memoised system reads, table listings and object rows, so a
// GetParameterValues of the whole tree reads each source once. Never shared between RPCs.
import type { ReadContext } from './registry.js';

export interface RowEntry {
  inst: number;
  key: string;
  row: unknown;
}

export type RefResolver = (req: Request, tablePath: string, key: string) => Promise<string>;

export class Request implements ReadContext {
  private readonly memo = new Map<string, Promise<unknown>>();

  private timer?: NodeJS.Timeout;
  private expired?: Promise<never>;

  /** `timeoutMs`: how long backend reads of this request may take in total (0 = no limit). */
  constructor(
    private readonly resolver?: RefResolver,
    private readonly timeoutMs = 0,
  ) {}

  /**
   * A backend promise that fails once the request's time is up, so one hung read cannot block
   * the model (and the session) for ever. The clock starts at the first asynchronous read.
   */
  within<T>(p: Promise<T>): Promise<T> {
    if (this.timeoutMs <= 0) return p;
    if (!this.expired) {
      const ms = this.timeoutMs;
      this.expired = new Promise<never>((_, reject) => {
        this.timer = setTimeout(() => reject(new Error(`the backend did not answer within ${ms} ms`)), ms);
      });
      this.expired.catch(() => undefined); // nobody may be waiting when it fires
    }
    return Promise.race([p, this.expired]);
  }

  /** Stops the request's clock. */
  close(): void {
    clearTimeout(this.timer);
  }

  ref(tablePath: string, key: string): Promise<string> {
    return this.resolver ? this.resolver(this, tablePath, key) : Promise.resolve('');
  }
  /** Concrete table path → its rows, sorted by instance number. */
  readonly lists = new Map<string, RowEntry[]>();
  /** Concrete object path → the row its row function returned. */
  readonly objectRows = new Map<string, Promise<unknown>>();

  cache<T>(key: string, load: () => Promise<T> | T): Promise<T> {
    let p = this.memo.get(key);
    if (!p) {
      p = Promise.resolve().then(load);
      this.memo.set(key, p);
    }
    return p as Promise<T>;
  }
}

/** A request that changes things: setters may defer a batch write with onCommit(). */
export class WriteRequest extends Request {
  private readonly commits = new Map<string, () => Promise<void> | void>();

  onCommit(key: string, fn: () => Promise<void> | void): void {
    if (!this.commits.has(key)) this.commits.set(key, fn);
  }

  /** Runs the deferred writes in registration order; the first failure stops and is thrown. */
  async runCommits(): Promise<void> {
    for (const fn of this.commits.values()) await fn();
  }
}
