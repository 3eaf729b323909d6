// Test-side HTTP Digest clients: a straightforward RFC 7616 one, and one that behaves like
// GenieACS's connection-request code (lib/auth.ts, lib/connection-request.ts), reimplemented from
// its observable behaviour: comma-split parsing of the (joined) WWW-Authenticate value where later
// parameters overwrite earlier ones, MD5 always, nc=00000001, a 16-hex cnonce, uri = path+query.
import { createHash, randomBytes } from 'node:crypto';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Splits one or more WWW-Authenticate values into challenges (RFC 7235 §4.1 list syntax). */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  const text = Array.isArray(header) ? header.join(', ') : header;
  const out: Challenge[] = [];
  let i = 0;
  const n = text.length;
  const ws = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === ',')) i++;
  };
  const token = (): string => {
    const s = i;
    while (i < n && /[!#$%&'*+.^_`|~0-9A-Za-z-]/.test(text[i])) i++;
    return text.slice(s, i);
  };
  while (i < n) {
    ws();
    const t = token();
    if (t === '') break;
    let j = i;
    while (j < n && text[j] === ' ') j++;
    if (text[j] === '=' && out.length > 0) {
      i = j + 1;
      while (i < n && text[i] === ' ') i++;
      let v = '';
      if (text[i] === '"') {
        i++;
        while (i < n && text[i] !== '"') {
          if (text[i] === '\\') i++;
          v += text[i++];
        }
        i++;
      } else {
        v = token();
      }
      out[out.length - 1].params[t.toLowerCase()] = v;
    } else {
      out.push({ scheme: t, params: {} });
    }
  }
  return out;
}

export interface DigestClientOptions {
  username: string;
  password: string;
  method: string;
  uri: string;
  nc?: number;
  cnonce?: string;
  /** Compute with this algorithm instead of the challenge's. */
  algorithm?: 'MD5' | 'SHA-256';
  /** Override what is sent (after computing), to build broken requests. */
  realm?: string;
  sentUri?: string;
  omitQop?: boolean;
}

export function digestAuthorization(ch: Challenge, o: DigestClientOptions): string {
  const algorithm = o.algorithm ?? ((ch.params.algorithm ?? 'MD5').toUpperCase() === 'SHA-256' ? 'SHA-256' : 'MD5');
  const h = (s: string): string => createHash(algorithm === 'MD5' ? 'md5' : 'sha256').update(s).digest('hex');
  const realm = o.realm ?? ch.params.realm ?? '';
  const nc = (o.nc ?? 1).toString(16).padStart(8, '0');
  const cnonce = o.cnonce ?? randomBytes(8).toString('hex');
  const ha1 = h(`${o.username}:${realm}:${o.password}`);
  const ha2 = h(`${o.method}:${o.uri}`);
  const response = o.omitQop ? h(`${ha1}:${ch.params.nonce}:${ha2}`) : h(`${ha1}:${ch.params.nonce}:${nc}:${cnonce}:auth:${ha2}`);
  let s = `Digest username="${o.username}", realm="${realm}", nonce="${ch.params.nonce}", uri="${o.sentUri ?? o.uri}", algorithm=${algorithm}`;
  if (!o.omitQop) s += `, qop=auth, nc=${nc}, cnonce="${cnonce}"`;
  s += `, response="${response}"`;
  if (ch.params.opaque !== undefined) s += `, opaque="${ch.params.opaque}"`;
  return s;
}

/** GenieACS's WWW-Authenticate reading: one flat object, later parameters win. Throws like it does. */
export function genieacsParseWwwAuthenticate(header: string): Record<string, string> {
  const h = header.trim();
  const method = h.split(' ', 1)[0];
  const res: Record<string, string> = { method };
  const parts = h.slice(method.length + 1).split(',');
  let part: string | undefined;
  while ((part = parts.shift()) !== undefined) {
    const name = part.split('=', 1)[0];
    if (name.length === part.length) {
      if (part.trim() === '') continue;
      throw new Error('Unable to parse auth header');
    }
    let value = part.slice(name.length + 1);
    if (!/^\s*"/.test(value)) {
      value = value.trim();
    } else {
      while (!/[^\\]"\s*$/.test(value)) {
        const next = parts.shift();
        if (next === undefined) throw new Error('Unable to parse auth header');
        value += ',' + next;
      }
      value = JSON.parse(value) as string;
    }
    res[name.trim()] = value;
  }
  return res;
}

/** The Authorization value GenieACS would send for this (joined) WWW-Authenticate value. */
export function genieacsAuthorization(wwwAuthenticate: string, username: string, password: string, uri: string): string {
  const a = genieacsParseWwwAuthenticate(wwwAuthenticate);
  const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
  const cnonce = randomBytes(8).toString('hex');
  const nc = '00000001';
  const qop = a.qop === undefined ? undefined : a.qop.includes(',') ? 'auth' : a.qop;
  const ha1 = md5(`${username}:${a.realm}:${password}`);
  const ha2 = md5(`GET:${uri}`);
  const response = qop ? md5(`${ha1}:${a.nonce}:${nc}:${cnonce}:${qop}:${ha2}`) : md5(`${ha1}:${a.nonce}:${ha2}`);
  let s = `Digest username="${username}",realm="${a.realm}",nonce="${a.nonce}",uri="${uri}"`;
  if (a.algorithm) s += `,algorithm=${a.algorithm}`;
  if (qop) s += `,qop=${qop},nc=${nc},cnonce="${cnonce}"`;
  s += `,response="${response}"`;
  if (a.opaque) s += `,opaque="${a.opaque}"`;
  return s;
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP request on 127.0.0.1 (optionally through a keep-alive agent). */
export function httpRequest(
  port: number,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; agent?: Agent; body?: string; timeoutMs?: number } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers, agent: opts.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeoutMs ?? 5_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    if (opts.body !== undefined) req.end(opts.body);
    else req.end();
  });
}

/**
 * A connection request the way GenieACS makes one: GET without credentials on a keep-alive agent with
 * one socket, then GET again with the Digest answer; 2 s timeout. Returns the final status.
 */
export async function genieacsConnectionRequest(port: number, path: string, username: string, password: string): Promise<Reply> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await httpRequest(port, path, { agent, timeoutMs: 2_000 });
    const www = first.headers['www-authenticate'];
    if (first.status !== 401 || www === undefined) return first;
    const auth = genieacsAuthorization(Array.isArray(www) ? www.join(', ') : www, username, password, path);
    return await httpRequest(port, path, { agent, timeoutMs: 2_000, headers: { Authorization: auth } });
  } finally {
    agent.destroy();
  }
}

/** RFC-style client: challenge, then answer the first challenge (or the one with `algorithm`). */
export async function digestGet(
  port: number,
  path: string,
  username: string,
  password: string,
  pick?: 'MD5' | 'SHA-256',
): Promise<Reply> {
  const first = await httpRequest(port, path);
  if (first.status !== 401) return first;
  const chs = parseChallenges(first.headers['www-authenticate']).filter((c) => c.scheme.toLowerCase() === 'digest');
  const ch = pick ? chs.find((c) => (c.params.algorithm ?? 'MD5').toUpperCase() === pick) : chs[0];
  if (!ch) throw new Error(`no ${pick ?? 'Digest'} challenge`);
  return httpRequest(port, path, { headers: { Authorization: digestAuthorization(ch, { username, password, method: 'GET', uri: path }) } });
}
