// The registration API backends code against: each backend area registers the TR-181 objects,
// tables and parameters it can read (and maybe write). The engine owns everything CWMP-specific
// (paths, instance numbers, types, validation, attributes, notifications, persistence).
import type { ParamSchema } from './schema.js';

/** What a getter may return; the engine converts it to the schema type's text. */
export type Value = string | number | boolean | bigint | Date;

export interface ReadContext {
  /** Per-request memo: a system file read once per RPC, however many parameters use it. */
  cache<T>(key: string, load: () => Promise<T> | T): Promise<T>;
  /**
   * (Added) Runs `fn` once, after every setter of this SetParameterValues/AddObject/DeleteObject
   * succeeded, e.g. to write a settings file once for several parameters. If it throws, the
   * setters are rolled back and the RPC fails with 9002. Registering the same key twice keeps
   * the first function. Absent in contexts that cannot commit (pure reads).
   */
  onCommit?(key: string, fn: () => Promise<void> | void): void;
  /**
   * (Added) Path of the row `key` of the table `tablePath` ('Device.IP.Interface.{i}.'), without
   * the trailing dot ('Device.IP.Interface.2'), or '' when there is no such row — for reference
   * parameters (LowerLayers, Layer3Interface). A nested table's path names its parent instances
   * ('Device.IP.Interface.2.IPv4Address.{i}.').
   */
  ref?(tablePath: string, key: string): Promise<string>;
}

/**
 * (Added) Throw from set/add/remove/validate/onCommit to choose the CWMP fault: 9005–9008 become a
 * per-parameter SetParameterValuesFault (under 9003), others the RPC's fault code. Any other
 * error is 9002 Internal error. (The engine only looks at a numeric `faultCode` property.)
 */
export class BackendError extends Error {
  constructor(
    readonly faultCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'BackendError';
  }
}

export interface ParamSpec<R = unknown> {
  get(row: R, ctx: ReadContext): Value | Promise<Value>;
  /** Present => writable (if the schema also allows writing). value is already validated and converted
   *  to the JS type for the schema type (string | number | boolean | bigint). */
  set?(row: R, value: Value, ctx: ReadContext): void | Promise<void>;
  /** true when a set only takes effect after a reboot/restart (SPV Status 1). */
  needsReboot?: boolean;
  /**
   * (Added) Extra check after the schema's own type/range/enum/size/pattern checks; return a
   * sentence saying what is wrong to refuse the value with fault 9007.
   */
  validate?(value: Value, row: R, ctx: ReadContext): string | undefined | void | Promise<string | undefined | void>;
  /**
   * (Added) Syntax of a vendor parameter (a name with an `X_` segment) that is not in the
   * TR-181 schema. Defaults: string, readWrite when `set` is present, else readOnly.
   */
  syntax?: Partial<ParamSchema>;
}

export interface ObjectSpec<R = unknown> {
  params: Record<string, ParamSpec<R>>;
}

export interface TableSpec<R = unknown, P = unknown> {
  /** Rows of the table under the parent row P (for nested tables). `key` is stable for a row's lifetime;
   *  the engine maps keys to persistent instance numbers (never reused while the row exists). */
  list(parent: P, ctx: ReadContext): Promise<Array<{ key: string; row: R }>> | Array<{ key: string; row: R }>;
  params: Record<string, ParamSpec<R>>;
  /** Present => AddObject allowed: create a row with defaults, return its key. */
  add?(parent: P, ctx: ReadContext): Promise<string> | string;
  /** Present => DeleteObject allowed. */
  remove?(key: string, row: R, ctx: ReadContext): Promise<void> | void;
  /**
   * (Added) Rows come and go quickly (processes, sockets): keep their instance numbers in memory
   * only instead of writing the state file whenever the set of rows changes.
   */
  ephemeral?: boolean;
}

