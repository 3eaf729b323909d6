// Child processes for the benchmarks: spawn with line-wise output, wait for a line, read the memory
// figures from /proc/<pid>/status, stop (SIGTERM, then SIGKILL after a grace period).
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

export interface Rss {
  /** kB, as /proc/<pid>/status reports them. */
  vmRss: number;
  rssAnon: number;
  rssFile: number;
}

export function readRss(pid: number): Rss {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
    if (!m) throw new Error(`no ${name} in /proc/${pid}/status`);
    return Number(m[1]);
  };
  return { vmRss: field('VmRSS'), rssAnon: field('RssAnon'), rssFile: field('RssFile') };
}

export interface Child {
  proc: ChildProcess;
  /** Resolves with the first line (stdout or stderr, past or future) matching `re`. */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Number of lines seen so far that match `re` (one of `countPatterns`, counted as they arrive). */
  count(re: RegExp): number;
  /** Resolves once count(re) ≥ n. */
  waitForCount(re: RegExp, n: number, timeoutMs?: number): Promise<void>;
  /** The last few KiB of output, for error messages. */
  tail(): string;
  stop(graceMs?: number): Promise<void>;
}

const TAIL_CHARS = 4096;

/**
 * Spawns `cmd args` with stdout/stderr piped and read line by line (never accumulating all output,
 * so a long run does not grow the parent). Counters for `countPatterns` are kept per line.
 */
export function startChild(cmd: string, args: string[], opts: SpawnOptions & { countPatterns?: RegExp[] } = {}): Child {
  const proc = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const counts = new Map<RegExp, number>((opts.countPatterns ?? []).map((re) => [re, 0]));
  const seen: string[] = []; // lines that matched nothing yet asked, bounded
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  const countWaiters: { re: RegExp; n: number; resolve: () => void }[] = [];
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const onLine = (line: string): void => {
    for (const [re, n] of counts) if (re.test(line)) counts.set(re, n + 1);
    for (const w of [...countWaiters]) {
      if ((counts.get(w.re) ?? 0) >= w.n) {
        countWaiters.splice(countWaiters.indexOf(w), 1);
        w.resolve();
      }
    }
    for (const w of [...waiters]) {
      if (w.re.test(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
    seen.push(line);
    if (seen.length > 200) seen.shift();
  };
  for (const stream of [proc.stdout, proc.stderr]) {
    let partial = '';
    stream!.setEncoding('utf8');
    stream!.on('data', (chunk: string) => {
      tail = (tail + chunk).slice(-TAIL_CHARS);
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) onLine(l);
    });
  }
  return {
    proc,
    waitForLine(re, timeoutMs = 15_000) {
      const hit = seen.find((l) => re.test(l));
      if (hit !== undefined) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`no line matching ${re} within ${timeoutMs} ms from ${cmd}:\n${tail}`));
        }, timeoutMs);
        const w = { re, resolve: (l: string) => (clearTimeout(timer), resolve(l)) };
        waiters.push(w);
        void exited.then(() => {
          if (waiters.includes(w)) {
            clearTimeout(timer);
            waiters.splice(waiters.indexOf(w), 1);
            reject(new Error(`${cmd} exited (code ${proc.exitCode}) before printing ${re}:\n${tail}`));
          }
        });
      });
    },
    count: (re) => counts.get(re) ?? 0,
    waitForCount(re, n, timeoutMs = 15_000) {
      if (!counts.has(re)) throw new Error(`${re} is not one of the countPatterns`);
      if ((counts.get(re) ?? 0) >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          countWaiters.splice(countWaiters.indexOf(w), 1);
          reject(new Error(`fewer than ${n} lines matching ${re} within ${timeoutMs} ms from ${cmd}:\n${tail}`));
        }, timeoutMs);
        const w = { re, n, resolve: () => (clearTimeout(timer), resolve()) };
        countWaiters.push(w);
      });
    },
    tail: () => tail,
    async stop(graceMs = 5000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Inodes of the TCP sockets in LISTEN state in the process's network namespace (/proc/<pid>/net/tcp{,6}). */
function listeningInodes(pid: number): Set<string> {
  const out = new Set<string>();
  for (const f of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${f}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A') out.add(cols[9]);
    }
  }
  return out;
}

/**
 * Resolves once the process holds a listening TCP socket (for a child that prints nothing when
 * ready, like `node -e "…listen(0)"`). Polls every 20 ms, up to timeoutMs.
 */
export async function waitListening(pid: number, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const listening = listeningInodes(pid);
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      throw new Error(`process ${pid} is gone`);
    }
    for (const fd of fds) {
      let target = '';
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m && listening.has(m[1])) return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`process ${pid} did not listen within ${timeoutMs} ms`);
}
