// Reads THIS machine through the Linux backend (read-only: no setter is called). Only facts every
// Linux host has are asserted; the rest must merely be of the right type or absent.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { readIdentity, registerLinuxBackend } from '../../src/backends/linux/index.js';
import { FakeModel } from './fake-model.js';

describe('smoke: the real machine', () => {
  it('has an identity fit for the Inform DeviceId, the same on every read', async () => {
    const deps = { settings: () => ({}) };
    const id = await readIdentity(deps);
    assert.match(id.oui, /^[0-9A-F]{6}$/);
    for (const k of ['manufacturer', 'productClass', 'serialNumber'] as const) {
      assert.equal(typeof id[k], 'string');
      assert.ok(id[k].length > 0 && id[k].length <= 64, `${k} = ${JSON.stringify(id[k])}`);
    }
    assert.deepEqual(await readIdentity({ settings: () => ({}) }), id);
  });

  it('reads every registered parameter without an error, with the right JS types', async () => {
    const model = new FakeModel();
    registerLinuxBackend(model, { settings: () => ({}) });
    const { values, generic, errors } = await model.readAll();
    assert.equal(errors.size, 0, [...errors].map(([p, e]) => `${p}: ${String(e)}`).join('\n'));
    const v = (p: string) => values.get(p);
    assert.equal(typeof v('Device.DeviceInfo.SoftwareVersion'), 'string');
    assert.ok((v('Device.DeviceInfo.UpTime') as number) > 0);
    assert.ok((v('Device.DeviceInfo.MemoryStatus.Total') as number) > 0);
    assert.ok((v('Device.DeviceInfo.MemoryStatus.Free') as number) <= (v('Device.DeviceInfo.MemoryStatus.Total') as number));
    const cpu = v('Device.DeviceInfo.ProcessStatus.CPUUsage') as number;
    assert.ok(Number.isInteger(cpu) && cpu >= 0 && cpu <= 100);
    // this very process is in the table
    const pids = [...values].filter(([p]) => p.endsWith('.PID')).map(([, x]) => x);
    assert.ok(pids.includes(process.pid));
    // every Linux has a loopback interface
    const ipNames = [...values].filter(([p]) => /^Device\.IP\.Interface\.\d+\.Name$/.test(p)).map(([, x]) => x);
    assert.ok(ipNames.includes('lo'), `IP interfaces: ${ipNames.join(', ')}`);
    for (const [p, x] of values) {
      const g = generic.get(p)!;
      if (/\.Stats\.(Bytes|Packets)(Sent|Received)$/.test(g)) assert.equal(typeof x, 'bigint', p);
      if (/\.(Enable|Active|Upstream|Loopback)$/.test(g)) assert.equal(typeof x, 'boolean', p);
    }
    assert.ok(v('Device.Time.CurrentLocalTime'));
  });
});
