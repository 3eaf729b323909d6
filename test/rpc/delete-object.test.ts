import { test } from 'node:test';
import assert from 'node:assert/strict';
import { handleDeleteObject } from '../../src/rpc/delete-object.js';
import { FakeDevice, makeModel } from '../datamodel/helpers.js';

test('DeleteObject removes the row and what is below it; the number stays retired', async () => {
  const dev = new FakeDevice();
  const { model } = await makeModel((b) => dev.register(b));
  await model.setAttributes([{ name: 'Device.IP.Interface.2.Name', notificationChange: true, notification: 1, accessListChange: false, accessList: [] }]);
  const writes: string[][] = [];
  const r = await handleDeleteObject({ method: 'DeleteObject', objectName: 'Device.IP.Interface.2.', parameterKey: 'del' }, { model, onAcsWrite: (p) => writes.push(p) });
  assert.deepEqual(r, { method: 'DeleteObjectResponse', status: 0 });
  assert.deepEqual(dev.ifaces.map((i) => i.name), ['lo']);
  assert.deepEqual(writes, [['Device.IP.Interface.2.']]);
  assert.equal(model.parameterKey(), 'del');
  assert.deepEqual(await model.getNames('Device.IP.Interface.', true), [{ name: 'Device.IP.Interface.1.', writable: true }]);
  // Re-adding eth0 later gives it a new number, without the old attributes.
  dev.ifaces.push({ name: 'eth0', enable: true, mtu: 1500, addrs: [] });
  assert.deepEqual(await model.getAttributes(['Device.IP.Interface.3.Name']), [{ name: 'Device.IP.Interface.3.Name', notification: 0, accessList: [] }]);
});

test('DeleteObject of an unknown instance or a table path is 9005; ParameterKey unchanged', async () => {
  const dev = new FakeDevice();
  const { model } = await makeModel((b) => dev.register(b));
  for (const objectName of ['Device.IP.Interface.7.', 'Device.IP.Interface.', 'Device.IP.Interface.1.IPv4Address.1.', 'Device.IP.Interface.1.Name']) {
    const r = await handleDeleteObject({ method: 'DeleteObject', objectName, parameterKey: 'x' }, { model });
    assert.equal(r.method === 'Fault' && r.faultCode, 9005, objectName);
  }
  assert.equal(model.parameterKey(), '');
});

test('a backend failing to delete is 9002 and keeps the row and its number', async () => {
  const dev = new FakeDevice();
  const { model } = await makeModel((b) => dev.register(b));
  dev.failRemove = true;
  const r = await handleDeleteObject({ method: 'DeleteObject', objectName: 'Device.IP.Interface.1.', parameterKey: 'x' }, { model });
  assert.equal(r.method === 'Fault' && `${r.faultcode} ${r.faultCode}`, 'Server 9002');
  assert.deepEqual((await model.getNames('Device.IP.Interface.', true)).map((p) => p.name), ['Device.IP.Interface.1.', 'Device.IP.Interface.2.']);
  assert.equal(model.parameterKey(), '');
});
