// The schema helper other tests rely on must really fail on bad messages (and without xmllint).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode, NS_CWMP_1_2 } from '../../src/cwmp/index.js';
import { assertValidCwmp } from '../helpers/schema.js';

const good = encode({ ns: NS_CWMP_1_2, header: { id: '1' }, body: { method: 'RebootResponse' } });

test('accepts a valid message, a list of them, and an empty list', () => {
  assertValidCwmp(good);
  assertValidCwmp([good, good]);
  assertValidCwmp([]);
});

test('rejects a misspelled RPC with xmllint’s message and names the message', () => {
  const bad = good.replace(/RebootResponse/g, 'RebootResponze');
  assert.throws(
    () => assertValidCwmp([good, bad]),
    (e: Error) => /RebootResponze/.test(e.message) && /message 1/.test(e.message) && !/message 0 /.test(e.message),
  );
});

test('rejects a schema violation inside a known RPC (lower-case OUI, missing arrayType)', () => {
  const inform = encode({
    ns: NS_CWMP_1_2,
    header: { id: '1' },
    body: {
      method: 'Inform',
      deviceId: { manufacturer: 'm', oui: '00005e', productClass: '', serialNumber: 's' },
      event: [{ eventCode: '1 BOOT', commandKey: '' }],
      maxEnvelopes: 1,
      currentTime: '2025-01-01T00:00:00Z',
      retryCount: 0,
      parameterList: [],
    },
  });
  assert.throws(() => assertValidCwmp(inform), /OUI/);
  const noArrayType = encode({ ns: NS_CWMP_1_2, header: {}, body: { method: 'GetRPCMethodsResponse', methodList: ['Inform'] } }).replace(
    / soap-enc:arrayType="[^"]*"/,
    '',
  );
  assert.throws(() => assertValidCwmp(noArrayType), /arrayType/);
});

test('rejects a Value that does not match its xsi:type and ill-formed XML', () => {
  const gpv = encode({
    ns: NS_CWMP_1_2,
    header: {},
    body: { method: 'GetParameterValuesResponse', parameterList: [{ name: 'A', value: '-5', type: 'xsd:unsignedInt' }] },
  });
  assert.throws(() => assertValidCwmp(gpv), /unsignedInt/);
  assert.throws(() => assertValidCwmp(good.replace('</soap-env:Body>', '')), /not well-formed/);
});

test('fails loudly, not silently, when xmllint is missing', () => {
  const emptyPath = mkdtempSync(join(tmpdir(), 'no-xmllint-'));
  try {
    const script = `import { assertValidCwmp } from ${JSON.stringify(new URL('../helpers/schema.ts', import.meta.url).href)};
try { assertValidCwmp('<x/>'); console.log('NO ERROR'); } catch (e) { console.log(e.message); }`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, PATH: emptyPath },
      cwd: join(import.meta.dirname, '..', '..'), // the repository, where tsx is installed
      timeout: 30_000,
    });
    assert.match(r.stdout, /xmllint is not installed/);
    assert.match(r.stdout, /libxml2-utils/);
  } finally {
    rmSync(emptyPath, { recursive: true, force: true });
  }
});
