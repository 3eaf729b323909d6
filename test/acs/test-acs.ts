// A scriptable test ACS: a real HTTP(S) server on 127.0.0.1 that behaves like GenieACS by default
// (cookie-tracked sessions, its 400s, its Digest challenge), records every message, checks the CPE
// against the rules GenieACS enforces (acs.violations) and lets a test queue RPCs or inject faults.
// See test/acs/README.md.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { gunzipSync, inflateSync } from 'node:zlib';
import {
  NS_CWMP_1_4,
  decode,
  encode,
  type AcsRequest,
  type CwmpNamespace,
  type DecodeError,
  type Envelope,
  type Fault,
  type Header,
  type Inform,
  type Message,
} from '../../src/cwmp/index.js';
import { basicAuthorization, digestResponse, parseAuthorization } from '../../src/transport/digest.js';

// ---- public types ----------------------------------------------------------------------------

export interface TestAcsOptions {
  /** Serve HTTPS with this certificate and key (PEM file paths). */
  tls?: {
    certFile: string;
    keyFile: string;
    /** Require a client certificate signed by a CA in this PEM file. */
    clientCaFile?: string;
  };
  /** Demand HTTP authentication from the CPE (GenieACS `cwmp.auth`). */
  auth?: TestAcsAuth;
  /** Add `; Path=<x>` to the session cookie (GenieACS `cwmp.cookiesPath`). */
  cookiePath?: string;
  /** GenieACS session timeout: a POST later than this after the previous reply gets 400 (default 30 s). */
  sessionTimeoutMs?: number;
  /** Name in the Server/SOAPServer headers (default "TestACS"). */
  serverName?: string;
}

export interface TestAcsAuth {
  type: 'basic' | 'digest';
  username: string;
  password: string;
  /** Default "GenieACS". */
  realm?: string;
  /** Digest only: the qop list offered (default "auth,auth-int", like GenieACS). Empty string: no qop. */
  qop?: string;
  /** Digest only: algorithm parameter to offer (default none → MD5, like GenieACS). */
  algorithm?: string;
  /** Digest only: an opaque value to offer (default none). */
  opaque?: string;
}

/** One HTTP request the ACS received, and what it answered. */
export interface RecordedPost {
  /** Order of arrival over the whole ACS (1-based). */
  seq: number;
  /** Server-side connection number (1-based, in order of acceptance). */
  connection: number;
  /** HTTP method (CWMP only uses POST). */
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** The decoded envelope; null for an empty POST or an undecodable body. */
  envelope: Envelope | null;
  decodeError?: DecodeError;
  /** CWMP method of the body, 'empty' for an empty POST, 'invalid' when it did not decode. */
  rpc: string;
  /** 1-based number of the session it belongs to, when it belongs to one. */
  session?: number;
  /** Subject CN of the client certificate, when one was presented. */
  clientCertificate?: string;
  reply?: { status: number; headers: Record<string, string>; body: string };
  /** The ACS closed the connection instead of answering. */
  dropped?: boolean;
}

/** An RPC the ACS sent and the CPE's answer to it. */
export interface Exchange {
  id: string;
  request: AcsRequest;
  /** The CPE's response or Fault (undefined while outstanding). */
  answer?: Message;
  answerEnvelope?: Envelope;
}

export type SessionState = 'cpe' | 'acs' | 'ended' | 'failed';

export interface AcsSession {
  /** 1-based. */
  index: number;
  /** Value of the `session` cookie. */
  id: string;
  inform: Inform;
  informEnvelope: Envelope;
  /** Namespace of the Inform, used for every reply. */
  ns: CwmpNamespace;
  /** Every POST of the session, from the Inform on. */
  messages: RecordedPost[];
  /** CPE requests after the Inform (TransferComplete, GetRPCMethods, …). */
  cpeRequests: Envelope[];
  exchanges: Exchange[];
  state: SessionState;
  /** Why the session failed ('HTTP 503', 'dropped', 'redirected', 'fault 8005', '400 Bad session state', …). */
  failure?: string;
  /** Server-side connection numbers used, in order. */
  connections: number[];
}

export interface Violation {
  rule: string;
  message: string;
  /** seq of the POST. */
  seq: number;
  session?: number;
}

/**
 * What to do with one POST instead of (or on top of) the default GenieACS behaviour. Applied in this
 * order: delayMs, drop, redirect, garbage, raw, fault, send, status/retryAfter; `status` also sets
 * the HTTP status of garbage/raw/fault/send replies; `id`, `header`, `headers`, `close` and
 * `chunked` modify whatever reply is finally written (the default one included).
 */
