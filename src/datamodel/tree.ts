// Compiles the registrations into the tree the model walks: one node per registered generic
// object ('Device.IP.'), table ('Device.IP.Interface.' + its row 'Device.IP.Interface.{i}.')
// and parameter, checked against the schema and sorted in BBF order.
import { isVendorPath } from './path.js';
import type { Origin, ParamSpec, Registration, RowFn, TableSpec, Value } from './registry.js';
import { RegistrationError } from './registry.js';
import type { ObjectSchema, ParamSchema, Schema } from './schema.js';

export interface StoredInfo {
  /** Initial value; a function gets the concrete path (for 'cpe-<n>' aliases). */
  initial?: string | ((path: string) => string);
  validate?: (value: Value) => string | undefined;
}

export interface ParamNode {
  kind: 'param';
  name: string;
  generic: string;
  schema: ParamSchema;
  /** Backend accessors; absent for engine-stored and counting parameters. */
  spec?: ParamSpec<unknown>;
  stored?: StoredInfo;
  /** A NumberOfEntries parameter: counts the rows of this table. */
  countOf?: ObjNode;
  writable: boolean;
  /** hidden / secured / command: always reads as the type's null value. */
  hide: boolean;
  origin: Origin;
}

export interface ObjNode {
  /** object: single instance; container: 'X.Table.'; row: 'X.Table.{i}.' */
  kind: 'object' | 'container' | 'row';
  name: string;
  generic: string;
  schema: ObjectSchema;
  parent?: ObjNode;
  params: Map<string, ParamNode>;
  paramList: ParamNode[];
  children: Map<string, ObjNode>;
  childList: ObjNode[];
  /** container → its row node */
  rowNode?: ObjNode;
  /** object: computes the row its parameters and children receive */
  rowFn?: RowFn;
  /** container: the backend table, or undefined for an engine-stored table */
  table?: TableSpec<unknown, unknown>;
  storedTable?: { maxEntries?: number };
  tableOrigin?: Origin;
  /** container: AddObject allowed; row: DeleteObject allowed */
  writable: boolean;
}

export interface CompiledTree {
  root: ObjNode;
  /** Every parameter node by generic path. */
  params: Map<string, ParamNode>;
  /** Every object node by generic path (containers by 'X.Table.'). */
  objects: Map<string, ObjNode>;
}

const VENDOR_OBJECT: ObjectSchema = { multiInstance: false, access: 'readOnly' };

