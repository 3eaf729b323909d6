// CommonJS dependencies (tough-cookie → tldts, pino, commander, proper-lockfile, write-file-atomic)
// are loaded with require(), not `import`. On Node 20 an ES module importing a CommonJS package goes
// through the ESM loader's CommonJS translation, which leaves megabytes behind for good: those five
// imported cost an idle process +13.8 MiB, required +8.9 MiB (a bare HTTP server: 43.4 MiB). The types
// still come from the packages (`typeof import(...)`), so nothing is untyped.
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/** `require(id)` (a package or a built-in), typed by the caller: `requireDependency<typeof import('pino')>('pino')`. */
export function requireDependency<T>(id: string): T {
  return load(id) as T;
}
