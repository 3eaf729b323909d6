// Safe one-pass XML reader.
//
// Hand-written rather than a dependency because decoding is on the hot path of every session: it
// scans with indexOf/charCodeAt and allocates only the elements and strings it returns
// (bench/codec.bench.ts measures it against fast-xml-parser). It is also the safety boundary for
// everything read from the network, so the rules are ours and small:
// - no DTD: `<!DOCTYPE` and markup declarations (`<!ENTITY` …) are refused with code 'forbidden',
//   so no entity is ever declared or expanded;
// - only the five predefined entities and numeric character references are decoded; any other `&…`
//   sequence stays literal text (GenieACS writes raw `&` in Download URLs);
// - comments, processing instructions and the XML declaration are skipped; CDATA is read as text;
// - size (characters, default 4 MiB) and nesting depth (default 64) are limited.
// Namespaces are not resolved here: each element keeps its prefix and its attributes (including
// `xmlns…` declarations) so the caller can resolve what it needs.

export interface XmlLimits {
  /** Maximum input length in characters (default 4 MiB). */
  maxBytes?: number;
  /** Maximum element nesting depth; the root is depth 1 (default 64). */
  maxDepth?: number;
}

/**
 * An element: local name, prefix, attributes by qualified name (e.g. `xsi:type`, `xmlns:cwmp`),
 * child elements in document order, and text content. The tree is read-only: elements without
 * attributes share one frozen empty `attrs`, and elements without children one frozen empty
 * `children` (fewer objects for the collector: a 10,000-parameter message has 30,000 elements).
 * `text` is the element's own character data (entities decoded, CDATA included). Whitespace-only
 * runs between child elements are dropped, so a container of elements has `text === ''` while a
 * leaf keeps its text exactly, whitespace included.
 */
export interface XmlElement {
  name: string; // local name (after the first colon of the qualified name)
  prefix: string; // '' when unprefixed
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

export type XmlErrorCode = 'malformed' | 'forbidden' | 'too-large' | 'too-deep';

/** The only error parseXml throws. `offset` is the character position where reading stopped. */
export class XmlError extends Error {
  readonly code: XmlErrorCode;
  readonly offset: number;
  /** True when the input holds no element at all (only whitespace, comments, PIs). */
  readonly noRoot: boolean;
  constructor(code: XmlErrorCode, message: string, offset = 0, noRoot = false) {
    super(message);
    this.name = 'XmlError';
    this.code = code;
    this.offset = offset;
    this.noRoot = noRoot;
  }
}

export const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_DEPTH = 64;

// Character classes for names, indexed by char code (ASCII only; every code >= 0x80 is accepted
// as a name character, which is more lenient than XML but never ambiguous with markup).
const NAME_START = new Uint8Array(128);
const NAME_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 58; // A-Z a-z _ :
  NAME_START[c] = letter ? 1 : 0;
  NAME_CHAR[c] = letter || (c >= 48 && c <= 57) || c === 45 || c === 46 ? 1 : 0; // 0-9 - .
}
const isNameStart = (c: number): boolean => (c < 128 ? NAME_START[c] === 1 : true);
const isNameChar = (c: number): boolean => (c < 128 ? NAME_CHAR[c] === 1 : true);
const isWs = (c: number): boolean => c === 32 || c === 10 || c === 9 || c === 13;

function isBlankRange(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isWs(s.charCodeAt(i))) return false;
  return true;
}

/** True when `s` is empty or only XML whitespace. */
export function isBlank(s: string): boolean {
  return isBlankRange(s, 0, s.length);
}

function where(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `line ${line}, column ${offset - lineStart + 1}`;
}

function fail(code: XmlErrorCode, what: string, text: string, offset: number): never {
  throw new XmlError(code, `${what} at ${where(text, offset)}`, offset);
}

