// The HTTP(S) conversation of ONE CWMP session (TR-069 §3.4): one keep-alive connection, the
// session's cookies, Basic/Digest authentication, redirects, TLS checks, time and size limits.
// It knows CWMP only as far as HTTP headers go; what a status means is the session runner's call.
// Built on node:http(s), not undici: undici's entry point (fetch, WebSocket, and through
// globalThis.Headers Node's own bundled undici with a second WASM parser) cost the idle daemon
// ~20 MiB of RSS, and node:http already has everything one keep-alive connection needs.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { isIP, type Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import { requireDependency } from '../cjs.js';
import * as lazy from '../net/lazy-builtins.js';

const { CookieJar } = requireDependency<typeof import('tough-cookie')>('tough-cookie');
import { basicAuthorization, digestAuthorization, parseChallenge, selectChallenge, type Challenge } from './digest.js';
import { TransportError, type CwmpTransport, type HttpReply } from './types.js';

/** Minimal logger (pino-compatible). Receives no secrets: never headers, bodies or credentials. */
export interface TransportLog {
  debug(obj: object, msg: string): void;
}

export interface HttpSessionOptions {
  /** The ACS URL (Device.ManagementServer.URL). User info in it is used as credentials if none are given. */
  url: string;
  username?: string;
  password?: string;
  /** PEM bundle of trusted CAs. Empty/undefined: the system trust store. */
  caFile?: string;
  /** PEM file holding our client certificate AND its private key. */
  clientCertFile?: string;
  /** Verify the ACS certificate and host name (default true). */
  checkCertificate?: boolean;
  timeouts?: {
    /** TCP + TLS connection set-up (default 30 s). */
    connectMs?: number;
    /** Waiting for the reply headers, and again for the complete body (default 30 s; TR-069 says ≥ 30 s). */
    replyMs?: number;
  };
  /** Largest reply body accepted, after decompression (default 8 MiB). */
  maxBodyBytes?: number;
  /** Redirects followed in this session (default 5). */
  maxRedirects?: number;
  userAgent?: string;
  log?: TransportLog;
}

export const DEFAULT_REPLY_MS = 30_000;
export const DEFAULT_CONNECT_MS = 30_000;
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;
export const DEFAULT_MAX_REDIRECTS = 5;

/** Opens the transport of one CWMP session. Nothing touches the network until the first post(). */
export function openHttpSession(opts: HttpSessionOptions): CwmpTransport {
  return new HttpSession(opts);
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const EMPTY = Buffer.alloc(0);
// An idle connection stays open between POSTs while the CPE works on an RPC, unless the ACS's
// Keep-Alive header announces a shorter timeout (the agent then closes it 1 s before).
const KEEP_ALIVE_MS = 300_000;
// First TCP keep-alive probe on an idle connection (what undici, used before, did).
const TCP_KEEP_ALIVE_MS = 60_000;

/** One TCP/TLS connection of the session's agent. */
interface Connection {
  id: number;
  open: boolean;
  /** Completed request/response exchanges on it. */
  exchanges: number;
  /** First socket error (a TLS alert may arrive here while the request sees only a reset). */
  error?: NodeJS.ErrnoException;
  localAddress?: string;
}

/** What happened to one HTTP request: where it went, and why we ended it if we did. */
interface Attempt {
  conn?: Connection;
  /** Sent on a connection that had carried an earlier exchange. */
  reused: boolean;
  /** The reply's status line and headers arrived. */
  responded: boolean;
  /** Set when we ended the request ourselves. */
  stop?: 'connect-timeout' | 'reply-timeout' | 'body-timeout' | 'closed' | 'too-large';
}

type AuthState =
  | { kind: 'none' }
  | { kind: 'basic' }
  | { kind: 'digest'; challenge: Challenge; nc: number; cnonce: string };

interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  sentAuthorization: boolean;
}


class HttpSession implements CwmpTransport {
  private target: URL;
  private readonly username: string;
  private readonly password: string;
  private readonly checkCertificate: boolean;
  private readonly connectMs: number;
  private readonly replyMs: number;
  private readonly maxBodyBytes: number;
  private readonly maxRedirects: number;
  /** The session's connection pool of one (keep-alive, maxSockets 1); a new origin gets a new one. */
  private agent: HttpAgent | undefined;
  /** Our record of every socket the agent handed us: a known socket is a reused connection. */
  private readonly conns = new WeakMap<Socket, Connection>();
  private connections = 0;
  private lastLocal: string | undefined;
  private readonly jar = new CookieJar();
  private auth: AuthState;
  private redirects = 0;
  private closed = false;
  private busy = false;
  /** CA, client certificate and key, parsed once per session. */
  private tls: SecureContext | undefined;
  /** Ends the request in flight (close()). */
  private abort: (() => void) | undefined;

