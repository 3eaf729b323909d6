import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStatus, statusFile, writeStatus } from '../../src/store/status.js';
import { StateFileError } from '../../src/store/durable-file.js';

const tmp = () => mkdtemp(join(tmpdir(), 'tr069-status-'));

test('no status.json reads as "" and 0', async () => {
  assert.deepEqual(await readStatus(await tmp()), { lastSessionError: '', retryCount: 0, pid: null, updatedAt: '' });
});

test('writeStatus writes the documented JSON shape, 0600, with pid and time filled in', async () => {
  const dir = await tmp();
  const w = await writeStatus(dir, { lastSessionError: 'ACS unreachable', retryCount: 2 });
  assert.equal(w.pid, process.pid);
  assert.ok(!Number.isNaN(Date.parse(w.updatedAt)));
  const raw = JSON.parse(await readFile(statusFile(dir).path, 'utf8'));
  assert.deepEqual(Object.keys(raw).sort(), ['lastSessionError', 'pid', 'retryCount', 'updatedAt']);
  assert.equal(raw.retryCount, 2);
  assert.equal((await stat(statusFile(dir).path)).mode & 0o777, 0o600);
  assert.deepEqual(await readStatus(dir), w);
  await writeStatus(dir, { lastSessionError: '', retryCount: 0, pid: 42, updatedAt: '2024-01-01T00:00:00Z' });
  assert.deepEqual(await readStatus(dir), { lastSessionError: '', retryCount: 0, pid: 42, updatedAt: '2024-01-01T00:00:00Z' });
});

test('bad content is a clear error; bad values are not written', async () => {
  const dir = await tmp();
  await writeFile(statusFile(dir).path, JSON.stringify({ retryCount: 'two' }));
  await assert.rejects(readStatus(dir), (e: unknown) => e instanceof StateFileError && /retryCount must be/.test(e.message));
  await assert.rejects(writeStatus(dir, { lastSessionError: '', retryCount: -1 }), /retryCount/);
});
