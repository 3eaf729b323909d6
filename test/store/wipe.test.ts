import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WipeRefusedError, wipeDataDir } from '../../src/store/wipe.js';

const tmp = () => mkdtemp(join(tmpdir(), 'tr069-wipe-'));

test('empties the data dir, keeps the dir, never follows symlinks out of it', async () => {
  const root = await tmp();
  const data = join(root, 'data');
  const outside = join(root, 'outside');
  await mkdir(join(data, 'downloads', 'deep'), { recursive: true, mode: 0o700 });
  await mkdir(join(outside, 'sub'), { recursive: true });
  await writeFile(join(outside, 'precious'), 'keep me');
  await writeFile(join(outside, 'sub', 'precious2'), 'keep me too');
  await writeFile(join(data, 'settings.json'), '{}');
  await writeFile(join(data, 'state.json'), '{}');
  await writeFile(join(data, 'whatever-new.json'), '{}');
  await writeFile(join(data, 'downloads', 'fw.bin'), 'x');
  await writeFile(join(data, 'downloads', 'deep', 'part'), 'x');
  await mkdir(join(data, 'settings.json.lock'));
  await symlink(join(outside, 'precious'), join(data, 'link-to-file'));
  await symlink(outside, join(data, 'downloads', 'link-to-dir'));

  const r = await wipeDataDir(data);
  assert.equal(r.existed, true);
  assert.deepEqual(r.removed, [
    { name: 'downloads/', files: 3 },
    { name: 'link-to-file', files: 1 },
    { name: 'settings.json', files: 1 },
    { name: 'settings.json.lock/', files: 0 },
    { name: 'state.json', files: 1 },
    { name: 'whatever-new.json', files: 1 },
  ]);
  assert.deepEqual(await readdir(data), []);
  assert.equal((await stat(data)).mode & 0o777, 0o700);
  assert.equal(await readFile(join(outside, 'precious'), 'utf8'), 'keep me');
  assert.equal(await readFile(join(outside, 'sub', 'precious2'), 'utf8'), 'keep me too');
});

test('a missing data dir is nothing to do', async () => {
  const r = await wipeDataDir(join(await tmp(), 'absent'));
  assert.deepEqual({ existed: r.existed, removed: r.removed }, { existed: false, removed: [] });
});

test('refuses /, the home dir, files, and dirs holding foreign subdirectories (unless forced)', async () => {
  await assert.rejects(wipeDataDir('/'), WipeRefusedError);
  if (process.env.HOME) await assert.rejects(wipeDataDir(process.env.HOME), WipeRefusedError);
  const root = await tmp();
  await writeFile(join(root, 'file'), 'x');
  await assert.rejects(wipeDataDir(join(root, 'file')), /not a directory/);

  const data = join(root, 'looks-like-var-lib');
  await mkdir(join(data, 'postgresql'), { recursive: true });
  await writeFile(join(data, 'settings.json'), '{}');
  await assert.rejects(wipeDataDir(data), (e: unknown) => e instanceof WipeRefusedError && /postgresql\//.test(e.message));
  assert.deepEqual((await readdir(data)).sort(), ['postgresql', 'settings.json'], 'nothing removed');
  const r = await wipeDataDir(data, { force: true });
  assert.equal(r.removed.length, 2);
  assert.deepEqual(await readdir(data), []);
});
