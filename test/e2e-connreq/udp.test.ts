// UDP connection requests (TR-111 part 2 / Annex G) through the real daemon: a signed datagram in
// GenieACS's format, sent three times, starts one 6 CONNECTION REQUEST session; a replayed or forged
// one starts nothing; UDPConnectionRequestAddress is readable by the ACS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CR_EVENT, crTest, eventsOf, freeUdpPort, paramsOf, sendUdp, udpRequest } from './harness.js';

test('UDP: a signed datagram (3 copies) starts one session; replayed and forged ones start nothing', async () => {
  const udpPort = await freeUdpPort();
  await crTest(
    async (h) => {
      // The address is readable (and is what an ACS uses to reach us).
      const answers = h.acs.queue({ method: 'GetParameterValues', parameterNames: ['Device.ManagementServer.UDPConnectionRequestAddress', 'Device.ManagementServer.SupportedConnReqMethods'] });
      const valid = udpRequest(udpPort);
      await sendUdp(udpPort, valid.text, 3);
      const { session } = await h.sessionStarted(2);
      assert.deepEqual(eventsOf(session.inform), [CR_EVENT]);
      const [gpv] = await answers;
      assert.equal(gpv.answer.method, 'GetParameterValuesResponse');
      const values = gpv.answer.method === 'GetParameterValuesResponse' ? Object.fromEntries(gpv.answer.parameterList.map((p) => [p.name, p.value])) : {};
      assert.equal(values['Device.ManagementServer.UDPConnectionRequestAddress'], `127.0.0.1:${udpPort}`);
      assert.match(values['Device.ManagementServer.SupportedConnReqMethods'] ?? '', /\bSTUN\b/);
      await h.idle();
      await h.assertNoNewSession('after the three copies of one request (duplicates are dropped)');
      assert.equal(h.crSessions().length, 1, 'one session for the three copies');
      assert.equal(udpAccepted(h.daemon.log()), 1, 'the three copies are one accepted request (the daemon log)');

      // The same datagram again (a replay), and datagrams that are not signed with our password.
      await sendUdp(udpPort, valid.text, 3);
      await sendUdp(udpPort, udpRequest(udpPort, { password: 'not-the-password' }).text, 3);
      await sendUdp(udpPort, udpRequest(udpPort, { sig: 'ab'.repeat(20) }).text, 3);
      await sendUdp(udpPort, udpRequest(udpPort, { username: 'someone-else' }).text, 3);
      // Correctly signed but older than the one accepted: a replay of a recorded request.
      await sendUdp(udpPort, udpRequest(udpPort, { ts: valid.ts - 10 }).text, 3);
      // Not a connection request at all.
      await sendUdp(udpPort, 'GET / HTTP/1.1\r\n\r\n', 1);
      await h.assertNoNewSession('after replayed, forged and malformed datagrams');

      // A new, correctly signed request still works.
      const n = h.acs.sessions.length;
      await sendUdp(udpPort, udpRequest(udpPort, { ts: valid.ts + 1 }).text, 3);
      const { session: again } = await h.sessionStarted(n + 1);
      assert.deepEqual(eventsOf(again.inform), [CR_EVENT]);
      await h.idle();
      await h.assertNoNewSession('after the second valid request');
      assert.equal(h.crSessions().length, 2);
      assert.equal(udpAccepted(h.daemon.log()), 2, 'nothing but the two valid requests was accepted');
      // Every Inform carried the HTTP URL as well (UDP is in addition to HTTP).
      assert.match(paramsOf(again.inform)['Device.ManagementServer.ConnectionRequestURL'] ?? '', /^http:\/\/127\.0\.0\.1:\d+\/./);
    },
    { settings: { 'udp-connection-request-port': udpPort } },
  );
});

test('UDP: a request accepted before a restart is still a replay after it', async () => {
  const udpPort = await freeUdpPort();
  await crTest(
    async (h) => {
      const valid = udpRequest(udpPort);
      await sendUdp(udpPort, valid.text, 1);
      await h.sessionStarted(2);
      await h.idle();
      await h.restart();
      // Replays of the accepted request (same ts) and of an older one: nothing.
      await sendUdp(udpPort, valid.text, 2);
      await sendUdp(udpPort, udpRequest(udpPort, { ts: valid.ts - 5 }).text, 2);
      await h.assertNoNewSession('after replaying, to the restarted daemon, a request accepted before the restart');
      // A newer one works.
      const n = h.acs.sessions.length;
      await sendUdp(udpPort, udpRequest(udpPort, { ts: valid.ts + 1 }).text, 1);
      const { session } = await h.sessionStarted(n + 1);
      assert.deepEqual(eventsOf(session.inform), [CR_EVENT]);
    },
    { settings: { 'udp-connection-request-port': udpPort } },
  );
});

/** Connection requests the daemon accepted over UDP, from its log. */
function udpAccepted(log: string): number {
  return log.split('\n').filter((l) => l.includes('"via":"udp"') && l.includes('connection request accepted')).length;
}
