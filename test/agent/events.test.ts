// Events raised while a session runs, and the connection-request event's delivery rule (not retried
// after a failed session: cwmp-cpe.md §5.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sendConnectionRequest } from '../acs/index.js';
import { loadSettings } from '../../src/settings/settings.js';
import { agentTest, eventsOf, paramsOf, sleep, until, type Harness, type StampedAcs } from './harness.js';

async function connectionRequest(h: Harness, acs: StampedAcs): Promise<number> {
  const url = paramsOf(acs.sessions[0].inform)['Device.ManagementServer.ConnectionRequestURL'];
  const v = await loadSettings(h.dataDir);
  const r = await sendConnectionRequest(url, { username: v['connection-request-username'], password: v['connection-request-password'] });
  return r.status;
}

test('a connection request during a session brings a new session right after it', async () => {
  await agentTest(async (h) => {
    const acs = await h.acs();
    acs.inject((c) => c.rpc === 'empty' && c.session?.index === 1, { delayMs: 1500 }, 1);
    await h.start({ 'acs-url': acs.url });
    await until(() => acs.sessions[0]?.messages.length === 2, 20_000, 'the empty POST of session 1');
    assert.equal(await connectionRequest(h, acs), 200, 'answered at once, even mid-session');
    assert.equal(acs.sessions[0].state, 'cpe', 'the connection request came while session 1 was open');
    const s1 = await acs.waitForSession(1, 5000);
    assert.equal(s1.state, 'ended');
    const s2 = await acs.waitForSession(2, 5000);
    assert.deepEqual(eventsOf(s2.inform), ['6 CONNECTION REQUEST']);
    await sleep(500);
    assert.equal(acs.sessions.length, 2);
  });
});

test('6 CONNECTION REQUEST is dropped after a failed session: no retry for it', async () => {
  await agentTest(async (h) => {
    const acs = await h.acs();
    await h.start({ 'acs-url': acs.url, 'retry-minimum-wait': 1 });
    await acs.waitForSession(1, 20_000);
    acs.inject('Inform', { status: 500 }, 1);
    assert.equal(await connectionRequest(h, acs), 200);
    const failed = await acs.waitForSession(2, 5000);
    assert.equal(failed.state, 'failed');
    assert.deepEqual(eventsOf(failed.inform), ['6 CONNECTION REQUEST']);
    // Nothing else is pending: no retry session at all.
    await sleep(2200);
    assert.equal(acs.sessions.length, 2, 'a failed connection-request session is not retried');
    const st = await h.print();
    assert.equal(st['retry-count'], 1);
  });
});
