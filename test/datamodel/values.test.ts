import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatValue, loadSchema, nullValue, parseValue, type ParamSchema } from '../../src/datamodel/index.js';
import { formatDate, normalizeList } from '../../src/datamodel/values.js';

const T = (type: ParamSchema['type'], extra: Partial<ParamSchema> = {}): ParamSchema => ({
  type,
  xsdType: `xsd:${type === 'list' ? 'string' : type}`,
  access: 'readWrite',
  ...extra,
});

test('booleans: emit true/false, accept true/false/1/0 only', () => {
  const b = T('boolean');
  assert.equal(formatValue(b, true), 'true');
  assert.equal(formatValue(b, 0), 'false');
  assert.equal(formatValue(b, '1'), 'true');
  assert.throws(() => formatValue(b, 'yes'), TypeError);
  assert.deepEqual(parseValue(b, '1'), { ok: true, value: true, text: 'true' });
  assert.deepEqual(parseValue(b, ' false '), { ok: true, value: false, text: 'false' });
  for (const bad of ['TRUE', 'yes', '', '2']) assert.equal((parseValue(b, bad) as { code: number }).code, 9006, bad);
});

test('integers: type bounds are 9006, range facets 9007; long types are bigint', () => {
  const u = T('unsignedInt', { range: [{ min: 1 }] });
  assert.deepEqual(parseValue(u, '300'), { ok: true, value: 300, text: '300' });
  assert.equal((parseValue(u, '-5') as { code: number }).code, 9006);
  assert.equal((parseValue(u, '4294967296') as { code: number }).code, 9006);
  assert.equal((parseValue(u, '0') as { code: number }).code, 9007);
  assert.equal((parseValue(u, '1.5') as { code: number }).code, 9006);
  assert.deepEqual(parseValue(T('int'), '+007'), { ok: true, value: 7, text: '7' });
  assert.deepEqual(parseValue(T('unsignedLong'), '18446744073709551615'), {
    ok: true,
    value: 18446744073709551615n,
    text: '18446744073709551615',
  });
  assert.equal((parseValue(T('long'), '9223372036854775808') as { code: number }).code, 9006);
  const stepped = T('unsignedInt', { range: [{ min: 0, max: 100, step: 10 }] });
  assert.equal(parseValue(stepped, '30').ok, true);
  assert.equal((parseValue(stepped, '35') as { code: number }).code, 9007);
  const two = T('int', { range: [{ min: -1, max: -1 }, { min: 1, max: 5 }] });
  assert.equal(parseValue(two, '-1').ok, true);
  assert.equal(parseValue(two, '0').ok, false);
});

test('integer formatting rounds numbers, wraps unsigned counters, refuses the impossible', () => {
  assert.equal(formatValue(T('unsignedInt'), 12.6), '13');
  assert.equal(formatValue(T('unsignedInt'), 2 ** 32 + 5), '5');
  assert.equal(formatValue(T('unsignedLong'), 2n ** 64n + 1n), '1');
  assert.equal(formatValue(T('unsignedLong'), '123'), '123');
  assert.throws(() => formatValue(T('unsignedInt'), -1), TypeError);
  assert.throws(() => formatValue(T('int'), 2 ** 31), TypeError);
  assert.throws(() => formatValue(T('int'), 'abc'), TypeError);
  assert.throws(() => formatValue(T('int'), NaN), TypeError);
});

