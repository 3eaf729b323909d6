// Connection request → Inform latency against the real, built daemon (`node dist/src/cli/main.js
// run`; `npm run bench` builds first). `node --import tsx bench/index.ts connreq`.
//
// The ACS is bench/helpers/mini-acs.ts (in this process): it notes the TCP accept and the first byte
// of each session's Inform. The connection request is the GenieACS-style one of the test ACS
// (test/acs sendConnectionRequest: GET → 401 Digest challenge → GET with the MD5 answer, on one
// connection). Each request is sent only after the previous session has ended at the ACS and the
// daemon has logged it. The daemon accepts 50 requests per 5 s (token bucket refilled at 10/s,
// src/connreq/http-listener.ts; not a setting), so 1000 requests take ≥ 95 s whatever the latency:
// the bench keeps a copy of that bucket and waits only when it would be empty — the first ~50 go
// back to back, the rest at the sustained 10/s, and no request should meet a 503. At the end,
// unpaced requests until the first 503 check that the limiter is where the copy says.
//
// Times are performance.now() in this process: t0 = the first GET is sent, t1 = the 200 has arrived
// (sendConnectionRequest returned). The daemon saw the valid GET between the two, so "t0 →" figures
// are upper bounds and "t1 →" figures lower bounds of the daemon's own reaction time.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentStateFile } from '../src/daemon/agent-state.js';
import { sendConnectionRequest } from '../test/acs/index.js';
import { SESSION_LINE, startBuiltDaemon } from './helpers/daemon.js';
import { startMiniAcs } from './helpers/mini-acs.js';
import { fmt, loadNote, median, p99, sleep, table } from './helpers/stats.js';

const REQUESTS = 1000;
const WARMUP = 20;
/** The daemon's limiter (defaultHttpListenerLimits.rate). */
const BUCKET = 50;
const REFILL_PER_MS = 50 / 5000;
/** Tokens kept in hand against clock skew between the bench and the daemon (0.5 = 50 ms). */
const MARGIN = 0.5;
const RETRIES_503 = 5;
/** Upper bound of the limiter check (a full bucket and its refill during the burst). */
const CHECK_MAX = 150;
const CR_TIMEOUT_MS = 5000;
const STATE_WRITES = 200;
const CR_EVENT = '6 CONNECTION REQUEST';
/** pino levels warn (40), error (50), fatal (60). */
const WARN_LINE = /"level":[456]0[,}]/;

interface Sample {
  /** t1 − t0: the CR's two GETs. */
  crRoundTrip: number;
  /** t0 → TCP accept at the ACS. */
  toConnect: number;
  /** t0 → first byte of the Inform. */
  toFirstByte: number;
  /** t1 → first byte of the Inform. */
  okToFirstByte: number;
  /** t0 → 204 written (the whole session). */
  toSessionEnd: number;
}

/** Our copy of the daemon's token bucket. */
class BucketCopy {
  private tokens = BUCKET;
  private last = performance.now();

  level(): number {
    const now = performance.now();
    this.tokens = Math.min(BUCKET, this.tokens + (now - this.last) * REFILL_PER_MS);
    this.last = now;
    return this.tokens;
  }

  /** Waits until a request will find a token (with MARGIN), then takes it. */
  async take(): Promise<void> {
    const short = 1 + MARGIN - this.level();
    if (short > 0) await sleep(short / REFILL_PER_MS);
    this.level();
    this.tokens -= 1;
  }
}

/**
 * What the daemon does first with an accepted request: queueEvent() saves state.json (locked, atomic,
 * fsync'd) before a session may start. The same DurableFile update here, in a temp dir, ms per write.
 */
