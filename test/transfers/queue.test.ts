import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Download, ScheduleDownload, Upload } from '../../src/cwmp/types.js';
import { TransferQueue } from '../../src/transfers/queue.js';
import { TransferFault } from '../../src/transfers/faults.js';
import { tempDir } from './helpers.js';
import { downloadRequest } from '../helpers/requests.js';

function download(over: Partial<Download> = {}): Download {
  return downloadRequest({ commandKey: 'fw1', url: 'https://files.example/upgrade.xml', username: 'u', password: 'secret-pw', ...over });
}

function scheduled(over: Partial<ScheduleDownload> = {}): ScheduleDownload {
  return {
    method: 'ScheduleDownload',
    commandKey: 'sd1',
    fileType: '3 Vendor Configuration File',
    url: 'http://files.example/c.alter',
    username: '',
    password: '',
    fileSize: 0,
    targetFileName: '',
    timeWindowList: [{ windowStart: 10, windowEnd: 100, windowMode: '1 At Any Time', userMessage: '', maxRetries: -1 }],
    ...over,
  };
}

const upload: Upload = {
  method: 'Upload',
  commandKey: 'up1',
  fileType: '1 Vendor Configuration File',
  url: 'http://files.example/cfg',
  username: '',
  password: '',
  delaySeconds: 5,
};

async function newQueue(maxDepth?: number): Promise<{ q: TransferQueue; path: string }> {
  const path = join(await tempDir('queue'), 'transfers.json');
  return { q: new TransferQueue(path, { maxDepth, now: () => 1_700_000_000_000 }), path };
}

function faultCode(code: number) {
  return (e: unknown) => e instanceof TransferFault && e.faultCode === code;
}

test('enqueue persists (0600) before resolving, and a new instance on the same file sees it', async () => {
  const { q, path } = await newQueue();
  const e = await q.enqueue(download({ delaySeconds: 30 }));
  assert.equal(e.state, 1);
  assert.equal(e.notBefore, 1_700_000_000_000 + 30_000);
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  const again = new TransferQueue(path);
  assert.deepEqual(await again.getQueuedTransfers(), [{ commandKey: 'fw1', state: 1 }]);
  assert.deepEqual(await again.getAllQueuedTransfers(), [
    { commandKey: 'fw1', state: 1, isDownload: true, fileType: '1 Firmware Upgrade Image', fileSize: 0, targetFileName: '' },
  ]);
  // the password is stored (it is needed after a reboot) — only in this 0600 file
  assert.match(await readFile(path, 'utf8'), /secret-pw/);
});

test('synchronous faults: 9013 scheme, 9003 arguments/FileType, 9004 queue full', async () => {
  const { q } = await newQueue(2);
  await assert.rejects(q.enqueue(download({ url: 'ftp://x/y' })), faultCode(9013));
  await assert.rejects(q.enqueue(download({ url: 'file:///etc/passwd' })), faultCode(9013));
  await assert.rejects(q.enqueue(download({ url: 'not a url' })), faultCode(9003));
  await assert.rejects(q.enqueue(download({ fileType: '2 Web Content' })), faultCode(9003));
  await assert.rejects(q.enqueue(download({ fileSize: -1 })), faultCode(9003));
  await assert.rejects(q.enqueue({ ...upload, fileType: '9 Nothing' }), faultCode(9003));
  await q.enqueue(download());
  await q.enqueue(upload);
  await assert.rejects(q.enqueue(download({ commandKey: 'third' })), faultCode(9004));
  assert.equal((await q.list()).length, 2, 'a refused request changes nothing');
});

test('credentials embedded in the URL are moved out of it', async () => {
  const { q } = await newQueue();
  const e = await q.enqueue(download({ url: 'http://bob:p%40ss@files.example/a.npk', username: '', password: '' }));
  assert.equal(e.url, 'http://files.example/a.npk');
  assert.equal(e.username, 'bob');
  assert.equal(e.password, 'p@ss');
});

