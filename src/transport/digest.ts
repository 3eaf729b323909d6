// HTTP authentication, client side: parsing WWW-Authenticate challenges (RFC 9110 §11) and
// answering Basic (RFC 7617) and Digest (RFC 2617 / RFC 7616) challenges. Pure: no I/O.
// Shared by the ACS session transport and the transfers download client.
import { createHash, randomBytes } from 'node:crypto';

/** One challenge from a WWW-Authenticate header (or the credentials of an Authorization header). */
export interface Challenge {
  /** Lower-case scheme name: 'digest', 'basic', 'bearer', … */
  scheme: string;
  /** Auth parameters with lower-case names; quoted values are unquoted and unescaped. */
  params: Record<string, string>;
  /** The token68 form (`Basic QWxh…`, `Negotiate …`), when the scheme used it. */
  token68?: string;
}

export interface DigestInput {
  username: string;
  password: string;
  /** HTTP method of the request being authorized, e.g. "POST". */
  method: string;
  /** The request-target as sent on the request line (path and query). */
  uri: string;
  /** Entity body, needed only when qop=auth-int is chosen ('' when absent). */
  body?: string | Uint8Array;
  /** Client nonce; random when absent. Keep one per connection to let nc count up. */
  cnonce?: string;
  /** Nonce count for this nonce, starting at 1 (default 1). */
  nc?: number;
}

const TCHAR = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]";
const TOKEN_RE = new RegExp(`${TCHAR}+`, 'y');
const TOKEN68_RE = /[A-Za-z0-9\-._~+/]+=*/y;
const OWS_RE = /[ \t]*/y;

/**
 * Parses a WWW-Authenticate (or Proxy-Authenticate) value into its challenges, in order.
 * Several challenges in one header, quoted strings with backslash escapes, lists inside quotes
 * (`qop="auth,auth-int"`) and empty list elements are handled; garbage is skipped rather than thrown.
 * Several header lines may be passed as an array.
 */
export function parseChallenge(wwwAuthenticate: string | readonly string[] | undefined): Challenge[] {
  if (wwwAuthenticate === undefined) return [];
  if (typeof wwwAuthenticate !== 'string') return wwwAuthenticate.flatMap((h) => parseChallenge(h));
  const s = wwwAuthenticate;
  const out: Challenge[] = [];
  let i = 0;
  while (i < s.length) {
    i = skipSeparators(s, i);
    if (i >= s.length) break;
    const scheme = match(TOKEN_RE, s, i);
    if (!scheme || s[i + scheme.length] === '=') {
      i = skipElement(s, i); // not a scheme: skip this list element
      continue;
    }
    i += scheme.length;
    const ch: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(ch);
    if (s[i] !== ' ' && s[i] !== '\t') continue; // scheme alone
    i += match(OWS_RE, s, i)!.length;
    // token68 first: "abc=" followed by a comma is a token68, not an empty parameter.
    const t68 = match(TOKEN68_RE, s, i);
    if (t68) {
      const after = i + t68.length + match(OWS_RE, s, i + t68.length)!.length;
      if (after >= s.length || s[after] === ',') {
        ch.token68 = t68;
        i = after;
        continue;
      }
    }
    // auth-param list: stops at the first element that is not name=value (the next scheme).
    while (i < s.length) {
      const j = skipSeparators(s, i);
      if (!looksLikeParam(s, j)) {
        i = j;
        break;
      }
      const name = match(TOKEN_RE, s, j)!;
      let k = j + name.length;
      k += match(OWS_RE, s, k)!.length + 1; // '='
      k += match(OWS_RE, s, k)!.length;
      const [value, end] = readValue(s, k);
      const key = name.toLowerCase();
      if (!(key in ch.params)) ch.params[key] = value;
      i = end;
    }
  }
  return out;
}

/** Parses an Authorization header (server side): `Digest username="…", …` or `Basic <token68>`. */
export function parseAuthorization(header: string | undefined): Challenge | undefined {
  return header === undefined ? undefined : parseChallenge(header)[0];
}

