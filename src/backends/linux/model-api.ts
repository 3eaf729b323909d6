// The data model engine's registration API, as the backends see it (src/datamodel/registry.ts),
// plus one proposed addition: `ReadContext.ref`, which turns (table path, row key) into the path of
// that row with the instance number the engine assigned ('Device.IP.Interface.2', no trailing
// dot, as TR-106 writes references). Until the engine provides it, references read as ''.
import type { ReadContext as EngineReadContext } from '../../datamodel/registry.js';

export type { ModelBuilder, ObjectSpec, ParamSpec, TableSpec, Value } from '../../datamodel/registry.js';

export type ReadContext = EngineReadContext & {
  /** Path of row `key` of the top-level table `tablePath` ('Device.IP.Interface.{i}.'); '' if none. */
  ref?(tablePath: string, key: string): string | Promise<string>;
};
