// The defaults file (/etc/tr069-client/defaults): the settings a FactoryReset returns to, written as
// the commands an operator would type:
//
//   # lab ACS
//   tr069-client set acs-url=http://acs:7547/ periodic-inform-interval=5m
//   set reboot-command="systemctl reboot"
//
// Every line is checked before anything is applied; then all of it is applied in one atomic update,
// later lines winning over earlier ones. Relative certificate paths are relative to the file.
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseSettingValue, type SettingsValues, updateSettings } from './settings.js';
import { ShellWordsError, shellWords } from './shell-words.js';

const MAX_DEFAULTS_BYTES = 1024 * 1024;

export interface DefaultsLineError {
  line: number;
  message: string;
}

export class DefaultsFileError extends Error {
  constructor(
    readonly path: string,
    readonly errors: DefaultsLineError[],
  ) {
    super(errors.map((e) => `${path}:${e.line}: ${e.message}`).join('\n') + '\nnothing was applied');
    this.name = 'DefaultsFileError';
  }
}

/** Parses a defaults script; every bad line is reported (with its number), not only the first. */
export function parseDefaults(
  text: string,
  ctx: { cwd: string },
): { patch: Partial<SettingsValues>; errors: DefaultsLineError[] } {
  const patch: Record<string, unknown> = {};
  const errors: DefaultsLineError[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    let words: string[];
    try {
      words = shellWords(raw);
    } catch (err) {
      if (!(err instanceof ShellWordsError)) throw err;
      errors.push({ line, message: err.message });
      return;
    }
    if (words.length === 0) return;
    if (words[0] === 'tr069-client') words = words.slice(1);
    if (words[0] !== 'set') {
      errors.push({ line, message: `expected "set KEY=VALUE ..." or "tr069-client set KEY=VALUE ...", found ${JSON.stringify(words[0] ?? '')}` });
      return;
    }
    if (words.length === 1) {
      errors.push({ line, message: 'set needs at least one KEY=VALUE' });
      return;
    }
    for (const w of words.slice(1)) {
      const eq = w.indexOf('=');
      if (eq <= 0) {
        errors.push({ line, message: `${JSON.stringify(w)} is not KEY=VALUE` });
        continue;
      }
      const r = parseSettingValue(w.slice(0, eq), w.slice(eq + 1), ctx);
      if (r.ok) patch[r.key] = r.value;
      else errors.push({ line, message: r.error });
    }
  });
  return { patch: patch as Partial<SettingsValues>, errors };
}

export interface DefaultsResult {
  path: string;
  /** false when the file does not exist (nothing applied; the built-in defaults stand). */
  found: boolean;
  /** The settings the file set. */
  applied: Partial<SettingsValues>;
}

/**
 * Reads and checks a defaults file without applying it (e.g. before a FactoryReset wipes the data dir,
 * so that a broken file can be refused while the old settings still exist). A missing file is
 * `found: false`; a bad line throws DefaultsFileError.
 */
export async function readDefaultsFile(path: string): Promise<{ path: string; found: boolean; patch: Partial<SettingsValues> }> {
  const abs = resolve(path);
  let text: string;
  try {
    const st = await stat(abs);
    if (!st.isFile()) throw new DefaultsFileError(abs, [{ line: 0, message: 'not a regular file' }]);
    if (st.size > MAX_DEFAULTS_BYTES) throw new DefaultsFileError(abs, [{ line: 0, message: 'file too big (over 1 MiB)' }]);
    text = await readFile(abs, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { path: abs, found: false, patch: {} };
    if (err instanceof DefaultsFileError) throw err;
    throw new DefaultsFileError(abs, [{ line: 0, message: `cannot read: ${(err as Error).message}` }]);
  }
  const { patch, errors } = parseDefaults(text, { cwd: dirname(abs) });
  if (errors.length > 0) throw new DefaultsFileError(abs, errors);
  return { path: abs, found: true, patch };
}

/**
 * Reads, checks and applies a defaults file to the settings in `dataDir` (one locked update).
 * A bad line throws DefaultsFileError and changes nothing.
 */
export async function applyDefaultsFile(path: string, dataDir: string): Promise<DefaultsResult> {
  const { path: abs, found, patch } = await readDefaultsFile(path);
  if (Object.keys(patch).length > 0) await updateSettings(dataDir, patch);
  return { path: abs, found, applied: patch };
}
