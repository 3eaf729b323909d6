// What downloads and uploads share: the connection settings (TLS verified, optional CA bundle,
// timeouts) as an undici agent (uploads) or for http-get.ts (downloads), one logical request with
// 401 → credentials retry and bounded redirects, and the mapping of network errors to CWMP fault
// codes (before the response: cannot contact; after: incomplete).
import { readFile } from 'node:fs/promises';
import type { Agent, Dispatcher } from 'undici';
import { answerChallenge } from './http-auth.js';
import { FAULT, TransferFault } from './faults.js';
import type { ConnectSettings } from './http-get.js';

export interface HttpTransferOptions {
  /** PEM bundle to verify HTTPS servers with (replaces the system store); undefined = system store. */
  caFile?: string;
  /** Default true. */
  rejectUnauthorized?: boolean;
  connectTimeoutMs?: number;
  /** Time to wait for the response headers. */
  headersTimeoutMs?: number;
  /** Longest pause between two chunks of the body. */
  idleTimeoutMs?: number;
  /** Whole request, headers to last byte. */
  totalTimeoutMs?: number;
  maxRedirects?: number;
  userAgent?: string;
}

export const HTTP_DEFAULTS = {
  connectTimeoutMs: 30_000,
  headersTimeoutMs: 60_000,
  idleTimeoutMs: 60_000,
  totalTimeoutMs: 3_600_000,
  maxRedirects: 5,
  userAgent: 'tr069-client',
};

/** Raised when the caller's signal aborted the transfer (cancel or shutdown), not a fault. */
export class TransferAborted extends Error {
  constructor(readonly reason: unknown) {
    super('transfer aborted');
    this.name = 'TransferAborted';
  }
}

/** The settings a connection is made with (reads the CA file). */
export async function connectSettings(opts: HttpTransferOptions): Promise<ConnectSettings> {
  const ca = opts.caFile ? await readFile(opts.caFile) : undefined;
  return {
    ...(ca ? { ca } : {}),
    rejectUnauthorized: opts.rejectUnauthorized ?? true,
    connectTimeoutMs: opts.connectTimeoutMs ?? HTTP_DEFAULTS.connectTimeoutMs,
    headersTimeoutMs: opts.headersTimeoutMs ?? HTTP_DEFAULTS.headersTimeoutMs,
  };
}

export async function makeAgent(opts: HttpTransferOptions): Promise<Agent> {
  const s = await connectSettings(opts);
  // Loaded on first use: undici costs the idle daemon ~20 MiB of RSS, and only transfers need it.
  const { Agent } = await import('undici');
  const agent = new Agent({
    connect: {
      ...(s.ca ? { ca: s.ca } : {}),
      rejectUnauthorized: s.rejectUnauthorized,
      timeout: s.connectTimeoutMs,
    },
    headersTimeout: s.headersTimeoutMs,
    bodyTimeout: opts.idleTimeoutMs ?? HTTP_DEFAULTS.idleTimeoutMs,
    connections: 2,
  });
  return agent;
}

/** A URL fit for logs: no credentials, query or fragment (signed URLs carry tokens there). */
export function urlForLog(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

const TLS_CODES = /CERT|SSL|TLS|ALTNAME|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/;

function errorCodes(err: unknown): { codes: string[]; message: string } {
  const codes: string[] = [];
  let message = '';
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++) {
    const x = e as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof x.code === 'string') codes.push(x.code);
    if (!message && typeof x.message === 'string' && x.message) message = x.message;
    e = x.cause;
  }
  return { codes, message };
}

/** Describes a network-level error in one sentence and picks the fault code for the phase it hit. */
export function networkFault(err: unknown, stage: 'connect' | 'body', bodyFault: number, host: string): TransferFault {
  if (err instanceof TransferFault) return err;
  const { codes, message } = errorCodes(err);
  const code = codes[0] ?? '';
  if (codes.some((c) => c === 'ENOSPC' || c === 'EDQUOT')) {
    return new TransferFault(FAULT.transferFailure, 'not enough disk space to store the file');
  }
  if (codes.some((c) => c === 'EIO' || c === 'EROFS' || c === 'EACCES')) {
    return new TransferFault(FAULT.transferFailure, `cannot write the file: ${message}`);
  }
  if (stage === 'connect') {
    let what = `cannot contact ${host}`;
    if (codes.some((c) => c === 'ENOTFOUND' || c === 'EAI_AGAIN')) what = `cannot resolve ${host}`;
    else if (codes.includes('ECONNREFUSED')) what = `${host} refused the connection`;
    else if (codes.some((c) => c === 'UND_ERR_CONNECT_TIMEOUT' || c === 'ERR_CONNECT_TIMEOUT')) what = `connecting to ${host} timed out`;
    else if (codes.some((c) => c === 'UND_ERR_HEADERS_TIMEOUT' || c === 'ERR_HEADERS_TIMEOUT')) what = `${host} did not answer in time`;
    else if (codes.some((c) => TLS_CODES.test(c))) what = `TLS with ${host} failed (certificate not trusted or invalid)`;
    return new TransferFault(FAULT.cannotContact, `${what}: ${message}${code ? ` (${code})` : ''}`);
  }
  if (codes.includes('UND_ERR_BODY_TIMEOUT')) {
    return new TransferFault(bodyFault, `${host} stopped sending data (idle timeout)`);
  }
  return new TransferFault(bodyFault, `transfer from ${host} interrupted: ${message}${code ? ` (${code})` : ''}`);
}

