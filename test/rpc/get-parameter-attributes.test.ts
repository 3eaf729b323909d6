import { test } from 'node:test';
import assert from 'node:assert/strict';
import { handleGetParameterAttributes } from '../../src/rpc/get-parameter-attributes.js';
import { FakeDevice, makeModel } from '../datamodel/helpers.js';

test('GPA: full names and partial paths; 9005 for unknown names', async () => {
  const dev = new FakeDevice();
  const { model } = await makeModel((b) => dev.register(b));
  const r = await handleGetParameterAttributes({ method: 'GetParameterAttributes', parameterNames: ['Device.IP.Interface.1.', 'Device.DeviceInfo.SoftwareVersion'] }, { model });
  assert.equal(r.method, 'GetParameterAttributesResponse');
  if (r.method !== 'GetParameterAttributesResponse') return;
  assert.deepEqual(r.parameterList.at(-1), { name: 'Device.DeviceInfo.SoftwareVersion', notification: 2, accessList: [] });
  assert.deepEqual(r.parameterList[0], { name: 'Device.IP.Interface.1.Enable', notification: 0, accessList: [] });
  assert.equal(r.parameterList.length, 6);
  const bad = await handleGetParameterAttributes({ method: 'GetParameterAttributes', parameterNames: ['Device.IP.Interface.5.'] }, { model });
  assert.equal(bad.method === 'Fault' && bad.faultCode, 9005);
});
