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

export class ConnectionRequests {
  private http: HttpConnectionRequestListener | undefined;
  private httpKey = '';
  private udp: UdpConnectionRequestListener | undefined;
  private udpKey = '';
  private localAddress: string | undefined;
  private binding: StunBinding | undefined;

  constructor(private readonly agent: Agent) {}

  /** (Re)starts or stops the listeners to match the current settings. Never throws. */
  async apply(): Promise<void> {
    const s = this.agent.settings;
    const wantHttp = s.enabled && s['connection-request-enabled'];
    const httpKey = wantHttp ? `${s['connection-request-address']}|${s['connection-request-port']}|${this.agent.state.connectionRequestPath}` : '';
    if (httpKey !== this.httpKey) {
      await this.http?.close();
      this.http = undefined;
      this.httpKey = httpKey;
      if (wantHttp) {
        try {
          this.http = await startHttpConnectionRequestListener({
            port: s['connection-request-port'],
            address: s['connection-request-address'],
            path: this.agent.state.connectionRequestPath,
            getCredentials: () => this.credentials(),
            onConnectionRequest: () => this.accepted('http'),
            log: this.agent.log,
          });
        } catch (err) {
          this.agent.log.error({ err, port: s['connection-request-port'] }, 'cannot start the connection-request listener');
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
          this.agent.log.error({ err, port: s['udp-connection-request-port'] }, 'cannot start the UDP connection-request listener');
        }
      }
    }
  }

  setLocalAddress(address: string | undefined): void {
    if (address) this.localAddress = address;
  }

  /** Device.ManagementServer.ConnectionRequestURL ("" while the listener is off or the address unknown). */
  url(): string {
    if (!this.http || !this.localAddress) return '';
    return connectionRequestUrl(this.localAddress, this.http.port, this.agent.state.connectionRequestPath);
  }

  /** Device.ManagementServer.UDPConnectionRequestAddress. */
  udpAddress(): string {
    if (!this.udp) return '';
    if (this.binding) return this.binding.udpConnectionRequestAddress;
    return this.localAddress ? udpConnectionRequestAddress(this.localAddress, this.udp.port) : '';
  }

  natDetected(): boolean {
    return this.binding?.natDetected ?? false;
  }

  async close(): Promise<void> {
    await this.http?.close();
    await this.udp?.close();
    this.http = this.udp = undefined;
    this.httpKey = this.udpKey = '';
  }

  private credentials() {
    const s = this.agent.settings;
    return { username: s['connection-request-username'], password: s['connection-request-password'] };
  }

  private accepted(via: 'http' | 'udp'): void {
    if (this.agent.status() !== 'running') return;
    this.agent.log.info({ via }, 'connection request accepted');
    void this.agent.queueEvent('6 CONNECTION REQUEST');
  }
}

function acsHost(url: string): string {
  try {
    return hostForUrl(new URL(url).hostname);
  } catch {
    return '';
  }
}
