import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { DEFAULT_OUI, readDeviceFacts, readIdentity } from '../../src/backends/linux/index.js';

const HOST1 = fileURLToPath(new URL('./fixtures/host1', import.meta.url));
const HOST2 = fileURLToPath(new URL('./fixtures/host2', import.meta.url));

const tmp = mkdtempSync(join(tmpdir(), 'tr069-identity-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function root(name: string, files: Record<string, string>): string {
  const r = join(tmp, name);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(r, p)), { recursive: true });
    writeFileSync(join(r, p), text);
  }
  mkdirSync(r, { recursive: true });
  return r;
}

describe('readIdentity (Inform DeviceId)', () => {
  it('uses DMI on a PC', async () => {
    assert.deepEqual(await readIdentity({ root: HOST1, settings: () => ({}) }), {
      manufacturer: 'Protectli',
      oui: 'FFFFFF',
      productClass: 'VP2410',
      serialNumber: 'PT24-0012345',
    });
  });

  it('uses the device tree on an ARM board', async () => {
    assert.deepEqual(await readIdentity({ root: HOST2, settings: () => ({}) }), {
      manufacturer: 'raspberrypi',
      oui: 'FFFFFF',
      productClass: 'Raspberry Pi 4 Model B Rev 1.4',
      serialNumber: '10000000a1b2c3d4',
    });
  });

  it('falls back to machine-id: first 16 hex digits, upper case', async () => {
    const r = root('vm', { 'etc/machine-id': '3d1219c7c4c5404aaa1f6d2a48adfda4\n', 'proc/sys/kernel/hostname': 'vm\n' });
    assert.deepEqual(await readIdentity({ root: r, settings: () => ({}) }), {
      manufacturer: 'Linux',
      oui: DEFAULT_OUI,
      productClass: 'Linux',
      serialNumber: '3D1219C7C4C5404A',
    });
  });

  it('skips firmware placeholders and an all-zero machine-id', async () => {
    const r = root('placeholders', {
      'sys/class/dmi/id/sys_vendor': 'System manufacturer\n',
      'sys/class/dmi/id/product_name': 'System Product Name\n',
      'sys/class/dmi/id/product_serial': 'To Be Filled By O.E.M.\n',
      'sys/class/dmi/id/board_vendor': 'ASUSTeK COMPUTER INC.\n',
      'sys/class/dmi/id/board_name': 'PRIME B450M-A\n',
      'sys/class/dmi/id/board_serial': '190436732900123\n',
      'etc/machine-id': '00000000000000000000000000000000\n',
    });
    assert.deepEqual(await readIdentity({ root: r, settings: () => ({}) }), {
      manufacturer: 'ASUSTeK COMPUTER INC.',
      oui: DEFAULT_OUI,
      productClass: 'PRIME B450M-A',
      serialNumber: '190436732900123',
    });
  });

  it('without machine-id derives a stable serial from the host name', async () => {
    const a = root('container-a', { 'proc/sys/kernel/hostname': 'edge-17\n' });
    const b = root('container-b', { 'proc/sys/kernel/hostname': 'edge-18\n' });
    const first = await readIdentity({ root: a, settings: () => ({}) });
    assert.match(first.serialNumber, /^H[0-9A-F]{15}$/);
    assert.deepEqual(await readIdentity({ root: a, settings: () => ({}) }), first);
    assert.notEqual((await readIdentity({ root: b, settings: () => ({}) })).serialNumber, first.serialNumber);
  });

  it('is the same on every call (no time, order or randomness in it)', async () => {
    const deps = { root: HOST1, settings: () => ({}) };
    const ids = await Promise.all([readIdentity(deps), readIdentity(deps), readIdentity({ ...deps })]);
    assert.deepEqual(ids[1], ids[0]);
    assert.deepEqual(ids[2], ids[0]);
  });

  it('settings override each field; a malformed OUI is ignored', async () => {
    const settings = { manufacturer: ' ACME ', 'manufacturer-oui': 'a1b2c3', 'product-class': 'EdgeBox', 'serial-number': 'X-1' };
    assert.deepEqual(await readIdentity({ root: HOST1, settings: () => settings }), {
      manufacturer: 'ACME',
      oui: 'A1B2C3',
      productClass: 'EdgeBox',
      serialNumber: 'X-1',
    });
    const bad = await readIdentity({ root: HOST1, settings: () => ({ 'manufacturer-oui': '12345G' }) });
    assert.equal(bad.oui, DEFAULT_OUI);
    const blank = await readIdentity({ root: HOST1, settings: () => ({ manufacturer: '', 'serial-number': '  ' }) });
    assert.equal(blank.manufacturer, 'Protectli');
    assert.equal(blank.serialNumber, 'PT24-0012345');
  });

  it('cuts long strings to their TR-181 sizes', async () => {
    const long = 'x'.repeat(100);
    const id = await readIdentity({ root: HOST1, settings: () => ({ manufacturer: long, 'serial-number': long, 'product-class': long }) });
    assert.equal(id.manufacturer.length, 64);
    assert.equal(id.serialNumber.length, 64);
    assert.equal(id.productClass.length, 64);
  });

  it('SoftwareVersion can be fixed by the host program', async () => {
    const f = await readDeviceFacts({ root: HOST1, settings: () => ({}), softwareVersion: 'gw-fw 4.2.1' });
    assert.equal(f.softwareVersion, 'gw-fw 4.2.1');
  });
});
