// Connection requests: what the daemon wires to its session scheduler.
export { startHttpConnectionRequestListener, connectionRequestUrl, defaultHttpListenerLimits } from './http-listener.js';
export type { HttpConnectionRequestListener, HttpConnectionRequestListenerOptions, HttpListenerCounters, HttpListenerLimits, HttpRefusal } from './http-listener.js';
export { startUdpConnectionRequestListener, defaultUdpListenerLimits } from './udp-listener.js';
export type { UdpConnectionRequestListener, UdpConnectionRequestListenerOptions, UdpListenerCounters, UdpListenerLimits, UdpDrop } from './udp-listener.js';
export { StunClient, udpConnectionRequestAddress } from './stun.js';
export type { StunBinding, StunOptions } from './stun.js';
export { DigestServer } from './digest-server.js';
export type { DigestServerOptions } from './digest-server.js';
export { hostForUrl } from './address.js';
export type { Credentials, ConnreqLogger } from './types.js';
