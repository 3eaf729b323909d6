// Property tests over random device shapes and random SPV batches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ModelFault } from '../../src/datamodel/index.js';
import { FakeDevice, makeModel } from './helpers.js';

const shape = fc.array(
  fc.record({ mtu: fc.integer({ min: 68, max: 9000 }), addrs: fc.uniqueArray(fc.integer({ min: 1, max: 254 }), { maxLength: 3 }) }),
  { maxLength: 4 },
);

test('property: GPN(NextLevel=false) = the closure of NextLevel=true walks, and its parameters = GPV', async () => {
  await fc.assert(
    fc.asyncProperty(shape, async (ifaces) => {
      const dev = new FakeDevice();
      dev.ifaces = ifaces.map((s, i) => ({ name: `if${i}`, enable: true, mtu: s.mtu, addrs: s.addrs.map((a) => `10.0.${i}.${a}`) }));
      const { model } = await makeModel((b) => dev.register(b));
      const full = await model.getNames('', false);
      const walked: string[] = [];
      const queue = ['Device.'];
      while (queue.length > 0) {
        const path = queue.shift() as string;
        walked.push(path);
        for (const c of await model.getNames(path, true)) {
          if (c.name.endsWith('.')) queue.push(c.name);
          else walked.push(c.name);
        }
      }
      assert.deepEqual([...walked].sort(), full.map((p) => p.name).sort());
      const gpv = (await model.getValues(['Device.'])).map((p) => p.name);
      assert.deepEqual(full.filter((p) => !p.name.endsWith('.')).map((p) => p.name), gpv);
      const counts = await model.getValues(['Device.IP.InterfaceNumberOfEntries']);
      assert.equal(counts[0].value, String(ifaces.length));
    }),
    { numRuns: 25 },
  );
});

const entry = fc.record({
  iface: fc.integer({ min: 1, max: 3 }), // 3 does not exist
  param: fc.constantFrom('Enable', 'MaxMTUSize', 'Name'),
  value: fc.constantFrom('true', '0', '1500', '-1', 'x', '9000', ''),
});

test('property: an SPV batch is applied entirely (with its key) or not at all', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(entry, { maxLength: 5 }), fc.option(fc.constantFrom('lo', 'eth0')), async (batch, failing) => {
      const dev = new FakeDevice();
      const { model } = await makeModel((b) => dev.register(b));
      if (failing) dev.failSet = `${failing}.Enable`;
      const snapshot = () => JSON.stringify(dev.ifaces);
      const before = snapshot();
      const list = batch.map((e) => ({ name: `Device.IP.Interface.${e.iface}.${e.param}`, value: e.value }));
      try {
        await model.setValues(list, 'new-key');
      } catch (e) {
        assert.ok(e instanceof ModelFault);
        assert.ok([9002, 9003].includes(e.code));
        assert.equal(snapshot(), before, 'a failed batch leaves the device as it was');
        assert.equal(model.parameterKey(), '');
        return;
      }
      assert.equal(model.parameterKey(), 'new-key');
      // Every value asked for is now what the device reports (last write wins is impossible: no duplicates).
      const now = Object.fromEntries((await model.getValues(['Device.IP.Interface.'])).map((p) => [p.name, p.value]));
      for (const e of list) {
        const expect = e.value === '0' ? 'false' : e.value;
        assert.equal(now[e.name], expect, e.name);
      }
    }),
    { numRuns: 150 },
  );
});
