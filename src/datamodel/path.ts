// Parameter and object path names as CWMP carries them: 'Device.IP.Interface.3.Name' (parameter),
// 'Device.IP.Interface.3.' (object, ends in '.'). Instance numbers map to '{i}' in generic paths.

export interface ParsedPath {
  /** The text as given. */
  text: string;
  /** Name segments and instance numbers, without the dots. */
  segments: string[];
  /** true when the path ends in '.' (an object / partial path). */
  partial: boolean;
  /** Same path with each instance number replaced by '{i}'. */
  generic: string;
}

/** Longest name a CWMP string(256) argument can carry. */
export const MAX_PATH_LENGTH = 256;

const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const INSTANCE = /^[1-9][0-9]{0,9}$/;

export function isInstanceSegment(s: string): boolean {
  return INSTANCE.test(s) && Number(s) <= 0xffffffff;
}

/**
 * Parses a path; null when it is not a well-formed Device: path (which CWMP answers with 9005).
 * No alias ('[x]') or wildcard ('*') addressing: we report AliasBasedAddressing and
 * InstanceWildcardsSupported as false.
 */
export function parsePath(text: string): ParsedPath | null {
  if (text.length === 0 || text.length > MAX_PATH_LENGTH) return null;
  const partial = text.endsWith('.');
  const segments = (partial ? text.slice(0, -1) : text).split('.');
  if (segments[0] !== 'Device') return null;
  let generic = '';
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    if (isInstanceSegment(s)) {
      if (i === 0) return null;
      generic += '{i}';
    } else if (NAME.test(s)) {
      generic += s;
    } else {
      return null;
    }
    if (i < segments.length - 1 || partial) generic += '.';
  }
  return { text, segments, partial, generic };
}

/** Replaces instance numbers by '{i}' (no validation). */
export function genericOf(path: string): string {
  return path.replace(/\.[0-9]+(?=\.)/g, '.{i}');
}

/** True for vendor extensions: any segment starting with 'X_'. */
export function isVendorPath(path: string): boolean {
  return /(^|\.)X_/.test(path);
}
