// Device.DNS: the resolver's servers from resolv.conf, as a writable table. The ACS can add,
// delete, re-address and disable servers; each change rewrites resolv.conf atomically.
//
// Row keys must stay the same while the row lives, but a row's natural identity (its address) is
// what SetParameterValues changes. So a row is keyed by the address it was first seen with (or by
// the key AddObject gave it) and renames are remembered here — and in `keysFile` when the host
// gives one, so a re-addressed row keeps its instance number across restarts.
import { readFileSync } from 'node:fs';
import { requireDependency } from '../../cjs.js';
import { resolveDeps, type LinuxDeps } from './deps.js';
import { BackendError, type ModelBuilder, type Value } from './model-api.js';
import { isNameserverAddress, ResolvConfEditor, type ResolvLine } from './readers/resolv.js';
import { asBoolean, ref, T } from './shared.js';

const writeFileAtomic = requireDependency<typeof import('write-file-atomic')>('write-file-atomic');

export interface DnsRow {
  key: string;
  /** '' for a row added by the ACS that has no address yet. */
  address: string;
  enabled: boolean;
}

type ServerLine = Extract<ResolvLine, { kind: 'server' }>;

export class DnsServerTable {
  /** address → key, for rows whose key is not their address. */
  private readonly keyOf = new Map<string, string>();
  /** Rows created by AddObject that have no address (so no line in the file) yet. */
  private readonly pending = new Map<string, { enabled: boolean }>();
  private seq = 0;

  constructor(
    readonly editor: ResolvConfEditor,
    private readonly keysFile?: string,
  ) {
    if (!keysFile) return;
    try {
      const saved = JSON.parse(readFileSync(keysFile, 'utf8')) as unknown;
      if (saved && typeof saved === 'object' && !Array.isArray(saved)) {
        for (const [address, key] of Object.entries(saved)) if (typeof key === 'string') this.keyOf.set(address, key);
      }
    } catch {
      // No file yet (or unreadable): rows are keyed by their addresses.
    }
  }

  /** Writes the address → key map (atomically); called after each change of it. */
  private saveKeys(): void {
    if (!this.keysFile) return;
    try {
      writeFileAtomic.sync(this.keysFile, JSON.stringify(Object.fromEntries(this.keyOf)) + '\n', { mode: 0o600 });
    } catch {
      // Losing the map only renumbers a re-addressed row after a restart.
    }
  }

  private keyed(lines: ResolvLine[]): Array<{ key: string; line: ServerLine }> {
    const seen = new Map<string, number>();
    const out: Array<{ key: string; line: ServerLine }> = [];
    for (const line of lines) {
      if (line.kind !== 'server') continue;
      const base = this.keyOf.get(line.address) ?? line.address;
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      out.push({ key: n === 1 ? base : `${base}#${n}`, line });
    }
    return out;
  }

  async list(): Promise<DnsRow[]> {
    const lines = await this.editor.read();
    const present = new Set(lines.flatMap((l) => (l.kind === 'server' ? [l.address] : [])));
    for (const a of [...this.keyOf.keys()]) if (!present.has(a)) this.keyOf.delete(a); // edited away outside
    const rows = this.keyed(lines).map(({ key, line }) => ({ key, address: line.address, enabled: line.enabled }));
    for (const [key, p] of this.pending) rows.push({ key, address: '', enabled: p.enabled });
    return rows;
  }

  add(): string {
    const key = `new-${Date.now().toString(36)}-${++this.seq}`;
    this.pending.set(key, { enabled: false }); // TR-181 object default: Enable false
    return key;
  }

  async remove(key: string): Promise<void> {
    if (this.pending.delete(key)) return;
    await this.editor.edit((lines) => {
      const hit = this.keyed(lines).find((k) => k.key === key);
      if (!hit) return; // already gone
      lines.splice(lines.indexOf(hit.line), 1);
      return () => {
        this.keyOf.delete(hit.line.address);
        this.saveKeys();
      };
    });
  }

