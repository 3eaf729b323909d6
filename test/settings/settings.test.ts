import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  PRINT_KEYS,
  SETTING_KEYS,
  changedSettings,
  clientStatus,
  defaultSettings,
  formatSetting,
  fromParameterValue,
  loadSettings,
  parseSettingValue,
  printView,
  settingForParameter,
  settingParameters,
  settingsFile,
  toParameterValue,
  updateSettings,
  type SettingKey,
} from '../../src/settings/settings.js';
import { StateFileError } from '../../src/store/durable-file.js';
import { testCerts } from '../helpers/certs.js';

const tmp = () => mkdtemp(join(tmpdir(), 'tr069-settings-'));
const ctx = { cwd: '/' };

function ok(key: string, text: string, c = ctx): unknown {
  const r = parseSettingValue(key, text, c);
  assert.ok(r.ok, `${key}=${text}: ${r.ok ? '' : r.error}`);
  return r.value;
}
function bad(key: string, text: string, pattern: RegExp, c = ctx): void {
  const r = parseSettingValue(key, text, c);
  assert.ok(!r.ok, `${key}=${text} should be refused`);
  assert.match(r.error, pattern);
  assert.ok(r.error.startsWith(`${key}: `), `the message names the key: ${r.error}`);
}

// The documented table (brief/SETTINGS.md), in order, with defaults.
const DOCUMENTED: [SettingKey, unknown][] = [
  ['enabled', true], ['acs-url', ''], ['username', ''], ['password', ''], ['periodic-inform-enabled', true],
  ['periodic-inform-interval', 86400], ['periodic-inform-time', ''], ['client-certificate', ''], ['ca-certificate', ''],
  ['check-certificate', true], ['connection-request-port', 7547], ['connection-request-address', ''],
  ['connection-request-enabled', true], ['connection-request-username', ''], ['connection-request-password', ''],
  ['udp-connection-request-port', 0], ['stun-enabled', false], ['stun-server-address', ''], ['stun-server-port', 3478],
  ['stun-username', ''], ['stun-password', ''], ['stun-min-keepalive', 30], ['stun-max-keepalive', -1],
  ['retry-minimum-wait', 5], ['retry-interval-multiplier', 2000], ['active-notification-throttle', 0],
  ['provisioning-code', ''], ['manufacturer', ''], ['manufacturer-oui', ''], ['product-class', ''], ['serial-number', ''],
  ['reboot-command', ''], ['factory-reset-command', ''], ['upgrade-command', ''], ['script-command', '/bin/sh'],
  ['config-command', ''],
];

test('the table has exactly the documented keys, in order, with the documented defaults', () => {
  assert.deepEqual([...SETTING_KEYS], DOCUMENTED.map(([k]) => k));
  assert.deepEqual(defaultSettings(), Object.fromEntries(DOCUMENTED));
  assert.deepEqual(PRINT_KEYS.slice(-3), ['status', 'last-session-error', 'retry-count']);
});

test('yes/no settings', () => {
  for (const t of ['yes', 'YES', 'true', '1', ' yes ']) assert.equal(ok('enabled', t), true);
  for (const t of ['no', 'false', '0', 'No']) assert.equal(ok('stun-enabled', t), false);
  bad('enabled', 'maybe', /"maybe" is not yes or no/);
  bad('enabled', '', /is not yes or no/);
  assert.equal(formatSetting('enabled', true, 'text'), 'yes');
  assert.equal(formatSetting('enabled', false, 'json'), 'no');
});

test('durations: units, ranges, -1 where allowed, human text and JSON seconds', () => {
  assert.equal(ok('periodic-inform-interval', '5m'), 300);
  assert.equal(ok('periodic-inform-interval', '3600'), 3600);
  assert.equal(ok('periodic-inform-interval', '1h30m'), 5400);
  bad('periodic-inform-interval', 'abc', /^periodic-inform-interval: "abc" is not a duration \(use seconds or 30s, 5m, 1h, 1d\)$/);
  bad('periodic-inform-interval', '0', /too short: the minimum is 1s/);
  bad('periodic-inform-interval', '-1', /not a duration/);
  bad('periodic-inform-interval', '4294967296', /too long/);
  assert.equal(ok('stun-min-keepalive', '0'), 0);
  assert.equal(ok('stun-max-keepalive', '-1'), -1);
  assert.equal(ok('stun-max-keepalive', '2m'), 120);
  bad('stun-max-keepalive', '-2', /not a duration .*or -1/);
  assert.equal(ok('retry-minimum-wait', '65535'), 65535);
  bad('retry-minimum-wait', '65536', /maximum is 18h12m15s/);
  bad('retry-minimum-wait', '0s', /minimum is 1s/);
  assert.equal(formatSetting('periodic-inform-interval', 86400, 'text'), '1d');
  assert.equal(formatSetting('periodic-inform-interval', 5400, 'text'), '1h30m');
  assert.equal(formatSetting('periodic-inform-interval', 86400, 'json'), 86400);
  assert.equal(formatSetting('active-notification-throttle', 0, 'text'), '0s');
  assert.equal(formatSetting('stun-max-keepalive', -1, 'text'), '-1');
  assert.equal(formatSetting('stun-max-keepalive', -1, 'json'), -1);
});

