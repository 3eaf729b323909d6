import { strict as assert } from 'node:assert';
import { chmodSync, lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { register } from '../../src/backends/linux/dns.js';
import { FakeModel } from './fake-model.js';

const HOST1 = fileURLToPath(new URL('./fixtures/host1', import.meta.url));
const ORIGINAL = readFileSync(join(HOST1, 'etc/resolv.conf'), 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'tr069-dns-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
function setup(content: string | null = ORIGINAL) {
  const path = join(tmp, `resolv-${++n}.conf`);
  if (content !== null) writeFileSync(path, content);
  const model = new FakeModel();
  const table = register(model, { root: HOST1, settings: () => ({}), resolvConfPath: path });
  const spec = model.tables.get('Device.DNS.Client.Server.{i}.')!;
  const read = () => readFileSync(path, 'utf8');
  /** "inst address enable status" for every row, as one GetParameterValues sees them. */
  const rows = async () => {
    const res = await model.readAll();
    const out: string[] = [];
    for (const [p, v] of res.values) {
      const m = /^Device\.DNS\.Client\.Server\.(\d+)\.DNSServer$/.exec(p);
      if (m) out.push(`${m[1]} ${String(v) || '-'} ${String(res.values.get(`Device.DNS.Client.Server.${m[1]}.Enable`))} ${String(res.values.get(`Device.DNS.Client.Server.${m[1]}.Status`))}`);
    }
    return out;
  };
  const set = async (path: string, value: string | boolean) => {
    const { spec: p, row } = await model.locate(path);
    const problem = await p.validate?.(value, row, model.context());
    if (problem) throw new Error(`9007: ${problem}`);
    await p.set!(row, value, model.context());
  };
  return { path, model, table, spec, read, rows, set };
}

describe('Device.DNS.Client.Server (writable resolv.conf)', () => {
  it('changes a server address in place, keeping the row and every other line', async () => {
    const t = setup();
    assert.deepEqual(await t.rows(), ['1 192.168.1.1 true Enabled', '2 2001:db8::53 true Enabled', '3 9.9.9.9 false Disabled', '4 fe80::1%eth0 true Enabled']);
    await t.set('Device.DNS.Client.Server.1.DNSServer', '1.1.1.1');
    assert.equal(t.read(), ORIGINAL.replace('nameserver 192.168.1.1', 'nameserver 1.1.1.1'));
    // same instance: the row key did not change with the address
    assert.deepEqual((await t.rows())[0], '1 1.1.1.1 true Enabled');
    await t.set('Device.DNS.Client.Server.1.DNSServer', '8.8.8.8');
    assert.deepEqual((await t.rows())[0], '1 8.8.8.8 true Enabled');
  });

  it('disables a server by commenting it out with a marker, and enables it again', async () => {
    const t = setup();
    await t.set('Device.DNS.Client.Server.2.Enable', false);
    assert.match(t.read(), /^#tr069-client:disabled nameserver 2001:db8::53$/m);
    assert.doesNotMatch(t.read(), /^nameserver 2001:db8::53$/m);
    assert.deepEqual((await t.rows())[1], '2 2001:db8::53 false Disabled');
    await t.set('Device.DNS.Client.Server.3.Enable', true);
    assert.match(t.read(), /^nameserver 9\.9\.9\.9$/m);
    await t.set('Device.DNS.Client.Server.2.Enable', true);
    assert.equal(t.read(), ORIGINAL.replace('#tr069-client:disabled nameserver 9.9.9.9', 'nameserver 9.9.9.9'));
  });

  it('AddObject makes an empty disabled row; setting its address writes it after the other servers', async () => {
    const t = setup();
    const key = await t.spec.add!(undefined, t.model.context());
    assert.equal(t.read(), ORIGINAL); // nothing to write yet
    assert.deepEqual((await t.rows())[4], '5 - false Disabled');
    // GenieACS sets both in one SetParameterValues; order must not matter
    await t.set('Device.DNS.Client.Server.5.Enable', true);
    await t.set('Device.DNS.Client.Server.5.DNSServer', '192.0.2.53');
    assert.deepEqual((await t.rows())[4], '5 192.0.2.53 true Enabled');
    const lines = t.read().split('\n');
    assert.equal(lines[lines.indexOf('nameserver 192.0.2.53') - 1], 'nameserver fe80::1%eth0');
    assert.equal(lines[lines.indexOf('nameserver 192.0.2.53') + 1], 'nameserver not-an-address');
    assert.equal(typeof key, 'string');
  });

  it('DeleteObject removes the line (or forgets an empty row)', async () => {
    const t = setup();
    const rows = await t.spec.list(undefined, t.model.context());
    await t.spec.remove!(rows[1].key, rows[1].row, t.model.context());
    assert.equal(t.read(), ORIGINAL.replace('nameserver 2001:db8::53\n', ''));
    const key = await t.spec.add!(undefined, t.model.context());
    assert.equal((await t.rows()).length, 4);
    await t.spec.remove!(key, undefined, t.model.context());
    assert.equal((await t.rows()).length, 3);
    assert.equal(t.read(), ORIGINAL.replace('nameserver 2001:db8::53\n', ''));
  });

  it('refuses bad and duplicate addresses before changing anything (9007)', async () => {
    const t = setup();
    await assert.rejects(t.set('Device.DNS.Client.Server.1.DNSServer', 'dns.example.net'), /9007: .*not an IPv4 or IPv6 address/);
    await assert.rejects(t.set('Device.DNS.Client.Server.1.DNSServer', '300.1.1.1'), /9007/);
    await assert.rejects(t.set('Device.DNS.Client.Server.1.DNSServer', '9.9.9.9'), /9007: DNS server 9\.9\.9\.9 is already configured/);
    assert.equal(t.read(), ORIGINAL);
    // setting a row to its own address is fine
    await t.set('Device.DNS.Client.Server.1.DNSServer', '192.168.1.1');
    assert.equal(t.read(), ORIGINAL);
  });

  it('an empty address takes the server out of the file but keeps the row (rollback of an add)', async () => {
    const t = setup();
    await t.set('Device.DNS.Client.Server.1.DNSServer', '');
    assert.equal(t.read(), ORIGINAL.replace('nameserver 192.168.1.1\n', ''));
    assert.equal((await t.rows()).length, 4);
    await t.set('Device.DNS.Client.Server.1.DNSServer', '192.168.1.254');
    assert.deepEqual((await t.rows()).find((r) => r.startsWith('1 ')), '1 192.168.1.254 true Enabled');
  });

  it('serialises concurrent edits', async () => {
    const t = setup();
    await Promise.all([
      t.set('Device.DNS.Client.Server.1.DNSServer', '10.0.0.1'),
      t.set('Device.DNS.Client.Server.2.DNSServer', '2001:db8::1'),
      t.set('Device.DNS.Client.Server.3.Enable', true),
    ]);
    assert.deepEqual(await t.rows(), ['1 10.0.0.1 true Enabled', '2 2001:db8::1 true Enabled', '3 9.9.9.9 true Enabled', '4 fe80::1%eth0 true Enabled']);
  });

  it('keeps the file mode and writes through a symlinked resolv.conf', async () => {
    const target = join(tmp, 'stub-resolv.conf');
    writeFileSync(target, 'nameserver 127.0.0.53\noptions edns0\n');
    chmodSync(target, 0o644);
    const link = join(tmp, 'linked-resolv.conf');
    symlinkSync(target, link);
    const model = new FakeModel();
    register(model, { root: HOST1, settings: () => ({}), resolvConfPath: link });
    const { spec, row } = await model.locate('Device.DNS.Client.Server.1.DNSServer');
    await spec.set!(row, '127.0.0.1', model.context());
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(readFileSync(target, 'utf8'), 'nameserver 127.0.0.1\noptions edns0\n');
    assert.equal(statSync(target).mode & 0o777, 0o644);
  });

  it('creates resolv.conf when there was none', async () => {
    const t = setup(null);
    assert.deepEqual(await t.rows(), []);
    await t.spec.add!(undefined, t.model.context());
    await t.set('Device.DNS.Client.Server.1.DNSServer', '192.0.2.1');
    await t.set('Device.DNS.Client.Server.1.Enable', true);
    assert.equal(t.read(), 'nameserver 192.0.2.1\n');
  });
});
