// The real command as a child process: what users' scripts and acceptance checks rely on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRINT_KEYS } from '../../src/settings/settings.js';
import { writeStatus } from '../../src/store/status.js';
import { runCli, REPO_ROOT } from '../helpers/cli.js';
import { testCerts } from '../helpers/certs.js';

const tmp = () => mkdtemp(join(tmpdir(), 'tr069-cli-'));

test('--help, --version, and usage errors exit 2 with a clear message', async () => {
  const help = await runCli(['--help'], { dataDir: await tmp() });
  assert.equal(help.code, 0);
  for (const c of ['run', 'print', 'set', 'reset-tr069-config', 'get|params', '--data-dir']) assert.ok(help.stdout.includes(c), c);

  const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  const version = await runCli(['--version']);
  assert.deepEqual([version.code, version.stdout.trim()], [0, pkg.version]);

  const unknownCmd = await runCli(['frobnicate'], { dataDir: await tmp() });
  assert.equal(unknownCmd.code, 2);
  assert.match(unknownCmd.stderr, /unknown command 'frobnicate'/);

  const unknownOpt = await runCli(['print', '--colour'], { dataDir: await tmp() });
  assert.equal(unknownOpt.code, 2);
  assert.match(unknownOpt.stderr, /unknown option '--colour'/);

  const none = await runCli([], { dataDir: await tmp() });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /Usage: tr069-client/);

  const setNothing = await runCli(['set'], { dataDir: await tmp() });
  assert.equal(setNothing.code, 2);
  assert.match(setNothing.stderr, /missing required argument/);
});

test('print: aligned key: value lines in table order; reads without creating anything', async () => {
  const data = join(await tmp(), 'never-created');
  const r = await runCli(['print'], { dataDir: data });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.deepEqual(lines.map((l) => l.trim().split(':')[0]), [...PRINT_KEYS]);
  const colon = lines[0].indexOf(': ');
  for (const l of lines) assert.equal(l.indexOf(': '), colon, `aligned: ${JSON.stringify(l)}`);
  const value = (k: string) => lines.find((l) => l.trimStart().startsWith(k + ': '))!.slice(colon + 2);
  assert.equal(value('enabled'), 'yes');
  assert.equal(value('periodic-inform-interval'), '1d');
  assert.equal(value('stun-min-keepalive'), '30s');
  assert.equal(value('status'), 'waiting-URL');
  assert.equal(value('retry-count'), '0');
  assert.equal(existsSync(data), false, 'print does not create the data dir');
});

test('set then print --json: exact key set, value forms, secrets masked, status from status.json', async () => {
  const data = join(await tmp(), 'data');
  const set = await runCli(
    ['set', 'acs-url=http://acs:7547/', 'periodic-inform-interval=5m', 'password=hunter2', 'stun-enabled=yes', 'username=cpe one'],
    { dataDir: data },
  );
  assert.equal(set.code, 0, set.stderr);
  assert.equal(set.stdout, '');
  assert.equal((await stat(join(data, 'settings.json'))).mode & 0o777, 0o600);
  assert.equal((await stat(data)).mode & 0o777, 0o700);
  await writeStatus(data, { lastSessionError: 'connection refused', retryCount: 3 });
  assert.equal((await stat(join(data, 'status.json'))).mode & 0o777, 0o600);

  const r = await runCli(['print', '--json'], { dataDir: data });
  assert.equal(r.code, 0, r.stderr);
  const obj = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.deepEqual(Object.keys(obj), [...PRINT_KEYS]);
  assert.equal(obj['acs-url'], 'http://acs:7547/');
  assert.equal(obj['periodic-inform-interval'], 300);
  assert.equal(obj.password, '********');
  assert.equal(obj['stun-password'], '');
  assert.equal(obj['stun-enabled'], 'yes');
  assert.equal(obj.username, 'cpe one');
  assert.equal(obj['connection-request-port'], 7547);
  assert.equal(obj['stun-max-keepalive'], -1);
  assert.equal(obj.status, 'running');
  assert.equal(obj['last-session-error'], 'connection refused');
  assert.equal(obj['retry-count'], 3);
  assert.ok(!r.stdout.includes('hunter2'));

  const text = await runCli(['print'], { dataDir: data });
  assert.match(text.stdout, /^ *periodic-inform-interval: 5m$/m);
  assert.match(text.stdout, /^ *password: \*{8}$/m);
  assert.ok(!text.stdout.includes('hunter2'));

  const off = await runCli(['set', 'enabled=no'], { dataDir: data });
  assert.equal(off.code, 0);
  assert.equal(JSON.parse((await runCli(['print', '--json'], { dataDir: data })).stdout).status, 'disabled');
});

