// Server side of HTTP Digest authentication (RFC 7616, qop=auth) for the connection-request listener.
//
// Nonces are stateless: issue time + counter, signed with a per-process HMAC key, so issuing a
// challenge costs one HMAC and no memory. Only nonces that have authenticated a request are
// remembered (their last nc), in a bounded map: replay protection without letting unauthenticated
// traffic grow our state.
//
// Interop: GenieACS always computes MD5 and, given several challenges, merges their parameters with
// the LAST one winning (Node joins repeated WWW-Authenticate headers with ", "; lib/auth.ts then
// splits on commas). So when SHA-256 is offered it goes first and MD5 last, all challenges share the
// realm (first parameter) and the nonce. Python requests and Apache HttpClient 4 also end up with the
// last challenge; curl and Python urllib take the first one, and urllib does not know SHA-256 —
// which is why SHA-256 is off by default (MD5 must be accepted anyway, so offering SHA-256 buys little).

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Credentials } from './types.js';
import { monotonicMs } from '../clock.js';

export type DigestAlgorithm = 'MD5' | 'SHA-256';

export interface DigestServerOptions {
  /** Realm in the challenge; printable ASCII without quotes or backslashes. */
  realm?: string;
  /** Also offer SHA-256 (listed before MD5, see the interop note above). Default false. */
  offerSha256?: boolean;
  /** A nonce older than this gets a `stale=true` challenge. Default 60 s. */
  nonceLifetimeMs?: number;
  /** How many authenticated nonces are remembered for replay protection. Default 1024. */
  maxTrackedNonces?: number;
  /** Monotonic clock in ms (injectable for tests). Default monotonicMs. */
  now?: () => number;
}

export type DigestFailure =
  | 'missing' // no Authorization header
  | 'scheme' // not Digest (Basic is never accepted)
  | 'malformed' // Digest, but unparsable or a required parameter missing/invalid
  | 'unsupported' // algorithm, qop or userhash we did not offer
  | 'realm'
  | 'uri' // digest uri does not name the requested resource
  | 'nonce' // not a nonce of this process (forged, truncated, from before a restart)
  | 'credentials' // wrong username or password
  | 'stale' // right password, but the nonce expired (or its replay record was evicted)
  | 'replay'; // right password, but nc not above the last one accepted for this nonce

export type DigestVerdict = { ok: true } | { ok: false; reason: DigestFailure };

/** The HTTP status for a refusal: 400 for a header we cannot read, 401 (with a challenge) otherwise. */
export function statusForFailure(reason: DigestFailure): 400 | 401 {
  return reason === 'malformed' ? 400 : 401;
}

/** Whether the challenge sent with this refusal carries stale=true (the client may retry silently). */
export function isStaleFailure(reason: DigestFailure): boolean {
  return reason === 'stale' || reason === 'replay';
}

const MAX_HEADER_LENGTH = 4096;
const MAX_PARAMS = 24;
const NONCE_DATA_BYTES = 10; // 6 bytes issue time (ms) + 4 bytes counter
const NONCE_MAC_BYTES = 16;
const NONCE_CHARS = Math.ceil(((NONCE_DATA_BYTES + NONCE_MAC_BYTES) * 4) / 3);
const NONCE_RE = new RegExp(`^[A-Za-z0-9_-]{${NONCE_CHARS}}$`);
const TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const REALM_RE = /^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,128}$/;

export class DigestServer {
  readonly realm: string;
  private readonly offerSha256: boolean;
  private readonly lifetimeMs: number;
  private readonly maxTracked: number;
  private readonly now: () => number;
  private readonly key = randomBytes(32);
  private readonly opaque = randomBytes(12).toString('base64url');
  private counter = randomBytes(4).readUInt32BE(0);
  /** nonce → last accepted nc; insertion order ≈ age, oldest evicted first. */
  private readonly used = new Map<string, { nc: number; issuedAt: number }>();
  /** Nonces issued at or before this time may have lost their replay record: treat as stale. */
  private evictedUpTo = -1;

  constructor(opts: DigestServerOptions = {}) {
    this.realm = opts.realm ?? 'tr069-client';
    if (!REALM_RE.test(this.realm)) throw new RangeError('digest realm must be 1-128 printable ASCII characters without quotes or backslashes');
    this.offerSha256 = opts.offerSha256 ?? false;
    this.lifetimeMs = opts.nonceLifetimeMs ?? 60_000;
    this.maxTracked = Math.max(1, opts.maxTrackedNonces ?? 1024);
    this.now = opts.now ?? monotonicMs;
  }

  /** Number of nonces currently remembered for replay protection (bounded by maxTrackedNonces). */
  get trackedNonces(): number {
    return this.used.size;
  }

