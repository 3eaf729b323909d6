// RouterOS-style upgrade manifests: what a "1 Firmware Upgrade Image" URL points to.
//   <upgrade version="1" type="links">
//     <config/>                                     (optional, must be empty)
//     <links>
//       <link><url>https://…/a.npk</url>           (http/https, absolute)
//             <sha256>64 hex</sha256>               (our extension, optional)
//             <size>bytes</size></link>             (our extension, optional)
//     </links>
//   </upgrade>
// Anything else is refused with fault 9018 and the reason, before a single link is fetched.
import { open } from 'node:fs/promises';
import { parseXml, type XmlElement } from '../cwmp/index.js';
import { FAULT, TransferFault } from './faults.js';

export interface ManifestLink {
  url: string;
  /** Lower-case hex. */
  sha256?: string;
  size?: number;
}
export interface Manifest {
  links: ManifestLink[];
}

export const MAX_MANIFEST_BYTES = 64 * 1024;
export const MAX_MANIFEST_LINKS = 32;

function corrupt(reason: string): TransferFault {
  return new TransferFault(FAULT.corrupted, `invalid upgrade manifest: ${reason}`);
}

function qname(e: XmlElement): string {
  return e.prefix ? `${e.prefix}:${e.name}` : e.name;
}

function noText(e: XmlElement): void {
  if (e.text.trim() !== '') throw corrupt(`unexpected text inside <${qname(e)}>`);
}

function onlyChild(link: XmlElement, name: string): XmlElement | undefined {
  const found = link.children.filter((c) => c.name === name && !c.prefix);
  if (found.length > 1) throw corrupt(`a <link> has more than one <${name}>`);
  const el = found[0];
  if (el && el.children.length > 0) throw corrupt(`<${name}> must hold only text`);
  return el;
}

function parseLink(link: XmlElement, n: number): ManifestLink {
  noText(link);
  for (const c of link.children) {
    if (c.prefix || !['url', 'sha256', 'size'].includes(c.name)) throw corrupt(`unknown element <${qname(c)}> in link ${n}`);
  }
  const urlEl = onlyChild(link, 'url');
  if (!urlEl) throw corrupt(`link ${n} has no <url>`);
  const text = urlEl.text.trim();
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw corrupt(`link ${n}: "${text.slice(0, 80)}" is not an absolute URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw corrupt(`link ${n}: only http and https URLs are allowed`);
  const out: ManifestLink = { url: u.href };
  const sha = onlyChild(link, 'sha256');
  if (sha) {
    const hex = sha.text.trim();
    if (!/^[0-9A-Fa-f]{64}$/.test(hex)) throw corrupt(`link ${n}: <sha256> must be 64 hexadecimal digits`);
    out.sha256 = hex.toLowerCase();
  }
  const size = onlyChild(link, 'size');
  if (size) {
    const s = size.text.trim();
    if (!/^\d{1,15}$/.test(s)) throw corrupt(`link ${n}: <size> must be a number of bytes`);
    out.size = Number(s);
  }
  return out;
}

/** Parses and checks a manifest; throws TransferFault 9018 with the reason. */
export function parseManifest(text: string): Manifest {
  if (text.length > MAX_MANIFEST_BYTES) throw corrupt(`larger than ${MAX_MANIFEST_BYTES} bytes`);
  let root: XmlElement;
  try {
    root = parseXml(text, { maxBytes: MAX_MANIFEST_BYTES, maxDepth: 8 });
  } catch (err) {
    throw corrupt(`not well-formed XML (${(err as Error).message})`);
  }
  if (root.prefix || root.name !== 'upgrade') throw corrupt(`root element is <${qname(root)}>, not <upgrade>`);
  if (root.attrs.version !== '1') throw corrupt(`unsupported version "${root.attrs.version ?? ''}" (expected "1")`);
  if (root.attrs.type !== 'links') throw corrupt(`unsupported type "${root.attrs.type ?? ''}" (expected "links")`);
  noText(root);
  let linksEl: XmlElement | undefined;
  let configSeen = false;
  for (const c of root.children) {
    if (!c.prefix && c.name === 'config') {
      if (configSeen) throw corrupt('more than one <config>');
      configSeen = true;
      if (c.children.length > 0 || c.text.trim() !== '') throw corrupt('a non-empty <config> is not supported');
    } else if (!c.prefix && c.name === 'links') {
      if (linksEl) throw corrupt('more than one <links>');
      linksEl = c;
    } else {
      throw corrupt(`unknown element <${qname(c)}> in <upgrade>`);
    }
  }
  if (!linksEl) throw corrupt('no <links> element');
  noText(linksEl);
  for (const c of linksEl.children) {
    if (c.prefix || c.name !== 'link') throw corrupt(`unknown element <${qname(c)}> in <links>`);
  }
  if (linksEl.children.length === 0) throw corrupt('<links> is empty');
  if (linksEl.children.length > MAX_MANIFEST_LINKS) throw corrupt(`more than ${MAX_MANIFEST_LINKS} links`);
  return { links: linksEl.children.map((l, i) => parseLink(l, i + 1)) };
}

/** True when the text starts (after BOM, whitespace, XML declaration and comments) with <upgrade. */
export function looksLikeManifest(head: string): boolean {
  let s = head.replace(/^\uFEFF/, '').trimStart();
  if (s.startsWith('<?xml')) {
    const end = s.indexOf('?>');
    if (end < 0) return false;
    s = s.slice(end + 2).trimStart();
  }
  for (let k = 0; k < 16 && s.startsWith('<!--'); k++) {
    const end = s.indexOf('-->');
    if (end < 0) return false;
    s = s.slice(end + 3).trimStart();
  }
  return /^<upgrade[\s>/]/.test(s);
}

/** Reads the first bytes of a downloaded file to tell a manifest from a plain image. */
export async function isManifestFile(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return looksLikeManifest(buf.subarray(0, bytesRead).toString('utf8'));
  } finally {
    await fh.close();
  }
}
