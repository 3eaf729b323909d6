// Shapes shared by the connection-request listeners (HTTP, UDP, STUN).

/** ConnectionRequestUsername / ConnectionRequestPassword, read at every request so changes apply at once. */
export interface Credentials {
  username: string;
  password: string;
}

/**
 * The subset of a pino logger the listeners use (a pino Logger fits as is). Refused requests are
 * logged at debug only: a flood must not become a log flood. Secrets are never passed in.
 */
export interface ConnreqLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export const silentLogger: ConnreqLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
};

/** Both credentials must be set: an empty configuration refuses every request. */
export function credentialsUsable(c: Credentials): boolean {
  return c.username !== '' && c.password !== '';
}
