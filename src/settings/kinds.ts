// The value kinds of the settings table. Each kind knows how to read a value from the CLI, check a
// value read from settings.json, print it (text and JSON), and convert it to and from its TR-181 form
// (for the settings the data model exposes). Errors are thrown as SettingValueError with a sentence
// that does not name the key (the caller prefixes it).
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { DURATION_HINT, formatDuration, parseDuration } from './duration.js';
import { checkCaCertificateFile, checkClientCertificateFile } from './pem.js';

export class SettingValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingValueError';
  }
}

/** TR-069 (xsd) types of the parameters that settings map to. */
export type ParamType = 'boolean' | 'string' | 'unsignedInt' | 'int' | 'dateTime';

export interface ParseContext {
  /** Relative paths are resolved against this (the CLI's cwd, or the defaults file's directory). */
  cwd: string;
}

export interface Kind<T> {
  /** Short description for messages and docs, e.g. "yes/no", "duration". */
  readonly describe: string;
  /** Operator text (CLI, defaults file) → value. May check files (certificates). */
  parse(text: string, ctx: ParseContext): T;
  /** A value read from settings.json or given to updateSettings → value (no file checks). */
  check(raw: unknown): T;
  text(value: T): string;
  json(value: T): string | number;
  /** The TR-181 side, for kinds used by settings that map to a parameter. */
  readonly param?: {
    readonly type: ParamType;
    to(value: T): string;
    /** Strict xsd text → value (SetParameterValues); throws SettingValueError. */
    from(text: string): T;
  };
}

const q = (s: string): string => JSON.stringify(s);
const fail = (message: string): never => {
  throw new SettingValueError(message);
};
// Control characters would break `print` lines and the defaults file; nobody needs them in settings.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

// ---------------------------------------------------------------------------------------------------

export function yesNo(): Kind<boolean> {
  return {
    describe: 'yes/no',
    parse(text) {
      const t = text.trim().toLowerCase();
      if (t === 'yes' || t === 'true' || t === '1') return true;
      if (t === 'no' || t === 'false' || t === '0') return false;
      return fail(`${q(text)} is not yes or no (use yes/no, true/false or 1/0)`);
    },
    check(raw) {
      return typeof raw === 'boolean' ? raw : fail(`expected true or false, found ${JSON.stringify(raw)}`);
    },
    text: (v) => (v ? 'yes' : 'no'),
    json: (v) => (v ? 'yes' : 'no'),
    param: {
      type: 'boolean',
      to: (v) => (v ? 'true' : 'false'),
      from(text) {
        const t = text.trim().toLowerCase();
        if (t === 'true' || t === '1') return true;
        if (t === 'false' || t === '0') return false;
        return fail(`${q(text)} is not a boolean (true, false, 1 or 0)`);
      },
    },
  };
}

const UINT_MAX = 4_294_967_295;

/** Whole seconds in [min, max]; `minusOne` also allows -1 (TR-181 "unspecified"). */
export function duration(opts: { min: number; max?: number; minusOne?: boolean }): Kind<number> {
  const { min, minusOne = false } = opts;
  const max = opts.max ?? UINT_MAX;
  const inRange = (n: number, shown: string): number => {
    if (n < min) return fail(`${q(shown)} is too short: the minimum is ${formatDuration(min)}`);
    if (n > max) return fail(`${q(shown)} is too long: the maximum is ${formatDuration(max)}`);
    return n;
  };
  return {
    describe:
      'duration' +
      (min > 0 ? ` ≥${formatDuration(min)}` : '') +
      (max !== UINT_MAX && !minusOne ? ` ≤${max}s` : '') +
      (minusOne ? ' or -1' : ''),
    parse(text) {
      const t = text.trim();
      if (minusOne && t === '-1') return -1;
      const n = parseDuration(t);
      if (n === undefined) return fail(`${q(text)} is not a duration (${DURATION_HINT}${minusOne ? ', or -1' : ''})`);
      return inRange(n, text);
    },
    check(raw) {
      if (minusOne && raw === -1) return -1;
      if (!Number.isSafeInteger(raw)) return fail(`expected whole seconds, found ${JSON.stringify(raw)}`);
      return inRange(raw as number, String(raw));
    },
    text: (v) => (v === -1 ? '-1' : formatDuration(v)),
    json: (v) => v,
    param: {
      type: minusOne ? 'int' : 'unsignedInt',
      to: (v) => String(v),
      from(text) {
        const t = text.trim();
        if (minusOne && t === '-1') return -1;
        if (!/^\d+$/.test(t)) return fail(`${q(text)} is not a whole number of seconds`);
        const n = Number(t);
        if (n < min || n > max) return fail(`${q(text)} is out of range (${min}..${max} seconds)`);
        return n;
      },
    },
  };
}

/** A whole number in [min, max]; `what` names it in messages ("port", "number"). */
export function integer(opts: { min: number; max: number; what?: string }): Kind<number> {
  const { min, max, what = 'whole number' } = opts;
  const read = (text: string): number => {
    const t = text.trim();
    if (!/^\d+$/.test(t) || Number(t) < min || Number(t) > max) return fail(`${q(text)} is not a ${what} (${min}..${max})`);
    return Number(t);
  };
  return {
    describe: `${what} ${min}..${max}`,
    parse: read,
    check(raw) {
      if (!Number.isSafeInteger(raw) || (raw as number) < min || (raw as number) > max) {
        return fail(`expected a ${what} (${min}..${max}), found ${JSON.stringify(raw)}`);
      }
      return raw as number;
    },
    text: (v) => String(v),
    json: (v) => v,
    param: { type: 'unsignedInt', to: (v) => String(v), from: read },
  };
}

