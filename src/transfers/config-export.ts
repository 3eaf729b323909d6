// The configuration as RouterOS `export` would write it: a script of `tr069-client set key=value`
// lines. It is what Upload "1 Vendor Configuration File" sends, and a Download
// "3 Vendor Configuration File" of the same text restores it: the runner recognises this exact
// format and applies it through the settings callback, with no shell involved (it also still works
// as a /bin/sh script where the CLI is on PATH). Secrets are left out unless asked for.

export const EXPORT_HEADER = '# tr069-client configuration export';

export interface ExportOptions {
  /** Current settable values, formatted as the CLI prints them (yes/no, 1d, …). */
  values: Record<string, string>;
  /** Keys whose values are secrets (password, connection-request-password, …). */
  secretKeys: readonly string[];
  includeSecrets: boolean;
  /** When given, values equal to their default are left out (RouterOS `export` vs `export verbose`). */
  defaults?: Record<string, string>;
  /** Key order (the settings table's); keys not listed follow in their own order. */
  order?: readonly string[];
  now?: Date;
}

const BARE = /^[A-Za-z0-9@%+=:,./_-]+$/;
const KEY = /^[a-z][a-z0-9-]*$/;

/** Quotes a value for /bin/sh: bare when safe, otherwise single-quoted ('\'' for a quote). */
export function shellQuote(value: string): string {
  if (BARE.test(value)) return value;
  return "'" + value.replace(/'/g, "'\\''") + "'";
}

export function exportConfig(o: ExportOptions): string {
  const keys = [...(o.order ?? []).filter((k) => k in o.values), ...Object.keys(o.values).filter((k) => !o.order?.includes(k))];
  const lines = [
    EXPORT_HEADER,
    `# ${(o.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z')}` +
      (o.includeSecrets ? ' (includes secrets)' : ' (secrets left out)'),
  ];
  for (const key of keys) {
    if (!KEY.test(key)) continue;
    if (!o.includeSecrets && o.secretKeys.includes(key)) continue;
    const value = o.values[key];
    if (o.defaults && o.defaults[key] === value) continue;
    if (/[\0\r\n]/.test(value)) continue; // cannot be expressed on one line; never produced by the settings table
    lines.push(`tr069-client set ${key}=${shellQuote(value)}`);
  }
  return lines.join('\n') + '\n';
}

/** Undoes shellQuote for one word made of bare runs, '…' runs and \x escapes; null if anything else. */
function unquoteWord(word: string): string | null {
  let out = '';
  let i = 0;
  while (i < word.length) {
    const c = word[i];
    if (c === "'") {
      const end = word.indexOf("'", i + 1);
      if (end < 0) return null;
      out += word.slice(i + 1, end);
      i = end + 1;
    } else if (c === '\\') {
      if (i + 1 >= word.length) return null;
      out += word[i + 1];
      i += 2;
    } else if (BARE.test(c)) {
      out += c;
      i++;
    } else {
      return null;
    }
  }
  return out;
}

/**
 * Values of a file in exactly our export format (first line EXPORT_HEADER, then only comments,
 * blank lines and `tr069-client set key=value` lines); null for anything else, which is then
 * treated as a script.
 */
export function parseConfigExport(text: string): Record<string, string> | null {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[0]?.trim() !== EXPORT_HEADER) return null;
  const values: Record<string, string> = {};
  for (const raw of lines.slice(1)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^tr069-client set ([a-z][a-z0-9-]*)=(.*)$/.exec(line);
    if (!m) return null;
    const value = unquoteWord(m[2]);
    if (value === null) return null;
    values[m[1]] = value;
  }
  return values;
}
