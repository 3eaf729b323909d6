// Values as TR-069 writes them (TR-106 lexical rules): formatting what backends return, and
// checking/converting what the ACS sends. Conversion failures are fault 9006 (not of the type),
// facet failures (range, enum, size, pattern, list) are 9007.
import type { BaseType, ParamSchema, RangeFacet, SizeFacet } from './schema.js';
import { compilePatterns } from './schema.js';
import type { Value } from './registry.js';

export const UNKNOWN_TIME = '0001-01-01T00:00:00Z';

export type JsValue = string | number | boolean | bigint;

export type ParseResult = { ok: true; value: JsValue; text: string } | { ok: false; code: 9006 | 9007; message: string };

const INT_BOUNDS: Record<string, [bigint, bigint]> = {
  int: [-(2n ** 31n), 2n ** 31n - 1n],
  unsignedInt: [0n, 2n ** 32n - 1n],
  long: [-(2n ** 63n), 2n ** 63n - 1n],
  unsignedLong: [0n, 2n ** 64n - 1n],
};
const INTEGER = /^[+-]?[0-9]+$/;
const DECIMAL = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;
// xsd:dateTime: year (4+ digits), optional fraction, optional zone.
const DATETIME = /^(-?[0-9]{4,})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HEX = /^(?:[0-9A-Fa-f]{2})*$/;
const LIST_SEPARATOR = /\s*,\s*/;

/** The value a hidden/secured/command parameter reads as, and the fallback when a getter fails. */
export function nullValue(p: ParamSchema): string {
  switch (p.type) {
    case 'int':
    case 'unsignedInt':
    case 'long':
    case 'unsignedLong':
    case 'decimal':
      return '0';
    case 'boolean':
      return 'false';
    case 'dateTime':
      return UNKNOWN_TIME;
    default:
      return '';
  }
}

// ---- backend value → wire text ------------------------------------------------------------

/**
 * Converts what a getter returned into the parameter's lexical form. Throws a TypeError for a
 * value the type cannot hold (a backend bug; the caller logs it and reports the null value).
 * StatsCounter-style overflow of unsigned types wraps, as TR-181 counters do.
 */
export function formatValue(p: ParamSchema, v: Value): string {
  const t = p.type;
  switch (t) {
    case 'string':
      return typeof v === 'string' ? v : v instanceof Date ? formatDate(v) : String(v);
    case 'list':
      return typeof v === 'string' ? normalizeList(v) : String(v);
    case 'boolean':
      return formatBoolean(v);
    case 'int':
    case 'unsignedInt':
    case 'long':
    case 'unsignedLong':
      return formatInteger(t, v);
    case 'dateTime':
      return formatDateTime(v);
    case 'decimal':
      if (typeof v === 'number' && Number.isFinite(v)) return String(v);
      if (typeof v === 'bigint') return v.toString();
      if (typeof v === 'string' && DECIMAL.test(v.trim())) return v.trim();
      throw new TypeError(`${describe(v)} is not a decimal`);
    case 'base64':
    case 'hexBinary':
      if (typeof v === 'string') return v;
      throw new TypeError(`${describe(v)} is not ${t} text`);
    default:
      return String(v);
  }
}

function formatBoolean(v: Value): string {
  if (v === true || v === 1 || v === 'true' || v === '1') return 'true';
  if (v === false || v === 0 || v === 'false' || v === '0') return 'false';
  throw new TypeError(`${describe(v)} is not a boolean`);
}

function formatInteger(t: BaseType, v: Value): string {
  let n: bigint;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TypeError(`${v} is not an integer`);
    n = BigInt(Math.round(v));
  } else if (typeof v === 'bigint') {
    n = v;
  } else if (typeof v === 'string' && INTEGER.test(v.trim())) {
    n = BigInt(v.trim());
  } else if (typeof v === 'boolean') {
    n = v ? 1n : 0n;
  } else {
    throw new TypeError(`${describe(v)} is not an integer`);
  }
  const [min, max] = INT_BOUNDS[t];
  if (n >= min && n <= max) return n.toString();
  if (min === 0n && n > max) return (n % (max + 1n)).toString(); // counters wrap
  throw new TypeError(`${n} is outside the ${t} range`);
}

function formatDateTime(v: Value): string {
  if (v instanceof Date) return formatDate(v);
  if (typeof v === 'string' && (v === '' || DATETIME.test(v))) return v === '' ? UNKNOWN_TIME : v;
  throw new TypeError(`${describe(v)} is not a dateTime (give a Date or an ISO 8601 string)`);
}