  /** Why `value` cannot be the address of row `key` (for the engine's 9007), or undefined. */
  async check(key: string, value: Value): Promise<string | undefined> {
    const address = String(value).trim();
    if (address === '') return undefined;
    if (!isNameserverAddress(address)) return `"${address}" is not an IPv4 or IPv6 address`;
    const clash = (await this.list()).find((r) => r.address === address && r.key !== key);
    return clash ? `DNS server ${address} is already configured` : undefined;
  }

  /** '' takes the server out of resolv.conf but keeps the row (as after AddObject). */
  async setAddress(key: string, value: Value): Promise<void> {
    const address = String(value).trim();
    if (address !== '' && !isNameserverAddress(address)) throw new BackendError(9007, `"${address}" is not an IPv4 or IPv6 address`);
    await this.editor.edit((lines) => {
      const keyed = this.keyed(lines);
      const hit = keyed.find((k) => k.key === key);
      if (hit?.line.address === address) return;
      if (address !== '' && keyed.some((k) => k.line.address === address)) {
        throw new BackendError(9007, `DNS server ${address} is already configured`);
      }
      const pending = this.pending.get(key);
      if (pending) {
        if (address === '') return;
        // New servers go after the existing ones: resolv.conf order is query order.
        const last = keyed.length ? lines.indexOf(keyed[keyed.length - 1].line) : lines.length - 1;
        lines.splice(last + 1, 0, { kind: 'server', address, enabled: pending.enabled });
        return () => {
          this.pending.delete(key);
          if (key !== address) this.keyOf.set(address, key);
          this.saveKeys();
        };
      }
      if (!hit) throw new Error(`DNS server row ${key} no longer exists`);
      const old = hit.line.address;
      if (address === '') {
        lines.splice(lines.indexOf(hit.line), 1);
        return () => {
          this.keyOf.delete(old);
          this.pending.set(key, { enabled: hit.line.enabled });
          this.saveKeys();
        };
      }
      hit.line.address = address;
      return () => {
        this.keyOf.delete(old);
        if (key !== address) this.keyOf.set(address, key);
        this.saveKeys();
      };
    });
  }

  async setEnabled(key: string, value: Value): Promise<void> {
    const enabled = asBoolean(value);
    const pending = this.pending.get(key);
    if (pending) {
      pending.enabled = enabled;
      return;
    }
    await this.editor.edit((lines) => {
      const hit = this.keyed(lines).find((k) => k.key === key);
      if (!hit) throw new Error(`DNS server row ${key} no longer exists`);
      hit.line.enabled = enabled;
    });
  }
}

export function register(model: ModelBuilder, deps: LinuxDeps): DnsServerTable {
  const d = resolveDeps(deps);
  const table = new DnsServerTable(new ResolvConfEditor(d.resolvConfPath), deps.dnsKeysFile);

  model.object('Device.DNS.', {
    params: { SupportedRecordTypes: { get: () => 'A,AAAA,SRV,PTR' } },
  });
  model.object('Device.DNS.Client.', {
    params: {
      Enable: { get: () => true },
      Status: { get: () => 'Enabled' },
    },
  });
  model.table<DnsRow>('Device.DNS.Client.Server.{i}.', {
    list: async () => (await table.list()).map((r) => ({ key: r.key, row: r })),
    add: () => table.add(),
    remove: (key) => table.remove(key),
    params: {
      Enable: { get: (r) => r.enabled, set: (r, v) => table.setEnabled(r.key, v) },
      Status: { get: (r) => (r.enabled && r.address !== '' ? 'Enabled' : 'Disabled') },
      DNSServer: {
        get: (r) => r.address,
        set: (r, v) => table.setAddress(r.key, v),
        validate: (v, r) => table.check(r.key, v),
      },
      // A link-local server names its interface in the zone: fe80::1%eth0.
      Interface: {
        get: (r, ctx) => (r.address.includes('%') ? ref(ctx, T.ipInterface, r.address.split('%')[1]) : ''),
      },
      Type: { get: () => 'Static' },
    },
  });
  return table;
}
