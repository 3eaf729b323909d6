// The TransferComplete survives the process: a runner in a child process is killed with SIGKILL
// in the middle of a transfer, and a new runner on the same queue file still produces the result.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Download } from '../../src/cwmp/types.js';
import { TransferQueue, type TransferEntry } from '../../src/transfers/queue.js';
import { TransferRunner, type TransferCommands } from '../../src/transfers/runner.js';
import { FileServer, tempDir, waitFor } from './helpers.js';
import { downloadRequest } from '../helpers/requests.js';

const here = dirname(fileURLToPath(import.meta.url));
const CHILD = join(here, 'fixtures', 'runner-child.ts');
const ROOT = join(here, '..', '..');

function download(url: string): Download {
  return downloadRequest({ commandKey: 'crash-me', url });
}

interface Setup {
  dir: string;
  srv: FileServer;
  queue: TransferQueue;
  workDir: string;
}

async function setup(t: TestContext): Promise<Setup> {
  const dir = await tempDir('crash');
  const srv = await FileServer.start();
  t.after(() => srv.close());
  return { dir, srv, queue: new TransferQueue(join(dir, 'transfers.json')), workDir: join(dir, 'work') };
}

function startChild(t: TestContext, s: Setup, commands: TransferCommands): { child: ChildProcess; exited: Promise<string | null> } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CHILD, JSON.stringify({ queuePath: s.queue.path, workDir: s.workDir, commands })],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<string | null>((r) => child.on('exit', (_code, signal) => r(signal)));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, exited };
}

/** A fresh runner on the same files, as after a restart; resolves with the first result. */
async function restart(t: TestContext, s: Setup, commands: TransferCommands): Promise<TransferEntry> {
  const done: TransferEntry[] = [];
  const runner = new TransferRunner({ queue: s.queue, workDir: s.workDir, commands: () => commands, onTransferComplete: (e) => done.push(e) });
  t.after(() => runner.stop());
  await runner.start();
  return waitFor(() => done[0], 20_000, 'TransferComplete after restart');
}

const noCommands: TransferCommands = { upgradeCommand: 'true', rebootCommand: '', scriptCommand: '', configCommand: '' };

test('SIGKILL in the middle of a download → restart downloads again → TransferComplete 0', async (t) => {
  const s = await setup(t);
  const body = randomBytes(400_000);
  s.srv.route('/fw.img', { body, trickle: { chunk: 1000, intervalMs: 10 } });
  await s.queue.enqueue(download(s.srv.url('/fw.img')));
  const { child, exited } = startChild(t, s, noCommands);
  await waitFor(async () => (await s.queue.list()).find((e) => e.phase === 'downloading'), 20_000, 'download start');
  await waitFor(async () => {
    const [id] = await readdir(s.workDir).catch(() => []);
    const files = id ? await readdir(join(s.workDir, id)) : [];
    return files.length > 0 || undefined;
  }, 10_000, 'partial file');
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  const [mid] = await s.queue.list();
  assert.deepEqual([mid.state, mid.phase, mid.starts], [2, 'downloading', 1]);
  s.srv.route('/fw.img', { body }); // the server is fast now
  const done = await restart(t, s, noCommands);
  assert.equal(done.result?.faultCode, 0, done.result?.faultString);
  assert.equal(s.srv.hits('/fw.img'), 2);
  assert.deepEqual((await s.queue.pendingTransferCompletes()).map((x) => x.commandKey), ['crash-me']);
  assert.deepEqual(await readdir(s.workDir), [], 'partial files are gone');
});

test('SIGKILL while upgrade-command runs → restart reports 9010 (outcome unknown)', async (t) => {
  const s = await setup(t);
  s.srv.route('/fw.img', { body: 'image' });
  await s.queue.enqueue(download(s.srv.url('/fw.img')));
  const pidFile = join(s.dir, 'upgrade.pid');
  const slow = join(s.dir, 'slow-upgrade.sh');
  await writeFile(slow, `echo $$ > '${pidFile}'\nexec sleep 30\n`); // ignores its file arguments
  const { child, exited } = startChild(t, s, { ...noCommands, upgradeCommand: `/bin/sh '${slow}'` });
  const pid = Number(await waitFor(async () => (await readFile(pidFile, 'utf8').catch(() => '')).trim() || undefined, 20_000, 'upgrade start'));
  t.after(() => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  });
  child.kill('SIGKILL');
  await exited;
  assert.equal((await s.queue.list())[0].phase, 'applying');
  const done = await restart(t, s, noCommands);
  assert.equal(done.result?.faultCode, 9010);
  assert.match(done.result!.faultString, /interrupted.*outcome is unknown/);
});

test('reboot-command takes the process down → restart reports success', async (t) => {
  const s = await setup(t);
  s.srv.route('/fw.img', { body: 'image' });
  await s.queue.enqueue(download(s.srv.url('/fw.img')));
  // $PPID of the command's shell is the runner process: this is the "reboot"
  const { exited } = startChild(t, s, { ...noCommands, rebootCommand: 'kill -KILL $PPID' });
  assert.equal(await exited, 'SIGKILL');
  const [e] = await s.queue.list();
  assert.deepEqual([e.state, e.phase], [2, 'rebooting']);
  const done = await restart(t, s, noCommands);
  assert.equal(done.result?.faultCode, 0);
  assert.notEqual(done.result?.startTime, '0001-01-01T00:00:00Z');
});