async function stateWriteTimes(): Promise<number[]> {
  const dir = await mkdtemp(join(tmpdir(), 'tr069-bench-state-'));
  try {
    const file = agentStateFile(dir);
    await file.load();
    const times: number[] = [];
    for (let i = 0; i < STATE_WRITES; i++) {
      const t0 = performance.now();
      await file.update((s) => ({ ...s, lastSuccessAt: i }));
      times.push(performance.now() - t0);
    }
    return times;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const loadBefore = loadNote();
  const acs = await startMiniAcs();
  const username = 'bench-acs';
  const password = randomBytes(12).toString('base64url');
  const daemon = await startBuiltDaemon({
    settings: { 'acs-url': acs.url, 'connection-request-username': username, 'connection-request-password': password },
    countPatterns: [WARN_LINE],
  }).catch(async (err: unknown) => {
    await acs.close();
    throw err;
  });
  try {
    const first = await acs.waitForSession(0, () => true, 30_000);
    if (first.error) throw new Error(`the daemon's first session failed at the ACS: ${first.error}`);
    await daemon.waitForCount(SESSION_LINE, 1, 30_000);
    const crUrl = first.connectionRequestUrl;
    if (!crUrl) throw new Error('the Inform carried no ConnectionRequestURL');
    const bucket = new BucketCopy();
    let limited = 0;

    /** One connection request within the limiter, and the session it causes. */
    const one = async (): Promise<Sample> => {
      for (let attempt = 0; ; attempt++) {
        await bucket.take();
        const from = acs.sessions.length;
        const t0 = performance.now();
        const res = await sendConnectionRequest(crUrl, { username, password, timeoutMs: CR_TIMEOUT_MS });
        const t1 = performance.now();
        if (res.status === 503 && attempt < RETRIES_503) {
          limited++;
          continue;
        }
        if (res.status !== 200) throw new Error(`connection request answered ${res.status} (after ${res.attempts} GETs)`);
        const s = await acs.waitForSession(from, (x) => x.events.includes(CR_EVENT) || x.error !== undefined);
        if (s.error) throw new Error(`session after the connection request failed at the ACS: ${s.error}`);
        // The daemon is done with every session the ACS saw (state saved, logged) before the next request.
        await daemon.waitForCount(SESSION_LINE, acs.sessions.length);
        return {
          crRoundTrip: t1 - t0,
          toConnect: s.connectAt - t0,
          toFirstByte: s.firstByteAt - t0,
          okToFirstByte: s.firstByteAt - t1,
          toSessionEnd: (s.endAt ?? NaN) - t0,
        };
      }
    };

    for (let i = 0; i < WARMUP; i++) await one();
    const samples: Sample[] = [];
    const started = performance.now();
    for (let i = 0; i < REQUESTS; i++) samples.push(await one());
    const elapsed = (performance.now() - started) / 1000;
    const otherSessions = acs.sessions.filter((s) => !s.events.includes(CR_EVENT)).length - 1;

    // The limiter: unpaced requests now (each after the previous session) until the first 503.
    const left = bucket.level();
    // Each unpaced request refills a fraction of a token meanwhile: ~2 requests per token is plenty.
    const checks = Math.min(CHECK_MAX, Math.ceil(2 * left) + 10);
    let refusedAt = 0;
    for (let i = 1; i <= checks && refusedAt === 0; i++) {
      const from = acs.sessions.length;
      const res = await sendConnectionRequest(crUrl, { username, password, timeoutMs: CR_TIMEOUT_MS });
      if (res.status === 503) refusedAt = i;
      else if (res.status === 200) await acs.waitForSession(from, (x) => x.events.includes(CR_EVENT) || x.error !== undefined);
      else throw new Error(`limiter check: connection request answered ${res.status}`);
    }

    const writes = await stateWriteTimes();

    console.log(
      `${REQUESTS} connection requests (after ${WARMUP} warm-up) to the built daemon, one at a time, within its limiter ` +
        `(first ~${BUCKET} back to back, then 10/s); ${elapsed.toFixed(1)} s — the limiter, not the latency, sets the run time.\n`,
    );
    const row = (name: string, pick: (s: Sample) => number): string[] => {
      const xs = samples.map(pick);
      return [name, fmt(median(xs)), fmt(p99(xs)), fmt(Math.min(...xs)), fmt(Math.max(...xs))];
    };
    table(
      ['ms', 'median', 'p99', 'min', 'max'],
      [
        row('CR HTTP round trip alone (GET → 401, GET with Digest → 200)', (s) => s.crRoundTrip),
        row('CR sent → TCP connection accepted by the ACS', (s) => s.toConnect),
        row('**CR sent → first byte of the Inform at the ACS**', (s) => s.toFirstByte),
        row('CR 200 received → first byte of the Inform', (s) => s.okToFirstByte),
        row('CR sent → session over (204 written)', (s) => s.toSessionEnd),
        [
          `for scale, in this process: one state.json update as queueEvent() does it (${STATE_WRITES} writes)`,
          fmt(median(writes)),
          fmt(p99(writes)),
          fmt(Math.min(...writes)),
          fmt(Math.max(...writes)),
        ],
      ],
    );
    console.log(
      `Limiter: ${limited} requests refused with 503 during the run (then retried). Unpaced afterwards: ` +
        `${refusedAt ? `first 503 at request ${refusedAt}` : `no 503 in ${checks} requests`} (our copy of the bucket held ${left.toFixed(1)} tokens, refilled at 10/s meanwhile). ` +
        `Sessions not caused by a connection request: ${otherSessions}. Daemon log lines at warn level or above: ${daemon.count(WARN_LINE)}.`,
    );
    console.log(`Machine: ${loadBefore} at the start, ${loadNote()} at the end (the machine is shared: latencies move with it).\n`);
  } finally {
    await daemon.stop();
    await acs.close();
  }
}
