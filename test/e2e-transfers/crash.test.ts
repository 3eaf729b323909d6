// Acceptance 3 of the transfers issue: the daemon is killed with SIGKILL in the middle of a download
// and in the middle of applying; after the restart every Download still ends in a TransferComplete
// the ACS acknowledges, and a TransferComplete is sent again only when the earlier one was not
// acknowledged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WAIT_MS, assertAccepted, download, eventsOf, hasEvent, sha256, transferTest, waitFor, type Harness } from './harness.js';

/** Each key: exactly one acknowledged TransferComplete, the last one; every earlier one was not acknowledged. */
function assertDeliveredOnce(h: Harness, key: string): number {
  const sent = h.transferCompletes(key);
  assert.ok(sent.length > 0, `${key}: a TransferComplete was sent`);
  assert.equal(sent.filter((x) => x.acknowledged).length, 1, `${key}: acknowledged exactly once`);
  assert.ok(sent.at(-1)!.acknowledged, `${key}: nothing sent after the acknowledgement`);
  return sent.length;
}

test('kill -9 in the middle of a download: started again after the restart, nothing lost; an unacknowledged TransferComplete is resent', async (t) => {
  await transferTest(t, async (h) => {
    const slow = randomBytes(256 * 1024);
    const quick = randomBytes(10_000);
    // 256 KiB at 4 KiB per 50 ms: about 3 s, plenty of time to kill the daemon in the middle.
    h.files.route('/slow.npk', { body: slow, trickle: { chunk: 4096, intervalMs: 50 } });
    h.files.route('/quick-1.npk', { body: quick });
    h.files.route('/quick-2.npk', { body: quick });
    const upgradeLog = join(h.scratch, 'upgrade.log');
    const upgrade = join(h.scratch, 'upgrade.sh');
    await writeFile(upgrade, `printf '%s %s\\n' "$TR069_COMMAND_KEY" "$(sha256sum < "$1" | cut -d' ' -f1)" >> '${upgradeLog}'\n`);

    const answers = h.acs.queue(
      download({ commandKey: 'k-slow', url: h.files.url('/slow.npk'), fileSize: slow.length }),
      download({ commandKey: 'k-quick-1', url: h.files.url('/quick-1.npk') }),
      download({ commandKey: 'k-quick-2', url: h.files.url('/quick-2.npk') }),
    );
    await h.start({ 'upgrade-command': `/bin/sh '${upgrade}'`, 'reboot-command': '' });
    for (const a of await answers) assertAccepted(a.answer, 'DownloadResponse');
    await waitFor(() => h.files.hits('/slow.npk') === 1 || undefined, WAIT_MS, 'the slow download to start');
    await new Promise((r) => setTimeout(r, 400));
    await h.daemon.kill();
    assert.deepEqual(h.transferCompletes(), [], 'nothing finished before the crash');

    // The first delivery of the first TransferComplete after the restart is lost (connection dropped
    // twice: the transport resends once on a reused connection); a later session must resend it.
    h.acs.inject('TransferComplete', { drop: true }, 2);
    h.files.route('/slow.npk', { body: slow });
    await h.start();
    await h.acknowledged(['k-slow', 'k-quick-1', 'k-quick-2']);

    assert.equal(h.files.hits('/slow.npk'), 2, 'the interrupted download was started again from scratch');
    const ran = (await readFile(upgradeLog, 'utf8')).trim().split('\n').sort();
    assert.deepEqual(ran, [`k-quick-1 ${sha256(quick)}`, `k-quick-2 ${sha256(quick)}`, `k-slow ${sha256(slow)}`], 'each applied once, intact');
    for (const k of ['k-slow', 'k-quick-1', 'k-quick-2']) {
      const tc = h.transferCompletes(k).at(-1)!.tc;
      assert.equal(tc.faultStruct.faultCode, 0, `${k}: ${tc.faultStruct.faultString}`);
    }
    const dropped = h.transferCompletes().filter((x) => !x.acknowledged);
    assert.equal(dropped.length, 2, 'the two dropped POSTs');
    const lostKey = dropped[0].tc.commandKey;
    assert.equal(dropped[1].tc.commandKey, lostKey, 'the transport resent the same TransferComplete once');
    assert.equal(assertDeliveredOnce(h, lostKey), 3, `${lostKey}: dropped, resent by the transport, dropped, sent again in a later session`);
    const resent = h.transferCompletes(lostKey).at(-1)!.post.session;
    assert.ok(resent !== undefined && resent !== dropped[0].post.session, 'sent again in a later session');
    for (const k of ['k-slow', 'k-quick-1', 'k-quick-2'].filter((x) => x !== lostKey)) {
      assert.equal(assertDeliveredOnce(h, k), 1, `${k}: acknowledged at the first delivery, never sent again`);
    }

    // Once acknowledged, never again: neither across a session nor across a restart.
    const cr = await h.connectionRequest();
    assert.equal(cr.cpeRequests.length, 0);
    assert.ok(!hasEvent(cr.inform, '7 TRANSFER COMPLETE'), `events: ${eventsOf(cr.inform)}`);
    const before = h.acs.sessions.length;
    await h.restart();
    const boot = await h.sessionAfter(before);
    assert.deepEqual(eventsOf(boot.inform), ['1 BOOT']);
    assert.equal(boot.cpeRequests.length, 0);
  });
});

