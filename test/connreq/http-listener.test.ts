import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import {
  connectionRequestUrl,
  startHttpConnectionRequestListener,
  type HttpConnectionRequestListener,
  type HttpConnectionRequestListenerOptions,
} from '../../src/connreq/http-listener.js';
import type { ConnreqLogger } from '../../src/connreq/types.js';
import * as transportDigest from '../../src/transport/digest.js';
import {
  digestAuthorization,
  digestGet,
  genieacsConnectionRequest,
  httpRequest,
  parseChallenges,
  type Reply,
} from '../helpers/digest-client.js';

const creds = { username: 'acs-user', password: 'pa55:word"x' };
const path = '/cr-7f3a9c';

async function start(over: Partial<HttpConnectionRequestListenerOptions> = {}) {
  const calls = { n: 0 };
  let current = { ...creds };
  const listener = await startHttpConnectionRequestListener({
    port: 0,
    address: '127.0.0.1',
    path,
    getCredentials: () => current,
    onConnectionRequest: () => {
      calls.n++;
    },
    ...over,
  });
  return {
    listener,
    calls,
    setCredentials: (c: typeof creds) => {
      current = c;
    },
  };
}

/** Lets setImmediate callbacks run. */
const settle = () => sleep(20);

function assertRefused(r: Reply, status: number) {
  assert.equal(r.status, status);
  assert.equal(r.body, '');
  assert.equal(r.headers['content-length'], '0');
}

async function withListener(fn: (ctx: Awaited<ReturnType<typeof start>>) => Promise<void>, over: Partial<HttpConnectionRequestListenerOptions> = {}) {
  const ctx = await start(over);
  try {
    await fn(ctx);
  } finally {
    await ctx.listener.close();
  }
}

test('a valid Digest request gets 200 with an empty body, then exactly one callback', () =>
  withListener(async ({ listener, calls }) => {
    const r = await digestGet(listener.port, path, creds.username, creds.password);
    assert.equal(r.status, 200);
    assert.equal(r.body, '');
    assert.equal(r.headers['content-length'], '0');
    await settle();
    assert.equal(calls.n, 1);
    assert.equal(listener.counters.accepted, 1);
    assert.equal(listener.counters.refused.unauthenticated, 1); // the challenge leg
  }));

test('a GenieACS-style client (MD5, merged challenge parsing, keep-alive) succeeds, with and without SHA-256 offered', async () => {
  for (const offerSha256 of [false, true]) {
    await withListener(
      async ({ listener, calls }) => {
        const r = await genieacsConnectionRequest(listener.port, path, creds.username, creds.password);
        assert.equal(r.status, 200, `offerSha256=${offerSha256}`);
        await settle();
        assert.equal(calls.n, 1);
      },
      { digest: { offerSha256 } },
    );
  }
});

test('with SHA-256 offered, a client choosing SHA-256 succeeds too', () =>
  withListener(
    async ({ listener, calls }) => {
      const first = await httpRequest(listener.port, path);
      const chs = parseChallenges(first.headers['www-authenticate']);
      assert.deepEqual(chs.map((c) => c.params.algorithm), ['SHA-256', 'MD5']);
      const r = await digestGet(listener.port, path, creds.username, creds.password, 'SHA-256');
      assert.equal(r.status, 200);
      await settle();
      assert.equal(calls.n, 1);
    },
    { digest: { offerSha256: true } },
  ));

test("the project's own Digest client (src/transport/digest.ts) is accepted, MD5 only or SHA-256 offered", async () => {
  for (const offerSha256 of [false, true]) {
    await withListener(
      async ({ listener, calls }) => {
        const first = await httpRequest(listener.port, path);
        const ch = transportDigest.selectChallenge(transportDigest.parseChallenge(first.headers['www-authenticate']));
        assert.ok(ch);
        assert.equal(ch.params.algorithm, offerSha256 ? 'SHA-256' : 'MD5');
        const auth = transportDigest.digestAuthorization(ch, { ...creds, method: 'GET', uri: path });
        assert.equal((await httpRequest(listener.port, path, { headers: { Authorization: auth } })).status, 200);
        await settle();
        assert.equal(calls.n, 1);
      },
      { digest: { offerSha256 } },
    );
  }
});

