// `tr069-client print [--json]`: the settings and the read-only status, like RouterOS's
// `/tr069-client print`. Works whether or not the daemon runs: it only reads files.
import { loadSettings, printView } from '../settings/settings.js';
import { readStatus } from '../store/status.js';

export async function printCommand(dataDir: string, json: boolean): Promise<string> {
  const [values, status] = await Promise.all([loadSettings(dataDir), readStatus(dataDir)]);
  if (json) {
    return JSON.stringify(Object.fromEntries(printView(values, status, 'json')), null, 2) + '\n';
  }
  const rows = printView(values, status, 'text');
  const width = Math.max(...rows.map(([k]) => k.length));
  // Keys right-aligned as RouterOS prints them; `sed 's/^ *KEY: //'` extracts a value.
  return rows.map(([k, v]) => `${k.padStart(width)}: ${v}`).join('\n') + '\n';
}
