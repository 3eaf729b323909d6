// Agent issue, points 3 and 4: HTTP authentication towards the ACS and HTTPS (trust, host name,
// expiry, client certificates), with the reasons a failure leaves in last-session-error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testCerts } from '../helpers/certs.js';
import { agentTest, type Harness, type StampedAcs } from './harness.js';

/** Points the running daemon at `acs` and waits until the failure is in status.json. */
async function expectRefused(h: Harness, acs: StampedAcs, reason: RegExp, what: string, ...alsoSet: string[]): Promise<string> {
  const before = new Date().toISOString();
  await h.set(`acs-url=${acs.url}`, ...alsoSet);
  const st = await h.waitStatus(
    (s) => s.updatedAt > before && s.lastSessionError !== '',
    10_000,
    `a new last-session-error (${what})`,
  );
  assert.match(st.lastSessionError, reason, what);
  assert.equal(st.retryCount, 1, what);
  assert.equal(acs.sessions.length, 0, `${what}: no session may start`);
  return st.lastSessionError;
}

test('Digest authentication to the ACS', async () => {
  await agentTest(async (h) => {
    const acs = await h.acs({ auth: { type: 'digest', username: 'cpe-1', password: 'pä55 word' } });
    await h.start({ 'acs-url': acs.url, username: 'cpe-1', password: 'pä55 word' });
    const s = await acs.waitForSession(1, 20_000);
    assert.equal(s.state, 'ended');
    assert.match(String(s.messages[0].headers.authorization), /^Digest /);
    assert.ok(s.messages.every((m) => /^Digest /.test(String(m.headers.authorization))), 'Authorization on every POST of the session');
    assert.equal((await h.waitStatus((x) => x.lastSessionError === '' && x.retryCount === 0)).retryCount, 0);
  });
});

test('Basic authentication to the ACS; a wrong password gives a clear last-session-error', async () => {
  await agentTest(async (h) => {
    const acs = await h.acs({ auth: { type: 'basic', username: 'cpe-1', password: 'right' } });
    await h.start({ 'acs-url': acs.url, username: 'cpe-1', password: 'right' });
    const s = await acs.waitForSession(1, 20_000);
    assert.equal(s.state, 'ended');
    assert.match(String(s.messages[0].headers.authorization), /^Basic /);

    // A second ACS (a new URL starts a session at once) and a wrong password.
    const bad = await h.acs({ auth: { type: 'digest', username: 'cpe-1', password: 'other' } });
    const err = await expectRefused(h, bad, /password/i, 'wrong password', 'password=wrong');
    assert.match(err, /ACS refused the password \(HTTP 401\)/);
    assert.doesNotMatch(err, /wrong|right|other/, 'the password itself is never shown');
    const printed = await h.print();
    assert.equal(printed['last-session-error'], err);
    assert.equal(printed['retry-count'], 1);
    assert.ok(bad.requests.length >= 1 && bad.requests.every((r) => r.reply?.status === 401));
  });
});

test('HTTPS: a server certificate from the configured CA is trusted; wrong host name, untrusted CA and expired certificate are refused', async () => {
  const certs = await testCerts();
  await agentTest(async (h) => {
    const good = await h.acs({ tls: { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile } });
    await h.start({ 'acs-url': good.url, 'ca-certificate': certs.caFile });
    const s = await good.waitForSession(1, 20_000);
    assert.equal(s.state, 'ended');
    assert.ok(good.url.startsWith('https://'));

    const wrongHost = await h.acs({ tls: { certFile: certs.wrongHostCertFile, keyFile: certs.wrongHostKeyFile } });
    const e1 = await expectRefused(h, wrongHost, /^TLS: /, 'wrong host name');
    assert.match(e1, /acs\.other\.test.*does not match host name 127\.0\.0\.1/);

    const untrusted = await h.acs({ tls: { certFile: certs.untrustedServerCertFile, keyFile: certs.untrustedServerKeyFile } });
    const e2 = await expectRefused(h, untrusted, /^TLS: /, 'untrusted CA');
    assert.match(e2, /not trusted/);

    const expired = await h.acs({ tls: { certFile: certs.expiredCertFile, keyFile: certs.expiredKeyFile } });
    const e3 = await expectRefused(h, expired, /^TLS: /, 'expired certificate');
    assert.match(e3, /expired/);

    // Back to the good ACS: works again, and the error is cleared.
    await h.set(`acs-url=${good.url}`);
    await good.waitForSession(2, 10_000);
    const st = await h.waitStatus((x) => x.lastSessionError === '', 5000, 'the error to clear');
    assert.equal(st.retryCount, 0);
  });
});

test('HTTPS with a client certificate: works with client-certificate, fails clearly without', async () => {
  const certs = await testCerts();
  await agentTest(async (h) => {
    const tls = { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, clientCaFile: certs.caFile };
    const acs = await h.acs({ tls });
    await h.start({ 'acs-url': acs.url, 'ca-certificate': certs.caFile, 'client-certificate': certs.clientCertFile });
    const s = await acs.waitForSession(1, 20_000);
    assert.equal(s.state, 'ended');
    assert.ok(s.messages.every((m) => m.clientCertificate === '000000-Test-SN0001'), 'our client certificate on every POST');

    const acs2 = await h.acs({ tls });
    const err = await expectRefused(h, acs2, /^TLS: |client certificate/, 'no client certificate', 'client-certificate=');
    assert.match(err, /client certificate/);
    assert.ok(acs2.tlsErrors.length > 0 || acs2.connectionCount === 0, 'the ACS refused the handshake');
  });
});
