// End-to-end transfers: the REAL daemon (`tr069-client run`, a child process) against the test ACS
// and a loopback file server (test/transfers/helpers.ts), one temp data dir per test. `transferTest`
// gives the test a Harness, appends the daemon logs to any failure and, when the test passed,
// checks that every message the client sent is schema-valid CWMP and the ACS saw no violation.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { AcsRequest, Download, Inform, Message, TransferComplete, Upload } from '../../src/cwmp/types.js';
import type { SettingsValues } from '../../src/settings/settings.js';
import { sendConnectionRequest, startTestAcs, type AcsSession, type RecordedPost, type TestAcs } from '../acs/index.js';
import { runCli } from '../helpers/cli.js';
import { freePort, startDaemon, tempDataDir, type DaemonHandle } from '../helpers/daemon.js';
import { assertValidCwmp } from '../helpers/schema.js';
import { FileServer } from '../transfers/helpers.js';
import { downloadRequest } from '../helpers/requests.js';

export { sha256, waitFor } from '../transfers/helpers.js';

/** Generous bound for anything the daemon does (the machine running the tests may be busy). */
export const WAIT_MS = 30_000;

const CR_USER = 'xfer-cr';
const CR_PASSWORD = 'xfer-cr-secret';

export const UNKNOWN_TIME = '0001-01-01T00:00:00Z';

/** A TransferComplete the client POSTed, and whether the ACS answered it. */
export interface SentTransferComplete {
  post: RecordedPost;
  tc: TransferComplete;
  /** The ACS wrote TransferCompleteResponse (not dropped). */
  acknowledged: boolean;
}

export class Harness {
  readonly daemons: DaemonHandle[] = [];
  private crPort = 0;

  private constructor(
    readonly acs: TestAcs,
    readonly files: FileServer,
    readonly dataDir: string,
    /** Scratch dir for scripts and their records (outside the data dir). */
    readonly scratch: string,
  ) {}

  static async create(): Promise<Harness> {
    const acs = await startTestAcs();
    const files = await FileServer.start();
    return new Harness(acs, files, await tempDataDir(), await mkdtemp(join(tmpdir(), 'tr069-e2e-xfer-')));
  }

  get daemon(): DaemonHandle {
    const d = this.daemons.at(-1);
    assert.ok(d, 'no daemon started');
    return d;
  }

  /** Starts the daemon; with `settings` they are written first (plus the test defaults below). */
  async start(settings?: Partial<SettingsValues>): Promise<DaemonHandle> {
    if (settings) {
      this.crPort = await freePort();
      settings = {
        'acs-url': this.acs.url,
        'connection-request-port': this.crPort,
        'connection-request-username': CR_USER,
        'connection-request-password': CR_PASSWORD,
        'retry-minimum-wait': 1,
        ...settings,
      };
    }
    const d = await startDaemon({ dataDir: this.dataDir, settings });
    this.daemons.push(d);
    return d;
  }

  /** SIGTERM (as a shutdown for a reboot does), then a new daemon on the same data dir. */
  async restart(): Promise<DaemonHandle> {
    assert.equal(await this.daemon.stop(), 0, 'the daemon stops cleanly');
    return this.start();
  }

  /** kill -9, then a new daemon on the same data dir. */
  async crashAndRestart(): Promise<DaemonHandle> {
    await this.daemon.kill();
    return this.start();
  }

  /** Sessions whose Inform arrived after `n` sessions, once one of them has ended. */
  async sessionAfter(n: number, what = `a session after session ${n}`): Promise<AcsSession> {
    return this.acs.waitFor(() => this.acs.sessions.find((s) => s.index > n && s.state === 'ended'), WAIT_MS, what);
  }

