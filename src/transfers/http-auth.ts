// Answers a file server's 401 challenge with the credentials from the Download/Upload RPC,
// using the transport's Basic/Digest implementation (Digest preferred, strongest algorithm first).
import { basicAuthorization, digestAuthorization, parseChallenge, selectChallenge } from '../transport/digest.js';

/** The Authorization header for a 401; null when no offered challenge is usable. */
export function answerChallenge(
  header: string | string[] | undefined,
  a: { username: string; password: string; method: string; uri: string },
): string | null {
  const ch = selectChallenge(parseChallenge(header));
  if (!ch) return null;
  if (ch.scheme === 'basic') return basicAuthorization(a.username, a.password);
  try {
    return digestAuthorization(ch, a);
  } catch {
    return null; // a challenge selectChallenge accepted but cannot be answered after all
  }
}
