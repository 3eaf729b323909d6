import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelFault, RegistrationError, createModel, type ModelBuilder } from '../../src/datamodel/index.js';
import { FakeDevice, makeModel, tempStatePath } from './helpers.js';

async function faultCode(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ModelFault) return e.code;
    throw e;
  }
  assert.fail('expected a ModelFault');
}

function values(list: Array<{ name: string; value: string }>): Record<string, string> {
  return Object.fromEntries(list.map((p) => [p.name, p.value]));
}

test('GPV: full names, partial paths (all depths), the whole tree; built-ins and NumberOfEntries', async () => {
  const dev = new FakeDevice();
  const { model } = await makeModel((b) => dev.register(b));
  const one = await model.getValues(['Device.IP.Interface.2.Name']);
  assert.deepEqual(one, [{ name: 'Device.IP.Interface.2.Name', value: 'eth0', type: 'xsd:string' }]);

  const sub = values(await model.getValues(['Device.IP.Interface.2.']));
  assert.deepEqual(sub, {
    'Device.IP.Interface.2.Enable': 'true',
    'Device.IP.Interface.2.Name': 'eth0',
    'Device.IP.Interface.2.MaxMTUSize': '1500',
    'Device.IP.Interface.2.IPv4AddressNumberOfEntries': '2',
    'Device.IP.Interface.2.IPv4Address.1.IPAddress': '192.0.2.2',
    'Device.IP.Interface.2.IPv4Address.2.IPAddress': '192.0.2.3',
  });

  const all = await model.getValues(['Device.']);
  const v = values(all);
  assert.equal(v['Device.RootDataModelVersion'], '2.19');
  assert.equal(v['Device.IP.InterfaceNumberOfEntries'], '2');
  assert.equal(v['Device.DeviceInfo.SupportedDataModelNumberOfEntries'], '1');
  assert.equal(v['Device.DeviceInfo.SupportedDataModel.1.URN'], 'urn:broadband-forum-org:tr-181-2-19-1-cwmp');
  assert.equal(v['Device.DeviceInfo.SupportedDataModel.1.URL'], 'https://www.broadband-forum.org/cwmp/tr-181-2-19-1-cwmp.xml');
  assert.equal(v['Device.ManagementServer.ParameterKey'], '');
  assert.equal(v['Device.ManagementServer.AliasBasedAddressing'], 'false');
  assert.equal(v['Device.ManagementServer.InformParameterNumberOfEntries'], '0');
  assert.equal(v['Device.DeviceInfo.UpTime'], '10');
  // xsi:type comes from the schema; names are unique; no object paths in GPV answers.
  assert.equal(all.find((p) => p.name === 'Device.DeviceInfo.UpTime')?.type, 'xsd:unsignedInt');
  assert.equal(new Set(all.map((p) => p.name)).size, all.length);
  assert.ok(all.every((p) => !p.name.endsWith('.')));
  // The empty name is the whole tree too; several names concatenate in order.
  assert.equal((await model.getValues([''])).length, all.length);
  const two = await model.getValues(['Device.DeviceInfo.SerialNumber', 'Device.RootDataModelVersion']);
  assert.deepEqual(two.map((p) => p.name), ['Device.DeviceInfo.SerialNumber', 'Device.RootDataModelVersion']);
  // A table path lists every row's parameters.
  assert.equal((await model.getValues(['Device.IP.Interface.'])).length, 5 + 6);
});

test('GPV: any unknown or malformed name faults the whole request with 9005', async () => {
  const dev = new FakeDevice();
  const { model } = await makeModel((b) => dev.register(b));
  for (const bad of [
    'Device.IP.Interface.9.Name',
    'Device.IP.Interface.2.Nope',
    'Device.IP.Interface.2.Name.',
    'Device.IP.Interface.Name',
    'Device.IP.Interface.2',
    'Device.WiFi.',
    'Device.DeviceInfo.ModelName', // in TR-181 but not registered
    'InternetGatewayDevice.',
    'Device.IP.Interface.*.Name',
    'Device..',
  ]) {
    assert.equal(await faultCode(model.getValues(['Device.DeviceInfo.SerialNumber', bad])), 9005, bad);
  }
});

