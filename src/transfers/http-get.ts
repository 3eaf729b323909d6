// The download client's HTTP/1.1 GET: one request per connection on a plain net/tls socket whose
// reads land in one reused buffer (the socket `onread` option), and a body decoder (Content-Length,
// chunked, or until the server closes) that hands the bytes to a sink with backpressure.
// Why not undici: it allocates a fresh buffer for every 64 KiB read and passes each through a
// Readable; for a 200 MB file that cost ~4x the CPU of the whole rest of the download (mostly
// garbage collection) and +60 MB of RSS. Uploads and everything else keep using undici.
import { connect as netConnect, isIP, type OnReadOpts, type Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { tls as lazyTls } from '../net/lazy-builtins.js';

/** How a connection is made; http-common.ts derives it from HttpTransferOptions. */
export interface ConnectSettings {
  /** Trust these CAs instead of the system store. */
  ca?: Buffer;
  rejectUnauthorized: boolean;
  /** TCP connect plus TLS handshake. */
  connectTimeoutMs: number;
  /** From the start of the request to the end of the response head. */
  headersTimeoutMs: number;
}

export interface GetRequest {
  url: URL;
  /** Request headers besides host and connection (user-agent, authorization). */
  headers: Record<string, string>;
  signal: AbortSignal;
}

/** Takes the body. A piece is only valid during the call (its buffer is reused): copy what you keep. */
export interface BodySink {
  /** Return false to stop the flow until `GetResponse.resume()`. */
  data(piece: Buffer): boolean;
}

/** A failure of this client; `code` is what networkFault() maps to a fault code. */
export class HttpGetError extends Error {
  constructor(
    message: string,
    readonly code: 'ERR_CONNECT_TIMEOUT' | 'ERR_HEADERS_TIMEOUT' | 'ERR_BAD_RESPONSE' | 'ERR_BODY_INCOMPLETE',
  ) {
    super(message);
    this.name = 'HttpGetError';
  }
}

/** Same as undici's (and node:http's) default. */
export const MAX_HEAD_BYTES = 16 * 1024;
/** Socket read size: fewer, larger reads; TLS still delivers at most one 16 KiB record per read. */
const READ_BUFFER_BYTES = 256 * 1024;
/** A chunk-size line with extensions, and all trailers together. */
const MAX_CHUNK_LINE_BYTES = 4096;
const MAX_TRAILER_BYTES = 16 * 1024;

export interface GetResponse {
  statusCode: number;
  /** Lower-case names; a repeated header is an array (as undici gives them). */
  headers: Record<string, string | string[]>;
  /** Delivers the body to sink; resolves once all of it was delivered, rejects on any error. Once. */
  readBody(sink: BodySink): Promise<void>;
  /** Continues the flow after the sink returned false. */
  resume(): void;
  /** Closes the connection; a pending readBody rejects with err (or a generic error). */
  destroy(err?: Error): void;
}

/** Sends the GET and resolves with the response head; the body waits until readBody(). */
export function httpGet(req: GetRequest, settings: ConnectSettings): Promise<GetResponse> {
  try {
    return new Connection(req, settings).head;
  } catch (err) {
    return Promise.reject(err);
  }
}

type Framing = 'none' | 'length' | 'chunked' | 'close';

class Connection implements GetResponse {
  statusCode = 0;
  headers: Record<string, string | string[]> = {};
  readonly head: Promise<GetResponse>;
  private headSettle!: { resolve: (r: GetResponse) => void; reject: (e: unknown) => void };
  private bodySettle: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  private readonly socket: Socket;
  private state: 'head' | 'body' | 'done' | 'failed' = 'head';
  private headBytes: Buffer | undefined;
  private framing: Framing = 'none';
  private left = 0;
  private readonly chunked = new ChunkedDecoder();
  private sink: BodySink | undefined;
  /** Body bytes that arrived while nobody could take them (before readBody, or after the sink said stop). */
  private pending: Buffer[] = [];
  private paused = true;
  private ended = false;
  private draining = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly signal: AbortSignal;
  private readonly onAbort = (): void => this.fail(abortReason(this.signal));

  constructor(req: GetRequest, s: ConnectSettings) {
    this.head = new Promise<GetResponse>((resolve, reject) => (this.headSettle = { resolve, reject }));
    this.signal = req.signal;
    const u = req.url;
    const request = requestText(u, req.headers); // throws before anything is sent
    const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    const tls = u.protocol === 'https:';
    const port = Number(u.port) || (tls ? 443 : 80);
    const onread: OnReadOpts = {
      buffer: Buffer.allocUnsafeSlow(READ_BUFFER_BYTES),
      callback: (n: number, buf: Uint8Array) => this.onRead(n, buf),
    };
    // tls.connect takes onread like net.connect (documented; missing from @types/node's ConnectionOptions)
    const tlsOptions: ConnectionOptions & { onread: OnReadOpts } = {
      host,
      port,
      // SNI carries names only; the certificate is still checked against an IP literal
      ...(isIP(host) ? {} : { servername: host }),
      ...(s.ca ? { ca: s.ca } : {}),
      rejectUnauthorized: s.rejectUnauthorized,
      ALPNProtocols: ['http/1.1'],
      onread,
    };
    this.socket = tls ? lazyTls().connect(tlsOptions) : netConnect({ host, port, onread });
    this.timer = setTimeout(
      () => this.fail(new HttpGetError(`connect timeout (${s.connectTimeoutMs} ms)`, 'ERR_CONNECT_TIMEOUT')),
      s.connectTimeoutMs,
    );
    this.socket.once(tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(
        () => this.fail(new HttpGetError(`no response head within ${s.headersTimeoutMs} ms`, 'ERR_HEADERS_TIMEOUT')),
        s.headersTimeoutMs,
      );
    });
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('end', () => {
      this.ended = true;
      if (this.state === 'head') this.fail(new HttpGetError('the server closed the connection before answering', 'ERR_BODY_INCOMPLETE'));
      else this.settleAtEnd();
    });
    // Without a clean end (which settleAtEnd handles once the kept bytes are delivered) a close is a cut.
    this.socket.on('close', () => {
      if (!this.ended) this.fail(new HttpGetError('the connection closed', 'ERR_BODY_INCOMPLETE'));
    });
    if (this.signal.aborted) {
      queueMicrotask(this.onAbort);
    } else {
      this.signal.addEventListener('abort', this.onAbort, { once: true });
    }
    this.socket.write(request, 'latin1'); // queued until connected
  }

  readBody(sink: BodySink): Promise<void> {
    if (this.sink || this.state === 'head') return Promise.reject(new Error('readBody: called twice or before the head'));
    this.sink = sink;
    const p = new Promise<void>((resolve, reject) => (this.bodySettle = { resolve, reject }));
    if (this.state === 'failed') {
      this.bodySettle?.reject(this.failure);
    } else if (this.state === 'done') {
      this.bodySettle?.resolve();
    } else {
      this.resume();
    }
    return p;
  }

  resume(): void {
    if (this.state !== 'body' || !this.sink || this.draining) return;
    this.paused = false;
    this.draining = true;
    try {
      while (this.pending.length > 0 && !this.paused && this.state === 'body') {
        const buf = this.pending[0];
        const used = this.feed(buf);
        if (this.state !== 'body') break;
        if (used < buf.length) this.pending[0] = buf.subarray(used);
        else this.pending.shift();
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.draining = false;
    }
    if (this.state !== 'body' || this.paused) return;
    if (this.ended) this.settleAtEnd();
    else this.socket.resume();
  }

  destroy(err?: Error): void {
    this.fail(err ?? new Error('download cancelled'));
  }

  private failure: unknown;

  private fail(err: unknown): void {
    if (this.state === 'done' || this.state === 'failed') return;
    this.state = 'failed';
    this.failure = err;
    this.cleanup();
    this.socket.destroy();
    this.headSettle.reject(err);
    this.bodySettle?.reject(err);
  }

  private finish(): void {
    if (this.state !== 'body') return;
    this.state = 'done';
    this.cleanup();
    this.socket.destroy(); // we asked for "connection: close"; anything after the body is ignored
    this.bodySettle?.resolve();
  }

  private cleanup(): void {
    clearTimeout(this.timer);
    this.signal.removeEventListener('abort', this.onAbort);
    this.pending = [];
  }

  /** At the server's end of the stream: the body is complete only when it is delimited by it. */
  private settleAtEnd(): void {
    if (!this.ended || this.state !== 'body' || this.pending.length > 0) return;
    if (this.framing === 'close') this.finish();
    else this.fail(new HttpGetError('the connection closed before the end of the body', 'ERR_BODY_INCOMPLETE'));
  }

  /** The socket's onread callback; false stops reading. */
  private onRead(n: number, buf: Uint8Array): boolean {
    try {
      const chunk = Buffer.from(buf.buffer, buf.byteOffset, n);
      if (this.state === 'head') return this.onHeadBytes(chunk);
      if (this.state !== 'body') return false;
      if (this.paused || this.pending.length > 0) {
        // after a pause TLS still hands over the records it already decrypted: keep them in order
        this.pending.push(Buffer.from(chunk));
        return false;
      }
      const used = this.feed(chunk);
      if (used < chunk.length && this.state === 'body') this.pending.push(Buffer.from(chunk.subarray(used)));
      return this.state === 'body' && !this.paused;
    } catch (err) {
      this.fail(err);
      return false;
    }
  }

  private onHeadBytes(chunk: Buffer): boolean {
    const before = this.headBytes?.length ?? 0;
    let acc = before ? Buffer.concat([this.headBytes!, chunk]) : Buffer.from(chunk);
    let from = Math.max(0, before - 3);
    for (;;) {
      const end = acc.indexOf('\r\n\r\n', from, 'latin1');
      if (end < 0 || end + 4 > MAX_HEAD_BYTES) {
        if (acc.length > MAX_HEAD_BYTES || end >= 0) throw bad(`response head larger than ${MAX_HEAD_BYTES} bytes`);
        this.headBytes = acc;
        return true;
      }
      const { statusCode, headers } = parseHead(acc.toString('latin1', 0, end));
      acc = acc.subarray(end + 4);
      from = 0;
      if (statusCode === 101) throw bad('unexpected protocol switch (HTTP 101)');
      if (statusCode < 200) continue; // 100 Continue, 103 Early Hints: the real head follows
      this.statusCode = statusCode;
      this.headers = headers;
      this.headBytes = undefined;
      this.setFraming();
      clearTimeout(this.timer);
      this.state = 'body';
      if (acc.length > 0) this.pending.push(acc);
      this.headSettle.resolve(this);
      if (this.framing === 'none' || (this.framing === 'length' && this.left === 0)) {
        this.finish();
        return false;
      }
      return false; // until readBody()
    }
  }

  /** RFC 9112 §6.3 for the response to a GET. */
  private setFraming(): void {
    const status = this.statusCode;
    if (status === 204 || status === 304) {
      this.framing = 'none';
      return;
    }
    const te = this.headers['transfer-encoding'];
    const cl = this.headers['content-length'];
    if (te !== undefined) {
      const codings = [te].flat().join(',').split(',').map((c) => c.trim().toLowerCase()).filter((c) => c);
      if (codings.length !== 1 || codings[0] !== 'chunked') throw bad(`unsupported transfer coding "${[te].flat().join(', ')}"`);
      if (cl !== undefined) throw bad('both Transfer-Encoding and Content-Length');
      this.framing = 'chunked';
      return;
    }
    if (cl !== undefined) {
      const values = new Set([cl].flat().join(',').split(',').map((v) => v.trim()));
      const [only] = [...values];
      if (values.size !== 1 || !/^\d{1,15}$/.test(only)) throw bad(`invalid Content-Length "${[cl].flat().join(', ')}"`);
      this.framing = 'length';
      this.left = Number(only);
      return;
    }
    this.framing = 'close';
  }

  /** Hands a piece to the sink; false once it said stop. */
  private readonly emit = (piece: Buffer): boolean => {
    if (piece.length > 0 && !this.sink!.data(piece)) this.paused = true;
    return !this.paused;
  };

  /** Decodes body bytes to the sink until they run out, the body ends, or the sink says stop; returns bytes used. */
  private feed(buf: Buffer): number {
    if (this.framing === 'close') {
      this.emit(buf);
      return buf.length;
    }
    if (this.framing === 'length') {
      const take = Math.min(this.left, buf.length);
      this.left -= take;
      this.emit(take === buf.length ? buf : buf.subarray(0, take));
      if (this.left === 0) this.finish();
      return take;
    }
    const used = this.chunked.feed(buf, this.emit);
    if (this.chunked.done) this.finish();
    return used;
  }
}

/** Incremental chunked-coding decoder (RFC 9112 §7.1); extensions and trailers are skipped. */
export class ChunkedDecoder {
  done = false;
  private st: 'size' | 'ext' | 'sizeLf' | 'data' | 'dataCr' | 'dataLf' | 'trailer' | 'trailerLine' | 'trailerLf' | 'endLf' = 'size';
  private size = 0;
  private digits = 0;
  private lineBytes = 0;
  private trailerBytes = 0;

  /** Calls emit for each piece of data (false = stop); returns how many bytes of buf were used. */
  feed(buf: Buffer, emit: (piece: Buffer) => boolean): number {
    let i = 0;
    while (i < buf.length && !this.done) {
      if (this.st === 'data') {
        const take = Math.min(this.size, buf.length - i);
        const piece = buf.subarray(i, i + take);
        i += take;
        this.size -= take;
        if (this.size === 0) this.st = 'dataCr';
        if (!emit(piece)) return i;
        continue;
      }
      const c = buf[i++];
      switch (this.st) {
        case 'size': {
          const d = hexValue(c);
          if (d >= 0) {
            if (++this.digits > 13) throw bad('chunk size too large');
            this.size = this.size * 16 + d;
          } else if (this.digits > 0 && (c === 0x3b || c === 0x20 || c === 0x09)) {
            this.st = 'ext'; // ";ext", possibly after whitespace
          } else if (this.digits > 0 && c === 0x0d) {
            this.st = 'sizeLf';
          } else {
            throw bad('invalid chunk size');
          }
          break;
        }
        case 'ext':
          if (c === 0x0d) this.st = 'sizeLf';
          else if (c === 0x0a || c === 0 || ++this.lineBytes > MAX_CHUNK_LINE_BYTES) throw bad('invalid chunk extension');
          break;
        case 'sizeLf':
          if (c !== 0x0a) throw bad('invalid chunk size line');
          this.st = this.size === 0 ? 'trailer' : 'data';
          this.digits = 0;
          this.lineBytes = 0;
          break;
        case 'dataCr':
          if (c !== 0x0d) throw bad('chunk data longer than its size');
          this.st = 'dataLf';
          break;
        case 'dataLf':
          if (c !== 0x0a) throw bad('chunk data longer than its size');
          this.st = 'size';
          break;
        case 'trailer':
          if (c === 0x0d) this.st = 'endLf';
          else if (c === 0x0a) throw bad('invalid trailer');
          else this.st = 'trailerLine';
          if (++this.trailerBytes > MAX_TRAILER_BYTES) throw bad('trailers too large');
          break;
        case 'trailerLine':
          if (c === 0x0d) this.st = 'trailerLf';
          else if (c === 0x0a || ++this.trailerBytes > MAX_TRAILER_BYTES) throw bad('invalid trailer');
          break;
        case 'trailerLf':
          if (c !== 0x0a) throw bad('invalid trailer');
          this.st = 'trailer';
          break;
        case 'endLf':
          if (c !== 0x0a) throw bad('invalid end of chunked body');
          this.done = true;
          break;
      }
    }
    return i;
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?:[ \t].*)?$/;
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/;

/** No control characters but HTAB (a lone CR or LF, NUL…) in a line of the head. */
function plainLine(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return false;
  }
  return true;
}

/** Parses a response head (without its final CRLF CRLF); throws ERR_BAD_RESPONSE. */
export function parseHead(text: string): { statusCode: number; headers: Record<string, string | string[]> } {
  const lines = text.split('\r\n');
  const m = plainLine(lines[0]) ? STATUS_LINE.exec(lines[0]) : null;
  if (!m) throw bad(`invalid status line "${lines[0].slice(0, 60)}"`);
  const headers: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (let i = 1; i < lines.length; i++) {
    const h = plainLine(lines[i]) ? HEADER_LINE.exec(lines[i]) : null;
    if (!h) throw bad(`invalid header line "${lines[i].slice(0, 60)}"`);
    const name = h[1].toLowerCase();
    const prev = headers[name];
    if (prev === undefined) headers[name] = h[2];
    else if (Array.isArray(prev)) prev.push(h[2]);
    else headers[name] = [prev, h[2]];
  }
  return { statusCode: Number(m[1]), headers };
}

function requestText(u: URL, headers: Record<string, string>): string {
  const lines = [`GET ${u.pathname}${u.search} HTTP/1.1`, `host: ${u.host}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  lines.push('connection: close');
  const text = lines.join('\r\n') + '\r\n\r\n';
  // the URL parser escapes what it keeps; a header value can only come from our own code
  if (/[\r\n]/.test(lines.join(''))) throw new Error('a request header contains a line break');
  return text;
}

function bad(why: string): HttpGetError {
  return new HttpGetError(`invalid HTTP response: ${why}`, 'ERR_BAD_RESPONSE');
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted');
}
