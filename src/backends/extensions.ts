// Operator extensions: vendor parameters and tables (Device.…X_<VENDOR>_…) declared in a JSON file,
// whose values come from and go to shell commands (the idea of easycwmp's shell data model).
//
// {
//   "timeout": 10,                                   // seconds per command (optional, 1..300)
//   "parameters": [
//     { "path": "Device.DeviceInfo.X_FFFFFF_Location", "type": "string",
//       "get": "cat /etc/location", "set": "printf '%s' \"$VALUE\" > /etc/location" }
//   ],
//   "tables": [
//     { "path": "Device.X_FFFFFF_Service.{i}.",
//       "list": "print one JSON object per line",    // or "format": "tsv" + "columns": [...]
//       "key": "name",                               // field naming the row (default "key")
//       "params": { "Name": { "type": "string", "field": "name" },
//                   "Active": { "type": "boolean", "get": "systemctl is-active -q \"$KEY\" && echo 1 || echo 0",
//                               "set": "..." } },
//       "add": "print the new row's key", "remove": "uses $KEY" }
//   ]
// }
//
// Commands run with `sh -c`; the value being set is in $VALUE and the row key in $KEY, never
// spliced into the command text. Output is trimmed and converted to the declared type; a failing
// command is an error the engine reports as fault 9002.
import { readFile, stat } from 'node:fs/promises';
import type { ModelBuilder, ParamSpec, ReadContext, Value } from '../datamodel/registry.js';
import type { ObjectSchema, ParamSchema } from '../datamodel/schema.js';
import { runShell } from './shell.js';

export const DEFAULT_EXTENSIONS_FILE = '/etc/tr069-client/extensions.json';

export type ExtensionType =
  | 'string'
  | 'boolean'
  | 'int'
  | 'unsignedInt'
  | 'long'
  | 'unsignedLong'
  | 'dateTime'
  | 'base64'
  | 'hexBinary'
  | 'decimal';
const TYPES: readonly ExtensionType[] = [
  'string',
  'boolean',
  'int',
  'unsignedInt',
  'long',
  'unsignedLong',
  'dateTime',
  'base64',
  'hexBinary',
  'decimal',
];

/** Facets shared by scalar and column parameters. */
export interface ExtensionSyntax {
  type: ExtensionType;
  enum?: string[];
  maxLength?: number;
  min?: number;
  max?: number;
}
export interface ExtensionParameter extends ExtensionSyntax {
  path: string;
  get: string;
  set?: string;
}
export interface ExtensionColumn extends ExtensionSyntax {
  /** Field of the list output holding the value (default: the parameter name). */
  field?: string;
  /** Command printing the value (with $KEY), instead of a field. */
  get?: string;
  set?: string;
}
export interface ExtensionTable {
  path: string;
  list: string;
  format: 'json' | 'tsv';
  /** json: the field naming the row. tsv: the column naming the row. */
  key: string;
  /** tsv: names of the tab-separated columns. */
  columns?: string[];
  params: Record<string, ExtensionColumn>;
  add?: string;
  remove?: string;
}
export interface ExtensionsFile {
  source: string;
  timeoutMs: number;
  parameters: ExtensionParameter[];
  tables: ExtensionTable[];
}

export class ExtensionsFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExtensionsFileError';
  }
}

// ---- loading and validation --------------------------------------------------------------------

const MAX_FILE = 1024 * 1024;
const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const VENDOR_SEGMENT = /^X_[A-Za-z0-9-]+_[A-Za-z0-9_-]+$/;
const MAX_PATH = 256;

export const EMPTY_EXTENSIONS: ExtensionsFile = { source: '(none)', timeoutMs: 10_000, parameters: [], tables: [] };

/**
 * Reads and validates the extensions file; a missing file means no extensions. Because its
 * commands run as the agent's user, a file other users could write is refused.
 */
export async function loadExtensions(path: string): Promise<ExtensionsFile> {
  let text: string;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new ExtensionsFileError(`${path} is not a regular file`);
    if (st.size > MAX_FILE) throw new ExtensionsFileError(`${path} is larger than ${MAX_FILE} bytes`);
    if ((st.mode & 0o022) !== 0) {
      throw new ExtensionsFileError(`${path} is writable by group or others (mode ${(st.mode & 0o777).toString(8)}); refusing to run its commands`);
    }
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== 0 && st.uid !== uid) {
      throw new ExtensionsFileError(`${path} belongs to uid ${st.uid}, not to root or the agent's user; refusing to run its commands`);
    }
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ...EMPTY_EXTENSIONS, source: path };
    if (e instanceof ExtensionsFileError) throw e;
    throw new ExtensionsFileError(`cannot read ${path}: ${(e as Error).message}`);
  }
  return parseExtensions(text, path);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates the file's text; every problem names the entry it is in. */
