import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  DATA_DIRS,
  DATA_FILES,
  SYSTEM_DATA_DIR,
  dataPaths,
  defaultDataDir,
  resolveDataDir,
  resolveDefaultsFile,
} from '../../src/store/paths.js';

test('default data dir: /var/lib for root, XDG state dir otherwise', () => {
  assert.equal(defaultDataDir({ HOME: '/home/u' }, 0), SYSTEM_DATA_DIR);
  assert.equal(defaultDataDir({ HOME: '/home/u' }, 1000), '/home/u/.local/state/tr069-client');
  assert.equal(defaultDataDir({ HOME: '/home/u', XDG_STATE_HOME: '/xdg' }, 1000), '/xdg/tr069-client');
  assert.equal(defaultDataDir({ HOME: '/home/u', XDG_STATE_HOME: 'rel' }, 1000), '/home/u/.local/state/tr069-client');
  assert.equal(defaultDataDir({ HOME: '/home/u', XDG_STATE_HOME: '/xdg' }, 0), SYSTEM_DATA_DIR);
});

test('the flag wins over the environment, which wins over the default; always absolute', () => {
  const env = { TR069_DATA_DIR: '/from/env', HOME: '/home/u' };
  assert.equal(resolveDataDir('/from/flag', env, 1000), '/from/flag');
  assert.equal(resolveDataDir(undefined, env, 1000), '/from/env');
  assert.equal(resolveDataDir(undefined, { HOME: '/home/u' }, 1000), '/home/u/.local/state/tr069-client');
  assert.equal(resolveDataDir('', { TR069_DATA_DIR: '' }, 0), SYSTEM_DATA_DIR);
  assert.equal(resolveDataDir('rel', {}, 0), join(process.cwd(), 'rel'));
  assert.equal(resolveDefaultsFile(undefined, {}), '/etc/tr069-client/defaults');
  assert.equal(resolveDefaultsFile(undefined, { TR069_DEFAULTS_FILE: '/x/d' }), '/x/d');
  assert.equal(resolveDefaultsFile('/flag/d', { TR069_DEFAULTS_FILE: '/x/d' }), '/flag/d');
});

test('every file and directory of the data dir has one name', () => {
  const p = dataPaths('/d');
  assert.equal(p.dir, '/d');
  assert.equal(p.settings, '/d/settings.json');
  assert.equal(p.status, '/d/status.json');
  assert.equal(p.state, '/d/state.json');
  assert.equal(p.model, '/d/model.json');
  assert.equal(p.transfers, '/d/transfers.json');
  assert.equal(p.connreq, '/d/connreq.json');
  assert.equal(p.downloads, '/d/downloads');
  const names = [...Object.values(DATA_FILES), ...Object.values(DATA_DIRS)];
  assert.equal(new Set(names).size, names.length, 'no name used twice');
});
