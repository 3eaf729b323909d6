import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStore } from '../../src/session/event-store.js';
import { StateFileError } from '../../src/store/durable-file.js';

async function tmp(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'tr069-events-'));
}

async function onDisk(path: string): Promise<string[]> {
  const raw = JSON.parse(await readFile(path, 'utf8')) as { code: string; commandKey: string }[];
  return raw.map((e) => (e.commandKey ? `${e.code}:${e.commandKey}` : e.code));
}

test('every change is on disk (0600) when the call resolves', async () => {
  const p = join(await tmp(), 'state', 'events.json');
  const store = await EventStore.open(p);
  assert.deepEqual(store.current, []);
  await store.boot({ rebootCommandKey: 'rb' });
  assert.deepEqual(await onDisk(p), ['1 BOOT', 'M Reboot:rb']);
  assert.equal((await stat(p)).mode & 0o777, 0o600);
  await store.add('M Download', 'd1');
  assert.deepEqual(await onDisk(p), ['1 BOOT', 'M Reboot:rb', '7 TRANSFER COMPLETE', 'M Download:d1']);
  const sent = store.eventsForInform();
  await store.add('6 CONNECTION REQUEST'); // raised during the session: not in `sent`
  await store.informAcknowledged(sent);
  assert.deepEqual(await onDisk(p), ['7 TRANSFER COMPLETE', 'M Download:d1', '6 CONNECTION REQUEST']);
  await store.sessionFailed();
  assert.deepEqual(await onDisk(p), ['7 TRANSFER COMPLETE', 'M Download:d1']);
  await store.transferCompleteAcknowledged('d1');
  assert.deepEqual(await onDisk(p), []);
  await store.add('10 AUTONOMOUS TRANSFER COMPLETE');
  await store.remove('10 AUTONOMOUS TRANSFER COMPLETE');
  assert.deepEqual(await onDisk(p), []);
  await store.add('2 PERIODIC');
  await store.bootstrap();
  assert.deepEqual(await onDisk(p), ['0 BOOTSTRAP']);
  assert.deepEqual(store.current, (await EventStore.open(p)).current, 'a new process reads the same queue');
});

test('concurrent changes from one process are all kept, in order', async () => {
  const p = join(await tmp(), 'events.json');
  const store = await EventStore.open(p);
  await Promise.all(Array.from({ length: 12 }, (_, i) => store.add('M ScheduleInform', `k${i}`)));
  const keys = (await onDisk(p)).filter((c) => c.startsWith('M '));
  assert.deepEqual(keys, Array.from({ length: 12 }, (_, i) => `M ScheduleInform:k${i}`));
});

test('a failed change rejects, changes nothing, and later changes still work', async () => {
  const p = join(await tmp(), 'events.json');
  const store = await EventStore.open(p);
  await store.add('1 BOOT');
  await assert.rejects(store.add('not an event'), RangeError);
  assert.deepEqual(await onDisk(p), ['1 BOOT']);
  await store.add('2 PERIODIC');
  assert.deepEqual(await onDisk(p), ['1 BOOT', '2 PERIODIC']);
});

test('changes made by another process (the CLI) are not lost', async () => {
  const p = join(await tmp(), 'events.json');
  const a = await EventStore.open(p);
  const b = await EventStore.open(p);
  await a.add('1 BOOT');
  await b.add('4 VALUE CHANGE');
  assert.deepEqual(await onDisk(p), ['1 BOOT', '4 VALUE CHANGE']);
  assert.deepEqual(b.current.map((e) => e.code), ['1 BOOT', '4 VALUE CHANGE']);
});

test('a corrupt file is a clear StateFileError; entries without seq are accepted', async () => {
  const dir = await tmp();
  const bad = join(dir, 'bad.json');
  await writeFile(bad, '[{"code": 42}]');
  await assert.rejects(EventStore.open(bad), (e: unknown) => e instanceof StateFileError && /bad event entry/.test(e.message));
  const old = join(dir, 'old.json');
  await writeFile(old, JSON.stringify([{ code: '0 BOOTSTRAP', commandKey: '' }]));
  const store = await EventStore.open(old);
  assert.deepEqual(store.eventsForInform().map((e) => e.eventCode), ['0 BOOTSTRAP']);
});
