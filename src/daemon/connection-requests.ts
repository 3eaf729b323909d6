// Keeps the connection-request listeners in line with the settings (restarting them when the port,
// address or switch changes) and turns an accepted request into a 6 CONNECTION REQUEST event.
// The listeners only call back: the session always goes to the configured ACS URL.
import {
  connectionRequestUrl,
  hostForUrl,
  startHttpConnectionRequestListener,
  startUdpConnectionRequestListener,
  udpConnectionRequestAddress,
  type HttpConnectionRequestListener,
  type StunBinding,
  type UdpConnectionRequestListener,
} from '../connreq/index.js';
import type { Agent } from './agent.js';

/** A listener that could not start (port taken, address gone) is tried again, backing off to a minute. */
const RETRY_MIN_MS = 2_000;
const RETRY_MAX_MS = 60_000;
/** Key of a listener whose start failed: differs from every real key, so the next apply() tries again. */
const FAILED = 'failed';

export class ConnectionRequests {
  private http: HttpConnectionRequestListener | undefined;
  /** Set (to the wanted key) while `http` is a stand-in on a free port because the configured one is busy. */
  private httpFallback: string | undefined;
  private httpKey = '';
  private udp: UdpConnectionRequestListener | undefined;
  private udpKey = '';
  private localAddress: string | undefined;
  private binding: StunBinding | undefined;
  /** The write of the 6 CONNECTION REQUEST event in flight, if any (see accepted()). */
  private queueing: Promise<void> | undefined;
  /** apply() and close() run one at a time: two overlapping restarts would both bind the port. */
  private changes: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelayMs = RETRY_MIN_MS;

  constructor(private readonly agent: Agent) {}

  /** (Re)starts or stops the listeners to match the current settings. Never throws. */
  apply(): Promise<void> {
    return this.serialized(() => this.applyNow());
  }

  private serialized(step: () => Promise<void>): Promise<void> {
    const run = this.changes.then(step);
    this.changes = run.catch(() => undefined);
    return run;
  }

