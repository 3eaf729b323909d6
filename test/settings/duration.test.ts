import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatDuration, parseDuration } from '../../src/settings/duration.js';

test('plain seconds and unit forms parse to seconds', () => {
  const cases: [string, number][] = [
    ['0', 0],
    ['30', 30],
    ['30s', 30],
    ['5m', 300],
    ['1h', 3600],
    ['1d', 86400],
    ['1w', 604800],
    ['1h30m', 5400],
    ['1w2d3h4m5s', 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5],
    ['90m', 5400],
    ['0s', 0],
    ['007m', 420],
  ];
  for (const [text, seconds] of cases) assert.equal(parseDuration(text), seconds, text);
});

test('non-durations are refused', () => {
  for (const text of ['', 'abc', '5x', '1.5h', '-1', '5 m', 'm', '1m1h', '1h1h', ' 5m', '5M', '1d 2h', '+5']) {
    assert.equal(parseDuration(text), undefined, JSON.stringify(text));
  }
  assert.equal(parseDuration('99999999999999999999'), Infinity);
  assert.equal(parseDuration('99999999999999w'), Infinity);
});

test('formatting uses the largest exact units', () => {
  assert.equal(formatDuration(0), '0s');
  assert.equal(formatDuration(30), '30s');
  assert.equal(formatDuration(300), '5m');
  assert.equal(formatDuration(86400), '1d');
  assert.equal(formatDuration(604800), '1w');
  assert.equal(formatDuration(5400), '1h30m');
  assert.equal(formatDuration(90061), '1d1h1m1s');
  assert.equal(formatDuration(4294967295), '7101w3d6h28m15s');
  assert.throws(() => formatDuration(-1), RangeError);
  assert.throws(() => formatDuration(1.5), RangeError);
});

test('property: format then parse gives the same seconds', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 4294967295 }), (n) => parseDuration(formatDuration(n)) === n),
    { numRuns: 2000 },
  );
});

test('property: any unit combination parses to its sum, and prints back canonically', () => {
  const part = fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: undefined });
  fc.assert(
    fc.property(fc.tuple(part, part, part, part, part), (parts) => {
      const units = ['w', 'd', 'h', 'm', 's'];
      const sizes = [604800, 86400, 3600, 60, 1];
      const text = parts.map((n, i) => (n === undefined ? '' : `${n}${units[i]}`)).join('');
      if (text === '') return parseDuration(text) === undefined;
      const sum = parts.reduce<number>((acc, n, i) => acc + (n ?? 0) * sizes[i], 0);
      if (parseDuration(text) !== sum) return false;
      // Canonical: each printed component is below the size of the next larger unit.
      const canon = formatDuration(sum);
      const m = /^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(canon);
      if (!m) return false;
      const limits = [Infinity, 7, 24, 60, 60];
      return m.slice(1).every((d, i) => d === undefined || (Number(d) > 0 || canon === '0s') && Number(d) < limits[i]);
    }),
    { numRuns: 2000 },
  );
});
