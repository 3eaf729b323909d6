// Loads a module that another part of the project provides (the daemon, the local data model) by a
// path only known at run time, so that the CLI builds and works for everything else before it exists.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CliError, EXIT_FAILURE } from './errors.js';

/**
 * Imports `specifier` (relative to `base`, a module URL) and returns its export `name` (a function).
 * When the module's file is absent (neither .js nor .ts), fails with a CliError saying what is missing.
 */
export async function loadOptionalFunction<F extends (...args: never[]) => unknown>(
  specifier: string,
  name: string,
  what: string,
  base: string = import.meta.url,
): Promise<F> {
  const url = new URL(specifier, base);
  const file = fileURLToPath(url);
  if (!existsSync(file) && !existsSync(file.replace(/\.js$/, '.ts'))) {
    throw new CliError(`${what} is not part of this build of tr069-client yet (${specifier} is missing)`, EXIT_FAILURE);
  }
  const mod = (await import(url.href)) as Record<string, unknown>;
  const fn = mod[name];
  if (typeof fn !== 'function') {
    throw new CliError(`${what}: ${specifier} does not export a function ${name}()`, EXIT_FAILURE);
  }
  return fn as F;
}
