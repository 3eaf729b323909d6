import { test } from 'node:test';
import assert from 'node:assert/strict';
import { handleGetParameterNames } from '../../src/rpc/get-parameter-names.js';
import { FakeDevice, makeModel } from '../datamodel/helpers.js';

test('GPN: root discovery, NextLevel children, whole subtree', async () => {
  const dev = new FakeDevice();
  const { model } = await makeModel((b) => dev.register(b));
  const ctx = { model };
  assert.deepEqual(await handleGetParameterNames({ method: 'GetParameterNames', parameterPath: '', nextLevel: true }, ctx), {
    method: 'GetParameterNamesResponse',
    parameterList: [{ name: 'Device.', writable: false }],
  });
  const r = await handleGetParameterNames({ method: 'GetParameterNames', parameterPath: 'Device.IP.Interface.', nextLevel: false }, ctx);
  assert.equal(r.method, 'GetParameterNamesResponse');
  if (r.method !== 'GetParameterNamesResponse') return;
  assert.deepEqual(r.parameterList.slice(0, 3), [
    { name: 'Device.IP.Interface.', writable: true },
    { name: 'Device.IP.Interface.1.', writable: true },
    { name: 'Device.IP.Interface.1.Enable', writable: true },
  ]);
});

test('GPN faults: 9003 for NextLevel on a parameter, 9005 for unknown paths', async () => {
  const dev = new FakeDevice();
  const { model } = await makeModel((b) => dev.register(b));
  const a = await handleGetParameterNames({ method: 'GetParameterNames', parameterPath: 'Device.IP.Interface.1.Name', nextLevel: true }, { model });
  assert.equal(a.method === 'Fault' && a.faultCode, 9003);
  const b = await handleGetParameterNames({ method: 'GetParameterNames', parameterPath: 'InternetGatewayDevice.', nextLevel: true }, { model });
  assert.equal(b.method === 'Fault' && b.faultCode, 9005);
});
