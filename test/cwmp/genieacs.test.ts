// Real GenieACS messages (test/fixtures/genieacs, copied from shared/interop) decode to the expected RPCs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode, encode, NS_CWMP_1_0, type Envelope, type Message } from '../../src/cwmp/index.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'genieacs', 'acs-to-cpe');

const EXPECTED: Record<string, { id: string; body: Message }> = {
  InformResponse: { id: 'ugtp37ng', body: { method: 'InformResponse', maxEnvelopes: 1 } },
  GetParameterNames: {
    id: '1a21276ff830000',
    body: { method: 'GetParameterNames', parameterPath: 'InternetGatewayDevice.', nextLevel: true },
  },
  GetParameterValues: {
    id: '1a21276ff830006',
    body: {
      method: 'GetParameterValues',
      parameterNames: ['InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.MACAddress'],
    },
  },
  SetParameterValues: {
    id: '1a212777ff20002',
    body: {
      method: 'SetParameterValues',
      parameterList: [
        { name: 'InternetGatewayDevice.DeviceInfo.X_HUAWEI_ServiceManage.TelnetEnable', value: 'false', type: 'xsd:boolean' },
      ],
      parameterKey: '',
    },
  },
  GetParameterAttributes: {
    id: '1a21277d8570000',
    body: { method: 'GetParameterAttributes', parameterNames: ['InternetGatewayDevice.ManagementServer.PeriodicInformInterval'] },
  },
  AddObject: {
    id: '1a21277841f0000',
    body: {
      method: 'AddObject',
      objectName: 'InternetGatewayDevice.LANDevice.1.LANHostConfigManagement.DHCPConditionalServingPool.',
      parameterKey: '',
    },
  },
  DeleteObject: {
    id: '1a2127786340000',
    body: {
      method: 'DeleteObject',
      objectName: 'InternetGatewayDevice.LANDevice.1.LANHostConfigManagement.DHCPConditionalServingPool.3.',
      parameterKey: '',
    },
  },
  Download: {
    id: '1a2127788450000',
    body: {
      method: 'Download',
      commandKey: '1a2127788450000',
      fileType: '1 Firmware Upgrade Image',
      url: 'http://127.0.0.1:7567/fw.bin',
      username: '',
      password: '',
      fileSize: 0,
      targetFileName: '',
      delaySeconds: 0,
      successUrl: '',
      failureUrl: '',
    },
  },
  Reboot: { id: '1a2127796200000', body: { method: 'Reboot', commandKey: '' } },
  FactoryReset: { id: '1a21277a3ee0000', body: { method: 'FactoryReset' } },
  TransferCompleteResponse: { id: 'o5qstok8', body: { method: 'TransferCompleteResponse' } },
};

/** Splits a raw HTTP response into status and body. */
function httpBody(raw: string): { status: number; body: string } {
  const sep = raw.indexOf('\r\n\r\n');
  assert.ok(sep > 0, 'no header/body separator');
  return { status: Number(raw.slice(9, 12)), body: raw.slice(sep + 4) };
}

const xmlFiles = readdirSync(DIR).filter((f) => f.endsWith('.xml'));

test('the fixture set is the one we expect (one expectation per file)', () => {
  assert.deepEqual(xmlFiles.map((f) => f.replace('.xml', '')).sort(), Object.keys(EXPECTED).sort());
});

for (const file of xmlFiles) {
  const name = file.replace('.xml', '');
  test(`GenieACS ${name}: .xml and .http body decode to the expected RPC`, () => {
    const want: Envelope = { ns: NS_CWMP_1_0, header: { id: EXPECTED[name].id }, body: EXPECTED[name].body };
    const xml = readFileSync(join(DIR, file), 'utf8');
    const r = decode(xml);
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.envelope, want);
    const http = httpBody(readFileSync(join(DIR, `${name}.http`), 'utf8'));
    assert.equal(http.status, 200);
    assert.deepEqual(decode(http.body), r);
    // And our encoding of the same message decodes to the same thing.
    assert.deepEqual(decode(encode(want)), { ok: true, envelope: want });
  });
}

test('GenieACS 204 that ends the session has an empty body → envelope null', () => {
  const http = httpBody(readFileSync(join(DIR, 'EmptyResponse-204.http'), 'utf8'));
  assert.equal(http.status, 204);
  assert.deepEqual(decode(http.body), { ok: true, envelope: null });
});
