// RouterOS-style durations: plain seconds ("90") or units "1w2d3h4m5s" (any subset, largest first).
// Stored and sent to the ACS as integer seconds; printed back with the largest units that are exact
// (86400 → "1d", 5400 → "1h30m", 0 → "0s").

const UNITS = [
  ['w', 604_800],
  ['d', 86_400],
  ['h', 3_600],
  ['m', 60],
  ['s', 1],
] as const;

const UNIT_FORM = /^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

export const DURATION_HINT = 'use seconds or 30s, 5m, 1h, 1d';

/** Seconds, or undefined when `text` is not a duration. Values beyond 2^53 come back as Infinity. */
export function parseDuration(text: string): number | undefined {
  if (/^\d+$/.test(text)) return toNumber(text);
  const m = UNIT_FORM.exec(text);
  if (!m || text === '') return undefined;
  let total = 0;
  for (let i = 0; i < UNITS.length; i++) {
    const digits = m[i + 1];
    if (digits !== undefined) total += toNumber(digits) * UNITS[i][1];
  }
  return Number.isSafeInteger(total) ? total : Infinity;
}

/** The canonical text of a non-negative whole number of seconds. */
export function formatDuration(seconds: number): string {
  if (!Number.isSafeInteger(seconds) || seconds < 0) throw new RangeError(`not a duration: ${seconds}`);
  if (seconds === 0) return '0s';
  let rest = seconds;
  let out = '';
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

function toNumber(digits: string): number {
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : Infinity;
}