export function compileTree(schema: Schema, regs: readonly Registration[]): CompiledTree {
  const objects = new Map<string, ObjNode>();
  const params = new Map<string, ParamNode>();
  const root = makeNode('object', 'Device', 'Device.', requireObject(schema, 'Device.'));
  objects.set('Device.', root);

  /** Creates the nodes along a generic object path ('…{i}.' ends in a row node). */
  function ensureObject(generic: string, who: string): ObjNode {
    const found = objects.get(generic);
    if (found) return found;
    const segs = generic.slice(0, -1).split('.');
    let node = root;
    let path = 'Device.';
    for (let i = 1; i < segs.length; i++) {
      const seg = segs[i];
      if (seg === '{i}') {
        if (node.kind !== 'container') throw new RegistrationError(`${who}: '{i}' in ${generic} does not follow a table name`);
        path += '{i}.';
        node = node.rowNode as ObjNode;
        continue;
      }
      const isTable = segs[i + 1] === '{i}';
      const childPath = path + seg + '.';
      let child = node.children.get(seg);
      if (!child) {
        if (isTable) {
          const rowPath = childPath + '{i}.';
          const s = objectSchema(schema, rowPath, who);
          if (!s.multiInstance) throw new RegistrationError(`${who}: ${rowPath} is not a table in TR-181`);
          child = makeNode('container', seg, childPath, s);
          const row = makeNode('row', '{i}', rowPath, s);
          row.parent = child;
          child.rowNode = row;
          objects.set(rowPath, row);
        } else {
          const s = objectSchema(schema, childPath, who);
          if (s.multiInstance) throw new RegistrationError(`${who}: ${childPath} is a table in TR-181; use '${childPath}{i}.'`);
          child = makeNode('object', seg, childPath, s);
        }
        child.parent = node;
        node.children.set(seg, child);
        objects.set(childPath, child);
      } else if ((child.kind === 'container') !== isTable) {
        throw new RegistrationError(`${who}: ${childPath} is ${child.kind === 'container' ? '' : 'not '}a table`);
      }
      path = childPath;
      node = child;
    }
    return node;
  }

  function addParam(obj: ObjNode, name: string, make: (s: ParamSchema) => Omit<ParamNode, 'kind' | 'name' | 'generic' | 'schema' | 'hide'>, who: string, syntax?: Partial<ParamSchema>): void {
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) throw new RegistrationError(`${who}: '${name}' is not a parameter name`);
    const generic = obj.generic + name;
    let s = schema.param(generic);
    if (!s) {
      if (!isVendorPath(generic)) throw new RegistrationError(`${who}: ${generic} is not in the TR-181 schema (vendor parameters need an X_ name)`);
      s = { type: 'string', xsdType: 'xsd:string', access: 'readWrite', ...syntax };
    }
    const node: ParamNode = { kind: 'param', name, generic, schema: s, hide: !!(s.hidden || s.secured || s.command), ...make(s) };
    const have = obj.params.get(name);
    if (have) {
      if (node.origin === 'builtin') return; // built-ins never replace anything
      if (have.origin !== 'builtin') {
        const owner = have.origin === 'engine' ? 'the engine' : 'another registration';
        throw new RegistrationError(`${who}: ${generic} is already registered by ${owner}`);
      }
    }
    obj.params.set(name, node);
    params.set(generic, node);
  }

  // Tables first, so that objects and parameters below them find their container.
  const ordered = [...regs].sort((a, b) => kindOrder(a) - kindOrder(b));
  for (const r of ordered) {
    const who = `${r.kind}('${r.path}')`;
    switch (r.kind) {
      case 'table':
      case 'storedTable': {
        const row = ensureObject(r.path, who);
        const container = row.parent as ObjNode;
        if (container.table || container.storedTable) {
          if (r.origin === 'builtin') break;
          if (container.tableOrigin !== 'builtin') throw new RegistrationError(`${who}: the table is already registered`);
          // A backend replaces a built-in table together with its parameters.
          for (const p of row.params.values()) params.delete(p.generic);
          row.params.clear();
        }
        container.tableOrigin = r.origin;
        if (r.kind === 'table') {
          container.table = r.spec;
          container.storedTable = undefined;
          for (const [name, spec] of Object.entries(r.spec.params)) {
            addParam(row, name, (s) => ({ spec, writable: s.access === 'readWrite' && !!spec.set, origin: r.origin }), who, spec.syntax);
          }
          const rw = row.schema.access === 'readWrite' || isVendorPath(r.path);
          container.writable = rw && !!r.spec.add;
          row.writable = rw && !!r.spec.remove;
        } else {
          container.table = undefined;
          container.storedTable = { maxEntries: r.maxEntries };
          for (const [generic, ps] of Object.entries(schema.file.params)) {
            if (!generic.startsWith(r.path) || generic.slice(r.path.length).includes('.')) continue;
            const name = generic.slice(r.path.length);
            const initial = name === 'Alias' ? (p: string) => 'cpe-' + p.split('.').at(-2) : (ps.default?.value ?? undefined);
            addParam(row, name, (s) => ({ stored: { initial, validate: r.validate?.[name] }, writable: s.access === 'readWrite', origin: r.origin }), who);
          }
          container.writable = true;
          row.writable = true;
        }
        break;
      }
      case 'object': {
        const obj = ensureObject(r.path, who);
        if (r.row) {
          if (obj.rowFn && obj.rowFn !== r.row) throw new RegistrationError(`${who}: another object() registration already gives this object a row function`);
          obj.rowFn = r.row;
        }
        for (const [name, spec] of Object.entries(r.params)) {
          addParam(obj, name, (s) => ({ spec, writable: s.access === 'readWrite' && !!spec.set, origin: r.origin }), who, spec.syntax);
        }
        break;
      }
      case 'stored': {
        const cut = r.path.lastIndexOf('.') + 1;
        const obj = ensureObject(r.path.slice(0, cut), who);
        addParam(obj, r.path.slice(cut), (s) => ({ stored: { initial: r.initial, validate: r.validate }, writable: s.access === 'readWrite', origin: r.origin }), who);
        break;
      }
    }
  }

  // Every row node needs a table to list its instances.
  for (const node of objects.values()) {
    if (node.kind === 'container' && !node.table && !node.storedTable) {
      throw new RegistrationError(`${node.generic}{i}. has registrations below it but no table() for its rows`);
    }
  }
  // NumberOfEntries parameters follow their tables unless a backend registered them itself.
  for (const node of objects.values()) {
    if (node.kind !== 'container' || !node.schema.numEntriesParameter || !node.parent) continue;
    const parent = node.parent;
    const name = node.schema.numEntriesParameter;
    const s = schema.param(parent.generic + name);
    if (!s) continue;
    const have = parent.params.get(name);
    if (have && have.origin !== 'builtin') continue;
    const p: ParamNode = { kind: 'param', name, generic: parent.generic + name, schema: s, countOf: node, writable: false, hide: false, origin: 'builtin' };
    parent.params.set(name, p);
    params.set(p.generic, p);
  }

  for (const node of objects.values()) {
    node.paramList = [...node.params.values()].sort((a, b) => schema.rank(a.generic) - schema.rank(b.generic) || cmp(a.name, b.name));
    node.childList = [...node.children.values()].sort(
      (a, b) => schema.rank(rankPath(a)) - schema.rank(rankPath(b)) || cmp(a.name, b.name),
    );
  }
  return { root, params, objects };
}

function kindOrder(r: Registration): number {
  return r.kind === 'table' || r.kind === 'storedTable' ? 0 : 1;
}
function rankPath(n: ObjNode): string {
  return n.kind === 'container' ? n.generic + '{i}.' : n.generic;
}
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function makeNode(kind: ObjNode['kind'], name: string, generic: string, schema: ObjectSchema): ObjNode {
  return { kind, name, generic, schema, params: new Map(), paramList: [], children: new Map(), childList: [], writable: false };
}

function requireObject(schema: Schema, path: string): ObjectSchema {
  const s = schema.object(path);
  if (!s) throw new RegistrationError(`${path} is not in the schema`);
  return s;
}

function objectSchema(schema: Schema, generic: string, who: string): ObjectSchema {
  const s = schema.object(generic);
  if (s) return s;
  if (isVendorPath(generic)) {
    return generic.endsWith('{i}.') ? { multiInstance: true, access: 'readWrite', maxEntries: 'unbounded' } : VENDOR_OBJECT;
  }
  if (schema.object(generic + '{i}.')) throw new RegistrationError(`${who}: ${generic} is a table in TR-181; register '${generic}{i}.' with table()`);
  throw new RegistrationError(`${who}: ${generic} is not in the TR-181 schema this agent implements (see scripts/gen-schema.ts)`);
}
