// The download client's own HTTP/1.1 GET (src/transfers/http-get.ts): response framing, the
// chunked decoder, backpressure (also over TLS, which hands over records after a pause), limits,
// timeouts and cancellation, against raw servers on 127.0.0.1 that send exactly the bytes we want.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import fc from 'fast-check';
import { ChunkedDecoder, HttpGetError, httpGet, parseHead, type ConnectSettings } from '../../src/transfers/http-get.js';
import { makeCert, tempDir } from './helpers.js';

const SETTINGS: ConnectSettings = { rejectUnauthorized: true, connectTimeoutMs: 5000, headersTimeoutMs: 5000 };

/** A server that reads the request head, records it, then runs `answer` on the raw socket. */
async function rawServer(answer: (sock: Socket, request: string) => void, tls?: { key: Buffer; cert: Buffer }) {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const onConnection = (sock: Socket): void => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    let head = '';
    const onData = (b: Buffer): void => {
      head += b.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      sock.off('data', onData);
      requests.push(head);
      answer(sock, head);
    };
    sock.on('data', onData);
  };
  const server: Server = tls ? createTlsServer(tls, onConnection) : createServer(onConnection);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    requests,
    url: (path: string) => new URL(`${tls ? 'https' : 'http'}://127.0.0.1:${port}${path}`),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Reads the whole body, copying each piece (pieces are views of a reused buffer). */
async function readAll(res: Awaited<ReturnType<typeof httpGet>>): Promise<Buffer> {
  const parts: Buffer[] = [];
  await res.readBody({ data: (p) => (parts.push(Buffer.from(p)), true) });
  return Buffer.concat(parts);
}

function get(url: URL, settings: ConnectSettings = SETTINGS, signal = new AbortController().signal) {
  return httpGet({ url, headers: { 'user-agent': 'ua-test' }, signal }, settings);
}

function code(c: string) {
  return (e: unknown) => {
    assert.ok(e instanceof HttpGetError, `expected an HttpGetError, got ${String(e)}`);
    assert.equal(e.code, c, e.message);
    return true;
  };
}

/** Writes the parts one by one with a pause between them (so they arrive as separate reads). */
async function dribble(sock: Socket, parts: (string | Buffer)[]): Promise<void> {
  for (const p of parts) {
    if (sock.destroyed) return;
    sock.write(p);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('parseHead: status, repeated headers as arrays, strict lines', () => {
  const h = parseHead('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nX-Empty:\r\nX-Sp:  v  ');
  assert.equal(h.statusCode, 200);
  assert.equal(h.headers['content-length'], '5');
  assert.deepEqual(h.headers['set-cookie'], ['a=1', 'b=2']);
  assert.equal(h.headers['x-empty'], '');
  assert.equal(h.headers['x-sp'], 'v');
  assert.equal(parseHead('HTTP/1.0 404').statusCode, 404);
  for (const bad of [
    'HTTP/2 200 OK',
    'HTTP/1.1 20 OK',
    'ICY 200 OK',
    'HTTP/1.1 200 OK\r\n folded: line',
    'HTTP/1.1 200 OK\r\nbad name: x',
    'HTTP/1.1 200 OK\r\nx: a\nb',
    'HTTP/1.1 200 OK\r\nx: a\u0000b',
    'HTTP/1.1 200 OK\r\nno-colon',
  ]) {
    assert.throws(() => parseHead(bad), code('ERR_BAD_RESPONSE'), JSON.stringify(bad));
  }
});

/** Encodes data as chunks of the given sizes, with an extension and a trailer here and there. */
function chunkedEncoding(data: Buffer, sizes: number[]): Buffer {
  const out: Buffer[] = [];
  let off = 0;
  for (const [i, s] of sizes.entries()) {
    if (off >= data.length) break;
    const piece = data.subarray(off, off + Math.max(1, s));
    off += piece.length;
    out.push(Buffer.from(`${piece.length.toString(16)}${i % 3 === 1 ? ';ext=1' : ''}\r\n`), piece, Buffer.from('\r\n'));
  }
  if (off < data.length) out.push(Buffer.from(`${(data.length - off).toString(16).toUpperCase()}\r\n`), data.subarray(off), Buffer.from('\r\n'));
  out.push(Buffer.from(sizes.length % 2 ? '0\r\nx-trailer: 1\r\n\r\n' : '0\r\n\r\n'));
  return Buffer.concat(out);
}

test('property: the chunked decoder rebuilds the body whatever the splits and pauses', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 3000 }),
      fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 12 }),
      fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 20 }),
      fc.array(fc.boolean(), { minLength: 1, maxLength: 30 }),
      (bytes, sizes, cuts, stops) => {
        const data = Buffer.from(bytes);
        const wire = chunkedEncoding(data, sizes);
        const d = new ChunkedDecoder();
        const got: Buffer[] = [];
        let k = 0;
        let pos = 0;
        for (let round = 0; pos < wire.length && !d.done; round++) {
          assert.ok(round < 100_000, 'the decoder makes progress');
          const piece = wire.subarray(pos, pos + cuts[round % cuts.length]);
          // a stop leaves the rest of the piece unused; it is offered again next round
          pos += d.feed(piece, (p) => (got.push(Buffer.from(p)), !stops[k++ % stops.length]));
        }
        assert.ok(d.done);
        assert.equal(pos, wire.length);
        assert.deepEqual(Buffer.concat(got), data);
      },
    ),
    { numRuns: 300 },
  );
});

