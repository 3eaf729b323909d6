import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelFault } from '../../src/datamodel/index.js';
import { cwmpFault, faultFromError, faultString, faultcodeOf } from '../../src/rpc/faults.js';

test('Client for faults the request causes, Server for the rest (TR-069 table)', () => {
  for (const c of [9003, 9005, 9006, 9007, 9008]) assert.equal(faultcodeOf(c), 'Client', String(c));
  for (const c of [9000, 9001, 9002, 9004, 9009, 9010, 9011, 9019, 9801]) assert.equal(faultcodeOf(c), 'Server', String(c));
});

test('standard fault strings, overridable by a message', () => {
  assert.deepEqual(cwmpFault(9005), {
    method: 'Fault',
    faultcode: 'Client',
    faultstring: 'CWMP fault',
    faultCode: 9005,
    faultString: 'Invalid parameter name',
  });
  assert.equal(cwmpFault(9002, 'disk full').faultString, 'disk full');
  assert.equal(faultString(9008), 'Attempt to set a non-writable parameter');
  assert.equal(faultString(9850), 'Vendor-specific fault');
});

test('SetParameterValues faults carry one SetParameterValuesFault per parameter', () => {
  const f = cwmpFault(9003, undefined, [
    { name: 'Device.A', code: 9007, message: 'out of range' },
    { name: 'Device.B', code: 9008 },
  ]);
  assert.equal(f.faultString, 'Invalid arguments');
  assert.deepEqual(f.setParameterValuesFault, [
    { parameterName: 'Device.A', faultCode: 9007, faultString: 'out of range' },
    { parameterName: 'Device.B', faultCode: 9008, faultString: 'Attempt to set a non-writable parameter' },
  ]);
  assert.equal(cwmpFault(9003).setParameterValuesFault, undefined);
});

test('errors become faults: ModelFault keeps its code, anything else is a logged 9002 without details', () => {
  const spv = faultFromError(new ModelFault(9003, 'Invalid arguments', [{ name: 'Device.X', code: 9006, message: 'not a boolean' }]));
  assert.equal(spv.faultCode, 9003);
  assert.equal(spv.faultString, 'Invalid arguments');
  assert.deepEqual(spv.setParameterValuesFault, [{ parameterName: 'Device.X', faultCode: 9006, faultString: 'not a boolean' }]);
  assert.equal(faultFromError(new ModelFault(9005, 'Device.Y is not a parameter')).faultString, 'Device.Y is not a parameter');
  const logged: object[] = [];
  const internal = faultFromError(new Error('secret path /etc/shadow'), { warn: (o) => logged.push(o) }, 'GetParameterValues');
  assert.deepEqual([internal.faultCode, internal.faultcode, internal.faultString], [9002, 'Server', 'Internal error']);
  assert.deepEqual(logged, [{ err: 'secret path /etc/shadow', method: 'GetParameterValues' }]);
});
