// Scaffolding for the connection-request end-to-end tests: the REAL daemon (`tr069-client run`, a
// child process) with its connection-request listeners on 127.0.0.1, a test ACS that stamps the
// arrival of every POST, and ACS-side senders of HTTP (GenieACS-style Digest) and UDP (TR-111)
// connection requests. `crTest(fn)` starts both, waits for the boot session and, whatever happens,
// stops the daemon, closes the ACS and removes the data dir; when `fn` succeeded it also checks that
// every message the client sent is schema-valid CWMP, that the ACS saw no violation and that no two
// sessions overlapped.
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readFile, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Inform } from '../../src/cwmp/types.js';
import type { SettingsValues } from '../../src/settings/settings.js';
import { startTestAcs, type AcsSession, type TestAcs } from '../acs/index.js';
import { runCli } from '../helpers/cli.js';
import { startDaemon, tempDataDir, type DaemonHandle } from '../helpers/daemon.js';
import { genieacsAuthorization, httpRequest, type Reply } from '../helpers/digest-client.js';
import { assertValidCwmp } from '../helpers/schema.js';

export { sleep };

export const CR_USER = 'e2e-cr-acs';
export const CR_PASSWORD = 'e2e-cr-Secret-42';
export const CR_EVENT = '6 CONNECTION REQUEST';
/** How long "nothing follows" is watched for after a refused request. */
export const QUIET_MS = 1500;
/** Bound for waits on the daemon (the machine running the tests may be busy). */
export const WAIT_MS = 20_000;

/** A test ACS that also notes when (performance.now()) each POST arrived, by seq. */
export interface StampedAcs extends TestAcs {
  arrivals: Map<number, number>;
}

export interface CrHarness {
  acs: StampedAcs;
  daemon: DaemonHandle;
  dataDir: string;
  /** Device.ManagementServer.ConnectionRequestURL of the last Inform (what an ACS would use). */
  crUrl(): string;
  /** A parameter of the last Inform. */
  lastInformParam(name: string): string | undefined;
  /** Sessions whose Inform carries 6 CONNECTION REQUEST. */
  crSessions(): AcsSession[];
  /** Waits for session n (1-based) to have started; returns it with its Inform's arrival time. */
  sessionStarted(n: number, timeoutMs?: number): Promise<{ session: AcsSession; at: number }>;
  /** Waits until no session is open (all ended or failed). */
  idle(timeoutMs?: number): Promise<void>;
  /** Waits until the daemon has been quiet (no session open, none new) for QUIET_MS. */
  settle(timeoutMs?: number): Promise<void>;
  /** Watches for QUIET_MS (or ms) and fails if the ACS sees any new Inform. */
  assertNoNewSession(what: string, ms?: number): Promise<void>;
  /** `tr069-client <args>` on the daemon's data dir; fails the test on a non-zero exit. */
  cli(...args: string[]): Promise<string>;
  logTail(): string;
  /** Stops the daemon (SIGTERM) and starts it again on the same data dir; waits for its boot session. */
  restart(): Promise<void>;
}

export interface CrTestOptions {
  settings?: Partial<SettingsValues>;
}