  /** WWW-Authenticate values for a 401 (one per algorithm; set them as separate header lines). */
  challenge(stale = false): string[] {
    const nonce = this.issueNonce();
    // realm first and identical everywhere: see the GenieACS note at the top of the file.
    const rest = `qop="auth", nonce="${nonce}", opaque="${this.opaque}"${stale ? ', stale=true' : ''}`;
    const md5 = `Digest realm="${this.realm}", ${rest}, algorithm=MD5`;
    if (!this.offerSha256) return [md5];
    return [`Digest realm="${this.realm}", ${rest}, algorithm=SHA-256`, md5];
  }

  /**
   * Checks an Authorization header for `method requestTarget` against the credentials. Never throws.
   * A successful check consumes the nc value (a second identical request is a replay).
   */
  verify(header: string | undefined, method: string, requestTarget: string, creds: Credentials): DigestVerdict {
    if (header === undefined || header.trim() === '') return fail('missing');
    if (header.trim().split(/[ \t]/, 1)[0].toLowerCase() !== 'digest') return fail('scheme');
    const parsed = parseAuthorizationHeader(header);
    if (parsed === null) return fail('malformed');
    const p = parsed.params;

    if (p.has('username*') || (p.get('userhash') ?? 'false').toLowerCase() !== 'false') return fail('unsupported');
    const username = p.get('username');
    const realm = p.get('realm');
    const nonce = p.get('nonce');
    const uri = p.get('uri');
    const response = p.get('response');
    const qop = p.get('qop');
    const nc = p.get('nc');
    const cnonce = p.get('cnonce');
    if (username === undefined || realm === undefined || nonce === undefined || uri === undefined || response === undefined) {
      return fail('malformed');
    }
    if (qop === undefined) return fail('unsupported'); // RFC 2069 style: no nc, so no replay protection
    if (qop !== 'auth') return fail('unsupported');
    if (nc === undefined || !/^[0-9a-fA-F]{8}$/.test(nc) || cnonce === undefined || cnonce === '' || cnonce.length > 256) {
      return fail('malformed');
    }
    const ncValue = parseInt(nc, 16);
    if (ncValue === 0) return fail('malformed');
    const algorithm = parseAlgorithm(p.get('algorithm'));
    if (algorithm === null) return fail('unsupported');
    const hexLength = algorithm === 'MD5' ? 32 : 64;
    if (response.length !== hexLength || !/^[0-9a-fA-F]+$/.test(response)) return fail('malformed');

    if (realm !== this.realm) return fail('realm');
    if (originForm(uri) !== originForm(requestTarget)) return fail('uri');
    const issuedAt = this.openNonce(nonce);
    if (issuedAt === null) return fail('nonce');
    const opaque = p.get('opaque');
    if (opaque !== undefined && opaque !== this.opaque) return fail('nonce');

    // Header strings arrive as latin1 (one char per byte): hash the bytes the client sent.
    const userBytes = Buffer.from(username, 'latin1');
    const userOk = sameBytes(userBytes, Buffer.from(creds.username, 'utf8'));
    const ha1 = hash(algorithm, Buffer.concat([userBytes, Buffer.from(`:${realm}:`, 'latin1'), Buffer.from(creds.password, 'utf8')]));
    const ha2 = hash(algorithm, Buffer.from(`${method}:${uri}`, 'latin1'));
    const expected = hash(algorithm, Buffer.from(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`, 'latin1'));
    const responseOk = timingSafeEqual(Buffer.from(expected, 'latin1'), Buffer.from(response.toLowerCase(), 'latin1'));
    if (!userOk || !responseOk) return fail('credentials');

    if (this.now() - issuedAt > this.lifetimeMs) return fail('stale');
    const seen = this.used.get(nonce);
    if (seen !== undefined) {
      if (ncValue <= seen.nc) return fail('replay');
      seen.nc = ncValue;
    } else {
      if (issuedAt <= this.evictedUpTo) return fail('stale');
      this.remember(nonce, issuedAt, ncValue);
    }
    return { ok: true };
  }

  private issueNonce(): string {
    const buf = Buffer.allocUnsafe(NONCE_DATA_BYTES + NONCE_MAC_BYTES);
    buf.writeUIntBE(Math.max(0, Math.floor(this.now())), 0, 6);
    this.counter = (this.counter + 1) >>> 0;
    buf.writeUInt32BE(this.counter, 6);
    this.mac(buf.subarray(0, NONCE_DATA_BYTES)).copy(buf, NONCE_DATA_BYTES);
    return buf.toString('base64url');
  }

  /** The nonce's issue time if this process signed it, else null. */
  private openNonce(nonce: string): number | null {
    if (!NONCE_RE.test(nonce)) return null;
    const buf = Buffer.from(nonce, 'base64url');
    // Only the canonical spelling: the replay map is keyed by the string.
    if (buf.length !== NONCE_DATA_BYTES + NONCE_MAC_BYTES || buf.toString('base64url') !== nonce) return null;
    if (!timingSafeEqual(this.mac(buf.subarray(0, NONCE_DATA_BYTES)), buf.subarray(NONCE_DATA_BYTES))) return null;
    const issuedAt = buf.readUIntBE(0, 6);
    return issuedAt > this.now() + 1000 ? null : issuedAt;
  }

  private mac(data: Buffer): Buffer {
    return createHmac('sha256', this.key).update(data).digest().subarray(0, NONCE_MAC_BYTES);
  }

  private remember(nonce: string, issuedAt: number, nc: number): void {
    this.used.set(nonce, { nc, issuedAt });
    const now = this.now();
    // Drop expired entries at the front (they are refused as stale before the map is consulted),
    // then evict the oldest if still over the bound, remembering how far eviction went.
    for (const [k, v] of this.used) {
      if (this.used.size <= 1 || now - v.issuedAt <= this.lifetimeMs) break;
      this.used.delete(k);
      this.evictedUpTo = Math.max(this.evictedUpTo, v.issuedAt);
    }
    while (this.used.size > this.maxTracked) {
      const first = this.used.entries().next().value as [string, { issuedAt: number }];
      this.used.delete(first[0]);
      this.evictedUpTo = Math.max(this.evictedUpTo, first[1].issuedAt);
    }
  }
}

function fail(reason: DigestFailure): DigestVerdict {
  return { ok: false, reason };
}

function parseAlgorithm(value: string | undefined): DigestAlgorithm | null {
  if (value === undefined) return 'MD5';
  const v = value.toUpperCase();
  return v === 'MD5' ? 'MD5' : v === 'SHA-256' ? 'SHA-256' : null;
}

function hash(algorithm: DigestAlgorithm, data: Buffer): string {
  return createHash(algorithm === 'MD5' ? 'md5' : 'sha256').update(data).digest('hex');
}

/** Constant-time equality that does not leak the length either (compares SHA-256 digests). */
export function sameBytes(a: Buffer, b: Buffer): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** `/p?q` from an origin-form or absolute-form request target (so either spelling of the uri matches). */
function originForm(target: string): string {
  if (target.startsWith('/')) return target;
  if (/^https?:\/\//i.test(target)) {
    try {
      const u = new URL(target);
      return u.pathname + u.search;
    } catch {
      return target;
    }
  }
  return target;
}

export interface ParsedAuthorization {
  scheme: string;
  /** Parameter names lower-cased; values unquoted. */
  params: Map<string, string>;
}

/**
 * Parses `Scheme name=value, name="quoted \"value\"", …` (RFC 7235 auth-params). Returns null for
 * anything else: oversized, duplicate names, bad quoting, token68 forms. Never throws.
 */
export function parseAuthorizationHeader(header: string): ParsedAuthorization | null {
  if (header.length > MAX_HEADER_LENGTH) return null;
  const s = header.trim();
  const sp = s.search(/[ \t]/);
  const scheme = sp === -1 ? s : s.slice(0, sp);
  if (!TOKEN_RE.test(scheme)) return null;
  const params = new Map<string, string>();
  let i = sp === -1 ? s.length : sp;
  const n = s.length;
  const skipWs = (): void => {
    while (i < n && (s[i] === ' ' || s[i] === '\t')) i++;
  };
  while (i < n) {
    skipWs();
    if (s[i] === ',') {
      i++;
      continue;
    }
    if (i >= n) break;
    const nameStart = i;
    while (i < n && /[!#$%&'*+.^_`|~0-9A-Za-z-]/.test(s[i])) i++;
    const name = s.slice(nameStart, i).toLowerCase();
    if (name === '') return null;
    skipWs();
    if (s[i] !== '=') return null;
    i++;
    skipWs();
    let value: string;
    if (s[i] === '"') {
      i++;
      let out = '';
      let closed = false;
      while (i < n) {
        const c = s[i];
        if (c === '\\') {
          if (i + 1 >= n) return null;
          out += s[i + 1];
          i += 2;
        } else if (c === '"') {
          i++;
          closed = true;
          break;
        } else {
          out += c;
          i++;
        }
      }
      if (!closed) return null;
      value = out;
    } else {
      const start = i;
      while (i < n && s[i] !== ',' && s[i] !== ' ' && s[i] !== '\t') i++;
      value = s.slice(start, i);
      if (!TOKEN_RE.test(value)) return null;
    }
    if (params.has(name) || params.size >= MAX_PARAMS) return null;
    params.set(name, value);
    skipWs();
    if (i < n && s[i] !== ',') return null;
  }
  return { scheme, params };
}
