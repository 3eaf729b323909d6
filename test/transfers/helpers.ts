// Test helpers for transfers: a loopback file server (HTTP or HTTPS, 127.0.0.1 only) with
// Basic/Digest auth, redirects, trickling and truncated bodies, upload capture; temp dirs; a
// self-signed certificate made with openssl.
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAuthorization } from '../../src/transport/digest.js';

export async function tempDir(tag = 'xfer'): Promise<string> {
  return mkdtemp(join(tmpdir(), `tr069-${tag}-`));
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface Route {
  body?: Buffer | string;
  status?: number;
  headers?: Record<string, string>;
  auth?: { scheme: 'basic' | 'digest'; username: string; password: string };
  /** Send the body in `chunk`-byte pieces every `intervalMs`. */
  trickle?: { chunk: number; intervalMs: number };
  /** Announce the full Content-Length but cut the connection after this many bytes. */
  truncateAt?: number;
  /** Omit Content-Length (chunked encoding). */
  chunked?: boolean;
  redirect?: string;
  /** Accept uploads with these methods (others get 405). */
  upload?: string[];
}

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

const REALM = 'files';
const NONCE = randomBytes(8).toString('hex');

function authorized(req: IncomingMessage, auth: NonNullable<Route['auth']>): boolean {
  const h = req.headers.authorization;
  if (!h) return false;
  if (auth.scheme === 'basic') {
    return h === 'Basic ' + Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
  }
  const c = parseAuthorization(h);
  if (!c || c.scheme !== 'digest') return false;
  const p = c.params;
  const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
  if (p.username !== auth.username || p.realm !== REALM || p.nonce !== NONCE || p.uri !== req.url) return false;
  const ha1 = md5(`${auth.username}:${REALM}:${auth.password}`);
  const ha2 = md5(`${req.method}:${p.uri}`);
  const expected = md5(`${ha1}:${NONCE}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`);
  return p.qop === 'auth' && p.response === expected;
}

export class FileServer {
  readonly requests: Recorded[] = [];
  private readonly routes = new Map<string, Route>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private constructor(
    private readonly server: Server,
    readonly base: string,
  ) {}

  static async start(tls?: { key: Buffer; cert: Buffer }): Promise<FileServer> {
    const holder: { self?: FileServer } = {};
    const handler = (req: IncomingMessage, res: ServerResponse): void => holder.self!.handle(req, res);
    const server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    holder.self = new FileServer(server, `${tls ? 'https' : 'http'}://127.0.0.1:${port}`);
    return holder.self;
  }

  url(path: string): string {
    return this.base + path;
  }

  route(path: string, r: Route): this {
    this.routes.set(path, r);
    return this;
  }

  hits(path: string): number {
    return this.requests.filter((r) => r.path === path).length;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: Recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      this.requests.push(rec);
      this.respond(req, res);
    });
  }

  private respond(req: IncomingMessage, res: ServerResponse): void {
    const r = this.routes.get(req.url ?? '');
    if (!r) {
      res.writeHead(404).end('not found');
      return;
    }
    if (r.auth && !authorized(req, r.auth)) {
      const challenge =
        r.auth.scheme === 'basic' ? `Basic realm="${REALM}"` : `Digest realm="${REALM}", nonce="${NONCE}", qop="auth", algorithm=MD5`;
      res.writeHead(401, { 'www-authenticate': challenge }).end();
      return;
    }
    if (r.redirect) {
      res.writeHead(r.status ?? 302, { location: r.redirect }).end();
      return;
    }
    if (r.upload) {
      if (!r.upload.includes(req.method ?? '')) {
        res.writeHead(405, { allow: r.upload.join(', ') }).end();
        return;
      }
      res.writeHead(r.status ?? 201).end();
      return;
    }
    if (r.status && r.status !== 200) {
      res.writeHead(r.status).end();
      return;
    }
    const body = Buffer.from(r.body ?? '');
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream', ...r.headers };
    if (!r.chunked) headers['content-length'] = String(body.length);
    res.writeHead(200, headers);
    if (r.truncateAt !== undefined) {
      res.write(body.subarray(0, r.truncateAt), () => res.destroy());
      return;
    }
    if (r.trickle) {
      let off = 0;
      const t = setInterval(() => {
        if (res.destroyed) {
          clearInterval(t);
          this.timers.delete(t);
          return;
        }
        const piece = body.subarray(off, off + r.trickle!.chunk);
        off += piece.length;
        if (off >= body.length) {
          clearInterval(t);
          this.timers.delete(t);
          res.end(piece);
        } else res.write(piece);
      }, r.trickle.intervalMs);
      this.timers.add(t);
      return;
    }
    res.end(body);
  }
}

/** A self-signed certificate for 127.0.0.1 (its own CA), made with openssl. */
export async function makeCert(dir: string): Promise<{ key: Buffer; cert: Buffer; caFile: string }> {
  const keyFile = join(dir, 'key.pem');
  const caFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', caFile,
    ],
    { stdio: 'ignore' },
  );
  return { key: await readFile(keyFile), cert: await readFile(caFile), caFile };
}

/** Writes a shell script that records "<path> <sha256>" for each argument into `out`. */
export async function recorderScript(dir: string, name: string, out: string): Promise<string> {
  const script = join(dir, `${name}.sh`);
  await writeFile(
    script,
    `for f in "$@"; do printf '%s %s\\n' "$f" "$(sha256sum < "$f" | cut -d' ' -f1)"; done >> '${out}'\necho recorded\n`,
  );
  return `/bin/sh '${script}'`;
}

/** Resolves when `check` returns a value; rejects after `ms`. Bounded polling. */
export async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, ms = 10_000, what = 'condition'): Promise<T> {
  const until = Date.now() + ms;
  for (let i = 0; i < 10_000; i++) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}