/** Runs `fn` against a freshly booted daemon; see the file comment. */
export async function crTest(fn: (h: CrHarness) => Promise<void>, opts: CrTestOptions = {}): Promise<void> {
  const acs = (await startTestAcs()) as StampedAcs;
  acs.arrivals = new Map();
  // Tried first for every POST; never matches, only notes the arrival time.
  acs.inject((ctx) => {
    acs.arrivals.set(ctx.post.seq, performance.now());
    return false;
  }, {});
  const dataDir = await tempDataDir();
  let daemon: DaemonHandle | undefined;
  const h: CrHarness = {
    acs,
    get daemon() {
      return daemon!;
    },
    dataDir,
    crUrl() {
      const url = h.lastInformParam('Device.ManagementServer.ConnectionRequestURL');
      assert.ok(url, `the last Inform advertises a ConnectionRequestURL (got ${JSON.stringify(url)})`);
      return url;
    },
    lastInformParam(name) {
      const last = acs.sessions.at(-1)?.inform;
      return last ? paramsOf(last)[name] : undefined;
    },
    crSessions: () => acs.sessions.filter((s) => s.inform.event.some((e) => e.eventCode === CR_EVENT)),
    async sessionStarted(n, timeoutMs = WAIT_MS) {
      const session = await acs.waitFor(() => acs.sessions[n - 1], timeoutMs, `session ${n} to start`).catch((e: unknown) => {
        throw withLog(e, h);
      });
      const at = acs.arrivals.get(session.messages[0].seq);
      assert.ok(at !== undefined, `arrival time of session ${n}'s Inform`);
      return { session, at };
    },
    async idle(timeoutMs = WAIT_MS) {
      await acs
        .waitFor(() => acs.sessions.every((s) => s.state === 'ended' || s.state === 'failed'), timeoutMs, 'every session to finish')
        .catch((e: unknown) => {
          throw withLog(e, h);
        });
    },
    async settle(timeoutMs = WAIT_MS) {
      const until = performance.now() + timeoutMs;
      for (;;) {
        await h.idle(timeoutMs);
        const n = acs.sessions.length;
        await sleep(QUIET_MS);
        if (acs.sessions.length === n) return;
        if (performance.now() > until) assert.fail(`sessions still starting after ${timeoutMs} ms`);
      }
    },
    async assertNoNewSession(what, ms = QUIET_MS) {
      const before = acs.sessions.length;
      await sleep(ms);
      assert.equal(
        acs.sessions.length,
        before,
        `${what}: no session may follow, but the ACS saw ${acs.sessions.length - before} new Inform(s) ` +
          `(events: ${acs.sessions.slice(before).map((s) => eventsOf(s.inform).join('+')).join(', ')})`,
      );
    },
    async cli(...args) {
      const r = await runCli(args, { dataDir, timeoutMs: WAIT_MS });
      assert.equal(r.code, 0, `tr069-client ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
      return r.stdout;
    },
    logTail: () => daemon?.log().slice(-4000) ?? '',
    async restart() {
      await stopBounded(daemon!);
      const n = acs.sessions.length;
      daemon = await startDaemon({ dataDir });
      const { session } = await h.sessionStarted(n + 1);
      await h.idle();
      assert.equal(session.state, 'ended', `the boot session after the restart ended cleanly (${session.failure ?? ''})`);
    },
  };
  try {
    daemon = await startDaemon({
      dataDir,
      settings: {
        'acs-url': acs.url,
        'connection-request-username': CR_USER,
        'connection-request-password': CR_PASSWORD,
        ...opts.settings,
      },
    });
    const { session: boot } = await h.sessionStarted(1);
    await h.idle();
    assert.equal(boot.state, 'ended', `the boot session ended cleanly (${boot.failure ?? ''})`);
    await fn(h);
    await h.idle();
    checkWire(acs);
    assert.equal(daemon.proc.exitCode, null, 'the daemon is still running');
  } catch (err) {
    throw withLog(err, h);
  } finally {
    if (daemon) await stopBounded(daemon);
    await acs.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function withLog(err: unknown, h: CrHarness): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  if (!e.message.includes('--- daemon log')) e.message += `\n--- daemon log (end):\n${h.logTail()}`;
  return e;
}

async function stopBounded(d: DaemonHandle, ms = 10_000): Promise<void> {
  const ac = new AbortController();
  const timeout = sleep(ms, 'timeout' as const, { signal: ac.signal }).catch(() => 'cancelled' as const);
  const r = await Promise.race([d.stop(), timeout]);
  ac.abort();
  if (r === 'timeout') await d.kill();
}

/**
 * Acceptance point 7, plus single flight: every non-empty POST body validates against the BBF
 * schemas, the ACS recorded no violation, and each session began after the previous one's last message.
 */
export function checkWire(acs: TestAcs): void {
  const bodies = acs.requests.map((r) => r.rawBody).filter((b) => b.trim() !== '');
  assert.ok(bodies.length > 0, 'the client sent no message at all');
  assertValidCwmp(bodies);
  assert.deepEqual(acs.violations, [], 'the ACS saw no violation');
  for (let i = 1; i < acs.sessions.length; i++) {
    const prev = acs.sessions[i - 1];
    const lastOfPrev = Math.max(...prev.messages.map((m) => m.seq));
    const first = acs.sessions[i].messages[0].seq;
    assert.ok(first > lastOfPrev, `session ${i + 1} started (seq ${first}) before session ${i} had finished (seq ${lastOfPrev}): concurrent sessions`);
  }
}

export function eventsOf(inform: Inform): string[] {
  return inform.event.map((e) => (e.commandKey ? `${e.eventCode} ${e.commandKey}` : e.eventCode));
}

export function paramsOf(inform: Inform): Record<string, string> {
  return Object.fromEntries(inform.parameterList.map((p) => [p.name, p.value]));
}

/** Host, port and path of a ConnectionRequestURL, which must be on loopback (127.0.0.0/8). */
export function target(url: string): { host: string; port: number; path: string } {
  const u = new URL(url);
  assert.match(u.hostname, /^127\.\d+\.\d+\.\d+$/, `ConnectionRequestURL ${url} is on loopback`);
  return { host: u.hostname, port: Number(u.port), path: u.pathname + u.search };
}

/**
 * The two legs of a GenieACS connection request done by hand, so that a test can tamper with the
 * answer or keep it for a replay: GET without credentials (→ 401 + challenge), then GET with the
 * Authorization that `answer(wwwAuthenticate)` builds, both on new connections.
 */
export async function challengeThenAnswer(
  url: string,
  answer: (www: string, path: string) => string,
  opts: { method?: string } = {},
): Promise<{ challenge: Reply; reply: Reply; authorization: string }> {
  const { port, path } = target(url);
  const challenge = await httpRequest(port, path, { timeoutMs: 2_000 });
  assert.equal(challenge.status, 401, 'an unauthenticated GET is challenged');
  const www = challenge.headers['www-authenticate'];
  assert.ok(www !== undefined, 'the 401 carries WWW-Authenticate');
  const authorization = answer(Array.isArray(www) ? www.join(', ') : www, path);
  const reply = await httpRequest(port, path, { method: opts.method, timeoutMs: 2_000, headers: { Authorization: authorization } });
  return { challenge, reply, authorization };
}

/** GenieACS's Digest answer (MD5, qop=auth, nc=00000001) with the given credentials. */
export function genieacsAnswer(username = CR_USER, password = CR_PASSWORD): (www: string, path: string) => string {
  return (www, path) => genieacsAuthorization(www, username, password, path);
}

// ---- UDP (TR-111 / Annex G) -------------------------------------------------------------------

export interface UdpRequest {
  ts: number;
  id: string;
  un: string;
  cn: string;
  sig: string;
  /** The datagram text, GenieACS spelling. */
  text: string;
}

/** A UDP connection request as GenieACS writes it (`GET http://host:port?ts=…` without '/', un not encoded). */
export function udpRequest(port: number, opts: { ts?: number; id?: string; username?: string; password?: string; sig?: string } = {}): UdpRequest {
  const ts = opts.ts ?? Math.floor(Date.now() / 1000);
  const id = opts.id ?? String(randomBytes(4).readUInt32BE(0));
  const un = opts.username ?? CR_USER;
  const cn = randomBytes(8).toString('hex');
  const sig = opts.sig ?? createHmac('sha1', opts.password ?? CR_PASSWORD).update(`${ts}${id}${un}${cn}`).digest('hex');
  const host = `127.0.0.1:${port}`;
  const text = `GET http://${host}?ts=${ts}&id=${id}&un=${un}&cn=${cn}&sig=${sig} HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
  return { ts, id, un, cn, sig, text };
}

/** Sends the datagram `copies` times (GenieACS: 3) to 127.0.0.1:port. */
export async function sendUdp(port: number, text: string, copies = 3): Promise<void> {
  const sock = createSocket('udp4');
  try {
    for (let i = 0; i < copies; i++) {
      await new Promise<void>((resolve, reject) => sock.send(Buffer.from(text, 'latin1'), port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    }
  } finally {
    sock.close();
  }
}

/** A UDP port free right now on 127.0.0.1. */
export async function freeUdpPort(): Promise<number> {
  const sock = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(0, '127.0.0.1', () => resolve());
  });
  const { port } = sock.address();
  await new Promise<void>((resolve) => sock.close(() => resolve()));
  return port;
}

// ---- process figures --------------------------------------------------------------------------

/** VmRSS of a process in KiB (Linux /proc), undefined once it has gone. */
export async function rssKiB(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a TCP connect to 127.0.0.1:port is refused right now. */
export async function refused(port: number): Promise<boolean> {
  try {
    await httpRequest(port, '/', { timeoutMs: 2_000 });
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ECONNREFUSED';
  }
}

/** Polls `cond` every 100 ms until it holds, at most `timeoutMs`. */
export async function poll(cond: () => Promise<boolean> | boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!(await cond())) {
    if (performance.now() > until) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}