/** `Basic base64(user:pass)`, UTF-8 (RFC 7617 charset="UTF-8"). */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** Digest algorithms we can compute, strongest first. */
const ALGORITHMS: Record<string, string> = { 'SHA-512-256': 'sha512-256', 'SHA-256': 'sha256', MD5: 'md5' };

/** The hash behind a Digest `algorithm` value (case-insensitive, `-sess` allowed); undefined if unsupported. */
export function digestHash(algorithm: string | undefined): { hash: string; sess: boolean } | undefined {
  const a = (algorithm ?? 'MD5').toUpperCase();
  const sess = a.endsWith('-SESS');
  const hash = ALGORITHMS[sess ? a.slice(0, -5) : a];
  return hash ? { hash, sess } : undefined;
}

/** The qop we answer with: auth preferred, then auth-int; null = legacy RFC 2069 (no qop offered). */
export function chooseQop(ch: Challenge): 'auth' | 'auth-int' | null | undefined {
  if (ch.params.qop === undefined) return null;
  const offered = ch.params.qop.split(',').map((q) => q.trim().toLowerCase());
  if (offered.includes('auth')) return 'auth';
  if (offered.includes('auth-int')) return 'auth-int';
  return undefined; // only qop values we do not know
}

/**
 * The challenge to answer, or undefined when none is usable: Digest is preferred over Basic,
 * and among Digest challenges the strongest algorithm we support (RFC 7616 §3.7: a server may
 * offer several, in its order of preference).
 */
export function selectChallenge(challenges: readonly Challenge[]): Challenge | undefined {
  const rank = (ch: Challenge): number => {
    if (ch.scheme === 'basic') return 1;
    if (ch.scheme !== 'digest' || !ch.params.nonce || chooseQop(ch) === undefined) return 0;
    const alg = digestHash(ch.params.algorithm);
    if (!alg) return 0;
    return 10 + Object.values(ALGORITHMS).length - Object.values(ALGORITHMS).indexOf(alg.hash);
  };
  let best: Challenge | undefined;
  for (const ch of challenges) if (rank(ch) > 0 && (!best || rank(ch) > rank(best))) best = ch;
  return best;
}

export interface DigestResponseInput {
  algorithm?: string;
  username: string;
  realm: string;
  password: string;
  nonce: string;
  method: string;
  uri: string;
  qop?: string | null;
  nc?: string;
  cnonce?: string;
  body?: string | Uint8Array;
}

/**
 * The `response` value of RFC 2617/7616: the building block both for answering a challenge and
 * for checking an Authorization header on a server (connection-request listener, test ACS).
 */
export function digestResponse(i: DigestResponseInput): string {
  const alg = digestHash(i.algorithm);
  if (!alg) throw new Error(`unsupported Digest algorithm ${i.algorithm}`);
  const H = (data: string | Uint8Array) => createHash(alg.hash).update(data).digest('hex');
  let ha1 = H(`${i.username}:${i.realm}:${i.password}`);
  if (alg.sess) ha1 = H(`${ha1}:${i.nonce}:${i.cnonce ?? ''}`);
  const qop = i.qop ?? null;
  const ha2 = qop === 'auth-int' ? H(`${i.method}:${i.uri}:${H(i.body ?? '')}`) : H(`${i.method}:${i.uri}`);
  if (qop === null) return H(`${ha1}:${i.nonce}:${ha2}`);
  return H(`${ha1}:${i.nonce}:${i.nc ?? ''}:${i.cnonce ?? ''}:${qop}:${ha2}`);
}

/**
 * The Authorization header value answering a Digest challenge. Throws an Error when the challenge
 * cannot be answered (not Digest, no nonce, unsupported algorithm or qop).
 */
