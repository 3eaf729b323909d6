import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { runCommand, type RunDaemonOptions } from '../../src/cli/run.js';

test('run passes its options to runDaemon and aborts its signal on SIGTERM', async () => {
  let seen: RunDaemonOptions | undefined;
  let markStarted = (): void => {};
  const started = new Promise<void>((r) => (markStarted = r));
  const done = runCommand({ dataDir: '/d', verbose: true, defaultsFile: '/etc/x' }, async () => async (opts) => {
    seen = opts;
    markStarted();
    await once(opts.signal, 'abort');
    return 0;
  });
  await started;
  assert.deepEqual({ ...seen, signal: undefined }, { dataDir: '/d', verbose: true, defaultsFile: '/etc/x', signal: undefined });
  const before = process.listenerCount('SIGTERM');
  // Signal handlers do not keep the event loop alive; this timer does until the signal arrives.
  const keepAlive = setTimeout(() => assert.fail('SIGTERM did not stop run'), 10_000);
  process.kill(process.pid, 'SIGTERM');
  try {
    assert.equal(await done, 0);
  } finally {
    clearTimeout(keepAlive);
  }
  assert.equal(seen?.signal.aborted, true);
  assert.equal(process.listenerCount('SIGTERM'), before - 1, 'its handler is removed afterwards');
});

test('the exit status of runDaemon is the exit status of run', async () => {
  assert.equal(await runCommand({ dataDir: '/d', verbose: false, defaultsFile: '/x' }, async () => async () => 3), 3);
  assert.equal(await runCommand({ dataDir: '/d', verbose: false, defaultsFile: '/x' }, async () => async () => undefined), 0);
});