export function parseExtensions(text: string, source = 'extensions file'): ExtensionsFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ExtensionsFileError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  const fail = (where: string, msg: string): never => {
    throw new ExtensionsFileError(`${source}: ${where}: ${msg}`);
  };
  if (!isObj(raw)) fail('top level', 'must be a JSON object');
  const top = raw as Obj;
  onlyKeys(top, ['timeout', 'parameters', 'tables'], 'top level', fail);

  let timeoutMs = 10_000;
  if (top.timeout !== undefined) {
    const t = top.timeout;
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 1 || t > 300) fail('timeout', 'must be a number of seconds from 1 to 300');
    timeoutMs = Math.round((t as number) * 1000);
  }

  const seen = new Set<string>();
  const parameters: ExtensionParameter[] = [];
  const rawParams = top.parameters ?? [];
  if (!Array.isArray(rawParams)) fail('parameters', 'must be an array');
  (rawParams as unknown[]).forEach((p, i) => {
    const where = `parameters[${i}]${isObj(p) && typeof p.path === 'string' ? ` (${p.path})` : ''}`;
    if (!isObj(p)) fail(where, 'must be an object');
    const e = p as Obj;
    onlyKeys(e, ['path', 'type', 'get', 'set', 'enum', 'maxLength', 'min', 'max'], where, fail);
    const path = str(e.path, 'path', where, fail);
    checkPath(path, false, where, fail);
    if (seen.has(path)) fail(where, 'the same path is declared twice');
    seen.add(path);
    parameters.push({
      path,
      ...syntax(e, where, fail),
      get: str(e.get, 'get', where, fail),
      ...(e.set !== undefined ? { set: str(e.set, 'set', where, fail) } : {}),
    });
  });

  const tables: ExtensionTable[] = [];
  const rawTables = top.tables ?? [];
  if (!Array.isArray(rawTables)) fail('tables', 'must be an array');
  (rawTables as unknown[]).forEach((t, i) => {
    const where = `tables[${i}]${isObj(t) && typeof t.path === 'string' ? ` (${t.path})` : ''}`;
    if (!isObj(t)) fail(where, 'must be an object');
    const e = t as Obj;
    onlyKeys(e, ['path', 'list', 'format', 'key', 'columns', 'params', 'add', 'remove'], where, fail);
    const path = str(e.path, 'path', where, fail);
    checkPath(path, true, where, fail);
    if (seen.has(path)) fail(where, 'the same path is declared twice');
    seen.add(path);
    const format = (e.format ?? 'json') as ExtensionTable['format'];
    if (format !== 'json' && format !== 'tsv') fail(where, '"format" must be "json" or "tsv"');
    let columns: string[] | undefined;
    if (format === 'tsv') {
      if (!Array.isArray(e.columns) || e.columns.length === 0 || !e.columns.every((c) => typeof c === 'string' && c !== '')) {
        fail(where, '"columns" must list the names of the tab-separated columns');
      }
      columns = e.columns as string[];
      if (new Set(columns).size !== columns.length) fail(where, '"columns" names a column twice');
    } else if (e.columns !== undefined) {
      fail(where, '"columns" is only for "format": "tsv"');
    }
    const key = e.key === undefined ? (columns ? columns[0] : 'key') : str(e.key, 'key', where, fail);
    if (columns && !columns.includes(key)) fail(where, `"key" names "${key}", which is not one of the columns`);
    if (!isObj(e.params) || Object.keys(e.params).length === 0) fail(where, '"params" must be an object with at least one parameter');
    const params: Record<string, ExtensionColumn> = {};
    for (const [name, c] of Object.entries(e.params as Obj)) {
      const w = `${where} params.${name}`;
      if (!NAME.test(name)) fail(w, 'is not a valid parameter name');
      if (name.endsWith('NumberOfEntries')) fail(w, 'NumberOfEntries parameters are computed, not declared');
      if (!isObj(c)) fail(w, 'must be an object');
      const col = c as Obj;
      onlyKeys(col, ['type', 'field', 'get', 'set', 'enum', 'maxLength', 'min', 'max'], w, fail);
      if (col.field !== undefined && col.get !== undefined) fail(w, 'give either "field" or "get", not both');
      const field = col.get === undefined ? (col.field === undefined ? name : str(col.field, 'field', w, fail)) : undefined;
      if (columns && field !== undefined && !columns.includes(field)) fail(w, `field "${field}" is not one of the columns`);
      params[name] = {
        ...syntax(col, w, fail),
        ...(field !== undefined ? { field } : { get: str(col.get, 'get', w, fail) }),
        ...(col.set !== undefined ? { set: str(col.set, 'set', w, fail) } : {}),
      };
    }
    tables.push({
      path,
      list: str(e.list, 'list', where, fail),
      format,
      key,
      ...(columns ? { columns } : {}),
      params,
      ...(e.add !== undefined ? { add: str(e.add, 'add', where, fail) } : {}),
      ...(e.remove !== undefined ? { remove: str(e.remove, 'remove', where, fail) } : {}),
    });
  });

  // A scalar parameter may not live inside a declared table row.
  for (const p of parameters) {
    const t = tables.find((t) => p.path.startsWith(t.path.slice(0, -'{i}.'.length)));
    if (t) fail(`parameters (${p.path})`, `is inside table ${t.path}; declare it in that table's "params"`);
  }
  return { source, timeoutMs, parameters, tables };
}

