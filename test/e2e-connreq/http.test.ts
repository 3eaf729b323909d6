// HTTP connection requests through the real daemon: a GenieACS-style Digest request at the URL of
// the last Inform starts a 6 CONNECTION REQUEST session at once; every kind of bad request is
// refused with the right status and starts nothing; requests during a session fold into one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sendConnectionRequest } from '../acs/index.js';
import { basicAuthorization } from '../../src/transport/digest.js';
import { digestAuthorization, genieacsAuthorization, genieacsParseWwwAuthenticate, httpRequest, parseChallenges } from '../helpers/digest-client.js';
import {
  CR_EVENT,
  CR_PASSWORD,
  CR_USER,
  challengeThenAnswer,
  crTest,
  eventsOf,
  genieacsAnswer,
  poll,
  target,
} from './harness.js';

/** The session must start within this long after the 200 (acceptance point 1). */
const START_WITHIN_MS = 1000;

test('a valid GenieACS-style Digest request gets 200 at once and a 6 CONNECTION REQUEST session within 1 s', async (t) => {
  await crTest(async (h) => {
    const latencies: number[] = [];
    for (let i = 0; i < 3; i++) {
      const url = h.crUrl();
      const n = h.acs.sessions.length;
      const sent = performance.now();
      const r = await sendConnectionRequest(url, { username: CR_USER, password: CR_PASSWORD });
      const answered = performance.now();
      assert.ok(r.status === 200 || r.status === 204, `status ${r.status}`);
      assert.equal(r.attempts, 2, 'challenge, then the Digest answer');
      assert.equal((r.challenge?.params.qop ?? '').split(',').map((q) => q.trim()).includes('auth'), true, 'qop="auth" offered');
      assert.ok(answered - sent < 2000, 'answered within GenieACS\'s 2 s');
      const { session, at } = await h.sessionStarted(n + 1);
      const latency = at - answered;
      latencies.push(latency);
      assert.deepEqual(eventsOf(session.inform), [CR_EVENT]);
      assert.ok(latency < START_WITHIN_MS, `the session started ${latency.toFixed(0)} ms after the 200 (limit ${START_WITHIN_MS} ms)`);
      await h.idle();
      assert.equal(session.state, 'ended', `session ${session.index}: ${session.failure ?? ''}`);
    }
    t.diagnostic(`CR 200 → Inform at the ACS: ${latencies.map((l) => `${l.toFixed(0)} ms`).join(', ')}`);
    assert.equal(h.crSessions().length, 3);
  });
});

test('bad connection requests are refused with the right status and start no session', async () => {
  await crTest(async (h) => {
    const url = h.crUrl();
    const { port, path } = target(url);

    // A valid request first: its Authorization is replayed below, and it shows the set-up works.
    const valid = await challengeThenAnswer(url, genieacsAnswer());
    assert.equal(valid.reply.status, 200);
    await h.sessionStarted(2);
    await h.idle();
    const before = h.acs.sessions.length;

    const refusals: { what: string; status: number; reply: { status: number; headers: Record<string, unknown> } }[] = [];
    const expect = async (what: string, status: number, reply: Promise<{ status: number; headers: Record<string, unknown> }>) => {
      const r = await reply;
      refusals.push({ what, status, reply: r });
      assert.equal(r.status, status, `${what}: HTTP ${r.status}, expected ${status}`);
      return r;
    };
    const answered = async (answer: (www: string, p: string) => string, method?: string) =>
      (await challengeThenAnswer(url, answer, { method })).reply;

    await expect('wrong user', 401, answered(genieacsAnswer('not-the-user', CR_PASSWORD)));
    await expect('wrong password', 401, answered(genieacsAnswer(CR_USER, 'not-the-password')));
    await expect('empty password', 401, answered(genieacsAnswer(CR_USER, '')));
    await expect(
      'wrong realm',
      401,
      answered((www, p) => digestAuthorization(parseChallenges(www)[0], { username: CR_USER, password: CR_PASSWORD, method: 'GET', uri: p, realm: 'GenieACS' })),
    );
    await expect(
      'digest for another uri',
      401,
      answered((www) => genieacsAuthorization(www, CR_USER, CR_PASSWORD, `${path}x`)),
    );
    await expect(
      'forged nonce',
      401,
      answered((www, p) => {
        const fake = randomBytes(26).toString('base64url');
        return genieacsAuthorization(www.replace(genieacsParseWwwAuthenticate(www).nonce, fake), CR_USER, CR_PASSWORD, p);
      }),
    );
    await expect('Basic with the right credentials', 401, httpRequest(port, path, { headers: { Authorization: basicAuthorization(CR_USER, CR_PASSWORD) } }));
    await expect('no credentials at all', 401, httpRequest(port, path));
    await expect('unreadable Authorization', 400, httpRequest(port, path, { headers: { Authorization: 'Digest username="x", realm=' } }));
    const replay = await expect('replayed Authorization (reused nonce and nc)', 401, httpRequest(port, path, { headers: { Authorization: valid.authorization } }));
    assert.match(String(replay.headers['www-authenticate']), /stale=true/, 'the replay is answered with a stale=true challenge');
    await expect('wrong path, valid credentials', 404, answered((www) => genieacsAuthorization(www, CR_USER, CR_PASSWORD, `${path}-other`)).then(async () =>
      httpRequest(port, `${path}-other`, { headers: { Authorization: valid.authorization } })));
    await expect('wrong path', 404, httpRequest(port, '/'));
    await expect('path prefix', 404, httpRequest(port, path.slice(0, -1)));
    await expect('POST instead of GET, valid credentials', 405, answered(genieacsAnswer(), 'POST'));
    await expect('POST with a body', 405, httpRequest(port, path, { method: 'POST', body: 'x'.repeat(100) }));
    await expect('GET with a body', 413, httpRequest(port, path, { body: 'x'.repeat(100), headers: { 'Content-Length': '100' } }));

    for (const r of refusals.filter((x) => x.status === 401)) {
      assert.match(String(r.reply.headers['www-authenticate']), /^Digest realm="[^"]+", qop="auth", nonce="/, `${r.what}: a fresh Digest challenge`);
    }
    await h.assertNoNewSession('after the refused requests');
    assert.equal(h.acs.sessions.length, before);

    // The listener still works: the refusals above were not the result of a broken listener.
    const r = await sendConnectionRequest(h.crUrl(), { username: CR_USER, password: CR_PASSWORD });
    assert.equal(r.status, 200);
    const { session } = await h.sessionStarted(before + 1);
    assert.deepEqual(eventsOf(session.inform), [CR_EVENT]);
  });
});

