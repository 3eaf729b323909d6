// A minimal STUN client (RFC 5389 Binding, readable by RFC 3489 servers) for TR-111 part 2:
// it learns the public mapping of the UDP connection-request socket and keeps it open.
//
// It sends on the SAME socket as the UDP connection-request listener (the mapping is per socket),
// which owns the socket and hands STUN datagrams to `handleMessage`. Binding Requests carry
// CONNECTION-REQUEST-BINDING (so a TR-111 STUN server knows this is the CR binding) and, after the
// mapping changed, BINDING-CHANGE. USERNAME + MESSAGE-INTEGRITY are added only once the server asks
// for them (error 401), as TR-181 STUNUsername says.

import { createHmac, randomBytes } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { ipv6FromGroups } from '../net/ipv6.js';
import { hostForUrl } from './address.js';
import { silentLogger, type ConnreqLogger } from './types.js';

export const STUN_MAGIC_COOKIE = 0x2112a442;
const HEADER = 20;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const BINDING_ERROR = 0x0111;
const ATTR_MAPPED_ADDRESS = 0x0001;
const ATTR_USERNAME = 0x0006;
const ATTR_MESSAGE_INTEGRITY = 0x0008;
const ATTR_ERROR_CODE = 0x0009;
const ATTR_XOR_MAPPED_ADDRESS = 0x0020;
const ATTR_XOR_MAPPED_ADDRESS_OLD = 0x8020; // pre-RFC drafts; some old servers still send it
const ATTR_CONNECTION_REQUEST_BINDING = 0xc001; // TR-111
const ATTR_BINDING_CHANGE = 0xc002; // TR-111
const CONNECTION_REQUEST_BINDING_VALUE = Buffer.from('dslforum.org/TR-111 ', 'latin1');
const MAX_ATTRIBUTES = 64;

export interface StunAttribute {
  type: number;
  value: Buffer;
}

export interface StunMessage {
  type: number;
  cookie: number;
  /** The 12 bytes after the magic cookie. */
  transactionId: Buffer;
  attributes: StunAttribute[];
}

export interface StunAddress {
  address: string;
  port: number;
}

/** Cheap demultiplexing test: first two bits 0, length consistent, magic cookie present. */
export function isStunMessage(buf: Buffer): boolean {
  return (
    buf.length >= HEADER &&
    (buf[0] & 0xc0) === 0 &&
    buf.readUInt16BE(2) + HEADER === buf.length &&
    buf.readUInt16BE(2) % 4 === 0 &&
    buf.readUInt32BE(4) === STUN_MAGIC_COOKIE
  );
}

/** Parses a STUN message; null when malformed. Never throws. */
export function decodeStunMessage(buf: Buffer): StunMessage | null {
  if (!isStunMessage(buf)) return null;
  const attributes: StunAttribute[] = [];
  let off = HEADER;
  while (off < buf.length) {
    if (off + 4 > buf.length || attributes.length >= MAX_ATTRIBUTES) return null;
    const type = buf.readUInt16BE(off);
    const len = buf.readUInt16BE(off + 2);
    if (off + 4 + len > buf.length) return null;
    attributes.push({ type, value: buf.subarray(off + 4, off + 4 + len) });
    off += 4 + pad4(len);
  }
  return { type: buf.readUInt16BE(0), cookie: buf.readUInt32BE(4), transactionId: buf.subarray(8, HEADER), attributes };
}

export interface BindingRequestOptions {
  transactionId: Buffer;
  /** Adds CONNECTION-REQUEST-BINDING (TR-111). Default true. */
  connectionRequestBinding?: boolean;
  /** Adds BINDING-CHANGE (TR-111): the mapping changed since the last request. */
  bindingChange?: boolean;
  /** With `password`: USERNAME + MESSAGE-INTEGRITY (RFC 5389 short-term credentials). */
  username?: string;
  password?: string;
}