type Fail = (where: string, msg: string) => never;

function onlyKeys(o: Obj, allowed: string[], where: string, fail: Fail): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(where, `unknown field "${k}" (allowed: ${allowed.join(', ')})`);
}

function str(v: unknown, field: string, where: string, fail: Fail): string {
  if (typeof v !== 'string' || v.trim() === '') fail(where, `"${field}" must be a non-empty string`);
  return v as string;
}

function syntax(e: Obj, where: string, fail: Fail): ExtensionSyntax {
  if (typeof e.type !== 'string' || !TYPES.includes(e.type as ExtensionType)) {
    fail(where, `"type" must be one of ${TYPES.join(', ')}`);
  }
  const type = e.type as ExtensionType;
  const out: ExtensionSyntax = { type };
  if (e.enum !== undefined) {
    if (type !== 'string' || !Array.isArray(e.enum) || e.enum.length === 0 || !e.enum.every((x) => typeof x === 'string')) {
      fail(where, '"enum" must be a non-empty list of strings, for a string parameter');
    }
    out.enum = e.enum as string[];
  }
  if (e.maxLength !== undefined) {
    if (!Number.isInteger(e.maxLength) || (e.maxLength as number) < 1) fail(where, '"maxLength" must be a positive integer');
    out.maxLength = e.maxLength as number;
  }
  for (const f of ['min', 'max'] as const) {
    if (e[f] === undefined) continue;
    if (!['int', 'unsignedInt', 'long', 'unsignedLong'].includes(type) || !Number.isInteger(e[f])) {
      fail(where, `"${f}" must be an integer, for an integer parameter`);
    }
    out[f] = e[f] as number;
  }
  return out;
}

function checkPath(path: string, table: boolean, where: string, fail: Fail): void {
  if (path.length > MAX_PATH) fail(where, `the path is longer than ${MAX_PATH} characters`);
  if (table && !path.endsWith('.{i}.')) fail(where, 'a table path must end in ".{i}."');
  if (!table && path.endsWith('.')) fail(where, 'a parameter path must not end in "."');
  const segs = (table ? path.slice(0, -'.{i}.'.length) : path).split('.');
  if (segs[0] !== 'Device') fail(where, 'the path must start with "Device."');
  if (segs.length < 2 || !segs.every((s) => NAME.test(s))) {
    fail(where, `"${path}" is not a valid path (names only${table ? ', one "{i}" at the end' : ', no "{i}"'})`);
  }
  if (!segs.some((s) => VENDOR_SEGMENT.test(s))) {
    fail(where, 'vendor paths need an X_<VENDOR>_ name (e.g. X_FFFFFF_Name or X_EXAMPLE-COM_Name)');
  }
}

// ---- schema for the engine -----------------------------------------------------------------------

const XSD: Record<ExtensionType, string> = {
  string: 'xsd:string',
  boolean: 'xsd:boolean',
  int: 'xsd:int',
  unsignedInt: 'xsd:unsignedInt',
  long: 'xsd:long',
  unsignedLong: 'xsd:unsignedLong',
  dateTime: 'xsd:dateTime',
  base64: 'xsd:base64',
  hexBinary: 'xsd:hexBinary',
  decimal: 'xsd:decimal',
};

