// The generated TR-181 subset (generated/tr181.json, made by scripts/gen-schema.ts) and lookups
// by generic path ('Device.IP.Interface.{i}.Name'). Loaded with fs relative to this module so the
// same code works from src/ (tsx) and from dist/src/ (tsc does not copy JSON files).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type BaseType =
  | 'string'
  | 'int'
  | 'unsignedInt'
  | 'long'
  | 'unsignedLong'
  | 'boolean'
  | 'dateTime'
  | 'base64'
  | 'hexBinary'
  | 'decimal';

export interface SizeFacet {
  minLength?: number;
  maxLength?: number;
}
export interface RangeFacet {
  min?: number;
  max?: number;
  step?: number;
}
export interface ListFacet {
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
}
export type ActiveNotify = 'normal' | 'forceEnabled' | 'forceDefaultEnabled' | 'canDeny';

export interface ParamSchema {
  /** Base type, or 'list' for comma-separated lists of `itemType`. */
  type: BaseType | 'list';
  itemType?: BaseType;
  /** List-level facets (item count, length of the whole text). */
  list?: ListFacet;
  /** xsi:type to send, e.g. 'xsd:unsignedInt'. */
  xsdType: string;
  /** Named TR-106 type, e.g. 'IPv4Address' (informative). */
  dataType?: string;
  access: 'readOnly' | 'readWrite';
  /** Alternatives: a value is valid if it satisfies one of them (for lists: each item). */
  size?: SizeFacet[];
  range?: RangeFacet[];
  enum?: string[];
  /** Enumeration values the ACS may not write (e.g. DiagnosticsState 'Complete'). */
  readOnlyEnum?: string[];
  /** XML Schema patterns; a value must match one of them entirely. '' allows the empty string. */
  pattern?: string[];
  default?: { type: 'object' | 'factory' | 'implementation' | string; value: string };
  hidden?: boolean;
  secured?: boolean;
  command?: boolean;
  activeNotify?: ActiveNotify;
  forcedInform?: boolean;
  status?: string;
}

export interface ObjectSchema {
  multiInstance: boolean;
  access: 'readOnly' | 'readWrite';
  minEntries?: number;
  maxEntries?: number | 'unbounded';
  /** Name of the parameter in the parent object that counts the rows of this table. */
  numEntriesParameter?: string;
  enableParameter?: string;
  status?: string;
}

export interface SchemaMeta {
  model: string;
  version: string;
  spec: string;
  source: string;
  [k: string]: unknown;
}

export interface SchemaFile {
  meta: SchemaMeta;
  objects: Record<string, ObjectSchema>;
  params: Record<string, ParamSchema>;
}

export class Schema {
  /** BBF order of every object and parameter path (used to order GPN/GPV answers). */
  private readonly order = new Map<string, number>();

  constructor(readonly file: SchemaFile) {
    let i = 0;
    for (const p of Object.keys(file.objects)) this.order.set(p, i++);
    for (const p of Object.keys(file.params)) this.order.set(p, i++);
  }

  /** '2.19' */
  get version(): string {
    return this.file.meta.version;
  }
  /** 'Device:2.19' */
  get model(): string {
    return this.file.meta.model;
  }
  /** 'urn:broadband-forum-org:tr-181-2-19-1-cwmp' */
  get spec(): string {
    return this.file.meta.spec;
  }

  object(genericPath: string): ObjectSchema | undefined {
    return Object.hasOwn(this.file.objects, genericPath) ? this.file.objects[genericPath] : undefined;
  }
  param(genericPath: string): ParamSchema | undefined {
    return Object.hasOwn(this.file.params, genericPath) ? this.file.params[genericPath] : undefined;
  }
  /** Position in BBF order; vendor paths (absent from the schema) sort last. */
  rank(genericPath: string): number {
    return this.order.get(genericPath) ?? Number.MAX_SAFE_INTEGER;
  }
}

/** XML Schema regexes are implicitly anchored; the ones TR-181 uses are valid JS syntax. */
export function compilePatterns(patterns: string[] | undefined): RegExp | null {
  if (!patterns || patterns.length === 0) return null;
  try {
    return new RegExp(`^(?:${patterns.map((p) => `(?:${p})`).join('|')})$`, 'u');
  } catch {
    return null;
  }
}

function locateDefault(): string {
  const candidates = [
    // src/datamodel/schema.ts under tsx
    new URL('./generated/tr181.json', import.meta.url),
    // dist/src/datamodel/schema.js after tsc: the JSON stays in src/ (package.json "files" ships it)
    new URL('../../../src/datamodel/generated/tr181.json', import.meta.url),
  ];
  for (const u of candidates) {
    try {
      return readFileSync(fileURLToPath(u), 'utf8');
    } catch {
      // try the next location
    }
  }
  throw new Error(
    `cannot find the TR-181 schema: looked for ${candidates.map((u) => fileURLToPath(u)).join(' and ')} ` +
      '(run `node --import tsx scripts/gen-schema.ts` to regenerate it)',
  );
}

let defaultSchema: Schema | undefined;

/** The generated TR-181 subset shipped with the agent (read once per process). */
export function loadSchema(): Schema {
  defaultSchema ??= new Schema(parseSchemaFile(locateDefault()));
  return defaultSchema;
}

/** Parses and sanity-checks a schema file's text. */
export function parseSchemaFile(text: string): SchemaFile {
  const raw = JSON.parse(text) as Partial<SchemaFile>;
  if (!raw || typeof raw !== 'object' || !raw.meta || !raw.objects || !raw.params) {
    throw new Error('schema file must have meta, objects and params');
  }
  if (!/^\d+\.\d+$/.test(String(raw.meta.version))) throw new Error(`schema version '${raw.meta.version}' is not N.M`);
  if (!raw.objects['Device.']) throw new Error('schema has no Device. object');
  return raw as SchemaFile;
}
