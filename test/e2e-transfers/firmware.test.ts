// Acceptance 1 of the transfers issue: a RouterOS-style firmware upgrade from the ACS's Download to
// the TransferComplete after the reboot, through the real daemon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dataPaths } from '../../src/store/paths.js';
import {
  WAIT_MS,
  assertAccepted,
  assertRealTime,
  download,
  eventsOf,
  hasEvent,
  manifest,
  sha256,
  transferTest,
  waitFor,
} from './harness.js';

test('firmware manifest with 3 links: downloaded, checked, installed, rebooted, reported after the reboot', async (t) => {
  await transferTest(t, async (h) => {
    const packages = [randomBytes(200_000), randomBytes(30_000), randomBytes(1)];
    const names = ['system-7.16.npk', 'tr069-client-7.16.npk', 'extra.npk'];
    packages.forEach((body, i) => h.files.route(`/pkg/${names[i]}`, { body }));
    h.files.route(
      '/routeros/upgrade.xml',
      {
        body: manifest(packages.map((body, i) => ({ url: h.files.url(`/pkg/${names[i]}`), sha256: sha256(body), size: body.length }))),
      },
    );
    // upgrade-command records its arguments (path + SHA-256 of each file, in order) and its environment.
    const upgradeLog = join(h.scratch, 'upgrade.log');
    const upgrade = join(h.scratch, 'upgrade.sh');
    await writeFile(
      upgrade,
      `echo "key=$TR069_COMMAND_KEY type=$TR069_FILE_TYPE argc=$#" >> '${upgradeLog}'\n` +
        `for f in "$@"; do printf '%s %s\\n' "$f" "$(sha256sum < "$f" | cut -d' ' -f1)"; done >> '${upgradeLog}'\n`,
    );
    // reboot-command records that it ran, then takes its time, as `systemctl reboot` may: the
    // shutdown it causes stops the daemon while it still runs, then ends it too.
    const rebootMarker = join(h.scratch, 'rebooted');
    const rebootPid = join(h.scratch, 'reboot.pid');
    const reboot = join(h.scratch, 'reboot.sh');
    await writeFile(
      reboot,
      `echo "reboot $TR069_COMMAND_KEY" >> '${rebootMarker}'\necho $$ > '${rebootPid}.tmp'; mv '${rebootPid}.tmp' '${rebootPid}'\nexec sleep 20\n`,
    );

    const answers = h.acs.queue(download({ commandKey: 'fw-7.16', url: h.files.url('/routeros/upgrade.xml') }));
    await h.start({ 'upgrade-command': `/bin/sh '${upgrade}'`, 'reboot-command': `/bin/sh '${reboot}'` });
    const [dl] = await answers;
    assertAccepted(dl.answer, 'DownloadResponse');

    // The reboot-command runs after the upgrade-command got all three verified files.
    const pid = Number(await waitFor(() => readFile(rebootPid, 'utf8').catch(() => undefined), WAIT_MS, 'reboot-command'));
    t.after(() => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // ended as planned
      }
    });
    assert.equal(await readFile(rebootMarker, 'utf8'), 'reboot fw-7.16\n', 'reboot-command ran once');
    const lines = (await readFile(upgradeLog, 'utf8')).trim().split('\n');
    assert.equal(lines[0], 'key=fw-7.16 type=1 Firmware Upgrade Image argc=3');
    assert.equal(lines.length, 4, `upgrade-command ran once with 3 files:\n${lines.join('\n')}`);
    lines.slice(1).forEach((line, i) => {
      const [path, sum] = line.split(' ');
      assert.equal(sum, sha256(packages[i]), `file ${i + 1} handed over intact`);
      assert.match(path, new RegExp(`${names[i].replace(/\./g, '\\.')}$`), 'files in manifest order');
    });
    for (const n of names) assert.equal(h.files.hits(`/pkg/${n}`), 1, `${n} downloaded once`);
    assert.deepEqual(h.transferCompletes(), [], 'nothing reported before the reboot');

    // The shutdown: SIGTERM to the daemon, then to what is left (reboot-command). The daemon stops
    // cleanly (it does not wait for the reboot that is under way) and the device comes back: the
    // first session reports the upgrade.
    const stopped = h.daemon.stop();
    await new Promise((r) => setTimeout(r, 300));
    process.kill(pid, 'SIGTERM');
    assert.equal(await stopped, 0, 'the daemon stops cleanly for the reboot');
    const before = h.acs.sessions.length;
    await h.start();
    const boot = await h.sessionAfter(before, 'the session after the reboot');
    const events = eventsOf(boot.inform);
    assert.ok(hasEvent(boot.inform, '1 BOOT'), `1 BOOT in ${events}`);
    assert.ok(hasEvent(boot.inform, 'M Download', 'fw-7.16'), `M Download fw-7.16 in ${events}`);
    assert.ok(hasEvent(boot.inform, '7 TRANSFER COMPLETE'), `7 TRANSFER COMPLETE in ${events}`);
    assert.ok(!hasEvent(boot.inform, '0 BOOTSTRAP'), 'same ACS: no BOOTSTRAP');
    const tcs = boot.cpeRequests.map((e) => e.body);
    assert.equal(tcs.length, 1, 'one TransferComplete in the session');
    const tc = tcs[0];
    assert.equal(tc.method, 'TransferComplete');
    if (tc.method !== 'TransferComplete') return;
    assert.equal(tc.commandKey, 'fw-7.16');
    assert.equal(tc.faultStruct.faultCode, 0);
    assert.equal(tc.faultStruct.faultString, '');
    assertRealTime(tc.startTime, 'StartTime');
    assertRealTime(tc.completeTime, 'CompleteTime');
    assert.ok(Date.parse(tc.startTime) <= Date.parse(tc.completeTime), 'StartTime ≤ CompleteTime');
    assert.equal(h.transferCompletes('fw-7.16').length, 1);
    assert.ok(h.transferCompletes('fw-7.16')[0].acknowledged);
    assert.deepEqual(await readdir(dataPaths(h.dataDir).downloads), [], 'downloaded files removed once reported');

    // Acknowledged: the next session carries neither the events nor the TransferComplete.
    const next = await h.connectionRequest();
    assert.ok(!hasEvent(next.inform, 'M Download') && !hasEvent(next.inform, '7 TRANSFER COMPLETE'), `events: ${eventsOf(next.inform)}`);
    assert.equal(next.cpeRequests.length, 0, 'no TransferComplete again');
    assert.equal(h.transferCompletes().length, 1);
    assert.equal(await readFile(rebootMarker, 'utf8'), 'reboot fw-7.16\n', 'no second reboot');
  });
});