function paramSchema(s: ExtensionSyntax, writable: boolean): ParamSchema {
  const p: ParamSchema = { type: s.type, xsdType: XSD[s.type], access: writable ? 'readWrite' : 'readOnly' };
  if (s.enum) p.enum = [...s.enum];
  if (s.maxLength !== undefined) p.size = [{ maxLength: s.maxLength }];
  if (s.min !== undefined || s.max !== undefined) p.range = [{ ...(s.min !== undefined ? { min: s.min } : {}), ...(s.max !== undefined ? { max: s.max } : {}) }];
  return p;
}

const countName = (tablePath: string) => tablePath.slice(0, -'.{i}.'.length).split('.').at(-1) + 'NumberOfEntries';
const parentOf = (tablePath: string) => {
  const t = tablePath.slice(0, -'.{i}.'.length);
  return t.slice(0, t.lastIndexOf('.') + 1);
};

/**
 * The declared objects and parameters in the shape of src/datamodel/generated/tr181.json
 * ({objects, params}); standard objects the paths pass through are not included.
 */
export function extensionSchema(ext: ExtensionsFile): { objects: Record<string, ObjectSchema>; params: Record<string, ParamSchema> } {
  const objects: Record<string, ObjectSchema> = {};
  const params: Record<string, ParamSchema> = {};
  const addVendorObjects = (objPath: string) => {
    const segs = objPath.slice(0, -1).split('.');
    let vendor = false;
    for (let i = 1; i < segs.length; i++) {
      vendor ||= VENDOR_SEGMENT.test(segs[i]);
      const p = segs.slice(0, i + 1).join('.') + '.';
      if (vendor && !objects[p]) objects[p] = { multiInstance: false, access: 'readOnly', minEntries: 1, maxEntries: 1 };
    }
  };
  for (const p of ext.parameters) {
    addVendorObjects(p.path.slice(0, p.path.lastIndexOf('.') + 1));
    params[p.path] = paramSchema(p, !!p.set);
  }
  for (const t of ext.tables) {
    const parent = parentOf(t.path);
    if (parent !== 'Device.') addVendorObjects(parent);
    objects[t.path] = {
      multiInstance: true,
      access: t.add || t.remove ? 'readWrite' : 'readOnly',
      minEntries: 0,
      maxEntries: 'unbounded',
      numEntriesParameter: countName(t.path),
    };
    params[parent + countName(t.path)] = { type: 'unsignedInt', xsdType: 'xsd:unsignedInt', access: 'readOnly' };
    for (const [name, c] of Object.entries(t.params)) params[t.path + name] = paramSchema(c, !!c.set);
  }
  return { objects, params };
}

// ---- values --------------------------------------------------------------------------------------

/** Command output (or a list field) → the JS value for the declared type. */
export function toValue(type: ExtensionType, raw: string | number | boolean | null | undefined, what: string): Value {
  if (raw === null || raw === undefined) {
    if (type === 'boolean') return false;
    if (type === 'long' || type === 'unsignedLong') return 0n;
    if (['int', 'unsignedInt', 'decimal'].includes(type)) return 0;
    return type === 'dateTime' ? '0001-01-01T00:00:00Z' : '';
  }
  const s = String(raw).trim();
  switch (type) {
    case 'boolean': {
      const l = s.toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(l)) return true;
      if (['0', 'false', 'no', 'off', ''].includes(l)) return false;
      throw new Error(`${what}: "${s}" is not a boolean`);
    }
    case 'int':
    case 'unsignedInt':
      if (!/^[+-]?\d+$/.test(s)) throw new Error(`${what}: "${s}" is not an integer`);
      return Number(s);
    case 'long':
    case 'unsignedLong':
      if (!/^[+-]?\d+$/.test(s)) throw new Error(`${what}: "${s}" is not an integer`);
      return BigInt(s);
    default:
      return s;
  }
}

/** What $VALUE holds: the CWMP text of the value ("true"/"false" for booleans). */
export function valueText(v: Value): string {
  if (v instanceof Date) return v.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return String(v);
}

// ---- registration ----------------------------------------------------------------------------------

type Row = { key: string; fields: Record<string, string | number | boolean | null> };

