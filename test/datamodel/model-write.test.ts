import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { BackendError, ModelFault, type ModelBuilder } from '../../src/datamodel/index.js';
import { FakeDevice, makeModel } from './helpers.js';

async function fault(p: Promise<unknown>): Promise<ModelFault> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ModelFault) return e;
    throw e;
  }
  assert.fail('expected a ModelFault');
}
const val = async (m: { getValues(n: string[]): Promise<Array<{ value: string }>> }, n: string): Promise<string> => (await m.getValues([n]))[0].value;

test('SPV applies every value, sets ParameterKey, converts types for setters, persists', async () => {
  const dev = new FakeDevice();
  const { model, statePath } = await makeModel((b) => {
    dev.register(b);
    b.stored('Device.DeviceInfo.ProvisioningCode', 'init');
  });
  const r = await model.setValues(
    [
      { name: 'Device.IP.Interface.1.Enable', value: '0', type: 'xsd:boolean' },
      { name: 'Device.DeviceInfo.ProvisioningCode', value: 'ABC', type: 'xsd:string' },
    ],
    'key-1',
  );
  assert.deepEqual(r, { status: 0 });
  assert.deepEqual(dev.sets, ['lo.Enable=false']);
  assert.equal(dev.ifaces[0].enable, false);
  assert.equal(model.parameterKey(), 'key-1');
  assert.equal(await val(model, 'Device.ManagementServer.ParameterKey'), 'key-1');
  assert.equal(await val(model, 'Device.DeviceInfo.ProvisioningCode'), 'ABC');
  const saved = JSON.parse(await readFile(statePath, 'utf8')) as { parameterKey: string; stored: Record<string, string> };
  assert.equal(saved.parameterKey, 'key-1');
  assert.equal(saved.stored['Device.DeviceInfo.ProvisioningCode'], 'ABC');
  assert.equal((await stat(statePath)).mode & 0o777, 0o600);
  // An empty list still records the ParameterKey; a mismatching xsi:type is fine if the text converts.
  await model.setValues([{ name: 'Device.IP.Interface.2.MaxMTUSize', value: '1500', type: 'xsd:string' }], 'key-2');
  assert.equal(model.parameterKey(), 'key-2');
  await model.setValues([], 'key-3');
  assert.equal(model.parameterKey(), 'key-3');
});

test('SPV is all or nothing: per-parameter faults 9005/9006/9007/9008 under 9003, nothing changes', async () => {
  const dev = new FakeDevice();
  const { model, statePath } = await makeModel((b) => {
    dev.register(b);
    b.stored('Device.DeviceInfo.ProvisioningCode', 'init');
  });
  await model.setValues([], 'before');
  await model.getValues(['Device.']);
  const fileBefore = await readFile(statePath, 'utf8');
  const f = await fault(
    model.setValues(
      [
        { name: 'Device.DeviceInfo.ProvisioningCode', value: 'NEW' }, // valid on its own
        { name: 'Device.IP.Interface.1.Enable', value: 'yes' }, // 9006
        { name: 'Device.IP.Interface.9.Enable', value: 'true' }, // 9005 no such row
        { name: 'Device.IP.Interface.1.', value: 'x' }, // 9005 partial path
        { name: 'Device.IP.Interface.1.Name', value: 'x' }, // 9008 read-only
        { name: 'Device.IP.Interface.1.MaxMTUSize', value: '-1' }, // 9006 unsignedInt
        { name: 'Device.DeviceInfo.UpTime', value: '5' }, // 9008
        { name: 'Device.ManagementServer.InformParameter.1.Enable', value: 'true' }, // 9005
      ],
      'after',
    ),
  );
  assert.equal(f.code, 9003);
  assert.deepEqual(
    f.parameterFaults?.map((p) => [p.name, p.code]),
    [
      ['Device.IP.Interface.1.Enable', 9006],
      ['Device.IP.Interface.9.Enable', 9005],
      ['Device.IP.Interface.1.', 9005],
      ['Device.IP.Interface.1.Name', 9008],
      ['Device.IP.Interface.1.MaxMTUSize', 9006],
      ['Device.DeviceInfo.UpTime', 9008],
      ['Device.ManagementServer.InformParameter.1.Enable', 9005],
    ],
  );
  assert.deepEqual(dev.sets, []);
  assert.equal(await readFile(statePath, 'utf8'), fileBefore);
  assert.equal(model.parameterKey(), 'before');
  assert.equal(await val(model, 'Device.DeviceInfo.ProvisioningCode'), 'init');
  // Out of range for the schema (ProvisioningCode is string(64)).
  const long = await fault(model.setValues([{ name: 'Device.DeviceInfo.ProvisioningCode', value: 'x'.repeat(65) }], 'k'));
  assert.deepEqual(long.parameterFaults?.map((p) => p.code), [9007]);
});

