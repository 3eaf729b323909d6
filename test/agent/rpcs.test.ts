// Agent issue, point 8: the RPCs that act on the agent itself (Reboot, FactoryReset, ScheduleInform),
// GetRPCMethods and an unknown method, end to end against the real daemon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sendConnectionRequest } from '../acs/index.js';
import { freePort } from '../helpers/daemon.js';
import { loadSettings } from '../../src/settings/settings.js';
import { agentTest, eventsOf, informAt, paramsOf, sleep, type Harness } from './harness.js';

async function waitForFile(path: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > until) assert.fail(`${path} was not created within ${timeoutMs} ms`);
    await sleep(50);
  }
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

test('Reboot with a reboot-command: the command runs after the session; the next start reports 1 BOOT + M Reboot', async () => {
  await agentTest(async (h) => {
    const flag = join(await h.scratch(), 'rebooted');
    const acs = await h.acs();
    const answers = acs.queue({ method: 'Reboot', commandKey: 'rb-42' });
    const d = await h.start({ 'acs-url': acs.url, 'reboot-command': `touch ${shellQuote(flag)}` });
    const [ans] = await answers;
    assert.equal(ans.answer.method, 'RebootResponse');
    const s1 = await acs.waitForSession(1, 20_000);
    assert.equal(s1.state, 'ended');
    await waitForFile(flag);
    // The "machine" is down now: the client must not carry on as if nothing happened.
    await sleep(500);
    assert.equal(acs.sessions.length, 1);

    await h.stop(d);
    await h.start();
    const s2 = await acs.waitForSession(2, 20_000);
    assert.deepEqual(eventsOf(s2.inform), ['1 BOOT', 'M Reboot rb-42']);
    // Delivered: a further restart is a plain boot.
    await h.stop(h.daemons[1]);
    await h.start();
    assert.deepEqual(eventsOf((await acs.waitForSession(3, 20_000)).inform), ['1 BOOT']);
  });
});

test('Reboot with an empty reboot-command restarts the client in-process: 1 BOOT + M Reboot', async () => {
  await agentTest(async (h) => {
    const acs = await h.acs();
    const answers = acs.queue({ method: 'Reboot', commandKey: 'in-process' });
    const d = await h.start({ 'acs-url': acs.url });
    assert.equal((await answers)[0].answer.method, 'RebootResponse');
    const s2 = await acs.waitForSession(2, 10_000);
    assert.deepEqual(eventsOf(s2.inform), ['1 BOOT', 'M Reboot in-process']);
    assert.equal(s2.state, 'ended');
    assert.equal(d.proc.exitCode, null, 'same process');
    await sleep(500);
    assert.equal(acs.sessions.length, 2, 'the events are delivered once');
  });
});

/** Session 1 sets a ParameterKey and the provisioning code, session 2 gets the FactoryReset. */
async function factoryResetScenario(h: Harness, auth: { username: string; password: string }) {
  const acs = await h.acs({ auth: { type: 'digest', ...auth } });
  const spv = acs.queue({
    method: 'SetParameterValues',
    parameterList: [{ name: 'Device.DeviceInfo.ProvisioningCode', value: 'from-acs', type: 'xsd:string' }],
    parameterKey: 'pk-1',
  });
  return { acs, spv };
}

test('FactoryReset without a defaults file: ACS URL and credentials kept, the rest forgotten, factory-reset-command runs, 0 BOOTSTRAP + 1 BOOT', async () => {
  await agentTest(async (h) => {
    const scratch = await h.scratch();
    const flag = join(scratch, 'factory-reset-ran');
    const auth = { username: 'cpe-fr', password: 'fr-secret' };
    const { acs, spv } = await factoryResetScenario(h, auth);
    const d = await h.start(
      {
        'acs-url': acs.url,
        ...auth,
        'retry-minimum-wait': 7,
        'factory-reset-command': `touch ${shellQuote(flag)}`,
      },
      { env: { TR069_DEFAULTS_FILE: join(scratch, 'no-such-defaults') } },
    );
    assert.equal((await spv)[0].answer.method, 'SetParameterValuesResponse');
    await acs.waitForSession(1, 20_000);
    const before = await loadSettings(h.dataDir);

    // A local setting (forgotten by the reset too), then a connection request brings the session
    // that carries the FactoryReset.
    const reset = acs.queue({ method: 'FactoryReset' });
    await h.set('provisioning-code=still-local');
    const s1 = acs.sessions[0];
    const crUrl = paramsOf(s1.inform)['Device.ManagementServer.ConnectionRequestURL'];
    assert.equal(
      (await sendConnectionRequest(crUrl, { username: before['connection-request-username'], password: before['connection-request-password'] })).status,
      200,
    );
    assert.equal((await reset)[0].answer.method, 'FactoryResetResponse');
    const s3 = await acs.waitForSession(3, 10_000);
    assert.deepEqual(eventsOf(s3.inform).sort(), ['0 BOOTSTRAP', '1 BOOT']);
    assert.equal(s3.state, 'ended', 'the kept credentials still work');
    const p = paramsOf(s3.inform);
    assert.equal(p['Device.ManagementServer.ParameterKey'], '', 'ParameterKey forgotten');
    assert.equal(p['Device.DeviceInfo.ProvisioningCode'], '', 'provisioning code forgotten');
    await waitForFile(flag);
    assert.equal(d.proc.exitCode, null);

    const after = await loadSettings(h.dataDir);
    assert.equal(after['acs-url'], acs.url);
    assert.equal(after.username, auth.username);
    assert.equal(after.password, auth.password);
    assert.equal(after['retry-minimum-wait'], 5);
    assert.equal(after['factory-reset-command'], '');
    assert.equal(after['provisioning-code'], '');
    assert.notEqual(after['connection-request-password'], '', 'new connection-request credentials');
    assert.notEqual(after['connection-request-password'], before['connection-request-password']);
    const printed = await h.print();
    assert.equal(printed.password, '********');
    assert.equal(printed['last-session-error'], '');
  });
});

