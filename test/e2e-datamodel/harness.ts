// One real daemon (`tr069-client run`) talking to the test ACS, for the data-model end-to-end tests.
// Sessions after the first are started the way an ACS does it: a connection request.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AcsRequest, Fault, Message } from '../../src/cwmp/types.js';
import { sendConnectionRequest, startTestAcs, type AcsSession, type TestAcs } from '../acs/index.js';
import { freePort, startDaemon, tempDataDir, type DaemonHandle } from '../helpers/daemon.js';
import { assertValidCwmp } from '../helpers/schema.js';
import type { SettingsValues } from '../../src/settings/settings.js';

/** Generous: the machine running the tests may be busy. */
export const WAIT_MS = 30_000;

export const CR_USER = 'e2e-cr';
export const CR_PASSWORD = 'e2e-cr-secret';

export interface Harness {
  acs: TestAcs;
  daemon: DaemonHandle;
  dataDir: string;
  /** The scratch resolv.conf the daemon edits (TR069_RESOLV_CONF). */
  resolvConf: string;
  /** Sessions finished so far (ended or failed). */
  finished(): number;
  /** Runs one connection-request session carrying these RPCs; returns their answers and the session. */
  rpc(...requests: AcsRequest[]): Promise<{ answers: Message[]; session: AcsSession }>;
  /** Starts a session with a connection request and waits for it to finish. */
  connectionRequest(): Promise<AcsSession>;
  /** Credentials the next connection requests use (after the ACS changed them). */
  crCredentials: { username: string; password: string };
  /** Waits for the next session to finish (started by the daemon itself). */
  nextSession(timeoutMs?: number): Promise<AcsSession>;
  /** Stops the daemon and starts it again on the same data dir; waits for its boot session. */
  restart(): Promise<AcsSession>;
  /** Every message the client sent validates; the ACS saw no protocol violation. */
  checkWire(): void;
  close(): Promise<void>;
}

export async function startHarness(opts: { resolvConf?: string; settings?: Partial<SettingsValues> } = {}): Promise<Harness> {
  const acs = await startTestAcs();
  const dataDir = await tempDataDir();
  const resolvConf = join(dataDir, 'resolv.conf.test');
  await writeFile(resolvConf, opts.resolvConf ?? 'nameserver 192.0.2.53\nnameserver 198.51.100.53\n');
  const crPort = await freePort();
  const settings = {
    'acs-url': acs.url,
    'connection-request-address': '127.0.0.1',
    'connection-request-port': crPort,
    'connection-request-username': CR_USER,
    'connection-request-password': CR_PASSWORD,
    'periodic-inform-enabled': false,
    ...opts.settings,
  };
  let daemon = await startDaemon({ dataDir, settings });
  let finished = 0;
  const h: Harness = {
    acs,
    get daemon() {
      return daemon;
    },
    dataDir,
    resolvConf,
    finished: () => finished,
    crCredentials: { username: CR_USER, password: CR_PASSWORD },
    async nextSession(timeoutMs = WAIT_MS) {
      const s = await acs.waitForSession(finished + 1, timeoutMs).catch((e: unknown) => {
        throw new Error(`${(e as Error).message}\n--- daemon log (end):\n${daemon.log().slice(-4000)}`);
      });
      finished++;
      return s;
    },
    async connectionRequest() {
      // As an ACS does: the URL the CPE reported in its last Inform.
      const url = acs.informs().flatMap((i) => i.parameterList).filter((p) => p.name === 'Device.ManagementServer.ConnectionRequestURL').at(-1)?.value;
      if (!url?.startsWith(`http://127.0.0.1:${crPort}/`)) assert.fail(`ConnectionRequestURL in the Inform: ${url}`);
      // The listener may still be starting right after a (re)start: retry a refused connection briefly.
      for (let i = 0; ; i++) {
        try {
          const r = await sendConnectionRequest(url, { ...h.crCredentials, timeoutMs: 10_000 });
          assert.equal(r.status, 200, 'the daemon accepts the connection request');
          break;
        } catch (e) {
          if (daemon.proc.exitCode !== null || i >= 20 || (e as { code?: string }).code !== 'ECONNREFUSED') {
            throw new Error(`connection request failed (${(e as Error).message}); daemon exit code ${daemon.proc.exitCode}\n--- daemon log (end):\n${daemon.log().slice(-4000)}`);
          }
          await new Promise((r) => setTimeout(r, 250));
        }
      }
      const s = await h.nextSession();
      assert.ok(
        s.inform.event.some((e) => e.eventCode === '6 CONNECTION REQUEST'),
        `the session was the connection request's (events: ${s.inform.event.map((e) => e.eventCode).join(', ')})`,
      );
      return s;
    },
    async rpc(...requests) {
      const answers = acs.queue(...requests);
      const session = await h.connectionRequest();
      assert.equal(session.state, 'ended', `session ended cleanly (${session.failure ?? ''})`);
      return { answers: (await answers).map((a) => a.answer), session };
    },
    async restart() {
      assert.equal(await daemon.stop(), 0, 'the daemon stops cleanly');
      daemon = await startDaemon({ dataDir });
      const s = await h.nextSession();
      assert.ok(s.inform.event.some((e) => e.eventCode === '1 BOOT'), 'a restart is a 1 BOOT');
      return s;
    },
    checkWire() {
      const bodies = acs.requests.map((r) => r.rawBody).filter((b) => b.trim() !== '');
      assert.ok(bodies.length > 0);
      assertValidCwmp(bodies);
      assert.deepEqual(acs.violations, []);
    },
    async close() {
      await daemon.stop();
      await acs.close();
    },
  };
  const boot = await h.nextSession();
  assert.equal(boot.state, 'ended', `the boot session ended cleanly (${boot.failure ?? ''})`);
  return h;
}

export function isFault(m: Message | undefined): m is Fault {
  return m?.method === 'Fault';
}

/** The answer must be this response; returns it typed. */
export function expect<M extends Message['method']>(m: Message | undefined, method: M): Extract<Message, { method: M }> {
  if (isFault(m)) assert.fail(`expected ${method}, got fault ${m.faultCode} ${m.faultString}`);
  assert.equal(m?.method, method);
  return m as Extract<Message, { method: M }>;
}

export function expectFault(m: Message | undefined, code: number): Fault {
  assert.ok(isFault(m), `expected fault ${code}, got ${m?.method}`);
  assert.equal(m.faultCode, code, `fault ${m.faultCode} (${m.faultString})`);
  return m;
}