test('set: one bad value among good ones changes nothing (exit 2, every problem named)', async () => {
  const data = join(await tmp(), 'data');
  assert.equal((await runCli(['set', 'username=first'], { dataDir: data })).code, 0);
  const before = await readFile(join(data, 'settings.json'), 'utf8');

  const r = await runCli(
    ['set', 'username=second', 'periodic-inform-interval=abc', 'connection-request-port=70000', 'retry-count=1', 'acs-ur=x', 'noequals'],
    { dataDir: data },
  );
  assert.equal(r.code, 2);
  assert.match(r.stderr, /periodic-inform-interval: "abc" is not a duration \(use seconds or 30s, 5m, 1h, 1d\)/);
  assert.match(r.stderr, /connection-request-port: "70000" is not a port/);
  assert.match(r.stderr, /retry-count: is read-only/);
  assert.match(r.stderr, /acs-ur: unknown setting \(did you mean acs-url\?\)/);
  assert.match(r.stderr, /"noequals" is not KEY=VALUE/);
  assert.match(r.stderr, /nothing was changed/);
  assert.equal(await readFile(join(data, 'settings.json'), 'utf8'), before);

  for (const k of ['status', 'last-session-error']) {
    const ro = await runCli(['set', `${k}=x`], { dataDir: data });
    assert.equal(ro.code, 2);
    assert.match(ro.stderr, new RegExp(`${k}: is read-only`));
  }
  const twice = await runCli(['set', 'username=a', 'username=b'], { dataDir: data });
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /username: given more than once/);
  assert.equal(await readFile(join(data, 'settings.json'), 'utf8'), before);
});

test('--data-dir wins over TR069_DATA_DIR, before or after the command', async () => {
  const root = await tmp();
  const fromEnv = join(root, 'env');
  const fromFlag = join(root, 'flag');
  const a = await runCli(['set', 'username=flag-user', '--data-dir', fromFlag], { dataDir: fromEnv });
  assert.equal(a.code, 0, a.stderr);
  assert.equal(existsSync(fromEnv), false);
  assert.equal(JSON.parse(await readFile(join(fromFlag, 'settings.json'), 'utf8')).username, 'flag-user');

  const b = await runCli(['--data-dir=' + fromFlag, 'print', '--json'], { dataDir: fromEnv });
  assert.equal(JSON.parse(b.stdout).username, 'flag-user');
  const c = await runCli(['print', '--json'], { dataDir: fromEnv });
  assert.equal(JSON.parse(c.stdout).username, '');
});

