// Acceptance 6 of the transfers issue: GetQueuedTransfers / GetAllQueuedTransfers list transfers
// waiting for their DelaySeconds, CancelTransfer removes one (no TransferComplete ever follows).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { assertAccepted, download, eventsOf, expectResponse, transferTest, upload } from './harness.js';

test('queued transfers are listed; a cancelled one never runs and is never reported', async (t) => {
  await transferTest(t, async (h) => {
    h.files.route('/q1.npk', { body: randomBytes(1000) });
    h.files.route('/q2.npk', { body: randomBytes(1000) });
    h.files.route('/up.txt', { upload: ['PUT'] });
    const answers = h.acs.queue(
      download({ commandKey: 'q-1', url: h.files.url('/q1.npk'), fileSize: 1000, targetFileName: 'q1.npk', delaySeconds: 2 }),
      // Due after q-1 would have been: once it is reported, q-1's time has long passed.
      download({ commandKey: 'q-2', url: h.files.url('/q2.npk'), delaySeconds: 3 }),
      upload({ commandKey: 'q-up', fileType: '2 Vendor Log File', url: h.files.url('/up.txt'), delaySeconds: 3600 }),
      { method: 'GetQueuedTransfers' },
      { method: 'GetAllQueuedTransfers' },
      { method: 'CancelTransfer', commandKey: 'q-1' },
      { method: 'CancelTransfer', commandKey: 'q-up' },
      { method: 'CancelTransfer', commandKey: 'no-such-key' },
      { method: 'GetAllQueuedTransfers' },
      { method: 'GetQueuedTransfers' },
    );
    await h.start({ 'upgrade-command': 'true', 'reboot-command': '' });
    const a = (await answers).map((x) => x.answer);
    assertAccepted(a[0], 'DownloadResponse');
    assertAccepted(a[1], 'DownloadResponse');
    assertAccepted(a[2], 'UploadResponse');
    assert.deepEqual(expectResponse(a[3], 'GetQueuedTransfersResponse').transferList, [
      { commandKey: 'q-1', state: 1 },
      { commandKey: 'q-2', state: 1 },
      { commandKey: 'q-up', state: 1 },
    ]);
    assert.deepEqual(expectResponse(a[4], 'GetAllQueuedTransfersResponse').transferList, [
      { commandKey: 'q-1', state: 1, isDownload: true, fileType: '1 Firmware Upgrade Image', fileSize: 1000, targetFileName: 'q1.npk' },
      { commandKey: 'q-2', state: 1, isDownload: true, fileType: '1 Firmware Upgrade Image', fileSize: 0, targetFileName: '' },
      { commandKey: 'q-up', state: 1, isDownload: false, fileType: '2 Vendor Log File', fileSize: 0, targetFileName: '' },
    ]);
    expectResponse(a[5], 'CancelTransferResponse');
    expectResponse(a[6], 'CancelTransferResponse');
    assert.equal(a[7].method, 'Fault');
    if (a[7].method === 'Fault') {
      assert.equal(a[7].faultCode, 9003);
      assert.match(a[7].faultString, /no queued transfer has CommandKey "no-such-key"/);
    }
    assert.deepEqual(expectResponse(a[8], 'GetAllQueuedTransfersResponse').transferList, [
      { commandKey: 'q-2', state: 1, isDownload: true, fileType: '1 Firmware Upgrade Image', fileSize: 0, targetFileName: '' },
    ]);
    assert.deepEqual(expectResponse(a[9], 'GetQueuedTransfersResponse').transferList, [{ commandKey: 'q-2', state: 1 }]);

    const tc = (await h.acknowledged(['q-2']))['q-2'];
    assert.equal(tc.faultStruct.faultCode, 0, tc.faultStruct.faultString);
    // A session after that: nothing about the cancelled transfers, which never touched the server.
    const cr = await h.connectionRequest();
    assert.deepEqual(eventsOf(cr.inform), ['6 CONNECTION REQUEST']);
    assert.deepEqual(
      h.transferCompletes().map((x) => x.tc.commandKey),
      ['q-2'],
      'only the transfer that was not cancelled is reported',
    );
    assert.equal(h.files.hits('/q1.npk'), 0);
    assert.equal(h.files.hits('/up.txt'), 0);
    const empty = h.acs.queue({ method: 'GetAllQueuedTransfers' });
    await h.connectionRequest();
    assert.deepEqual(expectResponse((await empty)[0].answer, 'GetAllQueuedTransfersResponse').transferList, []);
  });
});
