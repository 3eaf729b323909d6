// Structured logging (pino) to stderr. Secrets are redacted by key wherever they appear, and SOAP
// bodies (only logged with --verbose) go through redactSoap() first.
import { mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DestinationStream, Level, Logger } from 'pino';
import { requireDependency } from '../cjs.js';

const { pino } = requireDependency<typeof import('pino')>('pino');

export type { Logger };

const SECRET_KEYS = [
  'password',
  'Password',
  'connection-request-password',
  'stun-password',
  'authorization',
  'Authorization',
];

/** Above this size the log file is rotated (once, to <file>.1) when the daemon starts. */
const MAX_LOG_FILE_BYTES = 2 * 1024 * 1024;

export function createLogger(
  opts: { verbose?: boolean; level?: string; destination?: NodeJS.WritableStream; file?: string } = {},
): Logger {
  const level = opts.level ?? (opts.verbose ? 'debug' : 'info');
  let destination: DestinationStream = (opts.destination as DestinationStream | undefined) ?? pino.destination({ fd: 2, sync: true });
  if (opts.file) {
    try {
      mkdirSync(dirname(opts.file), { recursive: true, mode: 0o700 });
      if ((statSync(opts.file, { throwIfNoEntry: false })?.size ?? 0) > MAX_LOG_FILE_BYTES) renameSync(opts.file, opts.file + '.1');
      const file = pino.destination({ dest: opts.file, sync: true, append: true, mode: 0o600 });
      destination = pino.multistream([
        { stream: destination, level: level as Level },
        { stream: file, level: level as Level },
      ]);
    } catch {
      // The log file is a convenience for uploads; stderr alone still works.
    }
  }
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: [...SECRET_KEYS, ...SECRET_KEYS.map((k) => `*.${k}`)], censor: '[redacted]' },
    },
    destination,
  );
}

const SECRET_PARAM = /(<Name>[^<]*(?:Password|Passphrase|Key|Secret)<\/Name>\s*<Value[^>]*>)([^<]*)(<\/Value>)/gi;
const SECRET_ELEMENT = /(<Password>)[^<]*(<\/Password>)/g;

/** Removes secrets from a SOAP body before it is logged. */
export function redactSoap(xml: string): string {
  return xml.replace(SECRET_PARAM, '$1[redacted]$3').replace(SECRET_ELEMENT, '$1[redacted]$2');
}
