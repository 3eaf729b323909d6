// A minimal ModelBuilder for the backend tests: records registrations, lists tables, numbers rows
// (1, 2, ... in listing order, kept per key like the engine does), resolves ctx.ref and reads every
// parameter into a flat map of concrete paths.
import type { ModelBuilder, ObjectSpec, ParamSpec, TableSpec, Value } from '../../src/datamodel/registry.js';
import type { ReadContext } from '../../src/backends/linux/model-api.js';

export interface ReadResult {
  values: Map<string, Value>;
  /** Concrete path → generic path ('Device.IP.Interface.1.Name' → 'Device.IP.Interface.{i}.Name'). */
  generic: Map<string, string>;
  errors: Map<string, unknown>;
}

/** Object path that holds this one: 'A.B.{i}.C.{i}.' → 'A.B.{i}.', 'A.B.' → 'A.'. */
export function parentObject(generic: string): string {
  const t = generic.endsWith('{i}.') ? generic.slice(0, -'{i}.'.length) : generic;
  const s = t.slice(0, -1);
  return s.slice(0, s.lastIndexOf('.') + 1);
}

export class FakeModel implements ModelBuilder {
  readonly objects = new Map<string, { params: Record<string, ParamSpec<unknown>>; row?: () => unknown }>();
  readonly tables = new Map<string, TableSpec<unknown, unknown>>();
  readonly storedParams = new Map<string, string | undefined>();
  private readonly instances = new Map<string, { next: number; byKey: Map<string, number> }>();
  /** When false, contexts have no ref() (as with an engine that lacks it). */
  refs = true;

  object<R = undefined>(path: string, spec: ObjectSpec<R> & { row?: () => R | Promise<R> }): void {
    if (!path.endsWith('.') || path.endsWith('{i}.')) throw new Error(`bad object path ${path}`);
    const have = this.objects.get(path) ?? { params: {} };
    for (const name of Object.keys(spec.params)) {
      if (have.params[name]) throw new Error(`${path}${name} registered twice`);
    }
    Object.assign(have.params, spec.params);
    if (spec.row) have.row = spec.row as () => unknown;
    this.objects.set(path, have);
  }

  table<R = unknown, P = unknown>(path: string, spec: TableSpec<R, P>): void {
    if (!path.endsWith('.{i}.')) throw new Error(`bad table path ${path}`);
    if (this.tables.has(path)) throw new Error(`table ${path} registered twice`);
    this.tables.set(path, spec as unknown as TableSpec<unknown, unknown>);
  }

  stored(path: string, initial?: string): void {
    this.storedParams.set(path, initial);
  }

  storedTable(): void {
    throw new Error('not used by the backends');
  }

  /** A fresh per-request context. */
  context(): ReadContext {
    const memo = new Map<string, Promise<unknown>>();
    const ctx: ReadContext = {
      cache: <T>(key: string, load: () => Promise<T> | T): Promise<T> => {
        let p = memo.get(key);
        if (!p) {
          p = Promise.resolve().then(load);
          memo.set(key, p);
        }
        return p as Promise<T>;
      },
    };
    if (this.refs) {
      ctx.ref = async (tablePath: string, key: string) => {
        if (tablePath.indexOf('{i}') !== tablePath.length - 4) throw new Error(`ref() to nested table ${tablePath}`);
        const rows = await this.rows(tablePath, parentObject(tablePath), undefined, ctx);
        const hit = rows.find((r) => r.key === key);
        return hit ? hit.concrete.slice(0, -1) : '';
      };
    }
    return ctx;
  }

  private inst(tableConcrete: string, key: string): number {
    let t = this.instances.get(tableConcrete);
    if (!t) this.instances.set(tableConcrete, (t = { next: 1, byKey: new Map() }));
    let n = t.byKey.get(key);
    if (n === undefined) t.byKey.set(key, (n = t.next++));
    return n;
  }

  /** Rows of the table `generic` under the concrete parent object path. */
  async rows(generic: string, parentConcrete: string, parentRow: unknown, ctx: ReadContext) {
    const spec = this.tables.get(generic);
    if (!spec) throw new Error(`no table ${generic}`);
    const name = generic.slice(0, -'.{i}.'.length).split('.').at(-1);
    const listed = await spec.list(parentRow, ctx);
    const keys = new Set<string>();
    return listed.map(({ key, row }) => {
      if (typeof key !== 'string' || key === '') throw new Error(`${generic}: empty key`);
      if (keys.has(key)) throw new Error(`${generic}: key ${key} listed twice`);
      keys.add(key);
      const table = `${parentConcrete}${name}.`;
      return { key, row, concrete: `${table}${this.inst(table, key)}.` };
    });
  }

  /** Every concrete instance of a generic object path, with the row its parameters receive. */
  async expand(generic: string, ctx: ReadContext): Promise<Array<{ concrete: string; row: unknown; key?: string }>> {
    if (generic === 'Device.') return [{ concrete: 'Device.', row: undefined }];
    const parents = await this.expand(parentObject(generic), ctx);
    const out: Array<{ concrete: string; row: unknown; key?: string }> = [];
    for (const p of parents) {
      if (generic.endsWith('{i}.')) {
        for (const r of await this.rows(generic, p.concrete, p.row, ctx)) out.push({ concrete: r.concrete, row: r.row, key: r.key });
      } else {
        const seg = generic.slice(0, -1).split('.').at(-1);
        const obj = this.objects.get(generic);
        out.push({ concrete: `${p.concrete}${seg}.`, row: obj?.row ? await obj.row() : p.row });
      }
    }
    return out;
  }

  /** Reads every registered parameter once, with one context (like one GetParameterValues). */
  async readAll(ctx: ReadContext = this.context()): Promise<ReadResult> {
    const res: ReadResult = { values: new Map(), generic: new Map(), errors: new Map() };
    const groups: Array<[string, Record<string, ParamSpec<unknown>>]> = [
      ...[...this.objects].map(([p, o]) => [p, o.params] as [string, Record<string, ParamSpec<unknown>>]),
      ...[...this.tables].map(([p, t]) => [p, t.params] as [string, Record<string, ParamSpec<unknown>>]),
    ];
    for (const [generic, params] of groups) {
      let instances: Array<{ concrete: string; row: unknown }>;
      try {
        instances = await this.expand(generic, ctx);
      } catch (e) {
        res.errors.set(generic, e); // like the engine: a failing listing hides the rows
        continue;
      }
      for (const inst of instances) {
        for (const [name, spec] of Object.entries(params)) {
          const path = inst.concrete + name;
          res.generic.set(path, generic + name);
          try {
            res.values.set(path, await spec.get(inst.row, ctx));
          } catch (e) {
            res.errors.set(path, e);
          }
        }
      }
    }
    return res;
  }

  /** The spec and row of one concrete parameter, for setter tests. */
  async locate(path: string, ctx: ReadContext = this.context()): Promise<{ spec: ParamSpec<unknown>; row: unknown; key?: string }> {
    const cut = path.lastIndexOf('.') + 1;
    const objConcrete = path.slice(0, cut);
    const name = path.slice(cut);
    for (const [generic, params] of [
      ...[...this.objects].map(([p, o]) => [p, o.params] as const),
      ...[...this.tables].map(([p, t]) => [p, t.params] as const),
    ]) {
      if (!params[name]) continue;
      for (const inst of await this.expand(generic, ctx)) {
        if (inst.concrete === objConcrete) return { spec: params[name], row: inst.row, key: inst.key };
      }
    }
    throw new Error(`no parameter ${path}`);
  }
}
