import type { DecodeLimits, DecodeResult } from './types.js';

/** Decodes a SOAP envelope into a typed message. Never throws. (placeholder until the codec lands) */
export function decode(_text: string, _limits?: DecodeLimits): DecodeResult {
  return { ok: false, error: { code: 'malformed', message: 'codec not implemented yet' } };
}
