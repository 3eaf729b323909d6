// The data model engine: resolves CWMP paths against the registered tree, reads and writes values
// through the backends, and keeps what CWMP requires to persist (ParameterKey, instance numbers,
// attributes, stored values, notification baselines) in one durable state file.
import type {
  ParameterAttribute,
  ParameterInfo,
  ParameterValue,
  SetParameterAttributesStruct,
} from '../cwmp/types.js';
import { DurableFile } from '../store/durable-file.js';
import { registerBuiltins } from './builtins.js';
import { FAULT, ModelFault, type ParameterFault } from './fault.js';
import { genericOf, isInstanceSegment, parsePath } from './path.js';
import { Registry, type ModelBuilder, type Value } from './registry.js';
import { Request, WriteRequest, type RowEntry } from './request.js';
import { loadSchema, Schema, type SchemaFile } from './schema.js';
import {
  assignInstance,
  emptyState,
  forgetInstance,
  pruneUnder,
  syncInstances,
  validateState,
  type InstanceTable,
  type ModelState,
} from './state.js';
import { compileTree, type CompiledTree, type ObjNode, type ParamNode } from './tree.js';
import { formatValue, nullValue, parseValue, type JsValue } from './values.js';

export interface ModelLogger {
  warn(obj: object, msg: string): void;
}

export interface ModelOptions {
  /** The state file, e.g. `<data-dir>/model.json`. */
  statePath: string;
  /** Defaults to the generated TR-181 subset. */
  schema?: Schema | SchemaFile;
  /** Never write the state file (a CLI reading next to a running daemon). */
  readOnly?: boolean;
  log?: ModelLogger;
  /** Most parameters one GPV/GPN/GPA may return before failing with 9004 (default 100 000). */
  maxResults?: number;
  /**
   * How long the backend reads of one operation may take in total before the rest read as null
   * values / empty tables (default 10 000 ms; the session must answer within GenieACS's 30 s).
   */
  readTimeoutMs?: number;
}

/** A notified parameter whose value differs from the one last reported. */
export interface ParameterChange extends ParameterValue {
  type: string;
  /** 1 = passive, 2 = active. */
  notification: number;
}

export interface SetValuesItem {
  name: string;
  value: string;
  /** xsi:type as received; informative only (the data-model type decides). */
  type?: string;
}

interface Located {
  node: ObjNode;
  /** Concrete path ending in '.'. */
  path: string;
  row: unknown;
  /** Row key when the last segment was an instance number. */
  key?: string;
}

interface ParamRef {
  node: ParamNode;
  path: string;
  objPath: string;
  row: unknown;
}

interface SetTarget extends ParamRef {
  value: JsValue;
  text: string;
  old?: { value: JsValue | Value; text: string };
}

const NOOP_LOG: ModelLogger = { warn: () => undefined };
/** Row of an object whose row function failed: its backend parameters read as null values. */
const ROW_FAILED = Symbol('row failed');
const MAX_PARAMETER_KEY = 32;

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}
function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
/** The CWMP fault a backend asked for (BackendError.faultCode), if any. */
function backendFaultCode(e: unknown): number | undefined {
  const c = (e as { faultCode?: unknown } | null)?.faultCode;
  return typeof c === 'number' && Number.isInteger(c) && c >= 9000 && c <= 9899 ? c : undefined;
}
const PER_PARAMETER = new Set<number>([FAULT.INVALID_PARAMETER_NAME, FAULT.INVALID_PARAMETER_TYPE, FAULT.INVALID_PARAMETER_VALUE, FAULT.NOT_WRITABLE]);
/** A backend failure during a write, as the fault the RPC returns. */
function writeFault(e: unknown, what: string, param?: string): ModelFault {
  if (e instanceof ModelFault) return e;
  const code = backendFaultCode(e) ?? FAULT.INTERNAL_ERROR;
  if (param !== undefined && PER_PARAMETER.has(code)) {
    return new ModelFault(FAULT.INVALID_ARGUMENTS, 'Invalid arguments', [{ name: param, code, message: errText(e) }]);
  }
  return new ModelFault(code, `${what}: ${errText(e)}`);
}
function unknownName(name: string): ModelFault {
  return new ModelFault(FAULT.INVALID_PARAMETER_NAME, `${name === '' ? 'the empty name' : name} is not a parameter or object of this device`);
}

