// Checks values read over the wire against the generated TR-181 schema (src/datamodel/generated/tr181.json).
// Written independently of the engine's own value code (src/datamodel/values.ts) so that a bug
// there does not hide itself: lexical forms per TR-106/XML Schema, then the schema's facets.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ParamEntry {
  type: string;
  itemType?: string;
  xsdType: string;
  access: string;
  size?: Array<{ minLength?: number; maxLength?: number }>;
  range?: Array<{ min?: number; max?: number; step?: number }>;
  enum?: string[];
  pattern?: string[];
  list?: { minItems?: number; maxItems?: number; minLength?: number; maxLength?: number };
  hidden?: boolean;
  activeNotify?: string;
  forcedInform?: boolean;
}
interface ObjectEntry {
  multiInstance: boolean;
  access: string;
  numEntriesParameter?: string;
}
export interface Tr181 {
  params: Record<string, ParamEntry>;
  objects: Record<string, ObjectEntry>;
}

const SCHEMA_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'datamodel', 'generated', 'tr181.json');

export function loadTr181(): Tr181 {
  return JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Tr181;
}

/** 'Device.IP.Interface.3.Name' → 'Device.IP.Interface.{i}.Name' (also for object paths ending in '.'). */
export function generic(path: string): string {
  return path.replace(/\.[0-9]+(?=\.)/g, '.{i}');
}

const BOUNDS: Record<string, [bigint, bigint]> = {
  int: [-(2n ** 31n), 2n ** 31n - 1n],
  unsignedInt: [0n, 2n ** 32n - 1n],
  long: [-(2n ** 63n), 2n ** 63n - 1n],
  unsignedLong: [0n, 2n ** 64n - 1n],
};
// Canonical forms a CPE should send: no '+', no leading zeros, no surrounding blanks.
const CANONICAL_INT = /^(?:0|-?[1-9][0-9]*)$/;
// TR-106 dateTime: UTC with 'Z' or an explicit offset, or the Unknown Time; optional fraction.
const DATETIME = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(Z|[+-](?:0[0-9]|1[0-4]):[0-5][0-9])$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function codePoints(s: string): number {
  return [...s].length;
}

function checkScalar(type: string, v: string): string | undefined {
  switch (type) {
    case 'string':
      return undefined;
    case 'boolean':
      return v === 'true' || v === 'false' ? undefined : `boolean must read "true" or "false", not ${JSON.stringify(v)}`;
    case 'int':
    case 'unsignedInt':
    case 'long':
    case 'unsignedLong': {
      if (!CANONICAL_INT.test(v)) return `${JSON.stringify(v)} is not a canonical ${type}`;
      const n = BigInt(v);
      const [min, max] = BOUNDS[type];
      return n < min || n > max ? `${v} is outside ${type}` : undefined;
    }
    case 'dateTime': {
      const m = DATETIME.exec(v);
      if (!m) return `${JSON.stringify(v)} is not a TR-106 dateTime`;
      const [, , mo, d, h, mi, s] = m.map(Number);
      if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return `${v} has an impossible date or time`;
      return undefined;
    }
    case 'base64':
      return BASE64.test(v) ? undefined : `${JSON.stringify(v)} is not base64`;
    default:
      return `unexpected type ${type}`;
  }
}

function checkFacets(p: ParamEntry, item: string, numeric: boolean): string | undefined {
  if (p.size?.length && !p.size.some((s) => (s.minLength ?? 0) <= codePoints(item) && codePoints(item) <= (s.maxLength ?? Infinity))) {
    return `length ${codePoints(item)} is outside ${JSON.stringify(p.size)}`;
  }
  if (numeric && p.range?.length) {
    const n = Number(item);
    const ok = p.range.some((r) => (r.min ?? -Infinity) <= n && n <= (r.max ?? Infinity) && (!r.step || (n - (r.min ?? 0)) % r.step === 0));
    if (!ok) return `${item} is outside ${JSON.stringify(p.range)}`;
  }
  if (p.enum?.length && !p.enum.includes(item)) return `${JSON.stringify(item)} is not one of ${p.enum.join('|')}`;
  if (p.pattern?.length && !p.pattern.some((re) => new RegExp(`^(?:${re})$`, 'u').test(item))) {
    return `${JSON.stringify(item)} does not match ${JSON.stringify(p.pattern)}`;
  }
  return undefined;
}

/**
 * What is wrong with one value read from the device (undefined when it is valid for its TR-181
 * type): unknown parameter, wrong xsi:type, lexical form, range, enum, length, pattern, list facets.
 */
export function checkValue(schema: Tr181, name: string, value: string, xsiType: string | undefined): string | undefined {
  const g = generic(name);
  const p = schema.params[g];
  if (!p) return name.split('.').some((s) => s.startsWith('X_')) ? undefined : `${g} is not in the schema`;
  if (xsiType !== p.xsdType) return `xsi:type ${xsiType} but the schema says ${p.xsdType}`;
  const numeric = ['int', 'unsignedInt', 'long', 'unsignedLong'].includes(p.itemType ?? p.type);
  if (p.type === 'list') {
    if (value === '') return p.list?.minItems ? `needs at least ${p.list.minItems} items` : undefined;
    const items = value.split(',');
    if (p.list?.maxLength !== undefined && codePoints(value) > p.list.maxLength) return `list longer than ${p.list.maxLength}`;
    if (p.list?.maxItems !== undefined && items.length > p.list.maxItems) return `more than ${p.list.maxItems} items`;
    for (const item of items) {
      if (item !== item.trim() || item === '') return `list item ${JSON.stringify(item)} is empty or padded`;
      const e = checkScalar(p.itemType ?? 'string', item) ?? checkFacets(p, item, numeric);
      if (e) return `item ${e}`;
    }
    return undefined;
  }
  return checkScalar(p.type, value) ?? checkFacets(p, value, numeric);
}
