import { strict as assert } from 'node:assert';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import {
  extensionSchema,
  loadExtensions,
  parseExtensions,
  registerExtensions,
  type ExtensionsFile,
} from '../../src/backends/extensions.js';
import { runShell } from '../../src/backends/shell.js';
import { Registry } from '../../src/datamodel/registry.js';
import { loadSchema } from '../../src/datamodel/schema.js';
import { compileTree } from '../../src/datamodel/tree.js';
import { FakeModel } from './fake-model.js';

const dir = mkdtempSync(join(tmpdir(), 'tr069-ext-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const D = dir; // no spaces or quotes in tmpdir paths, so it can sit inside the commands below

const DOC = {
  timeout: 5,
  parameters: [
    { path: 'Device.DeviceInfo.X_FFFFFF_Location', type: 'string', get: `cat ${D}/loc`, set: `printf '%s' "$VALUE" > ${D}/loc` },
    { path: 'Device.X_FFFFFF_Box.Answer', type: 'unsignedInt', get: 'echo 42' },
    { path: 'Device.X_FFFFFF_Box.Big', type: 'unsignedLong', get: 'echo 9007199254740993' },
    { path: 'Device.X_FFFFFF_Box.Fan', type: 'boolean', get: `cat ${D}/fan`, set: `echo "$VALUE" > ${D}/fan` },
    { path: 'Device.X_FFFFFF_Box.Mode', type: 'string', enum: ['eco', 'turbo'], get: 'echo eco' },
  ],
  tables: [
    {
      path: 'Device.X_FFFFFF_Service.{i}.',
      list: `cat ${D}/svc.jsonl`,
      key: 'name',
      params: {
        Name: { type: 'string', field: 'name' },
        Port: { type: 'unsignedInt', field: 'port', min: 1, max: 65535 },
        Active: {
          type: 'boolean',
          get: `grep -qx "$KEY" ${D}/active && echo 1 || echo 0`,
          set: `if [ "$VALUE" = true ]; then echo "$KEY" >> ${D}/active; else grep -vx "$KEY" ${D}/active > ${D}/active.new; mv ${D}/active.new ${D}/active; fi`,
        },
      },
      add: `n=$(($(cat ${D}/seq) + 1)); echo $n > ${D}/seq; echo "{\\"name\\":\\"svc$n\\",\\"port\\":8000}" >> ${D}/svc.jsonl; echo svc$n`,
      remove: `grep -v "\\"name\\":\\"$KEY\\"" ${D}/svc.jsonl > ${D}/svc.new; mv ${D}/svc.new ${D}/svc.jsonl`,
    },
    {
      path: 'Device.X_FFFFFF_Box.Link.{i}.',
      list: `printf 'eth0\\t1500\\neth1\\t9000\\n'`,
      format: 'tsv',
      columns: ['name', 'mtu'],
      params: { Name: { type: 'string', field: 'name' }, MTU: { type: 'unsignedInt', field: 'mtu' } },
    },
  ],
};

function fresh(): { ext: ExtensionsFile; model: FakeModel } {
  writeFileSync(`${D}/loc`, 'Rack 4\n');
  writeFileSync(`${D}/fan`, 'true\n');
  writeFileSync(`${D}/seq`, '2\n');
  writeFileSync(`${D}/active`, 'web\n');
  writeFileSync(`${D}/svc.jsonl`, '{"name":"web","port":80}\n{"name":"ssh","port":22,"extra":{"a":1}}\n');
  const ext = parseExtensions(JSON.stringify(DOC), 'test.json');
  const model = new FakeModel();
  registerExtensions(model, ext);
  return { ext, model };
}

describe('extensions: reading and writing through shell commands', () => {
  it('reads scalar parameters, converted to their types', async () => {
    const { model } = fresh();
    const res = await model.readAll();
    assert.equal(res.errors.size, 0, [...res.errors].map(([p, e]) => `${p}: ${String(e)}`).join('\n'));
    assert.equal(res.values.get('Device.DeviceInfo.X_FFFFFF_Location'), 'Rack 4');
    assert.equal(res.values.get('Device.X_FFFFFF_Box.Answer'), 42);
    assert.equal(res.values.get('Device.X_FFFFFF_Box.Big'), 9007199254740993n);
    assert.equal(res.values.get('Device.X_FFFFFF_Box.Fan'), true);
  });

  it('reads tables from JSON lines and TSV, with a row count', async () => {
    const { model } = fresh();
    const res = await model.readAll();
    const v = (p: string) => res.values.get(p);
    assert.equal(v('Device.X_FFFFFF_Service.1.Name'), 'web');
    assert.equal(v('Device.X_FFFFFF_Service.1.Port'), 80);
    assert.equal(v('Device.X_FFFFFF_Service.1.Active'), true);
    assert.equal(v('Device.X_FFFFFF_Service.2.Name'), 'ssh');
    assert.equal(v('Device.X_FFFFFF_Service.2.Active'), false);
    assert.equal(v('Device.X_FFFFFF_ServiceNumberOfEntries'), 2);
    assert.equal(v('Device.X_FFFFFF_Box.Link.2.MTU'), 9000);
    assert.equal(v('Device.X_FFFFFF_Box.LinkNumberOfEntries'), 2);
  });

  it('passes the new value in $VALUE, never through the command text', async () => {
    const { model } = fresh();
    const { spec, row } = await model.locate('Device.DeviceInfo.X_FFFFFF_Location');
    const evil = `$(touch ${D}/pwned1)\`touch ${D}/pwned2\`'; touch ${D}/pwned3; echo '"`;
    await spec.set!(row, evil, model.context());
    assert.equal(readFileSync(`${D}/loc`, 'utf8'), evil);
    for (const f of ['pwned1', 'pwned2', 'pwned3']) assert.equal(existsSync(`${D}/${f}`), false, f);
    const fan = await model.locate('Device.X_FFFFFF_Box.Fan');
    await fan.spec.set!(fan.row, false, model.context());
    assert.equal(readFileSync(`${D}/fan`, 'utf8'), 'false\n');
  });

  it('sets a table cell with $KEY, adds and removes rows', async () => {
    const { model } = fresh();
    const active = await model.locate('Device.X_FFFFFF_Service.2.Active');
    await active.spec.set!(active.row, true, model.context());
    assert.equal(readFileSync(`${D}/active`, 'utf8'), 'web\nssh\n');
    const spec = model.tables.get('Device.X_FFFFFF_Service.{i}.')!;
    const key = await spec.add!(undefined, model.context());
    assert.equal(key, 'svc3');
    let res = await model.readAll();
    assert.equal(res.values.get('Device.X_FFFFFF_Service.3.Name'), 'svc3');
    assert.equal(res.values.get('Device.X_FFFFFF_Service.3.Port'), 8000);
    const web = (await spec.list(undefined, model.context()))[0];
    await spec.remove!(web.key, web.row, model.context());
    res = await model.readAll();
    assert.equal(res.values.get('Device.X_FFFFFF_ServiceNumberOfEntries'), 2);
    assert.equal(res.values.has('Device.X_FFFFFF_Service.1.Name'), false);
    assert.equal(res.values.get('Device.X_FFFFFF_Service.2.Name'), 'ssh');
  });

  it('a failing command is an error that quotes its stderr', async () => {
    const ext = parseExtensions(
      JSON.stringify({
        parameters: [
          { path: 'Device.X_FFFFFF_T.Fails', type: 'string', get: 'echo "no such sensor" >&2; exit 3' },
          { path: 'Device.X_FFFFFF_T.NotANumber', type: 'unsignedInt', get: 'echo many' },
          { path: 'Device.X_FFFFFF_T.NotABool', type: 'boolean', get: 'echo maybe' },
        ],
        tables: [{ path: 'Device.X_FFFFFF_T.Rows.{i}.', list: 'echo "{\\"key\\": 1}"; echo "[1]"', params: { Key: { type: 'string', field: 'key' } } }],
      }),
    );
    const model = new FakeModel();
    registerExtensions(model, ext);
    const res = await model.readAll();
    assert.match(String(res.errors.get('Device.X_FFFFFF_T.Fails')), /reading Device\.X_FFFFFF_T\.Fails: the command exited with status 3: no such sensor/);
    assert.match(String(res.errors.get('Device.X_FFFFFF_T.NotANumber')), /"many" is not an integer/);
    assert.match(String(res.errors.get('Device.X_FFFFFF_T.NotABool')), /"maybe" is not a boolean/);
    assert.match(String(res.errors.get('Device.X_FFFFFF_T.RowsNumberOfEntries')), /line 2: not a JSON object/);
    assert.match(String(res.errors.get('Device.X_FFFFFF_T.Rows.{i}.')), /line 2: not a JSON object/);
  });

  it('kills a command that runs past its time limit, children included', async () => {
    const started = Date.now();
    await assert.rejects(runShell(`sleep 1; touch ${D}/late`, { timeoutMs: 200 }), /timed out after 200 ms/);
    assert.ok(Date.now() - started < 900);
    await sleep(1300);
    assert.equal(existsSync(`${D}/late`), false);
    await assert.rejects(runShell('yes', { timeoutMs: 5000, maxOutput: 10_000 }), /printed more than 10000 bytes/);
    assert.equal(await runShell('printf "%s" "$KEY"', { env: { KEY: 'a b' } }), 'a b');
  });
});

describe('extensions: validating the file', () => {
  const bad: Array<[unknown, RegExp]> = [
    ['{', /not valid JSON/],
    [[], /top level: must be a JSON object/],
    [{ parameter: [] }, /unknown field "parameter"/],
    [{ timeout: 0 }, /timeout: must be a number of seconds from 1 to 300/],
    [{ parameters: [{ path: 'Device.DeviceInfo.Location', type: 'string', get: 'x' }] }, /parameters\[0\] \(Device\.DeviceInfo\.Location\): vendor paths need an X_<VENDOR>_ name/],
    [{ parameters: [{ path: 'Device.X_FFFFFF_A.B', type: 'text', get: 'x' }] }, /parameters\[0\] \(Device\.X_FFFFFF_A\.B\): "type" must be one of string, boolean/],
    [{ parameters: [{ path: 'Device.X_FFFFFF_A.B', type: 'string' }] }, /"get" must be a non-empty string/],
    [{ parameters: [{ path: 'Device.X_FFFFFF_A.', type: 'string', get: 'x' }] }, /must not end in "\."/],
    [{ parameters: [{ path: 'Device.X_FFFFFF_A.{i}.B', type: 'string', get: 'x' }] }, /is not a valid path/],
    [{ parameters: [{ path: 'Other.X_FFFFFF_A', type: 'string', get: 'x' }] }, /must start with "Device\."/],
    [{ parameters: [{ path: 'Device.X_FFFFFF_A.B', type: 'string', get: 'x' }, { path: 'Device.X_FFFFFF_A.B', type: 'string', get: 'y' }] }, /parameters\[1\] .*declared twice/],
    [{ parameters: [{ path: 'Device.X_FFFFFF_A.B', type: 'int', enum: ['a'], get: 'x' }] }, /"enum" must be a non-empty list of strings, for a string parameter/],
    [{ parameters: [{ path: 'Device.X_FFFFFF_A.B', type: 'string', min: 1, get: 'x' }] }, /"min" must be an integer, for an integer parameter/],
    [{ tables: [{ path: 'Device.X_FFFFFF_T.', list: 'x', params: { A: { type: 'string' } } }] }, /tables\[0\] \(Device\.X_FFFFFF_T\.\): a table path must end in "\.\{i\}\."/],
    [{ tables: [{ path: 'Device.X_FFFFFF_T.{i}.', list: 'x', params: {} }] }, /"params" must be an object with at least one parameter/],
    [{ tables: [{ path: 'Device.X_FFFFFF_T.{i}.', list: 'x', format: 'csv', params: { A: { type: 'string' } } }] }, /"format" must be "json" or "tsv"/],
    [{ tables: [{ path: 'Device.X_FFFFFF_T.{i}.', list: 'x', format: 'tsv', params: { A: { type: 'string' } } }] }, /"columns" must list/],
    [{ tables: [{ path: 'Device.X_FFFFFF_T.{i}.', list: 'x', format: 'tsv', columns: ['k'], params: { A: { type: 'string' } } }] }, /params\.A: field "A" is not one of the columns/],
    [{ tables: [{ path: 'Device.X_FFFFFF_T.{i}.', list: 'x', params: { A: { type: 'string', field: 'a', get: 'y' } } }] }, /params\.A: give either "field" or "get", not both/],
    [{ tables: [{ path: 'Device.X_FFFFFF_T.{i}.', list: 'x', params: { 'A.B': { type: 'string' } } }] }, /params\.A\.B: is not a valid parameter name/],
    [{ tables: [{ path: 'Device.X_FFFFFF_T.{i}.', list: 'x', params: { ANumberOfEntries: { type: 'unsignedInt' } } }] }, /computed, not declared/],
    [
      { parameters: [{ path: 'Device.X_FFFFFF_T.Foo', type: 'string', get: 'x' }], tables: [{ path: 'Device.X_FFFFFF_T.{i}.', list: 'x', params: { A: { type: 'string' } } }] },
      /Device\.X_FFFFFF_T\.Foo\): is inside table Device\.X_FFFFFF_T\.\{i\}\./,
    ],
  ];
  for (const [doc, re] of bad) {
    it(`rejects ${typeof doc === 'string' ? doc : JSON.stringify(doc).slice(0, 90)}`, () => {
      assert.throws(() => parseExtensions(typeof doc === 'string' ? doc : JSON.stringify(doc), 'ext.json'), (e: Error) => {
        assert.equal(e.name, 'ExtensionsFileError');
        assert.match(e.message, /^ext\.json: /);
        assert.match(e.message, re);
        return true;
      });
    });
  }

  it('loads a file; a missing one means no extensions; a world-writable one is refused', async () => {
    const empty = await loadExtensions(join(D, 'nope.json'));
    assert.deepEqual([empty.parameters, empty.tables], [[], []]);
    const path = join(D, 'ext.json');
    writeFileSync(path, JSON.stringify(DOC), { mode: 0o600 });
    chmodSync(path, 0o600);
    const ext = await loadExtensions(path);
    assert.equal(ext.parameters.length, 5);
    assert.equal(ext.timeoutMs, 5000);
    chmodSync(path, 0o666);
    await assert.rejects(loadExtensions(path), /writable by group or others \(mode 666\); refusing/);
    await assert.rejects(loadExtensions(D), /is not a regular file/);
  });
});

describe('extensions: schema for the engine', () => {
  it('describes the vendor objects and parameters like the generated schema', () => {
    const s = extensionSchema(parseExtensions(JSON.stringify(DOC)));
    assert.deepEqual(s.params['Device.DeviceInfo.X_FFFFFF_Location'], { type: 'string', xsdType: 'xsd:string', access: 'readWrite' });
    assert.deepEqual(s.params['Device.X_FFFFFF_Box.Answer'], { type: 'unsignedInt', xsdType: 'xsd:unsignedInt', access: 'readOnly' });
    assert.deepEqual(s.params['Device.X_FFFFFF_Box.Mode'], { type: 'string', xsdType: 'xsd:string', access: 'readOnly', enum: ['eco', 'turbo'] });
    assert.deepEqual(s.params['Device.X_FFFFFF_Service.{i}.Port'], { type: 'unsignedInt', xsdType: 'xsd:unsignedInt', access: 'readOnly', range: [{ min: 1, max: 65535 }] });
    assert.deepEqual(s.params['Device.X_FFFFFF_ServiceNumberOfEntries'], { type: 'unsignedInt', xsdType: 'xsd:unsignedInt', access: 'readOnly' });
    assert.deepEqual(s.objects['Device.X_FFFFFF_Service.{i}.'], {
      multiInstance: true,
      access: 'readWrite',
      minEntries: 0,
      maxEntries: 'unbounded',
      numEntriesParameter: 'X_FFFFFF_ServiceNumberOfEntries',
    });
    assert.equal(s.objects['Device.X_FFFFFF_Box.Link.{i}.'].access, 'readOnly');
    assert.deepEqual(s.objects['Device.X_FFFFFF_Box.'], { multiInstance: false, access: 'readOnly', minEntries: 1, maxEntries: 1 });
    assert.equal(s.objects['Device.DeviceInfo.'], undefined); // standard objects are the engine's
  });

  it('compiles in the real engine, with the declared syntax', () => {
    const reg = new Registry();
    registerExtensions(reg, parseExtensions(JSON.stringify(DOC)));
    const tree = compileTree(loadSchema(), reg.entries);
    const answer = tree.params.get('Device.X_FFFFFF_Box.Answer');
    assert.equal(answer?.schema.type, 'unsignedInt');
    assert.equal(answer?.writable, false);
    assert.equal(tree.params.get('Device.DeviceInfo.X_FFFFFF_Location')?.writable, true);
    assert.equal(tree.params.get('Device.X_FFFFFF_Service.{i}.Active')?.writable, true);
    assert.equal(tree.objects.get('Device.X_FFFFFF_Service.')?.writable, true);
    assert.equal(tree.objects.get('Device.X_FFFFFF_Box.Link.')?.writable, false);
  });
});
