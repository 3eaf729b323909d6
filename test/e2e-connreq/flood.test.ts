// A bounded flood of the real daemon's connection-request listener, on loopback only, over 50
// keep-alive connections: first unauthenticated requests alone (no session may follow), then 20,000
// requests in at most 20 s, half unauthenticated and half valid Digest (which the rate limiter may
// answer 503), while sessions run. The daemon must stay up with bounded memory, never start more CR
// sessions than it accepted requests, and answer a valid request at once afterwards. Throughput and
// peak RSS are reported as diagnostics (measured, not the point of the test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Pool } from 'undici';
import { sendConnectionRequest } from '../acs/index.js';
import { basicAuthorization } from '../../src/transport/digest.js';
import { digestAuthorization, parseChallenges, type Challenge } from '../helpers/digest-client.js';
import { CR_EVENT, CR_PASSWORD, CR_USER, crTest, eventsOf, rssKiB, sleep, target } from './harness.js';

const SOCKETS = 50;
const TOTAL = 20_000;
const UNAUTHENTICATED_ONLY = 4_000;
const FLOOD_LIMIT_MS = 20_000;
/** Growth of the daemon's RSS over its pre-flood value that would mean per-request state is kept. */
const RSS_GROWTH_LIMIT_KIB = 150 * 1024;

type BadKind = 'none' | 'wrongPassword' | 'wrongUser' | 'basic' | 'garbage' | 'forgedNonce' | 'wrongPath' | 'post';
type Kind = 'valid' | BadKind;
const BAD_KINDS: BadKind[] = ['none', 'wrongPassword', 'wrongUser', 'basic', 'garbage', 'forgedNonce', 'wrongPath', 'post'];
const EXPECTED_STATUS: Record<BadKind, number> = {
  none: 401,
  wrongPassword: 401,
  wrongUser: 401,
  basic: 401,
  garbage: 400,
  forgedNonce: 401,
  wrongPath: 404,
  post: 405,
};

interface FloodResult {
  sent: number;
  ms: number;
  /** status counts per kind */
  statuses: Map<Kind, Map<number, number>>;
}

/** Runs `total` requests over SOCKETS connections; `kindOf(i)` picks each one's kind. Bounded by `limitMs`. */
async function flood(port: number, path: string, total: number, kindOf: (i: number) => Kind, limitMs: number): Promise<FloodResult> {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: SOCKETS, pipelining: 1, headersTimeout: 10_000, bodyTimeout: 10_000 });
  const statuses = new Map<Kind, Map<number, number>>();
  const note = (k: Kind, s: number) => {
    const m = statuses.get(k) ?? new Map<number, number>();
    m.set(s, (m.get(s) ?? 0) + 1);
    statuses.set(k, m);
  };
  const get = async (p: string, headers: Record<string, string>, method: 'GET' | 'POST' = 'GET') => {
    const r = await pool.request({ path: p, method, headers });
    await r.body.dump();
    const www = r.headers['www-authenticate'];
    return { status: r.statusCode, www: Array.isArray(www) ? www.join(', ') : www };
  };
  let next = 0;
  const deadline = performance.now() + limitMs;
  const t0 = performance.now();
  const worker = async (w: number) => {
    let challenge: Challenge | undefined;
    let nc = 0;
    const fresh = async () => {
      const r = await get(path, {});
      challenge = parseChallenges(r.www)[0];
      nc = 0;
      assert.ok(challenge?.params.nonce, 'a challenge with a nonce');
    };
    for (;;) {
      const i = next++;
      if (i >= total || performance.now() > deadline) return;
      const kind = kindOf(i);
      if (!challenge) await fresh();
      const ch = challenge!;
      const answer = (o: Partial<Parameters<typeof digestAuthorization>[1]>) =>
        digestAuthorization(ch, { username: CR_USER, password: CR_PASSWORD, method: 'GET', uri: path, nc: ++nc, cnonce: `w${w}`, ...o });
      let r: { status: number; www: string | undefined };
      switch (kind) {
        case 'valid':
          r = await get(path, { authorization: answer({}) });
          // The nonce went stale (60 s: not expected here) or its replay record was evicted.
          if (r.status === 401) challenge = undefined;
          break;
        case 'none':
          r = await get(path, {});
          break;
        case 'wrongPassword':
          r = await get(path, { authorization: answer({ password: `${CR_PASSWORD}x` }) });
          break;
        case 'wrongUser':
          r = await get(path, { authorization: answer({ username: 'intruder' }) });
          break;
        case 'basic':
          r = await get(path, { authorization: basicAuthorization(CR_USER, CR_PASSWORD) });
          break;
        case 'garbage':
          r = await get(path, { authorization: `Digest ${randomBytes(12).toString('hex')}` });
          break;
        case 'forgedNonce':
          r = await get(path, { authorization: digestAuthorization({ ...ch, params: { ...ch.params, nonce: randomBytes(26).toString('base64url') } }, { username: CR_USER, password: CR_PASSWORD, method: 'GET', uri: path }) });
          break;
        case 'wrongPath':
          r = await get(`${path}${w}`, { authorization: answer({ uri: `${path}${w}` }) });
          break;
        case 'post':
          r = await get(path, { authorization: answer({ method: 'POST' }) }, 'POST');
          break;
      }
      note(kind, r.status);
    }
  };
  try {
    await Promise.all(Array.from({ length: SOCKETS }, (_, w) => worker(w)));
  } finally {
    await pool.close();
  }
  const ms = performance.now() - t0;
  const sent = [...statuses.values()].reduce((a, m) => a + [...m.values()].reduce((x, y) => x + y, 0), 0);
  return { sent, ms, statuses };
}

