import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  parseUdpConnectionRequest,
  startUdpConnectionRequestListener,
  type UdpConnectionRequestListener,
  type UdpConnectionRequestListenerOptions,
} from '../../src/connreq/udp-listener.js';

const creds = { username: 'acs user+1', password: 'udp-pass' };

/** The datagram GenieACS builds (lib/connection-request.ts): no '/' before '?', un not encoded. */
function genieacsDatagram(port: number, o: { ts?: number; id?: number; username?: string; password?: string; cn?: string } = {}): Buffer {
  const ts = o.ts ?? Math.trunc(Date.now() / 1000);
  const id = o.id ?? Math.trunc(Math.random() * 4294967295);
  const un = o.username ?? creds.username;
  const cn = o.cn ?? randomBytes(8).toString('hex');
  const sig = createHmac('sha1', o.password ?? creds.password).update(`${ts}${id}${un}${cn}`).digest('hex');
  const address = `127.0.0.1:${port}`;
  return Buffer.from(`GET http://${address}?ts=${ts}&id=${id}&un=${un}&cn=${cn}&sig=${sig} HTTP/1.1\r\nHost: ${address}\r\n\r\n`);
}

async function withListener(
  fn: (ctx: { listener: UdpConnectionRequestListener; calls: { n: number }; send: (b: Buffer) => Promise<void> }) => Promise<void>,
  over: Partial<UdpConnectionRequestListenerOptions> = {},
) {
  const calls = { n: 0 };
  const listener = await startUdpConnectionRequestListener({
    port: 0,
    address: '127.0.0.1',
    getCredentials: () => creds,
    onConnectionRequest: () => {
      calls.n++;
    },
    ...over,
  });
  const client: Socket = createSocket('udp4');
  const send = (b: Buffer) =>
    new Promise<void>((resolve, reject) => client.send(b, listener.port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  try {
    await fn({ listener, calls, send });
  } finally {
    client.close();
    await listener.close();
  }
}

/** Waits until the listener has seen `n` datagrams (bounded), then lets callbacks run. */
async function seen(l: UdpConnectionRequestListener, n: number) {
  const total = () => l.counters.accepted + l.counters.stun + Object.values(l.counters.dropped).reduce((a, b) => a + b, 0);
  for (let i = 0; i < 200 && total() < n; i++) await sleep(5);
  assert.equal(total(), n, 'datagrams seen');
  await sleep(10);
}

test('a GenieACS request sent three times triggers exactly one callback', () =>
  withListener(async ({ listener, calls, send }) => {
    const d = genieacsDatagram(listener.port);
    for (let i = 0; i < 3; i++) await send(d);
    await seen(listener, 3);
    assert.equal(calls.n, 1);
    assert.equal(listener.counters.accepted, 1);
    assert.equal(listener.counters.dropped.duplicate, 2);
  }));

test('a second request in the same second with a new id is accepted; older ts is dropped', () =>
  withListener(async ({ listener, calls, send }) => {
    const ts = Math.trunc(Date.now() / 1000);
    await send(genieacsDatagram(listener.port, { ts, id: 1 }));
    await send(genieacsDatagram(listener.port, { ts, id: 2 }));
    await send(genieacsDatagram(listener.port, { ts: ts - 5, id: 3 }));
    await send(genieacsDatagram(listener.port, { ts: ts + 1, id: 1 }));
    await seen(listener, 4);
    assert.equal(calls.n, 3);
    assert.equal(listener.counters.dropped.old, 1);
  }));

test('forged, wrong-user, stale (clock skew) and malformed datagrams do nothing', () =>
  withListener(async ({ listener, calls, send }) => {
    const now = Math.trunc(Date.now() / 1000);
    await send(genieacsDatagram(listener.port, { password: 'wrong' }));
    await send(genieacsDatagram(listener.port, { username: 'intruder' }));
    await send(genieacsDatagram(listener.port, { username: 'intruder', password: 'wrong' }));
    await send(genieacsDatagram(listener.port, { ts: now - 7200 }));
    await send(genieacsDatagram(listener.port, { ts: now + 7200 }));
    // Signature over one ts, sent with another.
    await send(Buffer.from(genieacsDatagram(listener.port, { ts: now, id: 77 }).toString().replace(`ts=${now}`, `ts=${now + 1}`)));
    for (const junk of ['', 'GET / HTTP/1.1\r\n\r\n', 'POST http://x?ts=1&id=1&un=a&cn=b&sig=' + 'a'.repeat(40) + ' HTTP/1.1', '\x00\x01\x02\x03', 'GET http://x?ts=1&ts=2 HTTP/1.1']) {
      await send(Buffer.from(junk));
    }
    await seen(listener, 11);
    assert.equal(calls.n, 0);
    assert.deepEqual(listener.counters.dropped, {
      tooLarge: 0,
      malformed: 5,
      noCredentials: 0,
      username: 2,
      signature: 2,
      clockSkew: 2,
      old: 0,
      duplicate: 0,
      rateLimited: 0,
    });
  }));

test('a forged datagram does not advance the replay state (a later valid one still works)', () =>
  withListener(async ({ listener, calls, send }) => {
    const now = Math.trunc(Date.now() / 1000);
    await send(genieacsDatagram(listener.port, { ts: now + 60, id: 5, password: 'forged' }));
    await send(genieacsDatagram(listener.port, { ts: now, id: 5 }));
    await seen(listener, 2);
    assert.equal(calls.n, 1);
  }));

test('a replay of an accepted datagram after newer ones is dropped', () =>
  withListener(async ({ listener, calls, send }) => {
    const now = Math.trunc(Date.now() / 1000);
    const first = genieacsDatagram(listener.port, { ts: now - 2, id: 10 });
    await send(first);
    await send(genieacsDatagram(listener.port, { ts: now, id: 11 }));
    await send(first);
    await seen(listener, 3);
    assert.equal(calls.n, 2);
    assert.equal(listener.counters.dropped.old, 1);
  }));

test('a replay floor from a previous run: at or below it is dropped, above it accepted and reported', async () => {
  const now = Math.trunc(Date.now() / 1000);
  const floors: number[] = [];
  await withListener(
    async ({ listener, calls, send }) => {
      await send(genieacsDatagram(listener.port, { ts: now, id: 1 })); // same second: ids unknown, a replay
      await send(genieacsDatagram(listener.port, { ts: now - 1, id: 2 }));
      await send(genieacsDatagram(listener.port, { ts: now + 1, id: 3, password: 'forged' }));
      await seen(listener, 3);
      assert.equal(calls.n, 0);
      assert.deepEqual(floors, [], 'neither replays nor forgeries move the floor');
      await send(genieacsDatagram(listener.port, { ts: now + 1, id: 4 }));
      await send(genieacsDatagram(listener.port, { ts: now + 1, id: 5 }));
      await seen(listener, 5);
      assert.equal(calls.n, 2);
      assert.deepEqual(floors, [now + 1], 'reported once per new second');
    },
    { replayFloor: now, onReplayFloor: (ts) => floors.push(ts) },
  );
});

test('the RFC spelling (/? and URL-encoded un) is accepted too', () =>
  withListener(async ({ listener, calls, send }) => {
    const ts = Math.trunc(Date.now() / 1000);
    const id = '4242';
    const cn = 'abc123';
    const sig = createHmac('sha1', creds.password).update(`${ts}${id}${creds.username}${cn}`).digest('hex').toUpperCase();
    const un = encodeURIComponent(creds.username);
    await send(Buffer.from(`GET /?ts=${ts}&id=${id}&un=${un}&cn=${cn}&sig=${sig} HTTP/1.1\nHost: 127.0.0.1\n\n`));
    await seen(listener, 1);
    assert.equal(calls.n, 1);
  }));

test('oversized datagrams are dropped unread; empty credentials accept nothing', async () => {
  await withListener(async ({ listener, calls, send }) => {
    const d = genieacsDatagram(listener.port, { cn: 'c'.repeat(1100) });
    await send(d);
    await seen(listener, 1);
    assert.equal(listener.counters.dropped.tooLarge, 1);
    assert.equal(calls.n, 0);
  });
  await withListener(
    async ({ listener, calls, send }) => {
      await send(genieacsDatagram(listener.port, { username: '', password: '' }));
      await seen(listener, 1);
      assert.equal(listener.counters.dropped.noCredentials, 1);
      assert.equal(calls.n, 0);
    },
    { getCredentials: () => ({ username: '', password: '' }) },
  );
});

test('rate limit: beyond the bucket, valid requests are dropped', () =>
  withListener(
    async ({ listener, calls, send }) => {
      const ts = Math.trunc(Date.now() / 1000);
      for (let id = 1; id <= 5; id++) await send(genieacsDatagram(listener.port, { ts, id }));
      await seen(listener, 5);
      assert.equal(calls.n, 2);
      assert.equal(listener.counters.dropped.rateLimited, 3);
    },
    { limits: { rate: { burst: 2, periodMs: 3_600_000 } } },
  ));

test('an unset clock (before 2020) skips the skew check but keeps replay protection', () =>
  withListener(
    async ({ listener, calls, send }) => {
      const d = genieacsDatagram(listener.port, { ts: 1_700_000_000, id: 9 });
      await send(d);
      await send(d);
      await seen(listener, 2);
      assert.equal(calls.n, 1);
    },
    { now: () => Date.UTC(1970, 0, 2) },
  ));

test('parseUdpConnectionRequest: fields, duplicates, sig format', () => {
  const ok = parseUdpConnectionRequest(Buffer.from(`GET http://h:1?ts=1&id=2&un=a%20b&cn=c&sig=${'A'.repeat(40)} HTTP/1.1\r\n\r\n`));
  assert.deepEqual(ok, { ts: '1', id: '2', un: 'a%20b', unDecoded: 'a b', cn: 'c', sig: 'a'.repeat(40) });
  assert.equal(parseUdpConnectionRequest(Buffer.from(`GET http://h:1?ts=1&id=2&un=a&cn=c&sig=${'g'.repeat(40)} HTTP/1.1`)), null);
  assert.equal(parseUdpConnectionRequest(Buffer.from(`GET http://h:1?ts=1&id=2&un=a&cn=c&sig=${'a'.repeat(40)}&id=3 HTTP/1.1`)), null);
  assert.equal(parseUdpConnectionRequest(Buffer.from(`GET http://h:1?ts=x&id=2&un=a&cn=c&sig=${'a'.repeat(40)} HTTP/1.1`)), null);
  assert.equal(parseUdpConnectionRequest(Buffer.from(`GET http://h:1?ts=1&id=&un=a&cn=c&sig=${'a'.repeat(40)} HTTP/1.1`)), null);
  assert.equal(parseUdpConnectionRequest(Buffer.from(`GET http://h:1?ts=1&id=2&un=a&cn=c&sig=${'a'.repeat(40)} HTTP/2`)), null);
});