export interface PostAction {
  /** Wait this long first, then go on with the rest of the action (or the default). */
  delayMs?: number;
  /** Close the connection without any reply. */
  drop?: boolean;
  /** Redirect (Location relative or absolute); status default 307. */
  redirect?: string;
  /** Reply with this HTTP status and `body` (default a short text). */
  status?: number;
  body?: string;
  /** Add Retry-After (seconds or an HTTP-date); status defaults to 503. */
  retryAfter?: number | string;
  /** 200 with a body that is not CWMP (true: a fixed garbage text). */
  garbage?: boolean | string;
  /** 200 with this exact body (text/xml). */
  raw?: string;
  /** A SOAP Fault (cwmp:Fault) instead of the normal answer, with HTTP `status` (default 200). */
  fault?: { faultCode: number; faultString?: string };
  /** Reply with this message (e.g. an ACS request where none belongs). ACS requests are tracked. */
  send?: Message;
  /** Use this cwmp:ID in the reply (e.g. a wrong ID in the InformResponse). */
  id?: string;
  /** Merge into the reply's SOAP header (e.g. {holdRequests: true}). */
  header?: Partial<Header>;
  /** Extra HTTP headers on the reply. */
  headers?: Record<string, string>;
  /** Add Connection: close. */
  close?: boolean;
  /** Send the reply with Transfer-Encoding: chunked instead of Content-Length. */
  chunked?: boolean;
}

export interface PostContext {
  post: RecordedPost;
  session: AcsSession | undefined;
  /** Same as post.rpc. */
  rpc: string;
  envelope: Envelope | null;
  /** 1-based number of this POST within its session (0 when outside a session). */
  index: number;
}

export type PostHandler = (ctx: PostContext) => PostAction | undefined | void | Promise<PostAction | undefined | void>;
/** Which POSTs an injection applies to: an rpc name ('Inform', 'empty', 'GetParameterValuesResponse', '*') or a predicate. */
export type PostMatcher = string | ((ctx: PostContext) => boolean);

export interface QueuedRequest {
  request: AcsRequest;
  /** cwmp:ID to use (default: a fresh one). */
  id?: string;
  /** Extra SOAP header fields (e.g. {holdRequests: true}). */
  header?: Partial<Header>;
}

export interface Answer {
  id: string;
  request: AcsRequest;
  /** The CPE's response or Fault. */
  answer: Message;
  session: number;
}

export interface TestAcs {
  /** e.g. "http://127.0.0.1:40123/" */
  readonly url: string;
  readonly port: number;
  readonly sessions: AcsSession[];
  /** Every HTTP request, in order (including those outside sessions). */
  readonly requests: RecordedPost[];
  /** Rules the CPE broke (should stay empty). */
  readonly violations: Violation[];
  /** TCP (or TLS) connections accepted so far. */
  readonly connectionCount: number;
  /** TLS handshake failures seen by the server (error codes). */
  readonly tlsErrors: string[];
  informs(): Inform[];
  /** ACS requests for the next session(s), sent one per reply after the CPE's empty POST. Resolves with the answers. */
  queue(...requests: (AcsRequest | QueuedRequest)[]): Promise<Answer[]>;
  /** Requests queued and not sent yet. */
  pendingCount(): number;
  /** Full control: called for every authenticated POST, before the default; first non-undefined action wins. */
  onRequest(handler: PostHandler): void;
  /**
   * Applies `action` to the next `times` (default 1) POSTs that match. Injections are tried in the
   * order they were added, before the onRequest handlers; the first that matches is used.
   */
  inject(on: PostMatcher, action: PostAction, times?: number): void;
  /** Resolves with session n (1-based, default: the next one to finish) once it has ended or failed. */
  waitForSession(n?: number, timeoutMs?: number): Promise<AcsSession>;
  /** Resolves with the first Inform (already received or future) matching the predicate. */
  waitForInform(predicate?: (inform: Inform, session: AcsSession) => boolean, timeoutMs?: number): Promise<Inform>;
  /** Resolves with cond()'s value once it is truthy (re-checked on every recorded change). */
  waitFor<T>(cond: () => T | undefined | null | false, timeoutMs?: number, what?: string): Promise<T>;
  close(): Promise<void>;
}

// ---- implementation --------------------------------------------------------------------------

const DEFAULT_WAIT_MS = 5000;
const MAX_BODY = 8 * 1024 * 1024;
const ACS_REQUEST_METHODS = new Set([
  'GetRPCMethods', 'SetParameterValues', 'GetParameterValues', 'GetParameterNames', 'SetParameterAttributes',
  'GetParameterAttributes', 'AddObject', 'DeleteObject', 'Reboot', 'Download', 'Upload', 'FactoryReset',
  'ScheduleInform', 'ScheduleDownload', 'CancelTransfer', 'GetQueuedTransfers', 'GetAllQueuedTransfers', 'ChangeDUState',
]);
const CPE_REQUEST_METHODS = new Set(['Inform', 'TransferComplete', 'AutonomousTransferComplete', 'GetRPCMethods', 'RequestDownload', 'Kicked']);