test('kill -9 while upgrade-command runs: reported as 9010 (outcome unknown) after the restart; the queue behind it still runs', async (t) => {
  await transferTest(t, async (h) => {
    h.files.route('/a.npk', { body: randomBytes(1000) });
    h.files.route('/b.npk', { body: randomBytes(1000) });
    const pidFile = join(h.scratch, 'upgrade.pid');
    const upgradeLog = join(h.scratch, 'upgrade.log');
    const upgrade = join(h.scratch, 'upgrade.sh');
    // The first run (k-apply) hangs; the command is a separate process group, so it outlives the
    // killed daemon: the test ends it by its pid.
    await writeFile(
      upgrade,
      `echo "$TR069_COMMAND_KEY" >> '${upgradeLog}'\n` +
        `if [ "$TR069_COMMAND_KEY" = k-apply ]; then echo $$ > '${pidFile}.tmp'; mv '${pidFile}.tmp' '${pidFile}'; exec sleep 30; fi\n`,
    );
    const spawned: { pid?: number } = {};
    t.after(() => {
      if (spawned.pid) {
        try {
          process.kill(spawned.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    });
    const answers = h.acs.queue(
      download({ commandKey: 'k-apply', url: h.files.url('/a.npk') }),
      download({ commandKey: 'k-after', url: h.files.url('/b.npk') }),
    );
    await h.start({ 'upgrade-command': `/bin/sh '${upgrade}'`, 'reboot-command': '' });
    for (const a of await answers) assertAccepted(a.answer, 'DownloadResponse');
    spawned.pid = Number(await waitFor(() => readFile(pidFile, 'utf8').catch(() => undefined), WAIT_MS, 'upgrade-command to start'));
    assert.ok(spawned.pid > 0);
    await h.daemon.kill();
    process.kill(spawned.pid, 'SIGKILL');

    const before = h.acs.sessions.length;
    await h.start();
    const tcs = await h.acknowledged(['k-apply', 'k-after']);
    assert.equal(tcs['k-apply'].faultStruct.faultCode, 9010);
    assert.match(tcs['k-apply'].faultStruct.faultString, /interrupted: tr069-client stopped while applying the Firmware Upgrade Image; the outcome is unknown/);
    assert.equal(tcs['k-after'].faultStruct.faultCode, 0, tcs['k-after'].faultStruct.faultString);
    // The interrupted result is known at start: the first session after the restart reports it.
    const boot = h.acs.sessions.find((s) => s.index === before + 1);
    assert.ok(boot && hasEvent(boot.inform, '1 BOOT') && hasEvent(boot.inform, 'M Download', 'k-apply'), `events: ${boot && eventsOf(boot.inform)}`);
    assert.deepEqual((await readFile(upgradeLog, 'utf8')).trim().split('\n'), ['k-apply', 'k-after'], 'not applied again after the crash');
    for (const k of ['k-apply', 'k-after']) assert.equal(assertDeliveredOnce(h, k), 1);
  });
});

test('reboot-command ended by the shutdown, then power lost (kill -9): the upgrade is reported as done after the restart', async (t) => {
  await transferTest(t, async (h) => {
    h.files.route('/fw.npk', { body: randomBytes(1000) });
    const pidFile = join(h.scratch, 'reboot.pid');
    const reboot = join(h.scratch, 'reboot.sh');
    await writeFile(reboot, `echo $$ > '${pidFile}.tmp'; mv '${pidFile}.tmp' '${pidFile}'\nexec sleep 20\n`);
    const answers = h.acs.queue(download({ commandKey: 'k-reboot', url: h.files.url('/fw.npk') }));
    await h.start({ 'upgrade-command': 'true', 'reboot-command': `/bin/sh '${reboot}'` });
    assertAccepted((await answers)[0].answer, 'DownloadResponse');
    const pid = Number(await waitFor(() => readFile(pidFile, 'utf8').catch(() => undefined), WAIT_MS, 'reboot-command to start'));
    t.after(() => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // ended as planned
      }
    });
    // The shutdown ends reboot-command before it reaches the daemon, then the power goes.
    process.kill(pid, 'SIGTERM');
    await h.daemon.waitForLog(/"msg":"reboot-command (was killed|exited)/, WAIT_MS);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(h.transferCompletes(), [], 'not reported as a failure before the reboot');
    await h.daemon.kill();

    const before = h.acs.sessions.length;
    await h.start();
    const tc = (await h.acknowledged(['k-reboot']))['k-reboot'];
    assert.equal(tc.faultStruct.faultCode, 0, tc.faultStruct.faultString);
    const boot = h.acs.sessions.find((s) => s.index === before + 1);
    assert.ok(boot && hasEvent(boot.inform, '1 BOOT') && hasEvent(boot.inform, 'M Download', 'k-reboot'), `events: ${boot && eventsOf(boot.inform)}`);
    assertDeliveredOnce(h, 'k-reboot');
  });
});
