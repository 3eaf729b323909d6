// Connection-request settings changed while the daemon runs (`tr069-client set`, as an operator
// would): the listener closes and opens again, moves to a new port, and ConnectionRequestURL — which
// has forced active notification — is reported to the ACS in a 4 VALUE CHANGE session each time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { sendConnectionRequest } from '../acs/index.js';
import { freePort } from '../helpers/daemon.js';
import type { AcsSession } from '../acs/index.js';
import { CR_EVENT, CR_PASSWORD, CR_USER, crTest, eventsOf, freeUdpPort, paramsOf, poll, refused, sendUdp, target, udpRequest, type CrHarness } from './harness.js';

const URL_PARAM = 'Device.ManagementServer.ConnectionRequestURL';

/** Waits for the next session after `n` that reports a value change of ConnectionRequestURL. */
async function valueChange(h: CrHarness, n: number): Promise<AcsSession> {
  const { session } = await h.sessionStarted(n + 1);
  await h.idle();
  assert.ok(eventsOf(session.inform).includes('4 VALUE CHANGE'), `a 4 VALUE CHANGE session (events: ${eventsOf(session.inform).join(', ')})`);
  assert.ok(URL_PARAM in paramsOf(session.inform), 'the Inform carries ConnectionRequestURL');
  return session;
}

/** A valid connection request at `url` must start a CR session. */
async function crWorks(h: CrHarness, url: string): Promise<void> {
  const n = h.acs.sessions.length;
  const r = await sendConnectionRequest(url, { username: CR_USER, password: CR_PASSWORD });
  assert.equal(r.status, 200, `a valid connection request at ${url}`);
  const { session } = await h.sessionStarted(n + 1);
  assert.deepEqual(eventsOf(session.inform), [CR_EVENT]);
  await h.idle();
}

test('connection-request-enabled off and on, and a new port, while the daemon runs', async () => {
  const udpPort = await freeUdpPort();
  await crTest(
    async (h) => {
      const url1 = h.crUrl();
      const { port: port1 } = target(url1);

      // Off: the listener closes; the URL now reads "" and the ACS is told so.
      let n = h.acs.sessions.length;
      await h.cli('set', 'connection-request-enabled=no');
      await poll(() => refused(port1), `the listener on port ${port1} to close`);
      const off = await valueChange(h, n);
      assert.equal(paramsOf(off.inform)[URL_PARAM], '', 'ConnectionRequestURL reads "" while HTTP connection requests are off');
      await assert.rejects(sendConnectionRequest(url1, { username: CR_USER, password: CR_PASSWORD }), { code: 'ECONNREFUSED' });

      // The ACS reads it too (in a session woken over UDP, which stays on).
      n = h.acs.sessions.length;
      const answers = h.acs.queue({ method: 'GetParameterValues', parameterNames: [URL_PARAM, 'Device.ManagementServer.HTTPConnectionRequestEnable'] });
      await sendUdp(udpPort, udpRequest(udpPort).text);
      const { session: woken } = await h.sessionStarted(n + 1);
      assert.deepEqual(eventsOf(woken.inform), [CR_EVENT]);
      const [gpv] = await answers;
      assert.equal(gpv.answer.method, 'GetParameterValuesResponse');
      const read = gpv.answer.method === 'GetParameterValuesResponse' ? Object.fromEntries(gpv.answer.parameterList.map((p) => [p.name, p.value])) : {};
      assert.equal(read[URL_PARAM], '');
      assert.equal(read['Device.ManagementServer.HTTPConnectionRequestEnable'], 'false');
      await h.idle();

      // On again: same port and path, reported, and working.
      n = h.acs.sessions.length;
      await h.cli('set', 'connection-request-enabled=yes');
      await poll(async () => !(await refused(port1)), `the listener on port ${port1} to open again`);
      const on = await valueChange(h, n);
      assert.equal(paramsOf(on.inform)[URL_PARAM], url1, 'the URL is back');
      await crWorks(h, url1);

      // A new port: the URL changes, the change is reported, the old port is closed, the new one works.
      const port2 = await freePort();
      n = h.acs.sessions.length;
      await h.cli('set', `connection-request-port=${port2}`);
      const moved = await valueChange(h, n);
      const url2 = paramsOf(moved.inform)[URL_PARAM];
      assert.equal(url2, url1.replace(`:${port1}/`, `:${port2}/`), 'only the port of the URL changed');
      assert.equal(await refused(port1), true, 'the old port is closed');
      await crWorks(h, url2);
      await h.assertNoNewSession('after the last connection request');
    },
    { settings: { 'udp-connection-request-port': udpPort } },
  );
});

test('connection-request-address: the URL and the UDP address name the address the listeners are bound to', async () => {
  const udpPort = await freeUdpPort();
  // 127.0.0.2 is loopback too, but not the address the daemon reaches the ACS (127.0.0.1) from.
  await crTest(
    async (h) => {
      const url = h.crUrl();
      assert.equal(target(url).host, '127.0.0.2', `ConnectionRequestURL ${url}`);
      await crWorks(h, url);
      const answers = h.acs.queue({ method: 'GetParameterValues', parameterNames: ['Device.ManagementServer.UDPConnectionRequestAddress'] });
      await crWorks(h, url);
      const [gpv] = await answers;
      assert.equal(gpv.answer.method === 'GetParameterValuesResponse' ? gpv.answer.parameterList[0]?.value : gpv.answer.method, `127.0.0.2:${udpPort}`);
    },
    { settings: { 'connection-request-address': '127.0.0.2', 'udp-connection-request-port': udpPort } },
  );
});

test('a connection-request port busy at start: a stand-in port is advertised until the listener gets the port, then the ACS is told', async () => {
  const port = await freePort();
  // Someone else holds the port when the daemon starts.
  const squatter = createServer((_req, res) => res.writeHead(418).end()).listen(port, '127.0.0.1');
  await once(squatter, 'listening');
  let held = true;
  try {
    await crTest(
      async (h) => {
        const standIn = h.lastInformParam(URL_PARAM) ?? '';
        assert.notEqual(target(standIn).port, port, `a stand-in port while ${port} is busy (${standIn})`);
        await crWorks(h, standIn);
        const n = h.acs.sessions.length;
        await new Promise<void>((resolve) => squatter.close(() => resolve()));
        held = false;
        const { session } = await h.sessionStarted(n + 1, 30_000);
        await h.idle();
        assert.ok(eventsOf(session.inform).includes('4 VALUE CHANGE'), `a value change (${eventsOf(session.inform).join(', ')})`);
        const url = paramsOf(session.inform)[URL_PARAM];
        assert.equal(target(url).port, port, `ConnectionRequestURL ${url}`);
        await crWorks(h, url);
      },
      { settings: { 'connection-request-port': port } },
    );
  } finally {
    if (held) squatter.close();
  }
});
