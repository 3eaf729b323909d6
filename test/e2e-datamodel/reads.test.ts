// The read side of the TR-181 data model through the real daemon and the test ACS:
// GetParameterNames (discovery as GenieACS does it), GetParameterValues (every value valid for its
// TR-181 type, secrets read as ""), and `tr069-client get` on the same data dir.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { ParameterInfo, ParameterValue } from '../../src/cwmp/types.js';
import { runCli } from '../helpers/cli.js';
import { expect, expectFault, startHarness, type Harness } from './harness.js';
import { checkValue, generic, loadTr181 } from './tr181-check.js';

const ACS_PASSWORD = 'acs-secret-Qx7';
const STUN_PASSWORD = 'stun-secret-Zp3';
const CR_PASSWORD = 'cr-secret-Wm9';
/** Tables whose rows come and go between two requests on a live machine (processes, sockets). */
const VOLATILE = ['Device.DeviceInfo.ProcessStatus.Process.', 'Device.IP.ActivePort.'];
const stable = (name: string) => !VOLATILE.some((v) => name.startsWith(v) && name !== v);

const schema = loadTr181();
let h: Harness;

before(async () => {
  h = await startHarness({
    settings: { username: 'cpe-user', password: ACS_PASSWORD, 'stun-password': STUN_PASSWORD, 'connection-request-password': CR_PASSWORD },
  });
  h.crCredentials.password = CR_PASSWORD;
});
after(async () => {
  await h?.close();
});

test('GetParameterNames "" with NextLevel true answers only Device.', async () => {
  const { answers } = await h.rpc({ method: 'GetParameterNames', parameterPath: '', nextLevel: true });
  assert.deepEqual(expect(answers[0], 'GetParameterNamesResponse').parameterList, [{ name: 'Device.', writable: false }]);
});

test('GetParameterNames Device. with NextLevel true lists the direct children only', async () => {
  const { answers } = await h.rpc({ method: 'GetParameterNames', parameterPath: 'Device.', nextLevel: true });
  const list = expect(answers[0], 'GetParameterNamesResponse').parameterList;
  const names = list.map((p) => p.name);
  for (const n of names) assert.match(n, /^Device\.[A-Za-z0-9_]+\.?$/, `${n} is a direct child of Device.`);
  assert.equal(new Set(names).size, names.length, 'no duplicates');
  for (const child of ['Device.DeviceInfo.', 'Device.ManagementServer.', 'Device.DNS.', 'Device.IP.', 'Device.RootDataModelVersion']) {
    assert.ok(names.includes(child), `${child} is listed`);
  }
  for (const o of list.filter((p) => p.name.endsWith('.'))) assert.equal(o.writable, false, `${o.name}: a single object is not writable`);
});

/**
 * Discovery the way GenieACS does it, in one session: GetParameterNames "" first, then NextLevel=true
 * on every object found, level by level (the next request is chosen from the previous answer).
 */
async function walk(): Promise<ParameterInfo[]> {
  const found: ParameterInfo[] = [];
  let frontier: string[] = [];
  let next: string[] = [''];
  let asked: string | undefined;
  let done = false;
  const errors: string[] = [];
  h.acs.onRequest((ctx) => {
    if (done) return undefined;
    if (asked !== undefined && ctx.envelope) {
      const a = ctx.envelope.body;
      if (a.method === 'GetParameterNamesResponse') {
        for (const p of a.parameterList) {
          const rest = p.name.slice(asked.length);
          if (!p.name.startsWith(asked) || !/^[A-Za-z0-9_]+\.?$/.test(rest)) errors.push(`${p.name} is not a direct child of "${asked}"`);
          found.push(p);
          if (p.name.endsWith('.')) next.push(p.name);
        }
      } else if (!(a.method === 'Fault' && a.faultCode === 9005 && !stable(asked))) {
        // Only a row of a live table may vanish between two requests.
        errors.push(`GetParameterNames "${asked}": ${a.method} ${a.method === 'Fault' ? a.faultCode : ''}`);
      }
    } else if (ctx.rpc !== 'empty') {
      return undefined;
    }
    if (frontier.length === 0) {
      frontier = next;
      next = [];
    }
    asked = frontier.shift();
    if (asked === undefined) {
      done = true;
      return undefined;
    }
    return { send: { method: 'GetParameterNames', parameterPath: asked, nextLevel: true } };
  });
  const s = await h.connectionRequest();
  assert.equal(s.state, 'ended', s.failure);
  assert.ok(done, 'the walk finished within the session');
  assert.deepEqual(errors, []);
  return found;
}

