// Agent issue, point 6: `tr069-client set` while the daemon runs. The pickup is measured by what the
// daemon does next (its Informs), from the moment the `set` command has exited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sendConnectionRequest } from '../acs/index.js';
import { loadSettings, updateSettings } from '../../src/settings/settings.js';
import { agentTest, eventsOf, informAt, paramsOf, sleep } from './harness.js';

/** "Within 1 s", plus a little for a loaded 2-core machine. */
const PICKUP_MS = 1000 + 300;

test('periodic-inform-enabled/-interval changes take effect within 1 s', async () => {
  await agentTest(async (h) => {
    const acs = await h.acs();
    await h.start({ 'acs-url': acs.url });
    await acs.waitForSession(1, 20_000);
    await sleep(1000);
    assert.equal(acs.sessions.length, 1, 'no periodic informs while they are off');

    await h.set('periodic-inform-enabled=yes', 'periodic-inform-interval=2');
    const setAt = Date.now();
    // The last session ended more than an interval ago: the first PERIODIC is due at once.
    const p1 = await acs.waitForSession(2, 3000);
    assert.deepEqual(eventsOf(p1.inform), ['2 PERIODIC']);
    assert.ok(informAt(acs, p1) - setAt <= PICKUP_MS, `first PERIODIC ${informAt(acs, p1) - setAt} ms after set`);
    const p2 = await acs.waitForSession(3, 4000);
    assert.deepEqual(eventsOf(p2.inform), ['2 PERIODIC']);
    const gap = informAt(acs, p2) - informAt(acs, p1);
    assert.ok(gap >= 1950 && gap <= 2000 + 900, `PERIODIC every 2 s, got ${gap} ms`);

    // A longer interval cancels the pending 2 s timer. Written the way `set` writes it (the CLI's
    // start-up time would eat into the 2 s window), right after a periodic session.
    await acs.waitForSession(4, 4000);
    const changedAt = Date.now();
    await updateSettings(h.dataDir, { 'periodic-inform-interval': 3600 });
    await sleep(2600);
    const late = acs.sessions.slice(4);
    assert.deepEqual(late.map((s) => eventsOf(s.inform)), [], `no PERIODIC after the interval became 1 h (changed ${changedAt})`);

    // Off: nothing more, even with a short interval.
    await h.set('periodic-inform-enabled=no', 'periodic-inform-interval=1');
    const n = acs.sessions.length;
    await sleep(1500);
    assert.equal(acs.sessions.length, n, 'periodic informs stopped');
  });
});

test('acs-url change reaches the new ACS within 1 s; enabled=no closes the connection-request listener and stops sessions', async () => {
  await agentTest(async (h) => {
    const acs1 = await h.acs();
    const acs2 = await h.acs();
    await h.start({ 'acs-url': acs1.url });
    await acs1.waitForSession(1, 20_000);

    await h.set(`acs-url=${acs2.url}`);
    const setAt = Date.now();
    const s = await acs2.waitForSession(1, 5000);
    assert.ok(informAt(acs2, s) - setAt <= PICKUP_MS, `new ACS contacted ${informAt(acs2, s) - setAt} ms after set`);
    assert.deepEqual(eventsOf(s.inform), ['0 BOOTSTRAP']);

    const crUrl = paramsOf(s.inform)['Device.ManagementServer.ConnectionRequestURL'];
    assert.match(crUrl, /^http:\/\/127\.0\.0\.1:\d+\/\S+/);
    const v = await loadSettings(h.dataDir);
    const cred = { username: v['connection-request-username'], password: v['connection-request-password'] };

    // A connection request works while enabled…
    assert.equal((await sendConnectionRequest(crUrl, cred)).status, 200);
    const cr = await acs2.waitForSession(2, 5000);
    assert.deepEqual(eventsOf(cr.inform), ['6 CONNECTION REQUEST']);

    // …enabled=no: print says so, the listener is gone, no session follows.
    await h.set('enabled=no');
    assert.equal((await h.print()).status, 'disabled');
    const until = Date.now() + 2000;
    let refused = false;
    while (!refused && Date.now() < until) {
      refused = await sendConnectionRequest(crUrl, { ...cred, timeoutMs: 500 }).then(() => false, () => true);
      if (!refused) await sleep(100);
    }
    assert.ok(refused, 'the connection-request listener is closed while disabled');
    await sleep(500);
    assert.equal(acs2.sessions.length, 2);

    // enabled=yes: the listener is back within 1 s and a request brings a session.
    await h.set('enabled=yes');
    await sleep(1000);
    assert.equal((await sendConnectionRequest(crUrl, cred)).status, 200);
    const again = await acs2.waitForSession(3, 5000);
    assert.ok(eventsOf(again.inform).includes('6 CONNECTION REQUEST'));
    assert.equal(acs1.sessions.length, 1, 'the old ACS never hears from us again');
  });
});
