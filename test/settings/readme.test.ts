// The README's settings table is the operators' reference: it must list every setting with its default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SETTING_KEYS, formatSetting, settingDef } from '../../src/settings/settings.js';
import { REPO_ROOT } from '../helpers/cli.js';

test('README "Settings" lists every setting, in order, with its default and TR-181 parameter', async () => {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Settings'), readme.indexOf('\n## ', readme.indexOf('\n## Settings') + 5));
  const rows = section.split('\n').filter((l) => l.startsWith('| `'));
  assert.deepEqual(rows.map((r) => /^\| `([^`]+)`/.exec(r)?.[1]), [...SETTING_KEYS]);
  for (const [i, key] of SETTING_KEYS.entries()) {
    const cells = rows[i].split(' | ');
    const def = formatSetting(key, settingDef(key).default, 'text');
    assert.equal(cells[2], def === '' ? '""' : `\`${def}\``, `${key} default`);
    const param = settingDef(key).parameter;
    if (param) {
      const short = param.replace('Device.ManagementServer.', 'MS.').replace('Device.DeviceInfo.', 'DeviceInfo.');
      assert.ok(rows[i].includes(`\`${short}\``), `${key} → ${param}`);
    } else assert.ok(rows[i].endsWith('| — |'), `${key} has no parameter`);
  }
});
