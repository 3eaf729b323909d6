import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CliError } from '../../src/cli/errors.js';
import { loadOptionalFunction } from '../../src/cli/optional-module.js';

test('a module provided later is loaded by path (.js or .ts), or its absence is a clear CliError', async () => {
  const root = await mkdtemp(join(tmpdir(), 'tr069-optional-'));
  await mkdir(join(root, 'cli'));
  await mkdir(join(root, 'daemon'));
  const base = pathToFileURL(join(root, 'cli', 'program.js')).href;

  await assert.rejects(
    loadOptionalFunction('../daemon/agent.js', 'runDaemon', 'the daemon', base),
    (e: unknown) => e instanceof CliError && e.exitCode === 1 && /the daemon is not part of this build.*agent\.js is missing/.test(e.message),
  );

  await writeFile(join(root, 'daemon', 'agent.js'), 'export async function runDaemon(o) { return o.dataDir.length; }\n');
  const runDaemon = await loadOptionalFunction<(o: { dataDir: string }) => Promise<number>>('../daemon/agent.js', 'runDaemon', 'the daemon', base);
  assert.equal(await runDaemon({ dataDir: 'abc' }), 3);

  await writeFile(join(root, 'daemon', 'local-model.ts'), 'export const runGet = async (o: { paths: string[] }): Promise<number> => o.paths.length;\n');
  const runGet = await loadOptionalFunction<(o: { paths: string[] }) => Promise<number>>('../daemon/local-model.js', 'runGet', 'get', base);
  assert.equal(await runGet({ paths: ['a', 'b'] }), 2);

  await writeFile(join(root, 'daemon', 'other.js'), 'export const runGet = 1;\n');
  await assert.rejects(loadOptionalFunction('../daemon/other.js', 'runGet', 'get', base), /does not export a function runGet\(\)/);
});
