// When the next periodic Inform is due (cwmp-cpe.md §9) and the ScheduleInform timetable (§6.14).
// Pure: the caller passes the wall-clock time in and owns the timers.

/** Year below which a TR-106 dateTime is "unknown" or relative to boot, i.e. no phase. */
const FIRST_ABSOLUTE_YEAR = 1000;
/** Most spreading applied to the first period after boot. */
const MAX_BOOT_OFFSET_SEC = 60;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$/;

export interface PeriodicInput {
  /** Wall-clock now, ms since the epoch. */
  now: number;
  enabled: boolean;
  /** PeriodicInformInterval, seconds (≥ 1). */
  intervalSec: number;
  /** PeriodicInformTime as stored; undefined, empty or the unknown time = no phase requested. */
  phase?: string;
  /** False while the clock has never been set: a phase cannot be honoured then. Default true. */
  clockSynced?: boolean;
  /** End of the last successful session, ms (undefined: none yet, count from now). */
  lastSessionEnd?: number;
  /** The first period after boot gets `deviceOffsetSec` added so a fleet booted together spreads out. */
  firstAfterBoot?: boolean;
  deviceOffsetSec?: number;
}

/**
 * The instant (ms) of the next periodic Inform, or null when disabled.
 * With a phase: the first PeriodicInformTime + N·interval strictly after now (N may be negative).
 * Without: RouterOS-like, the interval counts from the end of the last successful session.
 */
export function nextPeriodicInform(input: PeriodicInput): number | null {
  const { now } = input;
  if (!input.enabled || !Number.isFinite(input.intervalSec) || input.intervalSec < 1) return null;
  const intervalMs = Math.floor(input.intervalSec) * 1000;
  const ref = input.clockSynced === false ? undefined : parsePhase(input.phase);
  if (ref !== undefined) {
    const k = Math.floor((now - ref) / intervalMs) + 1;
    return ref + k * intervalMs;
  }
  // A session end "in the future" means the clock went back: count from now instead.
  const base = input.lastSessionEnd === undefined || input.lastSessionEnd > now ? now : input.lastSessionEnd;
  const offsetMs = input.firstAfterBoot ? Math.max(0, Math.round((input.deviceOffsetSec ?? 0) * 1000)) : 0;
  return Math.max(now, base + intervalMs + offsetMs);
}

/** PeriodicInformTime as ms since the epoch; undefined for "no phase" (unset, unknown time, relative, unreadable). */
export function parsePhase(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = DATE_TIME.exec(text.trim());
  if (m === null || Number(m[1]) < FIRST_ABSOLUTE_YEAR) return undefined;
  const frac = m[7] === undefined ? '' : `.${m[7].slice(0, 3).padEnd(3, '0')}`;
  // Some ACSs send local time without a zone: read it as UTC (interop-notes §9).
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${frac}${m[8] ?? 'Z'}`;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * A per-device offset in [0, min(10 % of the interval, 60 s)), derived from the serial number (FNV-1a),
 * so the same device always picks the same one and different devices spread out.
 */
export function deviceOffsetSec(serialNumber: string, intervalSec: number): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(serialNumber, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const bound = Math.min(Math.max(0, intervalSec) * 0.1, MAX_BOOT_OFFSET_SEC);
  return Math.floor((h / 2 ** 32) * bound * 1000) / 1000;
}

// ---- ScheduleInform ----------------------------------------------------------------------

/** A pending ScheduleInform, as persisted. */
export interface ScheduledInform {
  /** Wall-clock ms at which "3 SCHEDULED" + "M ScheduleInform <commandKey>" are raised. */
  dueAt: number;
  commandKey: string;
}

/** icwmp keeps at most 10 and answers 9004 beyond; we allow a few more. */
export const MAX_SCHEDULED_INFORMS = 32;

export class ScheduleInformError extends Error {
  constructor(
    /** The CWMP fault code to answer with (9003 bad arguments, 9004 too many pending). */
    readonly faultCode: 9003 | 9004,
    message: string,
  ) {
    super(message);
    this.name = 'ScheduleInformError';
  }
}

/** Adds a ScheduleInform; several may be pending, even with the same CommandKey. */
export function scheduleInform(list: readonly ScheduledInform[], now: number, delaySeconds: number, commandKey: string): ScheduledInform[] {
  if (!Number.isSafeInteger(delaySeconds) || delaySeconds < 1) {
    throw new ScheduleInformError(9003, `DelaySeconds must be a whole number of seconds above 0, got ${delaySeconds}`);
  }
  if (list.length >= MAX_SCHEDULED_INFORMS) {
    throw new ScheduleInformError(9004, `too many ScheduleInform requests pending (${list.length})`);
  }
  return [...list, { dueAt: now + delaySeconds * 1000, commandKey }];
}

/** Splits the timetable into what is due at `now` (raise its events) and what is still pending. */
export function dueScheduledInforms(
  list: readonly ScheduledInform[],
  now: number,
): { due: ScheduledInform[]; pending: ScheduledInform[] } {
  const due: ScheduledInform[] = [];
  const pending: ScheduledInform[] = [];
  for (const s of list) (s.dueAt <= now ? due : pending).push(s);
  return { due, pending };
}

/** The earliest due time, or null when nothing is scheduled. */
export function nextScheduledInformDue(list: readonly ScheduledInform[]): number | null {
  let min: number | null = null;
  for (const s of list) if (min === null || s.dueAt < min) min = s.dueAt;
  return min;
}

/** Checks a persisted timetable. */
export function parseScheduledInforms(raw: unknown): ScheduledInform[] {
  if (!Array.isArray(raw)) throw new Error('scheduled informs must be an array');
  return raw.map((item) => {
    const s = item as Partial<ScheduledInform> | null;
    if (!Number.isSafeInteger(s?.dueAt) || typeof s?.commandKey !== 'string') {
      throw new Error(`bad scheduled inform ${JSON.stringify(item)}`);
    }
    return { dueAt: s.dueAt as number, commandKey: s.commandKey };
  });
}