export function parseListOutput(t: ExtensionTable, out: string): Row[] {
  const rows: Row[] = [];
  const keys = new Set<string>();
  const lines = out.split('\n').filter((l) => l.trim() !== '');
  if (lines.length > 10_000) throw new Error(`list of ${t.path} printed more than 10000 rows`);
  lines.forEach((line, n) => {
    let fields: Record<string, string | number | boolean | null>;
    if (t.format === 'tsv') {
      const cells = line.replace(/\r$/, '').split('\t');
      fields = Object.fromEntries((t.columns ?? []).map((c, i) => [c, cells[i] ?? null]));
    } else {
      let o: unknown;
      try {
        o = JSON.parse(line);
      } catch {
        throw new Error(`list of ${t.path}, line ${n + 1}: not a JSON object`);
      }
      if (!isObj(o)) throw new Error(`list of ${t.path}, line ${n + 1}: not a JSON object`);
      fields = {};
      for (const [k, v] of Object.entries(o)) {
        fields[k] = v === null || ['string', 'number', 'boolean'].includes(typeof v) ? (v as string | number | boolean | null) : JSON.stringify(v);
      }
    }
    const key = fields[t.key];
    if (key === null || key === undefined || String(key).trim() === '') {
      throw new Error(`list of ${t.path}, line ${n + 1}: no "${t.key}" to name the row`);
    }
    const k = String(key).trim();
    if (keys.has(k)) throw new Error(`list of ${t.path}: the key "${k}" appears twice`);
    keys.add(k);
    rows.push({ key: k, fields });
  });
  return rows;
}

export interface ExtensionRunOptions {
  /** Overrides the file's timeout (ms). */
  timeoutMs?: number;
  shell?: string;
}

/** Registers every declared parameter and table with the engine. */
export function registerExtensions(model: ModelBuilder, ext: ExtensionsFile, opts: ExtensionRunOptions = {}): void {
  const timeoutMs = opts.timeoutMs ?? ext.timeoutMs;
  const run = (cmd: string, env: Record<string, string>, what: string) =>
    runShell(cmd, { env, timeoutMs, shell: opts.shell }).catch((e: Error) => {
      throw new Error(`${what}: ${e.message}`);
    });
  const schema = extensionSchema(ext);

  // Scalar parameters, grouped by the object holding them.
  const byObject = new Map<string, Record<string, ParamSpec<undefined>>>();
  for (const p of ext.parameters) {
    const cut = p.path.lastIndexOf('.') + 1;
    const obj = p.path.slice(0, cut);
    const spec: ParamSpec<undefined> = {
      syntax: schema.params[p.path],
      get: async () => toValue(p.type, await run(p.get, {}, `reading ${p.path}`), p.path),
    };
    if (p.set) {
      const set = p.set;
      spec.set = async (_row, v) => {
        await run(set, { VALUE: valueText(v) }, `setting ${p.path}`);
      };
    }
    byObject.set(obj, { ...byObject.get(obj), [p.path.slice(cut)]: spec });
  }
  for (const [obj, params] of byObject) model.object(obj, { params });

  for (const t of ext.tables) {
    const listRows = (ctx: ReadContext): Promise<Row[]> =>
      ctx.cache(`ext:${t.path}`, async () => parseListOutput(t, await run(t.list, {}, `listing ${t.path}`)));
    const params: Record<string, ParamSpec<Row>> = {};
    for (const [name, c] of Object.entries(t.params)) {
      const path = t.path + name;
      const get = c.get;
      const spec: ParamSpec<Row> = {
        syntax: schema.params[path],
        get: get
          ? async (r) => toValue(c.type, await run(get, { KEY: r.key }, `reading ${path} of ${r.key}`), path)
          : (r) => toValue(c.type, r.fields[c.field ?? name], path),
      };
      if (c.set) {
        const set = c.set;
        spec.set = async (r, v) => {
          await run(set, { KEY: r.key, VALUE: valueText(v) }, `setting ${path} of ${r.key}`);
        };
      }
      params[name] = spec;
    }
    const add = t.add;
    const remove = t.remove;
    model.table<Row>(t.path, {
      list: async (_p, ctx) => (await listRows(ctx)).map((r) => ({ key: r.key, row: r })),
      params,
      ...(add
        ? {
            add: async () => {
              const key = (await run(add, {}, `adding to ${t.path}`)).trim();
              if (key === '' || key.includes('\n')) throw new Error(`adding to ${t.path}: the command must print the new row's key on one line`);
              return key;
            },
          }
        : {}),
      ...(remove
        ? {
            remove: async (key: string) => {
              await run(remove, { KEY: key }, `removing ${key} from ${t.path}`);
            },
          }
        : {}),
    });
    // The engine counts schema tables itself; for a vendor table it learns the count from us.
    const parent = parentOf(t.path);
    model.object(parent, {
      params: {
        [countName(t.path)]: {
          syntax: schema.params[parent + countName(t.path)],
          get: async (_r: unknown, ctx: ReadContext) => (await listRows(ctx)).length,
        },
      },
    });
  }
}