test('reset-tr069-config forgets everything in the data dir and says what it did', async () => {
  const data = join(await tmp(), 'data');
  assert.equal((await runCli(['set', 'acs-url=http://acs/', 'password=x'], { dataDir: data })).code, 0);
  await writeStatus(data, { lastSessionError: 'boom', retryCount: 4, pid: null });
  for (const f of ['state.json', 'model.json', 'transfers.json', 'connreq.json']) await writeFile(join(data, f), '{}');
  await mkdir(join(data, 'downloads'));
  await writeFile(join(data, 'downloads', 'image.bin'), 'x');

  const r = await runCli(['reset-tr069-config'], { dataDir: data });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await readdir(data), []);
  for (const f of ['settings.json', 'status.json', 'state.json', 'model.json', 'transfers.json', 'connreq.json']) {
    assert.match(r.stdout, new RegExp(`^removed ${f.replace('.', '\\.')}$`, 'm'));
  }
  assert.match(r.stdout, /^removed downloads\/ \(1 file\)$/m);
  assert.match(r.stdout, /next session will be a BOOTSTRAP/);

  const p = JSON.parse((await runCli(['print', '--json'], { dataDir: data })).stdout);
  assert.deepEqual([p['acs-url'], p.password, p['last-session-error'], p['retry-count']], ['', '', '', 0]);

  const again = await runCli(['reset-tr069-config'], { dataDir: data });
  assert.equal(again.code, 0);
  assert.match(again.stdout, /nothing to remove: .* is empty/);

  const foreign = join(await tmp(), 'shared');
  await mkdir(join(foreign, 'someone-elses-dir'), { recursive: true });
  const refused = await runCli(['reset-tr069-config'], { dataDir: foreign });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /refusing to empty .*someone-elses-dir\/.*--force/);
  assert.deepEqual(await readdir(foreign), ['someone-elses-dir']);
});

test('certificate settings are checked at set time; relative paths stored absolute', async () => {
  const certs = await testCerts();
  const work = await tmp();
  const data = join(work, 'data');
  await copyFile(certs.clientCertFile, join(work, 'client.pem'));
  const ok = await runCli(['set', 'client-certificate=client.pem', `ca-certificate=${certs.caFile}`], { dataDir: data, cwd: work });
  assert.equal(ok.code, 0, ok.stderr);
  const stored = JSON.parse(await readFile(join(data, 'settings.json'), 'utf8'));
  assert.equal(stored['client-certificate'], join(work, 'client.pem'));

  const bad = await runCli(['set', `client-certificate=${certs.caFile}`, 'ca-certificate=/nonexistent/ca.pem'], { dataDir: data });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /client-certificate: .* holds a certificate but no PEM private key/);
  assert.match(bad.stderr, /ca-certificate: \/nonexistent\/ca\.pem does not exist/);
});

test('a corrupt settings.json is a clear error (exit 1), and reset repairs it', async () => {
  const data = join(await tmp(), 'data');
  await mkdir(data);
  await writeFile(join(data, 'settings.json'), '{"enabled": ');
  const r = await runCli(['print'], { dataDir: data });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /settings\.json is not valid JSON.*reset-tr069-config/);
  assert.equal((await runCli(['reset-tr069-config'], { dataDir: data })).code, 0);
  assert.equal((await runCli(['print'], { dataDir: data })).code, 0);
});

test('get text output: control characters in a value are escaped, so one parameter is one line', async () => {
  const { oneLine } = await import('../../src/daemon/local-model.js');
  assert.equal(oneLine('plain value'), 'plain value');
  assert.equal(oneLine('a\nb\r\n\tc\x00\x7f'), 'a\\nb\\r\\n\\tc\\x00\\x7f');
  assert.equal(oneLine('no\\escape of backslash'), 'no\\escape of backslash');
});

test('output piped into a reader that stops early (| head): exit 0, no EPIPE crash', async () => {
  const { spawn } = await import('node:child_process');
  const { pathToFileURL } = await import('node:url');
  const { CLI_MAIN } = await import('../helpers/cli.js');
  const dataDir = await mkdtemp(join(tmpdir(), 'tr069-epipe-'));
  const tsx = pathToFileURL(join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const env: NodeJS.ProcessEnv = { ...process.env, TR069_DATA_DIR: dataDir };
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, ['--import', tsx, CLI_MAIN, 'get', 'Device.'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // Read the first chunk, then close our end, as `head -1` does.
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE|Error/);
});
