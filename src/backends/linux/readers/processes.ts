// The process table from /proc/[pid]/{stat,status,cmdline}.
import { listDir, readText } from './fs.js';

/** TR-181 DeviceInfo.ProcessStatus.Process.{i}.State values. */
export type ProcessState = 'Running' | 'Sleeping' | 'Stopped' | 'Idle' | 'Uninterruptible' | 'Zombie';

export interface ProcessInfo {
  pid: number;
  /** Clock ticks since boot when the process started: with pid, identifies it (pids are reused). */
  startTicks: number;
  /** Command line, or "[comm]" for kernel threads (as ps shows them). */
  command: string;
  /** Resident memory, KiB. */
  sizeKiB: number;
  /** TR-181 priority 0..99, 0 = highest (see linuxPriority). */
  priority: number;
  /** User + system CPU time, ms. */
  cpuTimeMs: number;
  state: ProcessState;
}

/** Linux state letters (fs/proc/array.c) → TR-181 enum. */
export function mapProcessState(letter: string): ProcessState {
  switch (letter) {
    case 'R':
      return 'Running';
    case 'D':
    case 'K':
      return 'Uninterruptible';
    case 'Z':
    case 'X':
    case 'x':
      return 'Zombie';
    case 'T':
    case 't':
      return 'Stopped';
    case 'I':
    case 'P':
      return 'Idle';
    default: // S, W and anything newer
      return 'Sleeping';
  }
}

/**
 * TR-181 wants 0..99 with 0 highest. Real-time tasks (rt_priority 1..99, 99 strongest) take
 * 0..19; normal tasks map nice -20..19 onto 20..59.
 */
export function linuxPriority(rtPriority: number, nice: number): number {
  if (rtPriority > 0) return Math.max(0, Math.min(19, 19 - Math.round(((Math.min(rtPriority, 99) - 1) * 19) / 98)));
  return 40 + Math.max(-20, Math.min(19, nice));
}

/** /proc exposes times in USER_HZ, fixed at 100 by the kernel ABI whatever CONFIG_HZ is. */
const USER_HZ = 100;
const UINT32_MAX = 0xffffffff;

export interface ParsedStat {
  pid: number;
  comm: string;
  state: string;
  utime: number;
  stime: number;
  nice: number;
  startTicks: number;
  rssPages: number;
  rtPriority: number;
}

export function parsePidStat(text: string): ParsedStat | null {
  // comm may hold spaces and parentheses: it ends at the LAST ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).trim().split(/\s+/);
  if (!Number.isInteger(pid) || rest.length < 20) return null;
  const n = (i: number) => Number(rest[i] ?? 0) || 0; // rest[k] is field k+3 of proc(5)
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0],
    utime: n(11),
    stime: n(12),
    nice: n(16),
    startTicks: n(19),
    rssPages: n(21),
    rtPriority: n(37),
  };
}

/** argv joined by spaces, on one line: like ps, control characters (a script passed with -c) become
 * spaces (whitespace) or '?', so an ACS table or a log line is not broken by them. */
export function parseCmdline(buf: string): string {
  return buf
    .split('\0')
    .filter((s, i, a) => !(s === '' && i === a.length - 1))
    .join(' ')
    .replace(/[\t\n\v\f\r]/g, ' ')
    // eslint-disable-next-line no-control-regex
    .replace(/[\x00-\x1f\x7f]/g, '?')
    .trim();
}

export async function readProcess(root: string, pid: number): Promise<ProcessInfo | null> {
  const [statText, statusText, cmdline] = await Promise.all([
    readText(root, `/proc/${pid}/stat`),
    readText(root, `/proc/${pid}/status`),
    readText(root, `/proc/${pid}/cmdline`),
  ]);
  const st = statText === null ? null : parsePidStat(statText);
  if (!st) return null; // exited between readdir and read
  const rss = statusText === null ? null : /^VmRSS:\s+(\d+)\s+kB/m.exec(statusText);
  const command = cmdline ? parseCmdline(cmdline) : '';
  return {
    pid: st.pid,
    startTicks: st.startTicks,
    command: command || `[${st.comm}]`,
    // Kernel threads have no VmRSS; the page count is then 0 anyway.
    sizeKiB: rss ? Number(rss[1]) : st.rssPages * 4,
    priority: linuxPriority(st.rtPriority, st.nice),
    cpuTimeMs: Math.min(UINT32_MAX, Math.round(((st.utime + st.stime) * 1000) / USER_HZ)),
    state: mapProcessState(st.state),
  };
}

export async function readProcesses(root = '/'): Promise<ProcessInfo[]> {
  const pids = (await listDir(root, '/proc'))
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);
  const out: ProcessInfo[] = [];
  const BATCH = 64; // bounded parallelism: a busy host has thousands of processes
  for (let i = 0; i < pids.length; i += BATCH) {
    const got = await Promise.all(pids.slice(i, i + BATCH).map((p) => readProcess(root, p)));
    for (const g of got) if (g) out.push(g);
  }
  return out;
}
