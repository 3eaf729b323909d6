// What the data model keeps across restarts, in one DurableFile (<data-dir>/model.json):
// ParameterKey, instance numbers, attributes, engine-stored values and rows, and the last
// reported value of every notified parameter. Keys are concrete paths ('Device.IP.Interface.3.').

export interface InstanceTable {
  /** Next instance number to hand out; numbers are never reused while their row exists. */
  next: number;
  /** Backend row key → instance number. */
  keys: Record<string, number>;
  /** Keys whose rows vanished, oldest first; they keep their number in case the row comes back. */
  gone?: string[];
}

export interface AttributeState {
  notification?: number;
  accessList?: string[];
}

export interface ModelState {
  version: 1;
  parameterKey: string;
  /** Concrete table path ('Device.IP.Interface.2.IPv4Address.') → its instance numbers. */
  instances: Record<string, InstanceTable>;
  /** Concrete parameter path → attributes differing from the defaults. */
  attributes: Record<string, AttributeState>;
  /** Concrete parameter path → value of an engine-stored parameter. */
  stored: Record<string, string>;
  /** Concrete table path of an engine-stored table → row keys. */
  storedRows: Record<string, string[]>;
  /** Concrete parameter path → value last reported (or taken as baseline) for notifications. */
  reported: Record<string, string>;
}

/** How many vanished rows per table keep their instance number (a flapping ppp0 keeps its number). */
export const GONE_MAX = 16;

export function emptyState(): ModelState {
  return { version: 1, parameterKey: '', instances: {}, attributes: {}, stored: {}, storedRows: {}, reported: {} };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function stringRecord(v: unknown, what: string): Record<string, string> {
  if (v === undefined) return {};
  if (!isRecord(v)) throw new Error(`${what} must be an object`);
  for (const [k, x] of Object.entries(v)) if (typeof x !== 'string') throw new Error(`${what}["${k}"] must be a string`);
  return v as Record<string, string>;
}
function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 0xffffffff;
}

/** Checks a state file's content; throws with a sentence naming the bad field. */
export function validateState(raw: unknown): ModelState {
  if (!isRecord(raw)) throw new Error('model state must be a JSON object');
  if (raw.version !== 1) throw new Error(`unsupported model state version ${JSON.stringify(raw.version)}`);
  const s = emptyState();
  if (typeof raw.parameterKey !== 'string') throw new Error('parameterKey must be a string');
  s.parameterKey = raw.parameterKey;
  if (raw.instances !== undefined) {
    if (!isRecord(raw.instances)) throw new Error('instances must be an object');
    for (const [path, t] of Object.entries(raw.instances)) {
      if (!isRecord(t) || !isCount(t.next) || !isRecord(t.keys)) throw new Error(`instances["${path}"] is malformed`);
      const keys: Record<string, number> = {};
      for (const [k, n] of Object.entries(t.keys)) {
        if (!isCount(n)) throw new Error(`instances["${path}"].keys["${k}"] must be an instance number`);
        keys[k] = n;
      }
      const gone = t.gone === undefined ? undefined : t.gone;
      if (gone !== undefined && (!Array.isArray(gone) || gone.some((g) => typeof g !== 'string'))) {
        throw new Error(`instances["${path}"].gone must be a list of keys`);
      }
      // Repair a counter that fell behind (hand-edited file): numbers must never be handed out twice.
      const max = Math.max(0, ...Object.values(keys));
      s.instances[path] = { next: Math.max(t.next, max + 1), keys, ...(gone?.length ? { gone: gone as string[] } : {}) };
    }
  }
  if (raw.attributes !== undefined) {
    if (!isRecord(raw.attributes)) throw new Error('attributes must be an object');
    for (const [path, a] of Object.entries(raw.attributes)) {
      if (!isRecord(a)) throw new Error(`attributes["${path}"] must be an object`);
      const out: AttributeState = {};
      if (a.notification !== undefined) {
        if (typeof a.notification !== 'number' || !Number.isInteger(a.notification) || a.notification < 0 || a.notification > 6) {
          throw new Error(`attributes["${path}"].notification must be 0..6`);
        }
        out.notification = a.notification;
      }
      if (a.accessList !== undefined) {
        if (!Array.isArray(a.accessList) || a.accessList.some((x) => typeof x !== 'string')) {
          throw new Error(`attributes["${path}"].accessList must be a list of strings`);
        }
        out.accessList = a.accessList as string[];
      }
      s.attributes[path] = out;
    }
  }
  s.stored = stringRecord(raw.stored, 'stored');
  s.reported = stringRecord(raw.reported, 'reported');
  if (raw.storedRows !== undefined) {
    if (!isRecord(raw.storedRows)) throw new Error('storedRows must be an object');
    for (const [path, rows] of Object.entries(raw.storedRows)) {
      if (!Array.isArray(rows) || rows.some((r) => typeof r !== 'string')) throw new Error(`storedRows["${path}"] must be a list of keys`);
      s.storedRows[path] = rows as string[];
    }
  }
  return s;
}

