// Public face of the data model engine (see docs/architecture.md, "Data model").
export { createModel, Model, type ModelOptions, type ModelLogger, type ParameterChange, type SetValuesItem } from './model.js';
export {
  BackendError,
  RegistrationError,
  type ModelBuilder,
  type ObjectSpec,
  type ParamSpec,
  type ReadContext,
  type TableSpec,
  type Value,
} from './registry.js';
export { ModelFault, FAULT, type ParameterFault } from './fault.js';
export { loadSchema, Schema, type ParamSchema, type ObjectSchema, type SchemaFile } from './schema.js';
export { formatValue, parseValue, nullValue, UNKNOWN_TIME } from './values.js';
export { parsePath } from './path.js';
