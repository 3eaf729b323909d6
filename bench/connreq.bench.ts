// Connection request → Inform latency against the real, built daemon (`node dist/src/cli/main.js
// run`; `npm run bench` builds first). `node --import tsx bench/index.ts connreq`.
//
// The ACS is bench/helpers/mini-acs.ts (in this process): it notes the TCP accept and the first byte
// of each session's Inform. The connection request is the GenieACS-style one of the test ACS
// (test/acs sendConnectionRequest: GET → 401 Digest challenge → GET with the MD5 answer, on one
// connection). Each request is sent only after the previous session has ended at the ACS and the
// daemon has logged it, and no sooner than PACE_MS after the previous request: the daemon accepts
// 50 requests per 5 s (token bucket, src/connreq/http-listener.ts), i.e. 10/s sustained, so pacing
// at 100 ms never meets the limiter. A short burst at the end checks where the limiter starts.
//
// Times are performance.now() in this process: t0 = the first GET is sent, t1 = the 200 has arrived
// (sendConnectionRequest returned). The daemon saw the valid GET between the two, so "t0 →" figures
// are upper bounds and "t1 →" figures lower bounds of the daemon's own reaction time.
import { randomBytes } from 'node:crypto';
import { sendConnectionRequest } from '../test/acs/index.js';
import { SESSION_LINE, startBuiltDaemon } from './helpers/daemon.js';
import { startMiniAcs, type MiniSession } from './helpers/mini-acs.js';
import { fmt, median, p99, sleep, table } from './helpers/stats.js';

const REQUESTS = 1000;
const WARMUP = 20;
/** 10 per second: the listener's sustained rate (50 per 5 s). */
const PACE_MS = 100;
const RETRIES_503 = 5;
const BURST = 120;
const CR_TIMEOUT_MS = 5000;
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

export async function run(): Promise<void> {
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

    let limited = 0;
    let lastStart = -Infinity;

    /** One paced connection request and the session it causes. */
    const one = async (): Promise<Sample> => {
      for (let attempt = 0; ; attempt++) {
        const wait = lastStart + PACE_MS - performance.now();
        if (wait > 0) await sleep(wait);
        const from = acs.sessions.length;
        const t0 = performance.now();
        lastStart = t0;
        const res = await sendConnectionRequest(crUrl, { username, password, timeoutMs: CR_TIMEOUT_MS });
        const t1 = performance.now();
        if (res.status === 503 && attempt < RETRIES_503) {
          limited++;
          continue;
        }
        if (res.status !== 200) throw new Error(`connection request answered ${res.status} (after ${res.attempts} GETs)`);
        const s: MiniSession = await acs.waitForSession(from, (x) => x.events.includes(CR_EVENT) || x.error !== undefined);
        if (s.error) throw new Error(`session after the connection request failed at the ACS: ${s.error}`);
        // The daemon has finished with every session the ACS saw (state saved, logged) before the next request.
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

    // The limiter: back-to-back requests (each after the previous session ended), no pacing.
    let firstRefused = 0;
    lastStart = -Infinity;
    for (let i = 1; i <= BURST && firstRefused === 0; i++) {
      const from = acs.sessions.length;
      const res = await sendConnectionRequest(crUrl, { username, password, timeoutMs: CR_TIMEOUT_MS });
      if (res.status === 503) firstRefused = i;
      else if (res.status === 200) await acs.waitForSession(from, (x) => x.events.includes(CR_EVENT) || x.error !== undefined);
      else throw new Error(`burst: connection request answered ${res.status}`);
    }

    console.log(`${REQUESTS} connection requests (after ${WARMUP} warm-up) to the built daemon, one at a time, ≥ ${PACE_MS} ms apart; ${elapsed.toFixed(1)} s.\n`);
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
      ],
    );
    console.log(
      `Rate limiter: ${limited} requests refused with 503 during the paced run (then retried). ` +
        `Burst without pacing: ${firstRefused ? `first 503 at request ${firstRefused}` : `no 503 in ${BURST} requests`} ` +
        `(bucket of 50, refilled at 10/s while the burst runs). Sessions not caused by a connection request: ${otherSessions}. ` +
        `Daemon log lines at warn level or above: ${daemon.count(WARN_LINE)}.\n`,
    );
  } finally {
    await daemon.stop();
    await acs.close();
  }
}
