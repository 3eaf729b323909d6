// Node built-ins that only some set-ups use, loaded on first use instead of at start: TLS for an
// https ACS or download, zlib for a compressed ACS reply. A device talking plain http to its ACS
// idles ~3 MiB smaller (measured with `npm run bench session`). Built-ins load synchronously, so
// callers keep their synchronous shape.
import { createRequire } from 'node:module';

type Tls = typeof import('node:tls');
type Https = typeof import('node:https');
type Zlib = typeof import('node:zlib');

const load = createRequire(import.meta.url);

export const tls = (): Tls => load('node:tls') as Tls;
export const https = (): Https => load('node:https') as Https;
export const zlib = (): Zlib => load('node:zlib') as Zlib;
