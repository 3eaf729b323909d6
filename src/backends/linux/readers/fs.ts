// Small file helpers shared by the readers. Every path is taken relative to an injectable `root`
// ('/' on a real machine, a fixture directory in tests). Missing or unreadable files are normal
// on Linux (no DMI in VMs, root-only serials, absent hwmon): they read as null, never throw.
import { lstatSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/** `root` + an absolute system path ('/proc/meminfo'). */
export function sysPath(root: string, path: string): string {
  return join(root, path);
}

/** The path exists (a dangling symlink counts: sysfs markers like phy80211 are links). */
export function exists(root: string, path: string): boolean {
  try {
    lstatSync(sysPath(root, path));
    return true;
  } catch {
    return false;
  }
}

/** Largest text we read from any procfs/sysfs/etc file; real ones are far smaller. */
const MAX_TEXT = 4 * 1024 * 1024;

export async function readText(root: string, path: string): Promise<string | null> {
  try {
    const buf = await readFile(sysPath(root, path));
    return buf.subarray(0, MAX_TEXT).toString('utf8');
  } catch {
    return null;
  }
}

/** First line, trimmed; null when the file is missing, unreadable or empty. */
export async function readLine(root: string, path: string): Promise<string | null> {
  const t = await readText(root, path);
  if (t === null) return null;
  const line = t.split('\n', 1)[0].trim();
  return line === '' ? null : line;
}

/** A decimal integer file (sysfs attributes); null when absent or not a number. */
export async function readInt(root: string, path: string): Promise<number | null> {
  const line = await readLine(root, path);
  if (line === null || !/^-?\d+$/.test(line)) return null;
  return Number(line);
}

/** Like readInt but exact for 64-bit counters. */
export async function readBigInt(root: string, path: string): Promise<bigint | null> {
  const line = await readLine(root, path);
  if (line === null || !/^\d+$/.test(line)) return null;
  return BigInt(line);
}

export async function listDir(root: string, path: string): Promise<string[]> {
  try {
    return (await readdir(sysPath(root, path))).sort();
  } catch {
    return [];
  }
}

export async function readLink(root: string, path: string): Promise<string | null> {
  try {
    return await readlink(sysPath(root, path));
  } catch {
    return null;
  }
}

/** "KEY=value" lines (os-release, uevent); surrounding quotes removed. */
export function parseKeyValue(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    let v = line.slice(eq + 1).trim();
    if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.endsWith(v[0])) {
      v = v.slice(1, -1).replace(/\\(["'\\$`])/g, '$1');
    }
    out.set(line.slice(0, eq).trim(), v);
  }
  return out;
}
