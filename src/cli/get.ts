// `tr069-client get PATH...` (alias `params`): parameter values as the ACS would see them, computed
// locally by the data model (src/daemon/local-model.ts, wired by the lead).
import { EXIT_OK } from './errors.js';
import { loadOptionalFunction } from './optional-module.js';

export interface RunGetOptions {
  dataDir: string;
  /** Parameter paths or partial paths ("Device.DeviceInfo."). */
  paths: string[];
  json: boolean;
}

/** Prints the values itself; may return an exit status. */
export type RunGet = (opts: RunGetOptions) => Promise<number | void>;

export async function getCommand(opts: RunGetOptions): Promise<number> {
  const runGet = await loadOptionalFunction<RunGet>('../daemon/local-model.js', 'runGet', 'the local data model (get)');
  const code = await runGet(opts);
  return typeof code === 'number' ? code : EXIT_OK;
}
