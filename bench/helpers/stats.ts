// Small statistics and formatting helpers shared by the benchmarks.
import { availableParallelism, loadavg } from 'node:os';

/** Value at quantile q (0..1) of the samples, nearest-rank on a sorted copy. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[i];
}

export const median = (xs: readonly number[]): number => quantile(xs, 0.5);
export const p99 = (xs: readonly number[]): number => quantile(xs, 0.99);

/** Fixed decimals, chosen by magnitude, for table cells. */
export function fmt(x: number, unit = ''): string {
  if (!Number.isFinite(x)) return 'n/a';
  const d = Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2;
  return `${x.toFixed(d)}${unit ? ' ' + unit : ''}`;
}

export function ratio(a: number, b: number): string {
  return b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a';
}

/** Prints a markdown table. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): void {
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log('');
}

/** CPU time (user + system) used by this process since `prev`, in µs. */
export function cpuSince(prev: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(prev);
  return d.user + d.system;
}

/** "load average 3.1 on 2 CPUs", for reading timings taken on a shared machine. */
export function loadNote(): string {
  return `load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} CPUs`;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