test('dateTime: Dates format as UTC seconds; ACS forms with milliseconds and offsets are accepted', () => {
  const d = T('dateTime');
  assert.equal(formatValue(d, new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678))), '2025-01-02T03:04:05Z');
  assert.equal(formatValue(d, new Date(NaN)), '0001-01-01T00:00:00Z');
  assert.equal(formatValue(d, ''), '0001-01-01T00:00:00Z');
  assert.equal(formatValue(d, '0001-01-03T03:04:05'), '0001-01-03T03:04:05');
  assert.throws(() => formatValue(d, 12345), TypeError);
  for (const ok of ['1970-01-01T05:23:11.000Z', '2025-01-02T03:04:05+02:00', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z']) {
    assert.deepEqual(parseValue(d, ok), { ok: true, value: ok, text: ok }, ok);
  }
  for (const bad of ['2025-13-01T00:00:00Z', '2025-01-01', 'yesterday', '2025-01-01T25:00:00Z', '2025-01-01T00:00:00+15:00']) {
    assert.equal((parseValue(d, bad) as { code: number }).code, 9006, bad);
  }
});

test('strings: size counts characters, enum, read-only enum values and patterns are 9007', () => {
  const s = T('string', { size: [{ maxLength: 3 }] });
  assert.equal(parseValue(s, 'abc').ok, true);
  assert.equal(parseValue(s, '😀😀😀').ok, true, 'code points, not UTF-16 units');
  assert.equal((parseValue(s, 'abcd') as { code: number }).code, 9007);
  const e = T('string', { enum: ['None', 'Requested', 'Complete'], readOnlyEnum: ['Complete'] });
  assert.equal(parseValue(e, 'Requested').ok, true);
  assert.equal((parseValue(e, 'requested') as { code: number }).code, 9007);
  assert.equal((parseValue(e, 'Complete') as { code: number }).code, 9007);
  const oui = T('string', { size: [{ minLength: 6, maxLength: 6 }], pattern: ['[0-9A-F]{6}'] });
  assert.equal(parseValue(oui, '00AABB').ok, true);
  assert.equal((parseValue(oui, '00aabb') as { code: number }).code, 9007);
  const mac = T('string', { pattern: ['', '([0-9A-Fa-f][0-9A-Fa-f]:){5}([0-9A-Fa-f][0-9A-Fa-f])'] });
  assert.equal(parseValue(mac, '').ok, true);
  assert.equal(parseValue(mac, '02:fc:00:00:00:01').ok, true);
  assert.equal(parseValue(mac, '02:fc:00:00:00:01x').ok, false);
  assert.deepEqual(parseValue(T('string'), '  keep spaces '), { ok: true, value: '  keep spaces ', text: '  keep spaces ' });
});

test('lists: whitespace around commas is dropped, items and counts are checked', () => {
  const l = T('list', { itemType: 'unsignedInt', list: { maxItems: 3 }, range: [{ max: 10 }] });
  assert.deepEqual(parseValue(l, ' 1 , 2,3 '), { ok: true, value: '1,2,3', text: '1,2,3' });
  assert.deepEqual(parseValue(l, ''), { ok: true, value: '', text: '' });
  assert.equal((parseValue(l, '1,2,3,4') as { code: number }).code, 9007);
  assert.equal((parseValue(l, '1,x') as { code: number }).code, 9006);
  assert.equal((parseValue(l, '1,11') as { code: number }).code, 9007);
  const events = T('list', { itemType: 'string' });
  assert.deepEqual(parseValue(events, '1 BOOT, M Reboot'), { ok: true, value: '1 BOOT,M Reboot', text: '1 BOOT,M Reboot' });
  assert.equal(normalizeList(' a , b '), 'a,b');
  assert.equal(formatValue(events, 'a , b'), 'a,b');
});

test('base64 and hexBinary: syntax is 9006, size counts decoded bytes', () => {
  const b = T('base64', { size: [{ maxLength: 3 }] });
  assert.deepEqual(parseValue(b, 'AAEC'), { ok: true, value: 'AAEC', text: 'AAEC' });
  assert.equal((parseValue(b, 'AAECAw==') as { code: number }).code, 9007);
  assert.equal((parseValue(b, 'AAE') as { code: number }).code, 9006);
  assert.equal((parseValue(b, '!!!!') as { code: number }).code, 9006);
  const h = T('hexBinary', { size: [{ minLength: 0, maxLength: 0 }, { minLength: 2, maxLength: 2 }] });
  assert.equal(parseValue(h, '').ok, true);
  assert.equal(parseValue(h, '0aFF').ok, true);
  assert.equal((parseValue(h, '0a') as { code: number }).code, 9007);
  assert.equal((parseValue(h, 'abc') as { code: number }).code, 9006);
});

