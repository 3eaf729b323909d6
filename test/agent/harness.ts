// Shared scaffolding for the agent integration tests: the REAL daemon (`tr069-client run`, a child
// process) against test ACSs over real HTTP(S) on 127.0.0.1, one temp data dir per test.
// `agentTest(fn)` gives `fn` a Harness and, whatever happens, kills every daemon it started, closes
// every ACS and removes the data dir. When `fn` succeeded it also checks point 7 of the agent issue:
// every message the client sent validates against the BBF schema and no ACS saw a violation.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestAcs, type AcsSession, type TestAcs, type TestAcsOptions } from '../acs/index.js';
import type { Inform } from '../../src/cwmp/types.js';
import { runCli } from '../helpers/cli.js';
import { startDaemon, tempDataDir, type DaemonHandle } from '../helpers/daemon.js';
import { assertValidCwmp } from '../helpers/schema.js';
import type { SettingsValues } from '../../src/settings/settings.js';
import { readStatus, type DaemonStatus } from '../../src/store/status.js';

export { sleep };

/** The state files of the data dir (all JSON). */
export const STATE_FILES = ['state.json', 'settings.json', 'model.json', 'transfers.json', 'status.json'] as const;

/** An ACS plus the arrival time (Date.now()) of every POST it authenticated, by seq. */
export interface StampedAcs extends TestAcs {
  arrivals: Map<number, number>;
}

export class Harness {
  readonly acses: StampedAcs[] = [];
  readonly daemons: DaemonHandle[] = [];
  private scratchDir: string | undefined;

  constructor(readonly dataDir: string) {}

  /** A temp dir outside the data dir (marker files of reboot/factory-reset commands…), removed at the end. */
  async scratch(): Promise<string> {
    this.scratchDir ??= await mkdtemp(join(tmpdir(), 'tr069-agent-scratch-'));
    return this.scratchDir;
  }

  /** Starts a test ACS (closed by the harness). */
  async acs(opts: TestAcsOptions = {}): Promise<StampedAcs> {
    const acs = (await startTestAcs(opts)) as StampedAcs;
    acs.arrivals = new Map();
    // Tried first for every POST; never matches, only notes the arrival time.
    acs.inject((ctx) => {
      acs.arrivals.set(ctx.post.seq, Date.now());
      return false;
    }, {});
    this.acses.push(acs);
    return acs;
  }

  /**
   * Starts the daemon on the harness's data dir. With `settings`, they are written first (plus the
   * test defaults of startDaemon: connection requests on 127.0.0.1 and a free port, no periodic
   * informs); without, the data dir is used as it is (a restart).
   */
  async start(settings?: Partial<SettingsValues>, opts: { env?: Record<string, string>; args?: string[] } = {}): Promise<DaemonHandle> {
    const d = await startDaemon({ dataDir: this.dataDir, settings, env: opts.env, args: opts.args });
    this.daemons.push(d);
    return d;
  }

  /** SIGTERM, bounded: SIGKILL after `ms`. Returns the exit status (null when it had to be killed). */
  async stop(d: DaemonHandle, ms = 10_000): Promise<number | null> {
    const ac = new AbortController();
    const t = sleep(ms, 'timeout' as const, { signal: ac.signal }).catch(() => 'cancelled' as const);
    const r = await Promise.race([d.stop(), t]);
    ac.abort();
    if (r === 'timeout' || r === 'cancelled') {
      await d.kill();
      return null;
    }
    return r;
  }

