// Runs the built daemon (`node dist/src/cli/main.js run`, what the package's bin runs) as a child
// process, in a temp data dir removed by stop(). `npm run bench` builds dist first.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { updateSettings, type SettingsValues } from '../../src/settings/settings.js';
import { freePort } from '../../test/helpers/daemon.js';
import { startChild, type Child } from './proc.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BUILT_MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');

/** A JSON log line of a finished session (agent.ts logs `'session'` after each one). */
export const SESSION_LINE = /"msg":"session"/;

export interface BuiltDaemon extends Child {
  dataDir: string;
  crPort: number;
  /** SIGTERM (then SIGKILL), and removes the data dir. */
  stop(): Promise<void>;
}

export async function startBuiltDaemon(opts: {
  settings: Partial<SettingsValues>;
  /** Extra node flags before the script (e.g. --max-semi-space-size=1). */
  nodeFlags?: string[];
  /** Another build's main.js (default dist/src/cli/main.js). */
  main?: string;
  countPatterns?: RegExp[];
}): Promise<BuiltDaemon> {
  const main = opts.main ?? BUILT_MAIN;
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
  const dataDir = await mkdtemp(join(tmpdir(), 'tr069-bench-'));
  const crPort = await freePort();
  await updateSettings(dataDir, {
    'connection-request-address': '127.0.0.1',
    'connection-request-port': crPort,
    'periodic-inform-enabled': false,
    ...opts.settings,
  });
  const env: NodeJS.ProcessEnv = { ...process.env, TR069_RESOLV_CONF: join(dataDir, 'resolv.conf.test') };
  delete env.TR069_DATA_DIR;
  delete env.NODE_OPTIONS; // the bench runs under tsx; the daemon must not
  const child = startChild(process.execPath, [...(opts.nodeFlags ?? []), main, 'run', '--data-dir', dataDir], {
    env,
    countPatterns: [SESSION_LINE, ...(opts.countPatterns ?? [])],
  });
  return {
    ...child,
    dataDir,
    crPort,
    async stop() {
      await child.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
