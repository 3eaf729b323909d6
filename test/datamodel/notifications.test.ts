import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelFault, type Model } from '../../src/datamodel/index.js';
import type { SetParameterAttributesStruct } from '../../src/cwmp/types.js';
import { FakeDevice, makeModel } from './helpers.js';

function spa(name: string, notification: number | null, accessList?: string[]): SetParameterAttributesStruct {
  return {
    name,
    notificationChange: notification !== null,
    notification: notification ?? NaN,
    accessListChange: accessList !== undefined,
    accessList: accessList ?? [],
  };
}
async function code(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ModelFault) return e.code;
    throw e;
  }
  assert.fail('expected a ModelFault');
}
async function attrs(model: Model, name: string): Promise<Record<string, [number, string[]]>> {
  return Object.fromEntries((await model.getAttributes([name])).map((a) => [a.name, [a.notification, a.accessList]]));
}
function withMgmt(dev: FakeDevice, extra: { url: string }) {
  return (b: Parameters<FakeDevice['register']>[0]) => {
    dev.register(b);
    b.object('Device.ManagementServer.', { params: { ConnectionRequestURL: { get: () => extra.url } } });
    b.stored('Device.DeviceInfo.ProvisioningCode', '');
  };
}

test('GPA defaults: 0, forced (forceEnabled/forceDefaultEnabled) 2; partial paths cover every parameter', async () => {
  const dev = new FakeDevice();
  const { model } = await makeModel(withMgmt(dev, { url: 'http://cpe:7547/' }));
  const a = await attrs(model, 'Device.DeviceInfo.');
  assert.deepEqual(a['Device.DeviceInfo.SoftwareVersion'], [2, []]);
  assert.deepEqual(a['Device.DeviceInfo.ProvisioningCode'], [2, []]);
  assert.deepEqual(a['Device.DeviceInfo.UpTime'], [0, []]);
  assert.deepEqual(await attrs(model, 'Device.ManagementServer.ConnectionRequestURL'), { 'Device.ManagementServer.ConnectionRequestURL': [2, []] });
  assert.equal((await model.getAttributes([''])).length, (await model.getValues(['Device.'])).length);
  assert.equal(await code(model.getAttributes(['Device.Nope'])), 9005);
});

test('SPA: change flags, canDeny refuses active (9009), forceEnabled stays active, bad values faulted, all or nothing', async () => {
  const dev = new FakeDevice();
  const { model } = await makeModel(withMgmt(dev, { url: 'u' }));
  await model.setAttributes([spa('Device.IP.Interface.1.Enable', 2, ['Subscriber']), spa('Device.DeviceInfo.UpTime', 1)]);
  assert.deepEqual(await attrs(model, 'Device.IP.Interface.1.Enable'), { 'Device.IP.Interface.1.Enable': [2, ['Subscriber']] });
  // NotificationChange=false leaves Notification alone even though the value (NaN, GenieACS's empty element) is junk.
  await model.setAttributes([spa('Device.IP.Interface.1.Enable', null, [])]);
  assert.deepEqual(await attrs(model, 'Device.IP.Interface.1.Enable'), { 'Device.IP.Interface.1.Enable': [2, []] });
  assert.equal(await code(model.setAttributes([spa('Device.DeviceInfo.UpTime', 2)])), 9009);
  assert.equal(await code(model.setAttributes([spa('Device.DeviceInfo.UpTime', 5)])), 9009);
  assert.equal(await code(model.setAttributes([spa('Device.DeviceInfo.UpTime', 7)])), 9003);
  assert.equal(await code(model.setAttributes([spa('Device.DeviceInfo.Nope', 1)])), 9005);
  // A failing entry means no entry is applied.
  assert.equal(await code(model.setAttributes([spa('Device.IP.Interface.2.Enable', 1), spa('Device.Nope.', 1)])), 9005);
  assert.deepEqual(await attrs(model, 'Device.IP.Interface.2.Enable'), { 'Device.IP.Interface.2.Enable': [0, []] });
  // On a partial path, canDeny parameters are skipped instead of failing the request.
  await model.setAttributes([spa('Device.DeviceInfo.', 2)]);
  const di = await attrs(model, 'Device.DeviceInfo.');
  assert.deepEqual(di['Device.DeviceInfo.UpTime'], [1, []]);
  assert.deepEqual(di['Device.DeviceInfo.Manufacturer'], [2, []]);
  // forceEnabled cannot be switched off; forceDefaultEnabled can.
  await model.setAttributes([spa('Device.DeviceInfo.SoftwareVersion', 0), spa('Device.ManagementServer.ConnectionRequestURL', 0)]);
  assert.deepEqual((await attrs(model, 'Device.DeviceInfo.SoftwareVersion'))['Device.DeviceInfo.SoftwareVersion'], [2, []]);
  assert.deepEqual((await attrs(model, 'Device.ManagementServer.ConnectionRequestURL'))['Device.ManagementServer.ConnectionRequestURL'], [0, []]);
});

