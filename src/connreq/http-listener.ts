// The HTTP connection-request listener (TR-069 §3.2.2): an ACS sends GET <ConnectionRequestURL>,
// authenticated with Digest; we answer 200 at once (GenieACS gives up after 2 s) and only then
// tell the daemon, which schedules a session with the configured ACS.
//
// Everything here is reachable by anyone on the network, so every request costs little: no bodies,
// small headers, short timeouts, a bounded number of connections, and unauthenticated requests cost
// one HMAC (the nonce). Authenticated requests go through a token bucket (503 beyond it, without
// Retry-After as the spec asks).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { hostForUrl } from './address.js';
import { DigestServer, isStaleFailure, sameBytes, statusForFailure, type DigestFailure, type DigestServerOptions } from './digest-server.js';
import { TokenBucket, type RateLimit } from './rate-limit.js';
import { credentialsUsable, silentLogger, type ConnreqLogger, type Credentials } from './types.js';

export interface HttpListenerLimits {
  /** Max request header bytes (Node's maxHeaderSize). Default 8 KiB. */
  maxHeaderBytes: number;
  /** Time allowed to receive the headers / the whole request. Default 5 s. */
  requestTimeoutMs: number;
  /** Idle time before a keep-alive connection is closed. Default 5 s. */
  keepAliveTimeoutMs: number;
  /** Requests served on one connection before it is closed. Default 100. */
  maxRequestsPerSocket: number;
  /** Concurrent TCP connections; more are dropped by the kernel accept path. Default 256. */
  maxConnections: number;
  /** Accepted (authenticated) requests: `burst` per `periodMs`. Default 50 per 5 s (icwmp). */
  rate: RateLimit;
}

export const defaultHttpListenerLimits: HttpListenerLimits = {
  maxHeaderBytes: 8 * 1024,
  requestTimeoutMs: 5_000,
  keepAliveTimeoutMs: 5_000,
  maxRequestsPerSocket: 100,
  maxConnections: 256,
  rate: { burst: 50, periodMs: 5_000 },
};

export interface HttpConnectionRequestListenerOptions {
  port: number;
  /** IP to bind; '' = all interfaces (IPv6 and IPv4 when the host has IPv6, else IPv4 only). */
  address?: string;
  /** The secret path of ConnectionRequestURL, with or without the leading '/'. */
  path: string;
  /** Read at every request, so credential changes apply at once. Empty username or password refuses all. */
  getCredentials: () => Credentials;
  /** Called (after the 200 has been written) once per accepted request. Must not throw; errors are logged. */
  onConnectionRequest: () => void;
  log?: ConnreqLogger;
  limits?: Partial<HttpListenerLimits>;
  digest?: DigestServerOptions;
}

export type HttpRefusal =
  | 'notFound'
  | 'method'
  | 'body'
  | 'noCredentials'
  | 'unauthenticated' // no Authorization header: the first leg of every normal exchange
  | 'badScheme'
  | 'malformed'
  | 'unsupported'
  | 'badRealm'
  | 'badUri'
  | 'badNonce'
  | 'badCredentials'
  | 'stale'
  | 'replay'
  | 'rateLimited'
  | 'clientError'; // unparsable HTTP, oversized headers, timeouts

export interface HttpListenerCounters {
  accepted: number;
  refused: Record<HttpRefusal, number>;
}

export interface HttpConnectionRequestListener {
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** The bound address ('::' for dual stack, '0.0.0.0' after an IPv4 fallback, or the given one). */
  readonly address: string;
  readonly counters: HttpListenerCounters;
  /** Exposed for tests/benchmarks: nonces held for replay protection. */
  readonly trackedNonces: number;
  /** Stops listening and drops open connections; no callback fires afterwards. */
  close(): Promise<void>;
}

const refusalFor: Record<DigestFailure, HttpRefusal> = {
  missing: 'unauthenticated',
  scheme: 'badScheme',
  malformed: 'malformed',
  unsupported: 'unsupported',
  realm: 'badRealm',
  uri: 'badUri',
  nonce: 'badNonce',
  credentials: 'badCredentials',
  stale: 'stale',
  replay: 'replay',
};