/** True for code points XML 1.0 allows in a document. */
function isXmlChar(cp: number): boolean {
  return (
    cp === 9 || cp === 10 || cp === 13 || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/** Decodes the reference whose body (between `&` and `;`) is text[start, end); null if not one. */
function decodeRef(text: string, start: number, end: number): string | null {
  const n = end - start;
  const c0 = text.charCodeAt(start);
  if (c0 === 35 /* # */) {
    let cp = 0;
    let i = start + 1;
    const hex = text.charCodeAt(i) === 120; /* x */
    if (hex) i++;
    if (i >= end) return null;
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (hex && c >= 97 && c <= 102) d = c - 87;
      else if (hex && c >= 65 && c <= 70) d = c - 55;
      else return null;
      cp = cp * (hex ? 16 : 10) + d;
      if (cp > 0x10ffff) return null;
    }
    return isXmlChar(cp) ? String.fromCodePoint(cp) : null;
  }
  if (n === 2 && text.charCodeAt(start + 1) === 116 /* t */) {
    if (c0 === 108) return '<'; // lt
    if (c0 === 103) return '>'; // gt
    return null;
  }
  if (n === 3 && text.startsWith('amp', start)) return '&';
  if (n === 4) {
    if (text.startsWith('quot', start)) return '"';
    if (text.startsWith('apos', start)) return "'";
  }
  return null;
}

// A reference is at most `&#x10FFFF;` or `&#1114111;` long, give or take leading zeros; looking
// further for the `;` would make text full of raw `&` quadratic.
const MAX_REF_LEN = 16;

/** Decodes entity and character references in text[start, end); unknown ones stay literal. */
function decodeText(text: string, start: number, end: number, amp: number): string {
  let out = '';
  let last = start;
  while (amp !== -1 && amp < end) {
    let semi = -1;
    const limit = Math.min(end, amp + MAX_REF_LEN);
    for (let i = amp + 1; i < limit; i++) {
      const c = text.charCodeAt(i);
      if (c === 59 /* ; */) {
        semi = i;
        break;
      }
      if (c === 38 /* & */ || isWs(c) || c === 60 /* < */) break;
    }
    const rep = semi > amp + 1 ? decodeRef(text, amp + 1, semi) : null;
    if (rep === null) {
      amp = text.indexOf('&', amp + 1);
      continue;
    }
    out += text.slice(last, amp) + rep;
    last = semi + 1;
    amp = text.indexOf('&', last);
  }
  return out + text.slice(last, end);
}

/** Attribute values: references decoded, TAB/LF/CR normalised to spaces (as XML requires). */
function attrValue(text: string, start: number, end: number): string {
  let amp = -1;
  let ws = false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 38) {
      if (amp === -1) amp = i;
    } else if (c === 60) {
      fail('malformed', "'<' in an attribute value", text, i);
    } else if (c === 9 || c === 10 || c === 13) {
      ws = true;
    }
  }
  let v = text.slice(start, end);
  if (ws) v = v.replace(/[\t\n\r]/g, ' '); // before decoding: &#10; must stay a newline
  if (amp !== -1) v = decodeText(v, 0, v.length, v.indexOf('&'));
  return v;
}

const NO_ATTRS: Record<string, string> = Object.freeze({}) as Record<string, string>;
const NO_CHILDREN: XmlElement[] = Object.freeze([]) as unknown as XmlElement[];

const DECLARATIONS = ['DOCTYPE', 'ENTITY', 'ELEMENT', 'ATTLIST', 'NOTATION'];

// Names at least this long are compared with indexOf(name, at) === at, which V8 runs natively and
// (measured) about 3x faster than startsWith or a charCodeAt loop; shorter ones are cheaper by hand.
const MIN_NATIVE_COMPARE = 9;
// A start tag is first tried as "same name as the sibling just closed". A miss makes indexOf scan
// forward, so after this many misses in one document the guess is no longer tried (no quadratic input).
const MAX_GUESS_MISSES = 4;

/**
 * Parses a whole document and returns its root element. Throws XmlError (never anything else)
 * when the input is not well-formed, uses a DTD, or exceeds the limits.
 */
