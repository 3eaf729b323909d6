import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadSchema } from '../../src/datamodel/index.js';
import { parsePath, genericOf, isVendorPath } from '../../src/datamodel/path.js';

const run = promisify(execFile);
const generated = new URL('../../src/datamodel/generated/', import.meta.url);

test('the generated schema is Device:2.19 with the areas we implement and without the excluded ones', () => {
  const s = loadSchema();
  assert.equal(s.version, '2.19');
  assert.equal(s.model, 'Device:2.19');
  assert.equal(s.spec, 'urn:broadband-forum-org:tr-181-2-19-1-cwmp');
  for (const o of [
    'Device.',
    'Device.DeviceInfo.MemoryStatus.',
    'Device.DeviceInfo.ProcessStatus.Process.{i}.',
    'Device.DeviceInfo.TemperatureStatus.TemperatureSensor.{i}.',
    'Device.DeviceInfo.VendorConfigFile.{i}.',
    'Device.DeviceInfo.SupportedDataModel.{i}.',
    'Device.DeviceInfo.FirmwareImage.{i}.',
    'Device.ManagementServer.InformParameter.{i}.',
    'Device.ManagementServer.AutonomousTransferCompletePolicy.',
    'Device.ManagementServer.HeartbeatPolicy.',
    'Device.Time.',
    'Device.Ethernet.Interface.{i}.Stats.',
    'Device.IP.Interface.{i}.IPv4Address.{i}.',
    'Device.IP.Interface.{i}.IPv6Address.{i}.',
    'Device.IP.Interface.{i}.Stats.',
    'Device.DNS.Client.Server.{i}.',
    'Device.Routing.Router.{i}.IPv4Forwarding.{i}.',
    'Device.Routing.Router.{i}.IPv6Forwarding.{i}.',
    'Device.Hosts.Host.{i}.IPv4Address.{i}.',
    'Device.InterfaceStack.{i}.',
  ]) {
    assert.ok(s.object(o), o);
  }
  for (const o of ['Device.ManagementServer.ManageableDevice.{i}.', 'Device.ManagementServer.StandbyPolicy.', 'Device.WiFi.', 'Device.IP.Diagnostics.']) {
    assert.equal(s.object(o), undefined, o);
  }
  // A NumberOfEntries whose table is out of scope is dropped with it.
  assert.equal(s.param('Device.ManagementServer.ManageableDeviceNumberOfEntries'), undefined);
  assert.ok(s.param('Device.ManagementServer.InformParameterNumberOfEntries'));
});

test('facts the engine relies on survive generation', () => {
  const s = loadSchema();
  const forced = Object.entries(s.file.params).filter(([, p]) => p.forcedInform).map(([k]) => k).sort();
  assert.deepEqual(forced, [
    'Device.DeviceInfo.HardwareVersion',
    'Device.DeviceInfo.ProvisioningCode',
    'Device.DeviceInfo.SoftwareVersion',
    'Device.ManagementServer.AliasBasedAddressing',
    'Device.ManagementServer.ConnectionRequestURL',
    'Device.ManagementServer.ParameterKey',
    'Device.RootDataModelVersion',
  ]);
  assert.equal(s.param('Device.ManagementServer.Password')?.hidden, true);
  assert.equal(s.param('Device.DeviceInfo.SoftwareVersion')?.activeNotify, 'forceEnabled');
  assert.equal(s.param('Device.ManagementServer.ConnectionRequestURL')?.activeNotify, 'forceDefaultEnabled');
  assert.equal(s.param('Device.DeviceInfo.UpTime')?.activeNotify, 'canDeny');
  assert.deepEqual(s.param('Device.ManagementServer.PeriodicInformInterval')?.range, [{ min: 1 }]);
  assert.equal(s.param('Device.ManagementServer.EnableCWMP')?.default?.value, 'true');
  assert.equal(s.param('Device.Ethernet.Interface.{i}.Stats.BytesSent')?.xsdType, 'xsd:unsignedLong');
  assert.equal(s.object('Device.IP.Interface.{i}.')?.numEntriesParameter, 'InterfaceNumberOfEntries');
  assert.equal(s.param('Device.IP.Interface.{i}.Reset')?.command, true);
  // BBF order is kept: objects and parameters rank in document order.
  assert.ok(s.rank('Device.DeviceInfo.Manufacturer') < s.rank('Device.DeviceInfo.SerialNumber'));
});

test('the BBF licence ships beside the generated schema', async () => {
  const licence = await readFile(new URL('LICENSE-BBF', generated), 'utf8');
  assert.match(licence, /Broadband Forum/);
  const json = JSON.parse(await readFile(new URL('tr181.json', generated), 'utf8')) as { meta: Record<string, unknown> };
  assert.match(String(json.meta.licence), /LICENSE-BBF/);
  assert.match(String(json.meta.generatedFrom), /35da1133c049c71228eac6f7bdf981c378c3506a/);
});

test('scripts/gen-schema.ts reproduces the committed schema byte for byte', async (t) => {
  const source = new URL('../../../shared/bbf/tr181-cwmp.json', import.meta.url);
  if (!existsSync(source)) {
    t.skip('../shared/bbf is not available here');
    return;
  }
  const out = await mkdtemp(join(tmpdir(), 'tr069-gen-'));
  await run(process.execPath, ['--import', 'tsx', 'scripts/gen-schema.ts', '--out', out], { cwd: new URL('../../', import.meta.url) });
  assert.equal(await readFile(join(out, 'tr181.json'), 'utf8'), await readFile(new URL('tr181.json', generated), 'utf8'));
  assert.equal(await readFile(join(out, 'LICENSE-BBF'), 'utf8'), await readFile(new URL('LICENSE-BBF', generated), 'utf8'));
});

test('paths: names, partial paths, instance numbers and what is malformed', () => {
  assert.deepEqual(parsePath('Device.IP.Interface.3.Name'), {
    text: 'Device.IP.Interface.3.Name',
    segments: ['Device', 'IP', 'Interface', '3', 'Name'],
    partial: false,
    generic: 'Device.IP.Interface.{i}.Name',
  });
  assert.equal(parsePath('Device.')?.generic, 'Device.');
  assert.equal(parsePath('Device.IP.Interface.12.')?.generic, 'Device.IP.Interface.{i}.');
  assert.equal(parsePath('Device')?.partial, false);
  for (const bad of ['', '.', 'Device..IP.', 'InternetGatewayDevice.', 'Device.IP.Interface.0.', 'Device.IP.Interface.01.', 'Device.IP.Interface.[a].', 'Device.IP.Interface.*.', 'Device.IP.Interface.4294967296.', 'Device.I P.', '.Device.', 'Device.' + 'X'.repeat(300)]) {
    assert.equal(parsePath(bad), null, bad);
  }
  assert.equal(parsePath('Device.X_ACME-Foo.Bar')?.generic, 'Device.X_ACME-Foo.Bar');
  assert.equal(genericOf('Device.IP.Interface.3.IPv4Address.12.IPAddress'), 'Device.IP.Interface.{i}.IPv4Address.{i}.IPAddress');
  assert.equal(isVendorPath('Device.DeviceInfo.X_ACME_Thing'), true);
  assert.equal(isVendorPath('Device.DeviceInfo.ModelName'), false);
});
