// Acceptance 2 of the transfers issue: failed firmware downloads end in a TransferComplete with the
// fault code of cwmp-cpe.md §7.3 and a FaultString a person understands; file-server passwords
// (Basic and Digest) work when given. All ten Downloads arrive in one session and run one by one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assertAccepted, assertRealTime, download, manifest, sha256, transferTest } from './harness.js';

const TC_FAULT_CODES = new Set([0, 9001, 9002, 9010, 9011, 9012, 9014, 9015, 9016, 9017, 9018, 9019, 9020]);

test('failed downloads: 9016, 9018, 9017, 9012, 9010 with readable reasons; passwords accepted when right', async (t) => {
  await transferTest(t, async (h) => {
    const f = h.files;
    const img = randomBytes(4096);
    const img2 = randomBytes(1000);
    f.route('/img.npk', { body: img });
    f.route('/img2.npk', { body: img2 });
    f.route('/chunked.npk', { body: randomBytes(500), chunked: true });
    f.route('/bad-image.npk', { body: 'FAIL: this image is broken\n' });
    // 404: the second of three links is missing.
    f.route('/m404.xml', {
      body: manifest([
        { url: f.url('/img.npk'), sha256: sha256(img), size: img.length },
        { url: f.url('/missing.npk') },
        { url: f.url('/img2.npk') },
      ]),
    });
    f.route('/mbad.xml', { body: manifest([{ url: f.url('/img.npk') }], { version: '2' }) });
    f.route('/msha.xml', { body: manifest([{ url: f.url('/img.npk'), sha256: sha256(img2) }]) });
    const basic = { scheme: 'basic' as const, username: 'fw', password: 'basic-pass' };
    const digest = { scheme: 'digest' as const, username: 'fw', password: 'digest-pass' };
    f.route('/basic/img.npk', { body: img, auth: basic });
    f.route('/digest/img2.npk', { body: img2, auth: digest });
    // A manifest behind Digest whose link is too: the Download's credentials serve both.
    f.route('/digest/upgrade.xml', { body: manifest([{ url: f.url('/digest/img2.npk'), sha256: sha256(img2), size: img2.length }]), auth: digest });

    const upgradeLog = join(h.scratch, 'upgrade.log');
    const upgrade = join(h.scratch, 'upgrade.sh');
    await writeFile(
      upgrade,
      `echo "$TR069_COMMAND_KEY $#" >> '${upgradeLog}'\n` +
        `for f in "$@"; do if grep -q FAIL "$f"; then echo "installer: image rejected (bad signature)" >&2; exit 1; fi; done\n`,
    );

    const cases: { key: string; url: string; code: number; reason?: RegExp; fileSize?: number; username?: string; password?: string }[] = [
      { key: 'f-404', url: f.url('/m404.xml'), code: 9016, reason: /127\.0\.0\.1:\d+ answered HTTP 404/ },
      { key: 'f-size-long', url: f.url('/img.npk'), fileSize: 4000, code: 9018, reason: /sends 4096 bytes but 4000 were expected/ },
      { key: 'f-size-short', url: f.url('/chunked.npk'), fileSize: 800, code: 9017, reason: /received 500 of the expected 800 bytes/ },
      { key: 'f-manifest', url: f.url('/mbad.xml'), code: 9018, reason: /invalid upgrade manifest: unsupported version "2"/ },
      { key: 'f-sha', url: f.url('/msha.xml'), code: 9018, reason: /checksum mismatch for http:\/\/127\.0\.0\.1:\d+\/img\.npk/ },
      { key: 'f-auth-none', url: f.url('/basic/img.npk'), code: 9012, reason: /requires authentication and no credentials were given/ },
      { key: 'f-auth-wrong', url: f.url('/digest/img2.npk'), username: 'fw', password: 'nope', code: 9012, reason: /refused the credentials/ },
      { key: 'ok-basic', url: f.url('/basic/img.npk'), username: 'fw', password: 'basic-pass', fileSize: img.length, code: 0 },
      { key: 'ok-digest', url: f.url('/digest/upgrade.xml'), username: 'fw', password: 'digest-pass', code: 0 },
      { key: 'f-upgrade', url: f.url('/bad-image.npk'), code: 9010, reason: /^upgrade-command exited with code 1: installer: image rejected \(bad signature\)$/ },
    ];
    const answers = h.acs.queue(
      ...cases.map((c) => download({ commandKey: c.key, url: c.url, fileSize: c.fileSize ?? 0, username: c.username ?? '', password: c.password ?? '' })),
    );
    // reboot-command empty: a successful upgrade is reported at once.
    await h.start({ 'upgrade-command': `/bin/sh '${upgrade}'`, 'reboot-command': '' });
    for (const a of await answers) assertAccepted(a.answer, 'DownloadResponse');

    const tcs = await h.acknowledged(cases.map((c) => c.key));
    for (const c of cases) {
      const tc = tcs[c.key];
      assert.ok(TC_FAULT_CODES.has(tc.faultStruct.faultCode), `${c.key}: ${tc.faultStruct.faultCode} is allowed in TransferComplete`);
      assert.equal(tc.faultStruct.faultCode, c.code, `${c.key}: fault ${tc.faultStruct.faultCode} "${tc.faultStruct.faultString}"`);
      if (c.reason) assert.match(tc.faultStruct.faultString, c.reason, c.key);
      else assert.equal(tc.faultStruct.faultString, '', c.key);
      assertRealTime(tc.completeTime, `${c.key} CompleteTime`);
      assert.equal(h.transferCompletes(c.key).length, 1, `${c.key}: one TransferComplete`);
    }
    // upgrade-command only ever saw complete, verified downloads.
    const ran = (await readFile(upgradeLog, 'utf8')).trim().split('\n').sort();
    assert.deepEqual(ran, ['f-upgrade 1', 'ok-basic 1', 'ok-digest 1']);
    assert.equal(f.hits('/img2.npk'), 0, 'the link after the 404 was not fetched');
    // Credentials went only where a 401 asked for them, never pre-emptively.
    for (const r of f.requests.filter((x) => !x.path.startsWith('/basic/') && !x.path.startsWith('/digest/'))) {
      assert.equal(r.headers.authorization, undefined, `no credentials sent to ${r.path}`);
    }
    // The file-server passwords never reach the log.
    for (const d of h.daemons) {
      assert.doesNotMatch(d.log(), /basic-pass|digest-pass/);
    }
  });
});
