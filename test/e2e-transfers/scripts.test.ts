// Acceptance 4 of the transfers issue: Download "3 Vendor Configuration File" of a `.alter` script
// runs it with script-command (RouterOS "configuration alteration"); a failing script and disabled
// scripts (`set script-command=`) end in a fault with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assertAccepted, download, transferTest } from './harness.js';

const CONFIG = '3 Vendor Configuration File';

test('.alter scripts: run by script-command; exit 3 and disabled scripts are faults with the reason', async (t) => {
  await transferTest(t, async (h) => {
    const marker = join(h.scratch, 'marker');
    const marker2 = join(h.scratch, 'marker-disabled');
    h.files.route('/scripts/hello.alter', { body: `echo "altered by $TR069_COMMAND_KEY" > '${marker}'\n` });
    h.files.route('/scripts/fail.alter', { body: 'echo "step 2 of 5 failed: no such interface ether9" >&2\nexit 3\n' });
    h.files.route('/scripts/later.alter', { body: `touch '${marker2}'\n` });

    const answers = h.acs.queue(
      download({ commandKey: 's-ok', fileType: CONFIG, url: h.files.url('/scripts/hello.alter') }),
      download({ commandKey: 's-fail', fileType: CONFIG, url: h.files.url('/scripts/fail.alter') }),
    );
    await h.start({ 'script-command': '/bin/sh' });
    for (const a of await answers) assertAccepted(a.answer, 'DownloadResponse');
    const tcs = await h.acknowledged(['s-ok', 's-fail']);
    assert.equal(tcs['s-ok'].faultStruct.faultCode, 0, tcs['s-ok'].faultStruct.faultString);
    assert.equal(await readFile(marker, 'utf8'), 'altered by s-ok\n', 'the script ran');
    assert.equal(tcs['s-fail'].faultStruct.faultCode, 9010);
    assert.equal(tcs['s-fail'].faultStruct.faultString, 'script exited with code 3: step 2 of 5 failed: no such interface ether9');

    // The operator disables scripts; the daemon picks the setting up (settings.json is polled every 200 ms).
    await h.cli('set', 'script-command=');
    assert.equal(JSON.parse(await h.cli('print', '--json'))['script-command'], '');
    await new Promise((r) => setTimeout(r, 1000));
    const later = h.acs.queue(download({ commandKey: 's-off', fileType: CONFIG, url: h.files.url('/scripts/later.alter') }));
    await h.connectionRequest();
    assertAccepted((await later)[0].answer, 'DownloadResponse');
    const off = (await h.acknowledged(['s-off']))['s-off'];
    assert.equal(off.faultStruct.faultCode, 9010);
    assert.equal(off.faultStruct.faultString, 'scripts are disabled (script-command is empty)');
    await assert.rejects(access(marker2), 'the script did not run');
  });
});
