import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MAX_SCHEDULED_INFORMS,
  ScheduleInformError,
  deviceOffsetSec,
  dueScheduledInforms,
  nextPeriodicInform,
  nextScheduledInformDue,
  parsePhase,
  parseScheduledInforms,
  scheduleInform,
} from '../../src/session/periodic.js';

const NOW = Date.parse('2025-06-15T10:17:42.500Z');
const DAY = 86_400;

test('disabled or without a usable interval: no periodic inform', () => {
  assert.equal(nextPeriodicInform({ now: NOW, enabled: false, intervalSec: 300 }), null);
  assert.equal(nextPeriodicInform({ now: NOW, enabled: true, intervalSec: 0 }), null);
  assert.equal(nextPeriodicInform({ now: NOW, enabled: true, intervalSec: Number.NaN }), null);
});

test('phase in the past: next UTC midnight for a midnight reference', () => {
  const at = nextPeriodicInform({ now: NOW, enabled: true, intervalSec: DAY, phase: '2001-03-04T00:00:00Z' });
  assert.equal(at, Date.parse('2025-06-16T00:00:00Z'));
});

test('phase in the future still gives the first instant after now (N may be negative)', () => {
  const at = nextPeriodicInform({ now: NOW, enabled: true, intervalSec: DAY, phase: '2031-12-25T00:00:00Z' });
  assert.equal(at, Date.parse('2025-06-16T00:00:00Z'));
  const hourly = nextPeriodicInform({ now: NOW, enabled: true, intervalSec: 3600, phase: '2030-01-01T00:30:00Z' });
  assert.equal(hourly, Date.parse('2025-06-15T10:30:00Z'));
});

test('GenieACS phase in 1970 with milliseconds, 300 s interval', () => {
  const phase = '1970-01-01T05:23:11.000Z';
  const ref = Date.parse(phase);
  const at = nextPeriodicInform({ now: NOW, enabled: true, intervalSec: 300, phase }) as number;
  assert.ok(at > NOW && at - NOW <= 300_000);
  assert.equal((at - ref) % 300_000, 0);
  assert.equal(at, Date.parse('2025-06-15T10:18:11Z'));
});

test('an instant exactly on the phase schedules the next one (strictly after now)', () => {
  const now = Date.parse('2025-06-16T00:00:00Z');
  assert.equal(nextPeriodicInform({ now, enabled: true, intervalSec: DAY, phase: '2000-01-01T00:00:00Z' }), now + DAY * 1000);
});

test('phase with an offset, without a zone (read as UTC), with microseconds', () => {
  assert.equal(parsePhase('2025-01-01T02:00:00+02:00'), Date.parse('2025-01-01T00:00:00Z'));
  assert.equal(parsePhase('2025-01-01T00:00:00'), Date.parse('2025-01-01T00:00:00Z'));
  assert.equal(parsePhase('2025-01-01T00:00:00.123456Z'), Date.parse('2025-01-01T00:00:00.123Z'));
  assert.equal(parsePhase(' 1970-01-01T05:23:11.5Z '), Date.parse('1970-01-01T05:23:11.500Z'));
});

test('no phase: unset, empty, unknown time, relative (year < 1000), unreadable, or clock not synced', () => {
  for (const phase of [undefined, '', '0001-01-01T00:00:00Z', '0001-01-01T00:00:00', '0000-01-01T01:00:00Z', 'yesterday', '2025-13-45T99:00:00Z']) {
    assert.equal(parsePhase(phase), undefined, String(phase));
    assert.equal(nextPeriodicInform({ now: NOW, enabled: true, intervalSec: 300, phase, lastSessionEnd: NOW - 100_000 }), NOW + 200_000);
  }
  const unsynced = nextPeriodicInform({ now: NOW, enabled: true, intervalSec: 300, phase: '2025-01-01T00:00:00Z', clockSynced: false, lastSessionEnd: NOW - 1000 });
  assert.equal(unsynced, NOW - 1000 + 300_000);
});

test('RouterOS-like timer: counts from the last successful session end', () => {
  const base = { now: NOW, enabled: true, intervalSec: 600 };
  assert.equal(nextPeriodicInform({ ...base, lastSessionEnd: NOW - 60_000 }), NOW + 540_000);
  assert.equal(nextPeriodicInform(base), NOW + 600_000, 'no session yet: from now');
  assert.equal(nextPeriodicInform({ ...base, lastSessionEnd: NOW - 3_600_000 }), NOW, 'overdue: now');
  assert.equal(nextPeriodicInform({ ...base, lastSessionEnd: NOW + 86_400_000 }), NOW + 600_000, 'clock went back: from now');
});

