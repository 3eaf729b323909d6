// Time zone (/etc/timezone, /etc/localtime) and NTP client configuration (systemd-timesyncd,
// chrony, ntpd), best effort: each daemon keeps its servers in its own file format.
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import type { CommandRunner } from './command.js';
import { exists, listDir, readLine, readLink, readText, sysPath } from './fs.js';

export interface TimeZoneInfo {
  /** Olson name, e.g. "Europe/Berlin"; null if unknown. */
  name: string | null;
  /** POSIX TZ string from the TZif footer, e.g. "CET-1CEST,M3.5.0,M10.5.0/3"; null if unknown. */
  posix: string | null;
}

/** TZif version 2+ files end with "\n<POSIX TZ string>\n". */
export function tzifFooter(buf: Buffer): string | null {
  if (buf.length < 44 || buf.toString('latin1', 0, 4) !== 'TZif' || buf[4] < 0x32) return null;
  if (buf[buf.length - 1] !== 0x0a) return null;
  const start = buf.lastIndexOf(0x0a, buf.length - 2);
  if (start < 0) return null;
  const footer = buf.toString('latin1', start + 1, buf.length - 1);
  return /^[\x20-\x7e]{1,255}$/.test(footer) ? footer : null;
}

export async function readTimeZone(root = '/'): Promise<TimeZoneInfo> {
  const link = await readLink(root, '/etc/localtime');
  let name = await readLine(root, '/etc/timezone');
  if (!name && link) {
    const i = link.indexOf('zoneinfo/');
    if (i >= 0) name = link.slice(i + 'zoneinfo/'.length);
  }
  // An absolute link target names a path on the device: resolve it under root.
  const file = link === null ? '/etc/localtime' : posix.resolve('/etc', link);
  let tz: string | null = null;
  try {
    tz = tzifFooter(await readFile(sysPath(root, file)));
  } catch {
    tz = null;
  }
  return { name: name || null, posix: tz };
}

export type NtpClientName = 'systemd-timesyncd' | 'chrony' | 'ntpd';

export interface NtpClientConfig {
  client: NtpClientName;
  servers: string[];
  /** The service is enabled to start at boot (or, without systemd, its config exists). */
  enabled: boolean;
}

/** systemd-timesyncd: "[Time]" NTP= (space separated); FallbackNTP= when NTP= is empty. */
export function parseTimesyncd(texts: string[]): string[] {
  let ntp: string[] | null = null;
  let fallback: string[] | null = null;
  for (const text of texts) {
    let inTime = false;
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (line.startsWith('[')) inTime = line === '[Time]';
      if (!inTime || line.startsWith('#') || line.startsWith(';')) continue;
      const m = /^(NTP|FallbackNTP)\s*=\s*(.*)$/.exec(line);
      if (!m) continue;
      const list = m[2].split(/\s+/).filter(Boolean);
      // Later files override; an empty assignment resets the list.
      if (m[1] === 'NTP') ntp = list;
      else fallback = list;
    }
  }
  return ntp && ntp.length ? ntp : (fallback ?? []);
}

/** chrony and ntpd: "server X ..." and "pool X ..." lines. */
export function parseNtpServerLines(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const m = /^\s*(server|pool|peer)\s+(\S+)/.exec(raw);
    if (m && !m[2].startsWith('127.127.')) out.push(m[2]); // 127.127.x.x = ntpd reference clock drivers
  }
  return out;
}

async function dropIns(root: string, dir: string, suffix: string): Promise<string[]> {
  const out: string[] = [];
  for (const f of await listDir(root, dir)) {
    if (!f.endsWith(suffix)) continue;
    const t = await readText(root, `${dir}/${f}`);
    if (t !== null) out.push(t);
  }
  return out;
}

async function unitEnabled(root: string, units: string[]): Promise<boolean> {
  for (const wants of await listDir(root, '/etc/systemd/system')) {
    if (!wants.endsWith('.wants')) continue;
    for (const u of units) if (exists(root, `/etc/systemd/system/${wants}/${u}`)) return true;
  }
  return false;
}

export async function readNtpClients(root = '/'): Promise<NtpClientConfig[]> {
  const systemd = exists(root, '/etc/systemd/system');
  const out: NtpClientConfig[] = [];

  const tsMain = await readText(root, '/etc/systemd/timesyncd.conf');
  if (tsMain !== null) {
    const texts = [tsMain, ...(await dropIns(root, '/etc/systemd/timesyncd.conf.d', '.conf'))];
    out.push({
      client: 'systemd-timesyncd',
      servers: parseTimesyncd(texts),
      enabled: systemd ? await unitEnabled(root, ['systemd-timesyncd.service']) : false,
    });
  }

  for (const path of ['/etc/chrony/chrony.conf', '/etc/chrony.conf']) {
    const t = await readText(root, path);
    if (t === null) continue;
    const extra = [
      ...(await dropIns(root, '/etc/chrony/sources.d', '.sources')),
      ...(await dropIns(root, '/etc/chrony/conf.d', '.conf')),
    ];
    out.push({
      client: 'chrony',
      servers: [t, ...extra].flatMap(parseNtpServerLines),
      enabled: systemd ? await unitEnabled(root, ['chrony.service', 'chronyd.service']) : true,
    });
    break;
  }

  for (const path of ['/etc/ntpsec/ntp.conf', '/etc/ntp.conf']) {
    const t = await readText(root, path);
    if (t === null) continue;
    out.push({
      client: 'ntpd',
      servers: parseNtpServerLines(t),
      enabled: systemd ? await unitEnabled(root, ['ntp.service', 'ntpd.service', 'ntpsec.service']) : true,
    });
    break;
  }
  return out;
}

/**
 * Whether the kernel clock is NTP-synchronised. timedatectl reads the kernel's flag (set by any
 * NTP daemon); without it, systemd-timesyncd's marker file is the only hint. null = unknown.
 */
export async function readClockSynchronized(root = '/', run?: CommandRunner | null): Promise<boolean | null> {
  if (run) {
    const out = await run('timedatectl', ['show', '--property=NTPSynchronized', '--value'], 2000);
    if (out !== null && /^(yes|no)$/.test(out.trim())) return out.trim() === 'yes';
  }
  if (exists(root, '/run/systemd/timesync/synchronized')) return true;
  return null;
}
