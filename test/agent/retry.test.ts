// Agent issue, point 2 (and the Retry-After part of point 8): the retry back-off of cwmp-cpe.md §8
// measured on the real daemon, and what `print` says meanwhile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentTest, informAt, sleep } from './harness.js';

/** Timers fire a little late, never early; the next Inform also needs its session prepared. */
const EARLY_MS = 50;
const LATE_MS = 900;

test('three HTTP 500s: RetryCount 1, 2, 3, waits inside [m·k^(n−1), m·k^n], print shows the failure then clears it', async () => {
  await agentTest(async (h) => {
    const acs = await h.acs();
    acs.inject('Inform', { status: 500, body: 'database unavailable' }, 3);
    await h.start({ 'acs-url': acs.url, 'retry-minimum-wait': 1 });

    // After the third failure the wait is 4–8 s: time enough to look at print.
    await acs.waitForSession(3, 20_000);
    const st = await h.waitStatus((s) => s.retryCount === 3, 5000, 'retry-count 3');
    assert.ok(acs.sessions.length === 3, 'still waiting before the fourth attempt');
    const during = await h.print();
    assert.equal(during['retry-count'], 3);
    assert.match(String(during['last-session-error']), /HTTP 500/);
    assert.equal(st.lastSessionError, during['last-session-error']);

    const ok = await acs.waitForSession(4, 12_000);
    assert.equal(ok.state, 'ended');
    const s = acs.sessions;
    assert.deepEqual(s.map((x) => x.inform.retryCount), [0, 1, 2, 3]);
    assert.deepEqual(s.map((x) => x.state), ['failed', 'failed', 'failed', 'ended']);
    for (const x of s) assert.deepEqual(x.inform.event.map((e) => e.eventCode).sort(), ['0 BOOTSTRAP', '1 BOOT']);

    // m = 1, k = 2000: windows [1,2], [2,4], [4,8] s between consecutive attempts.
    for (let n = 1; n <= 3; n++) {
      const gap = informAt(acs, s[n]) - informAt(acs, s[n - 1]);
      const lo = 1000 * 2 ** (n - 1);
      const hi = 1000 * 2 ** n;
      assert.ok(gap >= lo - EARLY_MS && gap <= hi + LATE_MS, `wait before retry ${n} was ${gap} ms, window [${lo}, ${hi}] ms`);
    }

    const after = await h.waitStatus((x) => x.retryCount === 0, 5000, 'retry-count 0');
    assert.equal(after.lastSessionError, '');
    const printed = await h.print();
    assert.equal(printed['retry-count'], 0);
    assert.equal(printed['last-session-error'], '');
  });
});

test('HTTP 503 with Retry-After: the retry never comes sooner than the ACS asked', async () => {
  await agentTest(async (h) => {
    const acs = await h.acs();
    // The back-off alone would retry within 1–2 s.
    acs.inject('Inform', { status: 503, retryAfter: 4 }, 1);
    await h.start({ 'acs-url': acs.url, 'retry-minimum-wait': 1 });
    const failed = await acs.waitForSession(1, 20_000);
    assert.equal(failed.state, 'failed');
    const st = await h.waitStatus((s) => s.retryCount === 1, 5000, 'retry-count 1');
    assert.match(st.lastSessionError, /503/);
    const ok = await acs.waitForSession(2, 10_000);
    assert.equal(ok.state, 'ended');
    assert.equal(ok.inform.retryCount, 1);
    const gap = informAt(acs, ok) - informAt(acs, failed);
    assert.ok(gap >= 4000 - EARLY_MS, `retried after ${gap} ms despite Retry-After: 4`);
    assert.ok(gap <= 4000 + LATE_MS + 1000, `retried only after ${gap} ms`);
  });
});

test('a new event during the back-off wait starts the session at once and keeps counting retries', async () => {
  await agentTest(async (h) => {
    const acs = await h.acs();
    acs.inject('Inform', { status: 500 }, 1);
    // Back-off of 30–60 s: only the new event can bring the next session in time.
    await h.start({ 'acs-url': acs.url, 'retry-minimum-wait': 30 });
    await acs.waitForSession(1, 20_000);
    await h.waitStatus((s) => s.retryCount === 1, 5000, 'retry-count 1');
    await sleep(300);
    assert.equal(acs.sessions.length, 1);
    // Periodic informs turned on with a 1 s interval: a 2 PERIODIC is due at once.
    await h.set('periodic-inform-enabled=yes', 'periodic-inform-interval=1');
    const s2 = await acs.waitForSession(2, 10_000);
    assert.equal(s2.state, 'ended');
    assert.equal(s2.inform.retryCount, 1, 'RetryCount keeps counting until a session succeeds');
    assert.ok(s2.inform.event.some((e) => e.eventCode === '2 PERIODIC'));
    assert.ok(s2.inform.event.some((e) => e.eventCode === '0 BOOTSTRAP'), 'the failed events are retried with it');
  });
});

test('a huge Retry-After parks the client (capped at a day) instead of overflowing the timer into a tight loop', async () => {
  await agentTest(async (h) => {
    const acs = await h.acs();
    // 40 days: more than a Node timer can hold (2^31 ms ≈ 24.8 days).
    acs.inject('Inform', { status: 503, retryAfter: 40 * 86_400 }, 5);
    const d = await h.start({ 'acs-url': acs.url, 'retry-minimum-wait': 1 });
    await acs.waitForSession(1, 20_000);
    await h.waitStatus((s) => s.retryCount === 1, 5000, 'retry-count 1');
    await d.waitForLog(/"retryInSeconds":86400\b/, 2000);
    await sleep(3000);
    assert.equal(acs.sessions.length, 1, 'no retry within 3 s of a 503 asking for 40 days');
  });
});