test('hidden, secured and command parameters read as the null value of their type, getter never called', async () => {
  let called = 0;
  const { model } = await makeModel((b) => {
    b.object('Device.ManagementServer.', {
      params: {
        Password: { get: () => (called++, 'secret'), set: () => undefined },
        Username: { get: () => 'user' },
      },
    });
    b.table<null>('Device.IP.Interface.{i}.', { list: () => [{ key: 'a', row: null }], params: { Reset: { get: () => true } } });
  });
  const v = values(await model.getValues(['Device.']));
  assert.equal(v['Device.ManagementServer.Password'], '');
  assert.equal(v['Device.ManagementServer.Username'], 'user');
  assert.equal(v['Device.IP.Interface.1.Reset'], 'false');
  assert.equal(called, 0);
  assert.deepEqual(await model.getNames('Device.ManagementServer.Password', false), [{ name: 'Device.ManagementServer.Password', writable: true }]);
});

test('a failing getter, list() or row function degrades to null values / no rows, logged', async () => {
  const { model, warnings } = await makeModel((b) => {
    b.object('Device.DeviceInfo.', {
      params: {
        Manufacturer: { get: () => { throw new Error('boom'); } },
        ModelName: { get: async () => { throw new Error('async boom'); } },
        UpTime: { get: () => 'not a number' },
        SerialNumber: { get: () => 'ok' },
      },
    });
    b.object('Device.DeviceInfo.MemoryStatus.', { row: () => { throw new Error('no meminfo'); }, params: { Total: { get: () => 1 } } });
    b.table('Device.Hosts.Host.{i}.', { list: () => { throw new Error('no hosts'); }, params: { HostName: { get: () => 'h' } } });
  });
  const v = values(await model.getValues(['Device.']));
  assert.equal(v['Device.DeviceInfo.Manufacturer'], '');
  assert.equal(v['Device.DeviceInfo.ModelName'], '');
  assert.equal(v['Device.DeviceInfo.UpTime'], '0');
  assert.equal(v['Device.DeviceInfo.SerialNumber'], 'ok');
  assert.equal(v['Device.DeviceInfo.MemoryStatus.Total'], '0');
  assert.equal(v['Device.Hosts.HostNumberOfEntries'], '0');
  assert.equal(warnings.length, 5);
  assert.ok(warnings.some((w) => JSON.stringify(w.obj).includes('no hosts')));
  // Naming a row of the failing table explicitly is an internal error, not "no such name".
  assert.equal(await faultCode(model.getValues(['Device.Hosts.Host.1.HostName'])), 9002);
});

test('ReadContext.cache runs a loader once per request, afresh for the next request', async () => {
  let loads = 0;
  const { model } = await makeModel((b) => {
    const stat = (ctx: { cache<T>(k: string, f: () => T): Promise<T> }) => ctx.cache('stat', () => ({ n: ++loads }));
    b.object('Device.DeviceInfo.MemoryStatus.', {
      params: { Total: { get: async (_, ctx) => (await stat(ctx)).n }, Free: { get: async (_, ctx) => (await stat(ctx)).n } },
    });
  });
  const v = values(await model.getValues(['Device.DeviceInfo.MemoryStatus.']));
  assert.deepEqual(v, { 'Device.DeviceInfo.MemoryStatus.Total': '1', 'Device.DeviceInfo.MemoryStatus.Free': '1' });
  await model.getValues(['Device.DeviceInfo.MemoryStatus.Total']);
  assert.equal(loads, 2);
});