export class Model {
  readonly schema: Schema;
  private readonly registry = new Registry();
  private readonly file: DurableFile<ModelState>;
  private readonly log: ModelLogger;
  private readonly readOnly: boolean;
  private readonly maxResults: number;
  private readonly readTimeoutMs: number;
  /** Requests of the running operation, closed when it ends. */
  private open: Request[] = [];
  private state: ModelState = emptyState();
  /** Instance numbers of ephemeral tables (memory only). */
  private volatile: Record<string, InstanceTable> = {};
  private compiled?: CompiledTree;
  private compiledGeneration = -1;
  private loaded = false;
  private dirty = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: ModelOptions) {
    this.schema = opts.schema instanceof Schema ? opts.schema : opts.schema ? new Schema(opts.schema) : loadSchema();
    this.file = new DurableFile(opts.statePath, emptyState, validateState);
    this.log = opts.log ?? NOOP_LOG;
    this.readOnly = opts.readOnly ?? false;
    this.maxResults = opts.maxResults ?? 100_000;
    this.readTimeoutMs = opts.readTimeoutMs ?? 10_000;
    registerBuiltins(this.registry, this.schema, {
      parameterKey: () => this.state.parameterKey,
      isForced: (generic) => !!this.schema.param(generic)?.forcedInform,
    });
  }

  /** Where backends register their objects, tables and parameters (before or after load()). */
  get builder(): ModelBuilder {
    return this.registry;
  }

  /** Reads the state file and checks the registrations against the schema (throws on either). */
  async load(): Promise<void> {
    this.state = await this.file.load();
    this.tree();
    this.loaded = true;
  }

  /** ParameterKey of the last successful SPV/AddObject/DeleteObject. */
  parameterKey(): string {
    return this.state.parameterKey;
  }

  // ---- reads ------------------------------------------------------------------------------

  /** GetParameterValues: full names and partial paths ('' = everything). Unknown → 9005. */
  getValues(names: readonly string[]): Promise<ParameterValue[]> {
    return this.exclusive(async () => {
      const req = this.request();
      const out: ParameterValue[] = [];
      for (const name of names) await this.collectValues(req, name, out);
      await this.persistQuietly();
      return out;
    });
  }

  /** Values for local use (CLI `get`): a full name or a partial path. */
  get(path: string): Promise<ParameterValue[]> {
    return this.getValues([path]);
  }

  /** GetParameterNames with the CWMP semantics ('' = the root, NextLevel). */
  getNames(path: string, nextLevel: boolean): Promise<ParameterInfo[]> {
    return this.exclusive(async () => {
      const req = this.request();
      const out: ParameterInfo[] = [];
      if (path === '') {
        if (nextLevel) out.push({ name: 'Device.', writable: false });
        else await this.walkNames(req, this.tree().root, 'Device.', await this.objectRow(req, this.tree().root, 'Device.', undefined), out);
      } else {
        const parsed = parsePath(path);
        if (!parsed) throw unknownName(path);
        if (!parsed.partial) {
          const ref = await this.locateParam(req, parsed.segments);
          if (!ref) throw unknownName(path);
          if (nextLevel) throw new ModelFault(FAULT.INVALID_ARGUMENTS, `NextLevel=true needs an object path ending in '.', not the parameter ${path}`);
          out.push({ name: path, writable: ref.node.writable });
        } else {
          const loc = await this.locate(req, parsed.segments, parsed.segments.length);
          if (!loc) throw unknownName(path);
          if (nextLevel) await this.childNames(req, loc, out);
          else await this.walkNames(req, loc.node, loc.path, loc.row, out);
        }
      }
      await this.persistQuietly();
      return out;
    });
  }

  /** GetParameterAttributes: full names and partial paths. */
  getAttributes(names: readonly string[]): Promise<ParameterAttribute[]> {
    return this.exclusive(async () => {
      const req = this.request();
      const out: ParameterAttribute[] = [];
      for (const name of names) {
        for (const ref of await this.resolveParams(req, name)) {
          out.push({
            name: ref.path,
            notification: this.notificationOf(ref.node, ref.path),
            accessList: [...(this.state.attributes[ref.path]?.accessList ?? [])],
          });
          if (out.length > this.maxResults) throw this.tooMany();
        }
      }
      await this.persistQuietly();
      return out;
    });
  }

  // ---- writes -----------------------------------------------------------------------------

  /**
   * SetParameterValues, all or nothing: every value is checked first (per-parameter faults in a
   * 9003 ModelFault), then the setters run as a batch; if one fails the ones already applied are
   * set back to their old values and 9002 is thrown. ParameterKey changes only on success.
   * Status 1 when a changed parameter needs a reboot to take effect.
   */
  setValues(list: readonly SetValuesItem[], parameterKey: string): Promise<{ status: 0 | 1 }> {
    return this.exclusive(() => this.doSetValues(list, parameterKey, false), true);
  }

  /**
   * A change made on the device (CLI, LAN side): same checks and atomicity as setValues, but
   * ParameterKey stays and notified parameters do report the change to the ACS.
   */
  setLocal(list: readonly SetValuesItem[]): Promise<{ status: 0 | 1 }> {
    return this.exclusive(() => this.doSetValues(list, this.state.parameterKey, true), true);
  }

  /** SetParameterAttributes, all or nothing. */
  setAttributes(list: readonly SetParameterAttributesStruct[]): Promise<void> {
    return this.exclusive(async () => {
      const req = this.request();
      const plan: Array<{ s: SetParameterAttributesStruct; refs: ParamRef[]; partial: boolean }> = [];
      for (const s of list) {
        if (s.notificationChange) {
          const n = s.notification;
          if (!Number.isInteger(n) || n < 0 || n > 6) {
            throw new ModelFault(FAULT.INVALID_ARGUMENTS, `Notification ${String(n)} for ${s.name} is not 0..6`);
          }
          if (n > 2) throw new ModelFault(FAULT.NOTIFICATION_REJECTED, `lightweight notification (${n}) is not supported (${s.name})`);
        }
        if (s.accessListChange) {
          if (s.accessList.length > 64 || s.accessList.some((a) => a.length === 0 || a.length > 64)) {
            throw new ModelFault(FAULT.INVALID_ARGUMENTS, `AccessList for ${s.name} has an empty or over-long entry`);
          }
        }
        const refs = await this.resolveParams(req, s.name);
        const partial = s.name === '' || s.name.endsWith('.');
        if (s.notificationChange && s.notification === 2 && !partial && refs[0]?.node.schema.activeNotify === 'canDeny') {
          throw new ModelFault(FAULT.NOTIFICATION_REJECTED, `active notification is not available for ${s.name}`);
        }
        plan.push({ s, refs, partial });
      }
      const before = structuredClone(this.state);
      for (const { s, refs } of plan) {
        for (const ref of refs) {
          const attrs = { ...this.state.attributes[ref.path] };
          if (s.notificationChange) {
            const an = ref.node.schema.activeNotify;
            // forceEnabled stays active whatever is asked; canDeny under a partial path is skipped.
            if (an !== 'forceEnabled' && !(s.notification === 2 && an === 'canDeny')) {
              const was = this.notificationOf(ref.node, ref.path);
              const dflt = an === 'forceDefaultEnabled' ? 2 : 0;
              if (s.notification === dflt) delete attrs.notification;
              else attrs.notification = s.notification;
              if (s.notification === 0) delete this.state.reported[ref.path];
              else if (was === 0) this.state.reported[ref.path] = await this.readParam(req, ref);
            }
          }
          if (s.accessListChange) {
            if (s.accessList.length === 0) delete attrs.accessList;
            else attrs.accessList = [...s.accessList];
          }
          if (attrs.notification === undefined && attrs.accessList === undefined) delete this.state.attributes[ref.path];
          else this.state.attributes[ref.path] = attrs;
        }
      }
      await this.commitState(before, 'attributes');
    }, true);
  }

  /** AddObject on a table path ('Device.X.Table.'); returns the new instance number. */
  addObject(objectName: string, parameterKey: string): Promise<{ instanceNumber: number; status: 0 | 1 }> {
    return this.exclusive(async () => {
      this.checkParameterKey(parameterKey);
      const req = this.writeRequest();
      const parsed = parsePath(objectName);
      if (!parsed || !parsed.partial) throw new ModelFault(FAULT.INVALID_PARAMETER_NAME, `${objectName} is not a table path ending in '.'`);
      const loc = await this.locate(req, parsed.segments, parsed.segments.length);
      if (!loc) throw unknownName(objectName);
      const table = loc.node;
      if (table.kind !== 'container') throw new ModelFault(FAULT.INVALID_PARAMETER_NAME, `${objectName} is not a table`);
      if (!table.writable) throw new ModelFault(FAULT.INVALID_PARAMETER_NAME, `${objectName} is a table the ACS cannot add to`);
      const rows = await this.rowsOf(req, table, loc.path, loc.row);
      const max = table.storedTable?.maxEntries ?? table.schema.maxEntries;
      if (typeof max === 'number' && rows.length >= max) {
        throw new ModelFault(FAULT.RESOURCES_EXCEEDED, `${objectName} already has its maximum of ${max} entries`);
      }
      const before = structuredClone(this.state);
      let key: string;
      try {
        if (table.storedTable) {
          key = newRowKey();
          (this.state.storedRows[loc.path] ??= []).push(key);
        } else {
          const add = table.table?.add;
          if (!add) throw new Error('the table has no add()');
          key = await add(loc.row, req);
          if (typeof key !== 'string' || key === '') throw new Error('add() did not return the new row key');
        }
        await req.runCommits();
      } catch (e) {
        this.state = before;
        throw writeFault(e, `could not add to ${objectName}`);
      }
      const instanceNumber = assignInstance(this.instanceTables(table), loc.path, key);
      this.state.parameterKey = parameterKey;
      await this.rebaselineCount(table, loc.path);
      await this.commitState(before, 'the new object');
      return { instanceNumber, status: 0 };
    }, true);
  }

  /** DeleteObject on an instance path ('Device.X.Table.3.'). */
  deleteObject(objectName: string, parameterKey: string): Promise<{ status: 0 | 1 }> {
    return this.exclusive(async () => {
      this.checkParameterKey(parameterKey);
      const req = this.writeRequest();
      const parsed = parsePath(objectName);
      if (!parsed || !parsed.partial || !isInstanceSegment(parsed.segments.at(-1) as string)) {
        throw new ModelFault(FAULT.INVALID_PARAMETER_NAME, `${objectName} is not an instance path like Device.X.Table.3.`);
      }
      const loc = await this.locate(req, parsed.segments, parsed.segments.length);
      if (!loc || loc.node.kind !== 'row' || loc.key === undefined) throw unknownName(objectName);
      const table = loc.node.parent as ObjNode;
      if (!loc.node.writable) throw new ModelFault(FAULT.INVALID_PARAMETER_NAME, `${objectName} cannot be deleted by the ACS`);
      const tablePath = loc.path.slice(0, loc.path.slice(0, -1).lastIndexOf('.') + 1);
      const before = structuredClone(this.state);
      try {
        if (table.storedTable) {
          this.state.storedRows[tablePath] = (this.state.storedRows[tablePath] ?? []).filter((k) => k !== loc.key);
        } else {
          const remove = table.table?.remove;
          if (!remove) throw new Error('the table has no remove()');
          await remove(loc.key, loc.row, req);
        }
        await req.runCommits();
      } catch (e) {
        this.state = before;
        throw writeFault(e, `could not delete ${objectName}`);
      }
      forgetInstance(this.instanceTables(table), tablePath, loc.key);
      pruneUnder(this.state, loc.path);
      this.pruneVolatile(loc.path);
      this.state.parameterKey = parameterKey;
      await this.rebaselineCount(table, tablePath);
      await this.commitState(before, 'the deletion');
      return { status: 0 };
    }, true);
  }

  // ---- Inform support -----------------------------------------------------------------------

  /**
   * The parameters an Inform carries besides changed ones: every forced-inform parameter, then
   * enabled InformParameter entries whose EventList matches `events` (empty list = every event
   * but '4 VALUE CHANGE'). Each name appears once.
   */
  informParameters(events: readonly string[]): Promise<ParameterValue[]> {
    return this.exclusive(async () => {
      const req = this.request();
      const out = new Map<string, ParameterValue>();
      const add = async (ref: ParamRef): Promise<void> => {
        if (!out.has(ref.path)) out.set(ref.path, { name: ref.path, value: await this.readParam(req, ref), type: ref.node.schema.xsdType });
      };
      const forced = [...this.tree().params.values()].filter((n) => n.schema.forcedInform);
      forced.sort((a, b) => this.schema.rank(a.generic) - this.schema.rank(b.generic));
      for (const node of forced) for (const ref of await this.expand(req, node.generic)) await add(ref);
      const loc = await this.locate(req, ['Device', 'ManagementServer', 'InformParameter'], 3);
      if (loc?.node.kind === 'container') {
        for (const e of await this.rowsOrNone(req, loc.node, loc.path, loc.row)) {
          const base = `Device.ManagementServer.InformParameter.${e.inst}.`;
          const read = (n: string): string => this.state.stored[base + n] ?? '';
          if (read('Enable') !== 'true') continue;
          const list = read('EventList') === '' ? [] : read('EventList').split(',');
          const match = list.length === 0 ? events.some((ev) => ev !== '4 VALUE CHANGE') : events.some((ev) => list.includes(ev));
          const name = read('ParameterName');
          if (!match || name === '') continue;
          for (const ref of await this.expand(req, name)) await add(ref);
        }
      }
      await this.persistQuietly();
      return [...out.values()];
    });
  }

  /**
   * Notified parameters (Notification 1 or 2, including forced ones) whose current value differs
   * from the one last reported. A parameter seen for the first time only sets its baseline.
   * Nothing is marked reported: call markReported() once the Inform carrying them succeeded.
   */
  pollChanges(): Promise<ParameterChange[]> {
    return this.exclusive(async () => {
      const req = this.request();
      const changed: ParameterChange[] = [];
      for (const ref of await this.notifiedParams(req)) {
        const value = await this.readParam(req, ref);
        const prev = this.state.reported[ref.path];
        if (prev === undefined) {
          this.state.reported[ref.path] = value;
          this.dirty = true;
        } else if (prev !== value) {
          changed.push({ name: ref.path, value, type: ref.node.schema.xsdType, notification: this.notificationOf(ref.node, ref.path) });
        }
      }
      await this.persistQuietly();
      return changed;
    });
  }

  /** Records values as delivered to the ACS (after the Inform that carried them succeeded). */
  markReported(reported: ReadonlyArray<{ name: string; value: string }>): Promise<void> {
    return this.exclusive(async () => {
      for (const { name, value } of reported) {
        const node = this.tree().params.get(genericOf(name));
        if (!node || this.notificationOf(node, name) === 0 || this.state.reported[name] === value) continue;
        this.state.reported[name] = value;
        this.dirty = true;
      }
      await this.persistQuietly();
    });
  }

  /**
   * Changes the ACS made itself never notify: takes the current values of these parameters
   * (full names or partial paths; unknown ones are ignored) as already reported.
   */
  noteAcsWrite(paths: readonly string[]): Promise<void> {
    return this.exclusive(async () => {
      const req = this.request();
      for (const p of paths) {
        let refs: ParamRef[];
        try {
          refs = await this.resolveParams(req, p);
        } catch {
          continue;
        }
        await this.rebaseline(req, refs);
      }
      await this.persistQuietly();
    });
  }

  /** FactoryReset: forgets ParameterKey, attributes, stored values and instance numbers. */
  factoryReset(): Promise<void> {
    return this.exclusive(async () => {
      const before = this.state;
      this.state = emptyState();
      this.volatile = {};
      await this.commitState(before, 'the factory reset');
    }, true);
  }

  // ---- internals: tree and locking ------------------------------------------------------------

  private request(): Request {
    const r = new Request(this.resolveRef, this.readTimeoutMs);
    this.open.push(r);
    return r;
  }
  private writeRequest(): WriteRequest {
    const r = new WriteRequest(this.resolveRef, this.readTimeoutMs);
    this.open.push(r);
    return r;
  }

  /** ReadContext.ref(): 'Device.IP.Interface.{i}.' + row key → 'Device.IP.Interface.2' ('' if none). */
  private readonly resolveRef = async (req: Request, tablePath: string, key: string): Promise<string> => {
    if (!tablePath.endsWith('.{i}.')) return '';
    const container = tablePath.slice(0, -4);
    const parsed = parsePath(container);
    if (!parsed) return '';
    try {
      const loc = await this.locate(req, parsed.segments, parsed.segments.length);
      if (loc?.node.kind !== 'container') return '';
      const e = (await this.rowsOf(req, loc.node, loc.path, loc.row)).find((r) => r.key === key);
      return e ? `${loc.path}${e.inst}` : '';
    } catch {
      return '';
    }
  };

  private tree(): CompiledTree {
    if (!this.compiled || this.compiledGeneration !== this.registry.generation) {
      this.compiled = compileTree(this.schema, this.registry.entries);
      this.compiledGeneration = this.registry.generation;
    }
    return this.compiled;
  }

  /** One operation at a time: RPCs, polls and CLI reads never interleave their state changes. */
  private exclusive<T>(fn: () => Promise<T>, write = false): Promise<T> {
    const run = this.queue.then(async () => {
      if (!this.loaded) throw new Error('Model.load() has not been called');
      if (write && this.readOnly) throw new ModelFault(FAULT.REQUEST_DENIED, 'this data model is opened read-only');
      try {
        return await fn();
      } finally {
        for (const r of this.open) r.close();
        this.open = [];
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private tooMany(): ModelFault {
    return new ModelFault(FAULT.RESOURCES_EXCEEDED, `the answer would hold more than ${this.maxResults} parameters`);
  }

  private checkParameterKey(key: string): void {
    if ([...key].length > MAX_PARAMETER_KEY) throw new ModelFault(FAULT.INVALID_ARGUMENTS, `ParameterKey is longer than ${MAX_PARAMETER_KEY} characters`);
  }

  // ---- internals: persistence ----------------------------------------------------------------

  /** After a read: new instance numbers/baselines are saved; a failing disk is logged, not fatal. */
  private async persistQuietly(): Promise<void> {
    if (!this.dirty || this.readOnly) return;
    try {
      await this.file.save(this.state);
      this.dirty = false;
    } catch (e) {
      this.log.warn({ err: errText(e), path: this.file.path }, 'cannot save the data model state');
    }
  }

  /** After a write: the change must be durable before it is acknowledged, else it is undone. */
  private async commitState(before: ModelState, what: string): Promise<void> {
    try {
      if (this.readOnly) throw new Error('this data model is opened read-only');
      await this.file.save(this.state);
      this.dirty = false;
    } catch (e) {
      this.state = before;
      throw new ModelFault(FAULT.INTERNAL_ERROR, `cannot save ${what}: ${errText(e)}`);
    }
  }

  private instanceTables(table: ObjNode): Record<string, InstanceTable> {
    return table.table?.ephemeral ? this.volatile : this.state.instances;
  }

  private pruneVolatile(prefix: string): void {
    for (const k of Object.keys(this.volatile)) if (k.startsWith(prefix)) delete this.volatile[k];
  }

  // ---- internals: walking the tree -----------------------------------------------------------

  /** The rows of one concrete table, with their instance numbers (memoised per request). */
  private async rowsOf(req: Request, table: ObjNode, path: string, parentRow: unknown): Promise<RowEntry[]> {
    const cached = req.lists.get(path);
    if (cached) return cached;
    let listed: Array<{ key: string; row: unknown }>;
    if (table.storedTable) {
      listed = (this.state.storedRows[path] ?? []).map((k) => ({ key: k, row: k }));
    } else {
      if (parentRow === ROW_FAILED) throw new Error(`the row of ${path} could not be read`);
      const spec = table.table as NonNullable<ObjNode['table']>;
      const got = spec.list(parentRow, req);
      listed = isPromise(got) ? await req.within(got) : got;
      if (!Array.isArray(listed)) throw new Error(`list() of ${table.generic}{i}. did not return an array`);
    }
    const seen = new Set<string>();
    const unique: Array<{ key: string; row: unknown }> = [];
    for (const e of listed) {
      const key = String(e.key);
      if (seen.has(key)) {
        this.log.warn({ table: path, key }, 'table lists the same row key twice; keeping the first');
        continue;
      }
      seen.add(key);
      unique.push({ key, row: e.row });
    }
    const ephemeral = !!table.table?.ephemeral;
    const r = syncInstances(
      ephemeral ? this.volatile : this.state.instances,
      path,
      unique.map((e) => e.key),
      !ephemeral,
    );
    if (r.changed && !ephemeral) this.dirty = true;
    for (const n of r.evicted) {
      if (pruneUnder(this.state, `${path}${n}.`)) this.dirty = true;
      this.pruneVolatile(`${path}${n}.`);
    }
    const rows = unique.map((e, i) => ({ inst: r.numbers[i], key: e.key, row: e.row })).sort((a, b) => a.inst - b.inst);
    req.lists.set(path, rows);
    return rows;
  }

  /** rowsOf() for walks: a failing backend hides its rows (logged) instead of failing the RPC. */
  private async rowsOrNone(req: Request, table: ObjNode, path: string, parentRow: unknown): Promise<RowEntry[]> {
    try {
      return await this.rowsOf(req, table, path, parentRow);
    } catch (e) {
      this.log.warn({ table: path, err: errText(e) }, 'cannot list table rows');
      req.lists.set(path, []);
      return [];
    }
  }

  /** The row an object's parameters receive: its row function's result, or the enclosing row. */
  private objectRow(req: Request, node: ObjNode, path: string, enclosing: unknown): unknown {
    const fn = node.rowFn;
    if (!fn) return enclosing;
    let p = req.objectRows.get(path);
    if (!p) {
      p = req
        .within(Promise.resolve().then(() => (enclosing === ROW_FAILED ? ROW_FAILED : fn(enclosing, req))))
        .catch((e: unknown) => {
          this.log.warn({ object: path, err: errText(e) }, 'cannot read object row');
          return ROW_FAILED;
        });
      req.objectRows.set(path, p);
    }
    return p;
  }

  /**
   * Follows the first `count` segments to an object, table or row. undefined when it does not
   * exist; a failing table listing on the way is a 9002.
   */
  private async locate(req: Request, segs: readonly string[], count: number): Promise<Located | undefined> {
    let node = this.tree().root;
    let path = 'Device.';
    let row: unknown = await this.objectRow(req, node, path, undefined);
    let key: string | undefined;
    for (let i = 1; i < count; i++) {
      const seg = segs[i];
      key = undefined;
      if (node.kind === 'container') {
        if (!isInstanceSegment(seg)) return undefined;
        let rows: RowEntry[];
        try {
          rows = await this.rowsOf(req, node, path, row);
        } catch (e) {
          throw new ModelFault(FAULT.INTERNAL_ERROR, `cannot list ${path}: ${errText(e)}`);
        }
        const inst = Number(seg);
        const e = rows.find((r) => r.inst === inst);
        if (!e) return undefined;
        node = node.rowNode as ObjNode;
        path += seg + '.';
        row = e.row;
        key = e.key;
        continue;
      }
      const child = node.children.get(seg);
      if (!child) return undefined;
      path += seg + '.';
      if (child.kind === 'object') row = await this.objectRow(req, child, path, row);
      node = child;
    }
    return { node, path, row, key };
  }

  private async locateParam(req: Request, segs: readonly string[]): Promise<ParamRef | undefined> {
    const loc = await this.locate(req, segs, segs.length - 1);
    if (!loc || loc.node.kind === 'container') return undefined;
    const node = loc.node.params.get(segs[segs.length - 1]);
    return node ? { node, path: loc.path + node.name, objPath: loc.path, row: loc.row } : undefined;
  }

  /** Every parameter at or below a name ('' = all); unknown → 9005. */
  private async resolveParams(req: Request, name: string): Promise<ParamRef[]> {
    const text = name === '' ? 'Device.' : name;
    const parsed = parsePath(text);
    if (!parsed) throw unknownName(name);
    if (!parsed.partial) {
      const ref = await this.locateParam(req, parsed.segments);
      if (!ref) throw unknownName(name);
      return [ref];
    }
    const loc = await this.locate(req, parsed.segments, parsed.segments.length);
    if (!loc) throw unknownName(name);
    const out: ParamRef[] = [];
    await this.walkParams(req, loc.node, loc.path, loc.row, (ref) => {
      out.push(ref);
      if (out.length > this.maxResults) throw this.tooMany();
    });
    return out;
  }

  /** Visits every parameter below an object in BBF order (instances ascending). */
  private async walkParams(req: Request, node: ObjNode, path: string, row: unknown, visit: (ref: ParamRef) => void | Promise<void>): Promise<void> {
    if (node.kind === 'container') {
      for (const e of await this.rowsOrNone(req, node, path, row)) {
        await this.walkParams(req, node.rowNode as ObjNode, `${path}${e.inst}.`, e.row, visit);
      }
      return;
    }
    for (const p of node.paramList) {
      const r = visit({ node: p, path: path + p.name, objPath: path, row });
      if (r) await r;
    }
    for (const child of node.childList) {
      const childPath = path + child.name + '.';
      const childRow = child.kind === 'object' ? await this.objectRow(req, child, childPath, row) : row;
      await this.walkParams(req, child, childPath, childRow, visit);
    }
  }

  /** Concrete parameters matching a name that may use '*' for instance numbers. */
  private async expand(req: Request, pattern: string): Promise<ParamRef[]> {
    const partial = pattern.endsWith('.');
    const segs = (partial ? pattern.slice(0, -1) : pattern).split('.');
    if (!parsePath(segs.map((s) => (s === '*' || s === '{i}' ? '1' : s)).join('.') + (partial ? '.' : ''))) return [];
    const out: ParamRef[] = [];
    const step = async (node: ObjNode, path: string, row: unknown, i: number): Promise<void> => {
      const last = partial ? i === segs.length : i === segs.length - 1;
      if (last) {
        if (partial) {
          await this.walkParams(req, node, path, row, (ref) => void out.push(ref));
        } else if (node.kind !== 'container') {
          const p = node.params.get(segs[i]);
          if (p) out.push({ node: p, path: path + p.name, objPath: path, row });
        }
        return;
      }
      const seg = segs[i];
      if (node.kind === 'container') {
        const rows = await this.rowsOrNone(req, node, path, row);
        for (const e of rows) {
          if (seg === '*' || seg === '{i}' || seg === String(e.inst)) await step(node.rowNode as ObjNode, `${path}${e.inst}.`, e.row, i + 1);
        }
        return;
      }
      const child = node.children.get(seg);
      if (!child) return;
      const childPath = path + seg + '.';
      await step(child, childPath, child.kind === 'object' ? await this.objectRow(req, child, childPath, row) : row, i + 1);
    };
    const root = this.tree().root;
    await step(root, 'Device.', await this.objectRow(req, root, 'Device.', undefined), 1);
    return out;
  }

  // ---- internals: values ---------------------------------------------------------------------

  /** The wire text of one parameter (hidden ones read as their null value). */
  private readParam(req: Request, ref: ParamRef): string | Promise<string> {
    const { node } = ref;
    if (node.hide) return nullValue(node.schema);
    if (node.stored) return this.storedValue(node, ref.path);
    if (node.countOf) {
      const table = node.countOf;
      return this.rowsOrNone(req, table, ref.objPath + table.name + '.', ref.row).then((rows) => String(rows.length));
    }
    if (ref.row === ROW_FAILED) return nullValue(node.schema);
    let v: Value | Promise<Value>;
    try {
      v = (node.spec as NonNullable<ParamNode['spec']>).get(ref.row, req);
    } catch (e) {
      return this.readFailed(ref, e);
    }
    if (isPromise(v)) return req.within(v).then((x) => this.format(ref, x), (e: unknown) => this.readFailed(ref, e));
    return this.format(ref, v);
  }

  private format(ref: ParamRef, v: Value): string {
    try {
      return formatValue(ref.node.schema, v);
    } catch (e) {
      return this.readFailed(ref, e);
    }
  }

  private readFailed(ref: ParamRef, e: unknown): string {
    this.log.warn({ param: ref.path, err: errText(e) }, 'cannot read parameter; reporting its null value');
    return nullValue(ref.node.schema);
  }

  private storedValue(node: ParamNode, path: string): string {
    const v = this.state.stored[path];
    if (v !== undefined) return v;
    const init = node.stored?.initial;
    if (typeof init === 'function') return init(path);
    return init ?? node.schema.default?.value ?? nullValue(node.schema);
  }

  private async collectValues(req: Request, name: string, out: ParameterValue[]): Promise<void> {
    const parsed = parsePath(name === '' ? 'Device.' : name);
    if (!parsed) throw unknownName(name);
    if (!parsed.partial) {
      const ref = await this.locateParam(req, parsed.segments);
      if (!ref) throw unknownName(name);
      const v = this.readParam(req, ref);
      out.push({ name: ref.path, value: typeof v === 'string' ? v : await v, type: ref.node.schema.xsdType });
    } else {
      const loc = await this.locate(req, parsed.segments, parsed.segments.length);
      if (!loc) throw unknownName(name);
      await this.walkParams(req, loc.node, loc.path, loc.row, (ref) => {
        const v = this.readParam(req, ref);
        if (typeof v === 'string') {
          out.push({ name: ref.path, value: v, type: ref.node.schema.xsdType });
        } else {
          return v.then((value) => void out.push({ name: ref.path, value, type: ref.node.schema.xsdType }));
        }
      });
    }
    if (out.length > this.maxResults) throw this.tooMany();
  }

  // ---- internals: names ------------------------------------------------------------------------

  private async walkNames(req: Request, node: ObjNode, path: string, row: unknown, out: ParameterInfo[]): Promise<void> {
    out.push({ name: path, writable: node.kind === 'object' ? false : node.writable });
    if (out.length > this.maxResults) throw this.tooMany();
    if (node.kind === 'container') {
      for (const e of await this.rowsOrNone(req, node, path, row)) {
        await this.walkNames(req, node.rowNode as ObjNode, `${path}${e.inst}.`, e.row, out);
      }
      return;
    }
    for (const p of node.paramList) out.push({ name: path + p.name, writable: p.writable });
    for (const child of node.childList) {
      const childPath = path + child.name + '.';
      await this.walkNames(req, child, childPath, child.kind === 'object' ? await this.objectRow(req, child, childPath, row) : row, out);
    }
  }

  private async childNames(req: Request, loc: Located, out: ParameterInfo[]): Promise<void> {
    const { node, path } = loc;
    if (node.kind === 'container') {
      const rowWritable = (node.rowNode as ObjNode).writable;
      for (const e of await this.rowsOrNone(req, node, path, loc.row)) out.push({ name: `${path}${e.inst}.`, writable: rowWritable });
      return;
    }
    for (const p of node.paramList) out.push({ name: path + p.name, writable: p.writable });
    for (const child of node.childList) out.push({ name: path + child.name + '.', writable: child.kind === 'container' ? child.writable : false });
  }

  // ---- internals: SetParameterValues -----------------------------------------------------------

  private async doSetValues(list: readonly SetValuesItem[], parameterKey: string, local: boolean): Promise<{ status: 0 | 1 }> {
    this.checkParameterKey(parameterKey);
    const names = new Set<string>();
    for (const item of list) {
      if (names.has(item.name)) throw new ModelFault(FAULT.INVALID_ARGUMENTS, `${item.name} appears more than once`);
      names.add(item.name);
    }
    const req = this.writeRequest();
    const faults: ParameterFault[] = [];
    const targets: SetTarget[] = [];
    for (const item of list) {
      const r = await this.prepareSet(req, item);
      if ('code' in r) faults.push(r);
      else targets.push(r);
    }
    if (faults.length > 0) throw new ModelFault(FAULT.INVALID_ARGUMENTS, 'Invalid arguments', faults);

    // Old values first (one consistent snapshot), so a failed batch can be put back.
    for (const t of targets) {
      if (!t.node.spec) continue;
      try {
        const got = t.node.spec.get(t.row, req);
        const v = isPromise(got) ? await req.within(got) : got;
        const text = formatValue(t.node.schema, v);
        const back = parseValue(t.node.schema, text);
        t.old = { value: back.ok ? back.value : v, text };
      } catch (e) {
        this.log.warn({ param: t.path, err: errText(e) }, 'cannot read the old value; it cannot be restored if the batch fails');
      }
    }
    const before = structuredClone(this.state);
    const applied: SetTarget[] = [];
    let current: SetTarget | undefined;
    try {
      for (const t of targets) {
        current = t;
        if (t.node.stored) {
          this.state.stored[t.path] = t.text;
        } else {
          const set = t.node.spec?.set;
          if (!set) throw new Error('the parameter has no setter');
          await set(t.row, t.value, req);
          applied.push(t);
        }
      }
      current = undefined;
      await req.runCommits();
    } catch (e) {
      await this.rollback(applied);
      this.state = before;
      throw writeFault(e, current ? `could not set ${current.path}` : 'could not apply the new values', current?.path);
    }
    if (!local) {
      this.state.parameterKey = parameterKey;
      await this.rebaseline(this.request(), targets);
    }
    try {
      await this.commitState(before, 'the new values');
    } catch (e) {
      await this.rollback(applied);
      throw e;
    }
    const reboot = targets.some((t) => t.node.spec?.needsReboot && t.old?.text !== t.text);
    return { status: reboot ? 1 : 0 };
  }

  private async prepareSet(req: Request, item: SetValuesItem): Promise<SetTarget | ParameterFault> {
    const fault = (code: number, message: string): ParameterFault => ({ name: item.name, code, message });
    const parsed = parsePath(item.name);
    if (!parsed || parsed.partial) return fault(FAULT.INVALID_PARAMETER_NAME, `${item.name} is not a parameter name`);
    const ref = await this.locateParam(req, parsed.segments);
    if (!ref) return fault(FAULT.INVALID_PARAMETER_NAME, `${item.name} is not a parameter of this device`);
    if (!ref.node.writable) return fault(FAULT.NOT_WRITABLE, `${item.name} is read-only`);
    if (ref.row === ROW_FAILED) throw new ModelFault(FAULT.INTERNAL_ERROR, `cannot read the object holding ${item.name}`);
    if (typeof item.value !== 'string') return fault(FAULT.INVALID_PARAMETER_TYPE, `${item.name} has no value`);
    const r = parseValue(ref.node.schema, item.value);
    if (!r.ok) return fault(r.code, r.message);
    let problem: string | undefined | void;
    try {
      const check = ref.node.stored?.validate ? ref.node.stored.validate(r.value) : ref.node.spec?.validate?.(r.value, ref.row, req);
      problem = isPromise(check) ? await req.within(check) : check;
    } catch (e) {
      const code = backendFaultCode(e);
      if (code !== undefined && !PER_PARAMETER.has(code)) throw new ModelFault(code, errText(e));
      return fault(code ?? FAULT.INVALID_PARAMETER_VALUE, errText(e));
    }
    if (problem) return fault(FAULT.INVALID_PARAMETER_VALUE, problem);
    return { ...ref, value: r.value, text: r.text };
  }

  /** Puts applied setters back to their old values, newest first (best effort, logged). */
  private async rollback(applied: readonly SetTarget[]): Promise<void> {
    const req = this.writeRequest();
    for (const t of [...applied].reverse()) {
      if (!t.old) continue;
      try {
        await t.node.spec?.set?.(t.row, t.old.value as Value, req);
      } catch (e) {
        this.log.warn({ param: t.path, err: errText(e) }, 'could not restore the old value');
      }
    }
    try {
      await req.runCommits();
    } catch (e) {
      this.log.warn({ err: errText(e) }, 'could not commit the restored values');
    }
  }

  // ---- internals: notifications --------------------------------------------------------------

  private notificationOf(node: ParamNode, path: string): number {
    const an = node.schema.activeNotify;
    if (an === 'forceEnabled') return 2;
    const n = this.state.attributes[path]?.notification;
    if (n !== undefined) return n;
    return an === 'forceDefaultEnabled' ? 2 : 0;
  }

  /** Takes the current values of these parameters as reported (no notification for them). */
  private async rebaseline(req: Request, refs: readonly ParamRef[]): Promise<void> {
    for (const ref of refs) {
      if (this.notificationOf(ref.node, ref.path) === 0) continue;
      const v = await this.readParam(req, ref);
      if (this.state.reported[ref.path] !== v) {
        this.state.reported[ref.path] = v;
        this.dirty = true;
      }
    }
  }

  /** AddObject/DeleteObject by the ACS: the table's NumberOfEntries does not notify. */
  private async rebaselineCount(table: ObjNode, tablePath: string): Promise<void> {
    const parent = table.parent;
    const name = table.schema.numEntriesParameter;
    if (!parent || !name) return;
    const node = parent.params.get(name);
    if (!node) return;
    const objPath = tablePath.slice(0, -(table.name.length + 1));
    const req = this.request();
    const refs = await this.resolveParams(req, objPath + name).catch(() => []);
    await this.rebaseline(req, refs);
  }

  /** Every parameter whose notification is not 0: those with attributes, and forced ones. */
  private async notifiedParams(req: Request): Promise<ParamRef[]> {
    const out = new Map<string, ParamRef>();
    for (const [path, a] of Object.entries(this.state.attributes)) {
      if (!a.notification) continue;
      const parsed = parsePath(path);
      const ref = parsed && !parsed.partial ? await this.locateParam(req, parsed.segments).catch(() => undefined) : undefined;
      if (ref) out.set(path, ref);
    }
    for (const node of this.tree().params.values()) {
      const an = node.schema.activeNotify;
      if (an !== 'forceEnabled' && an !== 'forceDefaultEnabled') continue;
      for (const ref of await this.expand(req, node.generic)) {
        if (this.notificationOf(ref.node, ref.path) !== 0) out.set(ref.path, ref);
      }
    }
    return [...out.values()];
  }
}

let rowCounter = 0;
/** Key of a new engine-stored row: unique within the process and across restarts. */
function newRowKey(): string {
  return `${Date.now().toString(36)}-${(rowCounter++).toString(36)}`;
}

/** Creates a data model; register backends on `model.builder`, then `await model.load()`. */
export function createModel(opts: ModelOptions): Model {
  return new Model(opts);
}