test('SPV: the same name twice is 9003 for the whole request; an over-long ParameterKey is 9003', async () => {
  const dev = new FakeDevice();
  const { model } = await makeModel((b) => dev.register(b));
  const f = await fault(
    model.setValues(
      [
        { name: 'Device.IP.Interface.1.Enable', value: 'false' },
        { name: 'Device.IP.Interface.1.Enable', value: 'true' },
      ],
      'k',
    ),
  );
  assert.equal(f.code, 9003);
  assert.equal(f.parameterFaults, undefined);
  assert.equal((await fault(model.setValues([], 'k'.repeat(33)))).code, 9003);
  assert.deepEqual(dev.sets, []);
  assert.equal(model.parameterKey(), '');
});

test('SPV: a setter failing midway rolls back the ones applied (old values), 9002, key unchanged', async () => {
  const dev = new FakeDevice();
  const { model, warnings } = await makeModel((b) => {
    dev.register(b);
    b.stored('Device.DeviceInfo.ProvisioningCode', 'init');
  });
  dev.failSet = 'eth0.Enable';
  const f = await fault(
    model.setValues(
      [
        { name: 'Device.IP.Interface.1.Enable', value: 'false' },
        { name: 'Device.DeviceInfo.ProvisioningCode', value: 'NEW' },
        { name: 'Device.IP.Interface.1.MaxMTUSize', value: '1400' },
        { name: 'Device.IP.Interface.2.Enable', value: 'false' },
      ],
      'k',
    ),
  );
  assert.equal(f.code, 9002);
  assert.match(f.message, /Device\.IP\.Interface\.2\.Enable.*device refused/);
  assert.deepEqual(dev.sets, ['lo.Enable=false', 'lo.MaxMTUSize=1400', 'lo.MaxMTUSize=65535', 'lo.Enable=true']);
  assert.equal(dev.ifaces[0].enable, true);
  assert.equal(dev.ifaces[0].mtu, 65535);
  assert.equal(model.parameterKey(), '');
  assert.equal(await val(model, 'Device.DeviceInfo.ProvisioningCode'), 'init');
  assert.equal(warnings.length, 0);
});

test('SPV: Status 1 only when a changed value needs a reboot', async () => {
  const dev = new FakeDevice();
  const { model } = await makeModel((b) => dev.register(b));
  assert.deepEqual(await model.setValues([{ name: 'Device.IP.Interface.1.MaxMTUSize', value: '65535' }], ''), { status: 0 });
  assert.deepEqual(await model.setValues([{ name: 'Device.IP.Interface.1.MaxMTUSize', value: '9000' }], ''), { status: 1 });
});

