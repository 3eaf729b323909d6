// A throw-away copy of the built client (dist/src) in which the `tough-cookie` dependency
// (loaded through src/cjs.ts) is replaced by the stand-in in ./slim/, to measure what such a change of dependency would save
// in the daemon's idle memory. Bench only: the stand-ins cover just what the client calls.
import { cp, copyFile, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ROOT } from './daemon.js';

export type Swap = 'tough-cookie';

const SLIM = join(dirname(fileURLToPath(import.meta.url)), 'slim');
/** The built files that import each package (checked: a missing import fails loudly). */
const IMPORTERS: Record<Swap, string[]> = {
  'tough-cookie': ['transport/http-session.js'],
};

export interface SlimDist {
  /** main.js of the copy. */
  main: string;
  remove(): Promise<void>;
}

export async function makeSlimDist(swaps: readonly Swap[]): Promise<SlimDist> {
  const dir = await mkdtemp(join(tmpdir(), 'tr069-bench-slim-'));
  try {
    await cp(join(ROOT, 'dist', 'src'), join(dir, 'dist', 'src'), { recursive: true });
    await copyFile(join(ROOT, 'package.json'), join(dir, 'package.json'));
    await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    await symlink(join(ROOT, 'src'), join(dir, 'src')); // the schema JSON is read from src/ (schema.ts)
    for (const swap of swaps) {
      const target = pathToFileURL(join(SLIM, `${swap}.mjs`)).href;
      for (const rel of IMPORTERS[swap]) {
        const file = join(dir, 'dist', 'src', rel);
        const text = await readFile(file, 'utf8');
        const from = `requireDependency('${swap}')`; // src/cjs.ts
        if (!text.includes(from)) throw new Error(`${rel} no longer loads ${swap}: update bench/helpers/slim-dist.ts`);
        await writeFile(file, text.replaceAll(from, `(await import('${target}'))`));
      }
    }
    return { main: join(dir, 'dist', 'src', 'cli', 'main.js'), remove: () => rm(dir, { recursive: true, force: true }) };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
