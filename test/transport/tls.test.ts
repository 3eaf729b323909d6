import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openHttpSession, type HttpSessionOptions } from '../../src/transport/http-session.js';
import { TransportError } from '../../src/transport/types.js';
import { testCerts } from '../helpers/certs.js';
import { ok, startServer, type Handler, type TestServer } from './servers.js';

type Tls = Parameters<typeof startServer>[1];

async function withTls(
  tls: Tls,
  opts: Partial<HttpSessionOptions> & { host?: string },
  fn: (post: () => Promise<number>, srv: TestServer) => Promise<void>,
  handler: Handler = (_req, res) => ok(res),
): Promise<void> {
  const srv = await startServer(handler, tls);
  const url = srv.url.replace('127.0.0.1', opts.host ?? '127.0.0.1');
  const t = openHttpSession({ url, ...opts });
  try {
    await fn(async () => (await t.post('<Inform/>')).status, srv);
  } finally {
    await t.close();
    await srv.close();
  }
}

function tlsError(message: RegExp, kind: TransportError['kind'] = 'tls') {
  return (e: unknown) => {
    assert.ok(e instanceof TransportError, `expected a TransportError, got ${String(e)}`);
    assert.equal(e.kind, kind, `kind of "${e.message}"`);
    assert.match(e.message, message);
    return true;
  };
}

test('HTTPS with the CA in caFile: verified for localhost and 127.0.0.1; Basic sent pre-emptively', async () => {
  const c = await testCerts();
  const server = { certFile: c.serverCertFile, keyFile: c.serverKeyFile };
  for (const host of ['localhost', '127.0.0.1']) {
    await withTls(server, { host, caFile: c.caFile, username: 'cpe', password: 'pw' }, async (post, srv) => {
      assert.equal(await post(), 200);
      assert.equal(await post(), 200);
      assert.equal(srv.connections(), 1);
      const basic = `Basic ${Buffer.from('cpe:pw').toString('base64')}`;
      assert.deepEqual(srv.seen.map((s) => s.headers.authorization), [basic, basic]);
    });
  }
});

test('HTTPS without credentials sends no Authorization', async () => {
  const c = await testCerts();
  await withTls({ certFile: c.serverCertFile, keyFile: c.serverKeyFile }, { caFile: c.caFile }, async (post, srv) => {
    assert.equal(await post(), 200);
    assert.equal(srv.seen[0].headers.authorization, undefined);
  });
});

test('a certificate for another host name is refused, naming both', async () => {
  const c = await testCerts();
  await withTls({ certFile: c.wrongHostCertFile, keyFile: c.wrongHostKeyFile }, { host: 'localhost', caFile: c.caFile }, async (post, srv) => {
    await assert.rejects(post(), tlsError(/^TLS: certificate of localhost:\d+ is for DNS:acs\.other\.test, which does not match host name localhost$/));
    assert.equal(srv.seen.length, 0);
  });
});

test('untrusted and self-signed certificates are refused', async () => {
  const c = await testCerts();
  await withTls({ certFile: c.untrustedServerCertFile, keyFile: c.untrustedServerKeyFile }, { caFile: c.caFile }, async (post) => {
    await assert.rejects(post(), tlsError(/^TLS: certificate of 127\.0\.0\.1 is not trusted \(it is not signed by a CA in the CA file .*ca\.pem\)$/));
  });
  await withTls({ certFile: c.selfSignedCertFile, keyFile: c.selfSignedKeyFile }, { caFile: c.caFile }, async (post) => {
    await assert.rejects(post(), tlsError(/^TLS: certificate of 127\.0\.0\.1 is not trusted \(it is self-signed\)$/));
  });
  // No caFile: the system trust store, which does not know the test CA.
  await withTls({ certFile: c.serverCertFile, keyFile: c.serverKeyFile }, {}, async (post) => {
    await assert.rejects(post(), tlsError(/^TLS: certificate of 127\.0\.0\.1 is not trusted \(it is not signed by a CA in the system trust store\)$/));
  });
});

