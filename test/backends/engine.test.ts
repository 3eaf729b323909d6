// The Linux backend inside the real data model engine: what an ACS would see through
// GetParameterValues / SetParameterValues / AddObject / DeleteObject on the host1 fixture.
import { strict as assert } from 'node:assert';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { registerLinuxBackend } from '../../src/backends/linux/index.js';
import { createModel, ModelFault } from '../../src/datamodel/index.js';

const HOST1 = fileURLToPath(new URL('./fixtures/host1', import.meta.url));
const NEIGH6 = readFileSync(new URL('./fixtures/ip-6-neigh.txt', import.meta.url), 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'tr069-engine-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const warnings: string[] = [];
const log = { warn: (obj: object, msg: string) => void warnings.push(`${msg} ${JSON.stringify(obj)}`) };

async function model(name: string) {
  const resolv = join(tmp, `${name}-resolv.conf`);
  copyFileSync(join(HOST1, 'etc/resolv.conf'), resolv);
  const m = createModel({ statePath: join(tmp, `${name}-model.json`), log });
  registerLinuxBackend(m.builder, {
    root: HOST1,
    settings: () => ({}),
    resolvConfPath: resolv,
    networkInterfaces: () => ({
      eth0: [{ address: '192.168.1.23', netmask: '255.255.255.0', family: 'IPv4', mac: '00:1b:21:0a:0b:0c', internal: false, cidr: '192.168.1.23/24' }],
    }),
    runCommand: async (file) => (file === 'ip' ? NEIGH6 : null),
  });
  await m.load();
  return { m, resolv };
}

describe('Linux backend in the real engine', () => {
  it('answers GetParameterValues("Device.") with resolved references', async () => {
    const { m } = await model('gpv');
    warnings.length = 0;
    const all = new Map((await m.getValues(['Device.'])).map((p) => [p.name, p]));
    assert.deepEqual(warnings, []); // no getter failed, no value was out of its type
    assert.ok(all.size > 500);
    const byValue = (re: RegExp, value: string) => [...all.values()].find((p) => re.test(p.name) && p.value === value)?.name;
    const ipEth0 = byValue(/^Device\.IP\.Interface\.\d+\.Name$/, 'eth0')!.replace(/\.Name$/, '');
    const linkEth0 = byValue(/^Device\.Ethernet\.Link\.\d+\.Name$/, 'eth0')!.replace(/\.Name$/, '');
    const portEth0 = byValue(/^Device\.Ethernet\.Interface\.\d+\.Name$/, 'eth0')!.replace(/\.Name$/, '');
    assert.equal(all.get(`${ipEth0}.LowerLayers`)?.value, linkEth0);
    assert.equal(all.get(`${linkEth0}.LowerLayers`)?.value, portEth0);
    assert.equal(all.get('Device.Routing.Router.1.IPv4Forwarding.1.Interface')?.value, ipEth0);
    assert.equal(all.get(`${portEth0}.Stats.BytesReceived`)?.value, '18446744073709551000');
    assert.equal(all.get(`${portEth0}.Stats.BytesReceived`)?.type, 'xsd:unsignedLong');
    assert.equal(all.get('Device.DeviceInfo.ManufacturerOUI')?.value, 'FFFFFF');
    assert.equal(all.get('Device.Ethernet.InterfaceNumberOfEntries')?.value, '3');
    assert.equal(all.get('Device.DNS.Client.ServerNumberOfEntries')?.value, '4');
    assert.match(all.get('Device.DeviceInfo.FirstUseDate')?.value ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('adds, sets and deletes a DNS server through the RPCs', async () => {
    const { m, resolv } = await model('dns');
    const { instanceNumber } = await m.addObject('Device.DNS.Client.Server.', 'k1');
    assert.equal(instanceNumber, 5);
    await m.setValues(
      [
        { name: 'Device.DNS.Client.Server.5.DNSServer', value: '192.0.2.53' },
        { name: 'Device.DNS.Client.Server.5.Enable', value: 'true' },
      ],
      'k2',
    );
    assert.match(readFileSync(resolv, 'utf8'), /^nameserver 192\.0\.2\.53$/m);
    const row = await m.getValues(['Device.DNS.Client.Server.5.']);
    assert.deepEqual(
      row.filter((p) => /\.(DNSServer|Status)$/.test(p.name)).map((p) => p.value),
      ['Enabled', '192.0.2.53'],
    );
    // a duplicate is a 9007 for that parameter, under 9003, and changes nothing
    const before = readFileSync(resolv, 'utf8');
    await assert.rejects(m.setValues([{ name: 'Device.DNS.Client.Server.1.DNSServer', value: '192.0.2.53' }], 'k3'), (e: ModelFault) => {
      assert.equal(e.code, 9003);
      assert.equal(e.parameterFaults?.[0]?.code, 9007);
      return true;
    });
    assert.equal(readFileSync(resolv, 'utf8'), before);
    await m.deleteObject('Device.DNS.Client.Server.5.', 'k4');
    assert.doesNotMatch(readFileSync(resolv, 'utf8'), /192\.0\.2\.53/);
  });

  it('read-only parameters stay read-only', async () => {
    const { m } = await model('ro');
    await assert.rejects(m.setValues([{ name: 'Device.IP.Interface.1.Enable', value: 'false' }], 'k'), (e: ModelFault) => {
      assert.equal(e.parameterFaults?.[0]?.code, 9008);
      return true;
    });
  });
});