test('ports and whole numbers', () => {
  assert.equal(ok('connection-request-port', '7548'), 7548);
  bad('connection-request-port', '0', /"0" is not a port \(1\.\.65535\)/);
  bad('connection-request-port', '65536', /not a port/);
  bad('connection-request-port', 'http', /not a port/);
  assert.equal(ok('udp-connection-request-port', '0'), 0);
  assert.equal(ok('stun-server-port', '65535'), 65535);
  assert.equal(ok('retry-interval-multiplier', '1000'), 1000);
  bad('retry-interval-multiplier', '999', /1000\.\.65535/);
  bad('retry-interval-multiplier', '2.5', /not a whole number/);
  assert.equal(formatSetting('connection-request-port', 7547, 'json'), 7547);
  assert.equal(formatSetting('connection-request-port', 7547, 'text'), '7547');
});

test('the ACS URL: http(s) with a host, or empty', () => {
  assert.equal(ok('acs-url', ''), '');
  assert.equal(ok('acs-url', 'http://acs:7547/'), 'http://acs:7547/');
  assert.equal(ok('acs-url', 'https://acs.example.net/cwmp?x=1'), 'https://acs.example.net/cwmp?x=1');
  assert.equal(ok('acs-url', 'http://[::1]:7547'), 'http://[::1]:7547', 'kept as written');
  bad('acs-url', 'ftp://acs/', /not an http:\/\/ or https:\/\/ URL/);
  bad('acs-url', 'acs.example.net', /is not a URL/);
  bad('acs-url', 'http://', /is not a URL|has no host/);
  bad('acs-url', 'http://user:pw@acs/', /credentials/);
  bad('acs-url', 'http://acs/ x', /spaces/);
  bad('acs-url', 'https://' + 'a'.repeat(2100) + '/', /too long/);
});

test('text, secrets, identity overrides and commands', () => {
  assert.equal(ok('username', 'cpe 1 "quoted"'), 'cpe 1 "quoted"');
  bad('username', 'x'.repeat(257), /too long \(257 characters; at most 256\)/);
  assert.equal(ok('username', 'é'.repeat(256)), 'é'.repeat(256), 'characters, not bytes');
  bad('password', 'a\nb', /control character/);
  bad('provisioning-code', 'p'.repeat(65), /at most 64/);
  assert.equal(ok('manufacturer-oui', '00a0c9'), '00A0C9');
  bad('manufacturer-oui', '00A0C', /not an OUI/);
  assert.equal(ok('reboot-command', 'systemctl reboot'), 'systemctl reboot');
  assert.equal(ok('script-command', ''), '');
  // Secrets are masked when set, empty when not.
  assert.equal(formatSetting('password', 'hunter2', 'text'), '********');
  assert.equal(formatSetting('password', 'hunter2', 'json'), '********');
  assert.equal(formatSetting('password', '', 'json'), '');
  assert.equal(formatSetting('connection-request-password', 'x', 'text'), '********');
  assert.equal(formatSetting('stun-password', 'x', 'text'), '********');
  assert.equal(formatSetting('username', 'bob', 'text'), 'bob');
});

test('addresses and hosts', () => {
  assert.equal(ok('connection-request-address', '192.0.2.1'), '192.0.2.1');
  assert.equal(ok('connection-request-address', '::1'), '::1');
  assert.equal(ok('connection-request-address', ''), '');
  bad('connection-request-address', 'eth0', /not an IP address/);
  assert.equal(ok('stun-server-address', 'stun.example.net'), 'stun.example.net');
  assert.equal(ok('stun-server-address', '198.51.100.7'), '198.51.100.7');
  bad('stun-server-address', 'stun example', /not a host name/);
  bad('stun-server-address', 'http://stun/', /not a host name/);
});

