// Runs an operator-supplied shell command (extensions) with a time limit and an output cap.
// Values reach the command only through environment variables (VALUE, KEY), never by splicing
// them into the command text, so an ACS-supplied value cannot inject shell syntax.
import { spawn } from 'node:child_process';

export class ShellCommandError extends Error {
  constructor(
    readonly command: string,
    message: string,
  ) {
    super(message);
    this.name = 'ShellCommandError';
  }
}

export interface ShellOptions {
  /** Extra environment variables (added to the agent's own environment). */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Largest stdout accepted, bytes. */
  maxOutput?: number;
  shell?: string;
}

function firstLine(s: string): string {
  const line = s.trim().split('\n', 1)[0] ?? '';
  return line.length > 200 ? line.slice(0, 200) + '…' : line;
}

/** stdout of `sh -c command`; throws ShellCommandError on a non-zero exit, a signal or the time limit. */
export function runShell(command: string, opts: ShellOptions = {}): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const maxOutput = opts.maxOutput ?? 1024 * 1024;
  return new Promise((resolve, reject) => {
    // Own process group, so a timeout kills the command's children too, not just the shell.
    const child = spawn(opts.shell ?? '/bin/sh', ['-c', command], {
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const out: Buffer[] = [];
    let outLen = 0;
    let err = '';
    let failure: string | null = null;
    const kill = (why: string) => {
      failure ??= why;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => kill(`timed out after ${timeoutMs} ms`), timeoutMs);
    child.stdout.on('data', (b: Buffer) => {
      outLen += b.length;
      if (outLen > maxOutput) kill(`printed more than ${maxOutput} bytes`);
      else out.push(b);
    });
    child.stderr.on('data', (b: Buffer) => {
      if (err.length < 4096) err += b.toString('utf8');
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new ShellCommandError(command, `cannot run the command: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (failure) return reject(new ShellCommandError(command, `the command ${failure}`));
      if (code !== 0) {
        const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
        const detail = firstLine(err);
        return reject(new ShellCommandError(command, `the command ${how}${detail ? `: ${detail}` : ''}`));
      }
      resolve(Buffer.concat(out).toString('utf8'));
    });
  });
}
