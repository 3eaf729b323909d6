// Public face of the codec. Pure: no sockets, timers, files or data model.
export * from './types.js';
export { decode } from './decode.js';
export { encode } from './encode.js';
export { parseXml, type XmlElement, type XmlLimits } from './xml.js';
