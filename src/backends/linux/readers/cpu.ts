// CPU usage from /proc/stat. The kernel only gives tick counters since boot, so usage is a delta
// between two samples: CpuMeter keeps the previous sample and reports usage since then (or since
// boot on the very first call, which needs no waiting).
import { monotonicMs } from '../../../clock.js';
import { readText } from './fs.js';

export interface CpuTimes {
  /** 'cpu' for the total line, 'cpu0', 'cpu1', ... */
  name: string;
  user: number; // user + nice
  system: number; // system + irq + softirq + steal
  idle: number; // idle + iowait
}

export function parseProcStat(text: string): CpuTimes[] {
  const out: CpuTimes[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (!/^cpu\d*$/.test(f[0])) continue;
    // user nice system idle iowait irq softirq steal [guest guest_nice: already inside user/nice]
    const n = f.slice(1, 9).map((x) => Number(x) || 0);
    while (n.length < 8) n.push(0);
    out.push({ name: f[0], user: n[0] + n[1], system: n[2] + n[5] + n[6] + n[7], idle: n[3] + n[4] });
  }
  return out;
}

export interface CpuUsage {
  name: string;
  /** Percentages 0..100 of the interval, rounded. */
  user: number;
  system: number;
  idle: number;
  busy: number;
}

export function usageBetween(prev: CpuTimes | undefined, cur: CpuTimes): CpuUsage {
  let user = cur.user - (prev?.user ?? 0);
  let system = cur.system - (prev?.system ?? 0);
  let idle = cur.idle - (prev?.idle ?? 0);
  if (user < 0 || system < 0 || idle < 0 || user + system + idle === 0) {
    // Counter reset (CPU hot-plug) or no tick elapsed: fall back to the since-boot average.
    ({ user, system, idle } = cur);
  }
  const total = user + system + idle;
  if (total <= 0) return { name: cur.name, user: 0, system: 0, idle: 100, busy: 0 };
  const pct = (x: number) => Math.min(100, Math.max(0, Math.round((100 * x) / total)));
  const idlePct = pct(idle);
  return { name: cur.name, user: pct(user), system: pct(system), idle: idlePct, busy: 100 - idlePct };
}

export async function readCpuTimes(root = '/'): Promise<CpuTimes[] | null> {
  const text = await readText(root, '/proc/stat');
  if (text === null) return null;
  const times = parseProcStat(text);
  return times.length ? times : null;
}

/** Remembers the previous sample; usage() answers "how busy since I last asked". */
export class CpuMeter {
  private prev = new Map<string, CpuTimes>();
  private prevAt = -Infinity;
  private last: CpuUsage[] | null = null;

  constructor(
    private readonly root = '/',
    /** Shorter intervals give noisy numbers: within it, the previous answer is repeated. */
    private readonly minIntervalMs = 1000,
    private readonly clock: () => number = monotonicMs,
  ) {}

  /** Entry 0 is the total ('cpu'), then one per CPU; null if /proc/stat is unreadable. */
  async usage(): Promise<CpuUsage[] | null> {
    const now = this.clock();
    if (this.last && now - this.prevAt < this.minIntervalMs) return this.last;
    const cur = await readCpuTimes(this.root);
    if (!cur) return null;
    const result = cur.map((c) => usageBetween(this.prev.get(c.name), c));
    this.prev = new Map(cur.map((c) => [c.name, c]));
    this.prevAt = now;
    this.last = result;
    return result;
  }
}