export function encodeBindingRequest(o: BindingRequestOptions): Buffer {
  if (o.transactionId.length !== 12) throw new RangeError('STUN transaction id must be 12 bytes');
  const attrs: Buffer[] = [];
  const integrity = o.username !== undefined && o.username !== '' && o.password !== undefined;
  if (integrity) attrs.push(attribute(ATTR_USERNAME, Buffer.from(o.username ?? '', 'utf8')));
  if (o.connectionRequestBinding ?? true) attrs.push(attribute(ATTR_CONNECTION_REQUEST_BINDING, CONNECTION_REQUEST_BINDING_VALUE));
  if (o.bindingChange) attrs.push(attribute(ATTR_BINDING_CHANGE, Buffer.alloc(0)));
  const body = Buffer.concat(attrs);
  const header = Buffer.alloc(HEADER);
  header.writeUInt16BE(BINDING_REQUEST, 0);
  header.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
  o.transactionId.copy(header, 8);
  if (!integrity) {
    header.writeUInt16BE(body.length, 2);
    return Buffer.concat([header, body]);
  }
  // RFC 5389 §15.4: the length already counts MESSAGE-INTEGRITY; the HMAC covers what precedes it.
  header.writeUInt16BE(body.length + 24, 2);
  const mac = createHmac('sha1', Buffer.from((o.password ?? '').normalize('NFKC'), 'utf8'))
    .update(header)
    .update(body)
    .digest();
  return Buffer.concat([header, body, attribute(ATTR_MESSAGE_INTEGRITY, mac)]);
}

/** XOR-MAPPED-ADDRESS if present (either code point), else MAPPED-ADDRESS (RFC 3489 servers). */
export function mappedAddressOf(msg: StunMessage): StunAddress | null {
  const xor = msg.attributes.find((a) => a.type === ATTR_XOR_MAPPED_ADDRESS || a.type === ATTR_XOR_MAPPED_ADDRESS_OLD);
  if (xor) {
    const mask = Buffer.alloc(16);
    mask.writeUInt32BE(STUN_MAGIC_COOKIE, 0);
    msg.transactionId.copy(mask, 4);
    const a = readAddress(xor.value, mask);
    if (a) return a;
  }
  const plain = msg.attributes.find((a) => a.type === ATTR_MAPPED_ADDRESS);
  return plain ? readAddress(plain.value, null) : null;
}

/** ERROR-CODE as a number (e.g. 401), or null. */
export function errorCodeOf(msg: StunMessage): number | null {
  const e = msg.attributes.find((a) => a.type === ATTR_ERROR_CODE);
  if (!e || e.value.length < 4) return null;
  return (e.value[2] & 0x07) * 100 + e.value[3];
}

function readAddress(v: Buffer, mask: Buffer | null): StunAddress | null {
  if (v.length < 4) return null;
  const family = v[1];
  const portMask = mask ? mask.readUInt16BE(0) : 0;
  const port = v.readUInt16BE(2) ^ portMask;
  const len = family === 0x01 ? 4 : family === 0x02 ? 16 : 0;
  if (len === 0 || v.length < 4 + len) return null;
  const raw = Buffer.from(v.subarray(4, 4 + len));
  if (mask) for (let i = 0; i < len; i++) raw[i] ^= mask[i];
  return { address: len === 4 ? Array.from(raw).join('.') : formatIPv6(raw), port };
}

/** RFC 5952 text form (IPv4-mapped addresses come back as plain IPv4). */
function formatIPv6(b: Buffer): string {
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return Array.from(b.subarray(12)).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i));
  return ipv6FromGroups(groups);
}

