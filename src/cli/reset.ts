// `tr069-client reset-tr069-config`: forgets all configuration and state (RouterOS's command of the
// same name, for a wedged client); the next session is a BOOTSTRAP.
import { readStatus } from '../store/status.js';
import { WipeRefusedError, wipeDataDir } from '../store/wipe.js';
import { CliError, EXIT_FAILURE } from './errors.js';

export async function resetCommand(dataDir: string, force: boolean): Promise<string> {
  const daemonPid = await runningDaemonPid(dataDir);
  let report;
  try {
    report = await wipeDataDir(dataDir, { force });
  } catch (err) {
    if (err instanceof WipeRefusedError) throw new CliError(err.message, EXIT_FAILURE);
    throw err;
  }
  const lines: string[] = [];
  if (!report.existed) lines.push(`nothing to remove: ${report.dir} does not exist`);
  else if (report.removed.length === 0) lines.push(`nothing to remove: ${report.dir} is empty`);
  for (const r of report.removed) {
    lines.push(r.name.endsWith('/') ? `removed ${r.name} (${r.files} file${r.files === 1 ? '' : 's'})` : `removed ${r.name}`);
  }
  lines.push(`tr069-client configuration and state forgotten in ${report.dir}; the next session will be a BOOTSTRAP`);
  if (daemonPid !== undefined) {
    lines.push(
      `note: the daemon (pid ${daemonPid}) seems to be running; restart it (e.g. systemctl restart tr069-client) ` +
        'so that it also forgets what it holds in memory',
    );
  }
  return lines.join('\n') + '\n';
}

async function runningDaemonPid(dataDir: string): Promise<number | undefined> {
  // A corrupt status.json must not stop the reset that is meant to repair it.
  const pid = (await readStatus(dataDir).catch(() => null))?.pid;
  if (!pid || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    // EPERM: the process exists but belongs to another user — still running.
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}