test('several connection requests during a session: all answered 200, one folded session follows', async (t) => {
  await crTest(async (h) => {
    const url = h.crUrl();
    // Session 2 (the first CR's) waits 2 s before answering the empty POST.
    h.acs.inject((c) => c.rpc === 'empty' && c.session?.index === 2, { delayMs: 2000 }, 1);
    assert.equal((await sendConnectionRequest(url, { username: CR_USER, password: CR_PASSWORD })).status, 200);
    const { session: running } = await h.sessionStarted(2);
    // (Polled: the test ACS signals a change only when it replies, and this reply is held back.)
    await poll(() => running.messages.length >= 2, 'the empty POST of session 2', 5000);

    const during: number[] = [];
    const t0 = performance.now();
    // Four one after the other and four at once, all while session 2 is held by the ACS.
    for (let i = 0; i < 4; i++) during.push((await sendConnectionRequest(url, { username: CR_USER, password: CR_PASSWORD })).status);
    const parallel = await Promise.all(Array.from({ length: 4 }, () => sendConnectionRequest(url, { username: CR_USER, password: CR_PASSWORD })));
    during.push(...parallel.map((r) => r.status));
    const elapsed = performance.now() - t0;
    assert.deepEqual(during, Array(8).fill(200), 'every request is answered 200, none 503');
    assert.ok(running.state === 'cpe' || running.state === 'acs', `session 2 was still running while they were answered (${running.state})`);
    assert.equal(h.acs.sessions.length, 2, 'no second session was opened while session 2 ran');

    await h.sessionStarted(3);
    await h.idle();
    await h.assertNoNewSession('after the folded session');
    assert.equal(h.acs.sessions.length, 3, 'exactly one follow-up session');
    const follow = h.acs.sessions[2];
    assert.deepEqual(eventsOf(follow.inform), [CR_EVENT], 'the follow-up carries one 6 CONNECTION REQUEST');
    assert.equal(running.state, 'ended');
    assert.equal(follow.state, 'ended');
    t.diagnostic(`8 requests answered during a held session in ${elapsed.toFixed(0)} ms`);
  });
});

test('credentials set by the ACS (SetParameterValues) apply to the next connection request; the password reads ""', async () => {
  await crTest(async (h) => {
    const url = h.crUrl();
    const user2 = 'acs-chosen-user';
    const password2 = 'acs-chosen-Password-7';
    const answers = h.acs.queue(
      {
        method: 'SetParameterValues',
        parameterList: [
          { name: 'Device.ManagementServer.ConnectionRequestUsername', value: user2, type: 'xsd:string' },
          { name: 'Device.ManagementServer.ConnectionRequestPassword', value: password2, type: 'xsd:string' },
        ],
        parameterKey: 'cr-creds',
      },
      { method: 'GetParameterValues', parameterNames: ['Device.ManagementServer.ConnectionRequestUsername', 'Device.ManagementServer.ConnectionRequestPassword'] },
    );
    assert.equal((await sendConnectionRequest(url, { username: CR_USER, password: CR_PASSWORD })).status, 200);
    await h.sessionStarted(2);
    const [spv, gpv] = await answers;
    assert.equal(spv.answer.method, 'SetParameterValuesResponse', JSON.stringify(spv.answer));
    assert.equal(gpv.answer.method, 'GetParameterValuesResponse');
    const read = gpv.answer.method === 'GetParameterValuesResponse' ? Object.fromEntries(gpv.answer.parameterList.map((p) => [p.name, p.value])) : {};
    assert.equal(read['Device.ManagementServer.ConnectionRequestUsername'], user2);
    assert.equal(read['Device.ManagementServer.ConnectionRequestPassword'], '', 'the password reads as empty');
    await h.settle();
    const n = h.acs.sessions.length;

    assert.equal((await sendConnectionRequest(url, { username: CR_USER, password: CR_PASSWORD })).status, 401, 'the old credentials are refused');
    assert.equal((await sendConnectionRequest(url, { username: user2, password: CR_PASSWORD })).status, 401, 'the new user with the old password is refused');
    await h.assertNoNewSession('after requests with the old credentials');
    assert.equal((await sendConnectionRequest(url, { username: user2, password: password2 })).status, 200, 'the new credentials are accepted');
    const { session } = await h.sessionStarted(n + 1);
    assert.deepEqual(eventsOf(session.inform), [CR_EVENT]);
  });
});