test('attributes and notification baselines survive a new Model on the same file', async () => {
  const dev = new FakeDevice();
  const { model, statePath } = await makeModel(withMgmt(dev, { url: 'u' }));
  await model.setAttributes([spa('Device.IP.Interface.2.MaxMTUSize', 1, ['Subscriber']), spa('Device.ManagementServer.ConnectionRequestURL', 0)]);
  assert.deepEqual(await model.pollChanges(), []); // baselines for forced parameters
  // "Reboot" into a new software version with a changed MTU.
  dev.softwareVersion = '2.0.0';
  dev.ifaces[1].mtu = 1400;
  const { model: m2 } = await makeModel(withMgmt(dev, { url: 'u' }), { statePath });
  assert.deepEqual(await attrs(m2, 'Device.IP.Interface.2.MaxMTUSize'), { 'Device.IP.Interface.2.MaxMTUSize': [1, ['Subscriber']] });
  assert.deepEqual((await attrs(m2, 'Device.ManagementServer.ConnectionRequestURL'))['Device.ManagementServer.ConnectionRequestURL'], [0, []]);
  assert.deepEqual(
    (await m2.pollChanges()).map((c) => [c.name, c.value, c.notification]),
    [
      ['Device.IP.Interface.2.MaxMTUSize', '1400', 1],
      ['Device.DeviceInfo.SoftwareVersion', '2.0.0', 2],
    ].sort((a, b) => (a[0] < b[0] ? 1 : -1)),
  );
});

test('pollChanges: passive and active changes until markReported; a value seen first is only a baseline', async () => {
  const dev = new FakeDevice();
  const mgmt = { url: 'http://10.0.0.1:7547/' };
  const { model } = await makeModel(withMgmt(dev, mgmt));
  assert.deepEqual(await model.pollChanges(), []);
  await model.setAttributes([spa('Device.IP.Interface.1.Enable', 1), spa('Device.IP.Interface.2.MaxMTUSize', 2)]);
  assert.deepEqual(await model.pollChanges(), [], 'turning notification on takes the current value as the baseline');
  dev.ifaces[0].enable = false;
  dev.ifaces[1].mtu = 9000;
  mgmt.url = 'http://10.0.0.2:7547/';
  const changes = await model.pollChanges();
  const got = Object.fromEntries(changes.map((c) => [c.name, [c.value, c.notification, c.type]]));
  assert.deepEqual(got, {
    'Device.IP.Interface.1.Enable': ['false', 1, 'xsd:boolean'],
    'Device.IP.Interface.2.MaxMTUSize': ['9000', 2, 'xsd:unsignedInt'],
    'Device.ManagementServer.ConnectionRequestURL': ['http://10.0.0.2:7547/', 2, 'xsd:string'],
  });
  assert.equal((await model.pollChanges()).length, 3, 'still pending until reported');
  // The value changes again after the Inform was built: only what was reported is marked.
  dev.ifaces[1].mtu = 9100;
  await model.markReported(changes);
  assert.deepEqual((await model.pollChanges()).map((c) => [c.name, c.value]), [['Device.IP.Interface.2.MaxMTUSize', '9100']]);
  // Back to the reported value: nothing to report. Notification 0: never reported.
  dev.ifaces[1].mtu = 9000;
  await model.setAttributes([spa('Device.IP.Interface.1.Enable', 0)]);
  dev.ifaces[0].enable = true;
  assert.deepEqual(await model.pollChanges(), []);
});

