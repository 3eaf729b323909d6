// Data model throughput, end to end as the session sees it: decode the ACS request (src/cwmp),
// run the RPC handler against the model, encode the response.
//   - GPV('Device.') over ~1,000 engine-stored parameters (InformParameter rows),
//   - GPV('Device.') over ~1,200 backend getters (a fake Hosts table),
//   - GPV('Device.') over the real Linux backend, when it is present,
//   - one SetParameterValues of 1,000 entries (validation, batch apply, durable state write).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { decode, encode, type Envelope, type GetParameterValues, type SetParameterValues } from '../src/cwmp/index.js';
import { createModel, type Model, type ModelBuilder } from '../src/datamodel/index.js';
import { handleGetParameterValues } from '../src/rpc/get-parameter-values.js';
import { handleSetParameterValues } from '../src/rpc/set-parameter-values.js';

const NS = 'urn:dslforum-org:cwmp-1-0';
const HEAD = `<?xml version="1.0" encoding="UTF-8"?><soap-env:Envelope xmlns:soap-enc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:cwmp="${NS}"><soap-env:Header><cwmp:ID soap-env:mustUnderstand="1">bench-1</cwmp:ID></soap-env:Header><soap-env:Body>`;
const TAIL = '</soap-env:Body></soap-env:Envelope>';

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
function gpvXml(names: string[]): string {
  const items = names.map((n) => `<string>${escape(n)}</string>`).join('');
  return `${HEAD}<cwmp:GetParameterValues><ParameterNames soap-enc:arrayType="xsd:string[${names.length}]">${items}</ParameterNames></cwmp:GetParameterValues>${TAIL}`;
}
function spvXml(list: Array<{ name: string; value: string; type: string }>, key: string): string {
  const items = list
    .map((p) => `<ParameterValueStruct><Name>${escape(p.name)}</Name><Value xsi:type="${p.type}">${escape(p.value)}</Value></ParameterValueStruct>`)
    .join('');
  return `${HEAD}<cwmp:SetParameterValues><ParameterList soap-enc:arrayType="cwmp:ParameterValueStruct[${list.length}]">${items}</ParameterList><ParameterKey>${key}</ParameterKey></cwmp:SetParameterValues>${TAIL}`;
}

/** null when the codec is still a placeholder (then only the model part is measured). */
function codecReady(): boolean {
  const r = decode(gpvXml(['Device.']));
  return r.ok && r.envelope?.body.method === 'GetParameterValues';
}

async function gpvRoundTrip(model: Model, xml: string, codec: boolean): Promise<number> {
  let req: GetParameterValues = { method: 'GetParameterValues', parameterNames: ['Device.'] };
  if (codec) {
    const d = decode(xml);
    if (!d.ok || !d.envelope) throw new Error('GPV request did not decode');
    req = d.envelope.body as GetParameterValues;
  }
  const res = await handleGetParameterValues(req, { model });
  if (res.method !== 'GetParameterValuesResponse') throw new Error(`GPV failed: ${res.faultString}`);
  if (codec) {
    const env: Envelope = { ns: NS, header: { id: 'bench-1' }, body: res };
    encode(env);
  }
  return res.parameterList.length;
}

async function measure(label: string, iterations: number, fn: () => Promise<number>, warmup = iterations): Promise<void> {
  for (let i = 0; i < warmup; i++) await fn(); // JIT, instance numbers, first state write
  const times: number[] = [];
  let count = 0;
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    count = await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const perK = (median / count) * 1000;
  console.log(
    `${label.padEnd(52)} ${String(count).padStart(5)} params  median ${median.toFixed(2).padStart(8)} ms  ` +
      `(${perK.toFixed(2)} ms / 1,000 params, ${Math.round(count / (median / 1000)).toLocaleString('en')} params/s)`,
  );
}

async function newModel(dir: string, name: string, register: (b: ModelBuilder) => void): Promise<Model> {
  const model = createModel({ statePath: join(dir, `${name}.json`) });
  register(model.builder);
  await model.load();
  return model;
}

