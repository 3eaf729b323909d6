import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableFile, StateFileError } from '../../src/store/durable-file.js';

async function tmp(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'tr069-store-'));
}

test('missing file loads the defaults; save writes 0600 JSON', async () => {
  const dir = await tmp();
  const f = new DurableFile(join(dir, 'sub', 's.json'), () => ({ n: 1 }));
  assert.deepEqual(await f.load(), { n: 1 });
  await f.save({ n: 2 });
  assert.deepEqual(JSON.parse(await readFile(f.path, 'utf8')), { n: 2 });
  assert.equal((await stat(f.path)).mode & 0o777, 0o600);
});

test('corrupt or invalid content is a clear StateFileError', async () => {
  const dir = await tmp();
  const p = join(dir, 's.json');
  await writeFile(p, '{"n":');
  const f = new DurableFile(p, () => ({ n: 0 }), (raw) => {
    if (typeof (raw as { n?: unknown }).n !== 'number') throw new Error('n must be a number');
    return raw as { n: number };
  });
  await assert.rejects(f.load(), (e: unknown) => e instanceof StateFileError && /not valid JSON/.test(e.message));
  await writeFile(p, '{"n":"x"}');
  await assert.rejects(f.load(), /n must be a number/);
});

test('concurrent locked updates lose nothing', async () => {
  const dir = await tmp();
  const f = new DurableFile(join(dir, 'c.json'), () => ({ n: 0 }));
  await Promise.all(Array.from({ length: 20 }, () => f.update((v) => ({ n: v.n + 1 }))));
  assert.equal((await f.load()).n, 20);
});

test('concurrent updates of different files in one directory do not collide', async () => {
  const dir = await tmp();
  const a = new DurableFile(join(dir, 'a.json'), () => ({ n: 0 }));
  const b = new DurableFile(join(dir, 'b.json'), () => ({ n: 0 }));
  await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).update((v) => ({ n: v.n + 1 }))));
  assert.equal((await a.load()).n, 5);
  assert.equal((await b.load()).n, 5);
});