/** UTC, whole seconds, 'Z' suffix; an invalid Date is the Unknown Time. */
export function formatDate(d: Date): string {
  const ms = d.getTime();
  if (!Number.isFinite(ms)) return UNKNOWN_TIME;
  const iso = d.toISOString(); // yyyy-mm-ddThh:mm:ss.sssZ (or ±yyyyyy for far years)
  return iso.replace(/\.[0-9]{3}Z$/, 'Z');
}

/** 'a , b,c' → 'a,b,c' (TR-106: whitespace around separators is not part of the items). */
export function normalizeList(text: string): string {
  const t = text.trim();
  if (t === '') return '';
  return t.split(LIST_SEPARATOR).join(',');
}

function describe(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v) : String(v);
}

// ---- wire text → JS value, with validation ----------------------------------------------

/**
 * Checks an ACS-supplied value against the parameter's type and facets and converts it to the
 * JS value setters receive: boolean → boolean, int/unsignedInt/decimal → number,
 * long/unsignedLong → bigint, everything else (dateTime, base64, hexBinary, lists) → string.
 * `text` is the canonical form (booleans 'true'/'false', lists without spaces).
 */
export function parseValue(p: ParamSchema, raw: string): ParseResult {
  if (p.type === 'list') return parseList(p, raw);
  const r = parseScalar(p.type, raw);
  if (!r.ok) return r;
  const err = checkFacets(p, r.value, r.text, patternOf(p));
  return err ? { ok: false, code: 9007, message: err } : r;
}

function parseScalar(t: BaseType, raw: string): ParseResult {
  // Every non-string XML Schema type collapses surrounding whitespace.
  const s = t === 'string' ? raw : raw.trim();
  switch (t) {
    case 'string':
      return { ok: true, value: s, text: s };
    case 'boolean':
      if (s === 'true' || s === '1') return { ok: true, value: true, text: 'true' };
      if (s === 'false' || s === '0') return { ok: true, value: false, text: 'false' };
      return bad(9006, `${describe(raw)} is not a boolean (true, false, 1 or 0)`);
    case 'int':
    case 'unsignedInt':
    case 'long':
    case 'unsignedLong': {
      if (!INTEGER.test(s)) return bad(9006, `${describe(raw)} is not an integer`);
      const n = BigInt(s);
      const [min, max] = INT_BOUNDS[t];
      if (n < min || n > max) return bad(9006, `${s} does not fit in ${t} (${min}..${max})`);
      const text = n.toString();
      return { ok: true, value: t === 'long' || t === 'unsignedLong' ? n : Number(n), text };
    }
    case 'decimal': {
      if (!DECIMAL.test(s)) return bad(9006, `${describe(raw)} is not a decimal number`);
      const n = Number(s);
      return { ok: true, value: n, text: s };
    }
    case 'dateTime': {
      const m = DATETIME.exec(s);
      if (!m || !validDateParts(m)) return bad(9006, `${describe(raw)} is not a dateTime (e.g. 2025-01-02T03:04:05Z)`);
      return { ok: true, value: s, text: s };
    }
    case 'base64': {
      const compact = s.replace(/\s+/g, '');
      if (compact.length % 4 !== 0 || !BASE64.test(compact)) return bad(9006, 'not valid base64');
      return { ok: true, value: compact, text: compact };
    }
    case 'hexBinary':
      if (!HEX.test(s)) return bad(9006, 'not valid hexBinary (pairs of hex digits)');
      return { ok: true, value: s, text: s };
  }
}

function validDateParts(m: RegExpExecArray): boolean {
  const [month, day, hour, minute, second] = [m[2], m[3], m[4], m[5], m[6]].map(Number);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) return false;
  if (hour === 24 && (minute !== 0 || second !== 0)) return false;
  if (m[8] && m[8] !== 'Z') {
    const [oh, om] = m[8].slice(1).split(':').map(Number);
    if (oh > 14 || om > 59) return false;
  }
  return true;
}

