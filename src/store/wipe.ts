// Forgets everything the client stored: empties the data dir (reset-tr069-config; the daemon can reuse it
// for FactoryReset). It only ever works INSIDE the data dir: symlinks are removed, never followed, and a
// directory that does not look like ours (a subdirectory we do not know) is refused, so that a mistyped
// --data-dir cannot wipe someone's home or /var/lib.
import { lstat, readdir, rmdir, stat, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { DATA_DIRS } from './paths.js';

export interface WipeReport {
  dir: string;
  /** false when the data dir did not exist (nothing to do). */
  existed: boolean;
  /** What was removed, relative to the data dir, directories with a trailing "/", in name order. */
  removed: { name: string; files: number }[];
}

export class WipeRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WipeRefusedError';
  }
}

const MAX_DEPTH = 32;
const OWN_DIRS: ReadonlySet<string> = new Set(Object.values(DATA_DIRS));

/** Names of directories the client creates: its own dirs, and proper-lockfile's "<file>.lock" dirs. */
function isOwnDir(name: string): boolean {
  return OWN_DIRS.has(name) || name.endsWith('.lock');
}

/**
 * Removes every entry inside `dataDir` (the directory itself stays, with its mode and owner).
 * Refuses (WipeRefusedError, nothing removed) for "/", the home directory, a path that is not a
 * directory, or a directory holding subdirectories the client does not own (unless `force`).
 */
export async function wipeDataDir(dataDir: string, opts: { force?: boolean; keep?: readonly string[] } = {}): Promise<WipeReport> {
  const dir = resolve(dataDir);
  const report: WipeReport = { dir, existed: false, removed: [] };
  if (dir === '/' || dir === resolve(homedir()) || (process.env.HOME && dir === resolve(process.env.HOME))) {
    throw new WipeRefusedError(`refusing to empty ${dir}: it cannot be a tr069-client data directory`);
  }
  let st;
  try {
    st = await stat(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return report;
    throw err;
  }
  if (!st.isDirectory()) throw new WipeRefusedError(`refusing to empty ${dir}: it is not a directory`);
  report.existed = true;

  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  const foreign = entries.filter((e) => e.isDirectory() && !isOwnDir(e.name)).map((e) => e.name + '/');
  if (foreign.length > 0 && !opts.force) {
    throw new WipeRefusedError(
      `refusing to empty ${dir}: it holds directories tr069-client does not create (${foreign.join(', ')}); ` +
        'check the data dir, or use --force',
    );
  }
  for (const e of entries) {
    // `keep`: top-level files the caller replaces itself (FactoryReset writes the new settings first).
    if (opts.keep?.includes(e.name) && !e.isDirectory()) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      report.removed.push({ name: e.name + '/', files: await removeTree(p, 1) });
    } else {
      // Regular files, symlinks (the link itself, never its target), sockets, fifos.
      await unlinkIfPresent(p);
      report.removed.push({ name: e.name, files: 1 });
    }
  }
  return report;
}

/** Deletes a directory tree without following symlinks; returns how many non-directories it removed. */
async function removeTree(path: string, depth: number): Promise<number> {
  if (depth > MAX_DEPTH) throw new WipeRefusedError(`${path}: directory tree deeper than ${MAX_DEPTH} levels`);
  // Re-check right before descending: a symlink must be unlinked, not entered.
  const st = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (st === null) return 0;
  if (!st.isDirectory()) {
    await unlinkIfPresent(path);
    return 1;
  }
  let files = 0;
  for (const e of await readdir(path, { withFileTypes: true })) {
    const p = join(path, e.name);
    if (e.isDirectory()) files += await removeTree(p, depth + 1);
    else {
      await unlinkIfPresent(p);
      files += 1;
    }
  }
  await rmdir(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  return files;
}

async function unlinkIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