export function parseXml(input: string, limits: XmlLimits = {}): XmlElement {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (typeof input !== 'string') throw new XmlError('malformed', 'input is not a string');
  if (input.length > maxBytes) {
    throw new XmlError('too-large', `document is ${input.length} characters, the limit is ${maxBytes}`);
  }
  let text = input;
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // byte-order mark
  if (text.indexOf('\r') !== -1) text = text.replace(/\r\n?/g, '\n'); // XML end-of-line handling

  const len = text.length;
  const stack: XmlElement[] = [];
  const qnames: string[] = [];
  let cur: XmlElement | undefined;
  let root: XmlElement | undefined;
  let pos = 0;
  let amp = text.indexOf('&'); // next '&' at or after pos (-1: none left); kept lazily
  let sib: XmlElement | undefined; // the element closed just before, while no start tag came since
  let sibQ = ''; // its qualified name
  let guessMisses = 0;

  while (pos < len) {
    const lt = text.indexOf('<', pos);
    const end = lt === -1 ? len : lt;
    if (end > pos) {
      // character data
      if (cur === undefined) {
        if (!isBlankRange(text, pos, end)) fail('malformed', 'text outside the root element', text, pos);
      } else {
        if (amp !== -1 && amp < pos) amp = text.indexOf('&', pos);
        const s = amp !== -1 && amp < end ? decodeText(text, pos, end, amp) : text.slice(pos, end);
        if (cur.children.length === 0) cur.text = cur.text === '' ? s : cur.text + s;
        else if (!isBlank(s)) cur.text += s;
      }
    }
    if (lt === -1) break;
    const c1 = text.charCodeAt(lt + 1);

    if (c1 === 47 /* / */) {
      // end tag: `</name>` (whitespace allowed before the '>')
      const q = qnames.pop();
      if (q === undefined) fail('malformed', 'end tag without a start tag', text, lt);
      const after = lt + 2 + q.length;
      let gt = after;
      if (text.charCodeAt(after) !== 62) {
        gt = text.indexOf('>', lt + 2);
        if (gt === -1) fail('malformed', 'unterminated end tag', text, lt);
        if (after > gt || !isBlankRange(text, after, gt)) fail('malformed', `end tag does not match <${q}>`, text, lt);
      }
      // Long names are compared by the native indexOf (much faster than startsWith here); when it
      // does not match at lt + 2 the document is rejected, so its forward scan happens at most once.
      if (q.length >= MIN_NATIVE_COMPARE ? text.indexOf(q, lt + 2) !== lt + 2 : !text.startsWith(q, lt + 2)) {
        fail('malformed', `end tag does not match <${q}>`, text, lt);
      }
      sib = stack.pop();
      sibQ = q;
      cur = stack.length === 0 ? undefined : stack[stack.length - 1];
      pos = gt + 1;
      continue;
    }

    if (c1 === 33 /* ! */) {
      if (text.startsWith('--', lt + 2)) {
        const close = text.indexOf('-->', lt + 4);
        if (close === -1) fail('malformed', 'unterminated comment', text, lt);
        pos = close + 3;
        continue;
      }
      if (text.startsWith('[CDATA[', lt + 2)) {
        const close = text.indexOf(']]>', lt + 9);
        if (close === -1) fail('malformed', 'unterminated CDATA section', text, lt);
        if (cur === undefined) fail('malformed', 'CDATA outside the root element', text, lt);
        const s = text.slice(lt + 9, close);
        if (cur.children.length === 0 || !isBlank(s)) cur.text += s;
        pos = close + 3;
        continue;
      }
      for (const d of DECLARATIONS) {
        if (text.startsWith(d, lt + 2)) {
          fail('forbidden', `<!${d}> is not allowed (no DTDs or entity declarations)`, text, lt);
        }
      }
      fail('malformed', "unknown markup after '<!'", text, lt);
    }

    if (c1 === 63 /* ? */) {
      // processing instruction or XML declaration: skipped
      const close = text.indexOf('?>', lt + 2);
      if (close === -1) fail('malformed', 'unterminated processing instruction', text, lt);
      pos = close + 2;
      continue;
    }

    // start tag
    let i = lt + 1;
    let qname: string;
    let name: string;
    let prefix: string;
    if (
      sib !== undefined &&
      sibQ.length >= MIN_NATIVE_COMPARE &&
      guessMisses < MAX_GUESS_MISSES &&
      text.indexOf(sibQ, i) === i &&
      !isNameChar(text.charCodeAt(i + sibQ.length))
    ) {
      // Same name as the sibling just closed (the items of a list): compared natively, and the
      // sibling's strings are reused.
      qname = sibQ;
      name = sib.name;
      prefix = sib.prefix;
      i += sibQ.length;
    } else {
      if (sib !== undefined && sibQ.length >= MIN_NATIVE_COMPARE) guessMisses++;
      if (i >= len || !isNameStart(c1)) fail('malformed', "invalid character after '<'", text, lt);
      let colon = -1;
      for (i++; i < len; i++) {
        const c = text.charCodeAt(i);
        if (!isNameChar(c)) break;
        if (c === 58 && colon === -1) colon = i;
      }
      qname = text.slice(lt + 1, i);
      name = colon === -1 ? qname : qname.slice(colon - lt);
      prefix = colon === -1 ? '' : qname.slice(0, colon - lt - 1);
    }
    let attrs: Record<string, string> | undefined;
    let selfClosing = false;
    for (;;) {
      const ws = i;
      while (i < len && isWs(text.charCodeAt(i))) i++;
      if (i >= len) fail('malformed', `unterminated start tag <${qname}>`, text, lt);
      const c = text.charCodeAt(i);
      if (c === 62 /* > */) {
        i++;
        break;
      }
      if (c === 47 /* / */) {
        if (text.charCodeAt(i + 1) !== 62) fail('malformed', `expected '/>' in <${qname}>`, text, i);
        selfClosing = true;
        i += 2;
        break;
      }
      if (i === ws || !isNameStart(c)) fail('malformed', `invalid attribute syntax in <${qname}>`, text, i);
      const an = i;
      for (i++; i < len && isNameChar(text.charCodeAt(i)); i++);
      const aname = text.slice(an, i);
      while (i < len && isWs(text.charCodeAt(i))) i++;
      if (text.charCodeAt(i) !== 61 /* = */) fail('malformed', `attribute ${aname} has no value`, text, i);
      i++;
      while (i < len && isWs(text.charCodeAt(i))) i++;
      const quote = text.charCodeAt(i);
      if (quote !== 34 && quote !== 39) fail('malformed', `attribute ${aname} value is not quoted`, text, i);
      const vEnd = text.indexOf(quote === 34 ? '"' : "'", i + 1);
      if (vEnd === -1) fail('malformed', `unterminated value of attribute ${aname}`, text, i);
      if (attrs === undefined) attrs = {};
      else if (Object.hasOwn(attrs, aname)) fail('malformed', `duplicate attribute ${aname}`, text, an);
      // A plain object is much faster than a null-prototype one; '__proto__' must not reach its setter.
      if (aname === '__proto__') Object.defineProperty(attrs, aname, { value: attrValue(text, i + 1, vEnd), enumerable: true });
      else attrs[aname] = attrValue(text, i + 1, vEnd);
      i = vEnd + 1;
    }

    if (stack.length >= maxDepth) fail('too-deep', `elements nested deeper than ${maxDepth}`, text, lt);
    const el: XmlElement = {
      name,
      prefix,
      attrs: attrs ?? NO_ATTRS,
      children: NO_CHILDREN,
      text: '',
    };
    if (cur !== undefined) {
      if (cur.children.length === 0 && cur.text !== '' && isBlank(cur.text)) cur.text = '';
      if (cur.children === NO_CHILDREN) cur.children = [el];
      else cur.children.push(el);
    } else if (root === undefined) {
      root = el;
    } else {
      fail('malformed', 'more than one root element', text, lt);
    }
    if (selfClosing) {
      sib = el;
      sibQ = qname;
    } else {
      stack.push(el);
      qnames.push(qname);
      cur = el;
      sib = undefined; // the next start tag is a first child, not a sibling
    }
    pos = i;
  }

  if (stack.length > 0) fail('malformed', `<${qnames[qnames.length - 1]}> is not closed`, text, len);
  if (root === undefined) throw new XmlError('malformed', 'no root element', len, true);
  return root;
}
