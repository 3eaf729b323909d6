// Runs an operator-configured command (upgrade-command, reboot-command, script-command,
// config-command). The command is a shell string from the settings; the downloaded file paths are
// passed as positional parameters — `/bin/sh -c '<command> "$@"' sh file1 file2` — so they are
// never interpolated into shell text. Bounded output, a time limit, and the whole process group
// is killed on timeout.
import { spawn } from 'node:child_process';
import { duration } from './faults.js';

export interface CommandSpec {
  command: string;
  args: string[];
  timeoutMs: number;
  /** For logs and messages: "upgrade-command", "script-command", … */
  purpose: string;
  /** Extra environment variables (e.g. TR069_COMMAND_KEY). */
  env?: Record<string, string>;
  cwd?: string;
}

export interface CommandResult {
  /** null when killed by a signal or when the process could not be started. */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** The last OUTPUT_TAIL_BYTES of each stream. */
  stdout: string;
  stderr: string;
  /** Set when the process could not be started at all. */
  spawnError?: string;
}

export type CommandRunner = (spec: CommandSpec) => Promise<CommandResult>;

const OUTPUT_TAIL_BYTES = 16 * 1024;
const KILL_GRACE_MS = 5_000;

class Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
    while (this.size > OUTPUT_TAIL_BYTES && this.chunks.length > 1) this.size -= this.chunks.shift()!.length;
  }
  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - OUTPUT_TAIL_BYTES)).toString('utf8');
  }
}

export const runShellCommand: CommandRunner = (spec) =>
  new Promise((resolvePromise) => {
    const child = spawn('/bin/sh', ['-c', `${spec.command} "$@"`, 'sh', ...spec.args], {
      detached: true, // own process group, so a timeout kills the whole tree
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...spec.env },
      cwd: spec.cwd,
    });
    const out = new Tail();
    const err = new Tail();
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (sig: NodeJS.Signals): void => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    }, spec.timeoutMs);
    let spawnError: string | undefined;
    child.on('error', (e) => {
      spawnError = e.message;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      resolvePromise({
        exitCode: code,
        signal,
        timedOut,
        stdout: out.text(),
        stderr: err.text(),
        ...(spawnError ? { spawnError } : {}),
      });
    });
  });

/** The last non-empty line of a command's output, for a FaultString. */
export function lastLine(text: string): string {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l);
  return lines.length ? lines[lines.length - 1] : '';
}

/** A one-line account of a failed run: "exited with code 1: <last stderr line>". */
export function describeFailure(spec: CommandSpec, r: CommandResult, timeoutMs: number): string {
  if (r.spawnError) return `${spec.purpose} could not be started: ${r.spawnError}`;
  if (r.timedOut) return `${spec.purpose} did not finish within ${duration(timeoutMs)} and was killed`;
  const why = r.exitCode !== null ? `exited with code ${r.exitCode}` : `was killed by ${r.signal ?? 'a signal'}`;
  const line = lastLine(r.stderr) || lastLine(r.stdout);
  return `${spec.purpose} ${why}${line ? `: ${line}` : ''}`;
}
