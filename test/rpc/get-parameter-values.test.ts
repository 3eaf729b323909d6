import { test } from 'node:test';
import assert from 'node:assert/strict';
import { handleGetParameterValues } from '../../src/rpc/get-parameter-values.js';
import { FakeDevice, makeModel } from '../datamodel/helpers.js';

test('GPV answers values with xsi:types; partial paths expand; secrets read empty', async () => {
  const dev = new FakeDevice();
  const { model } = await makeModel((b) => {
    dev.register(b);
    b.object('Device.ManagementServer.', { params: { ConnectionRequestPassword: { get: () => 'pw', set: () => undefined } } });
  });
  const r = await handleGetParameterValues(
    { method: 'GetParameterValues', parameterNames: ['Device.IP.Interface.1.Enable', 'Device.ManagementServer.'] },
    { model },
  );
  assert.equal(r.method, 'GetParameterValuesResponse');
  if (r.method !== 'GetParameterValuesResponse') return;
  assert.deepEqual(r.parameterList[0], { name: 'Device.IP.Interface.1.Enable', value: 'true', type: 'xsd:boolean' });
  assert.deepEqual(
    r.parameterList.find((p) => p.name === 'Device.ManagementServer.ConnectionRequestPassword'),
    { name: 'Device.ManagementServer.ConnectionRequestPassword', value: '', type: 'xsd:string' },
  );
  const empty = await handleGetParameterValues({ method: 'GetParameterValues', parameterNames: [] }, { model });
  assert.deepEqual(empty, { method: 'GetParameterValuesResponse', parameterList: [] });
});

test('GPV with one unknown name is a 9005 Client fault for the whole request', async () => {
  const dev = new FakeDevice();
  const { model } = await makeModel((b) => dev.register(b));
  const r = await handleGetParameterValues(
    { method: 'GetParameterValues', parameterNames: ['Device.IP.Interface.1.Enable', 'InternetGatewayDevice.DeviceInfo.'] },
    { model },
  );
  assert.equal(r.method, 'Fault');
  if (r.method !== 'Fault') return;
  assert.deepEqual([r.faultcode, r.faultCode], ['Client', 9005]);
  assert.match(r.faultString, /InternetGatewayDevice/);
});

test('GPV larger than the answer limit is 9004', async () => {
  const dev = new FakeDevice();
  const { model } = await makeModel((b) => dev.register(b), { maxResults: 5 });
  const r = await handleGetParameterValues({ method: 'GetParameterValues', parameterNames: ['Device.'] }, { model });
  assert.equal(r.method === 'Fault' && r.faultCode, 9004);
});