test('periodic-inform-time: dateTime with zone, normalised to UTC; unknown time is ""', () => {
  assert.equal(ok('periodic-inform-time', '2024-01-01T03:00:00Z'), '2024-01-01T03:00:00Z');
  assert.equal(ok('periodic-inform-time', '2024-01-01T03:00:00+02:00'), '2024-01-01T01:00:00Z');
  assert.equal(ok('periodic-inform-time', '2024-01-01T03:00:00.500Z'), '2024-01-01T03:00:00Z');
  assert.equal(ok('periodic-inform-time', '0001-01-01T00:00:00Z'), '');
  assert.equal(ok('periodic-inform-time', ''), '');
  bad('periodic-inform-time', '2024-02-30T00:00:00Z', /not a date and time/);
  bad('periodic-inform-time', '2024-01-01 03:00:00', /not a date and time/);
  bad('periodic-inform-time', '2024-01-01T03:00:00', /not a date and time/, );
  bad('periodic-inform-time', 'tomorrow', /not a date and time/);
});

test('certificate paths: must exist, be readable and hold the right PEM; stored absolute', async () => {
  const certs = await testCerts();
  const dir = await tmp();
  assert.equal(ok('client-certificate', certs.clientCertFile), certs.clientCertFile);
  assert.equal(ok('ca-certificate', certs.caFile), certs.caFile);
  // Relative paths resolve against the given directory.
  assert.equal(ok('ca-certificate', 'ca.pem', { cwd: certs.dir }), join(certs.dir, 'ca.pem'));
  assert.equal(ok('client-certificate', ''), '');
  bad('client-certificate', join(dir, 'nope.pem'), /does not exist/);
  bad('client-certificate', dir, /is a directory/);
  bad('client-certificate', certs.serverCertFile, /holds a certificate but no PEM private key/);
  bad('client-certificate', certs.serverKeyFile, /holds a private key but no PEM certificate/);
  const mismatched = join(dir, 'mismatch.pem');
  await writeFile(mismatched, (await readFile(certs.serverCertFile, 'utf8')) + (await readFile(certs.caKeyFile, 'utf8')));
  bad('client-certificate', mismatched, /does not belong/);
  const junk = join(dir, 'junk.pem');
  await writeFile(junk, 'hello\n');
  bad('client-certificate', junk, /neither a PEM certificate nor a private key/);
  bad('ca-certificate', junk, /holds no PEM certificate/);
  const broken = join(dir, 'broken.pem');
  await writeFile(broken, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
  bad('ca-certificate', broken, /certificate 1 is not a valid PEM certificate/);
  if (process.getuid?.() !== 0) {
    const unreadable = join(dir, 'unreadable.pem');
    await writeFile(unreadable, await readFile(certs.caFile));
    await chmod(unreadable, 0o000);
    bad('ca-certificate', unreadable, /not readable/);
  }
});

test('unknown and read-only keys are refused by name', () => {
  bad('acs-ur', 'x', /^acs-ur: unknown setting \(did you mean acs-url\?\)$/);
  bad('frobnicate', 'x', /^frobnicate: unknown setting$/);
  for (const k of ['status', 'last-session-error', 'retry-count']) bad(k, 'x', /read-only/);
});

test('status comes from the settings; print view has every key in order', () => {
  const d = defaultSettings();
  assert.equal(clientStatus(d), 'waiting-URL');
  assert.equal(clientStatus({ ...d, 'acs-url': 'http://acs/' }), 'running');
  assert.equal(clientStatus({ ...d, enabled: false, 'acs-url': 'http://acs/' }), 'disabled');
  const view = printView({ ...d, password: 'x' }, { lastSessionError: 'timeout', retryCount: 3 }, 'json');
  assert.deepEqual(view.map(([k]) => k), [...PRINT_KEYS]);
  const obj = Object.fromEntries(view);
  assert.equal(obj.password, '********');
  assert.equal(obj['last-session-error'], 'timeout');
  assert.equal(obj['retry-count'], 3);
  assert.equal(Object.fromEntries(printView(d, { lastSessionError: '', retryCount: 3 }, 'text'))['retry-count'], '3');
  assert.deepEqual(changedSettings(d, { ...d, username: 'u', enabled: false }), ['enabled', 'username']);
});

test('load/update: defaults when absent, one atomic 0600 write, bad patch changes nothing', async () => {
  const dir = join(await tmp(), 'data');
  assert.deepEqual(await loadSettings(dir), defaultSettings());
  const after = await updateSettings(dir, { 'acs-url': 'http://acs:7547/', 'periodic-inform-interval': 300 });
  assert.equal(after['acs-url'], 'http://acs:7547/');
  const file = settingsFile(dir).path;
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
  assert.deepEqual(await loadSettings(dir), after);
  const stored = JSON.parse(await readFile(file, 'utf8'));
  assert.equal(stored['periodic-inform-interval'], 300, 'stored as seconds under the CLI name');

  const before = await readFile(file, 'utf8');
  await assert.rejects(
    updateSettings(dir, { username: 'ok', 'connection-request-port': 0 } as never),
    (e: unknown) => e instanceof StateFileError && /connection-request-port/.test(e.message),
  );
  await assert.rejects(updateSettings(dir, { nope: 1 } as never), /unknown setting "nope"/);
  assert.equal(await readFile(file, 'utf8'), before, 'nothing written');

  // Functional patch: decided under the lock from the current values.
  const gen = await updateSettings(dir, (cur) => (cur['connection-request-username'] ? {} : { 'connection-request-username': 'gen' }));
  assert.equal(gen['connection-request-username'], 'gen');
  const again = await updateSettings(dir, (cur) => (cur['connection-request-username'] ? {} : { 'connection-request-username': 'other' }));
  assert.equal(again['connection-request-username'], 'gen');

  // Concurrent updates of different keys all land.
  await Promise.all(['a', 'b', 'c', 'd'].map((v, i) => updateSettings(dir, i % 2 ? { username: v } : { 'provisioning-code': v })));
  const s = await loadSettings(dir);
  assert.ok(['b', 'd'].includes(s.username) && ['a', 'c'].includes(s['provisioning-code']));
});

test('a hand-edited settings.json with a bad value or unknown key is a clear error', async () => {
  const dir = await tmp();
  const file = settingsFile(dir).path;
  await writeFile(file, JSON.stringify({ 'periodic-inform-interval': 'abc' }));
  await assert.rejects(loadSettings(dir), (e: unknown) => e instanceof StateFileError && /periodic-inform-interval: expected whole seconds/.test(e.message));
  await writeFile(file, JSON.stringify({ acs_url: 'http://x/' }));
  await assert.rejects(loadSettings(dir), /unknown setting "acs_url"/);
  await writeFile(file, JSON.stringify({ 'acs-url': 'http://x/' }));
  const s = await loadSettings(dir);
  assert.equal(s['acs-url'], 'http://x/');
  assert.equal(s.enabled, true, 'missing keys read as defaults');
});

test('TR-181 side: mapping, xsd conversions, hidden values read as ""', () => {
  const url = settingForParameter('Device.ManagementServer.URL');
  assert.deepEqual(url, { key: 'acs-url', path: 'Device.ManagementServer.URL', type: 'string', writable: true, hidden: false });
  assert.equal(settingForParameter('Device.ManagementServer.Password')?.hidden, true);
  assert.equal(settingForParameter('Device.DeviceInfo.SerialNumber')?.writable, false);
  assert.equal(settingForParameter('Device.ManagementServer.ParameterKey'), undefined);
  assert.equal(settingParameters().length, 25);
  for (const p of settingParameters()) assert.match(p.path, /^Device\.(ManagementServer|DeviceInfo)\.[A-Za-z]+$/);

  assert.equal(toParameterValue('enabled', true), 'true');
  assert.equal(toParameterValue('periodic-inform-interval', 300), '300');
  assert.equal(toParameterValue('periodic-inform-time', ''), '0001-01-01T00:00:00Z');
  assert.equal(toParameterValue('password', 'secret'), '');
  assert.equal(toParameterValue('stun-max-keepalive', -1), '-1');
  assert.throws(() => toParameterValue('reboot-command', 'x'), /not a TR-181 parameter/);

  const v = (key: SettingKey, text: string) => {
    const r = fromParameterValue(key, text);
    return r.ok ? r.value : `ERR ${r.error}`;
  };
  assert.equal(v('enabled', 'false'), false);
  assert.equal(v('enabled', '1'), true);
  assert.match(String(v('enabled', 'yes')), /^ERR Device\.ManagementServer\.EnableCWMP: "yes" is not a boolean/);
  assert.equal(v('periodic-inform-interval', '600'), 600);
  assert.match(String(v('periodic-inform-interval', '5m')), /^ERR .*not a whole number/, 'no units over CWMP');
  assert.match(String(v('periodic-inform-interval', '0')), /out of range/);
  assert.equal(v('stun-max-keepalive', '-1'), -1);
  assert.equal(v('periodic-inform-time', '0001-01-01T00:00:00Z'), '');
  assert.equal(v('periodic-inform-time', '2030-06-01T00:00:00Z'), '2030-06-01T00:00:00Z');
  assert.equal(v('retry-interval-multiplier', '3000'), 3000);
  assert.match(String(v('acs-url', 'ftp://x/')), /^ERR/);
  assert.match(String(v('client-certificate', '/x')), /not a TR-181 parameter/);
});