test('a request without credentials gets 401 with a Digest challenge and no Basic', () =>
  withListener(async ({ listener, calls }) => {
    const r = await httpRequest(listener.port, path);
    assertRefused(r, 401);
    const www = String(r.headers['www-authenticate']);
    assert.match(www, /^Digest realm="[^"]+", qop="auth", nonce="[^"]+", opaque="[^"]+", algorithm=MD5$/);
    assert.doesNotMatch(www, /Basic/);
    await settle();
    assert.equal(calls.n, 0);
  }));

test('wrong username, password, realm or uri: 401 with a fresh challenge, no callback', () =>
  withListener(async ({ listener, calls }) => {
    const cases: Array<[Partial<Parameters<typeof digestAuthorization>[1]>, string]> = [
      [{ username: 'someone' }, 'badCredentials'],
      [{ password: 'guess' }, 'badCredentials'],
      [{ realm: 'other-realm' }, 'badRealm'],
      [{ sentUri: '/elsewhere', uri: '/elsewhere' }, 'badUri'],
    ];
    for (const [over, counter] of cases) {
      const first = await httpRequest(listener.port, path);
      const [ch] = parseChallenges(first.headers['www-authenticate']);
      const auth = digestAuthorization(ch, { ...creds, method: 'GET', uri: path, ...over });
      const r = await httpRequest(listener.port, path, { headers: { Authorization: auth } });
      assertRefused(r, 401);
      const [fresh] = parseChallenges(r.headers['www-authenticate']);
      assert.notEqual(fresh.params.nonce, ch.params.nonce);
      assert.equal(fresh.params.stale, undefined);
      assert.equal(listener.counters.refused[counter as 'badRealm'], counter === 'badCredentials' ? (over.username ? 1 : 2) : 1);
    }
    await settle();
    assert.equal(calls.n, 0);
    assert.equal(listener.counters.accepted, 0);
  }));

test('credentials are read at every request; empty credentials refuse everything', async () => {
  await withListener(async ({ listener, calls, setCredentials }) => {
    setCredentials({ username: '', password: '' });
    const first = await httpRequest(listener.port, path);
    assertRefused(first, 401);
    const [ch] = parseChallenges(first.headers['www-authenticate']);
    const r = await httpRequest(listener.port, path, {
      headers: { Authorization: digestAuthorization(ch, { username: '', password: '', method: 'GET', uri: path }) },
    });
    assertRefused(r, 401);
    assert.equal(listener.counters.refused.noCredentials, 2);
    setCredentials({ username: 'new', password: 'pw' });
    assert.equal((await digestGet(listener.port, path, creds.username, creds.password)).status, 401);
    assert.equal((await digestGet(listener.port, path, 'new', 'pw')).status, 200);
    await settle();
    assert.equal(calls.n, 1);
  });
});

test('an expired nonce gets 401 stale=true; retrying with the new nonce works', async () => {
  let now = 10_000;
  await withListener(
    async ({ listener, calls }) => {
      const first = await httpRequest(listener.port, path);
      const [ch] = parseChallenges(first.headers['www-authenticate']);
      now += 61_000;
      const auth = digestAuthorization(ch, { ...creds, method: 'GET', uri: path });
      const r = await httpRequest(listener.port, path, { headers: { Authorization: auth } });
      assertRefused(r, 401);
      const [fresh] = parseChallenges(r.headers['www-authenticate']);
      assert.equal(fresh.params.stale, 'true');
      assert.equal(listener.counters.refused.stale, 1);
      await settle();
      assert.equal(calls.n, 0);
      const retry = await httpRequest(listener.port, path, { headers: { Authorization: digestAuthorization(fresh, { ...creds, method: 'GET', uri: path }) } });
      assert.equal(retry.status, 200);
      await settle();
      assert.equal(calls.n, 1);
    },
    { digest: { now: () => now } },
  );
});

test('a replayed request (same nonce and nc) is refused; a higher nc on the same nonce works', () =>
  withListener(async ({ listener, calls }) => {
    const first = await httpRequest(listener.port, path);
    const [ch] = parseChallenges(first.headers['www-authenticate']);
    const auth = digestAuthorization(ch, { ...creds, method: 'GET', uri: path, nc: 1 });
    assert.equal((await httpRequest(listener.port, path, { headers: { Authorization: auth } })).status, 200);
    const replay = await httpRequest(listener.port, path, { headers: { Authorization: auth } });
    assertRefused(replay, 401);
    assert.equal(parseChallenges(replay.headers['www-authenticate'])[0].params.stale, 'true');
    assert.equal(listener.counters.refused.replay, 1);
    const next = digestAuthorization(ch, { ...creds, method: 'GET', uri: path, nc: 2 });
    assert.equal((await httpRequest(listener.port, path, { headers: { Authorization: next } })).status, 200);
    await settle();
    assert.equal(calls.n, 2);
  }));

