import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { openHttpSession, parseRetryAfter, type HttpSessionOptions } from '../../src/transport/http-session.js';
import { TransportError, type CwmpTransport } from '../../src/transport/types.js';
import { digestResponse, parseAuthorization } from '../../src/transport/digest.js';
import { closedPort, ok, startServer, type Handler, type TestServer } from './servers.js';

/** Runs fn with a server and a session on it; both are closed afterwards whatever happens. */
async function withSession(
  handler: Handler,
  opts: Partial<HttpSessionOptions>,
  fn: (t: CwmpTransport, srv: TestServer) => Promise<void>,
): Promise<void> {
  const srv = await startServer(handler);
  const t = openHttpSession({ url: srv.url, ...opts });
  try {
    await fn(t, srv);
  } finally {
    await t.close();
    await srv.close();
  }
}

function isTransportError(kind: TransportError['kind'], message: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof TransportError, `expected a TransportError, got ${String(e)}`);
    assert.equal(e.kind, kind, `kind of "${e.message}"`);
    assert.match(e.message, message);
    return true;
  };
}

const rawHeader = (raw: string[], name: string) => {
  const i = raw.findIndex((h, n) => n % 2 === 0 && h.toLowerCase() === name.toLowerCase());
  return i < 0 ? undefined : raw[i + 1];
};

test('one keep-alive connection for the whole session; CWMP headers on full and empty POSTs', async () => {
  await withSession((_req, res) => ok(res), { userAgent: 'tr069-client/test' }, async (t, srv) => {
    const r = await t.post('<Inform/>');
    assert.equal(r.status, 200);
    assert.equal(r.body, '<ok/>');
    assert.equal(r.localAddress, '127.0.0.1');
    await t.post('<éé/>');
    await t.post(null);
    await t.post(null);
    assert.equal(t.localAddress(), '127.0.0.1');
    assert.equal(srv.connections(), 1);
    assert.deepEqual(srv.seen.map((s) => s.connection), [1, 1, 1, 1]);

    const [full, utf8, empty] = srv.seen;
    assert.equal(full.method, 'POST');
    assert.equal(full.url, '/acs');
    assert.equal(full.headers['content-type'], 'text/xml; charset="utf-8"');
    assert.equal(rawHeader(full.rawHeaders, 'SOAPAction'), '', 'SOAPAction present with no value');
    assert.equal(full.headers['content-length'], '9');
    assert.equal(full.headers['user-agent'], 'tr069-client/test');
    assert.equal(utf8.headers['content-length'], String(Buffer.byteLength('<éé/>')));
    assert.equal(utf8.body, '<éé/>');
    assert.equal(empty.headers['content-length'], '0');
    assert.equal(empty.headers['content-type'], undefined);
    assert.equal(rawHeader(empty.rawHeaders, 'SOAPAction'), undefined);
    for (const s of srv.seen) {
      assert.equal(s.headers.expect, undefined);
      assert.equal(s.headers['transfer-encoding'], undefined);
      assert.equal(s.headers.authorization, undefined, 'no credentials configured');
    }
  });
});

test('cookies: every cookie of the session on every later POST, whatever its Path; none in the next session', async () => {
  let n = 0;
  const handler: Handler = (_req, res) => {
    n++;
    if (n === 1) ok(res, '<r/>', { 'Set-Cookie': ['session=0123456789abcdef; Path=/genieacs', 'JSESSIONID=j1; HttpOnly', 'sec=1; Secure'] });
    else if (n === 2) ok(res, '<r/>', { 'Set-Cookie': 'JSESSIONID=j2; Max-Age=3600' });
    else if (n === 3) ok(res, '<r/>', { 'Set-Cookie': 'JSESSIONID=gone; Max-Age=0' });
    else ok(res);
  };
  const srv = await startServer(handler);
  try {
    const t = openHttpSession({ url: srv.url });
    try {
      for (let i = 0; i < 4; i++) await t.post(i === 0 ? '<Inform/>' : null);
    } finally {
      await t.close();
    }
    const cookies = srv.seen.map((s) => s.headers.cookie);
    assert.equal(cookies[0], undefined);
    assert.equal(cookies[1], 'session=0123456789abcdef; JSESSIONID=j1', 'Path ignored, Secure cookie kept off plain http');
    assert.equal(cookies[2], 'session=0123456789abcdef; JSESSIONID=j2', 'a cookie is replaced by a newer value');
    assert.equal(cookies[3], 'session=0123456789abcdef', 'Max-Age=0 deletes');

    const next = openHttpSession({ url: srv.url });
    try {
      await next.post('<Inform/>');
    } finally {
      await next.close();
    }
    assert.equal(srv.seen[4].headers.cookie, undefined, 'the jar dies with its session');
  } finally {
    await srv.close();
  }
});