test('a level-by-level discovery finds exactly what GetParameterNames Device. NextLevel false returns', async () => {
  const walked = await walk();
  const { answers } = await h.rpc({ method: 'GetParameterNames', parameterPath: 'Device.', nextLevel: false });
  const full = expect(answers[0], 'GetParameterNamesResponse').parameterList;
  assert.equal(full[0]?.name, 'Device.', 'NextLevel false starts with the object itself');
  const names = full.map((p) => p.name);
  assert.equal(new Set(names).size, names.length, 'no duplicates');
  const key = (l: ParameterInfo[]) => l.filter((p) => stable(p.name)).map((p) => `${p.name} ${p.writable}`).sort();
  assert.deepEqual(key(walked), key(full));

  const w = new Map(full.map((p) => [p.name, p.writable]));
  // Writable: a parameter the ACS may set, a table it may add to, a row it may delete.
  const expected: Record<string, boolean> = {
    'Device.DeviceInfo.': false,
    'Device.DeviceInfo.UpTime': false,
    'Device.ManagementServer.PeriodicInformInterval': true,
    'Device.ManagementServer.ParameterKey': false,
    'Device.ManagementServer.ConnectionRequestURL': false,
    'Device.ManagementServer.InformParameter.': true,
    'Device.DNS.Client.Server.': true,
    'Device.DNS.Client.Server.1.': true,
    'Device.DNS.Client.Server.1.DNSServer': true,
    'Device.IP.Interface.': false,
  };
  for (const [name, writable] of Object.entries(expected)) assert.equal(w.get(name), writable, `Writable of ${name}`);
  for (const p of full) {
    const g = generic(p.name);
    if (p.name.endsWith('.')) {
      const o = schema.objects[g] ?? schema.objects[`${g}{i}.`];
      assert.ok(o, `${p.name} is a TR-181 object`);
      if (p.writable) assert.equal(o.access, 'readWrite', `${p.name} is writable only if TR-181 allows it`);
    } else {
      assert.ok(schema.params[g], `${p.name} is a TR-181 parameter`);
      if (p.writable) assert.equal(schema.params[g].access, 'readWrite', `${p.name} is writable only if TR-181 allows it`);
    }
  }
});

test('GetParameterNames faults: unknown path 9005, NextLevel true on a parameter 9003', async () => {
  const { answers } = await h.rpc(
    { method: 'GetParameterNames', parameterPath: 'Device.NoSuchObject.', nextLevel: true },
    { method: 'GetParameterNames', parameterPath: 'Device.DeviceInfo.NoSuchParameter', nextLevel: false },
    { method: 'GetParameterNames', parameterPath: 'Device.DNS.Client.Server.99.', nextLevel: false },
    { method: 'GetParameterNames', parameterPath: 'Device..DeviceInfo.', nextLevel: true },
    { method: 'GetParameterNames', parameterPath: 'Device.DeviceInfo.UpTime', nextLevel: true },
    { method: 'GetParameterNames', parameterPath: 'Device.DeviceInfo.UpTime', nextLevel: false },
  );
  for (const a of answers.slice(0, 4)) expectFault(a, 9005);
  expectFault(answers[4], 9003);
  assert.deepEqual(expect(answers[5], 'GetParameterNamesResponse').parameterList, [{ name: 'Device.DeviceInfo.UpTime', writable: false }]);
});

test('GetParameterValues with full names and partial paths mixed', async () => {
  const { answers, session } = await h.rpc({
    method: 'GetParameterValues',
    parameterNames: ['Device.DeviceInfo.SerialNumber', 'Device.ManagementServer.', 'Device.DNS.Client.Server.2.DNSServer'],
  });
  const list = expect(answers[0], 'GetParameterValuesResponse').parameterList;
  assert.deepEqual(list[0], { name: 'Device.DeviceInfo.SerialNumber', value: session.inform.deviceId.serialNumber, type: 'xsd:string' });
  assert.deepEqual(list.at(-1), { name: 'Device.DNS.Client.Server.2.DNSServer', value: '198.51.100.53', type: 'xsd:string' });
  const ms = list.slice(1, -1);
  assert.ok(ms.length > 20 && ms.every((p) => p.name.startsWith('Device.ManagementServer.')), 'the partial path yields the ManagementServer parameters');
  const value = (n: string) => ms.find((p) => p.name === `Device.ManagementServer.${n}`)?.value;
  assert.equal(value('URL'), h.acs.url);
  assert.equal(value('Username'), 'cpe-user');
  assert.equal(value('PeriodicInformEnable'), 'false');
  assert.equal(value('ConnectionRequestUsername'), h.crCredentials.username);
  const inform = new Map(session.inform.parameterList.map((p) => [p.name, p.value]));
  assert.equal(value('ConnectionRequestURL'), inform.get('Device.ManagementServer.ConnectionRequestURL'));
});

test('GetParameterValues with any unknown name faults the whole request with 9005', async () => {
  const { answers } = await h.rpc(
    { method: 'GetParameterValues', parameterNames: ['Device.DeviceInfo.SerialNumber', 'Device.DeviceInfo.NoSuchParameter'] },
    { method: 'GetParameterValues', parameterNames: ['Device.NoSuchObject.'] },
    { method: 'GetParameterValues', parameterNames: ['Device.DNS.Client.Server.99.DNSServer'] },
    { method: 'GetParameterValues', parameterNames: ['Device.DeviceInfo'] },
    { method: 'GetParameterValues', parameterNames: ['Device.DeviceInfo.SerialNumber.'] },
  );
  for (const a of answers) expectFault(a, 9005);
});

