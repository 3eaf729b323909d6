// Public face of the codec. Pure: no sockets, timers, files or data model.
export * from './types.js';
export { decode } from './decode.js';
export { encode, escapeXml, xmlSafe } from './encode.js';
export {
  parseXml,
  XmlError,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_DEPTH,
  type XmlElement,
  type XmlErrorCode,
  type XmlLimits,
} from './xml.js';