test('FactoryReset with a defaults file (TR069_DEFAULTS_FILE): its settings are applied', async () => {
  await agentTest(async (h) => {
    const scratch = await h.scratch();
    const auth = { username: 'cpe-fr', password: 'fr-secret' };
    const { acs, spv } = await factoryResetScenario(h, auth);
    const reset = spv.then(() => acs.queue({ method: 'FactoryReset' }));
    const port = await freePort();
    const defaults = join(scratch, 'defaults');
    await writeFile(
      defaults,
      [
        '# lab defaults',
        `tr069-client set acs-url=${acs.url} username=${auth.username} password=${auth.password}`,
        `set provisioning-code=from-defaults connection-request-address=127.0.0.1 connection-request-port=${port}`,
        'set periodic-inform-enabled=no',
        '',
      ].join('\n'),
    );
    await h.start({ 'acs-url': acs.url, ...auth, 'retry-minimum-wait': 7, 'provisioning-code': 'before' }, { env: { TR069_DEFAULTS_FILE: defaults } });
    await acs.waitForSession(1, 20_000);
    // A connection request brings the session that carries the FactoryReset.
    const v = await loadSettings(h.dataDir);
    const crUrl = paramsOf(acs.sessions[0].inform)['Device.ManagementServer.ConnectionRequestURL'];
    assert.equal((await sendConnectionRequest(crUrl, { username: v['connection-request-username'], password: v['connection-request-password'] })).status, 200);
    assert.equal((await reset)[0].answer.method, 'FactoryResetResponse');
    const s3 = await acs.waitForSession(3, 10_000);
    assert.deepEqual(eventsOf(s3.inform).sort(), ['0 BOOTSTRAP', '1 BOOT']);
    const p = paramsOf(s3.inform);
    assert.equal(p['Device.DeviceInfo.ProvisioningCode'], 'from-defaults');
    assert.equal(p['Device.ManagementServer.ConnectionRequestURL'].split('/')[2], `127.0.0.1:${port}`);
    const printed = await h.print();
    assert.equal(printed['provisioning-code'], 'from-defaults');
    assert.equal(printed['connection-request-port'], port);
    assert.equal(printed['periodic-inform-enabled'], 'no');
    assert.equal(printed['retry-minimum-wait'], 5, 'what the defaults file does not set is back to its default');
  });
});

test('ScheduleInform, GetRPCMethods and an unknown method (fault 9000, the session goes on)', async () => {
  await agentTest(async (h) => {
    const acs = await h.acs();
    // After the empty POST of session 1: an unknown method, then GetRPCMethods, then the queue.
    acs.inject((c) => c.rpc === 'empty' && c.session?.index === 1, { send: { method: 'Unknown', name: 'X_ACME_Frobnicate' }, id: 'unk-1' });
    acs.inject((c) => c.rpc === 'Fault' && c.session?.index === 1, { send: { method: 'GetRPCMethods' }, id: 'grm-1' });
    const answers = acs.queue({ method: 'ScheduleInform', delaySeconds: 1, commandKey: 'si-7' });
    await h.start({ 'acs-url': acs.url });
    const [si] = await answers;
    assert.equal(si.answer.method, 'ScheduleInformResponse');
    const s1 = await acs.waitForSession(1, 20_000);
    assert.equal(s1.state, 'ended');
    assert.deepEqual(s1.messages.map((m) => m.rpc), ['Inform', 'empty', 'Fault', 'GetRPCMethodsResponse', 'ScheduleInformResponse']);

    const fault = s1.messages[2].envelope!;
    assert.equal(fault.header.id, 'unk-1');
    assert.equal(fault.body.method, 'Fault');
    assert.equal(fault.body.method === 'Fault' && fault.body.faultCode, 9000);
    assert.equal(fault.body.method === 'Fault' && fault.body.faultcode, 'Server');

    const grm = s1.exchanges.find((e) => e.request.method === 'GetRPCMethods');
    assert.equal(grm?.answer?.method, 'GetRPCMethodsResponse');
    const methods = grm.answer.method === 'GetRPCMethodsResponse' ? grm.answer.methodList : [];
    for (const m of ['GetRPCMethods', 'SetParameterValues', 'GetParameterValues', 'GetParameterNames', 'SetParameterAttributes',
      'GetParameterAttributes', 'AddObject', 'DeleteObject', 'Reboot', 'Download', 'Upload', 'FactoryReset', 'ScheduleInform']) {
      assert.ok(methods.includes(m), `GetRPCMethodsResponse lists ${m}`);
    }

    const s2 = await acs.waitForSession(2, 5000);
    assert.deepEqual(eventsOf(s2.inform), ['3 SCHEDULED', 'M ScheduleInform si-7']);
    const answeredAt = acs.arrivals.get(s1.messages[4].seq)!;
    const wait = informAt(acs, s2) - answeredAt;
    assert.ok(wait >= 950 && wait <= 1000 + 1000, `ScheduleInform(1 s) came ${wait} ms after the response`);
    await sleep(1200);
    assert.equal(acs.sessions.length, 2, 'a ScheduleInform fires once');
  });
});
