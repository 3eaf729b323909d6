// Value-change notifications through the real daemon and the test ACS: changes made on the machine
// (the CLI, the resolver file) are reported — at once for active (2) and forced-active parameters, in
// the next Inform for passive (1) ones — and changes the ACS makes itself are reported to nobody.
// The tests run in order on one daemon.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import type { AcsRequest, Inform } from '../../src/cwmp/types.js';
import type { AcsSession } from '../acs/index.js';
import { runCli } from '../helpers/cli.js';
import { expect, startHarness, type Harness } from './harness.js';

const MS = 'Device.ManagementServer.';
const DNS = 'Device.DNS.Client.Server.';
/** The daemon polls notified parameters every 2 s: this is long enough to see that no session came. */
const QUIET_MS = 5000;
let h: Harness;

before(async () => {
  h = await startHarness({ resolvConf: 'nameserver 192.0.2.53\nnameserver 198.51.100.53\n' });
});
after(async () => {
  await h?.close();
});

function spa(name: string, notification: number): AcsRequest {
  return { method: 'SetParameterAttributes', parameterList: [{ name, notificationChange: true, notification, accessListChange: false, accessList: [] }] };
}
const events = (i: Inform) => i.event.map((e) => e.eventCode);
const param = (i: Inform, name: string) => i.parameterList.filter((p) => p.name === name);

async function cliSet(...assignments: string[]): Promise<void> {
  const r = await runCli(['set', ...assignments], { dataDir: h.dataDir });
  assert.equal(r.code, 0, r.stderr);
}

/** Waits QUIET_MS and checks that the daemon started no session meanwhile. */
async function assertNoSession(why: string): Promise<void> {
  const before = h.acs.sessions.length;
  await new Promise((r) => setTimeout(r, QUIET_MS));
  assert.equal(h.acs.sessions.length, before, why);
}

/** The daemon's own session for a value change (not one the test started). */
async function valueChangeSession(): Promise<AcsSession> {
  const s = await h.nextSession();
  assert.equal(s.state, 'ended', s.failure);
  assert.deepEqual(events(s.inform), ['4 VALUE CHANGE'], 'a session of its own, for the value change');
  return s;
}

test('forced active: `tr069-client set provisioning-code=…` starts a 4 VALUE CHANGE session carrying the new value', async () => {
  await cliSet('provisioning-code=lab-42');
  const s = await valueChangeSession();
  assert.deepEqual(param(s.inform, 'Device.DeviceInfo.ProvisioningCode').map((p) => p.value), ['lab-42'], 'once, with the new value');
  // Reported once: the next session does not report it again.
  const next = await h.connectionRequest();
  assert.deepEqual(events(next.inform), ['6 CONNECTION REQUEST']);
});

test('Notification 2 set by the ACS: a change on the machine (resolv.conf, the CLI) starts a session', async () => {
  const { answers } = await h.rpc(spa(`${DNS}1.Enable`, 2), spa(`${MS}PeriodicInformInterval`, 2));
  for (const a of answers) expect(a, 'SetParameterAttributesResponse');

  // The resolver file is edited on the machine: server 1 disabled the way the backend marks it.
  const text = await readFile(h.resolvConf, 'utf8');
  await writeFile(h.resolvConf, text.replace('nameserver 192.0.2.53', '#tr069-client:disabled nameserver 192.0.2.53'));
  let s = await valueChangeSession();
  assert.deepEqual(param(s.inform, `${DNS}1.Enable`).map((p) => [p.value, p.type]), [['false', 'xsd:boolean']]);

  await cliSet('periodic-inform-interval=45m');
  s = await valueChangeSession();
  assert.deepEqual(param(s.inform, `${MS}PeriodicInformInterval`).map((p) => [p.value, p.type]), [['2700', 'xsd:unsignedInt']]);
  assert.equal(param(s.inform, `${DNS}1.Enable`).length, 0, 'what was reported already is not reported again');
});

test('Notification 1: no session of its own, the change rides in the next Inform; changes by the ACS notify nobody', async () => {
  const { answers } = await h.rpc(
    spa(`${MS}CWMPRetryMinimumWaitInterval`, 1),
    spa('Device.DNS.Client.ServerNumberOfEntries', 2),
    // Changes by the ACS itself, to parameters with active notification (one of them forced).
    { method: 'SetParameterValues', parameterKey: 'acs', parameterList: [
      { name: `${MS}PeriodicInformInterval`, value: '900', type: 'xsd:unsignedInt' },
      { name: 'Device.DeviceInfo.ProvisioningCode', value: 'acs-set', type: 'xsd:string' },
      { name: `${DNS}2.Enable`, value: 'false', type: 'xsd:boolean' },
    ] },
    { method: 'AddObject', objectName: DNS, parameterKey: 'acs-add' },
  );
  expect(answers[2], 'SetParameterValuesResponse');
  expect(answers[3], 'AddObjectResponse');
  await cliSet('retry-minimum-wait=7');
  await assertNoSession('neither a passive change nor changes by the ACS start a session');

  const s = await h.connectionRequest();
  assert.deepEqual(events(s.inform).sort(), ['4 VALUE CHANGE', '6 CONNECTION REQUEST']);
  assert.deepEqual(param(s.inform, `${MS}CWMPRetryMinimumWaitInterval`).map((p) => p.value), ['7'], 'the passive change rides along');
  assert.equal(param(s.inform, `${MS}PeriodicInformInterval`).length, 0, 'an ACS change is not notified');
  assert.equal(param(s.inform, 'Device.DNS.Client.ServerNumberOfEntries').length, 0, 'an ACS AddObject is not notified');
  assert.deepEqual(param(s.inform, 'Device.DeviceInfo.ProvisioningCode').map((p) => p.value), ['acs-set'], 'forced: present, as in every Inform');
});

test('a machine change back to a value the ACS once set is still a change', async () => {
  // The ACS set the interval to 900 above; the operator sets it back to what was last notified.
  await cliSet('periodic-inform-interval=45m');
  const s = await valueChangeSession();
  assert.deepEqual(param(s.inform, `${MS}PeriodicInformInterval`).map((p) => p.value), ['2700']);
});

test('every message the client sent is valid CWMP and broke no GenieACS rule', () => {
  h.checkWire();
});
