import { test } from 'node:test';
import assert from 'node:assert/strict';
import { handleAddObject } from '../../src/rpc/add-object.js';
import { FakeDevice, makeModel } from '../datamodel/helpers.js';

test('AddObject returns the instance number, sets ParameterKey, reports the new path', async () => {
  const dev = new FakeDevice();
  const { model } = await makeModel((b) => dev.register(b));
  const writes: string[][] = [];
  const r = await handleAddObject({ method: 'AddObject', objectName: 'Device.IP.Interface.', parameterKey: 'add' }, { model, onAcsWrite: (p) => writes.push(p) });
  assert.deepEqual(r, { method: 'AddObjectResponse', instanceNumber: 3, status: 0 });
  assert.deepEqual(writes, [['Device.IP.Interface.3.']]);
  assert.equal(model.parameterKey(), 'add');
});

test('AddObject on a read-only table or unknown path is 9005; ParameterKey unchanged', async () => {
  const dev = new FakeDevice();
  const { model } = await makeModel((b) => dev.register(b));
  for (const objectName of ['Device.IP.Interface.1.IPv4Address.', 'Device.DeviceInfo.', 'InternetGatewayDevice.LANDevice.']) {
    const r = await handleAddObject({ method: 'AddObject', objectName, parameterKey: 'x' }, { model });
    assert.equal(r.method === 'Fault' && `${r.faultcode} ${r.faultCode}`, 'Client 9005', objectName);
  }
  assert.equal(model.parameterKey(), '');
});
