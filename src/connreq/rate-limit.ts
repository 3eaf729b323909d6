// A token bucket: `burst` events at once, refilled continuously at `burst` per `periodMs`.
// Used for accepted connection requests (the spec asks for a cap; icwmp's 50 per 5 s is the model).
import { monotonicMs } from '../clock.js';

export interface RateLimit {
  burst: number;
  periodMs: number;
}

export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly ratePerMs: number;

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = monotonicMs,
  ) {
    if (!(limit.burst >= 1) || !(limit.periodMs > 0)) throw new RangeError('rate limit needs burst >= 1 and periodMs > 0');
    this.tokens = limit.burst;
    this.last = now();
    this.ratePerMs = limit.burst / limit.periodMs;
  }

  /** Takes one token if there is one. */
  take(): boolean {
    const t = this.now();
    // A clock that goes backwards (injected clocks in tests) must not drain the bucket.
    if (t > this.last) {
      this.tokens = Math.min(this.limit.burst, this.tokens + (t - this.last) * this.ratePerMs);
      this.last = t;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