export interface ModelBuilder {
  /** path like 'Device.DeviceInfo.' (single object) */
  object<R = undefined>(
    path: string,
    // `row` receives the enclosing row (table row or parent object row) and the context; a
    // function taking no arguments is fine.
    spec: ObjectSpec<R> & { row?: (parent: unknown, ctx: ReadContext) => R | Promise<R> },
  ): void;
  /** path like 'Device.Ethernet.Interface.{i}.' or nested 'Device.IP.Interface.{i}.IPv4Address.{i}.';
   *  for a nested table, P is the parent table's row. Sub-objects of a table row (e.g.
   *  'Device.Ethernet.Interface.{i}.Stats.') are registered with object() and receive the table row as R. */
  table<R = unknown, P = unknown>(path: string, spec: TableSpec<R, P>): void;
  /** A parameter whose value the engine itself stores durably (e.g. a writable vendor param). */
  stored(path: string, initial?: string): void;
  /**
   * (Added) A table whose rows live in the engine's state file: AddObject/DeleteObject work, every
   * parameter of the row object is a stored parameter starting at its schema default ('Alias'
   * starts as "cpe-<instance>").
   */
  storedTable(path: string, opts?: { maxEntries?: number; validate?: Record<string, (value: Value) => string | undefined> }): void;
}

// ---- what the builder records (consumed by tree.ts) -----------------------------------------

export type RowFn = (parent: unknown, ctx: ReadContext) => unknown;

export interface ObjectRegistration {
  kind: 'object';
  path: string;
  params: Record<string, ParamSpec<unknown>>;
  row?: RowFn;
  origin: Origin;
}
export interface TableRegistration {
  kind: 'table';
  path: string;
  spec: TableSpec<unknown, unknown>;
  origin: Origin;
}
export interface StoredRegistration {
  kind: 'stored';
  path: string;
  initial?: string;
  validate?: (value: Value) => string | undefined;
  origin: Origin;
}
export interface StoredTableRegistration {
  kind: 'storedTable';
  path: string;
  maxEntries?: number;
  validate?: Record<string, (value: Value) => string | undefined>;
  origin: Origin;
}
/**
 * 'backend': registered by a backend. 'builtin': an engine default a backend may replace (e.g.
 * AliasBasedAddressing). 'engine': engine-owned (ParameterKey, InformParameter): a backend
 * registering it is an error.
 */
export type Origin = 'backend' | 'builtin' | 'engine';
export type Registration = ObjectRegistration | TableRegistration | StoredRegistration | StoredTableRegistration;

export class RegistrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistrationError';
  }
}

/** Collects registrations; the model compiles them into its tree when loaded (or on next use). */
export class Registry implements ModelBuilder {
  readonly entries: Registration[] = [];
  /** Bumped on every registration so the model knows to recompile. */
  generation = 0;
  private origin: Origin = 'backend';

  /** Registers engine parameters: 'builtin' ones yield to a backend's, 'engine' ones may not be replaced. */
  as(origin: Origin, fn: () => void): void {
    const before = this.origin;
    this.origin = origin;
    try {
      fn();
    } finally {
      this.origin = before;
    }
  }

  object<R = undefined>(
    path: string,
    spec: ObjectSpec<R> & { row?: (parent: unknown, ctx: ReadContext) => R | Promise<R> },
  ): void {
    if (!path.endsWith('.') || path.endsWith('{i}.')) {
      throw new RegistrationError(`object(): '${path}' must be an object path ending in '.', not a table row`);
    }
    this.push({ kind: 'object', path, params: spec.params as Record<string, ParamSpec<unknown>>, row: spec.row, origin: this.origin });
  }

  table<R = unknown, P = unknown>(path: string, spec: TableSpec<R, P>): void {
    if (!path.endsWith('.{i}.')) throw new RegistrationError(`table(): '${path}' must end in '.{i}.'`);
    this.push({ kind: 'table', path, spec: spec as unknown as TableSpec<unknown, unknown>, origin: this.origin });
  }

  stored(path: string, initial?: string): void {
    this.storedWith(path, initial);
  }

  /** stored() with an extra check (used by built-ins). */
  storedWith(path: string, initial?: string, validate?: (value: Value) => string | undefined): void {
    if (path.endsWith('.')) throw new RegistrationError(`stored(): '${path}' must be a parameter name, not an object path`);
    this.push({ kind: 'stored', path, initial, validate, origin: this.origin });
  }

  storedTable(path: string, opts: { maxEntries?: number; validate?: Record<string, (value: Value) => string | undefined> } = {}): void {
    if (!path.endsWith('.{i}.')) throw new RegistrationError(`storedTable(): '${path}' must end in '.{i}.'`);
    this.push({ kind: 'storedTable', path, maxEntries: opts.maxEntries, validate: opts.validate, origin: this.origin });
  }

  private push(r: Registration): void {
    if (!r.path.startsWith('Device.')) throw new RegistrationError(`'${r.path}' is not under Device.`);
    this.entries.push(r);
    this.generation++;
  }
}