test('changes made by the ACS (SPV, AddObject, DeleteObject, noteAcsWrite) never notify; local ones do', async () => {
  const dev = new FakeDevice();
  const { model } = await makeModel(withMgmt(dev, { url: 'u' }));
  await model.setAttributes([
    spa('Device.IP.Interface.1.Enable', 2),
    spa('Device.IP.InterfaceNumberOfEntries', 2),
    spa('Device.DeviceInfo.ProvisioningCode', 0),
  ]);
  await model.pollChanges();
  await model.setValues(
    [
      { name: 'Device.IP.Interface.1.Enable', value: 'false' },
      { name: 'Device.DeviceInfo.ProvisioningCode', value: 'P1' },
    ],
    'k',
  );
  await model.addObject('Device.IP.Interface.', 'k2');
  assert.deepEqual(await model.pollChanges(), []);
  await model.deleteObject('Device.IP.Interface.3.', 'k3');
  assert.deepEqual(await model.pollChanges(), []);
  // Something else on the device changes the same things: reported.
  dev.ifaces[0].enable = true;
  dev.ifaces.push({ name: 'tun0', enable: true, mtu: 1400, addrs: [] });
  await model.setLocal([{ name: 'Device.DeviceInfo.ProvisioningCode', value: 'LOCAL' }]);
  const names = (await model.pollChanges()).map((c) => `${c.name}=${c.value}`).sort();
  assert.deepEqual(names, ['Device.DeviceInfo.ProvisioningCode=LOCAL', 'Device.IP.Interface.1.Enable=true', 'Device.IP.InterfaceNumberOfEntries=3']);
  // A change the agent makes on the ACS's behalf (e.g. after a Download) can be excluded too.
  dev.softwareVersion = '9.9';
  await model.noteAcsWrite(['Device.DeviceInfo.', 'Device.Not.A.Path']);
  assert.ok(!(await model.pollChanges()).some((c) => c.name === 'Device.DeviceInfo.SoftwareVersion'));
});

test('informParameters: forced parameters once, then matching InformParameter entries (wildcards, partial paths)', async () => {
  const dev = new FakeDevice();
  const { model } = await makeModel(withMgmt(dev, { url: 'http://cpe/' }));
  const forced = (await model.informParameters(['1 BOOT'])).map((p) => p.name);
  assert.deepEqual(forced, [
    'Device.RootDataModelVersion',
    'Device.DeviceInfo.HardwareVersion',
    'Device.DeviceInfo.SoftwareVersion',
    'Device.DeviceInfo.ProvisioningCode',
    'Device.ManagementServer.ParameterKey',
    'Device.ManagementServer.ConnectionRequestURL',
    'Device.ManagementServer.AliasBasedAddressing',
  ]);
  const add = async (name: string, events: string, enable = 'true') => {
    const { instanceNumber: n } = await model.addObject('Device.ManagementServer.InformParameter.', '');
    const base = `Device.ManagementServer.InformParameter.${n}.`;
    await model.setValues(
      [
        { name: base + 'Enable', value: enable },
        { name: base + 'ParameterName', value: name },
        { name: base + 'EventList', value: events },
      ],
      '',
    );
  };
  await add('Device.IP.Interface.*.Name', '');
  await add('Device.IP.Interface.2.IPv4Address.', '2 PERIODIC, M Reboot');
  await add('Device.DeviceInfo.UpTime', '1 BOOT', 'false');
  await add('Device.IP.Interface.1.Name', '1 BOOT'); // also matched by the '*' entry: listed once
  await add('Device.No.Such.Thing', '');
  await assert.rejects(add('Device.ManagementServer.ParameterKey', '1 BOOT'), (e: ModelFault) => e.parameterFaults?.[0].code === 9007);
  const extra = (events: string[]) => model.informParameters(events).then((l) => l.slice(7).map((p) => `${p.name}=${p.value}`));
  assert.deepEqual(await extra(['1 BOOT']), ['Device.IP.Interface.1.Name=lo', 'Device.IP.Interface.2.Name=eth0']);
  assert.deepEqual(await extra(['4 VALUE CHANGE']), [], 'an empty EventList excludes 4 VALUE CHANGE');
  assert.deepEqual(await extra(['M Reboot', '4 VALUE CHANGE']), [
    'Device.IP.Interface.1.Name=lo',
    'Device.IP.Interface.2.Name=eth0',
    'Device.IP.Interface.2.IPv4Address.1.IPAddress=192.0.2.2',
    'Device.IP.Interface.2.IPv4Address.2.IPAddress=192.0.2.3',
  ]);
  const all = await model.informParameters(['1 BOOT']);
  assert.equal(new Set(all.map((p) => p.name)).size, all.length);
});
