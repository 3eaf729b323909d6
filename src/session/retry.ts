// Session retry back-off (cwmp-cpe.md §8): the n-th retry waits a uniformly random time in
// [m·(k/1000)^(n−1), m·(k/1000)^n] seconds, n capped at 10. Randomness spreads a fleet after an outage.

export const DEFAULT_MIN_WAIT = 5; // CWMPRetryMinimumWaitInterval
export const DEFAULT_MULTIPLIER = 2000; // CWMPRetryIntervalMultiplier (thousandths)
export const MAX_RETRY_EXPONENT = 10;
/** Longest delay handed out (about 23 days) so a timer can hold it: setTimeout overflows past 2^31−1 ms. */
export const MAX_DELAY_SECONDS = 2_000_000;
/** Longest Retry-After we honour: the ACS must not be able to park the device for ever. */
export const MAX_RETRY_AFTER_SECONDS = 86_400;

export interface RetryWindow {
  min: number;
  max: number;
}

function clampInt(v: number, lo: number, hi: number, fallback: number): number {
  if (!Number.isFinite(v)) return fallback;
  return Math.min(hi, Math.max(lo, Math.floor(v)));
}

/** The window of the n-th retry (n ≥ 1; larger n use row 10). Parameters are clamped to their TR-181 ranges. */
export function retryWindow(n: number, minWait = DEFAULT_MIN_WAIT, multiplier = DEFAULT_MULTIPLIER): RetryWindow {
  const m = clampInt(minWait, 1, 65535, DEFAULT_MIN_WAIT);
  const k = clampInt(multiplier, 1000, 65535, DEFAULT_MULTIPLIER) / 1000;
  const row = clampInt(n, 1, MAX_RETRY_EXPONENT, 1);
  return {
    min: Math.min(MAX_DELAY_SECONDS, m * k ** (row - 1)),
    max: Math.min(MAX_DELAY_SECONDS, m * k ** row),
  };
}

/** Seconds to wait before the n-th retry (uniform in its window; `random` returns [0, 1)). */
export function retryDelaySeconds(
  n: number,
  minWait = DEFAULT_MIN_WAIT,
  multiplier = DEFAULT_MULTIPLIER,
  random: () => number = Math.random,
): number {
  const w = retryWindow(n, minWait, multiplier);
  const r = Math.min(1, Math.max(0, random()));
  return w.min + r * (w.max - w.min);
}

/** The back-off delay, but never sooner than the ACS's Retry-After (bounded by MAX_RETRY_AFTER_SECONDS). */
export function honourRetryAfter(delaySeconds: number, retryAfterSeconds?: number): number {
  if (retryAfterSeconds === undefined || !Number.isFinite(retryAfterSeconds) || retryAfterSeconds <= 0) return delaySeconds;
  return Math.max(delaySeconds, Math.min(retryAfterSeconds, MAX_RETRY_AFTER_SECONDS));
}

/** Convenience: the delay before retry `n` after a failed session that may carry a Retry-After. */
export function nextRetryDelaySeconds(opts: {
  retry: number;
  minWait?: number;
  multiplier?: number;
  retryAfterSeconds?: number;
  random?: () => number;
}): number {
  return honourRetryAfter(retryDelaySeconds(opts.retry, opts.minWait, opts.multiplier, opts.random), opts.retryAfterSeconds);
}
