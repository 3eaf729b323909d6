import { test } from 'node:test';
import assert from 'node:assert/strict';
import { handleSetParameterAttributes } from '../../src/rpc/set-parameter-attributes.js';
import { FakeDevice, makeModel } from '../datamodel/helpers.js';

const item = (name: string, notificationChange: boolean, notification: number, accessListChange = false, accessList: string[] = []) => ({
  name,
  notificationChange,
  notification,
  accessListChange,
  accessList,
});

test('SPA applies only flagged changes, GenieACS style (empty Notification with NotificationChange=false)', async () => {
  const dev = new FakeDevice();
  const { model } = await makeModel((b) => dev.register(b));
  const ok = await handleSetParameterAttributes(
    { method: 'SetParameterAttributes', parameterList: [item('Device.IP.Interface.', true, 1), item('Device.IP.Interface.1.Enable', false, NaN, true, ['Subscriber'])] },
    { model },
  );
  assert.deepEqual(ok, { method: 'SetParameterAttributesResponse' });
  const attrs = await model.getAttributes(['Device.IP.Interface.1.Enable', 'Device.IP.Interface.2.Name']);
  assert.deepEqual(attrs, [
    { name: 'Device.IP.Interface.1.Enable', notification: 1, accessList: ['Subscriber'] },
    { name: 'Device.IP.Interface.2.Name', notification: 1, accessList: [] },
  ]);
});

test('SPA faults: 9009 active on canDeny, 9005 unknown, 9003 bad value or empty list', async () => {
  const dev = new FakeDevice();
  const { model } = await makeModel((b) => dev.register(b));
  const run = (parameterList: ReturnType<typeof item>[]) => handleSetParameterAttributes({ method: 'SetParameterAttributes', parameterList }, { model });
  const deny = await run([item('Device.DeviceInfo.UpTime', true, 2)]);
  assert.equal(deny.method === 'Fault' && `${deny.faultcode} ${deny.faultCode}`, 'Server 9009');
  const unknown = await run([item('Device.Nope', true, 1)]);
  assert.equal(unknown.method === 'Fault' && unknown.faultCode, 9005);
  const bad = await run([item('Device.DeviceInfo.UpTime', true, -1)]);
  assert.equal(bad.method === 'Fault' && bad.faultCode, 9003);
  const empty = await run([]);
  assert.equal(empty.method === 'Fault' && empty.faultCode, 9003);
});