export function digestAuthorization(ch: Challenge, input: DigestInput): string {
  if (ch.scheme !== 'digest') throw new Error(`not a Digest challenge: ${ch.scheme}`);
  const p = ch.params;
  if (!p.nonce) throw new Error('Digest challenge without a nonce');
  const alg = digestHash(p.algorithm);
  if (!alg) throw new Error(`unsupported Digest algorithm ${p.algorithm}`);
  const qop = chooseQop(ch);
  if (qop === undefined) throw new Error(`unsupported Digest qop "${p.qop}"`);
  const realm = p.realm ?? '';
  const cnonce = input.cnonce ?? randomBytes(8).toString('hex');
  const nc = (input.nc ?? 1).toString(16).padStart(8, '0');
  const userhash = p.userhash?.toLowerCase() === 'true';
  const response = digestResponse({
    algorithm: p.algorithm,
    username: input.username,
    realm,
    password: input.password,
    nonce: p.nonce,
    method: input.method,
    uri: input.uri,
    qop,
    nc,
    cnonce,
    body: input.body,
  });

  const parts: string[] = [];
  if (userhash) {
    const H = createHash(alg.hash).update(`${input.username}:${realm}`).digest('hex');
    parts.push(`username="${H}"`);
  } else if (/^[\x20-\x7e]*$/.test(input.username)) {
    parts.push(`username=${quote(input.username)}`);
  } else {
    parts.push(`username*=UTF-8''${encodeRfc5987(input.username)}`); // RFC 7616 §3.4.4
  }
  parts.push(`realm=${quote(realm)}`, `nonce=${quote(p.nonce)}`, `uri=${quote(input.uri)}`);
  if (p.algorithm !== undefined) parts.push(`algorithm=${p.algorithm}`);
  if (qop !== null) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce=${quote(cnonce)}`);
  else if (alg.sess) parts.push(`cnonce=${quote(cnonce)}`);
  parts.push(`response=${quote(response)}`);
  if (p.opaque !== undefined) parts.push(`opaque=${quote(p.opaque)}`);
  if (userhash) parts.push('userhash=true');
  return `Digest ${parts.join(', ')}`;
}

// ---- helpers -----------------------------------------------------------------------------

function match(re: RegExp, s: string, at: number): string | undefined {
  re.lastIndex = at;
  const m = re.exec(s);
  return m ? m[0] : undefined;
}

/** True when `name OWS "=" OWS value` starts at i (a parameter, not a new scheme or a token68). */
function looksLikeParam(s: string, i: number): boolean {
  const name = match(TOKEN_RE, s, i);
  if (!name) return false;
  let k = i + name.length;
  k += match(OWS_RE, s, k)!.length;
  if (s[k] !== '=') return false;
  k += 1 + match(OWS_RE, s, k + 1)!.length;
  // "abc==" (token68 padding) is not a parameter; "realm=" followed by end or comma is an empty value.
  return s[k] !== '=';
}

function skipSeparators(s: string, i: number): number {
  while (i < s.length && (s[i] === ',' || s[i] === ' ' || s[i] === '\t')) i++;
  return i;
}

/** Skips to the comma that ends the current list element, honouring quoted strings. */
function skipElement(s: string, i: number): number {
  while (i < s.length && s[i] !== ',') {
    if (s[i] === '"') i = readQuoted(s, i)[1];
    else i++;
  }
  return i;
}

/** Reads a parameter value: a quoted string, or (leniently) anything up to whitespace or a comma. */
function readValue(s: string, i: number): [string, number] {
  if (s[i] === '"') return readQuoted(s, i);
  let j = i;
  while (j < s.length && s[j] !== ',' && s[j] !== ' ' && s[j] !== '\t') j++;
  return [s.slice(i, j), j];
}

/** Reads `"…"` starting at the opening quote; an unterminated string runs to the end. */
function readQuoted(s: string, i: number): [string, number] {
  let out = '';
  let j = i + 1;
  while (j < s.length && s[j] !== '"') {
    if (s[j] === '\\' && j + 1 < s.length) j++;
    out += s[j];
    j++;
  }
  return [out, Math.min(j + 1, s.length)];
}

function quote(v: string): string {
  return `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function encodeRfc5987(v: string): string {
  return encodeURIComponent(v).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
