// /proc/uptime: seconds since boot.
import { readLine } from './fs.js';

export async function readUptime(root = '/'): Promise<number | null> {
  const line = await readLine(root, '/proc/uptime');
  const m = line === null ? null : /^(\d+(?:\.\d+)?)\s/.exec(line + ' ');
  return m ? Number(m[1]) : null;
}
