// Parameters the engine answers itself: what describes the data model (RootDataModelVersion,
// SupportedDataModel), what CWMP defines around it (ParameterKey, InformParameter,
// AliasBasedAddressing, InstanceWildcardsSupported).
import { parsePath } from './path.js';
import type { Registry, Value } from './registry.js';
import type { Schema } from './schema.js';

export interface BuiltinDeps {
  parameterKey(): string;
  /** true when the generic path is a forced-inform parameter. */
  isForced(generic: string): boolean;
}

/** Where BBF publishes its CWMP data-model documents. */
const BBF_CWMP_URL = 'https://www.broadband-forum.org/cwmp/';

export function registerBuiltins(reg: Registry, schema: Schema, deps: BuiltinDeps): void {
  // Defaults a backend may replace with its own registration.
  reg.as('builtin', () => {
    reg.object('Device.', { params: { RootDataModelVersion: { get: () => schema.version } } });
    reg.table('Device.DeviceInfo.SupportedDataModel.{i}.', {
      list: () => [{ key: schema.spec, row: null }],
      params: {
        Alias: { get: () => 'cpe-1' },
        URL: { get: () => BBF_CWMP_URL + schema.file.meta.source },
        URN: { get: () => schema.spec },
        Features: { get: () => '' },
      },
    });
    reg.object('Device.ManagementServer.', {
      params: {
        // We offer neither alias-based addressing nor '*' in names (CWMP 1.4 optional features).
        AliasBasedAddressing: { get: () => false },
        InstanceWildcardsSupported: { get: () => false },
      },
    });
  });
  // Engine-owned: their semantics live in the engine (SPV/AddObject/DeleteObject, Inform).
  reg.as('engine', () => {
    reg.object('Device.ManagementServer.', { params: { ParameterKey: { get: () => deps.parameterKey() } } });
    reg.storedTable('Device.ManagementServer.InformParameter.{i}.', {
      validate: {
        ParameterName: (v: Value) => checkInformParameterName(String(v), deps),
        EventList: (v: Value) =>
          String(v).split(',').includes('4 VALUE CHANGE') ? '"4 VALUE CHANGE" may not be in EventList' : undefined,
      },
    });
  });
}

function checkInformParameterName(name: string, deps: BuiltinDeps): string | undefined {
  if (name === '') return undefined;
  const probe = name.split('.').map((s) => (s === '*' ? '1' : s)).join('.');
  const parsed = parsePath(probe);
  if (!parsed) return `${JSON.stringify(name)} is not a parameter name or partial path (use * for instance numbers)`;
  if (!parsed.partial && deps.isForced(parsed.generic)) return `${name} is a forced Inform parameter already in every Inform`;
  return undefined;
}
