import { test } from 'node:test';
import assert from 'node:assert/strict';
import { handleSetParameterValues } from '../../src/rpc/set-parameter-values.js';
import type { SetParameterValues } from '../../src/cwmp/types.js';
import { FakeDevice, makeModel } from '../datamodel/helpers.js';

const spv = (parameterList: SetParameterValues['parameterList'], parameterKey = 'pk'): SetParameterValues => ({
  method: 'SetParameterValues',
  parameterList,
  parameterKey,
});

test('SPV success: Status 0/1, ParameterKey, onAcsWrite with the names', async () => {
  const dev = new FakeDevice();
  const { model } = await makeModel((b) => dev.register(b));
  const writes: string[][] = [];
  const ctx = { model, onAcsWrite: (p: string[]) => writes.push(p) };
  assert.deepEqual(await handleSetParameterValues(spv([{ name: 'Device.IP.Interface.1.Enable', value: '0', type: 'xsd:boolean' }], 'k1'), ctx), {
    method: 'SetParameterValuesResponse',
    status: 0,
  });
  assert.deepEqual(await handleSetParameterValues(spv([{ name: 'Device.IP.Interface.2.MaxMTUSize', value: '1400', type: 'xsd:unsignedInt' }], 'k2'), ctx), {
    method: 'SetParameterValuesResponse',
    status: 1,
  });
  assert.deepEqual(writes, [['Device.IP.Interface.1.Enable'], ['Device.IP.Interface.2.MaxMTUSize']]);
  assert.equal(model.parameterKey(), 'k2');
});

test('SPV failure: 9003 with per-parameter faults, nothing applied, no onAcsWrite', async () => {
  const dev = new FakeDevice();
  const { model } = await makeModel((b) => dev.register(b));
  const writes: string[][] = [];
  const r = await handleSetParameterValues(
    spv([
      { name: 'Device.IP.Interface.1.Enable', value: 'false' },
      { name: 'Device.IP.Interface.1.Name', value: 'x' },
      { name: 'Device.IP.Interface.1.MaxMTUSize', value: 'big' },
    ]),
    { model, onAcsWrite: (p) => writes.push(p) },
  );
  assert.equal(r.method, 'Fault');
  if (r.method !== 'Fault') return;
  assert.deepEqual([r.faultcode, r.faultCode, r.faultString], ['Client', 9003, 'Invalid arguments']);
  assert.deepEqual(r.setParameterValuesFault?.map((f) => [f.parameterName, f.faultCode]), [
    ['Device.IP.Interface.1.Name', 9008],
    ['Device.IP.Interface.1.MaxMTUSize', 9006],
  ]);
  assert.deepEqual(dev.sets, []);
  assert.deepEqual(writes, []);
  assert.equal(model.parameterKey(), '');
});

test('SPV: setter failure midway is rolled back and answered 9002 (Server)', async () => {
  const dev = new FakeDevice();
  const { model } = await makeModel((b) => dev.register(b));
  dev.failMtu = 1234;
  const r = await handleSetParameterValues(
    spv([
      { name: 'Device.IP.Interface.1.Enable', value: 'false' },
      { name: 'Device.IP.Interface.1.MaxMTUSize', value: '1234' },
    ]),
    { model },
  );
  assert.equal(r.method === 'Fault' && `${r.faultcode} ${r.faultCode}`, 'Server 9002');
  assert.equal(dev.ifaces[0].enable, true);
  assert.equal(model.parameterKey(), '');
});

test('SPV: the same parameter twice is 9003 without per-parameter faults', async () => {
  const dev = new FakeDevice();
  const { model } = await makeModel((b) => dev.register(b));
  const p = { name: 'Device.IP.Interface.1.Enable', value: 'false' };
  const r = await handleSetParameterValues(spv([p, p]), { model });
  assert.equal(r.method === 'Fault' && r.faultCode, 9003);
  assert.equal(r.method === 'Fault' && r.setParameterValuesFault, undefined);
});
