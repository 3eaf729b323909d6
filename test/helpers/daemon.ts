// Runs the real daemon (`tr069-client run`) as a child process for integration tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { updateSettings, type SettingsValues } from '../../src/settings/settings.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
const TSX = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs')).href;

export async function tempDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'tr069-agent-'));
}

/** A TCP port free right now on 127.0.0.1 (for connection-request-port). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface DaemonHandle {
  proc: ChildProcess;
  dataDir: string;
  /** stderr so far (JSON log lines). */
  log(): string;
  /** Resolves when a log line matching the predicate has been written. */
  waitForLog(match: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

/**
 * Writes the settings (settings.json, as `tr069-client set` would) and starts the daemon.
 * Defaults suitable for tests: a free connection-request port on 127.0.0.1, no periodic informs.
 */
export async function startDaemon(opts: {
  dataDir?: string;
  settings?: Partial<SettingsValues>;
  env?: Record<string, string>;
  args?: string[];
}): Promise<DaemonHandle> {
  const dataDir = opts.dataDir ?? (await tempDataDir());
  if (opts.settings) {
    await updateSettings(dataDir, {
      'connection-request-address': '127.0.0.1',
      'connection-request-port': await freePort(),
      'periodic-inform-enabled': false,
      ...opts.settings,
    });
  }
  const env: NodeJS.ProcessEnv = { ...process.env, TR069_RESOLV_CONF: join(dataDir, 'resolv.conf.test'), ...opts.env };
  delete env.TR069_DATA_DIR;
  const proc = spawn(process.execPath, ['--import', TSX, MAIN, 'run', '--data-dir', dataDir, ...(opts.args ?? [])], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  proc.stderr!.on('data', (b: Buffer) => {
    stderr += b.toString();
    for (const w of [...waiters]) {
      const line = stderr.split('\n').find((l) => w.re.test(l));
      if (line) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    proc,
    dataDir,
    log: () => stderr,
    waitForLog(re, timeoutMs = 10_000) {
      const line = stderr.split('\n').find((l) => re.test(l));
      if (line) return Promise.resolve(line);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no log line matching ${re} within ${timeoutMs} ms:\n${stderr.slice(-3000)}`)), timeoutMs);
        waiters.push({ re, resolve: (l) => (clearTimeout(t), resolve(l)) });
      });
    },
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (proc.exitCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}
