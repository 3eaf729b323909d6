// Parent side of server-child.ts: starts the ACS of the session benchmark in its own process.
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerStats } from './server-child.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'server-child.ts');

export interface ServerProc {
  url: string;
  pid: number;
  stats(): Promise<ServerStats>;
  stop(): Promise<void>;
}

export async function startServerProc(mode: 'acs' | 'bare', timeoutMs = 20_000): Promise<ServerProc> {
  const proc: ChildProcess = fork(CHILD, [mode], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const next = <T>(type: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`${mode} server: no '${type}' message within ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (m: { type?: string }) => {
        if (m?.type === type) done(undefined, m as T);
      };
      const onExit = () => done(new Error(`${mode} server exited (code ${proc.exitCode})`));
      const done = (err?: Error, v?: T) => {
        clearTimeout(timer);
        proc.off('message', onMessage);
        proc.off('exit', onExit);
        if (err) reject(err);
        else resolve(v as T);
      };
      proc.on('message', onMessage);
      proc.once('exit', onExit);
    });
  let ready: { url: string };
  try {
    ready = await next<{ url: string }>('ready');
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }
  return {
    url: ready.url,
    pid: proc.pid!,
    stats() {
      const p = next<ServerStats>('stats');
      proc.send('stats');
      return p;
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      if (proc.connected) proc.send('exit');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}
