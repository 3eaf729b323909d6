import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DigestServer, parseAuthorizationHeader } from '../../src/connreq/digest-server.js';
import { digestAuthorization, genieacsAuthorization, parseChallenges } from '../helpers/digest-client.js';

const creds = { username: 'acs', password: 's3cret' };
const uri = '/cr-9f2c';

function firstChallenge(server: DigestServer, stale = false) {
  const [ch] = parseChallenges(server.challenge(stale));
  return ch;
}

function answer(server: DigestServer, over: Partial<Parameters<typeof digestAuthorization>[1]> = {}) {
  return digestAuthorization(firstChallenge(server), { ...creds, method: 'GET', uri, ...over });
}

test('challenge: MD5 only by default, realm first, qop auth, opaque, stale only when asked', () => {
  const s = new DigestServer({ realm: 'r1' });
  const values = s.challenge();
  assert.equal(values.length, 1);
  assert.match(values[0], /^Digest realm="r1", qop="auth", nonce="[A-Za-z0-9_-]{35}", opaque="[^"]+", algorithm=MD5$/);
  assert.match(s.challenge(true)[0], /, stale=true, algorithm=MD5$/);
  assert.notEqual(parseChallenges(s.challenge())[0].params.nonce, parseChallenges(s.challenge())[0].params.nonce);
});

test('challenge with SHA-256: SHA-256 first, MD5 last, same realm and nonce', () => {
  const s = new DigestServer({ offerSha256: true });
  const [sha, md5] = parseChallenges(s.challenge());
  assert.equal(sha.params.algorithm, 'SHA-256');
  assert.equal(md5.params.algorithm, 'MD5');
  assert.equal(sha.params.nonce, md5.params.nonce);
  assert.equal(sha.params.realm, md5.params.realm);
});

test('valid MD5 and SHA-256 answers are accepted; nc must then increase (the nonce is shared)', () => {
  const s = new DigestServer({ offerSha256: true });
  const [sha, md5] = parseChallenges(s.challenge());
  const md5At = (nc: number) => digestAuthorization(md5, { ...creds, method: 'GET', uri, nc });
  const shaAt = (nc: number) => digestAuthorization(sha, { ...creds, method: 'GET', uri, nc });
  assert.deepEqual(s.verify(md5At(1), 'GET', uri, creds), { ok: true });
  assert.deepEqual(s.verify(shaAt(1), 'GET', uri, creds), { ok: false, reason: 'replay' });
  assert.deepEqual(s.verify(shaAt(2), 'GET', uri, creds), { ok: true });
  assert.deepEqual(s.verify(md5At(2), 'GET', uri, creds), { ok: false, reason: 'replay' });
  assert.deepEqual(s.verify(md5At(5), 'GET', uri, creds), { ok: true });
  assert.deepEqual(s.verify(md5At(4), 'GET', uri, creds), { ok: false, reason: 'replay' });
});

test('GenieACS answers (MD5, merged parsing) are accepted with and without SHA-256 offered', () => {
  for (const offerSha256 of [false, true]) {
    const s = new DigestServer({ offerSha256 });
    const joined = s.challenge().join(', '); // what Node gives GenieACS for repeated headers
    const auth = genieacsAuthorization(joined, creds.username, creds.password, uri);
    assert.match(auth, /,algorithm=MD5,qop=auth,nc=00000001,cnonce="[0-9a-f]{16}",/);
    assert.deepEqual(s.verify(auth, 'GET', uri, creds), { ok: true }, `offerSha256=${offerSha256}`);
  }
});

test('wrong username, password, realm, uri, method, nonce and opaque are refused', () => {
  const s = new DigestServer();
  const v = (h: string, target = uri, method = 'GET') => s.verify(h, method, target, creds);
  assert.deepEqual(v(answer(s, { username: 'other' })), { ok: false, reason: 'credentials' });
  assert.deepEqual(v(answer(s, { password: 'nope' })), { ok: false, reason: 'credentials' });
  assert.deepEqual(v(answer(s, { realm: 'elsewhere' })), { ok: false, reason: 'realm' });
  assert.deepEqual(v(answer(s), '/other-path'), { ok: false, reason: 'uri' });
  assert.deepEqual(v(answer(s, { method: 'POST' })), { ok: false, reason: 'credentials' });
  // A nonce from another server instance (another process / secret) is not ours.
  assert.deepEqual(v(answer(new DigestServer())), { ok: false, reason: 'nonce' });
  const tampered = answer(s).replace(/opaque="[^"]*"/, 'opaque="x"');
  assert.deepEqual(v(tampered), { ok: false, reason: 'nonce' });
  // Nonce with one character changed: bad signature.
  const ch = firstChallenge(s);
  const n = ch.params.nonce;
  ch.params.nonce = (n[0] === 'A' ? 'B' : 'A') + n.slice(1);
  assert.deepEqual(v(digestAuthorization(ch, { ...creds, method: 'GET', uri })), { ok: false, reason: 'nonce' });
});

test('absolute-form uri matches the origin-form request target', () => {
  const s = new DigestServer();
  const h = answer(s, { uri: `http://127.0.0.1:7547${uri}` });
  assert.deepEqual(s.verify(h, 'GET', uri, creds), { ok: true });
});