test('redirects: the same body goes to Location (relative or absolute) for the rest of the session', async () => {
  const b = await startServer((_req, res) => ok(res, '<from-b/>'));
  try {
    await withSession(
      (req, res) => {
        if (req.url === '/acs') res.writeHead(302, { Location: '/elsewhere?x=1', 'Content-Length': 0 }).end();
        else res.writeHead(307, { Location: b.url, 'Content-Length': 0 }).end();
      },
      {},
      async (t, a) => {
        const r = await t.post('<Inform>1</Inform>');
        assert.equal(r.status, 200);
        assert.equal(r.body, '<from-b/>');
        await t.post(null);
        assert.deepEqual(a.seen.map((s) => s.url), ['/acs', '/elsewhere?x=1']);
        assert.deepEqual(a.seen.map((s) => s.body), ['<Inform>1</Inform>', '<Inform>1</Inform>']);
        assert.deepEqual(b.seen.map((s) => [s.url, s.body]), [['/acs', '<Inform>1</Inform>'], ['/acs', '']]);
        assert.equal(b.seen[0].headers['content-type'], 'text/xml; charset="utf-8"');
      },
    );
    // The next session starts again at the configured URL.
    await withSession((_req, res) => ok(res), {}, async (t, srv) => {
      await t.post('<x/>');
      assert.equal(srv.seen.length, 1);
    });
  } finally {
    await b.close();
  }
});

test('every redirect status is followed (301, 302, 303, 307, 308); more than maxRedirects is an error', async () => {
  const statuses = [301, 303, 308, 302, 307];
  await withSession(
    (req, res, seen) => {
      const i = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('i') ?? 0);
      if (i < statuses.length || seen.body === '<y/>') res.writeHead(statuses[i % statuses.length], { Location: `/acs?i=${i + 1}`, 'Content-Length': 0 }).end();
      else ok(res);
    },
    {},
    async (t, srv) => {
      assert.equal((await t.post('<x/>')).status, 200);
      assert.equal(srv.seen.length, 6);
      assert.ok(srv.seen.every((s) => s.method === 'POST' && s.body === '<x/>'));
      // Five redirects used up: the sixth in this session is one too many.
      await assert.rejects(t.post('<y/>'), isTransportError('protocol', /too many redirects/));
    },
  );
  await withSession(
    (_req, res) => res.writeHead(301, { Location: '/loop', 'Content-Length': 0 }).end(),
    { maxRedirects: 2 },
    async (t, srv) => {
      await assert.rejects(t.post('<x/>'), isTransportError('protocol', /too many redirects \(more than 2/));
      assert.equal(srv.seen.length, 3);
    },
  );
});

test('Retry-After on 503/429 (seconds or HTTP-date); other statuses are returned as they are', async () => {
  const replies: [number, Record<string, string>][] = [
    [503, { 'Retry-After': '120' }],
    [429, { 'Retry-After': new Date(Date.now() + 60_000).toUTCString() }],
    [503, { 'Retry-After': 'soon' }],
    [500, { 'Retry-After': '5' }],
    [400, {}],
  ];
  let i = 0;
  await withSession(
    (_req, res) => {
      const [status, h] = replies[i++];
      res.writeHead(status, { ...h, 'Content-Length': 7 }).end('problem');
    },
    {},
    async (t) => {
      const r1 = await t.post('<x/>');
      assert.deepEqual([r1.status, r1.retryAfterSeconds, r1.body], [503, 120, 'problem']);
      const r2 = await t.post('<x/>');
      assert.equal(r2.status, 429);
      assert.ok(r2.retryAfterSeconds !== undefined && r2.retryAfterSeconds >= 55 && r2.retryAfterSeconds <= 61, String(r2.retryAfterSeconds));
      const r3 = await t.post('<x/>');
      assert.equal(r3.retryAfterSeconds, undefined, 'unreadable Retry-After is ignored');
      const r4 = await t.post('<x/>');
      assert.deepEqual([r4.status, r4.retryAfterSeconds], [500, undefined]);
      assert.equal((await t.post('<x/>')).status, 400);
    },
  );
});

