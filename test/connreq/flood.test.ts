// A bounded flood on loopback: 20,000 requests over 50 keep-alive connections, half of them
// unauthenticated. Checks behaviour (nothing unauthenticated triggers a session, the rate limit
// holds, state stays bounded, the listener still serves afterwards) and reports throughput and peak
// RSS as diagnostics — figures are measured, not asserted (see bench/ for that).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { startHttpConnectionRequestListener } from '../../src/connreq/http-listener.js';
import { digestAuthorization, digestGet, parseChallenges } from '../helpers/digest-client.js';

const creds = { username: 'acs', password: 'flood-test-pw' };
const path = '/cr-flood';
const WORKERS = 50;
const PER_WORKER = 400; // 50 × 400 = 20,000 requests

test('flood: 20,000 requests, half unauthenticated, 50 connections', { timeout: 120_000 }, async (t) => {
  let callbacks = 0;
  const listener = await startHttpConnectionRequestListener({
    port: 0,
    address: '127.0.0.1',
    path,
    getCredentials: () => creds,
    onConnectionRequest: () => {
      callbacks++;
    },
  });
  const pool = new Pool(`http://127.0.0.1:${listener.port}`, { connections: WORKERS, pipelining: 1 });
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 20);
  const statuses = { authenticated: new Map<number, number>(), unauthenticated: new Map<number, number>() };
  const count = (m: Map<number, number>, s: number) => m.set(s, (m.get(s) ?? 0) + 1);

  const get = async (headers: Record<string, string>): Promise<{ status: number; www: string | undefined }> => {
    const r = await pool.request({ path, method: 'GET', headers });
    await r.body.dump();
    const www = r.headers['www-authenticate'];
    return { status: r.statusCode, www: Array.isArray(www) ? www.join(', ') : www };
  };

  const worker = async (w: number) => {
    let challenge = parseChallenges((await get({})).www)[0];
    count(statuses.unauthenticated, 401);
    let nc = 0;
    for (let i = 1; i < PER_WORKER; i++) {
      if (i % 2 === 1) {
        nc++;
        const auth = digestAuthorization(challenge, { ...creds, method: 'GET', uri: path, nc, cnonce: `w${w}` });
        const r = await get({ authorization: auth });
        count(statuses.authenticated, r.status);
        if (r.status === 401) {
          // Stale nonce (not expected within 60 s): take the fresh one and go on.
          challenge = parseChallenges(r.www)[0];
          nc = 0;
        }
      } else {
        const kind = i % 8;
        const headers: Record<string, string> =
          kind === 0
            ? { authorization: digestAuthorization(challenge, { ...creds, password: 'wrong', method: 'GET', uri: path, nc: nc + 1 }) }
            : kind === 4
              ? { authorization: 'Digest garbage' }
              : {};
        count(statuses.unauthenticated, (await get(headers)).status);
      }
    }
  };

  const rssBefore = process.memoryUsage.rss();
  const started = performance.now();
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  await sleep(20); // let the accepted requests' callbacks run

  try {
    const total = WORKERS * PER_WORKER;
    const sum = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    assert.equal(sum(statuses.authenticated) + sum(statuses.unauthenticated), total);
    assert.equal(sum(statuses.unauthenticated), total / 2);
    // Unauthenticated: only 401 (missing or wrong credentials) and 400 (unreadable header).
    assert.deepEqual([...statuses.unauthenticated.keys()].sort(), [400, 401]);
    // Authenticated: 200 within the bucket, 503 beyond it; nothing else.
    assert.deepEqual([...statuses.authenticated.keys()].filter((s) => s !== 200 && s !== 503), []);
    const ok = statuses.authenticated.get(200) ?? 0;
    assert.equal(callbacks, ok);
    assert.equal(listener.counters.accepted, ok);
    // The bucket: a burst of 50, then 10 per second.
    assert.ok(ok >= 50 && ok <= 50 + Math.ceil(seconds * 10) + 1, `accepted ${ok} in ${seconds.toFixed(1)} s`);
    assert.equal(listener.counters.refused.rateLimited, statuses.authenticated.get(503) ?? 0);
    assert.ok(listener.trackedNonces <= WORKERS + 1);

    t.diagnostic(
      `flood: ${total} requests in ${seconds.toFixed(2)} s = ${Math.round(total / seconds)} req/s; ` +
        `accepted ${ok}, rate-limited ${statuses.authenticated.get(503) ?? 0}; ` +
        `RSS before ${(rssBefore / 2 ** 20).toFixed(1)} MiB, peak ${(peakRss / 2 ** 20).toFixed(1)} MiB ` +
        `(maxRSS ${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MiB, client and server in one process)`,
    );

    // Still serving: a valid request succeeds once the bucket has a token again (10 per second).
    let status = 0;
    for (let i = 0; i < 20 && status !== 200; i++) {
      status = (await digestGet(listener.port, path, creds.username, creds.password)).status;
      if (status === 503) await sleep(150);
    }
    assert.equal(status, 200);
    await sleep(20);
    assert.equal(callbacks, ok + 1);
  } finally {
    await pool.close();
    await listener.close();
  }
});
