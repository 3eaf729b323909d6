// The write side of the TR-181 data model through the real daemon and the test ACS:
// SetParameterValues (atomic, ParameterKey, one truth with the CLI), Set/GetParameterAttributes,
// AddObject/DeleteObject on writable tables, and what survives a restart of the daemon.
// The tests run in order and build on each other's changes (one daemon for the file).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { AcsRequest, Message, ParameterValue, SetParameterAttributesStruct } from '../../src/cwmp/types.js';
import { runCli } from '../helpers/cli.js';
import { sendConnectionRequest } from '../acs/index.js';
import { expect, expectFault, startHarness, type Harness } from './harness.js';
import { checkValue, loadTr181 } from './tr181-check.js';

const MS = 'Device.ManagementServer.';
const DNS = 'Device.DNS.Client.Server.';
const schema = loadTr181();
let h: Harness;

before(async () => {
  h = await startHarness({ resolvConf: '# scratch resolv.conf\nnameserver 192.0.2.53\nnameserver 198.51.100.53\noptions edns0\n' });
});
after(async () => {
  await h?.close();
});

function spv(parameterKey: string, ...list: Array<[string, string, string?]>): AcsRequest {
  return {
    method: 'SetParameterValues',
    parameterKey,
    parameterList: list.map(([name, value, type]) => ({ name, value, type: type ?? 'xsd:string' })),
  };
}
const gpv = (...parameterNames: string[]): AcsRequest => ({ method: 'GetParameterValues', parameterNames });
const gpa = (...parameterNames: string[]): AcsRequest => ({ method: 'GetParameterAttributes', parameterNames });
function spa(...list: Array<Partial<SetParameterAttributesStruct> & { name: string }>): AcsRequest {
  return {
    method: 'SetParameterAttributes',
    parameterList: list.map((s) => ({
      notificationChange: s.notification !== undefined,
      notification: s.notification ?? NaN,
      accessListChange: s.accessList !== undefined,
      accessList: s.accessList ?? [],
      ...s,
    })),
  };
}

/** name → value of a GetParameterValuesResponse. */
function values(m: Message | undefined): Map<string, string> {
  const list: ParameterValue[] = expect(m, 'GetParameterValuesResponse').parameterList;
  for (const p of list) {
    const e = checkValue(schema, p.name, p.value, p.type);
    assert.equal(e, undefined, `${p.name} = ${JSON.stringify(p.value)}: ${e}`);
  }
  return new Map(list.map((p) => [p.name, p.value]));
}