  private async applyNow(): Promise<void> {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const s = this.agent.settings;
    const wantHttp = s.enabled && s['connection-request-enabled'];
    const httpKey = wantHttp ? `${s['connection-request-address']}|${s['connection-request-port']}|${this.agent.state.connectionRequestPath}` : '';
    if (httpKey !== this.httpKey) {
      // A fallback listener (see below) stays up until the configured port could be bound.
      const fallback = this.httpFallback === httpKey ? this.http : undefined;
      if (!fallback) {
        await this.http?.close();
        this.http = undefined;
        this.httpFallback = undefined;
      }
      this.httpKey = httpKey;
      if (wantHttp) {
        const options = {
          address: s['connection-request-address'],
          path: this.agent.state.connectionRequestPath,
          getCredentials: () => this.credentials(),
          onConnectionRequest: () => this.accepted('http'),
          log: this.agent.log,
        };
        try {
          const listener = await startHttpConnectionRequestListener({ ...options, port: s['connection-request-port'] });
          await fallback?.close();
          this.http = listener;
          this.httpFallback = undefined;
        } catch (err) {
          this.httpKey = FAILED;
          if (fallback) {
            // Still busy: keep the fallback (a new one would change ConnectionRequestURL again).
          } else if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
            // E.g. an ACS on this very host holds 7547: listen on a free port meanwhile, so the ACS
            // (which reads ConnectionRequestURL) can still reach us; the configured port is retried.
            try {
              this.http = await startHttpConnectionRequestListener({ ...options, port: 0 });
              this.httpFallback = httpKey;
              this.agent.log.warn(
                { port: s['connection-request-port'], fallbackPort: this.http.port },
                'connection-request port in use; listening on another port meanwhile (advertised in ConnectionRequestURL)',
              );
            } catch (err2) {
              this.agent.log.error({ err: err2 }, 'cannot start the connection-request listener');
            }
          } else {
            this.agent.log.error({ err, port: s['connection-request-port'] }, 'cannot start the connection-request listener');
          }
        }
      }
    }
    const wantUdp = s.enabled && s['udp-connection-request-port'] > 0;
    const stunServer = s['stun-server-address'] || acsHost(s['acs-url']);
    const udpKey = wantUdp
      ? [s['connection-request-address'], s['udp-connection-request-port'], s['stun-enabled'], stunServer, s['stun-server-port'], s['stun-username'], s['stun-password'], s['stun-min-keepalive'], s['stun-max-keepalive']].join('|')
      : '';
    if (udpKey !== this.udpKey) {
      await this.udp?.close();
      this.udp = undefined;
      this.binding = undefined;
      this.udpKey = udpKey;
      if (wantUdp) {
        try {
          this.udp = await startUdpConnectionRequestListener({
            port: s['udp-connection-request-port'],
            address: s['connection-request-address'],
            getCredentials: () => this.credentials(),
            onConnectionRequest: () => this.accepted('udp'),
            replayFloor: this.agent.state.udpReplayFloor ?? undefined,
            onReplayFloor: (ts) => this.saveReplayFloor(ts),
            log: this.agent.log,
            stun:
              s['stun-enabled'] && stunServer
                ? {
                    serverAddress: stunServer,
                    serverPort: s['stun-server-port'],
                    username: s['stun-username'],
                    password: s['stun-password'],
                    minKeepAliveSeconds: s['stun-min-keepalive'],
                    maxKeepAliveSeconds: s['stun-max-keepalive'],
                    onBinding: (b) => {
                      this.binding = b;
                      this.agent.log.info({ binding: b.udpConnectionRequestAddress, natDetected: b.natDetected }, 'STUN binding');
                    },
                    log: this.agent.log,
                  }
                : undefined,
          });
        } catch (err) {
          this.udpKey = FAILED;
          this.agent.log.error({ err, port: s['udp-connection-request-port'] }, 'cannot start the UDP connection-request listener');
        }
      }
    }
    // Without a retry, a port that was busy at start would leave the device unreachable until the
    // next settings change; once the listener is up, ConnectionRequestURL changes and is notified.
    if (this.httpKey === FAILED || this.udpKey === FAILED) {
      const delay = this.retryDelayMs;
      this.retryDelayMs = Math.min(delay * 2, RETRY_MAX_MS);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        void this.apply();
      }, delay);
      this.retryTimer.unref();
    } else {
      this.retryDelayMs = RETRY_MIN_MS;
    }
  }

  setLocalAddress(address: string | undefined): void {
    if (address) this.localAddress = address;
  }

  /**
   * Device.ManagementServer.ConnectionRequestURL ("" while the listener is off or the address unknown):
   * the address the listener is bound to (connection-request-address), else the local address
   * towards the ACS.
   */
  url(): string {
    const host = this.http && (boundAddress(this.http.address) ?? this.localAddress);
    if (!this.http || !host) return '';
    return connectionRequestUrl(host, this.http.port, this.agent.state.connectionRequestPath);
  }

  /** Device.ManagementServer.UDPConnectionRequestAddress: the STUN mapping, else as url(). */
  udpAddress(): string {
    if (!this.udp) return '';
    if (this.binding) return this.binding.udpConnectionRequestAddress;
    const host = boundAddress(this.udp.address) ?? this.localAddress;
    return host ? udpConnectionRequestAddress(host, this.udp.port) : '';
  }

  natDetected(): boolean {
    return this.binding?.natDetected ?? false;
  }

  close(): Promise<void> {
    return this.serialized(async () => {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      this.retryDelayMs = RETRY_MIN_MS;
      await this.http?.close();
      await this.udp?.close();
      this.http = this.udp = undefined;
      this.httpFallback = undefined;
      this.httpKey = this.udpKey = '';
      this.binding = undefined;
    });
  }

  private credentials() {
    const s = this.agent.settings;
    return { username: s['connection-request-username'], password: s['connection-request-password'] };
  }

  /**
   * One accepted request: persist 6 CONNECTION REQUEST and ask for a session. At most one write is in
   * flight: a request accepted meanwhile is covered by it, because the event it lands (with a new
   * seq) is only delivered by an Inform built after it has landed, i.e. after that request too. One
   * write per request would put dozens of writers on the state file's lock during a burst; the
   * losers got ELOCKED, and the unhandled rejection took the daemon down.
   */
  /** Persists the UDP replay floor. It rises at most once a second (a new signed `ts`), so one write each. */
  private saveReplayFloor(ts: number): void {
    this.agent
      .saveState((s) => ({ ...s, udpReplayFloor: Math.max(s.udpReplayFloor ?? -1, ts) }))
      .catch((err: unknown) => this.agent.log.error({ err }, 'cannot save the UDP connection-request replay floor'));
  }

  private accepted(via: 'http' | 'udp'): void {
    if (this.agent.status() !== 'running') return;
    this.agent.log.info({ via }, 'connection request accepted');
    if (this.queueing) return;
    this.queueing = this.agent
      .queueEvent('6 CONNECTION REQUEST')
      .catch((err: unknown) => this.agent.log.error({ err }, 'cannot queue the connection-request event'))
      .finally(() => {
        this.queueing = undefined;
      });
  }
}

/** The listener's address when it is a specific one; undefined for the wildcards (all interfaces). */
function boundAddress(address: string): string | undefined {
  const a = address.replace(/^\[|\]$/g, '').toLowerCase();
  return /^[0:.]*$/.test(a) || a === '::ffff:0.0.0.0' ? undefined : address;
}

function acsHost(url: string): string {
  try {
    return hostForUrl(new URL(url).hostname);
  } catch {
    return '';
  }
}
