import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, stat, symlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import fc from 'fast-check';
import { downloadToFile, pathInside, safeLocalName } from '../../src/transfers/http-download.js';
import { TransferFault } from '../../src/transfers/faults.js';
import { TransferAborted } from '../../src/transfers/http-common.js';
import { FileServer, makeCert, sha256, tempDir } from './helpers.js';

function fault(code: number, re?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof TransferFault, `expected a TransferFault, got ${String(e)}`);
    assert.equal(e.faultCode, code, e.message);
    if (re) assert.match(e.message, re);
    return true;
  };
}

async function setup(): Promise<{ srv: FileServer; dir: string }> {
  return { srv: await FileServer.start(), dir: await tempDir('dl') };
}

test('streams the file to disk (0600); FileSize and chunked bodies; an expected SHA-256 is checked', async (t) => {
  const { srv, dir } = await setup();
  t.after(() => srv.close());
  const data = randomBytes(300_000);
  srv.route('/img.bin', { body: data }).route('/chunked.bin', { body: data, chunked: true });
  const f = await downloadToFile({ url: srv.url('/img.bin'), dir, expectedSize: data.length });
  assert.equal(f.size, data.length);
  assert.equal(f.sha256, undefined, 'nothing hashed when no checksum is expected');
  assert.equal(dirname(f.path), resolve(dir));
  assert.deepEqual(await readFile(f.path), data);
  assert.equal((await stat(f.path)).mode & 0o777, 0o600);
  const g = await downloadToFile({ url: srv.url('/chunked.bin'), dir, prefix: '02', sha256: sha256(data).toUpperCase() });
  assert.equal(g.sha256, sha256(data));
  assert.deepEqual(await readFile(g.path), data);

  const wrong = sha256('something else');
  await assert.rejects(
    downloadToFile({ url: srv.url('/chunked.bin'), dir, prefix: '03', sha256: wrong }),
    fault(9018, /checksum mismatch .*SHA-256 [0-9a-f]{64}/),
  );
  assert.deepEqual((await readdir(dir)).sort(), [basename(f.path), basename(g.path)].sort(), 'the mismatching file is removed');
});

test('HTTP errors map to fault codes and leave no file behind', async (t) => {
  const { srv, dir } = await setup();
  t.after(() => srv.close());
  const data = randomBytes(50_000);
  srv
    .route('/gone', { status: 410 })
    .route('/err', { status: 500 })
    .route('/short', { body: data, truncateAt: 1000 })
    .route('/ok', { body: data });
  await assert.rejects(downloadToFile({ url: srv.url('/missing'), dir }), fault(9016, /HTTP 404/));
  await assert.rejects(downloadToFile({ url: srv.url('/gone'), dir }), fault(9016, /HTTP 410/));
  await assert.rejects(downloadToFile({ url: srv.url('/err'), dir }), fault(9016, /HTTP 500/));
  await assert.rejects(downloadToFile({ url: srv.url('/short'), dir }), fault(9017));
  // FileSize disagreeing with Content-Length: corrupted; a short body against FileSize: incomplete
  await assert.rejects(downloadToFile({ url: srv.url('/ok'), dir, expectedSize: 10 }), fault(9018, /expected/));
  srv.route('/ok-chunked', { body: data, chunked: true });
  await assert.rejects(downloadToFile({ url: srv.url('/ok-chunked'), dir, expectedSize: data.length + 5 }), fault(9017, /received 50000/));
  await assert.rejects(downloadToFile({ url: srv.url('/ok-chunked'), dir, expectedSize: 100 }), fault(9018, /larger than the expected/));
  await assert.rejects(downloadToFile({ url: srv.url('/ok'), dir, maxBytes: 1000 }), fault(9010, /too large/));
  await assert.rejects(downloadToFile({ url: srv.url('/ok-chunked'), dir, maxBytes: 1000 }), fault(9010, /limit/));
  assert.deepEqual(await readdir(dir), []);
});

test('cannot contact: refused port, unresolvable host → 9015', async () => {
  const dir = await tempDir('dl');
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  await assert.rejects(downloadToFile({ url: `http://127.0.0.1:${port}/x`, dir }), fault(9015, /refused/));
  await assert.rejects(downloadToFile({ url: 'http://no-such-host.invalid/x', dir }), fault(9015));
});

