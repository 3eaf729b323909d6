// Sends an HTTP connection request the way GenieACS does (lib/connection-request.ts, interop notes §8.1):
// a GET without credentials, then one Digest answer on the same keep-alive connection.
import { randomBytes } from 'node:crypto';
import { Client } from 'undici';
import { basicAuthorization, digestAuthorization, digestResponse, parseChallenge, type Challenge } from '../../src/transport/digest.js';

export interface ConnectionRequestOptions {
  username?: string;
  password?: string;
  /** Whole request time limit (default 2000 ms, GenieACS's cwmp.connectionRequestTimeout). */
  timeoutMs?: number;
  /** Answer a Basic challenge too (GenieACS: only with cwmp.connectionRequestAllowBasicAuth). Default false. */
  allowBasic?: boolean;
  /**
   * 'genieacs' (default): always hash with MD5 whatever `algorithm` says, as GenieACS does, so a
   * listener offering only SHA-256 fails as it would in the field. 'rfc': hash as offered.
   */
  digest?: 'genieacs' | 'rfc';
}

export interface ConnectionRequestResult {
  /** Final HTTP status: 200/204 = success; 401 = credentials refused (or no usable challenge). */
  status: number;
  /** The WWW-Authenticate challenge answered, if one was. */
  challenge?: Challenge;
  /** Number of GETs sent (1 or 2). */
  attempts: number;
}

export async function sendConnectionRequest(url: string, opts: ConnectionRequestOptions = {}): Promise<ConnectionRequestResult> {
  const u = new URL(url);
  if (u.protocol !== 'http:') throw new Error(`connection requests are plain HTTP (got ${u.protocol})`);
  const path = u.pathname + u.search;
  const timeoutMs = opts.timeoutMs ?? 2000;
  const client = new Client(u.origin, { pipelining: 1, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connect: { timeout: timeoutMs } });
  const deadline = AbortSignal.timeout(timeoutMs);
  try {
    const first = await client.request({ method: 'GET', path, signal: deadline });
    await first.body.dump();
    if (first.statusCode !== 401) return { status: first.statusCode, attempts: 1 };
    const offered = parseChallenge(first.headers['www-authenticate']);
    const digest = offered.find((c) => c.scheme === 'digest' && c.params.nonce);
    const basic = offered.find((c) => c.scheme === 'basic');
    let authorization: string;
    let challenge: Challenge;
    if (digest) {
      challenge = digest;
      authorization = opts.digest === 'rfc' ? digestAuthorization(digest, {
        username: opts.username ?? '', password: opts.password ?? '', method: 'GET', uri: path,
      }) : genieacsDigest(digest, opts.username ?? '', opts.password ?? '', path);
    } else if (basic && opts.allowBasic) {
      challenge = basic;
      authorization = basicAuthorization(opts.username ?? '', opts.password ?? '');
    } else {
      return { status: 401, attempts: 1 };
    }
    const second = await client.request({ method: 'GET', path, headers: { Authorization: authorization }, signal: deadline });
    await second.body.dump();
    return { status: second.statusCode, challenge, attempts: 2 };
  } finally {
    await client.destroy().catch(() => undefined);
  }
}

/** GenieACS's answer: MD5 always, qop=auth when offered, nc=00000001, a 16-hex cnonce, algorithm echoed. */
function genieacsDigest(ch: Challenge, username: string, password: string, uri: string): string {
  const p = ch.params;
  const offered = (p.qop ?? '').split(',').map((q) => q.trim());
  const qop = p.qop === undefined ? null : offered.includes('auth') ? 'auth' : offered[0];
  const cnonce = randomBytes(8).toString('hex');
  const response = digestResponse({ algorithm: 'MD5', username, realm: p.realm ?? '', password, nonce: p.nonce, method: 'GET', uri, qop, nc: '00000001', cnonce });
  let h = `Digest username="${username}",realm="${p.realm ?? ''}",nonce="${p.nonce}",uri="${uri}"`;
  if (p.algorithm) h += `,algorithm=${p.algorithm}`;
  if (qop) h += `,qop=${qop},nc=00000001,cnonce="${cnonce}"`;
  h += `,response="${response}"`;
  if (p.opaque !== undefined) h += `,opaque="${p.opaque}"`;
  return h;
}
