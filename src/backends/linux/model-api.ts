// The data model engine's registration API (src/datamodel/registry.ts), as the backends see it.
// Backends import it from here only, so the engine's module layout stays one line away.
// ReadContext.ref(tablePath, key) gives another table's row path ('Device.IP.Interface.2', no
// trailing dot, as TR-106 writes references); BackendError picks the CWMP fault code.
export { BackendError } from '../../datamodel/registry.js';
export type { ModelBuilder, ObjectSpec, ParamSpec, ReadContext, TableSpec, Value } from '../../datamodel/registry.js';