interface ConnState {
  id: number;
  socket: Socket;
  authenticated: boolean;
  challenged: boolean;
  nonce?: string;
  /** Highest nc seen per nonce+cnonce (Digest replay/nc checks). */
  nc: Map<string, number>;
  /** The session last served on this connection. */
  session?: AcsSession;
}

interface Pending {
  item: QueuedRequest;
  resolve: (a: Answer) => void;
}

interface ExchangeInternal extends Exchange {
  resolve?: (a: Answer) => void;
}

interface SessionInternal extends AcsSession {
  outstanding?: ExchangeInternal;
  lastActivity: number;
}

/** Starts a test ACS on 127.0.0.1 (random port). Close it with `await acs.close()`. */
export async function startTestAcs(opts: TestAcsOptions = {}): Promise<TestAcs> {
  const acs = new TestAcsServer(opts);
  await acs.listen();
  return acs;
}

class TestAcsServer implements TestAcs {
  url = '';
  port = 0;
  readonly sessions: SessionInternal[] = [];
  readonly requests: RecordedPost[] = [];
  readonly violations: Violation[] = [];
  readonly tlsErrors: string[] = [];
  connectionCount = 0;

  private readonly server: Server;
  private readonly conns = new WeakMap<Socket, ConnState>();
  private readonly byCookie = new Map<string, SessionInternal>();
  private readonly pending: Pending[] = [];
  private readonly handlers: PostHandler[] = [];
  /** inject() entries: tried before the onRequest handlers, in the order they were added. */
  private readonly injections: PostHandler[] = [];
  private readonly events = new EventEmitter();
  private readonly aborter = new AbortController();
  private seq = 0;
  private idCounter = 0;
  private readonly https: boolean;

