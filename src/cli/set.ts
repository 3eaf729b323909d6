// `tr069-client set KEY=VALUE ...`: checks every assignment first, then applies them all in one locked,
// atomic update of settings.json. Any bad assignment changes nothing.
import { parseSettingValue, type SettingsValues, updateSettings } from '../settings/settings.js';
import { CliError, EXIT_USAGE } from './errors.js';

export async function setCommand(dataDir: string, assignments: string[], cwd: string): Promise<void> {
  const errors: string[] = [];
  const patch: Record<string, unknown> = {};
  for (const a of assignments) {
    const eq = a.indexOf('=');
    if (eq <= 0) {
      errors.push(`${JSON.stringify(a)} is not KEY=VALUE (e.g. periodic-inform-interval=5m)`);
      continue;
    }
    const key = a.slice(0, eq);
    if (Object.prototype.hasOwnProperty.call(patch, key)) {
      errors.push(`${key}: given more than once`);
      continue;
    }
    const r = parseSettingValue(key, a.slice(eq + 1), { cwd });
    if (r.ok) patch[r.key] = r.value;
    else errors.push(r.error);
  }
  if (errors.length > 0) throw new CliError([...errors, 'nothing was changed'].join('\n'), EXIT_USAGE);
  await updateSettings(dataDir, patch as Partial<SettingsValues>);
}
