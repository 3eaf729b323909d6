// Safe one-pass XML reader (placeholder until the codec lands).
export interface XmlLimits {
  maxBytes?: number;
  maxDepth?: number;
}
/** An element: local name, prefix, attributes by qualified name, children, and text content. */
export interface XmlElement {
  name: string; // local name
  prefix: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}
export function parseXml(_text: string, _limits?: XmlLimits): XmlElement {
  throw new Error('xml reader not implemented yet');
}