export interface ExchangeArgs {
  agent: Agent;
  method: 'GET' | 'PUT' | 'POST';
  url: string;
  username: string;
  password: string;
  headers?: Record<string, string>;
  /** Re-sent as is after a 401 or a 307/308 redirect, hence a Buffer. */
  body?: Buffer;
  signal: AbortSignal;
  maxRedirects: number;
  /** Statuses that are followed as redirects. */
  redirectStatuses: readonly number[];
  userAgent: string;
  /** Bytes the response body may buffer ahead of its reader (undici's default is 64 KiB). */
  highWaterMark?: number;
}

export interface ExchangeResult {
  res: Dispatcher.ResponseData;
  url: string;
}

/** What the negotiation looks at in a response. */
export interface ResponseHead {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
}

/** Sends the requests of one negotiation (the client underneath: undici or http-get.ts). */
export interface Sender<R extends ResponseHead> {
  send(url: URL, headers: Record<string, string>): Promise<R>;
  /** Gets rid of a 401/403/redirect response. */
  discard(res: R): Promise<void>;
}

export type NegotiateArgs = Omit<ExchangeArgs, 'agent' | 'highWaterMark'>;

/** exchange() through undici (uploads). */
export async function exchange(a: ExchangeArgs): Promise<ExchangeResult> {
  return negotiate(a, {
    send: (u, headers) =>
      a.agent.request({
        origin: u.origin,
        path: u.pathname + u.search,
        method: a.method,
        headers,
        body: a.body,
        signal: a.signal,
        ...(a.highWaterMark ? { highWaterMark: a.highWaterMark } : {}),
      }),
    discard,
  });
}

/**
 * One logical request: answers one 401 per URL with the credentials (only when asked — they are
 * never sent pre-emptively), follows redirects (http/https only, never https → http). A 401/403
 * that the credentials cannot satisfy is fault 9012. Other statuses are returned to the caller.
 */
export async function negotiate<R extends ResponseHead>(a: NegotiateArgs, sender: Sender<R>): Promise<{ res: R; url: string }> {
  let url = a.url;
  let authorization: string | undefined;
  let authTried = false;
  for (let hop = 0; hop <= a.maxRedirects + 1; hop++) {
    const u = new URL(url);
    const headers: Record<string, string> = { 'user-agent': a.userAgent, ...a.headers };
    if (authorization) headers.authorization = authorization;
    if (a.body) headers['content-length'] = String(a.body.length);
    let res: R;
    try {
      res = await sender.send(u, headers);
    } catch (err) {
      if (a.signal.aborted) throw abortError(a.signal);
      throw networkFault(err, 'connect', FAULT.incomplete, u.host);
    }
    const status = res.statusCode;
    if (status === 401) {
      await sender.discard(res);
      if (!a.username && !a.password) {
        throw new TransferFault(FAULT.serverAuth, `${u.host} requires authentication and no credentials were given (HTTP 401)`);
      }
      const answer = authTried
        ? null
        : answerChallenge(res.headers['www-authenticate'], {
            username: a.username,
            password: a.password,
            method: a.method,
            uri: u.pathname + u.search,
          });
      if (!answer) {
        throw new TransferFault(
          FAULT.serverAuth,
          authTried ? `${u.host} refused the credentials (HTTP 401)` : `${u.host} asks for an unsupported authentication scheme`,
        );
      }
      authTried = true;
      authorization = answer;
      hop--; // an auth retry is not a redirect
      continue;
    }
    if (status === 403) {
      await sender.discard(res);
      throw new TransferFault(FAULT.serverAuth, `${u.host} denied access (HTTP 403)`);
    }
    if (a.redirectStatuses.includes(status)) {
      await sender.discard(res);
      const location = res.headers.location;
      if (typeof location !== 'string' || !location) {
        throw new TransferFault(FAULT.cannotAccess, `HTTP ${status} redirect without a Location`);
      }
      if (hop >= a.maxRedirects) throw new TransferFault(FAULT.cannotAccess, `more than ${a.maxRedirects} redirects`);
      const next = new URL(location, url);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw new TransferFault(FAULT.cannotAccess, `redirect to an unsupported protocol (${next.protocol})`);
      }
      if (u.protocol === 'https:' && next.protocol === 'http:') {
        throw new TransferFault(FAULT.cannotAccess, 'refusing a redirect from https to plain http');
      }
      url = next.href;
      authorization = undefined;
      authTried = false;
      continue;
    }
    return { res, url };
  }
  throw new TransferFault(FAULT.cannotAccess, 'too many redirects or authentication rounds');
}

export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof TransferFault) return reason;
  return new TransferAborted(reason);
}

async function discard(res: Dispatcher.ResponseData): Promise<void> {
  try {
    await res.body.dump({ limit: 64 * 1024 });
  } catch {
    // the connection is closed by undici when dumping fails; nothing else to do
  }
}
