// Agent issue, point 1: BOOTSTRAP and BOOT across first start, restart and an ACS URL change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentTest, eventsOf, informAcknowledged, sleep, until } from './harness.js';

test('first start: 0 BOOTSTRAP + 1 BOOT; restart: 1 BOOT only; new acs-url while running: 0 BOOTSTRAP to the new ACS', async () => {
  await agentTest(async (h) => {
    const acs1 = await h.acs();
    const d1 = await h.start({ 'acs-url': acs1.url });
    const s1 = await acs1.waitForSession(1, 20_000);
    assert.equal(s1.state, 'ended');
    assert.deepEqual(eventsOf(s1.inform).sort(), ['0 BOOTSTRAP', '1 BOOT']);
    assert.equal(s1.inform.retryCount, 0);
    // Nothing left to report: no second session.
    await sleep(500);
    assert.equal(acs1.sessions.length, 1, 'one session only after the first start');
    assert.equal(await h.stop(d1), 0, 'SIGTERM stops the daemon cleanly');

    // Restart with the same data dir: this ACS already has us, so 1 BOOT alone.
    const d2 = await h.start();
    const s2 = await acs1.waitForSession(2, 20_000);
    assert.equal(s2.state, 'ended');
    assert.deepEqual(eventsOf(s2.inform), ['1 BOOT']);

    // acs-url changed with the CLI while the daemon runs: the new ACS gets 0 BOOTSTRAP, and only
    // that (BOOT was delivered to the old ACS already).
    const acs2 = await h.acs();
    await h.set(`acs-url=${acs2.url}`);
    const n1 = await acs2.waitForSession(1, 10_000);
    assert.equal(n1.state, 'ended');
    assert.deepEqual(eventsOf(n1.inform), ['0 BOOTSTRAP']);
    assert.ok(informAcknowledged(n1));
    assert.equal(acs1.sessions.length, 2, 'the old ACS is not contacted again');
    assert.equal((await h.print())['acs-url'], acs2.url);

    // Restarting now is a plain boot towards the new ACS (the bootstrap was recorded for it).
    await h.stop(d2);
    await h.start();
    const n2 = await acs2.waitForSession(2, 20_000);
    assert.deepEqual(eventsOf(n2.inform), ['1 BOOT']);
  });
});

test('BOOTSTRAP is kept until an InformResponse acknowledges it, across failed sessions and restarts', async () => {
  await agentTest(async (h) => {
    const acs = await h.acs();
    acs.inject('Inform', { status: 503, retryAfter: 1 }, 1);
    const d1 = await h.start({ 'acs-url': acs.url, 'retry-minimum-wait': 1 });
    const f = await acs.waitForSession(1, 20_000);
    assert.equal(f.state, 'failed');
    assert.deepEqual(eventsOf(f.inform).sort(), ['0 BOOTSTRAP', '1 BOOT']);
    // Stop before the retry: the next start must still bootstrap.
    await h.stop(d1);
    await h.start();
    const s = await acs.waitForSession(2, 20_000);
    assert.equal(s.state, 'ended');
    assert.deepEqual(eventsOf(s.inform).sort(), ['0 BOOTSTRAP', '1 BOOT']);
    assert.equal(s.inform.retryCount, 0, 'a restart starts the retry count again');
  });
});

test('acs-url changed during a session: the session finishes with the old ACS, then 0 BOOTSTRAP goes to the new one', async () => {
  await agentTest(async (h) => {
    const acs1 = await h.acs();
    const acs2 = await h.acs();
    const d = await h.start({ 'acs-url': acs1.url });
    await acs1.waitForSession(1, 20_000);
    // Session 2 (a restart) is held open by a slow ACS while the URL changes.
    await h.stop(d);
    acs1.inject('empty', { delayMs: 3000 }, 1);
    await h.start();
    await until(() => acs1.sessions[1]?.messages.length === 2, 20_000, 'the empty POST of session 2');
    await h.set(`acs-url=${acs2.url}`);
    assert.equal(acs1.sessions[1].state, 'cpe', 'the URL changed while session 2 was open');
    const s2 = await acs1.waitForSession(2, 5000);
    assert.equal(s2.state, 'ended', 'the session with the old ACS is not cut short');
    assert.equal(acs2.sessions.length, 0, 'the new ACS waits for the end of the old session');
    const n = await acs2.waitForSession(1, 5000);
    assert.deepEqual(eventsOf(n.inform), ['0 BOOTSTRAP']);
    assert.ok(informAcknowledged(n));
  });
});

test('SIGTERM during a session with a silent ACS stops within seconds; the unacknowledged events come with the next start', async () => {
  await agentTest(async (h) => {
    const acs = await h.acs();
    // The InformResponse would come after 25 s (the client waits 30 s for a reply).
    acs.inject('Inform', { delayMs: 25_000 }, 1);
    const d = await h.start({ 'acs-url': acs.url });
    await until(() => acs.requests.length === 1, 20_000, 'the first Inform');
    const t = Date.now();
    assert.equal(await h.stop(d, 15_000), 0, 'clean exit');
    const took = Date.now() - t;
    assert.ok(took < 8000, `stopping took ${took} ms`);
    await h.start();
    const s = await acs.waitForInform((_i, x) => x.index === 2, 20_000);
    assert.deepEqual(eventsOf(s).sort(), ['0 BOOTSTRAP', '1 BOOT']);
  });
});
