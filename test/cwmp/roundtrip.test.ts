import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode, type MethodName } from '../../src/cwmp/index.js';
import { assertValidCwmp } from '../helpers/schema.js';
import { SAMPLES, allSamples, expectedAfterRoundTrip } from './samples.js';

test('every method name in types.ts has at least one sample', () => {
  for (const [method, list] of Object.entries(SAMPLES) as [MethodName, unknown[]][]) {
    assert.ok(list.length > 0, `no sample for ${method}`);
  }
});

for (const { label, env } of allSamples()) {
  test(`round trip: ${label}`, () => {
    const xml = encode(env);
    const r = decode(xml);
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.ok(r.ok);
    assert.deepEqual(r.envelope, expectedAfterRoundTrip(env));
  });
}

test('every encoded sample is valid against the BBF schemas (one xmllint run)', () => {
  const xml = allSamples()
    .filter(({ env }) => env.body.method !== 'Unknown') // vendor RPCs have no schema
    .map(({ env }) => encode(env));
  assert.ok(xml.length > 50);
  assertValidCwmp(xml);
});

test('a Value without a type round-trips as xsd:string', () => {
  const xml = encode({
    ns: 'urn:dslforum-org:cwmp-1-2',
    header: {},
    body: { method: 'GetParameterValuesResponse', parameterList: [{ name: 'A.b', value: 'v' }] },
  });
  assert.match(xml, /<Value xsi:type="xsd:string">v<\/Value>/);
  const r = decode(xml);
  assert.ok(r.ok && r.envelope !== null);
  assert.deepEqual(r.envelope.body, { method: 'GetParameterValuesResponse', parameterList: [{ name: 'A.b', value: 'v', type: 'xsd:string' }] });
});