test('ScheduleDownload windows: absolute times, invalid lists and Confirmation Needed refused', async () => {
  const { q } = await newQueue();
  const e = await q.enqueue(scheduled());
  assert.deepEqual(e.timeWindows, [{ start: 1_700_000_010_000, end: 1_700_000_100_000, mode: '1 At Any Time', maxRetries: -1 }]);
  assert.equal(e.notBefore, 1_700_000_010_000);
  const w = (windowStart: number, windowEnd: number, windowMode = '2 Immediately') => ({
    windowStart,
    windowEnd,
    windowMode,
    userMessage: '',
    maxRetries: 0,
  });
  await assert.rejects(q.enqueue(scheduled({ timeWindowList: [] })), faultCode(9003));
  await assert.rejects(q.enqueue(scheduled({ timeWindowList: [w(50, 10)] })), faultCode(9003));
  await assert.rejects(q.enqueue(scheduled({ timeWindowList: [w(0, 100), w(50, 200)] })), faultCode(9003));
  await assert.rejects(q.enqueue(scheduled({ timeWindowList: [w(0, 100, '4 Confirmation Needed')] })), faultCode(9003));
  // one usable window is enough; the unusable one is dropped
  const two = await q.enqueue(scheduled({ timeWindowList: [w(0, 100, '4 Confirmation Needed'), w(200, 300, '3 When Idle')] }));
  assert.deepEqual(two.timeWindows?.map((x) => x.mode), ['3 When Idle']);
});

test('cancel: queued ones go (no TransferComplete), applying/completed ones give 9021, unknown key 9003', async () => {
  const { q } = await newQueue();
  const a = await q.enqueue(download({ commandKey: 'a' }));
  const b = await q.enqueue(download({ commandKey: 'b' }));
  const c = await q.enqueue(download({ commandKey: 'c' }));
  assert.deepEqual((await q.cancel('a')).map((e) => e.id), [a.id]);
  await q.modify(b.id, (e) => ({ ...e, state: 2, phase: 'applying' }));
  await assert.rejects(q.cancel('b'), faultCode(9021));
  await q.complete(c.id, 0, '');
  await assert.rejects(q.cancel('c'), faultCode(9021));
  await assert.rejects(q.cancel('zzz'), faultCode(9003));
  assert.deepEqual((await q.list()).map((e) => e.commandKey), ['b', 'c']);
  assert.equal((await q.pendingTransferCompletes()).length, 1);
});

test('TransferComplete records: faults, times, events, acknowledge', async () => {
  let now = 1_700_000_000_000;
  const path = join(await tempDir('queue'), 't.json');
  const q = new TransferQueue(path, { now: () => now });
  const a = await q.enqueue(download({ commandKey: 'k1' }));
  const b = await q.enqueue(upload);
  const c = await q.enqueue(scheduled({ commandKey: 'k3' }));
  await q.modify(a.id, (e) => ({ ...e, state: 2, startedAt: now }));
  now += 5000;
  await q.complete(a.id, 0, 'ignored for success');
  await q.complete(b.id, 9011, 'server answered HTTP 500\nto the PUT');
  await q.complete(c.id, 9020, 'x'.repeat(400));
  const tcs = await new TransferQueue(path).pendingTransferCompletes();
  assert.deepEqual(tcs[0], {
    method: 'TransferComplete',
    commandKey: 'k1',
    faultStruct: { faultCode: 0, faultString: '' },
    startTime: '2023-11-14T22:13:20Z',
    completeTime: '2023-11-14T22:13:25Z',
  });
  assert.equal(tcs[1].faultStruct.faultString, 'server answered HTTP 500 to the PUT');
  assert.equal(tcs[1].startTime, '0001-01-01T00:00:00Z', 'never started → unknown StartTime');
  assert.equal(tcs[2].faultStruct.faultString.length, 256);
  assert.deepEqual(await q.pendingEvents(), [
    { eventCode: '7 TRANSFER COMPLETE', commandKey: '' },
    { eventCode: 'M Download', commandKey: 'k1' },
    { eventCode: 'M Upload', commandKey: 'up1' },
    { eventCode: 'M ScheduleDownload', commandKey: 'k3' },
  ]);
  assert.equal(await q.acknowledge('up1'), true);
  assert.equal(await q.acknowledge('up1'), false);
  assert.deepEqual((await q.pendingTransferCompletes()).map((t) => t.commandKey), ['k1', 'k3']);
  await q.acknowledge('k1');
  await q.acknowledge('k3');
  assert.deepEqual(await q.pendingEvents(), []);
  assert.deepEqual(await q.list(), []);
});

test('completed transfers do not count against the queue depth', async () => {
  const { q } = await newQueue(1);
  const a = await q.enqueue(download());
  await q.complete(a.id, 0, '');
  await q.enqueue(download({ commandKey: 'next' }));
  await assert.rejects(q.enqueue(download({ commandKey: 'third' })), faultCode(9004));
});

test('a corrupt queue file is a clear error, not an empty queue', async () => {
  const { q, path } = await newQueue();
  await q.enqueue(download());
  const { writeFile } = await import('node:fs/promises');
  await writeFile(path, '{"entries":[{"id":1}]}');
  await assert.rejects(new TransferQueue(path).list(), /malformed/);
});