test('null values per type (what hidden parameters read as)', () => {
  assert.equal(nullValue(T('string')), '');
  assert.equal(nullValue(T('unsignedLong')), '0');
  assert.equal(nullValue(T('boolean')), 'false');
  assert.equal(nullValue(T('dateTime')), '0001-01-01T00:00:00Z');
  assert.equal(nullValue(T('list')), '');
});

// ---- properties ------------------------------------------------------------------------------

const INT_TYPES: Array<[ParamSchema['type'], bigint, bigint]> = [
  ['int', -(2n ** 31n), 2n ** 31n - 1n],
  ['unsignedInt', 0n, 2n ** 32n - 1n],
  ['long', -(2n ** 63n), 2n ** 63n - 1n],
  ['unsignedLong', 0n, 2n ** 64n - 1n],
];

test('property: every in-range integer round-trips format → parse; out of range is 9006', () => {
  for (const [type, min, max] of INT_TYPES) {
    const p = T(type);
    fc.assert(
      fc.property(fc.bigInt({ min, max }), (n) => {
        const text = formatValue(p, n);
        const r = parseValue(p, text);
        return r.ok && r.text === n.toString() && BigInt(r.value as number | bigint) === n;
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.oneof(fc.bigInt({ min: max + 1n, max: max * 4n + 10n }), fc.bigInt({ min: min * 4n - 10n, max: min - 1n })), (n) => {
        const r = parseValue(p, n.toString());
        return !r.ok && r.code === 9006;
      }),
      { numRuns: 100 },
    );
  }
});

test('property: Dates format to text that parses back to the same second', () => {
  const p = T('dateTime');
  fc.assert(
    fc.property(fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), (d) => {
      const text = formatValue(p, d);
      const r = parseValue(p, text);
      return r.ok && Math.floor(d.getTime() / 1000) * 1000 === Date.parse(text) && text === formatDate(d);
    }),
    { numRuns: 300 },
  );
});

test('property: canonical text is a fixed point (parse(parse(x).text) is the same)', () => {
  const types: ParamSchema[] = [
    T('boolean'),
    T('int'),
    T('unsignedLong'),
    T('decimal'),
    T('dateTime'),
    T('base64'),
    T('hexBinary'),
    T('list', { itemType: 'string' }),
    T('list', { itemType: 'int' }),
    T('string'),
  ];
  fc.assert(
    fc.property(fc.constantFrom(...types), fc.oneof(fc.string(), fc.integer().map(String), fc.constantFrom('true', '0', ' 1 , 2 ', 'AAEC', '0aff')), (p, s) => {
      const r = parseValue(p, s);
      if (!r.ok) return r.code === 9006 || r.code === 9007;
      const again = parseValue(p, r.text);
      return again.ok && again.text === r.text;
    }),
    { numRuns: 1000 },
  );
});

test('property: no ACS string makes any generated-schema parameter throw, only 9006/9007', () => {
  const schema = loadSchema();
  const params = Object.values(schema.file.params);
  fc.assert(
    fc.property(fc.constantFrom(...params), fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.integer().map(String)), (p, s) => {
      const r = parseValue(p, s);
      return r.ok ? typeof r.text === 'string' : r.code === 9006 || r.code === 9007;
    }),
    { numRuns: 3000 },
  );
});

test('property: booleans as the ACS may write them', () => {
  const p = T('boolean');
  fc.assert(
    fc.property(fc.boolean(), fc.boolean(), (b, numeric) => {
      const r = parseValue(p, numeric ? (b ? '1' : '0') : String(b));
      return r.ok && r.value === b && r.text === String(b);
    }),
  );
});