async function printJson(): Promise<Record<string, unknown>> {
  const r = await runCli(['print', '--json'], { dataDir: h.dataDir });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

function nameservers(text: string): string[] {
  return text.split('\n').filter((l) => l.startsWith('nameserver')).map((l) => l.split(/\s+/)[1]);
}

test('SetParameterValues applies every value and the ParameterKey; the next Inform carries the key', async () => {
  const { answers } = await h.rpc(
    spv('spv-1', [`${MS}PeriodicInformInterval`, '300', 'xsd:unsignedInt'], [`${DNS}2.DNSServer`, '203.0.113.9']),
    gpv(`${MS}ParameterKey`, `${MS}PeriodicInformInterval`, `${DNS}2.DNSServer`, `${DNS}1.DNSServer`),
  );
  assert.equal(expect(answers[0], 'SetParameterValuesResponse').status, 0);
  const v = values(answers[1]);
  assert.equal(v.get(`${MS}ParameterKey`), 'spv-1');
  assert.equal(v.get(`${MS}PeriodicInformInterval`), '300');
  assert.equal(v.get(`${DNS}2.DNSServer`), '203.0.113.9');
  assert.equal(v.get(`${DNS}1.DNSServer`), '192.0.2.53');
  // The machine changed: the resolver file, and the client's own settings (one truth with the CLI).
  const resolv = await readFile(h.resolvConf, 'utf8');
  assert.deepEqual(nameservers(resolv), ['192.0.2.53', '203.0.113.9']);
  assert.match(resolv, /^options edns0$/m, 'other lines of resolv.conf are kept');
  assert.equal((await printJson())['periodic-inform-interval'], 300);

  const { session } = await h.rpc();
  const key = session.inform.parameterList.find((p) => p.name === `${MS}ParameterKey`);
  assert.equal(key?.value, 'spv-1', 'ParameterKey is in the next Inform');
  assert.ok(!session.inform.event.some((e) => e.eventCode === '4 VALUE CHANGE'), 'an ACS change notifies nobody');
});

test('one truth: `tr069-client set` is what GetParameterValues reads', async () => {
  const r = await runCli(['set', 'periodic-inform-interval=7m'], { dataDir: h.dataDir });
  assert.equal(r.code, 0, r.stderr);
  const { answers } = await h.rpc(gpv(`${MS}PeriodicInformInterval`));
  assert.equal(values(answers[0]).get(`${MS}PeriodicInformInterval`), '420');
});

test('SetParameterValues with one bad entry among good ones: 9003, a fault per bad parameter, nothing changed', async () => {
  const resolvBefore = await readFile(h.resolvConf, 'utf8');
  const settingsBefore = await printJson();
  const { answers } = await h.rpc(
    spv(
      'must-not-stick',
      [`${MS}PeriodicInformInterval`, '600', 'xsd:unsignedInt'],
      [`${DNS}1.DNSServer`, '203.0.113.77'],
      [`${MS}NoSuchParameter`, 'x'],
      [`${MS}PeriodicInformEnable`, 'maybe', 'xsd:boolean'],
      [`${MS}CWMPRetryIntervalMultiplier`, '5', 'xsd:unsignedInt'],
      [`${DNS}2.DNSServer`, 'not-an-address'],
      ['Device.DeviceInfo.UpTime', '5', 'xsd:unsignedInt'],
      [`${DNS}99.DNSServer`, '203.0.113.78'],
    ),
    gpv(`${MS}ParameterKey`, `${MS}PeriodicInformInterval`, DNS),
  );
  const f = expectFault(answers[0], 9003);
  assert.equal(f.faultcode, 'Client');
  assert.deepEqual(
    (f.setParameterValuesFault ?? []).map((x) => [x.parameterName, x.faultCode]),
    [
      [`${MS}NoSuchParameter`, 9005],
      [`${MS}PeriodicInformEnable`, 9006],
      [`${MS}CWMPRetryIntervalMultiplier`, 9007],
      [`${DNS}2.DNSServer`, 9007],
      ['Device.DeviceInfo.UpTime', 9008],
      [`${DNS}99.DNSServer`, 9005],
    ],
  );
  for (const x of f.setParameterValuesFault ?? []) assert.ok(x.faultString.length > 0);
  const v = values(answers[1]);
  assert.equal(v.get(`${MS}ParameterKey`), 'spv-1', 'ParameterKey unchanged');
  assert.equal(v.get(`${MS}PeriodicInformInterval`), '420');
  assert.equal(v.get(`${DNS}1.DNSServer`), '192.0.2.53');
  assert.equal(await readFile(h.resolvConf, 'utf8'), resolvBefore, 'resolv.conf untouched');
  assert.deepEqual(await printJson(), settingsBefore, 'settings untouched');
});

test('SetParameterValues that fails while applying puts back what it had already changed', async () => {
  const resolvBefore = await readFile(h.resolvConf, 'utf8');
  // Each value is fine alone; together they give two servers the same address.
  const { answers } = await h.rpc(
    spv('must-not-stick', [`${MS}PeriodicInformInterval`, '900', 'xsd:unsignedInt'], [`${DNS}1.DNSServer`, '203.0.113.50'], [`${DNS}2.DNSServer`, '203.0.113.50']),
    gpv(`${MS}ParameterKey`, `${MS}PeriodicInformInterval`),
  );
  assert.equal(answers[0]?.method, 'Fault');
  const v = values(answers[1]);
  assert.equal(v.get(`${MS}ParameterKey`), 'spv-1');
  assert.equal(v.get(`${MS}PeriodicInformInterval`), '420');
  assert.equal(await readFile(h.resolvConf, 'utf8'), resolvBefore, 'resolv.conf restored');
});

test('SetParameterValues naming a parameter twice is 9003 and changes nothing', async () => {
  const { answers } = await h.rpc(
    spv('must-not-stick', [`${MS}PeriodicInformInterval`, '900', 'xsd:unsignedInt'], [`${MS}PeriodicInformInterval`, '1000', 'xsd:unsignedInt']),
    gpv(`${MS}ParameterKey`, `${MS}PeriodicInformInterval`),
  );
  expectFault(answers[0], 9003);
  const v = values(answers[1]);
  assert.equal(v.get(`${MS}ParameterKey`), 'spv-1');
  assert.equal(v.get(`${MS}PeriodicInformInterval`), '420');
});

test("GenieACS's bootstrap provision: its SPV is applied, print shows it, the new connection-request credentials work", async () => {
  const oldCredentials = { ...h.crCredentials };
  const user = 'FFFFFF-Linux-3D1219C7%2D01';
  const password = 'k3j9x0q2m7a1';
  const { answers } = await h.rpc(
    spv(
      '',
      [`${MS}ConnectionRequestUsername`, user],
      [`${MS}ConnectionRequestPassword`, password],
      [`${MS}PeriodicInformEnable`, 'true', 'xsd:boolean'],
      [`${MS}PeriodicInformInterval`, '300', 'xsd:unsignedInt'],
      [`${MS}PeriodicInformTime`, '1970-01-01T05:23:11.000Z', 'xsd:dateTime'],
    ),
    // Not GenieACS: keeps periodic sessions out of the rest of this file.
    spv('', [`${MS}PeriodicInformEnable`, 'false', 'xsd:boolean']),
    gpv(`${MS}ConnectionRequestUsername`, `${MS}ConnectionRequestPassword`, `${MS}PeriodicInformInterval`, `${MS}PeriodicInformTime`, `${MS}ParameterKey`),
  );
  assert.equal(expect(answers[0], 'SetParameterValuesResponse').status, 0);
  assert.equal(expect(answers[1], 'SetParameterValuesResponse').status, 0);
  const v = values(answers[2]);
  assert.equal(v.get(`${MS}ConnectionRequestUsername`), user);
  assert.equal(v.get(`${MS}ConnectionRequestPassword`), '', 'a password reads as ""');
  assert.equal(v.get(`${MS}PeriodicInformInterval`), '300');
  assert.equal(Date.parse(v.get(`${MS}PeriodicInformTime`) ?? ''), Date.parse('1970-01-01T05:23:11Z'));
  assert.equal(v.get(`${MS}ParameterKey`), '');
  const printed = await printJson();
  assert.equal(printed['periodic-inform-interval'], 300);
  assert.equal(printed['periodic-inform-enabled'], 'no');
  assert.equal(printed['connection-request-username'], user);

  h.crCredentials = { username: user, password };
  const url = h.acs.informs().at(-1)!.parameterList.find((p) => p.name === `${MS}ConnectionRequestURL`)!.value;
  const refused = await sendConnectionRequest(url, { ...oldCredentials, timeoutMs: 10_000 });
  assert.equal(refused.status, 401, 'the old connection-request credentials no longer work');
  await h.connectionRequest();
});

test('Set/GetParameterAttributes: Notification 0/1/2 and AccessList, partial paths', async () => {
  const { answers } = await h.rpc(
    spa({ name: `${MS}PeriodicInformInterval`, notification: 1 }, { name: `${DNS}2.DNSServer`, notification: 2, accessList: ['Subscriber'] }),
    gpa(`${MS}PeriodicInformInterval`, `${DNS}2.`),
    spa({ name: `${DNS}2.DNSServer`, accessList: [] }),
    gpa(`${DNS}2.DNSServer`),
    spa({ name: 'Device.DeviceInfo.HostName', notification: 1 }),
    spa({ name: 'Device.DeviceInfo.HostName', notification: 0 }),
    gpa('Device.DeviceInfo.HostName'),
  );
  expect(answers[0], 'SetParameterAttributesResponse');
  const list = expect(answers[1], 'GetParameterAttributesResponse').parameterList;
  assert.deepEqual(list[0], { name: `${MS}PeriodicInformInterval`, notification: 1, accessList: [] });
  const row = new Map(list.slice(1).map((a) => [a.name, a]));
  assert.ok(row.size >= 4 && [...row.keys()].every((n) => n.startsWith(`${DNS}2.`)), 'a partial path covers the row');
  assert.deepEqual(row.get(`${DNS}2.DNSServer`), { name: `${DNS}2.DNSServer`, notification: 2, accessList: ['Subscriber'] });
  assert.deepEqual(row.get(`${DNS}2.Enable`), { name: `${DNS}2.Enable`, notification: 0, accessList: [] });
  expect(answers[2], 'SetParameterAttributesResponse');
  assert.deepEqual(expect(answers[3], 'GetParameterAttributesResponse').parameterList, [
    { name: `${DNS}2.DNSServer`, notification: 2, accessList: [] },
  ], 'AccessListChange alone leaves Notification as it was');
  assert.deepEqual(expect(answers[6], 'GetParameterAttributesResponse').parameterList, [
    { name: 'Device.DeviceInfo.HostName', notification: 0, accessList: [] },
  ], 'Notification back to 0');
});

test('SetParameterAttributes faults: 9009 for active on a canDeny parameter (nothing applied), forced ones stay active', async () => {
  const { answers } = await h.rpc(
    spa({ name: `${MS}PeriodicInformInterval`, notification: 0 }, { name: 'Device.DeviceInfo.UpTime', notification: 2 }),
    spa({ name: `${MS}PeriodicInformInterval`, notification: 3 }),
    spa({ name: 'Device.DeviceInfo.NoSuchParameter', notification: 1 }),
    spa({ name: 'Device.DeviceInfo.SoftwareVersion', notification: 0 }),
    gpa(`${MS}PeriodicInformInterval`, 'Device.DeviceInfo.UpTime', 'Device.DeviceInfo.SoftwareVersion', 'Device.DeviceInfo.ProvisioningCode', `${MS}ConnectionRequestURL`),
    gpa('Device.DeviceInfo.NoSuchParameter'),
  );
  expectFault(answers[0], 9009);
  expectFault(answers[1], 9009);
  expectFault(answers[2], 9005);
  expect(answers[3], 'SetParameterAttributesResponse');
  const n = new Map(expect(answers[4], 'GetParameterAttributesResponse').parameterList.map((a) => [a.name, a.notification]));
  assert.equal(n.get(`${MS}PeriodicInformInterval`), 1, 'the faulted SetParameterAttributes changed nothing');
  assert.equal(n.get('Device.DeviceInfo.UpTime'), 0);
  assert.equal(n.get('Device.DeviceInfo.SoftwareVersion'), 2, 'forced active stays active');
  assert.equal(n.get('Device.DeviceInfo.ProvisioningCode'), 2);
  assert.equal(n.get(`${MS}ConnectionRequestURL`), 2, 'active by default');
  expectFault(answers[5], 9005);
});

test('AddObject/DeleteObject on Device.DNS.Client.Server: resolv.conf follows, NumberOfEntries follows, faults', async () => {
  const { answers } = await h.rpc(
    { method: 'AddObject', objectName: DNS, parameterKey: 'add-1' },
    gpv(`${MS}ParameterKey`, 'Device.DNS.Client.ServerNumberOfEntries', `${DNS}3.`),
    spv('set-3', [`${DNS}3.DNSServer`, '203.0.113.10'], [`${DNS}3.Enable`, 'true', 'xsd:boolean']),
    { method: 'DeleteObject', objectName: `${DNS}1.`, parameterKey: 'del-1' },
    gpv(`${MS}ParameterKey`, 'Device.DNS.Client.ServerNumberOfEntries', DNS),
  );
  const added = expect(answers[0], 'AddObjectResponse');
  assert.deepEqual([added.instanceNumber, added.status], [3, 0]);
  let v = values(answers[1]);
  assert.equal(v.get(`${MS}ParameterKey`), 'add-1');
  assert.equal(v.get('Device.DNS.Client.ServerNumberOfEntries'), '3');
  assert.equal(v.get(`${DNS}3.DNSServer`), '');
  assert.equal(v.get(`${DNS}3.Enable`), 'false', 'a new row takes its TR-181 defaults');
  assert.equal(expect(answers[2], 'SetParameterValuesResponse').status, 0);
  assert.equal(expect(answers[3], 'DeleteObjectResponse').status, 0);
  v = values(answers[4]);
  assert.equal(v.get(`${MS}ParameterKey`), 'del-1');
  assert.equal(v.get('Device.DNS.Client.ServerNumberOfEntries'), '2');
  assert.equal(v.get(`${DNS}2.DNSServer`), '203.0.113.9');
  assert.equal(v.get(`${DNS}3.DNSServer`), '203.0.113.10');
  assert.ok(![...v.keys()].some((n) => n.startsWith(`${DNS}1.`)), 'row 1 is gone');
  assert.deepEqual(nameservers(await readFile(h.resolvConf, 'utf8')), ['203.0.113.9', '203.0.113.10']);

  const faults = await h.rpc(
    { method: 'DeleteObject', objectName: `${DNS}1.`, parameterKey: 'nope' },
    { method: 'DeleteObject', objectName: `${DNS}99.`, parameterKey: 'nope' },
    gpv(`${DNS}1.DNSServer`),
    { method: 'AddObject', objectName: 'Device.IP.Interface.', parameterKey: 'nope' },
    { method: 'AddObject', objectName: `${DNS}2.`, parameterKey: 'nope' },
    gpv(`${MS}ParameterKey`),
  );
  for (const a of faults.answers.slice(0, 5)) expectFault(a, 9005);
  assert.equal(values(faults.answers[5]).get(`${MS}ParameterKey`), 'del-1', 'failed requests leave the ParameterKey');
});

test('AddObject/DeleteObject on Device.ManagementServer.InformParameter: the entry rides in the next Inform', async () => {
  const { answers } = await h.rpc(
    { method: 'AddObject', objectName: `${MS}InformParameter.`, parameterKey: 'ip-1' },
    { method: 'AddObject', objectName: `${MS}InformParameter.`, parameterKey: 'ip-2' },
    spv('ip-3', [`${MS}InformParameter.1.Enable`, 'true', 'xsd:boolean'], [`${MS}InformParameter.1.ParameterName`, 'Device.DeviceInfo.UpTime']),
    spv('nope', [`${MS}InformParameter.2.ParameterName`, 'Device.DeviceInfo.SoftwareVersion']),
    spv('nope', [`${MS}InformParameter.2.EventList`, '4 VALUE CHANGE']),
    { method: 'DeleteObject', objectName: `${MS}InformParameter.2.`, parameterKey: 'ip-4' },
    gpv(`${MS}InformParameterNumberOfEntries`, `${MS}InformParameter.`, `${MS}ParameterKey`),
  );
  assert.equal(expect(answers[0], 'AddObjectResponse').instanceNumber, 1);
  assert.equal(expect(answers[1], 'AddObjectResponse').instanceNumber, 2);
  expect(answers[2], 'SetParameterValuesResponse');
  assert.equal(expectFault(answers[3], 9003).setParameterValuesFault?.[0]?.faultCode, 9007, 'a forced parameter cannot be an InformParameter');
  assert.equal(expectFault(answers[4], 9003).setParameterValuesFault?.[0]?.faultCode, 9007);
  expect(answers[5], 'DeleteObjectResponse');
  const v = values(answers[6]);
  assert.equal(v.get(`${MS}InformParameterNumberOfEntries`), '1');
  assert.equal(v.get(`${MS}InformParameter.1.ParameterName`), 'Device.DeviceInfo.UpTime');
  assert.equal(v.get(`${MS}InformParameter.1.Enable`), 'true');
  assert.ok(!v.has(`${MS}InformParameter.2.Enable`));
  assert.equal(v.get(`${MS}ParameterKey`), 'ip-4');

  const { session } = await h.rpc();
  const upTime = session.inform.parameterList.find((p) => p.name === 'Device.DeviceInfo.UpTime');
  assert.match(upTime?.value ?? '', /^[0-9]+$/, 'the InformParameter rides in the Inform');
});

let afterRestart: { dns: Array<[string, string]>; dnsAdded: number } | undefined;

test('after a restart: ParameterKey, attributes, stored rows and instance numbers are kept; numbers are not reused', async () => {
  const boot = await h.restart();
  assert.equal(boot.inform.parameterList.find((p) => p.name === `${MS}ParameterKey`)?.value, 'ip-4');
  assert.ok(boot.inform.parameterList.some((p) => p.name === 'Device.DeviceInfo.UpTime'), 'InformParameter.1 still applies');
  const { answers } = await h.rpc(
    gpv(DNS, `${MS}InformParameter.`, `${MS}PeriodicInformInterval`, `${MS}ConnectionRequestUsername`),
    gpa(`${MS}PeriodicInformInterval`, `${MS}InformParameter.1.ParameterName`),
    { method: 'AddObject', objectName: DNS, parameterKey: 'add-2' },
    { method: 'AddObject', objectName: `${MS}InformParameter.`, parameterKey: 'add-3' },
  );
  const v = values(answers[0]);
  assert.equal(v.get(`${MS}InformParameter.1.ParameterName`), 'Device.DeviceInfo.UpTime');
  assert.equal(v.get(`${MS}InformParameter.1.Enable`), 'true');
  assert.equal(v.get(`${MS}PeriodicInformInterval`), '300');
  assert.equal(v.get(`${MS}ConnectionRequestUsername`), h.crCredentials.username);
  assert.deepEqual(expect(answers[1], 'GetParameterAttributesResponse').parameterList, [
    { name: `${MS}PeriodicInformInterval`, notification: 1, accessList: [] },
    { name: `${MS}InformParameter.1.ParameterName`, notification: 0, accessList: [] },
  ]);
  const dns = [...v.entries()].filter(([n]) => n.endsWith('.DNSServer'));
  assert.deepEqual(dns.map(([, a]) => a), ['203.0.113.9', '203.0.113.10'], 'both servers are still there');
  const dnsAdded = expect(answers[2], 'AddObjectResponse').instanceNumber;
  const inUse = dns.map(([n]) => Number(n.slice(DNS.length).split('.')[0]));
  assert.ok(dnsAdded > 3 && !inUse.includes(dnsAdded), `a new DNS row gets a fresh number (${dnsAdded}), not 1 (deleted) nor one in use`);
  assert.equal(expect(answers[3], 'AddObjectResponse').instanceNumber, 3, 'deleted InformParameter 2 is not reused');
  afterRestart = { dns, dnsAdded };
});

test('after a restart, DNS servers the ACS added or re-addressed keep their instance numbers', () => {
  assert.ok(afterRestart, 'the restart test ran');
  assert.deepEqual(afterRestart.dns, [[`${DNS}2.DNSServer`, '203.0.113.9'], [`${DNS}3.DNSServer`, '203.0.113.10']]);
  assert.equal(afterRestart.dnsAdded, 4);
});

test('every message the client sent is valid CWMP and broke no GenieACS rule', () => {
  h.checkWire();
});
