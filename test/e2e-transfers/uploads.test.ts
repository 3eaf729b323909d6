// Acceptance 5 of the transfers issue: Upload "1 Vendor Configuration File" and "2 Vendor Log File"
// to a loopback server taking PUT, and the configuration round trip (Upload, change a setting,
// Download "3 Vendor Configuration File" of the uploaded file → the setting is back).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAccepted, download, transferTest, upload } from './harness.js';

const ACS_PASSWORD = 'acs-secret-pw';
const UPLOAD_PASSWORD = 'upload-secret-pw';

test('uploads of the configuration (secrets left out) and the log; the uploaded configuration restores a setting', async (t) => {
  await transferTest(t, async (h) => {
    h.files.route('/up/config.txt', { upload: ['PUT'] });
    h.files.route('/up/log.txt', { upload: ['PUT'], auth: { scheme: 'digest', username: 'uploader', password: UPLOAD_PASSWORD } });

    const answers = h.acs.queue(
      upload({ commandKey: 'u-config', fileType: '1 Vendor Configuration File', url: h.files.url('/up/config.txt') }),
      upload({ commandKey: 'u-log', fileType: '2 Vendor Log File', url: h.files.url('/up/log.txt'), username: 'uploader', password: UPLOAD_PASSWORD }),
    );
    await h.start({ username: 'acs-user', password: ACS_PASSWORD, 'provisioning-code': 'site-42' });
    for (const a of await answers) assertAccepted(a.answer, 'UploadResponse');
    const tcs = await h.acknowledged(['u-config', 'u-log']);
    for (const k of ['u-config', 'u-log']) assert.equal(tcs[k].faultStruct.faultCode, 0, `${k}: ${tcs[k].faultStruct.faultString}`);

    const puts = (path: string) => h.files.requests.filter((x) => x.path === path && x.method === 'PUT' && x.body.length > 0);
    assert.equal(puts('/up/config.txt').length, 1, 'one PUT of the configuration');
    const config = puts('/up/config.txt')[0].body.toString('utf8');
    const lines = config.trim().split('\n');
    assert.equal(lines[0], '# tr069-client configuration export');
    for (const l of lines.filter((x) => !x.startsWith('#'))) assert.match(l, /^tr069-client set [a-z0-9-]+=\S*$/, 'only set lines');
    assert.ok(lines.includes('tr069-client set provisioning-code=site-42'), config);
    assert.ok(lines.includes('tr069-client set username=acs-user'), config);
    assert.ok(lines.includes(`tr069-client set acs-url=${h.acs.url}`), config);
    assert.doesNotMatch(config, /password|xfer-cr-secret|acs-secret-pw/, 'secrets left out');

    // Credentials only in answer to the server's challenge: PUT, 401, PUT with Digest.
    const logPuts = puts('/up/log.txt');
    assert.deepEqual(logPuts.map((x) => x.headers.authorization?.split(' ')[0]), [undefined, 'Digest']);
    const log = logPuts[1].body.toString('utf8');
    assert.match(log, /tr069-client started/);
    assert.match(log, /"commandKey":"u-config"/, 'the log tells about the transfers');
    assert.doesNotMatch(log, new RegExp(`${ACS_PASSWORD}|${UPLOAD_PASSWORD}|xfer-cr-secret`), 'no secret in the log');

    // Round trip: the operator changes a setting, the ACS restores the uploaded configuration.
    await h.cli('set', 'provisioning-code=changed-locally');
    assert.equal(JSON.parse(await h.cli('print', '--json'))['provisioning-code'], 'changed-locally');
    h.files.route('/restore/config.txt', { body: config });
    // After it, a tampered export: all or nothing, so its valid line is not applied either.
    h.files.route('/restore/tampered.txt', {
      body: '# tr069-client configuration export\ntr069-client set provisioning-code=evil\ntr069-client set no-such-setting=1\n',
    });
    const restore = h.acs.queue(
      download({ commandKey: 'd-restore', fileType: '3 Vendor Configuration File', url: h.files.url('/restore/config.txt') }),
      download({ commandKey: 'd-tampered', fileType: '3 Vendor Configuration File', url: h.files.url('/restore/tampered.txt') }),
    );
    await h.connectionRequest();
    for (const a of await restore) assertAccepted(a.answer, 'DownloadResponse');
    const done = await h.acknowledged(['d-restore', 'd-tampered']);
    const tc = done['d-restore'];
    assert.equal(tc.faultStruct.faultCode, 0, tc.faultStruct.faultString);
    assert.equal(done['d-tampered'].faultStruct.faultCode, 9010);
    assert.match(done['d-tampered'].faultStruct.faultString, /^configuration rejected: no-such-setting: unknown setting/);
    const after = JSON.parse(await h.cli('print', '--json')) as Record<string, unknown>;
    assert.equal(after['provisioning-code'], 'site-42', 'restored');
    assert.equal(after.password, '********', 'a secret missing from the file is left as it was');
    assert.equal(after.username, 'acs-user');
  });
});
