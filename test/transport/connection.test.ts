// The session transport's connection handling on node:http(s): its own time limits, Node's parser
// errors, the pooled connection's life (reuse, resend, teardown) and the reply header shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createTcp, type AddressInfo, type Server, type Socket } from 'node:net';
import { openHttpSession, type HttpSessionOptions } from '../../src/transport/http-session.js';
import { TransportError, type CwmpTransport } from '../../src/transport/types.js';
import { digestResponse, parseAuthorization } from '../../src/transport/digest.js';
import { testCerts } from '../helpers/certs.js';
import { ok, startServer, type Handler, type TestServer } from './servers.js';

function isTransportError(kind: TransportError['kind'], message: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof TransportError, `expected a TransportError, got ${String(e)}`);
    assert.equal(e.kind, kind, `kind of "${e.message}"`);
    assert.match(e.message, message);
    return true;
  };
}

/** Polls cond every 10 ms for at most ms; false if it never held. */
async function eventually(cond: () => boolean, ms = 2000): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 10) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return cond();
}

async function withSession(
  handler: Handler,
  opts: Partial<HttpSessionOptions>,
  fn: (t: CwmpTransport, srv: TestServer) => Promise<void>,
  tls?: Parameters<typeof startServer>[1],
): Promise<void> {
  const srv = await startServer(handler, tls);
  const t = openHttpSession({ url: srv.url, ...opts });
  try {
    await fn(t, srv);
  } finally {
    await t.close();
    await srv.close();
  }
}

interface RawServer {
  port: number;
  /** Sockets accepted so far. */
  sockets: Socket[];
  close(): Promise<void>;
}