test('the chunked decoder rejects broken framing', () => {
  for (const bad of ['x\r\n', '\r\n', '5\r\nabcdef\r\n', '5\r\nabcde\n', '5\nabcde\r\n', 'fffffffffffffff\r\n', '0\r\nbad\n\r\n']) {
    const d = new ChunkedDecoder();
    assert.throws(() => d.feed(Buffer.from(bad), () => true), code('ERR_BAD_RESPONSE'), JSON.stringify(bad));
  }
});

test('Content-Length, chunked and close-delimited bodies; 1xx skipped; the request sent', async (t) => {
  const body = randomBytes(200_000);
  const srv = await rawServer((sock, req) => {
    const path = req.split(' ')[1];
    if (path === '/length') {
      // head and body in pieces, then bytes past the declared length (ignored)
      void dribble(sock, ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nCont', `ent-Length: ${body.length}\r\n\r\n`, body, 'EXTRA']);
    } else if (path === '/chunked') {
      void dribble(sock, ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', chunkedEncoding(body, [1, 10, 70_000, 3])]);
    } else if (path === '/close') {
      sock.end(Buffer.concat([Buffer.from('HTTP/1.0 200 OK\r\n\r\n'), body]));
    } else if (path === '/empty') {
      sock.end('HTTP/1.1 204 No Content\r\n\r\n');
    }
  });
  t.after(() => srv.close());
  for (const path of ['/length', '/chunked', '/close']) {
    const res = await get(srv.url(path));
    assert.equal(res.statusCode, 200);
    assert.deepEqual(await readAll(res), body, path);
  }
  const empty = await get(srv.url('/empty'));
  assert.equal(empty.statusCode, 204);
  assert.equal((await readAll(empty)).length, 0);
  const [first] = srv.requests;
  assert.match(first, /^GET \/length HTTP\/1\.1\r\n/);
  assert.match(first, new RegExp(`\r\nhost: 127\\.0\\.0\\.1:${srv.url('/').port}\r\n`));
  assert.match(first, /\r\nuser-agent: ua-test\r\n/);
  assert.match(first, /\r\nconnection: close\r\n\r\n$/);
});

test('cut bodies and malformed heads are errors', async (t) => {
  const srv = await rawServer((sock, req) => {
    const path = req.split(' ')[1];
    const answers: Record<string, string> = {
      '/cut': 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this',
      '/cut-chunked': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n',
      '/no-head': 'HTTP/1.1 200 OK\r\nContent-Le',
      '/both': 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n',
      '/gzip': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n',
      '/two-lengths': 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd',
      '/same-lengths': 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc',
      '/switch': 'HTTP/1.1 101 Switching Protocols\r\n\r\n',
      '/huge-head': `HTTP/1.1 200 OK\r\n${'x-pad: 0123456789abcdef\r\n'.repeat(1000)}\r\n`,
    };
    sock.end(answers[path] ?? 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
  });
  t.after(() => srv.close());
  await assert.rejects(get(srv.url('/cut')).then(readAll), code('ERR_BODY_INCOMPLETE'));
  await assert.rejects(get(srv.url('/cut-chunked')).then(readAll), code('ERR_BODY_INCOMPLETE'));
  await assert.rejects(get(srv.url('/no-head')), code('ERR_BODY_INCOMPLETE'));
  await assert.rejects(get(srv.url('/both')), code('ERR_BAD_RESPONSE'));
  await assert.rejects(get(srv.url('/gzip')), code('ERR_BAD_RESPONSE'));
  await assert.rejects(get(srv.url('/two-lengths')), code('ERR_BAD_RESPONSE'));
  assert.equal((await get(srv.url('/same-lengths')).then(readAll)).toString(), 'abc');
  await assert.rejects(get(srv.url('/switch')), code('ERR_BAD_RESPONSE'));
  await assert.rejects(get(srv.url('/huge-head')), code('ERR_BAD_RESPONSE'));
  const nf = await get(srv.url('/other'));
  assert.equal(nf.statusCode, 404);
  nf.destroy();
});

test('a line break in a header value is refused before anything is sent', async (t) => {
  const srv = await rawServer((sock) => sock.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
  t.after(() => srv.close());
  await assert.rejects(
    httpGet({ url: srv.url('/x'), headers: { authorization: 'Basic x\r\nx-injected: 1' }, signal: new AbortController().signal }, SETTINGS),
    /line break/,
  );
  assert.equal(srv.requests.length, 0);
});

/** Body of `size` bytes; the sink stops after every `every`-th piece and resumes a little later. */
async function backpressure(url: URL, settings: ConnectSettings, size: number, every: number): Promise<string> {
  const res = await get(url, settings);
  const hash = createHash('sha256');
  let bytes = 0;
  let paused = false;
  let pieces = 0;
  let stops = 0;
  await res.readBody({
    data(p) {
      assert.equal(paused, false, 'no data while stopped');
      hash.update(p);
      bytes += p.length;
      if (++pieces % every !== 0) return true;
      paused = true;
      stops++;
      setTimeout(() => {
        paused = false;
        res.resume();
      }, 1);
      return false;
    },
  });
  assert.equal(bytes, size);
  assert.ok(stops >= 2 && stops === Math.floor(pieces / every), `the sink stopped the flow ${stops} times in ${pieces} pieces`);
  return hash.digest('hex');
}

test('backpressure: nothing arrives while the sink is stopped, the bytes come in order (HTTP and HTTPS)', async (t) => {
  const dir = await tempDir('get');
  const cert = await makeCert(dir);
  const body = randomBytes(4 * 1024 * 1024);
  const expected = createHash('sha256').update(body).digest('hex');
  const answer = (sock: Socket): void => {
    sock.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`);
    sock.end(body);
  };
  const plain = await rawServer(answer);
  const secure = await rawServer(answer, { key: cert.key, cert: cert.cert });
  t.after(() => Promise.all([plain.close(), secure.close()]));
  const tlsSettings = { ...SETTINGS, ca: cert.cert };
  for (const [url, s] of [
    [plain.url('/'), SETTINGS],
    [secure.url('/'), tlsSettings],
  ] as const) {
    // stopping after every piece: TLS keeps handing over already decrypted records, which wait
    for (const every of [1, 5]) assert.equal(await backpressure(url, s, body.length, every), expected);
    const res = await get(url, s);
    assert.equal(createHash('sha256').update(await readAll(res)).digest('hex'), expected);
  }
  // a wrong CA is a TLS error before any response
  await assert.rejects(get(secure.url('/'), SETTINGS), (e: unknown) => /CERT|SELF_SIGNED|UNABLE/.test(String((e as { code?: string }).code)));
});

test('headers timeout, abort before and during the body, destroy', async (t) => {
  const srv = await rawServer((sock, req) => {
    if (req.startsWith('GET /silent')) return; // never answers
    sock.write('HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\nstart');
    // ...and then nothing more
  });
  t.after(() => srv.close());
  await assert.rejects(get(srv.url('/silent'), { ...SETTINGS, headersTimeoutMs: 100 }), code('ERR_HEADERS_TIMEOUT'));

  const early = new AbortController();
  early.abort('early');
  await assert.rejects(get(srv.url('/silent'), SETTINGS, early.signal), (e: unknown) => e === 'early');

  const ac = new AbortController();
  const res = await get(srv.url('/slow'), SETTINGS, ac.signal);
  const reading = res.readBody({ data: () => true });
  setTimeout(() => ac.abort('cancelled'), 50);
  await assert.rejects(reading, (e: unknown) => e === 'cancelled');

  const res2 = await get(srv.url('/slow'));
  const reading2 = res2.readBody({ data: () => true });
  res2.destroy(new Error('gone'));
  await assert.rejects(reading2, /gone/);
  await assert.rejects(res2.readBody({ data: () => true }), /twice/);
});