test('SPV: validate() hooks, BackendError codes and onCommit batches', async () => {
  const committed: string[] = [];
  let staged: Record<string, string> = {};
  let failCommit = false;
  const settings = { Username: 'u', URL: 'http://acs' };
  const { model } = await makeModel((b: ModelBuilder) => {
    const param = (k: 'Username' | 'URL') => ({
      get: () => staged[k] ?? settings[k],
      set: (_: unknown, v: unknown, ctx: { onCommit?(key: string, fn: () => void): void }) => {
        staged = { ...staged, [k]: String(v) };
        ctx.onCommit?.('settings', () => {
          if (failCommit) throw new BackendError(9001, 'settings file is locked');
          Object.assign(settings, staged);
          committed.push(JSON.stringify(staged));
          staged = {};
        });
      },
      validate: (v: unknown) => (k === 'URL' && !/^https?:\/\//.test(String(v)) ? 'URL must be http or https' : undefined),
    });
    b.object('Device.ManagementServer.', {
      params: {
        Username: param('Username'),
        URL: param('URL'),
        STUNServerAddress: { get: () => '', set: () => { throw new BackendError(9007, 'no such host'); } },
      },
    });
  });
  await model.setValues(
    [
      { name: 'Device.ManagementServer.Username', value: 'alice' },
      { name: 'Device.ManagementServer.URL', value: 'https://acs.example' },
    ],
    'k1',
  );
  assert.deepEqual(committed, ['{"Username":"alice","URL":"https://acs.example"}'], 'one commit for the batch');
  const bad = await fault(model.setValues([{ name: 'Device.ManagementServer.URL', value: 'ftp://x' }], 'k2'));
  assert.deepEqual(bad.parameterFaults, [{ name: 'Device.ManagementServer.URL', code: 9007, message: 'URL must be http or https' }]);
  const setterFault = await fault(model.setValues([{ name: 'Device.ManagementServer.STUNServerAddress', value: 'h' }], 'k3'));
  assert.equal(setterFault.code, 9003);
  assert.deepEqual(setterFault.parameterFaults?.map((p) => p.code), [9007]);
  failCommit = true;
  const commitFault = await fault(model.setValues([{ name: 'Device.ManagementServer.Username', value: 'bob' }], 'k4'));
  assert.equal(commitFault.code, 9001);
  assert.equal(settings.Username, 'alice');
  assert.equal(model.parameterKey(), 'k1');
});

test('AddObject/DeleteObject: instance numbers, ParameterKey, NumberOfEntries, faults', async () => {
  const dev = new FakeDevice();
  const { model } = await makeModel((b) => dev.register(b));
  const a = await model.addObject('Device.IP.Interface.', 'add-1');
  assert.deepEqual(a, { instanceNumber: 3, status: 0 });
  assert.equal(model.parameterKey(), 'add-1');
  assert.equal(await val(model, 'Device.IP.InterfaceNumberOfEntries'), '3');
  assert.equal(await val(model, 'Device.IP.Interface.3.Name'), 'x1');
  assert.deepEqual(await model.deleteObject('Device.IP.Interface.3.', 'del-1'), { status: 0 });
  assert.equal(model.parameterKey(), 'del-1');
  assert.equal(await val(model, 'Device.IP.InterfaceNumberOfEntries'), '2');
  // A deleted number is not handed out again.
  assert.equal((await model.addObject('Device.IP.Interface.', 'add-2')).instanceNumber, 4);
  for (const [name, code] of [
    ['Device.IP.Interface.3.', 9005], // gone
    ['Device.IP.Interface.99.', 9005],
    ['Device.IP.Interface.', 9005], // a table, not an instance
    ['Device.IP.Interface.1.IPv4Address.1.', 9005], // table without remove()
    ['Device.IP.Interface.1.Name', 9005],
  ] as const) {
    assert.equal((await fault(model.deleteObject(name, 'x'))).code, code, name);
  }
  for (const name of ['Device.IP.Interface.1.', 'Device.IP.Interface.1.IPv4Address.', 'Device.DeviceInfo.', 'Device.Nope.', 'Device.IP.Interface']) {
    assert.equal((await fault(model.addObject(name, 'x'))).code, 9005, name);
  }
  assert.equal(model.parameterKey(), 'add-2');
});

test('AddObject respects maxEntries (9004); backend failures are 9002 and change nothing', async () => {
  const { model } = await makeModel((b) => {
    b.storedTable('Device.DeviceInfo.Location.{i}.', { maxEntries: 1 });
    b.table('Device.Hosts.Host.{i}.', { list: () => [], params: {}, add: () => { throw new Error('disk full'); } });
  });
  await model.addObject('Device.DeviceInfo.Location.', 'k1');
  assert.equal((await fault(model.addObject('Device.DeviceInfo.Location.', 'k2'))).code, 9004);
  assert.equal((await fault(model.addObject('Device.Hosts.Host.', 'k3'))).code, 9005, 'Hosts.Host is read-only in TR-181');
  assert.equal(model.parameterKey(), 'k1');
});

test('engine-stored tables: defaults, writes, delete, and everything survives a new Model', async () => {
  const first = await makeModel();
  const { model, statePath } = first;
  const { instanceNumber: n1 } = await model.addObject('Device.ManagementServer.InformParameter.', 'a');
  const { instanceNumber: n2 } = await model.addObject('Device.ManagementServer.InformParameter.', 'b');
  assert.deepEqual([n1, n2], [1, 2]);
  const row = Object.fromEntries((await model.getValues(['Device.ManagementServer.InformParameter.1.'])).map((p) => [p.name.split('.').pop(), p.value]));
  assert.deepEqual(row, { Enable: 'false', Alias: 'cpe-1', ParameterName: '', EventList: '' });
  await model.setValues(
    [
      { name: 'Device.ManagementServer.InformParameter.2.ParameterName', value: 'Device.DeviceInfo.UpTime' },
      { name: 'Device.ManagementServer.InformParameter.2.Enable', value: '1' },
    ],
    'c',
  );
  await model.deleteObject('Device.ManagementServer.InformParameter.1.', 'd');
  // Forced Inform parameters and '4 VALUE CHANGE' are refused with 9007.
  const f = await fault(
    model.setValues(
      [
        { name: 'Device.ManagementServer.InformParameter.2.ParameterName', value: 'Device.DeviceInfo.SoftwareVersion' },
        { name: 'Device.ManagementServer.InformParameter.2.EventList', value: '1 BOOT, 4 VALUE CHANGE' },
      ],
      'e',
    ),
  );
  assert.deepEqual(f.parameterFaults?.map((p) => p.code), [9007, 9007]);

  const again = await makeModel(() => undefined, { statePath });
  const m2 = again.model;
  assert.equal(m2.parameterKey(), 'd');
  assert.deepEqual(await m2.getNames('Device.ManagementServer.InformParameter.', true), [{ name: 'Device.ManagementServer.InformParameter.2.', writable: true }]);
  assert.equal(await val(m2, 'Device.ManagementServer.InformParameter.2.ParameterName'), 'Device.DeviceInfo.UpTime');
  assert.equal(await val(m2, 'Device.ManagementServer.InformParameter.2.Enable'), 'true');
  assert.equal((await m2.addObject('Device.ManagementServer.InformParameter.', 'f')).instanceNumber, 3);
});

test('instance numbers persist across a new Model and are never reused while the row exists', async () => {
  const dev = new FakeDevice();
  const { statePath } = await makeModel((b) => dev.register(b)).then(async (r) => {
    await r.model.getValues(['Device.']);
    return r;
  });
  // New order and a new interface: existing rows keep their numbers, the new one gets the next.
  dev.ifaces = [dev.ifaces[1], { name: 'wlan0', enable: true, mtu: 1500, addrs: [] }, dev.ifaces[0]];
  const { model } = await makeModel((b) => dev.register(b), { statePath });
  const names = Object.fromEntries((await model.getValues(['Device.IP.Interface.'])).filter((p) => p.name.endsWith('.Name')).map((p) => [p.name, p.value]));
  assert.deepEqual(names, { 'Device.IP.Interface.1.Name': 'lo', 'Device.IP.Interface.2.Name': 'eth0', 'Device.IP.Interface.3.Name': 'wlan0' });
  // A row that disappears and comes back keeps its number (ppp0 flapping).
  dev.ifaces = dev.ifaces.filter((i) => i.name !== 'wlan0');
  await model.getValues(['Device.IP.']);
  dev.ifaces.push({ name: 'ppp0', enable: true, mtu: 1492, addrs: [] });
  await model.getValues(['Device.IP.']);
  dev.ifaces.push({ name: 'wlan0', enable: true, mtu: 1500, addrs: [] });
  const again = (await model.getValues(['Device.IP.Interface.'])).filter((p) => p.name.endsWith('.Name')).map((p) => `${p.name}=${p.value}`);
  assert.deepEqual(again, ['Device.IP.Interface.1.Name=lo', 'Device.IP.Interface.2.Name=eth0', 'Device.IP.Interface.3.Name=wlan0', 'Device.IP.Interface.4.Name=ppp0']);
  // Nested tables number per parent row.
  const addrs = (await model.getNames('Device.IP.Interface.2.IPv4Address.', true)).map((p) => p.name);
  assert.deepEqual(addrs, ['Device.IP.Interface.2.IPv4Address.1.', 'Device.IP.Interface.2.IPv4Address.2.']);
});

test('rows gone for long are forgotten with their attributes; ephemeral tables never touch the file', async () => {
  let hosts = ['h0'];
  let procs = [1, 2, 3];
  const { model, statePath } = await makeModel((b) => {
    b.table<string>('Device.Hosts.Host.{i}.', { list: () => hosts.map((h) => ({ key: h, row: h })), params: { HostName: { get: (h) => h } } });
    b.table<number>('Device.DeviceInfo.ProcessStatus.Process.{i}.', {
      list: () => procs.map((p) => ({ key: String(p), row: p })),
      params: { PID: { get: (p) => p } },
      ephemeral: true,
    });
  });
  await model.setAttributes([{ name: 'Device.Hosts.Host.1.HostName', notificationChange: true, notification: 1, accessListChange: false, accessList: [] }]);
  for (let i = 1; i <= 20; i++) {
    hosts = [`h${i}`];
    await model.getValues(['Device.Hosts.']);
  }
  const state = JSON.parse(await readFile(statePath, 'utf8')) as { instances: Record<string, { next: number; keys: object; gone?: string[] }>; attributes: object };
  assert.equal(state.instances['Device.Hosts.Host.'].next, 22);
  assert.ok((state.instances['Device.Hosts.Host.'].gone?.length ?? 0) <= 16);
  assert.deepEqual(state.attributes, {}, 'attributes of the long-gone row were pruned');
  hosts = ['h0'];
  assert.equal((await model.getNames('Device.Hosts.Host.', true))[0].name, 'Device.Hosts.Host.22.', 'evicted key gets a new number');

  const before = await readFile(statePath, 'utf8');
  for (let i = 0; i < 5; i++) {
    procs = [1, 2, 3 + i];
    await model.getValues(['Device.DeviceInfo.ProcessStatus.']);
  }
  assert.equal(await readFile(statePath, 'utf8'), before);
  assert.deepEqual((await model.getNames('Device.DeviceInfo.ProcessStatus.Process.', true)).map((p) => p.name.split('.')[4]), ['1', '2', '7']);
});

test('a corrupt state file is a clear error; a read-only model never writes', async () => {
  const { statePath } = await makeModel();
  await writeFile(statePath, '{"version": 7}');
  await assert.rejects(makeModel(() => undefined, { statePath }), /unsupported model state version/);
  await writeFile(statePath, JSON.stringify({ version: 1, parameterKey: 'p', instances: { 'Device.IP.Interface.': { next: 1, keys: { lo: 5 } } } }));
  const dev = new FakeDevice();
  const { model } = await makeModel((b) => dev.register(b), { statePath, readOnly: true });
  const before = await readFile(statePath, 'utf8');
  // The counter is repaired past the highest number in use.
  assert.deepEqual((await model.getNames('Device.IP.Interface.', true)).map((p) => p.name), ['Device.IP.Interface.5.', 'Device.IP.Interface.6.']);
  assert.equal((await fault(model.setValues([], 'x'))).code, 9001);
  assert.equal(await readFile(statePath, 'utf8'), before);
  assert.equal(model.parameterKey(), 'p');
});

test('setLocal: same checks, ParameterKey untouched; factoryReset forgets ParameterKey and stored values', async () => {
  const { model, statePath } = await makeModel((b) => b.stored('Device.DeviceInfo.ProvisioningCode', 'init'));
  await model.setValues([], 'acs-key');
  await model.setLocal([{ name: 'Device.DeviceInfo.ProvisioningCode', value: 'LOCAL' }]);
  assert.equal(model.parameterKey(), 'acs-key');
  assert.equal(await val(model, 'Device.DeviceInfo.ProvisioningCode'), 'LOCAL');
  assert.equal((await fault(model.setLocal([{ name: 'Device.DeviceInfo.UpTime', value: '1' }]))).code, 9003);
  await model.factoryReset();
  assert.equal(model.parameterKey(), '');
  assert.equal(await val(model, 'Device.DeviceInfo.ProvisioningCode'), 'init');
  assert.equal((JSON.parse(await readFile(statePath, 'utf8')) as { parameterKey: string }).parameterKey, '');
});