/** A loopback TCP server that does whatever onData says with the bytes it receives (or nothing). */
async function rawServer(onData?: (socket: Socket, data: Buffer) => void): Promise<RawServer> {
  const sockets: Socket[] = [];
  const server: Server = createTcp((s) => {
    sockets.push(s);
    s.on('error', () => undefined);
    s.on('data', (d: Buffer) => onData?.(s, d)); // reading also sees the client hang up
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

test('the connect timeout covers the TLS handshake; the reply timeout starts only once connected', async () => {
  const mute = await rawServer(); // accepts TCP, never answers the ClientHello
  try {
    const t = openHttpSession({ url: `https://127.0.0.1:${mute.port}/acs`, timeouts: { connectMs: 200, replyMs: 5000 } });
    try {
      const started = Date.now();
      await assert.rejects(t.post('<x/>'), isTransportError('connect', new RegExp(`^cannot connect to 127\\.0\\.0\\.1:${mute.port}: no answer within 0\\.2 s$`)));
      assert.ok(Date.now() - started < 4000, 'ended by the connect timeout, not the reply timeout');
    } finally {
      await t.close();
    }
    assert.ok(await eventually(() => mute.sockets.every((s) => s.destroyed || s.readableEnded)), 'the half-open connection is dropped');
  } finally {
    await mute.close();
  }
  // A reply slower than connectMs but within replyMs is fine: connectMs is not a reply limit.
  await withSession((_req, res) => setTimeout(() => ok(res), 300), { timeouts: { connectMs: 100, replyMs: 5000 } }, async (t) => {
    assert.equal((await t.post('<x/>')).status, 200);
    assert.equal((await t.post(null)).status, 200);
  });
});

test('close() while connecting or in the middle of the body ends the POST with a closed error', async () => {
  const mute = await rawServer();
  try {
    const t = openHttpSession({ url: `https://127.0.0.1:${mute.port}/acs` });
    const pending = t.post('<x/>');
    await eventually(() => mute.sockets.length > 0);
    await t.close();
    await assert.rejects(pending, isTransportError('closed', /^the session was closed while waiting for the ACS$/));
  } finally {
    await mute.close();
  }
  await withSession(
    (_req, res) => {
      res.writeHead(200, { 'Content-Length': 100 });
      res.write('<partial');
    },
    {},
    async (t, srv) => {
      const pending = t.post('<x/>');
      await eventually(() => srv.seen.length > 0);
      await new Promise((r) => setTimeout(r, 50));
      await t.close();
      await assert.rejects(pending, isTransportError('closed', /closed while waiting for the ACS/));
      assert.ok(await eventually(() => srv.openConnections() === 0), 'the connection is closed');
    },
  );
});

test('close() closes the idle keep-alive connection; a redirect to another origin closes the old one', async () => {
  const b = await startServer((_req, res) => ok(res));
  try {
    await withSession(
      (_req, res) => res.writeHead(307, { Location: b.url, 'Content-Length': 0 }).end(),
      {},
      async (t, a) => {
        assert.equal((await t.post('<x/>')).status, 200);
        assert.equal(a.connections(), 1);
        assert.ok(await eventually(() => a.openConnections() === 0), 'the connection to the old origin is closed');
        assert.equal(b.openConnections(), 1, 'the connection to the new origin is kept for the next POST');
        await t.close();
        assert.ok(await eventually(() => b.openConnections() === 0), 'close() closes the idle connection');
      },
    );
  } finally {
    await b.close();
  }
});

test('a drop on a reused connection is resent once only; a second drop is an error', async () => {
  let n = 0;
  await withSession(
    (req, res) => {
      if (++n === 1) ok(res);
      else req.socket.destroy();
    },
    {},
    async (t, srv) => {
      assert.equal((await t.post('<Inform/>')).status, 200);
      await assert.rejects(t.post('<r/>'), isTransportError('closed', /^the ACS closed the connection before replying$/));
      assert.deepEqual(srv.seen.map((s) => [s.connection, s.body]), [
        [1, '<Inform/>'],
        [1, '<r/>'],
        [2, '<r/>'],
      ]);
    },
  );
});

test('a body cut short of its Content-Length is a closed error, not a timeout', async () => {
  await withSession(
    (req, res) => {
      res.writeHead(200, { 'Content-Length': 100 });
      res.write('<partial', () => setImmediate(() => req.socket.destroy()));
    },
    { timeouts: { replyMs: 5000 } },
    async (t) => {
      await assert.rejects(t.post('<x/>'), isTransportError('closed', /^the connection to the ACS dropped in the middle of its reply$/));
    },
  );
});

test("Node's HTTP parser errors: malformed reply and too large headers are protocol errors", async () => {
  const garbage = await rawServer((s) => s.end('NOT HTTP AT ALL\r\n\r\n'));
  const huge = await rawServer((s) => s.end(`HTTP/1.1 200 OK\r\nX-Big: ${'x'.repeat(20_000)}\r\nContent-Length: 0\r\n\r\n`));
  try {
    for (const [srv, message] of [
      [garbage, /^the ACS sent a malformed HTTP reply \(HPE_[A-Z_]+\)$/],
      [huge, /^the ACS sent too large HTTP headers$/],
    ] as const) {
      const t = openHttpSession({ url: `http://127.0.0.1:${srv.port}/acs` });
      try {
        await assert.rejects(t.post('<x/>'), isTransportError('protocol', message));
      } finally {
        await t.close();
      }
    }
  } finally {
    await garbage.close();
    await huge.close();
  }
});

test('reply headers: lower-case names, one value as a string, a repeated header as an array in order', async () => {
  await withSession(
    (_req, res) => {
      res.setHeader('Set-Cookie', 'session=1');
      res.setHeader('X-Seen', ['a', 'b']);
      res.setHeader('__proto__', 'x');
      ok(res);
    },
    {},
    async (t) => {
      const r = await t.post('<x/>');
      assert.equal(r.headers['set-cookie'], 'session=1');
      assert.deepEqual(r.headers['x-seen'], ['a', 'b']);
      assert.equal(r.headers['content-type'], 'text/xml; charset="utf-8"');
      assert.equal(Object.getPrototypeOf(r.headers), Object.prototype, 'a header named __proto__ is dropped');
    },
  );
});

test('Keep-Alive: timeout=1 from the ACS: the next POST goes on a new connection, with a fresh Digest cnonce', async () => {
  const nonce = 'one-nonce-for-all-connections';
  await withSession(
    (req, res, seen) => {
      const p = parseAuthorization(req.headers.authorization)?.params;
      const good =
        p !== undefined &&
        p.nonce === nonce &&
        p.response ===
          digestResponse({ username: p.username, realm: p.realm, password: 'pw', nonce, method: 'POST', uri: p.uri, qop: p.qop, nc: p.nc, cnonce: p.cnonce, body: seen.body });
      if (good) return ok(res, '<ok/>', { 'Keep-Alive': 'timeout=1' });
      res.writeHead(401, { 'WWW-Authenticate': `Digest realm="acs", qop="auth", nonce="${nonce}"`, 'Content-Length': 0 }).end();
    },
    { username: 'cpe', password: 'pw' },
    async (t, srv) => {
      assert.equal((await t.post('<Inform/>')).status, 200);
      assert.equal((await t.post(null)).status, 200);
      assert.deepEqual(srv.seen.map((s) => s.connection), [1, 1, 2], 'no second challenge: the nonce is still good');
      const auths = srv.seen.map((s) => parseAuthorization(s.headers.authorization)?.params);
      assert.deepEqual(auths.slice(1).map((p) => p?.nc), ['00000001', '00000002']);
      assert.notEqual(auths[1]?.cnonce, auths[2]?.cnonce, 'a fresh cnonce on the new connection');
    },
  );
});

test('HTTPS: localAddress() of the TLS connection; one connection for the session; none left after close()', async () => {
  const c = await testCerts();
  await withSession(
    (_req, res) => ok(res),
    { caFile: c.caFile },
    async (t, srv) => {
      const r = await t.post('<Inform/>');
      assert.equal(r.localAddress, '127.0.0.1');
      await t.post(null);
      assert.equal(t.localAddress(), '127.0.0.1');
      assert.equal(srv.connections(), 1);
      await t.close();
      assert.ok(await eventually(() => srv.openConnections() === 0));
    },
    { certFile: c.serverCertFile, keyFile: c.serverKeyFile },
  );
});
