// The transport seen by the session runner: one HTTP(S) conversation with the ACS.

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Decoded text body ('' when empty). */
  body: string;
  /** Seconds from a Retry-After header (503/429), when present and valid. */
  retryAfterSeconds?: number;
  /** Local IP address of the connection the reply came on (for ConnectionRequestURL). */
  localAddress?: string;
}

export type TransportErrorKind =
  | 'connect' // DNS, refused, unreachable
  | 'tls' // certificate not trusted, wrong host, expired, handshake failure
  | 'timeout'
  | 'auth' // the ACS refused our credentials
  | 'http' // an HTTP status the session cannot continue with (set by the runner, not the transport)
  | 'protocol' // malformed HTTP, too large a body, too many redirects
  | 'closed'; // connection dropped before a reply

export class TransportError extends Error {
  constructor(
    readonly kind: TransportErrorKind,
    /** A sentence a person understands, e.g. "ACS refused the password (HTTP 401)". */
    message: string,
    readonly status?: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/**
 * One CWMP session's HTTP conversation: one keep-alive connection, cookies kept for the session,
 * authentication and redirects handled inside. `post(null)` (or `post('')`) sends the empty POST.
 * A 401 that authentication cannot satisfy rejects with kind 'auth'; other statuses are returned.
 */
export interface CwmpTransport {
  post(body: string | null): Promise<HttpReply>;
  /** Local address of the connection last used (for ConnectionRequestURL), if known. */
  localAddress(): string | undefined;
  close(): Promise<void>;
}
