// The UDP connection-request listener (TR-069 Annex G / TR-111 part 2), for CPEs behind NAT.
//
// A request is one datagram holding an HTTP GET request line whose query carries
// ts, id, un, cn and sig = hex HMAC-SHA1(ConnectionRequestPassword, ts‖id‖un‖cn). Nothing is ever
// sent back (a reply would make us a reflector). GenieACS writes `GET http://host:port?ts=…`
// (no '/' before '?') with `un` not URL-encoded and sends each request three times with one id;
// both spellings are accepted and the copies are dropped as duplicates.
//
// The socket is shared with the STUN client (the NAT mapping belongs to the socket): datagrams that
// look like STUN go to it, everything else is parsed as a connection request.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { sameBytes } from './digest-server.js';
import { TokenBucket, type RateLimit } from './rate-limit.js';
import { StunClient, isStunMessage, type StunOptions } from './stun.js';
import { credentialsUsable, silentLogger, type ConnreqLogger, type Credentials } from './types.js';

export interface UdpListenerLimits {
  /** Larger connection-request datagrams are dropped unread. Default 1 KiB. */
  maxDatagramBytes: number;
  /** Accepted requests: `burst` per `periodMs`. Default 50 per 5 s, like HTTP. */
  rate: RateLimit;
  /**
   * Drop requests whose ts is further than this from our clock (s); 0 = no check. Skipped while the
   * clock looks unset (before 2020), so a box without RTC still wakes up. Default 3600.
   */
  maxClockSkewSeconds: number;
}

export const defaultUdpListenerLimits: UdpListenerLimits = {
  maxDatagramBytes: 1024,
  rate: { burst: 50, periodMs: 5_000 },
  maxClockSkewSeconds: 3600,
};

export interface UdpConnectionRequestListenerOptions {
  /** UDP port; 0 picks a free one (tests). */
  port: number;
  /** IP to bind; '' = all interfaces (dual stack when the host has IPv6). */
  address?: string;
  getCredentials: () => Credentials;
  /** Called once per accepted request (duplicates are not accepted). Must not throw; errors are logged. */
  onConnectionRequest: () => void;
  /**
   * The highest `ts` of a correctly signed request seen by an earlier listener (a previous run):
   * requests at or below it are replays. Keep it with `onReplayFloor`, so a restart does not reopen
   * the clock-skew window to messages captured before it.
   */
  replayFloor?: number;
  /** Called when a correctly signed request raises the replay floor (to persist it). Must not throw. */
  onReplayFloor?: (ts: number) => void;
  log?: ConnreqLogger;
  limits?: Partial<UdpListenerLimits>;
  /** Run a STUN client on this socket (STUNEnable). */
  stun?: StunOptions;
  /** Wall clock in ms (tests). Default Date.now. */
  now?: () => number;
}

export type UdpDrop =
  | 'tooLarge'
  | 'malformed'
  | 'noCredentials'
  | 'username'
  | 'signature'
  | 'clockSkew'
  | 'old' // ts below the last accepted one (replay)
  | 'duplicate' // same ts and id as an accepted one (the ACS's own retransmissions, or a replay)
  | 'rateLimited';

export interface UdpListenerCounters {
  accepted: number;
  dropped: Record<UdpDrop, number>;
  /** Datagrams handed to the STUN client. */
  stun: number;
}

export interface UdpConnectionRequestListener {
  readonly port: number;
  readonly address: string;
  readonly counters: UdpListenerCounters;
  /** The STUN client sharing the socket, when `stun` was given. */
  readonly stun: StunClient | undefined;
  close(): Promise<void>;
}

export interface UdpConnectionRequest {
  /** ts as sent (decimal digits). */
  ts: string;
  id: string;
  /** un exactly as sent, and percent-decoded when that decodes to something else. */
  un: string;
  unDecoded: string | undefined;
  cn: string;
  sig: string;
}

