import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  StunClient,
  decodeStunMessage,
  encodeBindingRequest,
  errorCodeOf,
  isStunMessage,
  mappedAddressOf,
  udpConnectionRequestAddress,
  type StunBinding,
} from '../../src/connreq/stun.js';
import { startUdpConnectionRequestListener, type UdpConnectionRequestListener } from '../../src/connreq/udp-listener.js';

const COOKIE = 0x2112a442;

// ---- a tiny STUN server of our own, on loopback --------------------------------------------------

interface FakeServerOptions {
  /** 'xor' = RFC 5389 (XOR-MAPPED-ADDRESS), 'plain' = RFC 3489 (MAPPED-ADDRESS only). */
  style?: 'xor' | 'plain';
  /** Reported mapping (default: the real source of the request). */
  mapping?: (rinfo: RemoteInfo, n: number) => { address: string; port: number };
  /** Ignore the first N requests (to exercise retransmission); Infinity = never answer. */
  drop?: number;
  /** Demand USERNAME + MESSAGE-INTEGRITY (RFC 5389 short-term) with these credentials. */
  integrity?: { username: string; password: string };
}

interface Seen {
  rinfo: RemoteInfo;
  txid: string;
  attrs: Map<number, Buffer>;
}

async function fakeStunServer(o: FakeServerOptions = {}) {
  const sock: Socket = createSocket('udp4');
  const seen: Seen[] = [];
  sock.on('message', (msg, rinfo) => {
    if (msg.length < 20 || msg.readUInt16BE(0) !== 0x0001) return;
    const attrs = new Map<number, Buffer>();
    let off = 20;
    let miOffset = -1;
    while (off + 4 <= msg.length) {
      const t = msg.readUInt16BE(off);
      const l = msg.readUInt16BE(off + 2);
      if (t === 0x0008) miOffset = off;
      attrs.set(t, msg.subarray(off + 4, off + 4 + l));
      off += 4 + ((l + 3) & ~3);
    }
    seen.push({ rinfo, txid: msg.subarray(8, 20).toString('hex'), attrs });
    if (seen.length <= (o.drop ?? 0)) return;
    const txid = msg.subarray(4, 20); // cookie + transaction id, echoed as is
    if (o.integrity) {
      const user = attrs.get(0x0006)?.toString('utf8');
      let good = false;
      if (miOffset !== -1 && user === o.integrity.username) {
        const expect = createHmac('sha1', o.integrity.password).update(msg.subarray(0, miOffset)).digest();
        good = expect.equals(attrs.get(0x0008) ?? Buffer.alloc(0));
      }
      if (!good) {
        const err = Buffer.from([0, 0, 4, 1, ...Buffer.from('Unauthorized')]);
        sock.send(message(0x0111, txid, [attr(0x0009, err)]), rinfo.port, rinfo.address);
        return;
      }
    }
    const m = o.mapping ? o.mapping(rinfo, seen.length) : { address: rinfo.address, port: rinfo.port };
    const a = o.style === 'plain' ? attr(0x0001, plainAddress(m)) : attr(0x0020, xorAddress(m, txid));
    sock.send(message(0x0101, txid, [a]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  return { port: sock.address().port, seen, close: () => new Promise<void>((r) => sock.close(() => r())) };
}

function message(type: number, cookieAndTxid: Buffer, attrs: Buffer[]): Buffer {
  const body = Buffer.concat(attrs);
  const h = Buffer.alloc(4);
  h.writeUInt16BE(type, 0);
  h.writeUInt16BE(body.length, 2);
  return Buffer.concat([h, cookieAndTxid, body]);
}

function attr(type: number, value: Buffer): Buffer {
  const b = Buffer.alloc(4 + ((value.length + 3) & ~3));
  b.writeUInt16BE(type, 0);
  b.writeUInt16BE(value.length, 2);
  value.copy(b, 4);
  return b;
}

function ipBytes(address: string): Buffer {
  if (address.includes('.')) return Buffer.from(address.split('.').map(Number));
  const [head, tail] = address.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  return b;
}

function plainAddress(m: { address: string; port: number }): Buffer {
  const ip = ipBytes(m.address);
  const b = Buffer.alloc(4 + ip.length);
  b[1] = ip.length === 4 ? 1 : 2;
  b.writeUInt16BE(m.port, 2);
  ip.copy(b, 4);
  return b;
}

function xorAddress(m: { address: string; port: number }, cookieAndTxid: Buffer): Buffer {
  const b = plainAddress(m);
  b.writeUInt16BE(m.port ^ (COOKIE >>> 16), 2);
  for (let i = 4; i < b.length; i++) b[i] ^= cookieAndTxid[i - 4];
  return b;
}

// ---- codec ---------------------------------------------------------------------------------------

test('Binding Request: header, CONNECTION-REQUEST-BINDING, optional BINDING-CHANGE', () => {
  const id = randomBytes(12);
  const req = encodeBindingRequest({ transactionId: id, bindingChange: true });
  assert.equal(req.readUInt16BE(0), 0x0001);
  assert.equal(req.readUInt16BE(2), req.length - 20);
  assert.equal(req.readUInt32BE(4), COOKIE);
  assert.ok(req.subarray(8, 20).equals(id));
  const msg = decodeStunMessage(req);
  assert.ok(msg);
  assert.deepEqual(
    msg.attributes.map((a) => [a.type, a.value.toString('latin1')]),
    [
      [0xc001, 'dslforum.org/TR-111 '],
      [0xc002, ''],
    ],
  );
});

test('Binding Request with credentials: USERNAME then MESSAGE-INTEGRITY over the adjusted header', () => {
  const req = encodeBindingRequest({ transactionId: randomBytes(12), username: 'cpe', password: 'pw' });
  const msg = decodeStunMessage(req);
  assert.ok(msg);
  assert.deepEqual(msg.attributes.map((a) => a.type), [0x0006, 0xc001, 0x0008]);
  assert.equal(msg.attributes[0].value.toString(), 'cpe');
  const miAt = req.length - 24;
  const expect = createHmac('sha1', 'pw').update(req.subarray(0, miAt)).digest();
  assert.ok(expect.equals(msg.attributes[2].value));
});

test('mapped address: XOR (IPv4, IPv6), plain fallback, error codes, malformed input', () => {
  const txid = Buffer.concat([Buffer.from([0x21, 0x12, 0xa4, 0x42]), randomBytes(12)]);
  const v4 = decodeStunMessage(message(0x0101, txid, [attr(0x0020, xorAddress({ address: '203.0.113.7', port: 40000 }, txid))]));
  assert.ok(v4);
  assert.deepEqual(mappedAddressOf(v4), { address: '203.0.113.7', port: 40000 });
  const v6 = decodeStunMessage(message(0x0101, txid, [attr(0x0020, xorAddress({ address: '2001:db8::5:0:1', port: 1 }, txid))]));
  assert.ok(v6);
  assert.deepEqual(mappedAddressOf(v6), { address: '2001:db8::5:0:1', port: 1 });
  const plain = decodeStunMessage(message(0x0101, txid, [attr(0x0001, plainAddress({ address: '198.51.100.2', port: 5 }))]));
  assert.ok(plain);
  assert.deepEqual(mappedAddressOf(plain), { address: '198.51.100.2', port: 5 });
  const err = decodeStunMessage(message(0x0111, txid, [attr(0x0009, Buffer.from([0, 0, 4, 20]))]));
  assert.ok(err);
  assert.equal(errorCodeOf(err), 420);
  // Attribute length running past the end; wrong cookie; a CR datagram.
  const bad = message(0x0101, txid, [attr(0x0020, Buffer.alloc(8))]);
  bad.writeUInt16BE(200, 22);
  assert.equal(decodeStunMessage(bad), null);
  assert.equal(isStunMessage(message(0x0101, randomBytes(16), [])), false);
  assert.equal(isStunMessage(Buffer.from('GET http://h:1?ts=1 HTTP/1.1\r\n\r\n')), false);
  assert.equal(udpConnectionRequestAddress('2001:db8::1', 7547), '[2001:db8::1]:7547');
  assert.equal(udpConnectionRequestAddress('::ffff:192.0.2.1', 7547), '192.0.2.1:7547');
});

test('keep-alive period: the minimum, capped by a smaller maximum; 0 means 30 s', () => {
  const sock = { type: 'udp4' as const, send: () => {}, local: () => ({ address: '127.0.0.1', port: 1 }) };
  const period = (min?: number, max?: number) =>
    new StunClient({ serverAddress: '127.0.0.1', minKeepAliveSeconds: min, maxKeepAliveSeconds: max, onBinding: () => {} }, sock).keepAliveMs;
  assert.equal(period(), 30_000);
  assert.equal(period(60, -1), 60_000);
  assert.equal(period(60, 20), 20_000);
  assert.equal(period(0, -1), 30_000);
});

// ---- with the UDP listener's socket -------------------------------------------------------------

const creds = { username: 'u', password: 'p' };

async function withStun(
  server: Awaited<ReturnType<typeof fakeStunServer>>,
  stunOver: Record<string, unknown>,
  fn: (l: UdpConnectionRequestListener, bindings: StunBinding[], errors: Error[], calls: { n: number }) => Promise<void>,
) {
  const bindings: StunBinding[] = [];
  const errors: Error[] = [];
  const calls = { n: 0 };
  const l = await startUdpConnectionRequestListener({
    port: 0,
    address: '127.0.0.1',
    getCredentials: () => creds,
    onConnectionRequest: () => calls.n++,
    stun: {
      serverAddress: '127.0.0.1',
      serverPort: server.port,
      rtoMs: 30,
      maxTransmissions: 4,
      minKeepAliveSeconds: 30,
      onBinding: (b) => bindings.push(b),
      onError: (e) => errors.push(e),
      ...stunOver,
    },
  });
  try {
    await fn(l, bindings, errors, calls);
  } finally {
    await l.close();
    await server.close();
  }
}

async function until(cond: () => boolean, what: string, maxMs = 3_000) {
  for (let waited = 0; !cond(); waited += 10) {
    if (waited > maxMs) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

test('STUN on the CR socket: binding learned, no NAT on loopback, requests leave from the CR port', async () => {
  const server = await fakeStunServer();
  await withStun(server, {}, async (l, bindings) => {
    await until(() => bindings.length === 1, 'binding');
    assert.deepEqual(bindings[0], { address: '127.0.0.1', port: l.port, natDetected: false, udpConnectionRequestAddress: `127.0.0.1:${l.port}` });
    assert.equal(server.seen[0].rinfo.port, l.port);
    assert.equal(server.seen[0].attrs.get(0xc001)?.toString(), 'dslforum.org/TR-111 ');
    assert.equal(server.seen[0].attrs.has(0x0006), false); // no USERNAME unless asked
    assert.deepEqual(l.stun?.binding, bindings[0]);
  });
});

test('a different mapping means NAT; an RFC 3489 server (MAPPED-ADDRESS only) works too', async () => {
  const server = await fakeStunServer({ style: 'plain', mapping: () => ({ address: '203.0.113.50', port: 61000 }) });
  await withStun(server, {}, async (_l, bindings) => {
    await until(() => bindings.length === 1, 'binding');
    assert.deepEqual(bindings[0], { address: '203.0.113.50', port: 61000, natDetected: true, udpConnectionRequestAddress: '203.0.113.50:61000' });
  });
});

test('lost requests are retransmitted with the same transaction', async () => {
  const server = await fakeStunServer({ drop: 2 });
  await withStun(server, {}, async (l, bindings, errors) => {
    await until(() => bindings.length === 1, 'binding');
    assert.equal(server.seen.length, 3);
    assert.equal(new Set(server.seen.map((x) => x.txid)).size, 1);
    assert.equal(errors.length, 0);
    assert.equal(l.stun?.counters.requests, 3);
  });
});

test('no answer: the client gives up after maxTransmissions and reports an error', async () => {
  const server = await fakeStunServer({ drop: Infinity });
  await withStun(server, {}, async (l, bindings, errors) => {
    await until(() => errors.length === 1, 'error');
    assert.match(errors[0].message, /no answer from STUN server 127\.0\.0\.1:\d+ after 4 attempts/);
    assert.equal(server.seen.length, 4);
    assert.equal(bindings.length, 0);
    assert.equal(l.stun?.counters.failures, 1);
  });
});

test('message integrity is added when the server asks (401) and the username is set', async () => {
  const server = await fakeStunServer({ integrity: { username: 'stun-user', password: 'stun-pass' } });
  await withStun(server, { username: 'stun-user', password: 'stun-pass' }, async (_l, bindings, errors) => {
    await until(() => bindings.length === 1, 'binding');
    assert.equal(errors.length, 0);
    assert.equal(server.seen.length, 2);
    assert.equal(server.seen[0].attrs.has(0x0008), false);
    assert.equal(server.seen[1].attrs.get(0x0006)?.toString(), 'stun-user');
  });
});

test('the server asks for integrity but no username / a wrong password is set: clear errors', async () => {
  const s1 = await fakeStunServer({ integrity: { username: 'stun-user', password: 'stun-pass' } });
  await withStun(s1, {}, async (_l, bindings, errors) => {
    await until(() => errors.length === 1, 'error');
    assert.match(errors[0].message, /requires authentication but no STUN username/);
    assert.equal(bindings.length, 0);
  });
  const s2 = await fakeStunServer({ integrity: { username: 'stun-user', password: 'stun-pass' } });
  await withStun(s2, { username: 'stun-user', password: 'wrong' }, async (_l, _b, errors) => {
    await until(() => errors.length === 1, 'error');
    assert.match(errors[0].message, /refused the STUN username\/password/);
  });
});

test('keep-alive requests repeat every period; a changed mapping is reported and flagged with BINDING-CHANGE', async () => {
  const server = await fakeStunServer({ mapping: (_r, n) => ({ address: '198.51.100.1', port: n < 3 ? 5000 : 6000 }) });
  await withStun(server, { minKeepAliveSeconds: 0.05 }, async (_l, bindings) => {
    await until(() => bindings.length === 2 && server.seen.length >= 5, 'changed binding and more keep-alives');
    assert.deepEqual(
      bindings.map((b) => b.port),
      [5000, 6000],
    );
    // Request 3 saw the change; request 4 (sent at once) carries BINDING-CHANGE; later ones do not.
    assert.deepEqual(
      server.seen.slice(0, 5).map((s) => s.attrs.has(0xc002)),
      [false, false, false, true, false],
    );
  });
});

test('connection requests still work on the socket shared with STUN', async () => {
  const server = await fakeStunServer();
  await withStun(server, {}, async (l, bindings, _e, calls) => {
    await until(() => bindings.length === 1, 'binding');
    const ts = Math.trunc(Date.now() / 1000);
    const sig = createHmac('sha1', creds.password).update(`${ts}7${creds.username}cn`).digest('hex');
    const c = createSocket('udp4');
    await new Promise<void>((r) => c.send(Buffer.from(`GET http://127.0.0.1:${l.port}?ts=${ts}&id=7&un=u&cn=cn&sig=${sig} HTTP/1.1\r\n\r\n`), l.port, '127.0.0.1', () => r()));
    // A stray STUN response (unknown transaction) is swallowed, not parsed as a request.
    await new Promise<void>((r) => c.send(message(0x0101, Buffer.concat([Buffer.from([0x21, 0x12, 0xa4, 0x42]), randomBytes(12)]), []), l.port, '127.0.0.1', () => r()));
    c.close();
    await until(() => calls.n === 1 && l.counters.stun >= 2, 'callback');
    assert.equal(l.counters.dropped.malformed, 0);
  });
});