export async function startHttpConnectionRequestListener(
  opts: HttpConnectionRequestListenerOptions,
): Promise<HttpConnectionRequestListener> {
  const limits: HttpListenerLimits = { ...defaultHttpListenerLimits, ...opts.limits };
  const log = opts.log ?? silentLogger;
  const digest = new DigestServer(opts.digest);
  const bucket = new TokenBucket(limits.rate);
  const wantedPath = Buffer.from(normalizePath(opts.path), 'latin1');
  const counters: HttpListenerCounters = { accepted: 0, refused: zeroRefusals() };
  let closed = false;

  const server = createServer({
    maxHeaderSize: limits.maxHeaderBytes,
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // How often Node checks request/headers timeouts; the 30 s default would let slow senders linger.
    connectionsCheckingInterval: Math.min(1_000, limits.requestTimeoutMs),
  });
  server.maxRequestsPerSocket = limits.maxRequestsPerSocket;
  server.maxConnections = limits.maxConnections;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.timeout = limits.requestTimeoutMs + limits.keepAliveTimeoutMs;

  const refuse = (res: ServerResponse, status: number, reason: HttpRefusal, headers: Record<string, string | string[]> = {}): void => {
    counters.refused[reason]++;
    log.debug({ status, reason }, 'connection request refused');
    res.writeHead(status, { ...headers, 'Content-Length': '0' });
    res.end();
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const target = req.url ?? '';
    if (!sameBytes(Buffer.from(pathOf(target), 'latin1'), wantedPath)) return refuse(res, 404, 'notFound');
    if (req.method !== 'GET') return refuse(res, 405, 'method', { Allow: 'GET' });
    if (hasBody(req)) {
      // Never read a body: close the connection instead of draining it.
      return refuse(res, 413, 'body', { Connection: 'close' });
    }
    const creds = opts.getCredentials();
    if (!credentialsUsable(creds)) return refuse(res, 401, 'noCredentials', { 'WWW-Authenticate': digest.challenge() });
    const verdict = digest.verify(req.headers.authorization, 'GET', target, creds);
    if (!verdict.ok) {
      const status = statusForFailure(verdict.reason);
      const headers: Record<string, string[]> = status === 401 ? { 'WWW-Authenticate': digest.challenge(isStaleFailure(verdict.reason)) } : {};
      return refuse(res, status, refusalFor[verdict.reason], headers);
    }
    if (!bucket.take()) return refuse(res, 503, 'rateLimited');
    counters.accepted++;
    res.writeHead(200, { 'Content-Length': '0' });
    res.end();
    log.info({ from: req.socket.remoteAddress }, 'connection request accepted');
    setImmediate(() => {
      if (closed) return;
      try {
        opts.onConnectionRequest();
      } catch (err) {
        log.warn({ err: String(err) }, 'connection request callback failed');
      }
    });
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    try {
      handle(req, res);
    } catch (err) {
      // Nothing above should throw; if it does, answer and keep serving.
      log.warn({ err: String(err) }, 'connection request handler failed');
      if (!res.headersSent) res.writeHead(500, { 'Content-Length': '0', Connection: 'close' });
      res.end();
    }
  });
  // Expect: 100-continue announces a body: refuse without reading it.
  server.on('checkContinue', (_req: IncomingMessage, res: ServerResponse) => {
    refuse(res, 413, 'body', { Connection: 'close' });
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    counters.refused.clientError++;
    if (!socket.writable || err.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const status =
      err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large'
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout'
          : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });

  const address = await listen(server, opts.port, opts.address ?? '');
  const bound = server.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : opts.port;
  log.info({ address, port }, 'connection request listener started');

  return {
    port,
    address,
    counters,
    get trackedNonces() {
      return digest.trackedNonces;
    },
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Binds; '' means all interfaces: '::' dual stack, or 0.0.0.0 when the host has no IPv6. */
async function listen(server: Server, port: number, address: string): Promise<string> {
  if (address !== '') {
    await listenOnce(server, { port, host: address, exclusive: true });
    return address;
  }
  try {
    await listenOnce(server, { port, host: '::', ipv6Only: false, exclusive: true });
    return '::';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL' && code !== 'EINVAL' && code !== 'EPROTONOSUPPORT') throw err;
    await listenOnce(server, { port, host: '0.0.0.0', exclusive: true });
    return '0.0.0.0';
  }
}

function listenOnce(server: Server, options: { port: number; host: string; ipv6Only?: boolean; exclusive: boolean }): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(options);
  });
}

function hasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const cl = req.headers['content-length'];
  return cl !== undefined && cl.trim() !== '0';
}

function normalizePath(path: string): string {
  return path.startsWith('/') ? path : `/${path}`;
}

/** The path of a request target (query ignored: the spec says the CPE ignores it). */
function pathOf(target: string): string {
  let t = target;
  if (/^https?:\/\//i.test(t)) {
    try {
      t = new URL(t).pathname;
    } catch {
      return '';
    }
  }
  const q = t.indexOf('?');
  return q === -1 ? t : t.slice(0, q);
}

function zeroRefusals(): Record<HttpRefusal, number> {
  return {
    notFound: 0,
    method: 0,
    body: 0,
    noCredentials: 0,
    unauthenticated: 0,
    badScheme: 0,
    malformed: 0,
    unsupported: 0,
    badRealm: 0,
    badUri: 0,
    badNonce: 0,
    badCredentials: 0,
    stale: 0,
    replay: 0,
    rateLimited: 0,
    clientError: 0,
  };
}

/** ConnectionRequestURL for the local address the ACS reaches us on: `http://<host>:<port>/<path>`. */
export function connectionRequestUrl(localAddress: string, port: number, path: string): string {
  return `http://${hostForUrl(localAddress)}:${port}${normalizePath(path)}`;
}