const CLOCK_LOOKS_SET_MS = Date.UTC(2020, 0, 1);
const MAX_SEEN_IDS = 1024;
const MAX_STUN_BYTES = 2048;

/** Parses the datagram text; null if it is not a well-formed UDP connection request. Never throws. */
export function parseUdpConnectionRequest(datagram: Buffer): UdpConnectionRequest | null {
  const text = datagram.toString('latin1');
  const eol = text.indexOf('\n');
  const line = (eol === -1 ? text : text.slice(0, eol)).replace(/\r$/, '');
  // (.+) rather than \S+: GenieACS does not encode un, so a username with a space splits the URI.
  const m = /^GET (.+) HTTP\/1\.[01]$/.exec(line);
  if (!m) return null;
  const uri = m[1];
  const q = uri.indexOf('?');
  if (q === -1) return null;
  let query = uri.slice(q + 1);
  const hash = query.indexOf('#');
  if (hash !== -1) query = query.slice(0, hash);
  const fields = new Map<string, string>();
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0 || fields.size >= 16) return null;
    const name = part.slice(0, eq);
    if (fields.has(name)) return null;
    fields.set(name, part.slice(eq + 1));
  }
  const ts = fields.get('ts');
  const id = decode(fields.get('id'));
  const un = fields.get('un');
  const cn = decode(fields.get('cn'));
  const sig = fields.get('sig');
  if (ts === undefined || !/^\d{1,15}$/.test(ts)) return null;
  if (id === undefined || id === '' || id.length > 64) return null;
  if (un === undefined || un.length > 1024) return null;
  if (cn === undefined || cn === '' || cn.length > 256) return null;
  if (sig === undefined || !/^[0-9a-fA-F]{40}$/.test(sig)) return null;
  const unDecoded = decode(un);
  return { ts, id, un, unDecoded: unDecoded !== un ? unDecoded : undefined, cn, sig: sig.toLowerCase() };
}