function parseList(p: ParamSchema, raw: string): ParseResult {
  const itemType = p.itemType ?? 'string';
  const trimmed = raw.trim();
  const items = trimmed === '' ? [] : trimmed.split(LIST_SEPARATOR);
  const out: string[] = [];
  const re = patternOf(p);
  for (const item of items) {
    const r = parseScalar(itemType, item);
    if (!r.ok) return { ok: false, code: r.code, message: `list item ${describe(item)}: ${r.message}` };
    const err = checkFacets(p, r.value, r.text, re);
    if (err) return { ok: false, code: 9007, message: `list item ${describe(item)}: ${err}` };
    out.push(r.text);
  }
  const text = out.join(',');
  const f = p.list;
  if (f) {
    if (f.minItems !== undefined && out.length < f.minItems) return bad(9007, `needs at least ${f.minItems} items`);
    if (f.maxItems !== undefined && out.length > f.maxItems) return bad(9007, `allows at most ${f.maxItems} items`);
    if (f.maxLength !== undefined && charLength(text) > f.maxLength) return bad(9007, `list longer than ${f.maxLength} characters`);
    if (f.minLength !== undefined && charLength(text) < f.minLength) return bad(9007, `list shorter than ${f.minLength} characters`);
  }
  return { ok: true, value: text, text };
}

/** Facets of one (scalar or list item) value; returns what is wrong, or undefined. */
function checkFacets(p: ParamSchema, value: JsValue, text: string, re: RegExp | null): string | undefined {
  const itemType = p.type === 'list' ? (p.itemType ?? 'string') : p.type;
  if (p.size && p.size.length > 0) {
    const len =
      itemType === 'hexBinary' ? text.length / 2 : itemType === 'base64' ? base64Bytes(text) : charLength(text);
    if (!p.size.some((s) => fitsSize(s, len))) return `length ${len} is outside ${p.size.map(showSize).join(' or ')}`;
  }
  if (p.range && p.range.length > 0 && (typeof value === 'number' || typeof value === 'bigint')) {
    if (!p.range.some((r) => inRange(r, value))) return `${text} is outside ${p.range.map(showRange).join(' or ')}`;
  }
  if (p.enum && p.enum.length > 0 && !p.enum.includes(text)) {
    return `${describe(text)} is not one of ${p.enum.slice(0, 12).join(', ')}${p.enum.length > 12 ? ', …' : ''}`;
  }
  if (p.readOnlyEnum?.includes(text)) return `${describe(text)} may only be set by the device`;
  if (re && !re.test(text)) return `${describe(text)} does not match the required format`;
  return undefined;
}

function fitsSize(s: SizeFacet, len: number): boolean {
  return (s.minLength === undefined || len >= s.minLength) && (s.maxLength === undefined || len <= s.maxLength);
}
function showSize(s: SizeFacet): string {
  if (s.minLength !== undefined && s.minLength === s.maxLength) return `exactly ${s.minLength}`;
  return `${s.minLength ?? 0}..${s.maxLength ?? '∞'}`;
}
function inRange(r: RangeFacet, v: number | bigint): boolean {
  const big = typeof v === 'bigint';
  const n = big ? v : v;
  if (r.min !== undefined && (big ? (n as bigint) < BigInt(r.min) : (n as number) < r.min)) return false;
  if (r.max !== undefined && (big ? (n as bigint) > BigInt(r.max) : (n as number) > r.max)) return false;
  if (r.step !== undefined && r.step > 0) {
    const base = r.min ?? 0;
    if (big ? ((n as bigint) - BigInt(base)) % BigInt(r.step) !== 0n : ((n as number) - base) % r.step !== 0) return false;
  }
  return true;
}
function showRange(r: RangeFacet): string {
  const s = `${r.min ?? '-∞'}..${r.max ?? '∞'}`;
  return r.step !== undefined && r.step !== 1 ? `${s} step ${r.step}` : s;
}
/** Length in characters (code points), as TR-106 sizes count. */
function charLength(s: string): number {
  // Fast path: only surrogate pairs make .length differ from the code-point count.
  return /[\uD800-\uDBFF]/.test(s) ? [...s].length : s.length;
}
function base64Bytes(s: string): number {
  return (s.length / 4) * 3 - (s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0);
}
function bad(code: 9006 | 9007, message: string): ParseResult {
  return { ok: false, code, message };
}

const patterns = new WeakMap<ParamSchema, RegExp | null>();
/** The parameter's patterns as one anchored RegExp (compiled once per schema entry). */
export function patternOf(p: ParamSchema): RegExp | null {
  let re = patterns.get(p);
  if (re === undefined) {
    re = compilePatterns(p.pattern);
    patterns.set(p, re);
  }
  return re;
}