export async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tr069-bench-dm-'));
  try {
    const codec = codecReady();
    if (!codec) console.log('(src/cwmp decode/encode are still placeholders: measuring the model and handlers only)');
    const gpv = gpvXml(['Device.']);

    // 1. Engine-stored parameters: 250 InformParameter rows x 4 parameters.
    const stored = await newModel(dir, 'stored', () => undefined);
    for (let i = 0; i < 250; i++) await stored.addObject('Device.ManagementServer.InformParameter.', '');
    await measure("GPV('Device.') stored params, decode+model+encode", 100, () => gpvRoundTrip(stored, gpv, codec));

    // 2. Backend getters: 100 hosts x 12 parameters, synchronous reads.
    const hosts = Array.from({ length: 100 }, (_, i) => ({
      mac: `02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
      ip: `192.0.2.${i}`,
      name: `host-${i}`,
    }));
    const getters = await newModel(dir, 'getters', (b) => {
      b.table<(typeof hosts)[number]>('Device.Hosts.Host.{i}.', {
        list: () => hosts.map((h) => ({ key: h.mac, row: h })),
        params: {
          PhysAddress: { get: (h) => h.mac },
          IPAddress: { get: (h) => h.ip },
          DHCPClient: { get: () => '' },
          AssociatedDevice: { get: () => '' },
          Layer1Interface: { get: () => 'Device.Ethernet.Interface.1' },
          Layer3Interface: { get: () => 'Device.IP.Interface.1' },
          InterfaceType: { get: () => 'Ethernet' },
          HostName: { get: (h) => h.name },
          Active: { get: () => true },
          ActiveLastChange: { get: () => new Date(0) },
        },
      });
      b.table<string, (typeof hosts)[number]>('Device.Hosts.Host.{i}.IPv4Address.{i}.', {
        list: (h) => [{ key: h.ip, row: h.ip }],
        params: { IPAddress: { get: (ip) => ip } },
      });
    });
    await measure("GPV('Device.') backend getters, decode+model+encode", 100, () => gpvRoundTrip(getters, gpv, codec));

    // 3. The real Linux backend, if it is there (its own reads dominate).
    const linuxUrl = pathToFileURL(join(import.meta.dirname, '../src/backends/linux/index.ts')).href;
    let linux: { registerLinuxBackend?: (b: ModelBuilder, deps: { settings(): object; resolvConfPath?: string }) => void } | undefined;
    try {
      linux = (await import(linuxUrl)) as typeof linux;
    } catch (e) {
      console.log(`(Linux backend not measured: ${(e as Error).message.split('\n')[0]})`);
    }
    if (linux?.registerLinuxBackend) {
      const register = linux.registerLinuxBackend;
      const real = await newModel(dir, 'linux', (b) => register(b, { settings: () => ({}), resolvConfPath: join(dir, 'resolv.conf') }));
      await measure("GPV('Device.') Linux backend, decode+model+encode", 5, () => gpvRoundTrip(real, gpv, codec), 1);
    }

    // 4. One SPV of 1,000 entries (all stored, so the engine's own work is what is measured).
    const list: Array<{ name: string; value: string; type: string }> = [];
    for (let i = 1; i <= 250; i++) {
      const base = `Device.ManagementServer.InformParameter.${i}.`;
      list.push(
        { name: base + 'Enable', value: i % 2 ? 'true' : '0', type: 'xsd:boolean' },
        { name: base + 'Alias', value: `alias-${i}`, type: 'xsd:string' },
        { name: base + 'ParameterName', value: `Device.Hosts.Host.${i}.HostName`, type: 'xsd:string' },
        { name: base + 'EventList', value: '1 BOOT, 2 PERIODIC', type: 'xsd:string' },
      );
    }
    let n = 0;
    await measure('SPV 1,000 entries, decode+validate+apply+fsync+encode', 10, async () => {
      const key = `k${n++}`;
      let req: SetParameterValues = { method: 'SetParameterValues', parameterList: list, parameterKey: key };
      if (codec) {
        const d = decode(spvXml(list, key));
        if (!d.ok || !d.envelope) throw new Error('SPV request did not decode');
        req = d.envelope.body as SetParameterValues;
      }
      const res = await handleSetParameterValues(req, { model: stored });
      if (res.method !== 'SetParameterValuesResponse') throw new Error(`SPV failed: ${res.faultString}`);
      if (codec) encode({ ns: NS, header: { id: 'bench-1' }, body: res });
      return list.length;
    }, 3);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// Run directly: node --import tsx bench/datamodel.bench.ts
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