  /** Wakes the daemon as an ACS does and waits for the session that carries 6 CONNECTION REQUEST. */
  async connectionRequest(): Promise<AcsSession> {
    const url = this.acs
      .informs()
      .flatMap((i) => i.parameterList)
      .filter((p) => p.name === 'Device.ManagementServer.ConnectionRequestURL')
      .at(-1)?.value;
    if (!url?.startsWith(`http://127.0.0.1:${this.crPort}/`)) assert.fail(`ConnectionRequestURL in the Inform: ${url}`);
    const before = this.acs.sessions.length;
    // The listener may still be starting right after a (re)start: retry a refused connection briefly.
    for (let i = 0; ; i++) {
      try {
        const r = await sendConnectionRequest(url, { username: CR_USER, password: CR_PASSWORD, timeoutMs: 10_000 });
        assert.equal(r.status, 200, 'the daemon accepts the connection request');
        break;
      } catch (e) {
        if (i >= 20 || (e as { code?: string }).code !== 'ECONNREFUSED') throw e;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    return this.acs.waitFor(
      () => this.acs.sessions.find((s) => s.index > before && s.state === 'ended' && hasEvent(s.inform, '6 CONNECTION REQUEST')),
      WAIT_MS,
      'the connection-request session',
    );
  }

  /** Every TransferComplete POSTed so far (with `commandKey`: only those), in order. */
  transferCompletes(commandKey?: string): SentTransferComplete[] {
    const out: SentTransferComplete[] = [];
    for (const post of this.acs.requests) {
      const body = post.envelope?.body;
      if (body?.method !== 'TransferComplete') continue;
      if (commandKey !== undefined && body.commandKey !== commandKey) continue;
      const acknowledged = !post.dropped && post.reply?.status === 200 && post.reply.body.includes('TransferCompleteResponse');
      out.push({ post, tc: body, acknowledged });
    }
    return out;
  }

  /** Waits until the ACS acknowledged a TransferComplete for each key; returns them by key. */
  async acknowledged(keys: string[], timeoutMs = WAIT_MS): Promise<Record<string, TransferComplete>> {
    const found = await this.acs.waitFor(
      () => {
        const done: Record<string, TransferComplete> = {};
        for (const k of keys) {
          const tc = this.transferCompletes(k).find((x) => x.acknowledged);
          if (!tc) return undefined;
          done[k] = tc.tc;
        }
        return done;
      },
      timeoutMs,
      `acknowledged TransferCompletes for ${keys.join(', ')}`,
    );
    return found;
  }

  /** `tr069-client <args>` on this data dir; fails the test on a non-zero exit. */
  async cli(...args: string[]): Promise<string> {
    const r = await runCli(args, { dataDir: this.dataDir, timeoutMs: 20_000 });
    assert.equal(r.code, 0, `tr069-client ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  /** Point 7: every non-empty POST body is schema-valid CWMP and the ACS recorded no violation. */
  checkWire(): void {
    const bodies = this.acs.requests.map((r) => r.rawBody).filter((b) => b.trim() !== '');
    assert.ok(bodies.length > 0, 'the client sent no message at all');
    assertValidCwmp(bodies);
    assert.deepEqual(this.acs.violations, []);
    this.checkAnnounced();
  }

  /**
   * Every TransferComplete goes with 7 TRANSFER COMPLETE + M <Method> <key> in its session's Inform,
   * and a session that ended cleanly announces no transfer it does not report.
   */
  checkAnnounced(): void {
    for (const s of this.acs.sessions) {
      const sent = this.transferCompletes()
        .filter((x) => x.post.session === s.index)
        .map((x) => x.tc.commandKey);
      const announced = s.inform.event.filter((e) => /^M (Download|Upload|ScheduleDownload)$/.test(e.eventCode)).map((e) => e.commandKey);
      const what = `session ${s.index}: Inform events [${eventsOf(s.inform).join(', ')}], TransferCompletes [${sent.join(', ')}]`;
      for (const k of sent) assert.ok(announced.includes(k), `${what}: M <Method> ${k} missing`);
      if (s.state === 'ended') assert.deepEqual([...new Set(announced)].sort(), [...new Set(sent)].sort(), `${what}: announced = reported`);
      assert.equal(hasEvent(s.inform, '7 TRANSFER COMPLETE'), announced.length > 0, `${what}: 7 TRANSFER COMPLETE iff a transfer is announced`);
    }
  }

  logs(): string {
    return this.daemons.map((d, i) => `--- daemon ${i + 1} (pid ${d.proc.pid}) log tail:\n${d.log().slice(-6000)}`).join('\n');
  }

  async close(): Promise<void> {
    // SIGTERM first (a clean stop leaves no stray command behind), SIGKILL when it takes too long.
    await Promise.all(
      this.daemons.map(async (d) => {
        const t = setTimeout(() => void d.kill(), 5000);
        await d.stop();
        clearTimeout(t);
      }),
    );
    await this.files.close();
    await this.acs.close();
    await rm(this.dataDir, { recursive: true, force: true });
    await rm(this.scratch, { recursive: true, force: true });
  }
}

/** Runs `fn` with a fresh Harness (see the file comment). */
export async function transferTest(t: TestContext, fn: (h: Harness) => Promise<void>): Promise<void> {
  const h = await Harness.create();
  t.after(() => h.close());
  try {
    await fn(h);
    h.checkWire();
  } catch (err) {
    if (err instanceof Error) err.message += `\n${h.logs()}`;
    throw err;
  }
}

export function hasEvent(inform: Inform, code: string, commandKey?: string): boolean {
  return inform.event.some((e) => e.eventCode === code && (commandKey === undefined || e.commandKey === commandKey));
}

/** "1 BOOT", "M Download fw" … of an Inform, in order. */
export function eventsOf(inform: Inform): string[] {
  return inform.event.map((e) => (e.commandKey ? `${e.eventCode} ${e.commandKey}` : e.eventCode));
}

export function download(d: Partial<Download> & { commandKey: string; url: string }): Download {
  return downloadRequest(d);
}

export function upload(u: Partial<Upload> & { commandKey: string; url: string; fileType: string }): Upload {
  return { method: 'Upload', username: '', password: '', delaySeconds: 0, ...u };
}

/** A RouterOS-style upgrade manifest (our sha256/size extension per link). */
export function manifest(links: { url: string; sha256?: string; size?: number }[], opts: { version?: string } = {}): string {
  const items = links.map(
    (l) =>
      `    <link><url>${l.url}</url>${l.sha256 ? `<sha256>${l.sha256}</sha256>` : ''}${l.size !== undefined ? `<size>${l.size}</size>` : ''}</link>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<upgrade version="${opts.version ?? '1'}" type="links">\n  <config/>\n  <links>\n${items.join('\n')}\n  </links>\n</upgrade>\n`;
}

/** The answer must be this response; returns it typed. */
export function expectResponse<M extends Message['method']>(m: Message | undefined, method: M): Extract<Message, { method: M }> {
  if (m?.method === 'Fault') assert.fail(`expected ${method}, got fault ${m.faultCode} ${m.faultString}`);
  assert.equal(m?.method, method);
  return m as Extract<Message, { method: M }>;
}

/** A DownloadResponse/UploadResponse as the interop rules want it: Status 1 with the unknown times. */
export function assertAccepted(m: Message | undefined, method: 'DownloadResponse' | 'UploadResponse'): void {
  const r = expectResponse(m, method);
  assert.equal(r.status, 1);
  assert.equal(r.startTime, UNKNOWN_TIME);
  assert.equal(r.completeTime, UNKNOWN_TIME);
}

/** A CWMP dateTime that is a real time (not the unknown time). */
export function assertRealTime(s: string, what: string): void {
  assert.ok(s !== UNKNOWN_TIME && !Number.isNaN(Date.parse(s)), `${what} is a real time: ${s}`);
}

export type { AcsRequest };
