import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultsFileError, applyDefaultsFile, parseDefaults, readDefaultsFile } from '../../src/settings/defaults.js';
import { loadSettings, settingsFile, updateSettings } from '../../src/settings/settings.js';
import { ShellWordsError, shellWords } from '../../src/settings/shell-words.js';
import { testCerts } from '../helpers/certs.js';

const tmp = () => mkdtemp(join(tmpdir(), 'tr069-defaults-'));

test('shell words: quoting, escapes, comments, no expansion', () => {
  assert.deepEqual(shellWords('set a=b  c=d'), ['set', 'a=b', 'c=d']);
  assert.deepEqual(shellWords(`set k="v 2" k2='it''s' k3=x\\ y`), ['set', 'k=v 2', 'k2=its', 'k3=x y']);
  assert.deepEqual(shellWords(`set k="a \\"q\\" \\\\ \\n $HOME"`), ['set', 'k=a "q" \\ \\n $HOME']);
  assert.deepEqual(shellWords(`set k='$HOME \\n'`), ['set', 'k=$HOME \\n']);
  assert.deepEqual(shellWords('set a=b # a comment'), ['set', 'a=b']);
  assert.deepEqual(shellWords('set a=b#c'), ['set', 'a=b#c'], '# inside a word is not a comment');
  assert.deepEqual(shellWords('   # only a comment'), []);
  assert.deepEqual(shellWords(''), []);
  assert.deepEqual(shellWords("set k=''"), ['set', 'k=']);
  assert.deepEqual(shellWords('set\tk=""'), ['set', 'k=']);
  assert.throws(() => shellWords('set k="open'), (e: unknown) => e instanceof ShellWordsError && /unterminated double quote/.test(e.message));
  assert.throws(() => shellWords("set k='open"), /unterminated single quote/);
  assert.throws(() => shellWords('set k=v \\'), /line continuation is not supported/);
});

test('a script of set lines becomes one patch; later lines win', () => {
  const { patch, errors } = parseDefaults(
    [
      '# factory defaults',
      '',
      'tr069-client set acs-url=http://acs:7547/ periodic-inform-interval=5m',
      '  set reboot-command="systemctl reboot"   # keep it simple',
      "set username='cpe one' periodic-inform-interval=1h",
      'set enabled=no\r',
    ].join('\n'),
    { cwd: '/' },
  );
  assert.deepEqual(errors, []);
  assert.deepEqual(patch, {
    'acs-url': 'http://acs:7547/',
    'periodic-inform-interval': 3600,
    'reboot-command': 'systemctl reboot',
    username: 'cpe one',
    enabled: false,
  });
});

test('every bad line is reported with its number', () => {
  const { errors } = parseDefaults(
    [
      'set acs-url=http://ok/',
      'set periodic-inform-interval=abc',
      'print',
      'set',
      'set novalue',
      'set status=running',
      'set k="unterminated',
      'tr069-client set bogus-key=1 enabled=yes',
    ].join('\n'),
    { cwd: '/' },
  );
  assert.deepEqual(errors, [
    { line: 2, message: 'periodic-inform-interval: "abc" is not a duration (use seconds or 30s, 5m, 1h, 1d)' },
    { line: 3, message: 'expected "set KEY=VALUE ..." or "tr069-client set KEY=VALUE ...", found "print"' },
    { line: 4, message: 'set needs at least one KEY=VALUE' },
    { line: 5, message: '"novalue" is not KEY=VALUE' },
    { line: 6, message: 'status: is read-only (the client reports it; it cannot be set)' },
    { line: 7, message: 'unterminated double quote' },
    { line: 8, message: 'bogus-key: unknown setting' },
  ]);
});

test('applyDefaultsFile: applies all atomically; a bad line applies nothing; missing file is reported', async () => {
  const dir = await tmp();
  const data = join(dir, 'data');
  await updateSettings(data, { username: 'before', 'provisioning-code': 'keep' });
  const file = join(dir, 'defaults');

  await writeFile(file, 'set username=after acs-url=https://acs.example.net/\nset periodic-inform-interval=oops\n');
  const before = await readFile(settingsFile(data).path, 'utf8');
  await assert.rejects(applyDefaultsFile(file, data), (e: unknown) => {
    assert.ok(e instanceof DefaultsFileError);
    assert.match(e.message, new RegExp(`^${file}:2: periodic-inform-interval: "oops" is not a duration`));
    assert.match(e.message, /nothing was applied$/);
    assert.deepEqual(e.errors.map((x) => x.line), [2]);
    return true;
  });
  assert.equal(await readFile(settingsFile(data).path, 'utf8'), before);

  await writeFile(file, 'set username=after acs-url=https://acs.example.net/\n');
  const r = await applyDefaultsFile(file, data);
  assert.deepEqual(r, { path: file, found: true, applied: { username: 'after', 'acs-url': 'https://acs.example.net/' } });
  const s = await loadSettings(data);
  assert.equal(s.username, 'after');
  assert.equal(s['provisioning-code'], 'keep', 'settings the file does not name are untouched');

  // Checking without applying (before a FactoryReset wipes anything).
  assert.deepEqual(await readDefaultsFile(file), { path: file, found: true, patch: { username: 'after', 'acs-url': 'https://acs.example.net/' } });
  await writeFile(join(dir, 'broken'), 'set enabled=perhaps\n');
  await assert.rejects(readDefaultsFile(join(dir, 'broken')), /broken:1: enabled: "perhaps" is not yes or no/);
  assert.deepEqual(await readDefaultsFile(join(dir, 'absent')), { path: join(dir, 'absent'), found: false, patch: {} });

  assert.deepEqual(await applyDefaultsFile(join(dir, 'absent'), data), { path: join(dir, 'absent'), found: false, applied: {} });
  await assert.rejects(applyDefaultsFile(dir, data), /not a regular file/);
});

test('certificate paths in a defaults file are relative to the file', async () => {
  const certs = await testCerts();
  const dir = await tmp();
  await copyFile(certs.caFile, join(dir, 'ca.pem'));
  await writeFile(join(dir, 'defaults'), 'set ca-certificate=ca.pem\n');
  await applyDefaultsFile(join(dir, 'defaults'), join(dir, 'data'));
  assert.equal((await loadSettings(join(dir, 'data')))['ca-certificate'], join(dir, 'ca.pem'));
  await writeFile(join(dir, 'defaults'), 'set client-certificate=missing.pem\n');
  await assert.rejects(applyDefaultsFile(join(dir, 'defaults'), join(dir, 'data')), /:1: client-certificate: .*missing\.pem does not exist/);
});
