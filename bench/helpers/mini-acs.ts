// A minimal ACS on 127.0.0.1 that records when each session's first byte arrives. It speaks just
// enough CWMP for a periodic or connection-request session: an Inform gets 200 InformResponse (cwmp:ID
// echoed) with a session cookie, the empty POST with that cookie gets 204 + Connection: close.
// Raw TCP with a tiny HTTP/1.1 reader, so "first byte" is the first 'data' of the connection and
// not the moment node:http has parsed the headers. Bounded: headers 16 KiB, body 1 MiB, 30 s idle.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { NS_CWMP_1_2, decode, encode, escapeXml } from '../../src/cwmp/index.js';

export interface MiniSession {
  /** performance.now() of the TCP accept. */
  connectAt: number;
  /** performance.now() of the first byte received on the connection (the Inform's). */
  firstByteAt: number;
  /** performance.now() when the whole Inform had arrived. */
  informAt?: number;
  /** performance.now() when the 204 was written (the session is over for the ACS). */
  endAt?: number;
  /** Event codes of the Inform. */
  events: string[];
  /** Device.ManagementServer.ConnectionRequestURL from the Inform. */
  connectionRequestUrl?: string;
  /** Set when the session went wrong (the reason). */
  error?: string;
}

export interface MiniAcs {
  url: string;
  readonly sessions: MiniSession[];
  /** Resolves with the first session (from index `from` on) that ended or failed and matches. */
  waitForSession(from: number, match: (s: MiniSession) => boolean, timeoutMs?: number): Promise<MiniSession>;
  close(): Promise<void>;
}

const MAX_HEADER = 16 * 1024;
const MAX_BODY = 1024 * 1024;
const IDLE_MS = 30_000;
const HEADER_END = Buffer.from('\r\n\r\n');

export async function startMiniAcs(): Promise<MiniAcs> {
  const sessions: MiniSession[] = [];
  const changes = new EventEmitter();
  changes.setMaxListeners(0);
  const sockets = new Set<Socket>();
  const [before, after] = encode({ ns: NS_CWMP_1_2, header: { id: 'MINI-ACS-ID' }, body: { method: 'InformResponse', maxEnvelopes: 1 } }).split('MINI-ACS-ID');

  const server = createServer((socket) => {
    const session: MiniSession = { connectAt: performance.now(), firstByteAt: NaN, events: [] };
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.setTimeout(IDLE_MS, () => socket.destroy());
    socket.once('data', () => (session.firstByteAt = performance.now()));
    let buf = Buffer.alloc(0);
    let cookie = '';
    let recorded = false;
    const finish = (error?: string): void => {
      if (error && !session.error) session.error = error;
      if (!recorded && (session.endAt !== undefined || session.error)) {
        recorded = true;
        changes.emit('change');
      }
    };
    const fail = (status: number, why: string): void => {
      socket.end(`HTTP/1.1 ${status} Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      finish(why);
    };
    socket.on('close', () => sockets.delete(socket));
    socket.on('close', () => finish(session.endAt === undefined ? 'connection closed before the session ended' : undefined));
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      // Requests one at a time (CWMP never pipelines).
      for (;;) {
        const end = buf.indexOf(HEADER_END);
        if (end < 0) {
          if (buf.length > MAX_HEADER) fail(431, 'header too large');
          return;
        }
        const head = buf.subarray(0, end).toString('latin1').split('\r\n');
        const headers = new Map<string, string>();
        for (const line of head.slice(1)) {
          const i = line.indexOf(':');
          if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
        }
        if (!head[0].startsWith('POST ')) return fail(405, `unexpected request ${head[0]}`);
        if (headers.has('transfer-encoding')) return fail(411, 'chunked request');
        const length = Number(headers.get('content-length') ?? '0');
        if (!Number.isInteger(length) || length < 0 || length > MAX_BODY) return fail(413, 'bad Content-Length');
        if (buf.length < end + 4 + length) return;
        const body = buf.subarray(end + 4, end + 4 + length).toString('utf8');
        buf = buf.subarray(end + 4 + length);
        if (length === 0) {
          if (session.informAt === undefined || !(headers.get('cookie') ?? '').includes(cookie)) return fail(400, 'empty POST outside a session');
          socket.end('HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n');
          session.endAt = performance.now();
          return finish();
        }
        const decoded = decode(body);
        const env = decoded.ok ? decoded.envelope : null;
        if (!env || env.body.method !== 'Inform' || session.informAt !== undefined) return fail(400, 'expected one Inform first');
        session.informAt = performance.now();
        session.events = env.body.event.map((e) => e.eventCode);
        session.connectionRequestUrl = env.body.parameterList.find((p) => p.name.endsWith('ManagementServer.ConnectionRequestURL'))?.value;
        sessions.push(session);
        cookie = `session=${randomBytes(8).toString('hex')}`;
        const xml = before + escapeXml(env.header.id ?? '') + after;
        socket.write(
          `HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset="utf-8"\r\nSet-Cookie: ${cookie}\r\n` +
            `Content-Length: ${Buffer.byteLength(xml)}\r\n\r\n${xml}`,
        );
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  return {
    url,
    sessions,
    waitForSession(from, match, timeoutMs = 10_000) {
      const find = () => sessions.slice(from).find((s) => (s.endAt !== undefined || s.error !== undefined) && match(s));
      const now = find();
      if (now) return Promise.resolve(now);
      return new Promise((resolve, reject) => {
        const check = () => {
          const s = find();
          if (s) {
            done();
            resolve(s);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`mini ACS: no matching session within ${timeoutMs} ms (${sessions.length} sessions so far)`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          changes.off('change', check);
        };
        changes.on('change', check);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