test('object rows, nested tables get their parent row, ctx.ref() gives reference paths', async () => {
  const { model } = await makeModel((b) => {
    b.object('Device.DeviceInfo.MemoryStatus.', { row: () => ({ total: 100, free: 40 }), params: { Total: { get: (r) => r.total }, Free: { get: (r) => r.free } } });
    b.table<{ name: string; routes: string[] }>('Device.Routing.Router.{i}.', {
      list: () => [{ key: 'main', row: { name: 'main', routes: ['10.0.0.0', '10.1.0.0'] } }],
      params: { Alias: { get: (r) => r.name } },
    });
    b.table<string, { routes: string[] }>('Device.Routing.Router.{i}.IPv4Forwarding.{i}.', {
      list: (router) => router.routes.map((r) => ({ key: r, row: r })),
      params: {
        DestIPAddress: { get: (r) => r },
        Interface: { get: async (_, ctx) => (ctx.ref ? await ctx.ref('Device.IP.Interface.{i}.', 'eth0') : 'no ref') },
      },
    });
    b.table<string>('Device.IP.Interface.{i}.', { list: () => ['lo', 'eth0'].map((k) => ({ key: k, row: k })), params: { Name: { get: (r) => r } } });
    b.table<string>('Device.InterfaceStack.{i}.', {
      list: () => [{ key: 's', row: 's' }],
      params: {
        HigherLayer: { get: async (_, ctx) => (await ctx.ref?.('Device.Routing.Router.1.IPv4Forwarding.{i}.', '10.1.0.0')) ?? '' },
        LowerLayer: { get: async (_, ctx) => (await ctx.ref?.('Device.IP.Interface.{i}.', 'missing')) ?? 'x' },
      },
    });
  });
  const v = values(await model.getValues(['Device.']));
  assert.equal(v['Device.DeviceInfo.MemoryStatus.Total'], '100');
  assert.equal(v['Device.Routing.Router.1.IPv4Forwarding.2.DestIPAddress'], '10.1.0.0');
  assert.equal(v['Device.Routing.Router.1.IPv4Forwarding.1.Interface'], 'Device.IP.Interface.2');
  assert.equal(v['Device.Routing.Router.1.IPv4ForwardingNumberOfEntries'], '2');
  assert.equal(v['Device.InterfaceStack.1.HigherLayer'], 'Device.Routing.Router.1.IPv4Forwarding.2');
  assert.equal(v['Device.InterfaceStack.1.LowerLayer'], '');
  assert.equal(v['Device.InterfaceStackNumberOfEntries'], '1');
});

test('GPN NextLevel=true: the empty path is just Device.; children with Writable flags', async () => {
  const dev = new FakeDevice();
  const { model } = await makeModel((b) => {
    dev.register(b);
    b.table<null>('Device.Hosts.Host.{i}.', { list: () => [{ key: 'h', row: null }], params: { HostName: { get: () => 'h' } } });
  });
  assert.deepEqual(await model.getNames('', true), [{ name: 'Device.', writable: false }]);
  const top = await model.getNames('Device.', true);
  assert.deepEqual(top, [
    { name: 'Device.RootDataModelVersion', writable: false },
    { name: 'Device.DeviceInfo.', writable: false },
    { name: 'Device.ManagementServer.', writable: false },
    { name: 'Device.IP.', writable: false },
    { name: 'Device.Hosts.', writable: false },
  ]);
  assert.deepEqual(await model.getNames('Device.IP.', true), [
    { name: 'Device.IP.InterfaceNumberOfEntries', writable: false },
    { name: 'Device.IP.Interface.', writable: true }, // AddObject allowed
  ]);
  assert.deepEqual(await model.getNames('Device.IP.Interface.', true), [
    { name: 'Device.IP.Interface.1.', writable: true }, // DeleteObject allowed
    { name: 'Device.IP.Interface.2.', writable: true },
  ]);
  assert.deepEqual(await model.getNames('Device.IP.Interface.1.', true), [
    { name: 'Device.IP.Interface.1.Enable', writable: true },
    { name: 'Device.IP.Interface.1.Name', writable: false },
    { name: 'Device.IP.Interface.1.MaxMTUSize', writable: true },
    { name: 'Device.IP.Interface.1.IPv4AddressNumberOfEntries', writable: false },
    { name: 'Device.IP.Interface.1.IPv4Address.', writable: false }, // no add()
  ]);
  assert.deepEqual(await model.getNames('Device.IP.Interface.1.IPv4Address.', true), [{ name: 'Device.IP.Interface.1.IPv4Address.1.', writable: false }]);
  assert.deepEqual(await model.getNames('Device.Hosts.Host.', true), [{ name: 'Device.Hosts.Host.1.', writable: false }]);
  assert.deepEqual(await model.getNames('Device.ManagementServer.InformParameter.', true), []);
});

