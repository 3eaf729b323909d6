import type { Envelope } from './types.js';

/** Encodes a typed message as a complete SOAP envelope. (placeholder until the codec lands) */
export function encode(_env: Envelope): string {
  throw new Error('codec not implemented yet');
}