/** Percent-decoding that yields the raw text when it is not valid percent-encoded UTF-8. */
function decode(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

/** The signature an ACS computes: hex HMAC-SHA1(password, ts‖id‖un‖cn). */
export function udpConnectionRequestSignature(password: string, ts: string, id: string, un: string, cn: string): string {
  return createHmac('sha1', password).update(`${ts}${id}${un}${cn}`).digest('hex');
}

export async function startUdpConnectionRequestListener(
  opts: UdpConnectionRequestListenerOptions,
): Promise<UdpConnectionRequestListener> {
  const limits: UdpListenerLimits = { ...defaultUdpListenerLimits, ...opts.limits };
  const log = opts.log ?? silentLogger;
  const now = opts.now ?? Date.now;
  const bucket = new TokenBucket(limits.rate);
  const counters: UdpListenerCounters = {
    accepted: 0,
    stun: 0,
    dropped: { tooLarge: 0, malformed: 0, noCredentials: 0, username: 0, signature: 0, clockSkew: 0, old: 0, duplicate: 0, rateLimited: 0 },
  };
  // Replay state, updated only by correctly signed requests (forgeries must not move it). The ids
  // accepted at a floor inherited from a previous run are unknown: all of them count as seen.
  let lastTs = opts.replayFloor ?? -1;
  let allSeenAtLastTs = opts.replayFloor !== undefined;
  const seenIds = new Set<string>();
  let closed = false;

  const { socket, type, address } = await bindSocket(opts.port, opts.address ?? '');
  const stun = opts.stun
    ? new StunClient(
        { log, ...opts.stun },
        {
          type,
          send: (msg, port, host) =>
            socket.send(msg, port, host, (err) => {
              if (err) log.debug({ err: String(err) }, 'STUN send failed');
            }),
          local: () => socket.address(),
        },
      )
    : undefined;

  const drop = (reason: UdpDrop): void => {
    counters.dropped[reason]++;
    log.debug({ reason }, 'UDP connection request dropped');
  };

  const handle = (msg: Buffer): void => {
    if (stun && msg.length <= MAX_STUN_BYTES && isStunMessage(msg)) {
      counters.stun++;
      stun.handleMessage(msg);
      return;
    }
    if (msg.length > limits.maxDatagramBytes) return drop('tooLarge');
    const cr = parseUdpConnectionRequest(msg);
    if (!cr) return drop('malformed');
    const creds = opts.getCredentials();
    if (!credentialsUsable(creds)) return drop('noCredentials');
    const wanted = Buffer.from(creds.username, 'utf8');
    const userOk = sameBytes(Buffer.from(cr.un, 'latin1'), wanted) || (cr.unDecoded !== undefined && sameBytes(Buffer.from(cr.unDecoded, 'utf8'), wanted));
    if (!userOk) return drop('username');
    const expected = udpConnectionRequestSignature(creds.password, cr.ts, cr.id, creds.username, cr.cn);
    if (!timingSafeEqual(Buffer.from(expected, 'latin1'), Buffer.from(cr.sig, 'latin1'))) return drop('signature');

    const ts = Number(cr.ts);
    const nowMs = now();
    if (limits.maxClockSkewSeconds > 0 && nowMs >= CLOCK_LOOKS_SET_MS && Math.abs(ts - nowMs / 1000) > limits.maxClockSkewSeconds) {
      return drop('clockSkew');
    }
    if (ts < lastTs) return drop('old');
    if (ts === lastTs && (allSeenAtLastTs || seenIds.has(cr.id))) return drop('duplicate');
    if (ts > lastTs) {
      lastTs = ts;
      allSeenAtLastTs = false;
      seenIds.clear();
      try {
        opts.onReplayFloor?.(ts);
      } catch (err) {
        log.warn({ err: String(err) }, 'replay floor callback failed');
      }
    }
    seenIds.add(cr.id);
    if (seenIds.size > MAX_SEEN_IDS) seenIds.delete(seenIds.values().next().value as string);

    if (!bucket.take()) return drop('rateLimited');
    counters.accepted++;
    log.info({}, 'UDP connection request accepted');
    setImmediate(() => {
      if (closed) return;
      try {
        opts.onConnectionRequest();
      } catch (err) {
        log.warn({ err: String(err) }, 'connection request callback failed');
      }
    });
  };

  socket.on('message', (msg: Buffer) => {
    try {
      handle(msg);
    } catch (err) {
      log.warn({ err: String(err) }, 'UDP connection request handler failed');
    }
  });
  socket.on('error', (err) => log.warn({ err: String(err) }, 'UDP connection request socket error'));

  const port = socket.address().port;
  log.info({ address, port }, 'UDP connection request listener started');
  stun?.start();

  return {
    port,
    address,
    counters,
    stun,
    close: () =>
      new Promise<void>((resolve) => {
        if (closed) return resolve();
        closed = true;
        stun?.stop();
        socket.close(() => resolve());
      }),
  };
}

async function bindSocket(port: number, address: string): Promise<{ socket: Socket; type: 'udp4' | 'udp6'; address: string }> {
  if (address !== '') {
    const type = isIPv6(address) ? 'udp6' : 'udp4';
    return { socket: await bindOnce(type, port, address, false), type, address };
  }
  try {
    return { socket: await bindOnce('udp6', port, '::', true), type: 'udp6', address: '::' };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL' && code !== 'EINVAL' && code !== 'EPROTONOSUPPORT') throw err;
    return { socket: await bindOnce('udp4', port, '0.0.0.0', false), type: 'udp4', address: '0.0.0.0' };
  }
}

function bindOnce(type: 'udp4' | 'udp6', port: number, address: string, dualStack: boolean): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(dualStack ? { type, ipv6Only: false } : { type });
    const onError = (err: Error): void => {
      try {
        socket.close();
      } catch {
        // never bound: nothing to close
      }
      reject(err);
    };
    socket.once('error', onError);
    socket.bind({ port, address, exclusive: true }, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}