test('GPN NextLevel=false: the item itself plus every object and parameter below, consistent with GPV', async () => {
  const dev = new FakeDevice();
  const { model } = await makeModel((b) => dev.register(b));
  const sub = await model.getNames('Device.IP.Interface.2.', false);
  assert.deepEqual(sub.map((p) => p.name), [
    'Device.IP.Interface.2.',
    'Device.IP.Interface.2.Enable',
    'Device.IP.Interface.2.Name',
    'Device.IP.Interface.2.MaxMTUSize',
    'Device.IP.Interface.2.IPv4AddressNumberOfEntries',
    'Device.IP.Interface.2.IPv4Address.',
    'Device.IP.Interface.2.IPv4Address.1.',
    'Device.IP.Interface.2.IPv4Address.1.IPAddress',
    'Device.IP.Interface.2.IPv4Address.2.',
    'Device.IP.Interface.2.IPv4Address.2.IPAddress',
  ]);
  assert.deepEqual(await model.getNames('Device.IP.Interface.2.Name', false), [{ name: 'Device.IP.Interface.2.Name', writable: false }]);
  const root = await model.getNames('', false);
  const device = await model.getNames('Device.', false);
  assert.deepEqual(root, device);
  assert.deepEqual(root[0], { name: 'Device.', writable: false });
  // Every object path appears before its contents; parameters match GPV's exactly.
  const gpv = (await model.getValues(['Device.'])).map((p) => p.name);
  assert.deepEqual(root.filter((p) => !p.name.endsWith('.')).map((p) => p.name), gpv);
  const objects = root.filter((p) => p.name.endsWith('.')).map((p) => p.name);
  for (const name of gpv) assert.ok(objects.includes(name.slice(0, name.lastIndexOf('.') + 1)), name);
  // Every object reported is itself a valid NextLevel path, and its children are in the full list.
  const all = new Set(root.map((p) => p.name));
  for (const o of objects) for (const c of await model.getNames(o, true)) assert.ok(all.has(c.name), c.name);
});

test('GPN faults: NextLevel=true on a parameter is 9003; unknown or malformed paths are 9005', async () => {
  const dev = new FakeDevice();
  const { model } = await makeModel((b) => dev.register(b));
  assert.equal(await faultCode(model.getNames('Device.IP.Interface.1.Name', true)), 9003);
  for (const bad of ['Device.IP.Interface.7.', 'Device.Nope.', 'Device.IP.Interface.1.Nope', 'InternetGatewayDevice.', 'Device.IP.Interface.x.', 'Device.IP.Interface.1.Name.']) {
    assert.equal(await faultCode(model.getNames(bad, false)), 9005, bad);
    assert.equal(await faultCode(model.getNames(bad, true)), 9005, bad);
  }
});

test('vendor parameters: X_ names outside the schema, string unless told otherwise', async () => {
  const { model } = await makeModel((b) => {
    b.object('Device.DeviceInfo.', {
      params: {
        X_ACME_Note: { get: () => 'hello' },
        X_ACME_Count: { get: () => 5, syntax: { type: 'unsignedInt', xsdType: 'xsd:unsignedInt' } },
      },
    });
  });
  const got = (await model.getValues(['Device.DeviceInfo.'])).filter((p) => p.name.includes('X_'));
  assert.deepEqual(got, [
    { name: 'Device.DeviceInfo.X_ACME_Count', value: '5', type: 'xsd:unsignedInt' },
    { name: 'Device.DeviceInfo.X_ACME_Note', value: 'hello', type: 'xsd:string' },
  ]);
  assert.deepEqual(await model.getNames('Device.DeviceInfo.X_ACME_Note', false), [{ name: 'Device.DeviceInfo.X_ACME_Note', writable: false }]);
});

