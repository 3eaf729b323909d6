// Running a helper program (`ip -6 neigh`) for the few facts procfs does not show.
// Never through a shell, always with a timeout and an output cap; failure reads as null.
import { execFile } from 'node:child_process';

export type CommandRunner = (file: string, args: string[], timeoutMs: number) => Promise<string | null>;

export const runCommand: CommandRunner = (file, args, timeoutMs) =>
  new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: timeoutMs, maxBuffer: 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } },
      (err, stdout) => resolve(err ? null : stdout),
    );
  });
