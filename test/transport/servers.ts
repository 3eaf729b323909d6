// Plain loopback HTTP(S) servers for transport tests: every request is recorded with the server-side
// connection it came on, and a per-test handler decides the answer.
import { readFileSync } from 'node:fs';
import { createServer as createHttp, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** rawHeaders keeps case and order (e.g. to see `SOAPAction:` with no value). */
  rawHeaders: string[];
  body: string;
  /** 1-based connection number on the server. */
  connection: number;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, seen: SeenRequest) => unknown;

export interface TestServer {
  url: string;
  port: number;
  seen: SeenRequest[];
  /** Connections accepted so far. */
  connections(): number;
  /** Connections still open now. */
  openConnections(): number;
  close(): Promise<void>;
}

export async function startServer(
  handler: Handler,
  tls?: { certFile: string; keyFile: string; clientCaFile?: string },
): Promise<TestServer> {
  const seen: SeenRequest[] = [];
  const ids = new WeakMap<Socket, number>();
  let count = 0;
  const open = new Set<Socket>();
  const accept = (s: Socket) => {
    ids.set(s, ++count);
    open.add(s);
    s.once('close', () => open.delete(s));
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s: SeenRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks).toString('utf8'),
        connection: ids.get(req.socket) ?? 0,
      };
      seen.push(s);
      Promise.resolve(handler(req, res, s)).catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(e));
      });
    });
  };
  let server: Server;
  if (tls) {
    server = createHttps(
      {
        cert: readFileSync(tls.certFile),
        key: readFileSync(tls.keyFile),
        ...(tls.clientCaFile ? { requestCert: true, rejectUnauthorized: true, ca: readFileSync(tls.clientCaFile) } : {}),
      },
      onRequest,
    );
    server.on('secureConnection', accept);
  } else {
    server = createHttp(onRequest);
    server.on('connection', accept);
  }
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/acs`,
    port,
    seen,
    connections: () => count,
    openConnections: () => open.size,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Answers 200 with a small XML body. */
export function ok(res: ServerResponse, body = '<ok/>', headers: Record<string, string | string[]> = {}): void {
  res.writeHead(200, { 'Content-Type': 'text/xml; charset="utf-8"', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** A free port nobody listens on (bound and released). */
export async function closedPort(): Promise<number> {
  const s = createHttp();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
