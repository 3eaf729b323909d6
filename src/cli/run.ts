// `tr069-client run`: the daemon in the foreground (src/daemon/agent.ts, provided by the lead).
// SIGTERM/SIGINT abort `signal`; runDaemon resolves once it has stopped cleanly. A second signal, or
// a daemon that has not stopped 60 s after the first, ends the process at once.
import { EXIT_FAILURE, EXIT_OK } from './errors.js';
import { loadOptionalFunction } from './optional-module.js';

export interface RunDaemonOptions {
  dataDir: string;
  /** Adds redacted SOAP bodies to the logs. */
  verbose: boolean;
  /** Script of `set` lines applied after a FactoryReset (settings/defaults.ts). */
  defaultsFile: string;
  /** Aborted on SIGTERM/SIGINT: stop gracefully, then resolve. */
  signal: AbortSignal;
}

export type RunDaemon = (opts: RunDaemonOptions) => Promise<number | void>;

const FORCED_STOP_MS = 60_000;

export async function runCommand(
  opts: Omit<RunDaemonOptions, 'signal'>,
  load: () => Promise<RunDaemon> = () => loadOptionalFunction<RunDaemon>('../daemon/agent.js', 'runDaemon', 'the daemon'),
): Promise<number> {
  const runDaemon = await load();
  const ac = new AbortController();
  let forced: NodeJS.Timeout | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (ac.signal.aborted) {
      process.stderr.write(`tr069-client: ${sig} again; exiting now\n`);
      process.exit(EXIT_FAILURE);
    }
    ac.abort(new Error(`stopped by ${sig}`));
    forced = setTimeout(() => {
      process.stderr.write(`tr069-client: the daemon did not stop within ${FORCED_STOP_MS / 1000} s; exiting\n`);
      process.exit(EXIT_FAILURE);
    }, FORCED_STOP_MS);
    forced.unref();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const code = await runDaemon({ ...opts, signal: ac.signal });
    return typeof code === 'number' ? code : EXIT_OK;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    if (forced) clearTimeout(forced);
  }
}