  /** `tr069-client <args>` on this data dir; fails the test on a non-zero exit. */
  async cli(...args: string[]): Promise<string> {
    const r = await runCli(args, { dataDir: this.dataDir, timeoutMs: 20_000 });
    assert.equal(r.code, 0, `tr069-client ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  async print(): Promise<Record<string, unknown>> {
    return JSON.parse(await this.cli('print', '--json')) as Record<string, unknown>;
  }

  async set(...assignments: string[]): Promise<void> {
    await this.cli('set', ...assignments);
  }

  /** Polls status.json until `cond` holds (bounded). */
  async waitStatus(cond: (s: DaemonStatus) => boolean, timeoutMs = 10_000, what = 'status'): Promise<DaemonStatus> {
    const until = Date.now() + timeoutMs;
    let last: DaemonStatus | undefined;
    for (;;) {
      try {
        last = await readStatus(this.dataDir);
        if (cond(last)) return last;
      } catch {
        // mid-write is impossible (atomic rename), but a missing dir is not
      }
      if (Date.now() > until) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}; last status.json: ${JSON.stringify(last)}`);
      await sleep(50);
    }
  }

  /** Every state file that exists parses as JSON (returns the names of those present). */
  async checkStateFiles(dir = this.dataDir): Promise<string[]> {
    const present: string[] = [];
    for (const name of STATE_FILES) {
      let text: string;
      try {
        text = await readFile(join(dir, name), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      assert.doesNotThrow(() => JSON.parse(text), `${name} is not valid JSON: ${JSON.stringify(text.slice(0, 200))}`);
      present.push(name);
    }
    return present;
  }

  /** Point 7: every non-empty POST body is schema-valid CWMP and no ACS recorded a violation. */
  checkMessages(): void {
    const bodies = this.acses.flatMap((a) => a.requests.map((r) => r.rawBody).filter((b) => b.trim() !== ''));
    assert.ok(bodies.length > 0, 'the client sent no message at all');
    assertValidCwmp(bodies);
    for (const a of this.acses) assert.deepEqual(a.violations, [], `violations at ${a.url}`);
  }

  logs(): string {
    return this.daemons.map((d, i) => `--- daemon ${i + 1} (pid ${d.proc.pid}) log tail:\n${d.log().slice(-4000)}`).join('\n');
  }

  async close(): Promise<void> {
    await Promise.all(this.daemons.map((d) => this.stop(d, 5000).catch(() => d.kill())));
    await Promise.all(this.acses.map((a) => a.close()));
    await rm(this.dataDir, { recursive: true, force: true });
    if (this.scratchDir) await rm(this.scratchDir, { recursive: true, force: true });
  }
}

/** Runs `fn` with a fresh Harness; see the file comment. */
export async function agentTest(fn: (h: Harness) => Promise<void>): Promise<void> {
  const h = new Harness(await tempDataDir());
  try {
    await fn(h);
    h.checkMessages();
  } catch (err) {
    if (err instanceof Error) err.message += `\n${h.logs()}`;
    throw err;
  } finally {
    await h.close();
  }
}

/**
 * Polls `cond` every 20 ms until it is truthy (bounded). Unlike acs.waitFor it also sees a POST the
 * ACS is still delaying (the test ACS announces a request only once it has answered it).
 */
export async function until<T>(cond: () => T | undefined | null | false, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = cond();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** "0 BOOTSTRAP", "M Reboot rk" … of an Inform, in order. */
export function eventsOf(inform: Inform): string[] {
  return inform.event.map((e) => (e.commandKey ? `${e.eventCode} ${e.commandKey}` : e.eventCode));
}

/** The Inform's ParameterList as a name → value map. */
export function paramsOf(inform: Inform): Record<string, string> {
  return Object.fromEntries(inform.parameterList.map((p) => [p.name, p.value]));
}

/** The session's Inform got its InformResponse (HTTP 200 written, connection not dropped). */
export function informAcknowledged(s: AcsSession): boolean {
  const first = s.messages[0];
  return first?.reply?.status === 200 && first.reply.body.includes('InformResponse') && !first.dropped;
}

/** Arrival time of the session's Inform (Date.now() ms). */
export function informAt(acs: StampedAcs, s: AcsSession): number {
  const t = acs.arrivals.get(s.messages[0].seq);
  assert.ok(t !== undefined, `no arrival time for session ${s.index}`);
  return t;
}

/** Small seeded PRNG (mulberry32): random but reproducible test schedules. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