test('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('0', now), 0);
  assert.equal(parseRetryAfter(' 3600 ', now), 3600);
  assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:01:30 GMT', now), 90);
  assert.equal(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now), 0, 'a date in the past means now');
  assert.equal(parseRetryAfter('-5', now), undefined);
  assert.equal(parseRetryAfter('1.5', now), undefined);
  assert.equal(parseRetryAfter('later', now), undefined);
  assert.equal(parseRetryAfter(undefined, now), undefined);
});

test('no reply within replyMs is a timeout; so is a body that stops half-way', async () => {
  await withSession(() => undefined, { timeouts: { replyMs: 200 } }, async (t) => {
    await assert.rejects(t.post('<x/>'), isTransportError('timeout', /^no reply from the ACS within 0\.2 s$/));
  });
  await withSession(
    (_req, res) => {
      res.writeHead(200, { 'Content-Length': 100 });
      res.write('<partial');
    },
    { timeouts: { replyMs: 200 } },
    async (t) => {
      await assert.rejects(t.post('<x/>'), isTransportError('timeout', /reply did not arrive completely within 0\.2 s/));
    },
  );
});

test('a reply larger than maxBodyBytes is refused, declared or chunked', async () => {
  const big = 'x'.repeat(2000);
  await withSession((_req, res) => ok(res, big), { maxBodyBytes: 1024 }, async (t) => {
    await assert.rejects(t.post('<x/>'), isTransportError('protocol', /^the ACS's reply is larger than 1 KiB$/));
  });
  await withSession(
    (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/xml' });
      for (let i = 0; i < 4; i++) res.write(big);
      res.end();
    },
    { maxBodyBytes: 5000 },
    async (t) => {
      await assert.rejects(t.post('<x/>'), isTransportError('protocol', /larger than 5000 bytes/));
    },
  );
  const bomb = gzipSync(Buffer.alloc(100_000));
  await withSession(
    (_req, res) => res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': bomb.length }).end(bomb),
    { maxBodyBytes: 10_000 },
    async (t) => {
      await assert.rejects(t.post('<x/>'), isTransportError('protocol', /larger than/));
    },
  );
});

test('chunked, gzip and non-UTF-8 replies are read', async () => {
  const replies: ((res: import('node:http').ServerResponse) => void)[] = [
    (res) => {
      res.writeHead(200, { 'Content-Type': 'text/xml; charset="utf-8"', 'Transfer-Encoding': 'chunked' });
      res.write('<a>');
      res.write('é</a>');
      res.end();
    },
    (res) => {
      const z = gzipSync('<gz/>');
      res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': z.length }).end(z);
    },
    (res) => {
      const latin = Buffer.from([0x3c, 0x61, 0x3e, 0xe9, 0x3c, 0x2f, 0x61, 0x3e]); // <a>é</a> in ISO-8859-1
      res.writeHead(200, { 'Content-Type': 'text/xml; charset=ISO-8859-1', 'Content-Length': latin.length }).end(latin);
    },
    (res) => res.writeHead(204, { Connection: 'close' }).end(),
  ];
  let i = 0;
  await withSession((_req, res) => replies[i++](res), {}, async (t) => {
    assert.equal((await t.post('<x/>')).body, '<a>é</a>');
    assert.equal((await t.post(null)).body, '<gz/>');
    assert.equal((await t.post(null)).body, '<a>é</a>');
    const end = await t.post(null);
    assert.deepEqual([end.status, end.body], [204, '']);
  });
});

test('a connection dropped after a complete exchange: the next POST reconnects, cookies kept', async () => {
  let n = 0;
  await withSession(
    (req, res, seen) => {
      n++;
      if (n === 1) {
        ok(res, '<r/>', { 'Set-Cookie': 'session=abc' });
        res.on('finish', () => setImmediate(() => req.socket.destroy()));
      } else if (n === 2 && seen.connection === 2) {
        ok(res);
      } else if (n === 3) {
        // The ACS closes an idle keep-alive connection just as the next POST arrives.
        req.socket.destroy();
      } else {
        ok(res);
      }
    },
    {},
    async (t, srv) => {
      await t.post('<Inform/>');
      await new Promise((r) => setTimeout(r, 50));
      assert.equal((await t.post(null)).status, 200);
      assert.equal((await t.post('<resp/>')).status, 200);
      assert.deepEqual(srv.seen.map((s) => [s.connection, s.headers.cookie]), [
        [1, undefined],
        [2, 'session=abc'],
        [2, 'session=abc'],
        [3, 'session=abc'],
      ]);
      assert.deepEqual(srv.seen.map((s) => s.body), ['<Inform/>', '', '<resp/>', '<resp/>']);
    },
  );
});

test('the connection dropping before the reply on a fresh connection is a closed error', async () => {
  await withSession((req) => req.socket.destroy(), {}, async (t, srv) => {
    await assert.rejects(t.post('<Inform/>'), isTransportError('closed', /^the ACS closed the connection before replying$/));
    assert.equal(srv.seen.length, 1, 'not retried: the request went out on a new connection');
  });
});

test('connection refused, bad URLs, and use after close', async () => {
  const port = await closedPort();
  const t = openHttpSession({ url: `http://127.0.0.1:${port}/acs` });
  await assert.rejects(t.post('<x/>'), isTransportError('connect', new RegExp(`^cannot connect to 127\\.0\\.0\\.1:${port}: connection refused$`)));
  await t.close();
  await assert.rejects(t.post('<x/>'), isTransportError('closed', /already closed/));
  assert.throws(() => openHttpSession({ url: 'not a url' }), isTransportError('protocol', /not a valid URL/));
  assert.throws(() => openHttpSession({ url: 'ftp://acs.example.com/' }), isTransportError('protocol', /http:\/\/ or https:\/\//));
});

test('close() during a POST ends it with a closed error', async () => {
  await withSession(() => undefined, {}, async (t) => {
    const pending = t.post('<x/>');
    await new Promise((r) => setTimeout(r, 50));
    await t.close();
    await assert.rejects(pending, isTransportError('closed', /closed while waiting for the ACS/));
  });
});

test('one POST at a time (CWMP forbids pipelining)', async () => {
  await withSession(
    (_req, res) => setTimeout(() => ok(res), 50),
    {},
    async (t) => {
      const first = t.post('<a/>');
      await assert.rejects(t.post('<b/>'), /pipelining/);
      assert.equal((await first).status, 200);
    },
  );
});

// ---- authentication over plain HTTP ---------------------------------------------------------

/** A GenieACS-like Digest server: one challenge per connection, the nonce bound to the connection. */
function digestServer(password: string, opts: { closeOnChallenge?: boolean; stale?: boolean } = {}): Handler {
  const nonces = new Map<number, string>();
  let staleSent = false;
  return (req, res, seen) => {
    const a = parseAuthorization(req.headers.authorization);
    // A server that closes after its challenge cannot bind the nonce to the connection.
    const nonce = opts.closeOnChallenge ? [...nonces.values()].pop() : nonces.get(seen.connection);
    const p = a?.params ?? {};
    const good =
      a?.scheme === 'digest' &&
      p.nonce === nonce &&
      p.response ===
        digestResponse({ username: p.username, realm: p.realm, password, nonce: p.nonce, method: 'POST', uri: p.uri, qop: p.qop, nc: p.nc, cnonce: p.cnonce, body: seen.body });
    if (good && opts.stale && !staleSent) {
      staleSent = true;
      const n = `n${seen.connection}-stale`;
      nonces.set(seen.connection, n);
      res.writeHead(401, { 'WWW-Authenticate': `Digest realm="GenieACS",qop="auth",nonce="${n}",stale=true`, 'Content-Length': 0 }).end();
      return;
    }
    if (good) return ok(res);
    const n = `n${seen.connection}-${Math.random().toString(16).slice(2)}`;
    nonces.set(seen.connection, n);
    res.writeHead(401, {
      'WWW-Authenticate': `Digest realm="GenieACS",qop="auth,auth-int",nonce="${n}"`,
      'Content-Length': 12,
      ...(opts.closeOnChallenge ? { Connection: 'close' } : {}),
    });
    res.end('Unauthorized');
  };
}

test('Digest: the challenge is answered on the same connection; Authorization with nc+1 on later POSTs', async () => {
  await withSession(digestServer('pw'), { username: 'cpe', password: 'pw' }, async (t, srv) => {
    assert.equal((await t.post('<Inform/>')).status, 200);
    assert.equal((await t.post(null)).status, 200);
    assert.equal((await t.post('<r/>')).status, 200);
    assert.equal(srv.connections(), 1);
    const auths = srv.seen.map((s) => parseAuthorization(s.headers.authorization)?.params);
    assert.equal(auths[0], undefined, 'no credentials before the challenge over plain http');
    assert.deepEqual(auths.slice(1).map((p) => [p?.qop, p?.nc, p?.uri, p?.username]), [
      ['auth', '00000001', '/acs', 'cpe'],
      ['auth', '00000002', '/acs', 'cpe'],
      ['auth', '00000003', '/acs', 'cpe'],
    ]);
    assert.equal(new Set(auths.slice(1).map((p) => p?.cnonce)).size, 1, 'one cnonce per connection');
    assert.equal(srv.seen[1].body, '<Inform/>', 'the same body is sent again');
  });
});

test('Digest: a challenge with Connection: close is answered on a new connection; a reconnect is re-challenged', async () => {
  await withSession(digestServer('pw', { closeOnChallenge: true }), { username: 'cpe', password: 'pw' }, async (t, srv) => {
    assert.equal((await t.post('<Inform/>')).status, 200);
    assert.deepEqual(srv.seen.map((s) => s.connection), [1, 2]);
  });
  const inner = digestServer('pw');
  await withSession(
    (req, res, seen) => {
      void inner(req, res, seen);
      if (seen.connection === 1 && res.statusCode === 200) res.on('finish', () => setImmediate(() => req.socket.destroy()));
    },
    { username: 'cpe', password: 'pw' },
    async (t, srv) => {
      await t.post('<Inform/>');
      await new Promise((r) => setTimeout(r, 50));
      assert.equal((await t.post(null)).status, 200);
      assert.deepEqual(srv.seen.map((s) => [s.connection, res401(s)]), [[1, true], [1, false], [2, true], [2, false]]);
      const cn = srv.seen.map((s) => parseAuthorization(s.headers.authorization)?.params.cnonce);
      assert.notEqual(cn[1], cn[3], 'a fresh cnonce on the new connection');
    },
  );
  function res401(s: { headers: { authorization?: string }; connection: number }): boolean {
    // The first POST on each connection carries no valid nonce for that connection.
    return !s.headers.authorization || !parseAuthorization(s.headers.authorization)?.params.nonce?.startsWith(`n${s.connection}-`);
  }
});

test('Digest stale=true gets one more answer', async () => {
  await withSession(digestServer('pw', { stale: true }), { username: 'cpe', password: 'pw' }, async (t, srv) => {
    assert.equal((await t.post('<Inform/>')).status, 200);
    assert.equal(srv.seen.length, 3);
  });
});

test('wrong password: one answer, then "ACS refused the password (HTTP 401)"; the password never shows', async () => {
  const logged: string[] = [];
  const log = { debug: (obj: object, msg: string) => logged.push(`${msg} ${JSON.stringify(obj)}`) };
  await withSession(digestServer('right'), { username: 'cpe', password: 'S3cr3t-wrong', log }, async (t, srv) => {
    const err = await t.post('<Inform/>').catch((e: unknown) => e);
    isTransportError('auth', /^ACS refused the password \(HTTP 401\)$/)(err);
    assert.equal((err as TransportError).status, 401);
    assert.doesNotMatch(JSON.stringify({ ...(err as object), m: (err as Error).message, s: (err as Error).stack }), /S3cr3t/);
    assert.equal(srv.seen.length, 2);
  });
  assert.ok(logged.some((l) => l.startsWith('ACS challenge')), 'the log says what happened');
  assert.ok(logged.every((l) => !l.includes('S3cr3t') && !l.includes('Authorization')), logged.join('\n'));
});

test('401 without configured credentials, or without a usable challenge', async () => {
  await withSession(digestServer('pw'), {}, async (t, srv) => {
    await assert.rejects(t.post('<Inform/>'), isTransportError('auth', /^ACS requires a username and password \(HTTP 401\)$/));
    assert.equal(srv.seen.length, 1);
  });
  await withSession(
    (_req, res) => res.writeHead(401, { 'WWW-Authenticate': 'Negotiate', 'Content-Length': 0 }).end(),
    { username: 'u', password: 'p' },
    async (t) => {
      await assert.rejects(t.post('<Inform/>'), isTransportError('auth', /authentication we cannot give \(negotiate\)/));
    },
  );
});

test('Basic challenge over plain http is answered with Basic; Digest is preferred when both are offered', async () => {
  const basic = Buffer.from('cpe:pw').toString('base64');
  await withSession(
    (req, res) => {
      if (req.headers.authorization === `Basic ${basic}`) return ok(res);
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="acs"', 'Content-Length': 0 }).end();
    },
    { username: 'cpe', password: 'pw' },
    async (t, srv) => {
      assert.equal((await t.post('<Inform/>')).status, 200);
      assert.equal((await t.post(null)).status, 200);
      assert.deepEqual(srv.seen.map((s) => s.headers.authorization), [undefined, `Basic ${basic}`, `Basic ${basic}`]);
    },
  );
  await withSession(
    (req, res) => {
      if (req.headers.authorization?.startsWith('Digest ')) return ok(res);
      res.writeHead(401, { 'WWW-Authenticate': ['Basic realm="acs"', 'Digest realm="acs", nonce="n1", qop="auth"'], 'Content-Length': 0 }).end();
    },
    { username: 'cpe', password: 'pw' },
    async (t) => {
      assert.equal((await t.post('<Inform/>')).status, 200);
    },
  );
});

test('credentials in the URL are used and never sent in the request line', async () => {
  const basic = Buffer.from('user:p@ss').toString('base64');
  const srv = await startServer((req, res) => {
    if (req.headers.authorization === `Basic ${basic}`) return ok(res);
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="acs"', 'Content-Length': 0 }).end();
  });
  const t = openHttpSession({ url: srv.url.replace('http://', 'http://user:p%40ss@') });
  try {
    assert.equal((await t.post('<x/>')).status, 200);
    assert.ok(srv.seen.every((s) => s.url === '/acs' && s.headers.host === `127.0.0.1:${srv.port}`));
  } finally {
    await t.close();
    await srv.close();
  }
});

test('a redirect to another server after authentication: the new server may challenge again', async () => {
  const b = await startServer(digestServer('pw'));
  const basic = `Basic ${Buffer.from('cpe:pw').toString('base64')}`;
  try {
    await withSession(
      (req, res) => {
        if (req.headers.authorization !== basic) return res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="a"', 'Content-Length': 0 }).end();
        res.writeHead(307, { Location: b.url, 'Content-Length': 0 }).end();
      },
      { username: 'cpe', password: 'pw' },
      async (t, a) => {
        assert.equal((await t.post('<Inform/>')).status, 200);
        assert.equal((await t.post('')).status, 200, "post('') is the empty POST");
        assert.equal(a.seen.length, 2);
        assert.deepEqual(b.seen.map((s) => [s.body, s.headers.authorization?.split(' ')[0], s.headers['content-type']]), [
          ['<Inform/>', undefined, 'text/xml; charset="utf-8"'],
          ['<Inform/>', 'Digest', 'text/xml; charset="utf-8"'],
          ['', 'Digest', undefined],
        ]);
      },
    );
  } finally {
    await b.close();
  }
});