test('an expired nonce with a correct answer is stale; with a wrong answer it is just wrong', () => {
  let now = 1_000;
  const s = new DigestServer({ now: () => now, nonceLifetimeMs: 60_000 });
  const good = answer(s);
  const bad = answer(s, { password: 'x' });
  now += 60_001;
  assert.deepEqual(s.verify(good, 'GET', uri, creds), { ok: false, reason: 'stale' });
  assert.deepEqual(s.verify(bad, 'GET', uri, creds), { ok: false, reason: 'credentials' });
});

test('the replay map is bounded; an evicted nonce is refused as stale, never replayable', () => {
  let now = 1_000;
  const s = new DigestServer({ now: () => now, maxTrackedNonces: 4 });
  const first = firstChallenge(s);
  now += 1;
  assert.deepEqual(s.verify(digestAuthorization(first, { ...creds, method: 'GET', uri, nc: 1 }), 'GET', uri, creds), { ok: true });
  for (let i = 0; i < 10; i++) {
    now += 1;
    assert.deepEqual(s.verify(answer(s), 'GET', uri, creds), { ok: true });
    assert.ok(s.trackedNonces <= 4);
  }
  // `first` was evicted: a replay of nc=1 (or even nc=2) must not pass.
  assert.deepEqual(s.verify(digestAuthorization(first, { ...creds, method: 'GET', uri, nc: 1 }), 'GET', uri, creds), { ok: false, reason: 'stale' });
  assert.deepEqual(s.verify(digestAuthorization(first, { ...creds, method: 'GET', uri, nc: 2 }), 'GET', uri, creds), { ok: false, reason: 'stale' });
});

test('refusals by kind: missing, other scheme, malformed, unsupported', () => {
  const s = new DigestServer();
  const v = (h: string | undefined) => s.verify(h, 'GET', uri, creds);
  assert.deepEqual(v(undefined), { ok: false, reason: 'missing' });
  assert.deepEqual(v('  '), { ok: false, reason: 'missing' });
  assert.deepEqual(v('Basic YWNzOnMzY3JldA=='), { ok: false, reason: 'scheme' });
  assert.deepEqual(v('Bearer x=y'), { ok: false, reason: 'scheme' });
  assert.deepEqual(v('Digest'), { ok: false, reason: 'malformed' });
  assert.deepEqual(v('Digest username="a'), { ok: false, reason: 'malformed' });
  assert.deepEqual(v('Digest username="a", username="b"'), { ok: false, reason: 'malformed' });
  assert.deepEqual(v(answer(s).replace(/nc=\w+/, 'nc=zz')), { ok: false, reason: 'malformed' });
  assert.deepEqual(v(answer(s).replace(/nc=\w+/, 'nc=00000000')), { ok: false, reason: 'malformed' });
  assert.deepEqual(v(answer(s).replace(/response="\w+"/, 'response="abc"')), { ok: false, reason: 'malformed' });
  assert.deepEqual(v(answer(s, { omitQop: true })), { ok: false, reason: 'unsupported' });
  assert.deepEqual(v(answer(s).replace('algorithm=MD5', 'algorithm=MD5-sess')), { ok: false, reason: 'unsupported' });
  assert.deepEqual(v(answer(s).replace('qop=auth', 'qop=auth-int')), { ok: false, reason: 'unsupported' });
  assert.deepEqual(v(answer(s) + ', userhash=true'), { ok: false, reason: 'unsupported' });
  assert.deepEqual(v('Digest ' + 'a=b, '.repeat(1000)), { ok: false, reason: 'malformed' });
});

test('parseAuthorizationHeader: quoting, escapes, spacing, empty list elements', () => {
  const p = parseAuthorizationHeader('Digest  a="x, \\"y\\"" ,, b = tok ,c=""');
  assert.ok(p);
  assert.equal(p.scheme, 'Digest');
  assert.deepEqual(Object.fromEntries(p.params), { a: 'x, "y"', b: 'tok', c: '' });
  assert.equal(parseAuthorizationHeader('Digest a="unterminated'), null);
  assert.equal(parseAuthorizationHeader('Digest a=b c=d'), null);
  assert.equal(parseAuthorizationHeader('Digest =b'), null);
});

test('property: verify never throws and never accepts arbitrary headers', () => {
  const s = new DigestServer();
  const prefix = fc.constantFrom('', 'Digest ', 'digest ', 'Digest username="acs", ');
  fc.assert(
    fc.property(prefix, fc.string({ maxLength: 300 }), (p, rest) => {
      const r = s.verify(p + rest, 'GET', uri, creds);
      assert.equal(r.ok, false);
    }),
    { numRuns: 2000 },
  );
});

test('property: any mutation of one parameter of a valid answer is refused', () => {
  fc.assert(
    fc.property(fc.constantFrom('username', 'realm', 'nonce', 'uri', 'response', 'cnonce', 'nc'), fc.string({ minLength: 1, maxLength: 8 }), (param, junk) => {
      const s = new DigestServer();
      const h = answer(s);
      const mutated = h.replace(new RegExp(`(${param}=")([^"]*)"|(${param}=)(\\w+)`), (_m, q1: string, v1: string, q2: string, v2: string) =>
        q1 !== undefined ? `${q1}${v1}${junk.replace(/["\\]/g, '')}x"` : `${q2}${v2}1`,
      );
      assert.notEqual(mutated, h);
      assert.equal(s.verify(mutated, 'GET', uri, creds).ok, false);
    }),
    { numRuns: 300 },
  );
});