  constructor(private readonly opts: TestAcsOptions) {
    this.events.setMaxListeners(0);
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((e: unknown) => {
        // A bug in the test ACS itself: make it loud in the test output, answer 500.
        console.error('test ACS internal error:', e);
        if (!res.headersSent) res.writeHead(500, { Connection: 'close' }).end(String(e));
      });
    };
    const tls = opts.tls;
    this.https = !!tls;
    if (tls) {
      const s = createHttpsServer(
        {
          cert: readFileSync(tls.certFile),
          key: readFileSync(tls.keyFile),
          ...(tls.clientCaFile ? { requestCert: true, rejectUnauthorized: true, ca: readFileSync(tls.clientCaFile) } : {}),
        },
        handler,
      );
      s.on('secureConnection', (sock: TLSSocket) => this.accept(sock));
      s.on('tlsClientError', (e: NodeJS.ErrnoException) => {
        this.tlsErrors.push(e.code ?? e.message);
        this.changed();
      });
      this.server = s;
    } else {
      this.server = createHttpServer(handler);
      this.server.on('connection', (sock: Socket) => this.accept(sock));
    }
    // GenieACS: the socket stays open between messages for the session timeout.
    this.server.keepAliveTimeout = opts.sessionTimeoutMs ?? 30_000;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `${this.https ? 'https' : 'http'}://127.0.0.1:${this.port}/`;
  }

  async close(): Promise<void> {
    this.aborter.abort();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---- scripting -----------------------------------------------------------------------------

  informs(): Inform[] {
    return this.sessions.map((s) => s.inform);
  }

  queue(...requests: (AcsRequest | QueuedRequest)[]): Promise<Answer[]> {
    const promises = requests.map((r) => {
      const item: QueuedRequest = 'request' in r ? r : { request: r };
      return new Promise<Answer>((resolve) => this.pending.push({ item, resolve }));
    });
    return Promise.all(promises);
  }

  pendingCount(): number {
    return this.pending.length;
  }

  onRequest(handler: PostHandler): void {
    this.handlers.push(handler);
  }

  inject(on: PostMatcher, action: PostAction, times = 1): void {
    let left = times;
    this.injections.push((ctx) => {
      if (left <= 0) return undefined;
      const hit = typeof on === 'function' ? on(ctx) : on === '*' || on === ctx.rpc;
      if (!hit) return undefined;
      left--;
      return action;
    });
  }

  waitForSession(n?: number, timeoutMs = DEFAULT_WAIT_MS): Promise<AcsSession> {
    const target = n ?? this.sessions.filter((s) => s.state === 'ended' || s.state === 'failed').length + 1;
    return this.waitFor(
      () => {
        const s = this.sessions[target - 1];
        return s && (s.state === 'ended' || s.state === 'failed') ? s : undefined;
      },
      timeoutMs,
      `session ${target} to finish`,
    );
  }

  waitForInform(predicate?: (inform: Inform, session: AcsSession) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<Inform> {
    return this.waitFor(
      () => this.sessions.find((s) => !predicate || predicate(s.inform, s))?.inform,
      timeoutMs,
      'an Inform',
    );
  }

  waitFor<T>(cond: () => T | undefined | null | false, timeoutMs = DEFAULT_WAIT_MS, what = 'condition'): Promise<T> {
    const now = cond();
    if (now) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        const v = cond();
        if (v) {
          done();
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`test ACS: timed out after ${timeoutMs} ms waiting for ${what}; ${this.summary()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.events.off('change', check);
      };
      this.events.on('change', check);
    });
  }

  /** A one-line picture of what happened, for timeout messages. */
  private summary(): string {
    const posts = this.requests.slice(-8).map((p) => `${p.seq}:${p.rpc}→${p.dropped ? 'drop' : (p.reply?.status ?? '…')}`);
    return `${this.sessions.length} session(s) [${this.sessions.map((s) => s.state).join(', ')}], last requests [${posts.join(' ')}]` +
      (this.violations.length ? `, violations: ${this.violations.map((v) => v.message).join('; ')}` : '');
  }

  private changed(): void {
    this.events.emit('change');
  }

  private accept(socket: Socket): void {
    this.conns.set(socket, { id: ++this.connectionCount, socket, authenticated: false, challenged: false, nc: new Map() });
    this.changed();
  }

  private violation(post: RecordedPost, rule: string, message: string): void {
    this.violations.push({ rule, message, seq: post.seq, ...(post.session ? { session: post.session } : {}) });
  }

  // ---- request handling -------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const conn = this.conns.get(req.socket) ?? this.fallbackConn(req.socket);
    const raw = await readBody(req);
    const post: RecordedPost = {
      seq: ++this.seq,
      connection: conn.id,
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      rawBody: '',
      envelope: null,
      rpc: 'empty',
    };
    const peer = (req.socket as TLSSocket).getPeerCertificate?.();
    const cn = peer?.subject?.CN;
    if (cn) post.clientCertificate = Array.isArray(cn) ? cn.join(',') : cn;
    this.requests.push(post);

    if (raw === 'too-large') return this.write(post, res, 413, 'Request body too large', { Connection: 'close' });
    if (req.method !== 'POST') {
      this.violation(post, 'method', `${req.method} instead of POST`);
      return this.write(post, res, 405, '405 Method Not Allowed', { Allow: 'POST', Connection: 'close' });
    }
    let body = raw;
    const enc = req.headers['content-encoding'];
    if (enc) {
      try {
        if (enc === 'gzip') body = gunzipSync(raw);
        else if (enc === 'deflate') body = inflateSync(raw);
        else return this.write(post, res, 415, '415 Unsupported Media Type', { Connection: 'close' });
      } catch {
        return this.write(post, res, 400, 'Bad compressed body', { Connection: 'close' });
      }
    }
    post.rawBody = body.toString('utf8');
    const decoded = decode(post.rawBody);
    if (decoded.ok) {
      post.envelope = decoded.envelope;
      post.rpc = decoded.envelope ? decoded.envelope.body.method : 'empty';
    } else {
      post.decodeError = decoded.error;
      post.rpc = 'invalid';
    }
    this.checkHeaders(post, req);

    // Authentication (per connection, like GenieACS).
    if (this.opts.auth && !this.authenticate(post, req, res, conn, raw)) return;

    const cookie = sessionCookie(req.headers.cookie);
    let session: SessionInternal | undefined;
    if (post.rpc === 'Inform') {
      const open = cookie ? this.byCookie.get(cookie) : undefined;
      if (open && conn.session === open && (open.state === 'cpe' || open.state === 'acs')) {
        post.session = open.index;
        open.messages.push(post);
        this.violation(post, 'state', 'a second Inform in the same session');
        return this.fail(open, post, res, 400, 'Bad session state');
      }
      if (cookie) this.violation(post, 'stale-cookie', 'the Inform carries a session cookie (cookies must not outlive their session)');
      const inform = post.envelope!.body as Inform;
      if (post.envelope!.ns === NS_CWMP_1_4) {
        this.violation(post, 'namespace', 'Inform in urn:dslforum-org:cwmp-1-4');
        return this.write(post, res, 400, 'Unrecognized CWMP version', { Connection: 'close' });
      }
      if (!inform.deviceId.oui || !inform.deviceId.serialNumber) {
        this.violation(post, 'device-id', 'Inform without DeviceId/OUI or DeviceId/SerialNumber');
        return this.write(post, res, 400, 'Missing or invalid DeviceId element', { Connection: 'close' });
      }
      session = this.startSession(post, conn);
    } else {
      if (!decoded.ok) {
        this.violation(post, 'xml', `undecodable body: ${decoded.error.message}`);
        const s = cookie ? this.byCookie.get(cookie) : undefined;
        if (s) return this.fail(s, this.attach(s, post, conn), res, 400, decoded.error.message);
        return this.write(post, res, 400, decoded.error.message, { Connection: 'close' });
      }
      session = cookie ? this.byCookie.get(cookie) : undefined;
      if (!session) {
        this.violation(post, cookie ? 'cookie' : 'inform-first',
          cookie ? `unknown session cookie "${cookie}"` : `${post.rpc} POST without a session cookie (Inform first, then send the cookie back)`);
        return this.write(post, res, 400, 'Invalid session', { Connection: 'close' });
      }
      this.attach(session, post, conn);
      if (session.state === 'ended' || session.state === 'failed') {
        this.violation(post, 'cookie', `POST in session ${session.index}, which has already ended`);
        return this.write(post, res, 400, 'Invalid session', { Connection: 'close' });
      }
      const idle = Date.now() - session.lastActivity;
      if (idle > (this.opts.sessionTimeoutMs ?? 30_000)) {
        this.violation(post, 'timeout', `the CPE took ${idle} ms to send its next message`);
        return this.fail(session, post, res, 400, 'Invalid session');
      }
    }

    const ctx: PostContext = {
      post,
      session,
      rpc: post.rpc,
      envelope: post.envelope,
      index: session ? session.messages.indexOf(post) + 1 : 0,
    };
    let action: PostAction | undefined;
    for (const h of [...this.injections, ...this.handlers]) {
      action = (await h(ctx)) ?? undefined;
      if (action) break;
    }
    if (action?.delayMs) {
      await sleep(action.delayMs, this.aborter.signal);
      if (req.socket.destroyed) {
        post.dropped = true;
        if (session && post.rpc === 'Inform') this.markFailed(session, 'the CPE closed the connection while the ACS delayed its reply');
        this.changed();
        return;
      }
    }
    if (action && this.applyAction(action, post, session, req, res)) return;
    this.defaultReply(post, session, res, action ?? {});
  }

  /** Runs the terminal parts of an action; false when the default reply should still be written. */
  private applyAction(a: PostAction, post: RecordedPost, s: SessionInternal | undefined, req: IncomingMessage, res: ServerResponse): boolean {
    const extra: Record<string, string> = { ...(a.headers ?? {}), ...(a.close ? { Connection: 'close' } : {}) };
    if (a.drop) {
      post.dropped = true;
      // Like GenieACS, a session survives a dropped connection (the cookie resumes it) — unless the
      // CPE never got the cookie, i.e. the Inform itself was dropped.
      if (s && post.rpc === 'Inform') this.markFailed(s, 'dropped');
      req.socket.destroy();
      this.changed();
      return true;
    }
    if (a.redirect !== undefined) {
      if (s) this.markFailed(s, 'redirected');
      this.write(post, res, a.status ?? 307, '', { Location: a.redirect, ...extra });
      return true;
    }
    if (a.garbage) {
      if (s) this.markFailed(s, 'garbage reply');
      const body = typeof a.garbage === 'string' ? a.garbage : 'this is <not> a SOAP envelope &&&';
      this.write(post, res, a.status ?? 200, body, { 'Content-Type': 'text/xml; charset="utf-8"', ...extra }, a.chunked);
      return true;
    }
    if (a.raw !== undefined) {
      this.write(post, res, a.status ?? 200, a.raw, { 'Content-Type': 'text/xml; charset="utf-8"', ...extra }, a.chunked);
      return true;
    }
    if (a.fault) {
      const fault: Fault = {
        method: 'Fault',
        faultcode: 'Server',
        faultstring: 'CWMP fault',
        faultCode: a.fault.faultCode,
        faultString: a.fault.faultString ?? 'ACS fault',
      };
      if (s && post.rpc === 'Inform') this.markFailed(s, `fault ${a.fault.faultCode}`);
      this.sendEnvelope(post, s, res, fault, a.id ?? post.envelope?.header.id ?? '', a, extra);
      return true;
    }
    if (a.send) {
      let id = a.id;
      if (s && ACS_REQUEST_METHODS.has(a.send.method)) {
        const ex: ExchangeInternal = { id: id ?? this.newId(), request: a.send as AcsRequest };
        id = ex.id;
        s.exchanges.push(ex);
        s.outstanding = ex;
        s.state = 'acs';
      }
      this.sendEnvelope(post, s, res, a.send, id ?? post.envelope?.header.id ?? '', a, extra);
      return true;
    }
    if (a.status !== undefined || a.retryAfter !== undefined) {
      const status = a.status ?? 503;
      if (a.retryAfter !== undefined) extra['Retry-After'] = String(a.retryAfter);
      if (s && status !== 401) this.markFailed(s, `HTTP ${status}`);
      this.write(post, res, status, a.body ?? `${status} from test ACS`, extra);
      return true;
    }
    return false;
  }

  /** GenieACS's behaviour for a POST that passed the session checks. */
  private defaultReply(post: RecordedPost, s: SessionInternal | undefined, res: ServerResponse, mods: PostAction): void {
    const extra: Record<string, string> = { ...(mods.headers ?? {}), ...(mods.close ? { Connection: 'close' } : {}) };
    const env = post.envelope;
    if (!s) return this.write(post, res, 400, 'Invalid session', { Connection: 'close' });
    const reqId = env?.header.id ?? '';

    if (post.rpc === 'Inform') {
      const cookie = `session=${s.id}${this.opts.cookiePath ? `; Path=${this.opts.cookiePath}` : ''}`;
      return this.sendEnvelope(post, s, res, { method: 'InformResponse', maxEnvelopes: 1 }, mods.id ?? reqId, mods, {
        'Set-Cookie': cookie,
        ...extra,
      });
    }

    if (s.state === 'cpe') {
      if (post.rpc === 'empty') {
        s.state = 'acs';
        return this.nextRequest(post, s, res, mods, extra);
      }
      if (env && CPE_REQUEST_METHODS.has(env.body.method)) {
        s.cpeRequests.push(env);
        switch (env.body.method) {
          case 'TransferComplete':
            return this.sendEnvelope(post, s, res, { method: 'TransferCompleteResponse' }, mods.id ?? reqId, mods, extra);
          case 'GetRPCMethods':
            return this.sendEnvelope(post, s, res, { method: 'GetRPCMethodsResponse', methodList: ['Inform', 'GetRPCMethods', 'TransferComplete'] },
              mods.id ?? reqId, mods, extra);
          case 'RequestDownload':
            // GenieACS throws on it and its worker dies: the CPE sees the connection reset.
            this.violation(post, 'request-download', 'RequestDownload makes GenieACS drop the connection');
            post.dropped = true;
            this.markFailed(s, 'dropped (RequestDownload)');
            res.socket?.destroy();
            this.changed();
            return;
          default: {
            // AutonomousTransferComplete, Kicked…: unknown to GenieACS → 8000.
            const fault: Fault = { method: 'Fault', faultcode: 'Server', faultstring: 'CWMP fault', faultCode: 8000, faultString: 'Method not supported' };
            return this.sendEnvelope(post, s, res, fault, mods.id ?? reqId, mods, extra);
          }
        }
      }
      if (post.rpc === 'Unknown') {
        const fault: Fault = { method: 'Fault', faultcode: 'Server', faultstring: 'CWMP fault', faultCode: 8000, faultString: 'Method not supported' };
        return this.sendEnvelope(post, s, res, fault, mods.id ?? reqId, mods, extra);
      }
      this.violation(post, 'state', `${post.rpc} before the empty POST, with no ACS request outstanding`);
      return this.fail(s, post, res, 400, 'Bad session state');
    }

    // ACS phase: the CPE must answer the outstanding request.
    const ex = s.outstanding;
    if (post.rpc === 'empty') {
      this.violation(post, 'state', ex ? `empty POST while ${ex.request.method} is outstanding` : 'a second empty POST');
      return this.fail(s, post, res, 400, 'Bad session state');
    }
    if (!env || !ex || CPE_REQUEST_METHODS.has(env.body.method)) {
      this.violation(post, 'state', `${post.rpc} sent after the empty POST (CPE requests must wait for the next session)`);
      return this.fail(s, post, res, 400, 'Bad session state');
    }
    if ((env.header.id ?? '') !== ex.id) {
      this.violation(post, 'id', `answer to ${ex.request.method} carries cwmp:ID "${env.header.id ?? ''}", expected "${ex.id}"`);
    }
    const m = env.body.method;
    if (m !== 'Fault' && m !== `${ex.request.method}Response`) {
      this.violation(post, 'response-name', `${m} does not answer ${ex.request.method}`);
    }
    ex.answer = env.body;
    ex.answerEnvelope = env;
    s.outstanding = undefined;
    ex.resolve?.({ id: ex.id, request: ex.request, answer: env.body, session: s.index });
    return this.nextRequest(post, s, res, mods, extra);
  }

  private nextRequest(post: RecordedPost, s: SessionInternal, res: ServerResponse, mods: PostAction, extra: Record<string, string>): void {
    const next = this.pending.shift();
    if (!next) {
      s.state = 'ended';
      this.write(post, res, 204, '', { Connection: 'close', ...extra });
      return;
    }
    const ex: ExchangeInternal = { id: next.item.id ?? this.newId(), request: next.item.request, resolve: next.resolve };
    s.exchanges.push(ex);
    s.outstanding = ex;
    this.sendEnvelope(post, s, res, next.item.request, mods.id ?? ex.id, { ...mods, header: { ...next.item.header, ...mods.header } }, extra);
  }

  private sendEnvelope(post: RecordedPost, s: SessionInternal | undefined, res: ServerResponse, body: Message, id: string,
    mods: PostAction, extra: Record<string, string>): void {
    const env: Envelope = { ns: s?.ns ?? post.envelope?.ns ?? 'urn:dslforum-org:cwmp-1-0', header: { id, ...mods.header }, body };
    const xml = encode(env);
    this.write(post, res, mods.status ?? 200, xml, { 'Content-Type': 'text/xml; charset="utf-8"', ...extra }, mods.chunked);
  }

  private startSession(post: RecordedPost, conn: ConnState): SessionInternal {
    const env = post.envelope!;
    const inform = env.body as Inform;
    const s: SessionInternal = {
      index: this.sessions.length + 1,
      id: randomBytes(8).toString('hex'),
      inform,
      informEnvelope: env,
      ns: env.ns,
      messages: [],
      cpeRequests: [],
      exchanges: [],
      state: 'cpe',
      connections: [],
      lastActivity: Date.now(),
    };
    this.sessions.push(s);
    this.byCookie.set(s.id, s);
    this.attach(s, post, conn);
    this.changed();
    return s;
  }

  private attach(s: SessionInternal, post: RecordedPost, conn: ConnState): RecordedPost {
    post.session = s.index;
    s.messages.push(post);
    if (s.connections[s.connections.length - 1] !== conn.id) s.connections.push(conn.id);
    conn.session = s;
    return post;
  }

  private markFailed(s: SessionInternal, why: string): void {
    if (s.state === 'ended' || s.state === 'failed') return;
    s.state = 'failed';
    s.failure = why;
  }

  private fail(s: SessionInternal, post: RecordedPost, res: ServerResponse, status: number, text: string): void {
    this.markFailed(s, `${status} ${text}`);
    this.write(post, res, status, text, { Connection: 'close' });
  }

  /** Writes a reply (Content-Length unless chunked) and records it. */
  private write(post: RecordedPost, res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}, chunked = false): void {
    const name = this.opts.serverName ?? 'TestACS';
    const h: Record<string, string> = { Server: name, SOAPServer: name, ...headers };
    if (body && !Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['Content-Type'] = 'text/plain; charset=utf-8';
    const bytes = Buffer.from(body, 'utf8');
    if (!chunked) h['Content-Length'] = String(bytes.length);
    post.reply = { status, headers: h, body };
    const s = post.session ? this.sessions[post.session - 1] : undefined;
    if (s) s.lastActivity = Date.now();
    if (res.socket?.destroyed) {
      post.dropped = true;
    } else {
      res.writeHead(status, h);
      if (chunked && bytes.length > 1) {
        // Two chunks at least, so that the client really has to reassemble them.
        const half = Math.floor(bytes.length / 2);
        res.write(bytes.subarray(0, half));
        res.end(bytes.subarray(half));
      } else {
        res.end(bytes);
      }
    }
    this.changed();
  }

  // ---- checks --------------------------------------------------------------------------------------

  /** TR-069 §3.4.1 header rules (A6), plus what breaks old ACSs. */
  private checkHeaders(post: RecordedPost, req: IncomingMessage): void {
    const h = req.headers;
    if (post.rpc === 'empty') {
      if (h['content-type'] !== undefined) this.violation(post, 'empty-post-headers', `empty POST with Content-Type "${h['content-type']}"`);
      if (h.soapaction !== undefined) this.violation(post, 'empty-post-headers', 'empty POST with a SOAPAction header');
      if (h['content-length'] !== '0') this.violation(post, 'content-length', `empty POST without Content-Length: 0 (${h['content-length'] ?? 'absent'})`);
    } else {
      const ct = h['content-type'] ?? '';
      if (!/^text\/xml\s*(;|$)/i.test(ct)) this.violation(post, 'content-type', `Content-Type "${ct}" is not text/xml`);
      if (h.soapaction === undefined) this.violation(post, 'soapaction', 'SOAPAction header missing');
      else if (h.soapaction !== '') this.violation(post, 'soapaction', `SOAPAction "${h.soapaction}" should have no value`);
      if (h['content-length'] === undefined) this.violation(post, 'content-length', 'request body without Content-Length');
    }
    if (h.expect !== undefined) this.violation(post, 'expect', `Expect: ${h.expect}`);
    if (h['transfer-encoding'] !== undefined) this.violation(post, 'chunked', `Transfer-Encoding: ${h['transfer-encoding']}`);
  }

  /**
   * GenieACS's authentication: a connection that is not yet authenticated gets one challenge; wrong
   * credentials after it get 401 without a challenge and Connection: close. The Digest nonce is bound
   * to the connection, so a new connection is challenged again.
   */
  private authenticate(post: RecordedPost, req: IncomingMessage, res: ServerResponse, conn: ConnState, rawBody: Buffer): boolean {
    const a = parseAuthorization(req.headers.authorization);
    if (conn.authenticated) {
      if (a) this.checkLaterAuthorization(post, req, conn, a, rawBody);
      return true;
    }
    if (a && this.credentialsValid(post, req, conn, a, rawBody)) {
      conn.authenticated = true;
      return true;
    }
    if (!conn.challenged) {
      conn.challenged = true;
      this.write(post, res, 401, 'Unauthorized', { 'WWW-Authenticate': this.challenge(conn) });
      return false;
    }
    this.write(post, res, 401, 'Unauthorized', { Connection: 'close' });
    return false;
  }

  private challenge(conn: ConnState): string {
    const auth = this.opts.auth!;
    const realm = auth.realm ?? 'GenieACS';
    if (auth.type === 'basic') return `Basic realm="${realm}"`;
    conn.nonce = randomBytes(16).toString('hex');
    let d = `Digest realm="${realm}"`;
    const qop = auth.qop ?? 'auth,auth-int';
    if (qop) d += `,qop="${qop}"`;
    d += `,nonce="${conn.nonce}"`;
    if (auth.algorithm) d += `,algorithm=${auth.algorithm}`;
    if (auth.opaque) d += `,opaque="${auth.opaque}"`;
    return d;
  }

  private credentialsValid(post: RecordedPost, req: IncomingMessage, conn: ConnState, a: ReturnType<typeof parseAuthorization>, rawBody: Buffer): boolean {
    const auth = this.opts.auth!;
    if (!a) return false;
    if (a.scheme === 'basic') {
      // GenieACS accepts pre-emptive Basic even where it would challenge with Digest.
      return `Basic ${a.token68 ?? ''}` === basicAuthorization(auth.username, auth.password);
    }
    if (a.scheme !== 'digest' || auth.type !== 'digest') return false;
    const p = a.params;
    if (!conn.nonce || p.nonce !== conn.nonce) return false;
    if (p.qop && (!p.cnonce || !p.nc)) return false;
    if (p.username !== auth.username || p.realm !== (auth.realm ?? 'GenieACS')) return false;
    if (p.uri !== req.url) {
      this.violation(post, 'auth', `Digest uri "${p.uri}" is not the request target "${req.url}"`);
      return false;
    }
    if (p.opaque !== auth.opaque) return false;
    let expected: string;
    try {
      expected = digestResponse({
        algorithm: p.algorithm, username: auth.username, realm: p.realm, password: auth.password, nonce: p.nonce,
        method: req.method ?? 'POST', uri: p.uri, qop: p.qop ?? null, nc: p.nc, cnonce: p.cnonce, body: rawBody,
      });
    } catch {
      return false;
    }
    if (expected !== p.response) return false;
    this.noteNc(post, conn, p);
    return true;
  }

  /** GenieACS ignores Authorization once the connection is authenticated; we still check nc and the digest. */
  private checkLaterAuthorization(post: RecordedPost, req: IncomingMessage, conn: ConnState, a: NonNullable<ReturnType<typeof parseAuthorization>>, rawBody: Buffer): void {
    if (a.scheme === 'digest') {
      if (!this.credentialsValid(post, req, conn, a, rawBody)) this.violation(post, 'auth', 'invalid Digest Authorization on an authenticated connection');
    } else if (a.scheme === 'basic' && !this.credentialsValid(post, req, conn, a, rawBody)) {
      this.violation(post, 'auth', 'invalid Basic Authorization on an authenticated connection');
    }
  }

  private noteNc(post: RecordedPost, conn: ConnState, p: Record<string, string>): void {
    if (!p.nc) return;
    const key = `${p.nonce}:${p.cnonce}`;
    const nc = parseInt(p.nc, 16);
    const last = conn.nc.get(key) ?? 0;
    if (!(nc > last)) this.violation(post, 'auth', `Digest nc ${p.nc} did not increase (last ${last.toString(16)})`);
    conn.nc.set(key, Math.max(nc, last));
  }

  private fallbackConn(socket: Socket): ConnState {
    // Only when a request arrives on a socket we did not see being accepted (should not happen).
    const c: ConnState = { id: ++this.connectionCount, socket, authenticated: false, challenged: false, nc: new Map() };
    this.conns.set(socket, c);
    return c;
  }

  private newId(): string {
    // GenieACS-like: hex built from a timestamp and a counter.
    return `${Date.now().toString(16)}${(++this.idCounter).toString(16).padStart(4, '0')}`;
  }
}

// ---- helpers ---------------------------------------------------------------------------------

function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** GenieACS's cookie reading: `;` or `,` separators, optional quotes. */
function sessionCookie(header: string | undefined): string | undefined {
  if (!header) return undefined;
  let found: string | undefined;
  for (const m of header.matchAll(/\s*([a-zA-Z0-9\-_]+?)\s*=\s*"?([a-zA-Z0-9\-_]*?)"?\s*(,|;|$)/g)) {
    if (m[1] === 'session') found = m[2];
  }
  return found;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