test('GetParameterValues Device.: every value is valid for its TR-181 type, secrets read as ""', async (t) => {
  const { answers } = await h.rpc({ method: 'GetParameterValues', parameterNames: ['Device.'] });
  const list: ParameterValue[] = expect(answers[0], 'GetParameterValuesResponse').parameterList;
  const names = list.map((p) => p.name);
  assert.equal(new Set(names).size, names.length, 'each parameter once');
  const problems = list.flatMap((p) => {
    const e = checkValue(schema, p.name, p.value, p.type);
    return e ? [`${p.name} = ${JSON.stringify(p.value)}: ${e}`] : [];
  });
  assert.deepEqual(problems, [], 'every value is valid for its TR-181 type');
  const byName = new Map(list.map((p) => [p.name, p.value]));
  for (const secret of ['Password', 'ConnectionRequestPassword', 'STUNPassword']) {
    assert.equal(byName.get(`Device.ManagementServer.${secret}`), '', `${secret} reads as ""`);
  }
  // Every table's NumberOfEntries matches its rows.
  for (const [path, o] of Object.entries(schema.objects)) {
    if (!o.multiInstance || !o.numEntriesParameter || path.slice(0, -4).includes('{i}')) continue;
    const table = path.slice(0, -4); // 'Device.IP.Interface.'
    const parent = table.slice(0, table.slice(0, -1).lastIndexOf('.') + 1);
    const count = byName.get(parent + o.numEntriesParameter);
    if (count === undefined || VOLATILE.includes(table)) continue;
    const rows = new Set(names.filter((n) => n.startsWith(table)).map((n) => n.slice(table.length).split('.')[0]));
    assert.equal(Number(count), rows.size, `${parent}${o.numEntriesParameter}`);
  }
  t.diagnostic(`GetParameterValues("Device.") returned ${list.length} parameters`);
  // Secrets appear nowhere in what the client sent.
  for (const r of h.acs.requests) {
    for (const s of [ACS_PASSWORD, STUN_PASSWORD, CR_PASSWORD]) assert.ok(!r.rawBody.includes(s), `a secret in message ${r.seq}`);
  }
});

test('tr069-client get prints values computed locally, next to the running daemon', async () => {
  // A live process whose argv holds newlines (as CI's `bash -c "<script>"` does): every parameter must
  // still print on one line, and the process table reads it as one line.
  const marker = `marker-${process.pid}`;
  const child = spawn(process.execPath, ['-e', `setTimeout(() => {}, 60000)\n// ${marker}\n\t// second line`], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 100 && !(await readFile(`/proc/${child.pid}/cmdline`, 'utf8').catch(() => '')).includes(marker); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50)); // until the child has exec'd
    }
    const r = await runCli(['get', 'Device.DeviceInfo.'], { dataDir: h.dataDir });
    assert.equal(r.code, 0, r.stderr);
    checkDeviceInfoOutput(r.stdout, marker);
  } finally {
    child.kill();
  }

  const json = await runCli(['get', '--json', 'Device.ManagementServer.URL', 'Device.ManagementServer.ConnectionRequestPassword'], { dataDir: h.dataDir });
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), { 'Device.ManagementServer.URL': h.acs.url, 'Device.ManagementServer.ConnectionRequestPassword': '' });
});

function checkDeviceInfoOutput(stdout: string, marker: string): void {
  const lines = stdout.trim().split('\n');
  assert.ok(lines.length > 10);
  const values = new Map(lines.map((l) => l.split(' = ') as [string, string]));
  for (const n of values.keys()) assert.ok(n.startsWith('Device.DeviceInfo.'), n);
  const inform = h.acs.informs().at(-1)!;
  assert.equal(values.get('Device.DeviceInfo.SerialNumber'), inform.deviceId.serialNumber);
  assert.equal(values.get('Device.DeviceInfo.ManufacturerOUI'), inform.deviceId.oui);
  assert.equal(values.get('Device.DeviceInfo.SoftwareVersion'), inform.parameterList.find((p) => p.name === 'Device.DeviceInfo.SoftwareVersion')?.value);
  const commands = [...values].filter(([n, v]) => n.endsWith('.Command') && v.includes(marker)).map(([, v]) => v);
  assert.equal(commands.length, 1, 'the marked process is listed once');
  assert.match(commands[0], new RegExp(`setTimeout\\(\\(\\) => \\{\\}, 60000\\) // ${marker}  // second line$`));
}

test('tr069-client get of an unknown path exits non-zero with a clear message', async () => {
  for (const path of ['Device.NoSuchObject.', 'Device.DeviceInfo.NoSuchParameter']) {
    const r = await runCli(['get', path], { dataDir: h.dataDir });
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(path.replace(/\./g, '\\.')), 'names the path');
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('every message the client sent is valid CWMP and broke no GenieACS rule', () => {
  h.checkWire();
});