  constructor(private readonly opts: HttpSessionOptions) {
    let url: URL;
    try {
      url = new URL(opts.url);
    } catch {
      throw new TransportError('protocol', `the ACS URL "${redactUrl(opts.url)}" is not a valid URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TransportError('protocol', `the ACS URL must start with http:// or https:// (got ${url.protocol})`);
    }
    if (!opts.username && url.username) {
      this.username = percentDecode(url.username);
      this.password = percentDecode(url.password);
    } else {
      this.username = opts.username ?? '';
      this.password = opts.password ?? '';
    }
    url.username = '';
    url.password = '';
    url.hash = '';
    this.target = url;
    this.checkCertificate = opts.checkCertificate ?? true;
    this.connectMs = opts.timeouts?.connectMs ?? DEFAULT_CONNECT_MS;
    this.replyMs = opts.timeouts?.replyMs ?? DEFAULT_REPLY_MS;
    this.maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.maxRedirects = opts.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
    this.auth = this.initialAuth();
  }

  localAddress(): string | undefined {
    return this.lastLocal;
  }

  async post(body: string | null): Promise<HttpReply> {
    if (this.closed) throw new TransportError('closed', 'the session with the ACS is already closed');
    if (this.busy) throw new Error('post() while another post() of the same session is running (CWMP forbids pipelining)');
    this.busy = true;
    try {
      return await this.exchange(body);
    } finally {
      this.busy = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.abort?.();
    const agent = this.agent;
    this.agent = undefined;
    agent?.destroy(); // every socket, idle or busy
  }

  // ---- one POST: redirects and authentication rounds ---------------------------------------

  private async exchange(body: string | null): Promise<HttpReply> {
    const empty = body === null || body === '';
    const bytes = empty ? EMPTY : Buffer.from(body, 'utf8');
    let challengesAnswered = 0;
    // Bounded: at most maxRedirects redirects in the whole session and two challenge answers per POST.
    for (let round = 0; round <= this.maxRedirects + 3; round++) {
      const res = await this.send(bytes, empty);
      await this.storeCookies(res.headers);
      const location = header(res.headers, 'location');
      if (REDIRECTS.has(res.status) && location) {
        if (this.follow(location, res.status)) challengesAnswered = 0; // a new server may challenge anew
        continue;
      }
      if (res.status === 401) {
        this.answerChallenge(res, challengesAnswered);
        challengesAnswered++;
        continue;
      }
      const reply: HttpReply = { status: res.status, headers: res.headers, body: this.decodeBody(res) };
      if (res.status === 503 || res.status === 429) {
        const after = parseRetryAfter(header(res.headers, 'retry-after'));
        if (after !== undefined) reply.retryAfterSeconds = after;
      }
      if (this.lastLocal) reply.localAddress = this.lastLocal;
      this.opts.log?.debug({ url: this.target.href, status: res.status, bytes: res.body.length }, 'ACS reply');
      return reply;
    }
    throw new TransportError('protocol', 'the ACS kept answering with redirects and authentication challenges');
  }

  /** Turns a 401 into the next authentication attempt, or throws the 'auth' error. */
  private answerChallenge(res: RawReply, answeredBefore: number): void {
    if (!this.username && !this.password) {
      throw new TransportError('auth', 'ACS requires a username and password (HTTP 401)', 401);
    }
    const offered = parseChallenge(res.headers['www-authenticate']);
    const ch = selectChallenge(offered);
    // stale=true: our digest was right but the nonce expired (RFC 7616 §3.3) — one more answer is fine.
    const limit = ch?.params.stale?.toLowerCase() === 'true' ? 2 : 1;
    if (!ch || answeredBefore >= limit) {
      if (res.sentAuthorization) throw new TransportError('auth', 'ACS refused the password (HTTP 401)', 401);
      const schemes = offered.map((c) => c.scheme).join(', ');
      throw new TransportError(
        'auth',
        schemes
          ? `ACS asks for an authentication we cannot give (${schemes}) (HTTP 401)`
          : 'ACS answered HTTP 401 without a Basic or Digest challenge',
        401,
      );
    }
    this.opts.log?.debug({ url: this.target.href, scheme: ch.scheme, algorithm: ch.params.algorithm }, 'ACS challenge');
    this.auth =
      ch.scheme === 'basic' ? { kind: 'basic' } : { kind: 'digest', challenge: ch, nc: 0, cnonce: newCnonce() };
  }

  /**
   * Follows a redirect for the rest of this session (ManagementServer.URL itself never changes).
   * True when the redirect leads to another origin.
   */
  private follow(location: string, status: number): boolean {
    if (++this.redirects > this.maxRedirects) {
      throw new TransportError('protocol', `too many redirects (more than ${this.maxRedirects} in this session)`);
    }
    let next: URL;
    try {
      next = new URL(location, this.target);
    } catch {
      throw new TransportError('protocol', `the ACS redirected to an invalid URL "${redactUrl(location)}"`);
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      throw new TransportError('protocol', `the ACS redirected to an unsupported URL scheme ${next.protocol}`);
    }
    if (this.target.protocol === 'https:' && next.protocol === 'http:') {
      throw new TransportError('protocol', `the ACS redirected from https to plain http (${next.host}); refused`);
    }
    next.username = '';
    next.password = '';
    next.hash = '';
    this.opts.log?.debug({ from: this.target.href, to: next.href, status }, 'ACS redirect');
    if (next.origin !== this.target.origin) {
      // A new origin is a new connection, a new TLS check against the new host and a new challenge.
      const old = this.agent;
      this.agent = undefined;
      old?.destroy();
      this.target = next;
      this.auth = this.initialAuth();
      return true;
    }
    this.target = next;
    return false;
  }

  private initialAuth(): AuthState {
    // TR-069 §3.4.4: over TLS the CPE SHOULD send Basic credentials without waiting for a challenge.
    return this.target.protocol === 'https:' && (this.username || this.password) ? { kind: 'basic' } : { kind: 'none' };
  }

  // ---- one HTTP request --------------------------------------------------------------------

  private async send(bytes: Buffer, empty: boolean): Promise<RawReply> {
    for (let attempt = 0; ; attempt++) {
      const agent = await this.getAgent();
      const headers = await this.requestHeaders(bytes, empty);
      if (this.closed || this.agent !== agent) throw closedWhileWaiting();
      const a: Attempt = { reused: false, responded: false };
      try {
        return await this.request(agent, headers, bytes, a);
      } catch (e) {
        // A keep-alive connection the ACS closed while idle: the request never reached it. Retry once
        // on a new connection (as curl does); the cookies carry the session over (TR-069 §3.4.2).
        if (attempt === 0 && a.reused && !a.responded && !a.stop && isDrop(e) && !tlsAlert(a.conn?.error)) {
          this.opts.log?.debug({ url: this.target.href }, 'idle connection was closed by the ACS; reconnecting');
          if (a.conn) a.conn.open = false;
          continue;
        }
        throw this.failure(e, a);
      }
    }
  }

  /**
   * One POST on the agent's connection. Authorization is added once the connection is known: a
   * Digest answer takes a fresh cnonce on a new connection.
   */
  private request(agent: HttpAgent, headers: OutgoingHttpHeaders, bytes: Buffer, a: Attempt): Promise<RawReply> {
    const https = this.target.protocol === 'https:';
    const host = this.target.hostname.replace(/^\[|\]$/g, '');
    return new Promise<RawReply>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let done = false;
      let sentAuthorization = false;
      const settle = (err: unknown, reply?: RawReply): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (this.abort === abort) this.abort = undefined;
        if (reply) resolve(reply);
        else reject(err);
      };
      const stop = (why: NonNullable<Attempt['stop']>, err: unknown = new Error(why)): void => {
        if (done) return;
        a.stop = why;
        req.destroy();
        settle(err);
      };
      const arm = (ms: number, why: NonNullable<Attempt['stop']>): void => {
        clearTimeout(timer);
        timer = setTimeout(() => stop(why), ms);
      };
      const abort = (): void => stop('closed');

      const req: ClientRequest = (https ? lazy.https().request : httpRequest)({
        agent,
        host,
        port: this.target.port || undefined,
        path: this.target.pathname + this.target.search,
        method: 'POST',
        headers,
        // SNI carries the URL's host name (never an IP address, RFC 6066); the certificate is checked against it.
        ...(https ? { servername: isIP(host) ? '' : host } : {}),
      });
      this.abort = abort;
      req.on('error', (e) => settle(e));

      req.once('socket', (socket: Socket) => {
        if (done) return;
        const known = this.conns.get(socket);
        a.reused = known !== undefined;
        a.conn = known ?? this.track(socket);
        if (known) {
          arm(this.replyMs, 'reply-timeout');
        } else {
          // The connect timeout covers DNS, TCP and the TLS handshake; the reply time starts after.
          arm(this.connectMs, 'connect-timeout');
          socket.once(https ? 'secureConnect' : 'connect', () => {
            if (!done && !a.responded) arm(this.replyMs, 'reply-timeout');
          });
        }
        const auth = this.authorization(bytes, !known);
        if (auth) {
          req.setHeader('Authorization', auth);
          sentAuthorization = true;
        }
        this.opts.log?.debug({ url: this.target.href, bytes: bytes.length, reuse: a.reused }, 'POST to ACS');
        if (bytes.length > 0) req.end(bytes);
        else req.end();
      });

      req.once('response', (res: IncomingMessage) => {
        a.responded = true;
        if (done) return void res.resume();
        if (Number(res.headers['content-length']) > this.maxBodyBytes) return stop('too-large', this.tooLarge());
        arm(this.replyMs, 'body-timeout'); // the whole body, however slowly it trickles
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxBodyBytes) stop('too-large', this.tooLarge());
          else chunks.push(chunk);
        });
        res.on('error', (e) => settle(e));
        res.on('end', () => {
          if (a.conn) {
            a.conn.exchanges++;
            if (!req.shouldKeepAlive) a.conn.open = false; // Connection: close, or HTTP/1.0
          }
          settle(undefined, { status: res.statusCode ?? 0, headers: headerRecord(res.rawHeaders), body: Buffer.concat(chunks, size), sentAuthorization });
        });
        // Closed before its end without an 'error' (not expected from Node, but never hang).
        res.on('close', () => settle(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })));
      });
    });
  }

  private async requestHeaders(bytes: Buffer, empty: boolean): Promise<OutgoingHttpHeaders> {
    const h: OutgoingHttpHeaders = {};
    if (this.opts.userAgent) h['User-Agent'] = this.opts.userAgent;
    if (!empty) {
      // TR-069 §3.4.1: SOAPAction present with no value; an empty POST has neither header.
      h['Content-Type'] = 'text/xml; charset="utf-8"';
      h['SOAPAction'] = '';
    }
    h['Content-Length'] = bytes.length; // never chunked, never Expect: 100-continue
    const cookie = await this.cookieHeader();
    if (cookie) h['Cookie'] = cookie;
    return h;
  }

  private authorization(bytes: Buffer, newConnection: boolean): string | undefined {
    const a = this.auth;
    if (a.kind === 'basic') return basicAuthorization(this.username, this.password);
    if (a.kind !== 'digest') return undefined;
    if (newConnection && a.nc > 0) a.cnonce = newCnonce(); // TR-069: fresh cnonce per TCP connection
    a.nc++;
    return digestAuthorization(a.challenge, {
      username: this.username,
      password: this.password,
      method: 'POST',
      uri: this.target.pathname + this.target.search,
      body: bytes,
      cnonce: a.cnonce,
      nc: a.nc,
    });
  }

  private decodeBody(res: RawReply): string {
    if (res.body.length === 0) return '';
    let raw = res.body;
    const encoding = (header(res.headers, 'content-encoding') ?? 'identity').trim().toLowerCase();
    try {
      // We never ask for compression, but an ACS may answer in the encoding it likes.
      if (encoding === 'gzip' || encoding === 'x-gzip') raw = lazy.zlib().gunzipSync(raw, { maxOutputLength: this.maxBodyBytes });
      else if (encoding === 'deflate') raw = lazy.zlib().inflateSync(raw, { maxOutputLength: this.maxBodyBytes });
      else if (encoding !== 'identity' && encoding !== '') {
        throw new TransportError('protocol', `the ACS's reply uses an unsupported Content-Encoding "${encoding}"`);
      }
    } catch (e) {
      if (e instanceof TransportError) throw e;
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw this.tooLarge();
      throw new TransportError('protocol', `the ACS's ${encoding} reply could not be decompressed`);
    }
    const charset = /charset\s*=\s*["']?([^"';\s]+)/i.exec(header(res.headers, 'content-type') ?? '')?.[1];
    try {
      return new TextDecoder(charset ?? 'utf-8').decode(raw);
    } catch {
      return new TextDecoder('utf-8').decode(raw); // unknown label: CWMP is UTF-8 anyway
    }
  }

  // ---- cookies -----------------------------------------------------------------------------

  private async storeCookies(headers: RawReply['headers']): Promise<void> {
    const set = headers['set-cookie'];
    for (const c of set === undefined ? [] : Array.isArray(set) ? set : [set]) {
      await this.jar.setCookie(c, this.target, { ignoreError: true, loose: true });
    }
  }

  /**
   * Every live cookie of this session, whatever its Path or Domain: the jar belongs to one session
   * with one ACS, and GenieACS may set a Path the ACS URL does not match (interop notes §2.1).
   * Only Secure cookies are held back from plain http.
   */
  private async cookieHeader(): Promise<string> {
    const https = this.target.protocol === 'https:';
    const now = Date.now();
    const all = await this.jar.store.getAllCookies();
    return all
      .filter((c) => (https || !c.secure) && c.TTL(now) > 0)
      .map((c) => c.cookieString())
      .join('; ');
  }

  // ---- connection --------------------------------------------------------------------------

  private async getAgent(): Promise<HttpAgent> {
    if (this.agent) return this.agent;
    const pool = {
      keepAlive: true,
      keepAliveMsecs: TCP_KEEP_ALIVE_MS,
      maxSockets: 1,
      maxFreeSockets: 1,
      timeout: KEEP_ALIVE_MS, // closes the connection after this long idle in the pool
    };
    if (this.target.protocol !== 'https:') {
      this.agent = new HttpAgent(pool);
      return this.agent;
    }
    const secureContext = await this.secureContext();
    if (this.closed) throw closedWhileWaiting();
    this.agent ??= new (lazy.https().Agent)({ ...pool, secureContext, rejectUnauthorized: this.checkCertificate });
    return this.agent;
  }

  private track(socket: Socket): Connection {
    const conn: Connection = { id: ++this.connections, open: true, exchanges: 0 };
    this.conns.set(socket, conn);
    socket.on('error', (e: NodeJS.ErrnoException) => {
      conn.error ??= e;
    });
    socket.once('close', () => {
      conn.open = false;
    });
    socket.once('connect', () => {
      conn.localAddress = plainAddress(socket.localAddress);
      if (conn.localAddress) this.lastLocal = conn.localAddress;
      this.opts.log?.debug({ host: this.target.host, connection: conn.id, local: conn.localAddress }, 'connected to ACS');
    });
    return conn;
  }

  private async secureContext(): Promise<SecureContext> {
    if (this.tls) return this.tls;
    let ca: string | string[] | undefined;
    let certAndKey: string | undefined;
    if (this.opts.caFile) {
      ca = await readPem(this.opts.caFile, 'CA file');
      if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
        throw new TransportError('tls', `the CA file ${this.opts.caFile} holds no PEM certificate`);
      }
    } else {
      ca = await systemCa();
    }
    if (this.opts.clientCertFile) {
      const pem = await readPem(this.opts.clientCertFile, 'client certificate file');
      if (!pem.includes('-----BEGIN CERTIFICATE-----') || !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
        throw new TransportError(
          'tls',
          `the client certificate file ${this.opts.clientCertFile} must hold the certificate and its private key (PEM)`,
        );
      }
      certAndKey = pem;
    }
    try {
      // OpenSSL picks the CERTIFICATE blocks for `cert` and the key block for `key`.
      this.tls = lazy.tls().createSecureContext({ ca, cert: certAndKey, key: certAndKey, minVersion: 'TLSv1.2' });
    } catch (e) {
      throw this.describe(e, undefined);
    }
    return this.tls;
  }

  // ---- errors ------------------------------------------------------------------------------

  private tooLarge(): TransportError {
    return new TransportError('protocol', `the ACS's reply is larger than ${formatBytes(this.maxBodyBytes)}`);
  }

  private bodyTimeout(): TransportError {
    return new TransportError('timeout', `the ACS's reply did not arrive completely within ${formatSeconds(this.replyMs)}`);
  }

  /** Why one request failed, as the TransportError the caller sees. */
  private failure(e: unknown, a: Attempt): TransportError {
    if (e instanceof TransportError) return e;
    switch (a.stop) {
      case 'closed':
        return closedWhileWaiting();
      case 'connect-timeout':
        return this.describe(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' }), a.conn);
      case 'reply-timeout':
        return new TransportError('timeout', `no reply from the ACS within ${formatSeconds(this.replyMs)}`);
      case 'body-timeout':
        return this.bodyTimeout();
    }
    if (this.closed) return closedWhileWaiting();
    return this.describe(e, a.conn, a.responded);
  }

  /** A Node error as a sentence a person understands. */
  private describe(e: unknown, conn: Connection | undefined, inBody = false): TransportError {
    const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException; reason?: string; cert?: { subjectaltname?: string; subject?: { CN?: string } } };
    const alert = tlsAlert(conn?.error);
    const code = alert ?? err.code ?? err.cause?.code ?? '';
    const host = this.target.hostname.replace(/^\[|\]$/g, '');
    const hostPort = `${host}:${this.target.port || (this.target.protocol === 'https:' ? '443' : '80')}`;
    const https = this.target.protocol === 'https:';
    const hasClientCert = !!this.opts.clientCertFile;
    const trustStore = this.opts.caFile ? `the CA file ${this.opts.caFile}` : 'the system trust store';

    switch (code) {
      case 'ECONNREFUSED':
        return new TransportError('connect', `cannot connect to ${hostPort}: connection refused`);
      case 'ENOTFOUND':
      case 'EAI_NONAME':
      case 'EAI_NODATA':
        return new TransportError('connect', `cannot connect to ${hostPort}: host name ${host} not found`);
      case 'EAI_AGAIN':
        return new TransportError('connect', `cannot connect to ${hostPort}: cannot resolve ${host} (DNS not answering)`);
      case 'EHOSTUNREACH':
      case 'EHOSTDOWN':
        return new TransportError('connect', `cannot connect to ${hostPort}: host unreachable`);
      case 'ENETUNREACH':
      case 'ENETDOWN':
        return new TransportError('connect', `cannot connect to ${hostPort}: network unreachable`);
      case 'EADDRNOTAVAIL':
        return new TransportError('connect', `cannot connect to ${hostPort}: no usable local address`);
      case 'ETIMEDOUT':
        return new TransportError('connect', `cannot connect to ${hostPort}: no answer within ${formatSeconds(this.connectMs)}`);

      case 'CERT_HAS_EXPIRED':
        return new TransportError('tls', `TLS: certificate of ${host} has expired`);
      case 'CERT_NOT_YET_VALID':
        return new TransportError('tls', `TLS: certificate of ${host} is not valid yet (is the clock right?)`);
      case 'CERT_REVOKED':
        return new TransportError('tls', `TLS: certificate of ${host} has been revoked`);
      case 'ERR_TLS_CERT_ALTNAME_INVALID': {
        const names = err.cert?.subjectaltname || (err.cert?.subject?.CN ? `CN=${err.cert.subject.CN}` : 'another name');
        return new TransportError('tls', `TLS: certificate of ${hostPort} is for ${names}, which does not match host name ${host}`);
      }
      case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      case 'UNABLE_TO_GET_ISSUER_CERT':
      case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      case 'SELF_SIGNED_CERT_IN_CHAIN':
      case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      case 'CERT_UNTRUSTED':
      case 'CERT_SIGNATURE_FAILURE':
      case 'CERT_CHAIN_TOO_LONG':
      case 'INVALID_CA':
      case 'CERT_REJECTED':
      case 'INVALID_PURPOSE': {
        const why = code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ? 'it is self-signed' : `it is not signed by a CA in ${trustStore}`;
        return new TransportError('tls', `TLS: certificate of ${host} is not trusted (${why})`);
      }
      case 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED':
        return new TransportError('tls', 'TLS: the ACS requires a client certificate');
      case 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA':
      case 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE':
      case 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN':
      case 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED':
      case 'ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE':
      case 'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED':
      case 'ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR':
        if (hasClientCert) return new TransportError('tls', `TLS: the ACS did not accept our client certificate (${alertName(code)})`);
        return new TransportError('tls', `TLS: handshake with ${host} failed (${alertName(code)})`);
      case 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE':
        return new TransportError(
          'tls',
          `TLS: handshake with ${host} failed${hasClientCert ? '' : ' (the ACS may require a client certificate)'}`,
        );

      case 'HPE_HEADER_OVERFLOW':
        return new TransportError('protocol', 'the ACS sent too large HTTP headers');
    }
    if (code.startsWith('HPE_')) {
      return new TransportError('protocol', `the ACS sent a malformed HTTP reply (${code})`);
    }
    if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code.startsWith('ERR_OSSL_')) {
      return new TransportError('tls', `TLS: connection to ${host} failed (${code})`);
    }
    if (code === 'ECONNRESET' && /before secure TLS connection/.test(err.message)) {
      return new TransportError('tls', `TLS: ${host} closed the connection during the handshake`);
    }
    if (code === 'ECONNRESET' || code === 'EPIPE') {
      if (inBody) return new TransportError('closed', 'the connection to the ACS dropped in the middle of its reply');
      if (https && conn && conn.exchanges === 0) {
        // A TLS 1.3 server rejects a client certificate after our side considers the handshake done.
        const hint = hasClientCert ? 'it may not accept our client certificate' : 'it may require a client certificate';
        return new TransportError('closed', `the ACS closed the connection right after the TLS handshake (${hint})`);
      }
      return new TransportError('closed', 'the ACS closed the connection before replying');
    }
    return new TransportError('closed', `the connection to the ACS failed (${code || err.message || String(e)})`);
  }
}

