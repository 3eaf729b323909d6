import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MAX_DELAY_SECONDS,
  MAX_RETRY_AFTER_SECONDS,
  honourRetryAfter,
  nextRetryDelaySeconds,
  retryDelaySeconds,
  retryWindow,
} from '../../src/session/retry.js';

test('the classic table with defaults (m=5, k=2000)', () => {
  const expected = [
    [5, 10],
    [10, 20],
    [20, 40],
    [40, 80],
    [80, 160],
    [160, 320],
    [320, 640],
    [640, 1280],
    [1280, 2560],
    [2560, 5120],
  ];
  for (const [i, [min, max]] of expected.entries()) assert.deepEqual(retryWindow(i + 1), { min, max }, `retry ${i + 1}`);
  assert.deepEqual(retryWindow(11), { min: 2560, max: 5120 }, 'n is capped at 10');
  assert.deepEqual(retryWindow(1_000_000), { min: 2560, max: 5120 });
});

test('random 0 gives the window start, random just below 1 its end', () => {
  assert.equal(retryDelaySeconds(3, 5, 2000, () => 0), 20);
  assert.ok(Math.abs(retryDelaySeconds(3, 5, 2000, () => 0.999999) - 40) < 0.001);
  assert.equal(retryDelaySeconds(1, 30, 1500, () => 0.5), 30 + 0.5 * 15);
});

test('out-of-range parameters are clamped to the TR-181 ranges', () => {
  assert.deepEqual(retryWindow(0), retryWindow(1));
  assert.deepEqual(retryWindow(-3), retryWindow(1));
  assert.deepEqual(retryWindow(Number.NaN), retryWindow(1));
  assert.deepEqual(retryWindow(1, 0, 2000), { min: 1, max: 2 });
  assert.deepEqual(retryWindow(2, 5, 500), { min: 5, max: 5 }, 'k below 1000 is 1000');
  assert.equal(retryWindow(10, 65535, 65535).max, MAX_DELAY_SECONDS, 'huge products are capped for timers');
});

test('property: the delay always lies in its window; n beyond 10 uses row 10', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1000 }),
      fc.integer({ min: 1, max: 65535 }),
      fc.integer({ min: 1000, max: 65535 }),
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      (n, m, k, r) => {
        const d = retryDelaySeconds(n, m, k, () => r);
        const row = Math.min(n, 10);
        const lo = Math.min(MAX_DELAY_SECONDS, m * (k / 1000) ** (row - 1));
        const hi = Math.min(MAX_DELAY_SECONDS, m * (k / 1000) ** row);
        assert.ok(d >= lo - 1e-9 && d <= hi + 1e-9, `${d} not in [${lo}, ${hi}]`);
        assert.ok(d >= m - 1e-9, 'never shorter than the minimum wait');
        if (n > 10) assert.equal(d, retryDelaySeconds(10, m, k, () => r));
      },
    ),
    { numRuns: 2000 },
  );
});

test('Retry-After is honoured (never sooner), within limits', () => {
  assert.equal(honourRetryAfter(7, 60), 60);
  assert.equal(honourRetryAfter(90, 60), 90);
  assert.equal(honourRetryAfter(7, undefined), 7);
  assert.equal(honourRetryAfter(7, -5), 7);
  assert.equal(honourRetryAfter(7, Number.POSITIVE_INFINITY), 7);
  assert.equal(honourRetryAfter(7, 10 * MAX_RETRY_AFTER_SECONDS), MAX_RETRY_AFTER_SECONDS);
  assert.equal(nextRetryDelaySeconds({ retry: 1, retryAfterSeconds: 60, random: () => 0 }), 60);
  assert.equal(nextRetryDelaySeconds({ retry: 2, random: () => 0 }), 10);
});

test('the default randomness spreads delays across the window', () => {
  const seen = new Set(Array.from({ length: 50 }, () => Math.floor(retryDelaySeconds(5))));
  assert.ok(seen.size > 10, 'delays are random');
  for (const d of seen) assert.ok(d >= 80 && d <= 160);
});