function attribute(type: number, value: Buffer): Buffer {
  const out = Buffer.alloc(4 + pad4(value.length));
  out.writeUInt16BE(type, 0);
  out.writeUInt16BE(value.length, 2);
  value.copy(out, 4);
  return out;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** UDPConnectionRequestAddress: `host:port` (IPv6 in brackets). */
export function udpConnectionRequestAddress(address: string, port: number): string {
  return `${hostForUrl(address)}:${port}`;
}

// ---------------------------------------------------------------------------------------------
// The client

export interface StunBinding {
  /** The public (mapped) address and port the STUN server saw. */
  address: string;
  port: number;
  /** The mapping differs from our own address/port (TR-181 NATDetected). */
  natDetected: boolean;
  /** `address:port`, the value for UDPConnectionRequestAddress. */
  udpConnectionRequestAddress: string;
}

export interface StunOptions {
  /** Host name or IP of the STUN server (the caller substitutes the ACS host when the setting is empty). */
  serverAddress: string;
  serverPort?: number;
  /** STUNUsername / STUNPassword: used only when the server asks for message integrity. */
  username?: string;
  password?: string;
  /** STUNMinimumKeepAlivePeriod (s): Binding Requests are sent this often. 0 → 30 s. Default 30. */
  minKeepAliveSeconds?: number;
  /** STUNMaximumKeepAlivePeriod (s), -1 = none: caps the period when smaller than the minimum. */
  maxKeepAliveSeconds?: number;
  /** Retransmission: first timeout, doubled each time, at most `maxTransmissions` sends. Default 500 ms × 7. */
  rtoMs?: number;
  maxTransmissions?: number;
  /** Called with the first binding and whenever it changes (address, port or NAT flag). */
  onBinding: (binding: StunBinding) => void;
  /** A transaction failed (no answer, error response); the client retries at the next period. */
  onError?: (err: Error) => void;
  log?: ConnreqLogger;
}

/** What the client needs from the socket owner. */
export interface StunSocket {
  send(msg: Buffer, port: number, address: string): void;
  /** 'udp4', or 'udp6' (dual stack: IPv4 destinations are sent as ::ffff:a.b.c.d). */
  readonly type: 'udp4' | 'udp6';
  /** Bound address and port of the socket. */
  local(): { address: string; port: number };
}

export interface StunCounters {
  requests: number;
  responses: number;
  failures: number;
}

interface Pending {
  id: Buffer;
  resolve: (msg: StunMessage) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

export class StunClient {
  readonly counters: StunCounters = { requests: 0, responses: 0, failures: 0 };
  private current: StunBinding | undefined;
  private pending: Pending | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private useIntegrity = false;
  private bindingChanged = false;
  private readonly log: ConnreqLogger;

  constructor(
    private readonly opts: StunOptions,
    private readonly socket: StunSocket,
  ) {
    this.log = opts.log ?? silentLogger;
  }

  /** The last binding learned, if any. */
  get binding(): StunBinding | undefined {
    return this.current;
  }

  /** Period between keep-alive Binding Requests, in ms. */
  get keepAliveMs(): number {
    const min = this.opts.minKeepAliveSeconds ?? 30;
    const max = this.opts.maxKeepAliveSeconds ?? -1;
    let s = min > 0 ? min : 30;
    if (max > 0 && max < s) s = max;
    return s * 1000;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending) {
      if (this.pending.timer) clearTimeout(this.pending.timer);
      this.pending.reject(new Error('STUN client stopped'));
      this.pending = undefined;
    }
  }

  /** Feeds a datagram from the shared socket. Returns true if it was a STUN message (consumed). */
  handleMessage(buf: Buffer): boolean {
    if (!isStunMessage(buf)) return false;
    const msg = decodeStunMessage(buf);
    const p = this.pending;
    if (!msg || !p || !msg.transactionId.equals(p.id)) return true;
    if (msg.type !== BINDING_SUCCESS && msg.type !== BINDING_ERROR) return true;
    if (p.timer) clearTimeout(p.timer);
    this.pending = undefined;
    this.counters.responses++;
    p.resolve(msg);
    return true;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.cycle();
    }, ms);
  }

  private async cycle(): Promise<void> {
    const withChange = this.bindingChanged;
    let next = this.keepAliveMs;
    try {
      const mapped = await this.bind(withChange);
      if (this.stopped) return;
      if (withChange) this.bindingChanged = false;
      const binding = this.toBinding(mapped);
      const prev = this.current;
      if (!prev || prev.address !== binding.address || prev.port !== binding.port || prev.natDetected !== binding.natDetected) {
        this.current = binding;
        if (prev && (prev.address !== binding.address || prev.port !== binding.port)) {
          this.bindingChanged = true;
          // TR-111: tell the server at once (not bound by the minimum period) — but only once in a row.
          if (!withChange) next = 0;
        }
        this.log.info({ udpConnectionRequestAddress: binding.udpConnectionRequestAddress, natDetected: binding.natDetected }, 'STUN binding');
        try {
          this.opts.onBinding(binding);
        } catch (err) {
          this.log.warn({ err: String(err) }, 'STUN onBinding callback failed');
        }
      }
    } catch (err) {
      if (this.stopped) return;
      this.counters.failures++;
      this.log.warn({ err: String(err) }, 'STUN binding failed');
      try {
        this.opts.onError?.(err as Error);
      } catch {
        // the caller's problem; keep the keep-alive going
      }
    }
    this.schedule(next);
  }

  /** One binding, with one extra round if the server asks for message integrity. */
  private async bind(bindingChange: boolean): Promise<StunAddress> {
    for (let round = 0; round < 2; round++) {
      const msg = await this.transaction(bindingChange);
      if (msg.type === BINDING_SUCCESS) {
        const mapped = mappedAddressOf(msg);
        if (!mapped) throw new Error('STUN response without a mapped address');
        return mapped;
      }
      const code = errorCodeOf(msg);
      if (code === 401 && !this.useIntegrity && (this.opts.username ?? '') !== '') {
        this.useIntegrity = true;
        continue;
      }
      if (code === 401) {
        throw new Error(this.useIntegrity ? 'STUN server refused the STUN username/password (401)' : 'STUN server requires authentication but no STUN username is set (401)');
      }
      throw new Error(`STUN server answered with error ${code ?? 'unknown'}`);
    }
    throw new Error('STUN server refused the STUN username/password (401)');
  }

  private async transaction(bindingChange: boolean): Promise<StunMessage> {
    const port = this.opts.serverPort ?? 3478;
    const host = await this.resolveServer();
    if (this.stopped) throw new Error('STUN client stopped');
    const id = randomBytes(12);
    const request = encodeBindingRequest({
      transactionId: id,
      bindingChange,
      ...(this.useIntegrity ? { username: this.opts.username, password: this.opts.password ?? '' } : {}),
    });
    const rto = this.opts.rtoMs ?? 500;
    const maxTx = Math.max(1, this.opts.maxTransmissions ?? 7);
    return new Promise<StunMessage>((resolve, reject) => {
      const pending: Pending = { id, resolve, reject, timer: undefined };
      this.pending = pending;
      let sent = 0;
      const transmit = (): void => {
        if (this.pending !== pending) return;
        if (sent >= maxTx) {
          this.pending = undefined;
          reject(new Error(`no answer from STUN server ${this.opts.serverAddress}:${port} after ${sent} attempts`));
          return;
        }
        const wait = rto * 2 ** sent;
        sent++;
        this.counters.requests++;
        try {
          this.socket.send(request, port, host);
        } catch (err) {
          this.pending = undefined;
          reject(err as Error);
          return;
        }
        pending.timer = setTimeout(transmit, wait);
      };
      transmit();
    });
  }

  private async resolveServer(): Promise<string> {
    const name = this.opts.serverAddress.replace(/^\[(.*)\]$/, '$1');
    let ip = name;
    if (!isIPv4(name) && !isIPv6(name)) {
      ip = (await (await import('node:dns/promises')).lookup(name, { family: this.socket.type === 'udp4' ? 4 : 0 })).address;
    }
    if (this.socket.type === 'udp4' && isIPv6(ip)) throw new Error(`STUN server ${name} is IPv6 but the socket is IPv4`);
    return this.socket.type === 'udp6' && isIPv4(ip) ? `::ffff:${ip}` : ip;
  }

  private toBinding(mapped: StunAddress): StunBinding {
    const local = this.socket.local();
    const own = localAddresses(local.address);
    const natDetected = mapped.port !== local.port || !own.has(mapped.address);
    return {
      address: mapped.address,
      port: mapped.port,
      natDetected,
      udpConnectionRequestAddress: udpConnectionRequestAddress(mapped.address, mapped.port),
    };
  }
}

/** Our own addresses: the bound one, or every interface address when bound to a wildcard. */
function localAddresses(bound: string): Set<string> {
  const b = normalizeAddress(bound);
  if (b !== '0.0.0.0' && b !== '::') return new Set([b]);
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) out.add(normalizeAddress(i.address));
  }
  return out;
}

function normalizeAddress(a: string): string {
  let s = a.replace(/%.*$/, '').toLowerCase();
  if (s.startsWith('::ffff:') && isIPv4(s.slice(7))) s = s.slice(7);
  return s;
}