// ---- helpers -------------------------------------------------------------------------------

/**
 * Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, as seconds from now (≥ 0).
 * Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  if (!/[a-z]/i.test(v)) return undefined; // "-5", "1.5": neither form
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

function header(h: RawReply['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Reply headers with lower-case names; a repeated header is an array, in order (undici's shape). */
function headerRecord(raw: readonly string[]): RawReply['headers'] {
  const h: RawReply['headers'] = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (name === '__proto__') continue;
    const prev = h[name];
    h[name] = prev === undefined ? raw[i + 1] : Array.isArray(prev) ? [...prev, raw[i + 1]] : [prev, raw[i + 1]];
  }
  return h;
}

/** The connection was reset or closed under the request ("socket hang up" is ECONNRESET too). */
function isDrop(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

function closedWhileWaiting(): TransportError {
  return new TransportError('closed', 'the session was closed while waiting for the ACS');
}

/** The code of a TLS alert the peer sent (recorded on the socket), if any. */
function tlsAlert(e: NodeJS.ErrnoException | undefined): string | undefined {
  return e?.code && /^ERR_SSL_.*ALERT/.test(e.code) ? e.code : undefined;
}

function alertName(code: string): string {
  return code.replace(/^ERR_SSL_(SSLV3|TLSV1|TLSV13)_ALERT_/, '').toLowerCase().replace(/_/g, ' ');
}

function percentDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function newCnonce(): string {
  return randomBytes(8).toString('hex');
}

/** "::ffff:10.0.0.5" → "10.0.0.5": the address an ACS would use to reach us. */
function plainAddress(a: string | undefined): string | undefined {
  if (!a) return undefined;
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  return m ? m[1] : isIP(a) ? a : undefined;
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/** A URL fit for a message: without user info. */
function redactUrl(u: string): string {
  return u.replace(/\/\/[^/@]*@/, '//');
}

async function readPem(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new TransportError('tls', `cannot read the ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Alpine, Arch
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/ssl/cert.pem', // OpenWrt, macOS
];
let systemCaCache: Promise<string[] | undefined> | undefined;

/**
 * The system trust store: Node's built-in roots plus the distribution's bundle (which also holds
 * CAs the administrator added with update-ca-certificates). Undefined = Node's defaults.
 */
function systemCa(): Promise<string[] | undefined> {
  systemCaCache ??= (async () => {
    for (const path of SYSTEM_BUNDLES) {
      try {
        const pem = await readFile(path, 'utf8');
        if (pem.includes('-----BEGIN CERTIFICATE-----')) return [...lazy.tls().rootCertificates, pem];
      } catch {
        // try the next location
      }
    }
    return undefined;
  })();
  return systemCaCache;
}
