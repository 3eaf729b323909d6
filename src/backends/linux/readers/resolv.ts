// /etc/resolv.conf: the DNS servers, and an editor that changes only the nameserver lines.
// A server the ACS disables stays in the file as a marked comment so its row (and its place in
// the order) survives: "#tr069-client:disabled nameserver 192.0.2.53".
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { requireDependency } from '../../../cjs.js';

const writeFileAtomic = requireDependency<typeof import('write-file-atomic')>('write-file-atomic');

export type ResolvLine =
  | { kind: 'server'; address: string; enabled: boolean }
  | { kind: 'other'; text: string };

const DISABLED_MARK = '#tr069-client:disabled';
const SERVER_RE = /^nameserver\s+(\S+)/;
const DISABLED_RE = /^#tr069-client:disabled\s+nameserver\s+(\S+)/;

export function parseResolvConf(text: string): ResolvLine[] {
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.map((text): ResolvLine => {
    const t = text.trim();
    // A nameserver line the resolver could not use either is kept verbatim, not offered as a row.
    const on = SERVER_RE.exec(t);
    if (on && isNameserverAddress(on[1])) return { kind: 'server', address: on[1], enabled: true };
    const off = DISABLED_RE.exec(t);
    if (off && isNameserverAddress(off[1])) return { kind: 'server', address: off[1], enabled: false };
    return { kind: 'other', text };
  });
}

export function formatResolvConf(lines: ResolvLine[]): string {
  if (lines.length === 0) return '';
  return (
    lines
      .map((l) => (l.kind === 'other' ? l.text : `${l.enabled ? '' : DISABLED_MARK + ' '}nameserver ${l.address}`))
      .join('\n') + '\n'
  );
}

/** Valid nameserver text: an IPv4/IPv6 address, IPv6 optionally with a %zone. */
export function isNameserverAddress(s: string): boolean {
  const pct = s.indexOf('%');
  if (pct < 0) return isIP(s) !== 0;
  return isIP(s.slice(0, pct)) === 6 && /^[A-Za-z0-9_.@-]{1,15}$/.test(s.slice(pct + 1));
}

export interface DnsServer {
  address: string;
  enabled: boolean;
}

export function servers(lines: ResolvLine[]): DnsServer[] {
  return lines.flatMap((l) => (l.kind === 'server' ? [{ address: l.address, enabled: l.enabled }] : []));
}

export async function readResolvConf(path: string): Promise<ResolvLine[]> {
  try {
    return parseResolvConf(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Read-modify-write of one resolv.conf, serialised within the process (reads too, so a reader
 * never sees a half-applied change). The write is atomic (temp + fsync + rename; a symlinked
 * resolv.conf is written through to its target) and keeps the file's mode and owner.
 */
export class ResolvConfEditor {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {}

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const p = this.queue.then(job, job);
    this.queue = p.catch(() => undefined);
    return p;
  }

  read(): Promise<ResolvLine[]> {
    return this.enqueue(() => readResolvConf(this.path));
  }

  /**
   * `change` edits the lines in place (throwing leaves the file untouched) and may return a
   * callback to run once the new file is safely written.
   */
  edit(change: (lines: ResolvLine[]) => void | (() => void)): Promise<void> {
    return this.enqueue(async () => {
      const lines = await readResolvConf(this.path);
      const after = change(lines);
      await writeFileAtomic(this.path, formatResolvConf(lines), { fsync: true });
      if (after) after();
    });
  }
}
