// The `tr069-client` command line (commander). Each command's work lives in its own module; this file
// only declares the commands, resolves the data dir and maps errors to exit statuses:
// 0 success, 1 failure, 2 bad usage or bad value (nothing changed).
import { requireDependency } from '../cjs.js';
import { StateFileError } from '../store/durable-file.js';
import { ENV_DATA_DIR, ENV_DEFAULTS_FILE, resolveDataDir, resolveDefaultsFile } from '../store/paths.js';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './errors.js';
import { getCommand } from './get.js';
import { printCommand } from './print.js';
import { resetCommand } from './reset.js';
import { runCommand } from './run.js';
import { setCommand } from './set.js';
import { packageVersion } from './version.js';

const { Command, CommanderError } = requireDependency<typeof import('commander')>('commander');
type Command = import('commander').Command;
type CommanderError = import('commander').CommanderError;

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const EXAMPLES = `
Examples:
  tr069-client set acs-url=http://acs:7547/ periodic-inform-interval=5m
  tr069-client run
  tr069-client print
  tr069-client print --json
  tr069-client get Device.ManagementServer.
  tr069-client reset-tr069-config

The data dir (every file the client keeps) is --data-dir, else $${ENV_DATA_DIR}, else
/var/lib/tr069-client for root and \${XDG_STATE_HOME:-~/.local/state}/tr069-client for other users.`;

function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command();
  program
    .name('tr069-client')
    .description('TR-069 (CWMP) client: lets an ACS monitor, configure, script and upgrade this machine.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .option('--data-dir <dir>', `directory of every file the client keeps (env ${ENV_DATA_DIR})`)
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
    .showSuggestionAfterError(true)
    .addHelpText('after', EXAMPLES);

  const dataDirOf = (cmd: Command): string =>
    resolveDataDir((cmd.optsWithGlobals() as { dataDir?: string }).dataDir, io.env);

  program
    .command('run')
    .description('run the client (daemon) in the foreground, logging to stderr; SIGTERM/SIGINT stop it')
    .option('--verbose', 'also log the (redacted) SOAP messages')
    .option('--defaults-file <file>', `settings applied after a FactoryReset (env ${ENV_DEFAULTS_FILE})`)
    .action(async (opts: { verbose?: boolean; defaultsFile?: string }, cmd: Command) => {
      setExit(
        await runCommand({
          dataDir: dataDirOf(cmd),
          verbose: opts.verbose === true,
          defaultsFile: resolveDefaultsFile(opts.defaultsFile, io.env),
        }),
      );
    });

  program
    .command('print')
    .description('show the settings and the status (passwords masked)')
    .option('--json', 'one JSON object (durations in seconds)')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      io.out(await printCommand(dataDirOf(cmd), opts.json === true));
    });

  program
    .command('set')
    .description('change settings: all are checked first, then applied together (see print for the keys)')
    .argument('<KEY=VALUE...>', 'e.g. acs-url=https://acs.example.net/ periodic-inform-interval=1h')
    .action(async (assignments: string[], _opts: unknown, cmd: Command) => {
      await setCommand(dataDirOf(cmd), assignments, io.cwd);
    });

  program
    .command('reset-tr069-config')
    .description('forget all configuration and state (empties the data dir); the next session is a BOOTSTRAP')
    .option('--force', 'empty the data dir even if it holds directories the client does not create')
    .action(async (opts: { force?: boolean }, cmd: Command) => {
      io.out(await resetCommand(dataDirOf(cmd), opts.force === true));
    });

  program
    .command('get')
    .alias('params')
    .description('print parameter values as the ACS would see them (computed locally)')
    .argument('<PATH...>', 'parameter names or partial paths ending with "."')
    .option('--json', 'print JSON')
    .action(async (paths: string[], opts: { json?: boolean }, cmd: Command) => {
      setExit(await getCommand({ dataDir: dataDirOf(cmd), paths, json: opts.json === true }));
    });

  return program;
}

/** Runs the CLI with `argv` (without node and the script); resolves to the exit status. */
export async function main(argv: string[], io: Partial<CliIo> = {}): Promise<number> {
  const full: CliIo = {
    out: io.out ?? ((t) => process.stdout.write(t)),
    err: io.err ?? ((t) => process.stderr.write(t)),
    env: io.env ?? process.env,
    cwd: io.cwd ?? process.cwd(),
  };
  let code = EXIT_OK;
  const program = buildProgram(full, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed its message (or the help/version).
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT_OK;
      return EXIT_USAGE;
    }
    if (err instanceof CliError) {
      full.err(prefixLines(err.message));
      return err.exitCode;
    }
    if (err instanceof StateFileError) {
      // Bad content (not a read failure such as EACCES) is what reset-tr069-config is for.
      const hint = err.message.startsWith('cannot read') ? '' : ' (tr069-client reset-tr069-config starts afresh)';
      full.err(prefixLines(err.message + hint));
      return EXIT_FAILURE;
    }
    full.err(prefixLines(err instanceof Error ? err.message : String(err)));
    return EXIT_FAILURE;
  }
}

function prefixLines(message: string): string {
  return message
    .split('\n')
    .map((l) => `error: ${l}`)
    .join('\n')
    .concat('\n');
}
