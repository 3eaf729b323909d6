// Node built-ins that only some set-ups use, loaded on first use instead of at start: TLS for an
// https ACS or download, zlib for a compressed ACS reply. A device talking plain http to its ACS
// idles ~3 MiB smaller (measured with `npm run bench session`). Built-ins load synchronously
// (require), so callers keep their synchronous shape.
import { requireDependency } from '../cjs.js';

type Tls = typeof import('node:tls');
type Https = typeof import('node:https');
type Zlib = typeof import('node:zlib');

export const tls = (): Tls => requireDependency<Tls>('node:tls');
export const https = (): Https => requireDependency<Https>('node:https');
export const zlib = (): Zlib => requireDependency<Zlib>('node:zlib');