test('wrong path 404, other methods 405 with Allow: GET, bodies 413; a query string is ignored', () =>
  withListener(async ({ listener, calls }) => {
    assertRefused(await httpRequest(listener.port, '/'), 404);
    assertRefused(await httpRequest(listener.port, `${path}x`), 404);
    assertRefused(await httpRequest(listener.port, path.toUpperCase()), 404);
    for (const method of ['POST', 'PUT', 'HEAD', 'OPTIONS', 'DELETE']) {
      const r = await httpRequest(listener.port, path, { method });
      assert.equal(r.status, 405, method);
      assert.equal(r.headers.allow, 'GET');
    }
    // (Node's client sends a GET body without framing unless told: give it a Content-Length.)
    assertRefused(await httpRequest(listener.port, path, { headers: { 'Content-Length': '100' }, body: 'x'.repeat(100) }), 413);
    const chunked = await httpRequest(listener.port, path, { headers: { 'Transfer-Encoding': 'chunked' }, body: 'abc' });
    assert.equal(chunked.status, 413);
    // The query is ignored for routing but is part of the digest uri.
    const q = `${path}?x=1`;
    assert.equal((await digestGet(listener.port, q, creds.username, creds.password)).status, 200);
    await settle();
    assert.equal(calls.n, 1);
    assert.equal(listener.counters.refused.notFound, 3);
    assert.equal(listener.counters.refused.method, 5);
    assert.equal(listener.counters.refused.body, 2);
  }));

test('malformed Authorization headers: 400 (unreadable) or 401 (other schemes), never a crash', () =>
  withListener(async ({ listener, calls }) => {
    const bad400 = ['Digest', 'Digest username="x', 'Digest a=b c=d', 'Digest username="acs-user", realm="x", nonce="y", uri="/cr-7f3a9c"'];
    for (const h of bad400) assertRefused(await httpRequest(listener.port, path, { headers: { Authorization: h } }), 400);
    const bad401 = ['Basic YWNzLXVzZXI6cGE1NTp3b3Jk', 'Bearer abc', 'Digest username="u", realm="tr069-client", nonce="AAAA", uri="/cr-7f3a9c", qop=auth, nc=00000001, cnonce="c", response="00000000000000000000000000000000"'];
    for (const h of bad401) {
      const r = await httpRequest(listener.port, path, { headers: { Authorization: h } });
      assertRefused(r, 401);
      assert.match(String(r.headers['www-authenticate']), /^Digest /);
    }
    // Still serving.
    assert.equal((await digestGet(listener.port, path, creds.username, creds.password)).status, 200);
    await settle();
    assert.equal(calls.n, 1);
  }));

test('rate limit: beyond the bucket, valid requests get 503 without Retry-After and no callback', () =>
  withListener(
    async ({ listener, calls }) => {
      assert.equal((await digestGet(listener.port, path, creds.username, creds.password)).status, 200);
      assert.equal((await digestGet(listener.port, path, creds.username, creds.password)).status, 200);
      const r = await digestGet(listener.port, path, creds.username, creds.password);
      assertRefused(r, 503);
      assert.equal(r.headers['retry-after'], undefined);
      // Unauthenticated requests do not consume the bucket and are still answered 401.
      assertRefused(await httpRequest(listener.port, path), 401);
      await settle();
      assert.equal(calls.n, 2);
      assert.equal(listener.counters.refused.rateLimited, 1);
    },
    { limits: { rate: { burst: 2, periodMs: 3_600_000 } } },
  ));

test('keep-alive: several authenticated requests on one connection (nc increasing on one nonce)', () =>
  withListener(async ({ listener, calls }) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    agent.on('free', (s) => sockets.add(s));
    try {
      const first = await httpRequest(listener.port, path, { agent });
      const [ch] = parseChallenges(first.headers['www-authenticate']);
      for (let nc = 1; nc <= 5; nc++) {
        const auth = digestAuthorization(ch, { ...creds, method: 'GET', uri: path, nc });
        assert.equal((await httpRequest(listener.port, path, { agent, headers: { Authorization: auth } })).status, 200);
      }
      assert.equal(sockets.size, 1);
    } finally {
      agent.destroy();
    }
    await settle();
    assert.equal(calls.n, 5);
  }));