export function port(min: 0 | 1): Kind<number> {
  return integer({ min, max: 65535, what: 'port' });
}

/** Free text of at most `max` characters (no control characters). `validate` may normalise. */
export function text(opts: { max: number; describe?: string; validate?: (s: string) => string }): Kind<string> {
  const { max, validate = (s: string) => s } = opts;
  const read = (s: string): string => {
    if (CONTROL.test(s)) return fail(`${q(s)} contains a control character (newline, tab…)`);
    const n = [...s].length;
    if (n > max) return fail(`the value is too long (${n} characters; at most ${max})`);
    return validate(s);
  };
  return {
    describe: opts.describe ?? `text ≤${max}`,
    parse: read,
    check: (raw) => (typeof raw === 'string' ? read(raw) : fail(`expected a string, found ${JSON.stringify(raw)}`)),
    text: (v) => v,
    json: (v) => v,
    param: { type: 'string', to: (v) => v, from: read },
  };
}

/** The ACS URL: http(s) with a host, or empty (= not configured). */
export function acsUrl(): Kind<string> {
  return text({
    max: 2048,
    describe: 'http(s) URL or ""',
    validate(s) {
      if (s === '') return s;
      if (s.trim() !== s || /\s/.test(s)) return fail(`${q(s)} contains spaces; a URL cannot`);
      let u: URL;
      try {
        u = new URL(s);
      } catch {
        return fail(`${q(s)} is not a URL (e.g. https://acs.example.net:7547/)`);
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') {
        return fail(`${q(s)} is not an http:// or https:// URL`);
      }
      if (u.hostname === '') return fail(`${q(s)} has no host`);
      if (u.username !== '' || u.password !== '') {
        return fail(`${q(s)} contains credentials; set them with username= and password= instead`);
      }
      return s;
    },
  });
}

/** An IP address (v4 or v6) or empty. */
export function ipAddress(): Kind<string> {
  return text({
    max: 45,
    describe: 'IP address or ""',
    validate: (s) => (s === '' || isIP(s) !== 0 ? s : fail(`${q(s)} is not an IP address (or "" for all)`)),
  });
}

const HOSTNAME = /^(?=.{1,253}\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

/** A host name or IP address, or empty. */
export function host(): Kind<string> {
  return text({
    max: 256,
    describe: 'host or ""',
    validate: (s) => (s === '' || isIP(s) !== 0 || HOSTNAME.test(s) ? s : fail(`${q(s)} is not a host name or IP address`)),
  });
}

/** An IEEE OUI (6 hexadecimal digits, stored upper case) or empty. */
export function oui(): Kind<string> {
  return text({
    max: 6,
    describe: 'OUI (6 hex digits) or ""',
    validate: (s) =>
      s === '' || /^[0-9A-Fa-f]{6}$/.test(s) ? s.toUpperCase() : fail(`${q(s)} is not an OUI (6 hexadecimal digits)`),
  });
}

const UNKNOWN_TIME = '0001-01-01T00:00:00Z';
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Normalises an xsd:dateTime with a time zone to UTC "YYYY-MM-DDTHH:MM:SSZ"; "" = unknown time. */
function normaliseDateTime(s: string): string {
  const t = s.trim();
  if (t === '' || t === UNKNOWN_TIME) return '';
  const m = DATE_TIME.exec(t);
  const ms = m ? Date.parse(t) : NaN;
  // Date.parse rolls over impossible dates (Feb 30); compare the fields back to catch them.
  if (!m || Number.isNaN(ms) || !sameLocalFields(m, t)) {
    return fail(`${q(s)} is not a date and time like 2024-01-01T03:00:00Z (or "" for none)`);
  }
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

function sameLocalFields(m: RegExpExecArray, t: string): boolean {
  const [, y, mo, d, h, mi, s, zone] = m;
  // Re-express the parsed instant in the written offset and compare the fields.
  const offsetMin = zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const local = new Date(Date.parse(t) + offsetMin * 60_000);
  return (
    local.getUTCFullYear() === Number(y) &&
    local.getUTCMonth() + 1 === Number(mo) &&
    local.getUTCDate() === Number(d) &&
    local.getUTCHours() === Number(h) &&
    local.getUTCMinutes() === Number(mi) &&
    local.getUTCSeconds() === Number(s)
  );
}

export function dateTime(): Kind<string> {
  const k = text({ max: 64, describe: 'date-time or ""', validate: normaliseDateTime });
  return {
    ...k,
    param: { type: 'dateTime', to: (v) => (v === '' ? UNKNOWN_TIME : v), from: normaliseDateTime },
  };
}

/** A PEM file, checked when set; stored as an absolute path. No TR-181 side. */
export function pemFile(which: 'client' | 'ca'): Kind<string> {
  const check = which === 'client' ? checkClientCertificateFile : checkCaCertificateFile;
  return {
    describe: which === 'client' ? 'path to PEM (certificate + key) or ""' : 'path to PEM bundle or ""',
    parse(s, ctx) {
      if (s === '') return '';
      if (CONTROL.test(s)) return fail(`${q(s)} contains a control character`);
      const abs = resolve(ctx.cwd, s);
      try {
        check(abs);
      } catch (err) {
        return fail((err as Error).message);
      }
      return abs;
    },
    check(raw) {
      if (typeof raw !== 'string') return fail(`expected a path, found ${JSON.stringify(raw)}`);
      if (raw !== '' && !isAbsolute(raw)) return fail(`${q(raw)} is not an absolute path`);
      return raw;
    },
    text: (v) => v,
    json: (v) => v,
  };
}

/** A command line run with /bin/sh -c (or an interpreter path); "" = none. */
export function command(): Kind<string> {
  return text({ max: 4096, describe: 'command or ""' });
}