function count(r: FloodResult, kind: Kind, status?: number): number {
  const m = r.statuses.get(kind);
  if (!m) return 0;
  return status === undefined ? [...m.values()].reduce((a, b) => a + b, 0) : (m.get(status) ?? 0);
}

function checkRefusals(r: FloodResult): void {
  for (const k of BAD_KINDS) {
    const m = r.statuses.get(k);
    if (!m) continue;
    assert.deepEqual([...m.keys()], [EXPECTED_STATUS[k]], `${k}: statuses ${JSON.stringify([...m])}`);
  }
}

test('flood: unauthenticated requests alone start nothing; 20,000 mixed requests in ≤ 20 s leave the daemon up, bounded and working', { timeout: 120_000 }, async (t) => {
  await crTest(async (h) => {
    const pid = h.daemon.proc.pid!;
    const { port, path } = target(h.crUrl());
    const rssBefore = (await rssKiB(pid))!;
    let peak = rssBefore;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const v = await rssKiB(pid);
        if (v !== undefined) peak = Math.max(peak, v);
        await sleep(50);
      }
    })();
    try {
      // 1. Only unauthenticated traffic: not a single session.
      const before = h.acs.sessions.length;
      const bad = await flood(port, path, UNAUTHENTICATED_ONLY, (i) => BAD_KINDS[i % BAD_KINDS.length], FLOOD_LIMIT_MS);
      assert.equal(bad.sent, UNAUTHENTICATED_ONLY, 'every request of the unauthenticated flood was answered');
      checkRefusals(bad);
      await h.assertNoNewSession('unauthenticated requests only');
      assert.equal(h.acs.sessions.length, before);

      // 2. Half valid, half not, while sessions run (each CR session is held 300 ms by the ACS).
      h.acs.inject((c) => c.rpc === 'empty', { delayMs: 300 }, 1000);
      const mixedFrom = h.acs.sessions.length;
      const mixed = await flood(port, path, TOTAL, (i) => (i % 2 === 0 ? 'valid' : BAD_KINDS[(i >> 1) % BAD_KINDS.length]), FLOOD_LIMIT_MS);
      assert.equal(mixed.sent, TOTAL, `all ${TOTAL} requests answered within ${FLOOD_LIMIT_MS} ms (answered ${mixed.sent} in ${mixed.ms.toFixed(0)} ms)`);
      checkRefusals(mixed);
      const accepted = count(mixed, 'valid', 200);
      const limited = count(mixed, 'valid', 503);
      assert.equal(accepted + limited, count(mixed, 'valid'), `valid requests get 200 or 503 only: ${JSON.stringify([...(mixed.statuses.get('valid') ?? [])])}`);
      assert.ok(accepted >= 1, 'some valid requests were accepted');
      assert.equal(h.daemon.proc.exitCode, null, 'the daemon is up');
      // The requests accepted last are served by one more session after the running one.
      await h.settle();
      const crDuring = h.acs.sessions.slice(mixedFrom).filter((s) => s.inform.event.some((e) => e.eventCode === CR_EVENT));
      assert.ok(crDuring.length >= 1, 'accepted requests started sessions');
      assert.ok(crDuring.length <= accepted, `${crDuring.length} CR sessions for ${accepted} accepted requests`);
      for (const s of h.acs.sessions.slice(mixedFrom)) assert.equal(s.state, 'ended', `session ${s.index}: ${s.failure ?? ''}`);

      // 3. Still working: a valid request (once the rate limiter has a token) starts a session within 1 s.
      const n = h.acs.sessions.length;
      let status = 0;
      let answeredAt = 0;
      for (let i = 0; i < 20 && status !== 200; i++) {
        if (i > 0) await sleep(200);
        status = (await sendConnectionRequest(h.crUrl(), { username: CR_USER, password: CR_PASSWORD })).status;
        answeredAt = performance.now();
      }
      assert.equal(status, 200, 'a valid request after the flood is accepted');
      const { session, at } = await h.sessionStarted(n + 1);
      assert.deepEqual(eventsOf(session.inform), [CR_EVENT]);
      assert.ok(at - answeredAt < 1000, `session within 1 s of the 200 (${(at - answeredAt).toFixed(0)} ms)`);

      // Nothing went wrong inside either (e.g. the event could not be queued).
      const errors = h.daemon.log().split('\n').filter((l) => /"level":(50|60)/.test(l));
      assert.deepEqual(errors, [], 'no error logged by the daemon');

      sampling = false;
      await sampler;
      const rssAfter = (await rssKiB(pid))!;
      assert.ok(peak - rssBefore < RSS_GROWTH_LIMIT_KIB, `peak RSS ${peak} KiB vs ${rssBefore} KiB before the flood`);
      const mib = (k: number) => (k / 1024).toFixed(1);
      t.diagnostic(
        `unauthenticated only: ${bad.sent} requests in ${(bad.ms / 1000).toFixed(2)} s = ${Math.round(bad.sent / (bad.ms / 1000))} req/s, 0 sessions; ` +
          `mixed: ${mixed.sent} requests in ${(mixed.ms / 1000).toFixed(2)} s = ${Math.round(mixed.sent / (mixed.ms / 1000))} req/s, ` +
          `valid accepted ${accepted}, rate-limited ${limited}, CR sessions ${crDuring.length}; ` +
          `daemon VmRSS before ${mib(rssBefore)} MiB, peak ${mib(peak)} MiB, after ${mib(rssAfter)} MiB; ` +
          `CR → Inform after the flood ${(at - answeredAt).toFixed(0)} ms`,
      );
    } finally {
      sampling = false;
      await sampler;
    }
  });
});