test('the per-device offset applies to the first period after boot only', () => {
  const base = { now: NOW, enabled: true, intervalSec: 600, lastSessionEnd: NOW, deviceOffsetSec: 12.345 };
  assert.equal(nextPeriodicInform({ ...base, firstAfterBoot: true }), NOW + 600_000 + 12_345);
  assert.equal(nextPeriodicInform({ ...base, firstAfterBoot: false }), NOW + 600_000);
  const phased = nextPeriodicInform({ ...base, firstAfterBoot: true, phase: '2025-01-01T00:00:00Z' }) as number;
  assert.equal(phased % 600_000, 0, 'a phase requested by the ACS is exact');
});

test('interval changes take effect at once', () => {
  const phase = '1970-01-01T00:00:00Z';
  assert.equal(nextPeriodicInform({ now: NOW, enabled: true, intervalSec: 3600, phase }), Date.parse('2025-06-15T11:00:00Z'));
  assert.equal(nextPeriodicInform({ now: NOW, enabled: true, intervalSec: 900, phase }), Date.parse('2025-06-15T10:30:00Z'));
  const end = NOW - 120_000;
  assert.equal(nextPeriodicInform({ now: NOW, enabled: true, intervalSec: DAY, lastSessionEnd: end }), end + DAY * 1000);
  assert.equal(nextPeriodicInform({ now: NOW, enabled: true, intervalSec: 300, lastSessionEnd: end }), end + 300_000);
});

test('property: a phased schedule is aligned and within one interval after now', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 4_102_444_800_000 }),
      fc.integer({ min: -62_000_000_000, max: 4_102_444_800_000 }),
      fc.integer({ min: 1, max: 10 * DAY }),
      (now, refMs, interval) => {
        const ref = Math.floor(refMs / 1000) * 1000;
        const phase = new Date(ref).toISOString();
        fc.pre(Number(phase.slice(0, 4)) >= 1000 && !phase.startsWith('+') && !phase.startsWith('-'));
        const at = nextPeriodicInform({ now, enabled: true, intervalSec: interval, phase }) as number;
        assert.ok(at > now && at <= now + interval * 1000, `${at} vs now ${now}`);
        assert.equal((((at - ref) % (interval * 1000)) + interval * 1000) % (interval * 1000), 0);
      },
    ),
    { numRuns: 1000 },
  );
});

test('deviceOffsetSec: same serial same offset, bounded by min(10 % of interval, 60 s), spread across devices', () => {
  assert.equal(deviceOffsetSec('SN42', 300), deviceOffsetSec('SN42', 300));
  const offsets = Array.from({ length: 200 }, (_, i) => deviceOffsetSec(`HQ${i}X`, DAY));
  for (const o of offsets) assert.ok(o >= 0 && o < 60);
  assert.ok(new Set(offsets.map((o) => Math.floor(o))).size > 30, 'devices spread over the minute');
  for (let i = 0; i < 50; i++) assert.ok(deviceOffsetSec(`d${i}`, 300) < 30);
  assert.equal(deviceOffsetSec('x', 0), 0);
});

test('ScheduleInform timetable', () => {
  let list = scheduleInform([], NOW, 30, 'a');
  list = scheduleInform(list, NOW, 10, 'b');
  list = scheduleInform(list, NOW, 10, 'b');
  assert.equal(nextScheduledInformDue(list), NOW + 10_000);
  assert.equal(nextScheduledInformDue([]), null);
  const { due, pending } = dueScheduledInforms(list, NOW + 10_000);
  assert.deepEqual(due, [
    { dueAt: NOW + 10_000, commandKey: 'b' },
    { dueAt: NOW + 10_000, commandKey: 'b' },
  ]);
  assert.deepEqual(pending, [{ dueAt: NOW + 30_000, commandKey: 'a' }]);
  assert.deepEqual(parseScheduledInforms(JSON.parse(JSON.stringify(list))), list);
  assert.throws(() => parseScheduledInforms([{ dueAt: 'soon', commandKey: 'x' }]), /bad scheduled inform/);
  assert.throws(() => parseScheduledInforms({}), /must be an array/);
});

test('ScheduleInform refuses DelaySeconds 0 (9003) and a full timetable (9004)', () => {
  for (const bad of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => scheduleInform([], NOW, bad, 'k'), (e: unknown) => e instanceof ScheduleInformError && e.faultCode === 9003);
  }
  let list = scheduleInform([], NOW, 1, 'k');
  while (list.length < MAX_SCHEDULED_INFORMS) list = scheduleInform(list, NOW, 1, 'k');
  assert.throws(() => scheduleInform(list, NOW, 1, 'k'), (e: unknown) => e instanceof ScheduleInformError && e.faultCode === 9004);
});
