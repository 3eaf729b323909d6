// Generates src/datamodel/generated/tr181.json: the part of the BBF TR-181 Device:2 CWMP model this
// agent implements, with exactly the facts the engine needs at run time (types, access, facets,
// defaults, table metadata, notification/inform flags). The output is committed: users have no
// ../shared. Run: node --import tsx scripts/gen-schema.ts [path/to/tr181-cwmp.json] [--out DIR]
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const outDir = outAt >= 0 ? resolve(args.splice(outAt, 2)[1] ?? '.') : join(root, 'src/datamodel/generated');
const input = resolve(args[0] ?? join(root, '../shared/bbf/tr181-cwmp.json'));

/**
 * Object paths we implement. 'X.' = the object and its own parameters; 'X.**' = the object and
 * everything below it. An object is kept when some rule matches and no EXCLUDE rule does.
 */
const INCLUDE = [
  'Device.',
  'Device.DeviceInfo.**',
  'Device.ManagementServer.**',
  'Device.Time.**',
  'Device.InterfaceStack.{i}.',
  'Device.Ethernet.',
  'Device.Ethernet.Interface.{i}.**',
  'Device.Ethernet.Link.{i}.**',
  'Device.IP.',
  'Device.IP.Interface.{i}.',
  'Device.IP.Interface.{i}.IPv4Address.{i}.',
  'Device.IP.Interface.{i}.IPv6Address.{i}.',
  'Device.IP.Interface.{i}.Stats.',
  'Device.IP.ActivePort.{i}.',
  'Device.DNS.',
  'Device.DNS.Client.**',
  'Device.Routing.',
  'Device.Routing.Router.{i}.**',
  'Device.Hosts.',
  'Device.Hosts.Host.{i}.',
  'Device.Hosts.Host.{i}.IPv4Address.{i}.',
  'Device.Hosts.Host.{i}.IPv6Address.{i}.',
];
/** Out of scope: TR-111 gateway association, proxied/virtual devices, DU management, standby. */
const EXCLUDE = [
  'Device.ManagementServer.ManageableDevice.{i}.**',
  'Device.ManagementServer.EmbeddedDevice.{i}.**',
  'Device.ManagementServer.VirtualDevice.{i}.**',
  'Device.ManagementServer.DownloadAvailability.**',
  'Device.ManagementServer.DUStateChangeComplPolicy.**',
  'Device.ManagementServer.StandbyPolicy.**',
];

/** Parameter fields copied unchanged (when present). */
const PARAM_FIELDS = [
  'type',
  'itemType',
  'list',
  'xsdType',
  'dataType',
  'access',
  'size',
  'range',
  'enum',
  'pattern',
  'default',
  'hidden',
  'secured',
  'command',
  'activeNotify',
  'forcedInform',
] as const;
const OBJECT_FIELDS = ['multiInstance', 'access', 'minEntries', 'maxEntries', 'numEntriesParameter', 'enableParameter'] as const;

type Entry = Record<string, unknown> & { isObject: boolean; status?: string };

function matches(rule: string, objPath: string): boolean {
  return rule.endsWith('.**') ? objPath.startsWith(rule.slice(0, -2)) : objPath === rule;
}
function parentObject(path: string): string {
  const trimmed = path.endsWith('.') ? path.slice(0, -1) : path;
  let cut = trimmed.lastIndexOf('.');
  // A table row's parent is the object holding the table: Device.IP.Interface.{i}. → Device.IP.
  if (trimmed.slice(cut + 1) === '{i}') cut = trimmed.lastIndexOf('.', cut - 1);
  return trimmed.slice(0, cut + 1);
}
function paramObject(path: string): string {
  return path.slice(0, path.lastIndexOf('.') + 1);
}

const text = readFileSync(input, 'utf8');
const source = JSON.parse(text) as { meta: Record<string, unknown>; model: Record<string, Entry> };
const model = source.model;
const modelName = String(source.meta.model); // "Device:2.19"
const version = /^Device:(\d+\.\d+)$/.exec(modelName)?.[1];
if (!version) throw new Error(`unexpected model name ${modelName} in ${input}`);

const objects: Record<string, Record<string, unknown>> = {};
for (const [path, e] of Object.entries(model)) {
  if (!e.isObject || e.status === 'obsoleted' || e.status === 'deleted') continue;
  if (!INCLUDE.some((r) => matches(r, path)) || EXCLUDE.some((r) => matches(r, path))) continue;
  if (path !== 'Device.' && !objects[parentObject(path)]) {
    throw new Error(`rule includes ${path} but not its parent ${parentObject(path)}`);
  }
  const o: Record<string, unknown> = {};
  for (const f of OBJECT_FIELDS) if (e[f] !== undefined) o[f] = e[f];
  if (e.status && e.status !== 'current') o.status = e.status;
  objects[path] = o;
}
for (const rule of INCLUDE) {
  const p = rule.replace(/\*\*$/, '');
  if (!objects[p]) throw new Error(`INCLUDE rule ${rule} matches no object in ${input}`);
}

// NumberOfEntries parameters of tables we do not carry would only ever read 0: drop them.
const numEntries = new Map<string, string>(); // "Device.IP.InterfaceNumberOfEntries" → table path
for (const [path, e] of Object.entries(model)) {
  if (e.isObject && typeof e.numEntriesParameter === 'string') numEntries.set(parentObject(path) + e.numEntriesParameter, path);
}

const params: Record<string, Record<string, unknown>> = {};
for (const [path, e] of Object.entries(model)) {
  if (e.isObject || e.status === 'obsoleted' || e.status === 'deleted') continue;
  if (!objects[paramObject(path)]) continue;
  const table = numEntries.get(path);
  if (table && !objects[table]) continue;
  const p: Record<string, unknown> = {};
  for (const f of PARAM_FIELDS) if (e[f] !== undefined) p[f] = e[f];
  // Only the enum values the ACS may not write matter at run time (e.g. DiagnosticsState "Complete").
  const info = e.enumInfo as Record<string, { access?: string }> | undefined;
  if (info) {
    const ro = Object.entries(info).filter(([, v]) => v.access === 'readOnly').map(([k]) => k);
    if (ro.length) p.readOnlyEnum = ro;
  }
  if (e.status && e.status !== 'current') p.status = e.status;
  params[path] = p;
}

const out = {
  meta: {
    model: modelName,
    version,
    spec: source.meta.spec,
    source: source.meta.source,
    generatedFrom: 'tr181-cwmp.json (shared/bbf, flattened BBF cwmp-data-models commit 35da1133c049c71228eac6f7bdf981c378c3506a)',
    sourceSha256: createHash('sha256').update(text).digest('hex'),
    licence: 'BSD-3-Clause style Broadband Forum licence: see LICENSE-BBF in this directory',
    generator: 'scripts/gen-schema.ts',
    counts: { objects: Object.keys(objects).length, params: Object.keys(params).length },
  },
  objects,
  params,
};

mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'tr181.json'), JSON.stringify(out, null, 0).replace(/,"(Device\.)/g, ',\n"$1') + '\n');
// Not copyFileSync: the shared copy is read-only and its mode would follow, breaking the next run.
rmSync(join(outDir, 'LICENSE-BBF'), { force: true });
writeFileSync(join(outDir, 'LICENSE-BBF'), readFileSync(join(dirname(input), 'LICENSE-BBF')), { mode: 0o644 });
console.log(`${modelName}: ${out.meta.counts.objects} objects, ${out.meta.counts.params} parameters → ${join(outDir, 'tr181.json')}`);