test('an expired certificate is refused', async () => {
  const c = await testCerts();
  await withTls({ certFile: c.expiredCertFile, keyFile: c.expiredKeyFile }, { host: 'localhost', caFile: c.caFile }, async (post) => {
    await assert.rejects(post(), tlsError(/^TLS: certificate of localhost has expired$/));
  });
});

test('checkCertificate=false accepts what verification would refuse', async () => {
  const c = await testCerts();
  await withTls({ certFile: c.selfSignedCertFile, keyFile: c.selfSignedKeyFile }, { checkCertificate: false }, async (post) => {
    assert.equal(await post(), 200);
  });
  await withTls({ certFile: c.wrongHostCertFile, keyFile: c.wrongHostKeyFile }, { host: 'localhost', checkCertificate: false }, async (post) => {
    assert.equal(await post(), 200);
  });
});

test('client certificate: presented from clientCertFile; its absence is explained', async () => {
  const c = await testCerts();
  const server = { certFile: c.serverCertFile, keyFile: c.serverKeyFile, clientCaFile: c.caFile };
  await withTls(
    server,
    { caFile: c.caFile, clientCertFile: c.clientCertFile },
    async (post) => {
      assert.equal(await post(), 200);
    },
    (req, res) => {
      const peer = (req.socket as import('node:tls').TLSSocket).getPeerCertificate();
      ok(res, `<cn>${String(peer.subject.CN)}</cn>`);
      assert.equal(peer.subject.CN, '000000-Test-SN0001');
    },
  );
  await withTls(server, { caFile: c.caFile }, async (post, srv) => {
    await assert.rejects(post(), tlsError(/^TLS: the ACS requires a client certificate$/));
    assert.equal(srv.seen.length, 0);
  });
  // A client certificate from a CA the ACS does not trust (TLS 1.3: the server just hangs up).
  await withTls(server, { caFile: c.caFile, clientCertFile: c.untrustedClientCertFile }, async (post) => {
    await assert.rejects(post(), (e: unknown) => {
      assert.ok(e instanceof TransportError);
      assert.ok(e.kind === 'tls' || e.kind === 'closed', e.kind);
      assert.match(e.message, /client certificate/);
      return true;
    });
  });
});

test('unreadable or incomplete TLS files are clear errors', async () => {
  const c = await testCerts();
  const server = { certFile: c.serverCertFile, keyFile: c.serverKeyFile };
  await withTls(server, { caFile: join(c.dir, 'missing.pem') }, async (post) => {
    await assert.rejects(post(), tlsError(/^cannot read the CA file .*missing\.pem: ENOENT$/));
  });
  const certOnly = join(c.dir, 'cert-only.pem');
  writeFileSync(certOnly, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  await withTls(server, { caFile: c.caFile, clientCertFile: certOnly }, async (post) => {
    await assert.rejects(post(), tlsError(/must hold the certificate and its private key/));
  });
});

test('redirects: TLS is verified against the new host; https never falls back to http', async () => {
  const c = await testCerts();
  const wrong = await startServer((_req, res) => ok(res), { certFile: c.wrongHostCertFile, keyFile: c.wrongHostKeyFile });
  const plain = await startServer((_req, res) => ok(res));
  try {
    const to = (target: string): Handler => (_req, res) => res.writeHead(307, { Location: target, 'Content-Length': 0 }).end();
    const server = { certFile: c.serverCertFile, keyFile: c.serverKeyFile };
    await withTls(server, { host: 'localhost', caFile: c.caFile }, async (post) => {
      await assert.rejects(post(), tlsError(/certificate of localhost:\d+ is for DNS:acs\.other\.test/));
    }, to(wrong.url.replace('127.0.0.1', 'localhost')));
    await withTls(server, { caFile: c.caFile }, async (post) => {
      await assert.rejects(post(), tlsError(/redirected from https to plain http/, 'protocol'));
    }, to(plain.url));
    assert.equal(plain.seen.length, 0);
  } finally {
    await wrong.close();
    await plain.close();
  }
});