test('Basic and Digest: right credentials work, wrong or missing ones are 9012', async (t) => {
  const { srv, dir } = await setup();
  t.after(() => srv.close());
  srv
    .route('/basic', { body: 'B', auth: { scheme: 'basic', username: 'acs', password: 'pw' } })
    .route('/digest', { body: 'D', auth: { scheme: 'digest', username: 'acs', password: 'pw' } })
    .route('/forbidden', { status: 403 });
  const b = await downloadToFile({ url: srv.url('/basic'), dir, username: 'acs', password: 'pw', prefix: 'b' });
  assert.equal(await readFile(b.path, 'utf8'), 'B');
  const d = await downloadToFile({ url: srv.url('/digest'), dir, username: 'acs', password: 'pw', prefix: 'd' });
  assert.equal(await readFile(d.path, 'utf8'), 'D');
  await assert.rejects(downloadToFile({ url: srv.url('/basic'), dir, username: 'acs', password: 'no' }), fault(9012, /refused/));
  await assert.rejects(downloadToFile({ url: srv.url('/digest'), dir, username: 'acs', password: 'no' }), fault(9012));
  await assert.rejects(downloadToFile({ url: srv.url('/digest'), dir }), fault(9012, /no credentials/));
  await assert.rejects(downloadToFile({ url: srv.url('/forbidden'), dir, username: 'a', password: 'b' }), fault(9012, /403/));
  // credentials are only sent when asked for
  const first = srv.requests.find((r) => r.path === '/basic');
  assert.equal(first?.headers.authorization, undefined);
});

test('redirects: followed up to 5, then 9016; never to other schemes', async (t) => {
  const { srv, dir } = await setup();
  t.after(() => srv.close());
  srv.route('/final', { body: 'F' });
  for (let i = 1; i <= 6; i++) srv.route(`/r${i}`, { redirect: i === 1 ? '/final' : `/r${i - 1}`, status: i % 2 ? 302 : 307 });
  const f = await downloadToFile({ url: srv.url('/r5'), dir });
  assert.equal(await readFile(f.path, 'utf8'), 'F');
  await assert.rejects(downloadToFile({ url: srv.url('/r6'), dir }), fault(9016, /more than 5 redirects/));
  srv.route('/to-file', { redirect: 'file:///etc/passwd' });
  await assert.rejects(downloadToFile({ url: srv.url('/to-file'), dir }), fault(9016, /unsupported protocol/));
});

test('HTTPS verified against the CA file; an unknown certificate is 9015', async (t) => {
  const dir = await tempDir('dl');
  const cert = await makeCert(dir);
  const srv = await FileServer.start({ key: cert.key, cert: cert.cert });
  t.after(() => srv.close());
  srv.route('/secure.bin', { body: 'S' });
  const out = join(dir, 'out');
  await mkdir(out);
  const f = await downloadToFile({ url: srv.url('/secure.bin'), dir: out }, { caFile: cert.caFile });
  assert.equal(await readFile(f.path, 'utf8'), 'S');
  await assert.rejects(downloadToFile({ url: srv.url('/secure.bin'), dir: out }), fault(9015, /TLS|certificate/));
  // https → http downgrade refused
  srv.route('/down', { redirect: 'http://127.0.0.1:1/x' });
  await assert.rejects(downloadToFile({ url: srv.url('/down'), dir: out }, { caFile: cert.caFile }), fault(9016, /https to plain http/));
});

test('idle and total time limits → 9017; abort signal → TransferAborted', async (t) => {
  const { srv, dir } = await setup();
  t.after(() => srv.close());
  srv.route('/slow', { body: randomBytes(100_000), trickle: { chunk: 100, intervalMs: 200 } });
  await assert.rejects(downloadToFile({ url: srv.url('/slow'), dir }, { idleTimeoutMs: 50 }), fault(9017, /idle/));
  await assert.rejects(downloadToFile({ url: srv.url('/slow'), dir }, { totalTimeoutMs: 300 }), fault(9017, /within/));
  const ac = new AbortController();
  setTimeout(() => ac.abort('cancel'), 200);
  await assert.rejects(downloadToFile({ url: srv.url('/slow'), dir, signal: ac.signal }), (e: unknown) => e instanceof TransferAborted && e.reason === 'cancel');
  assert.deepEqual(await readdir(dir), []);
});

test('hostile names from the URL or TargetFileName never leave the directory', async (t) => {
  const { srv, dir } = await setup();
  t.after(() => srv.close());
  srv.route('/a/..%2f..%2f..%2fetc%2fpasswd', { body: 'x' });
  const f = await downloadToFile({ url: srv.url('/a/..%2f..%2f..%2fetc%2fpasswd'), dir });
  assert.equal(dirname(f.path), resolve(dir));
  srv.route('/b', { body: 'y' });
  for (const hint of ['../../../../tmp/evil', '/etc/shadow', '..', '.', '.hidden', 'a\\..\\..\\b', '']) {
    const g = await downloadToFile({ url: srv.url('/b'), dir, nameHint: hint, prefix: sha256(hint).slice(0, 6) });
    assert.equal(dirname(g.path), resolve(dir), hint);
  }
  // a pre-planted symlink at the target name is never written through
  await symlink('/tmp/not-here', join(dir, 'z-b'));
  await assert.rejects(downloadToFile({ url: srv.url('/b'), dir, prefix: 'z' }), /EEXIST/);
});

test('property: safeLocalName is always one plain segment inside the directory', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), fc.constantFrom('', '00', '07'), (hint, prefix) => {
      const name = safeLocalName(hint, prefix);
      assert.match(name, /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,110}$/);
      assert.equal(dirname(pathInside('/srv/x', name)), '/srv/x');
    }),
    { numRuns: 3000 },
  );
});