export interface SyncResult {
  /** Instance number of each listed key, in the order given. */
  numbers: number[];
  /** The map changed (new key, vanished key, evicted key). */
  changed: boolean;
  /** Instance numbers dropped for good: everything stored under them must go. */
  evicted: number[];
}

/**
 * Maps the keys a backend listed to instance numbers, handing out new numbers from the table's
 * counter. Vanished keys keep their number for a while (GONE_MAX, or not at all when
 * `keepGone` is false) and are then evicted.
 */
export function syncInstances(
  tables: Record<string, InstanceTable>,
  path: string,
  keys: readonly string[],
  keepGone: boolean,
): SyncResult {
  let t = tables[path];
  let changed = false;
  if (!t) {
    if (keys.length === 0) return { numbers: [], changed: false, evicted: [] };
    t = tables[path] = { next: 1, keys: {} };
    changed = true;
  }
  const listed = new Set<string>();
  const numbers: number[] = [];
  for (const k of keys) {
    listed.add(k);
    let n = t.keys[k];
    if (n === undefined) {
      n = t.next++;
      t.keys[k] = n;
      changed = true;
    }
    numbers.push(n);
  }
  let gone = t.gone ?? [];
  if (gone.length > 0 && gone.some((k) => listed.has(k))) {
    gone = gone.filter((k) => !listed.has(k));
    changed = true;
  }
  const evicted: number[] = [];
  if (Object.keys(t.keys).length > listed.size + gone.length) {
    const goneSet = new Set(gone);
    for (const k of Object.keys(t.keys)) {
      if (!listed.has(k) && !goneSet.has(k)) {
        gone.push(k);
        changed = true;
      }
    }
  }
  const limit = keepGone ? GONE_MAX : 0;
  while (gone.length > limit) {
    const k = gone.shift() as string;
    evicted.push(t.keys[k]);
    delete t.keys[k];
    changed = true;
  }
  if (gone.length > 0) t.gone = gone;
  else delete t.gone;
  return { numbers, changed, evicted };
}

/** Assigns a number to one new key (AddObject), without touching the other rows. */
export function assignInstance(tables: Record<string, InstanceTable>, path: string, key: string): number {
  const t = (tables[path] ??= { next: 1, keys: {} });
  const have = t.keys[key];
  if (have !== undefined) {
    if (t.gone) t.gone = t.gone.filter((k) => k !== key);
    return have;
  }
  const n = t.next++;
  t.keys[key] = n;
  return n;
}

/** Forgets one row (DeleteObject): its number is not handed out again (the counter only grows). */
export function forgetInstance(tables: Record<string, InstanceTable>, path: string, key: string): void {
  const t = tables[path];
  if (!t) return;
  delete t.keys[key];
  if (t.gone) t.gone = t.gone.filter((k) => k !== key);
}

/** Removes everything recorded under an object path (a deleted or long-gone row). */
export function pruneUnder(s: ModelState, prefix: string): boolean {
  let removed = false;
  for (const rec of [s.attributes, s.stored, s.reported, s.instances, s.storedRows] as Record<string, unknown>[]) {
    for (const k of Object.keys(rec)) {
      if (k.startsWith(prefix)) {
        delete rec[k];
        removed = true;
      }
    }
  }
  return removed;
}
