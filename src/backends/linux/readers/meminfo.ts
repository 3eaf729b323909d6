// /proc/meminfo (memory, KiB) and statfs of the root file system (persistent storage, KiB).
import { statfs } from 'node:fs/promises';
import { readText, sysPath } from './fs.js';

export interface MemInfo {
  /** MemTotal, KiB. */
  totalKiB: number;
  /** MemAvailable (what a new program can get without swapping) or MemFree on old kernels, KiB. */
  freeKiB: number;
}

export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z0-9_()]+):\s+(\d+)(?:\s+kB)?\s*$/.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

export async function readMeminfo(root = '/'): Promise<MemInfo | null> {
  const text = await readText(root, '/proc/meminfo');
  if (text === null) return null;
  const m = parseMeminfo(text);
  const total = m.get('MemTotal');
  if (total === undefined) return null;
  return { totalKiB: total, freeKiB: m.get('MemAvailable') ?? m.get('MemFree') ?? 0 };
}

export interface StorageInfo {
  totalKiB: number;
  freeKiB: number;
}

/** Size of the file system holding `root` (the device's persistent storage). */
export async function readRootStorage(root = '/'): Promise<StorageInfo | null> {
  try {
    const s = await statfs(sysPath(root, '/'));
    return {
      totalKiB: Math.floor((s.blocks * s.bsize) / 1024),
      // bavail: what unprivileged writers can still use, as df shows it.
      freeKiB: Math.floor((s.bavail * s.bsize) / 1024),
    };
  } catch {
    return null;
  }
}
