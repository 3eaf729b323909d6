import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import {
  basicAuthorization,
  digestAuthorization,
  digestResponse,
  parseAuthorization,
  parseChallenge,
  selectChallenge,
  type Challenge,
} from '../../src/transport/digest.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

test('Basic: RFC 7617 examples (ASCII and UTF-8)', () => {
  assert.equal(basicAuthorization('Aladdin', 'open sesame'), 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
  assert.equal(basicAuthorization('test', '123\u00a3'), 'Basic dGVzdDoxMjPCow==');
});

test('parses the GenieACS challenge', () => {
  const [ch, ...rest] = parseChallenge('Digest realm="GenieACS",qop="auth,auth-int",nonce="0123456789abcdef0123456789abcdef"');
  assert.equal(rest.length, 0);
  assert.equal(ch.scheme, 'digest');
  assert.deepEqual(ch.params, { realm: 'GenieACS', qop: 'auth,auth-int', nonce: '0123456789abcdef0123456789abcdef' });
});

test('parses several challenges in one header, escapes and token68 (RFC 9110 §11.6.1 example)', () => {
  const chs = parseChallenge('Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"');
  assert.deepEqual(chs, [
    { scheme: 'newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
    { scheme: 'basic', params: { realm: 'simple' } },
  ]);
  const t68 = parseChallenge('Negotiate YIIBhgYGKwYBBQUCoII=, Basic realm="x",  Bearer');
  assert.deepEqual(t68, [
    { scheme: 'negotiate', params: {}, token68: 'YIIBhgYGKwYBBQUCoII=' },
    { scheme: 'basic', params: { realm: 'x' } },
    { scheme: 'bearer', params: {} },
  ]);
});

test('parser is lenient: case, spaces around =, unquoted values, empty elements, junk, header arrays', () => {
  const [d] = parseChallenge('  ,DIGEST Realm = "r" ,, NONCE=abc/def+=, qop=auth , stale=TRUE');
  assert.equal(d.scheme, 'digest');
  assert.deepEqual(d.params, { realm: 'r', nonce: 'abc/def+=', qop: 'auth', stale: 'TRUE' });
  assert.deepEqual(parseChallenge('=junk, "quoted, junk", Basic realm="a,b"'), [{ scheme: 'basic', params: { realm: 'a,b' } }]);
  assert.deepEqual(parseChallenge('Digest realm="unterminated'), [{ scheme: 'digest', params: { realm: 'unterminated' } }]);
  assert.deepEqual(parseChallenge(['Basic realm="one"', 'Digest realm="two", nonce="n"']).map((c) => c.scheme), ['basic', 'digest']);
  assert.deepEqual(parseChallenge(''), []);
  assert.deepEqual(parseChallenge(undefined), []);
});

test('parser never throws and round-trips quoted values', () => {
  fc.assert(
    fc.property(fc.string(), (s) => {
      parseChallenge(s);
    }),
  );
  fc.assert(
    fc.property(fc.string(), fc.string(), (a, b) => {
      const q = (v: string) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
      const [ch] = parseChallenge(`Digest realm=${q(a)}, nonce=${q(b)}`);
      assert.deepEqual(ch.params, { realm: a, nonce: b });
    }),
  );
});

test('parseAuthorization reads a client Authorization header', () => {
  const a = parseAuthorization('Digest username="Mufasa", realm="r", nc=00000001, response="abc"');
  assert.equal(a?.scheme, 'digest');
  assert.equal(a?.params.username, 'Mufasa');
  assert.equal(parseAuthorization('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==')?.token68, 'QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
});

test('Digest MD5 qop=auth: RFC 2617 §3.5 example', () => {
  const [ch] = parseChallenge(
    'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
  );
  const h = digestAuthorization(ch, {
    username: 'Mufasa',
    password: 'Circle Of Life',
    method: 'GET',
    uri: '/dir/index.html',
    cnonce: '0a4f113b',
    nc: 1,
  });
  assert.equal(
    h,
    'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", ' +
      'uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", ' +
      'response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
  );
});

const rfc7616 = (algorithm: string) =>
  parseChallenge(
    `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algorithm}, ` +
      'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
  )[0];
const rfc7616Input = {
  username: 'Mufasa',
  password: 'Circle of Life',
  method: 'GET',
  uri: '/dir/index.html',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  nc: 1,
};

test('Digest MD5 and SHA-256: RFC 7616 §3.9.1 examples', () => {
  const m = digestAuthorization(rfc7616('MD5'), rfc7616Input);
  assert.match(m, /response="8ca523f5e9506fed4657c9700eebdbec"/);
  assert.match(m, /algorithm=MD5, qop=auth, nc=00000001, cnonce="f2\/wE4q74E6zIJEtWaHKaf5wv\/H5QzzpXusqGemxURZJ"/);
  const s = digestAuthorization(rfc7616('SHA-256'), rfc7616Input);
  assert.match(s, /response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"/);
  assert.match(s, /algorithm=SHA-256/);
  assert.match(s, /opaque="FQhe\/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"/);
});

test('selectChallenge prefers Digest, and the strongest algorithm; skips what it cannot answer', () => {
  const chs = parseChallenge(
    'Basic realm="b", Digest realm="r", nonce="n", algorithm=MD5, Digest realm="r", nonce="n", algorithm=SHA-256, ' +
      'Digest realm="r", nonce="n", algorithm=SHA-1024',
  );
  assert.equal(selectChallenge(chs)?.params.algorithm, 'SHA-256');
  assert.equal(selectChallenge(parseChallenge('Digest realm="r", nonce="n", algorithm=FOO, Basic realm="b"'))?.scheme, 'basic');
  assert.equal(selectChallenge(parseChallenge('Digest realm="r", nonce="n", qop="auth-conf"')), undefined);
  assert.equal(selectChallenge(parseChallenge('Digest realm="r"')), undefined, 'no nonce');
  assert.equal(selectChallenge(parseChallenge('Bearer realm="x"')), undefined);
});

test('Digest MD5-sess, SHA-256-sess, auth-int and legacy no-qop follow the RFC formulas', () => {
  const base = { username: 'u', password: 'p', method: 'POST', uri: '/acs?x=1', cnonce: 'cn', nc: 10 };
  const ch = (extra: string): Challenge => parseChallenge(`Digest realm="R", nonce="N"${extra}`)[0];
  const get = (h: string, k: string) => new RegExp(`${k}="?([^",]*)"?`).exec(h)?.[1];

  const sess = digestAuthorization(ch(', algorithm=MD5-sess, qop="auth"'), base);
  const ha1 = md5(`${md5('u:R:p')}:N:cn`);
  assert.equal(get(sess, 'response'), md5(`${ha1}:N:0000000a:cn:auth:${md5('POST:/acs?x=1')}`));
  assert.equal(get(sess, 'nc'), '0000000a');

  const sha = (s: string) => createHash('sha256').update(s).digest('hex');
  const sha256sess = digestAuthorization(ch(', algorithm=SHA-256-sess, qop="auth"'), base);
  const sha1 = sha(`${sha('u:R:p')}:N:cn`);
  assert.equal(get(sha256sess, 'response'), sha(`${sha1}:N:0000000a:cn:auth:${sha('POST:/acs?x=1')}`));

  const body = '<soap-env:Envelope>é</soap-env:Envelope>';
  const int = digestAuthorization(ch(', qop="auth-int"'), { ...base, body });
  assert.equal(get(int, 'qop'), 'auth-int');
  assert.equal(
    get(int, 'response'),
    md5(`${md5('u:R:p')}:N:0000000a:cn:auth-int:${md5(`POST:/acs?x=1:${createHash('md5').update(Buffer.from(body)).digest('hex')}`)}`),
  );

  const legacy = digestAuthorization(ch(''), base);
  assert.equal(get(legacy, 'response'), md5(`${md5('u:R:p')}:N:${md5('POST:/acs?x=1')}`));
  assert.doesNotMatch(legacy, /qop=|nc=|cnonce=|algorithm=/);

  assert.throws(() => digestAuthorization(ch(', algorithm=SHA-1024'), base), /unsupported Digest algorithm/);
  assert.throws(() => digestAuthorization(parseChallenge('Basic realm="x"')[0], base), /not a Digest challenge/);
});

test('Digest escapes the username and uses username* / userhash when asked (RFC 7616 §3.4.4)', () => {
  const [ch] = parseChallenge('Digest realm="R", nonce="N", qop="auth"');
  const h = digestAuthorization(ch, { username: 'a"b\\c', password: 'p', method: 'POST', uri: '/', cnonce: 'c' });
  assert.match(h, /^Digest username="a\\"b\\\\c", /);
  assert.equal(parseAuthorization(h)?.params.username, 'a"b\\c');
  const u = digestAuthorization(ch, { username: 'Jäsøn', password: 'p', method: 'POST', uri: '/', cnonce: 'c' });
  assert.match(u, /username\*=UTF-8''J%C3%A4s%C3%B8n/);
  const [hashed] = parseChallenge('Digest realm="R", nonce="N", qop="auth", algorithm=SHA-256, userhash=true');
  const uh = digestAuthorization(hashed, { username: 'u', password: 'p', method: 'POST', uri: '/', cnonce: 'c' });
  assert.match(uh, new RegExp(`username="${createHash('sha256').update('u:R').digest('hex')}"`));
  assert.match(uh, /userhash=true/);
});

test('digestResponse verifies what curl sends (an independent Digest client), MD5 and SHA-256', async (t) => {
  const curl = await new Promise<boolean>((resolve) => execFile('curl', ['--version'], (e) => resolve(!e)));
  if (!curl) {
    t.skip('curl is not installed');
    return;
  }
  for (const algorithm of ['MD5', 'SHA-256']) {
    const seen: boolean[] = [];
    const server = createServer((req, res) => {
      const a = parseAuthorization(req.headers.authorization);
      if (a?.scheme !== 'digest') {
        res.writeHead(401, { 'WWW-Authenticate': `Digest realm="test", qop="auth", nonce="abc123", algorithm=${algorithm}` });
        res.end();
        return;
      }
      const p = a.params;
      const ok =
        p.response ===
        digestResponse({ algorithm: p.algorithm, username: p.username, realm: p.realm, password: 'sécret pw', nonce: p.nonce,
          method: req.method ?? '', uri: p.uri, qop: p.qop, nc: p.nc, cnonce: p.cnonce });
      seen.push(ok);
      res.writeHead(ok ? 200 : 403);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const status = await new Promise<string>((resolve, reject) =>
        execFile('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--digest', '-u', 'cpe:sécret pw',
          `http://127.0.0.1:${port}/path?q=1`], (e, out) => (e ? reject(e) : resolve(out))),
      );
      assert.equal(status, '200', `${algorithm}: curl's Digest answer verified`);
      assert.deepEqual(seen, [true]);
    } finally {
      server.close();
    }
  }
});