/** Raw TCP exchange: sends bytes, returns everything received until the server closes (bounded). */
function raw(port: number, data: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`server did not close within ${timeoutMs} ms; got ${JSON.stringify(out)}`));
    }, timeoutMs);
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('close', () => {
      clearTimeout(t);
      resolve(out);
    });
    s.on('error', () => {});
    s.write(data);
  });
}

test('hardening: oversized headers 431, garbage 400, slow senders are cut off', () =>
  withListener(
    async ({ listener, calls }) => {
      const big = await raw(listener.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(9000)}\r\n\r\n`);
      assert.match(big, /^HTTP\/1\.1 431 /);
      const garbage = await raw(listener.port, '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http\r\n\r\n');
      assert.match(garbage, /^HTTP\/1\.1 400 /);
      // Headers never completed: the connection is closed after requestTimeoutMs (+ check interval).
      const slow = await raw(listener.port, `GET ${path} HTTP/1.1\r\nHost: x\r\n`, 5_000);
      assert.ok(slow === '' || /^HTTP\/1\.1 408 /.test(slow), slow);
      assert.ok(listener.counters.refused.clientError >= 2);
      assert.equal((await digestGet(listener.port, path, creds.username, creds.password)).status, 200);
      await settle();
      assert.equal(calls.n, 1);
    },
    { limits: { requestTimeoutMs: 500 } },
  ));

test('a throwing callback is logged and does not break the listener', async () => {
  const warnings: string[] = [];
  const log: ConnreqLogger = { debug: () => {}, info: () => {}, warn: (_o, m) => warnings.push(String(m)) };
  await withListener(
    async ({ listener }) => {
      assert.equal((await digestGet(listener.port, path, creds.username, creds.password)).status, 200);
      await settle();
      assert.equal((await digestGet(listener.port, path, creds.username, creds.password)).status, 200);
      await settle();
      assert.deepEqual(warnings, ['connection request callback failed', 'connection request callback failed']);
    },
    {
      log,
      onConnectionRequest: () => {
        throw new Error('boom');
      },
    },
  );
});

test('close() frees the port and stops callbacks; a pino logger fits the logger type', async () => {
  const log: ConnreqLogger = pino({ level: 'silent' });
  const ctx = await start({ log });
  const port = ctx.listener.port;
  const r = digestGet(port, path, creds.username, creds.password);
  assert.equal((await r).status, 200);
  await ctx.listener.close();
  await settle();
  assert.ok(ctx.calls.n <= 1);
  await assert.rejects(httpRequest(port, path), /ECONNREFUSED/);
  const again = await start({ port });
  assert.equal(again.listener.port, port);
  await again.listener.close();
});

test('IPv6 loopback listener (skipped without IPv6)', async (t) => {
  let listener: HttpConnectionRequestListener;
  try {
    listener = await startHttpConnectionRequestListener({ port: 0, address: '::1', path, getCredentials: () => creds, onConnectionRequest: () => {} });
  } catch (err) {
    t.skip(`no IPv6 loopback: ${(err as Error).message}`);
    return;
  }
  try {
    assert.equal(listener.address, '::1');
    assert.equal(connectionRequestUrl(listener.address, listener.port, path), `http://[::1]:${listener.port}${path}`);
  } finally {
    await listener.close();
  }
});

test('connectionRequestUrl: IPv4, IPv6 in brackets, zone id and ::ffff: stripped, path with or without /', () => {
  assert.equal(connectionRequestUrl('192.0.2.10', 7547, 'abc'), 'http://192.0.2.10:7547/abc');
  assert.equal(connectionRequestUrl('192.0.2.10', 7547, '/abc'), 'http://192.0.2.10:7547/abc');
  assert.equal(connectionRequestUrl('2001:db8::1', 7547, 'abc'), 'http://[2001:db8::1]:7547/abc');
  assert.equal(connectionRequestUrl('fe80::1%eth0', 7547, 'abc'), 'http://[fe80::1]:7547/abc');
  assert.equal(connectionRequestUrl('::ffff:192.0.2.10', 80, 'abc'), 'http://192.0.2.10:80/abc');
  assert.equal(connectionRequestUrl('[2001:db8::2]', 1, 'x'), 'http://[2001:db8::2]:1/x');
});