test('registration mistakes are clear RegistrationErrors at load()', async () => {
  const cases: Array<[string, (b: ModelBuilder) => void, RegExp]> = [
    ['unknown parameter', (b) => b.object('Device.DeviceInfo.', { params: { Colour: { get: () => 'x' } } }), /not in the TR-181 schema/],
    ['unknown object', (b) => b.object('Device.WiFi.', { params: {} }), /not in the TR-181 schema this agent implements/],
    ['table as object', (b) => b.object('Device.IP.Interface.', { params: {} }), /is a table/],
    ['object as table', (b) => b.table('Device.DeviceInfo.{i}.', { list: () => [], params: {} }), /not a table/],
    ['rows without table', (b) => b.object('Device.IP.Interface.{i}.Stats.', { params: { BytesSent: { get: () => 1 } } }), /no table\(\)/],
    ['duplicate', (b) => { b.object('Device.DeviceInfo.', { params: { ModelName: { get: () => 'a' } } }); b.object('Device.DeviceInfo.', { params: { ModelName: { get: () => 'b' } } }); }, /already registered by another registration/],
    ['engine-owned', (b) => b.object('Device.ManagementServer.', { params: { ParameterKey: { get: () => 'k' } } }), /already registered by the engine/],
  ];
  for (const [what, reg, re] of cases) {
    const model = createModel({ statePath: await tempStatePath() });
    let err: unknown;
    try {
      reg(model.builder);
      await model.load();
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof RegistrationError, `${what}: ${String(err)}`);
    assert.match((err as Error).message, re, what);
  }
  assert.throws(() => createModel({ statePath: '/nonexistent/x' }).builder.object('Device.IP.Interface.{i}.', { params: {} }), RegistrationError);
});

test('a backend may replace a built-in (AliasBasedAddressing) but the model must be loaded first', async () => {
  const { model } = await makeModel((b) => b.object('Device.ManagementServer.', { params: { AliasBasedAddressing: { get: () => true } } }));
  assert.equal((await model.getValues(['Device.ManagementServer.AliasBasedAddressing']))[0].value, 'true');
  const unloaded = createModel({ statePath: await tempStatePath() });
  await assert.rejects(unloaded.getValues(['Device.']), /load\(\)/);
});

test('a backend that never answers is cut off after readTimeoutMs: null values, no rows, logged', async () => {
  const never = new Promise<never>(() => undefined);
  const { model, warnings } = await makeModel(
    (b) => {
      b.object('Device.DeviceInfo.', { params: { ModelName: { get: () => never }, SerialNumber: { get: () => 'S' } } });
      b.table('Device.Hosts.Host.{i}.', { list: () => never, params: { HostName: { get: () => 'h' } } });
    },
    { readTimeoutMs: 30 },
  );
  const t0 = Date.now();
  const v = values(await model.getValues(['Device.DeviceInfo.', 'Device.Hosts.']));
  assert.ok(Date.now() - t0 < 5000);
  assert.equal(v['Device.DeviceInfo.ModelName'], '');
  assert.equal(v['Device.DeviceInfo.SerialNumber'], 'S');
  assert.equal(v['Device.Hosts.HostNumberOfEntries'], '0');
  assert.ok(warnings.some((w) => /did not answer within 30 ms/.test(JSON.stringify(w.obj))));
  // The model is not stuck: the next operation runs.
  assert.equal((await model.getValues(['Device.DeviceInfo.SerialNumber']))[0].value, 'S');
});
