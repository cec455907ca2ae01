import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Whether an `Authorization` header carries the console's bearer token. Compared in constant time
 * over digests (equal lengths whatever was sent), so the answer time says nothing about the token.
 * The token is only ever read from this header, never from a URL (URLs end up in logs and history).
 */
export function bearerTokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m !== null && timingSafeEqual(digest(m[1]!), digest(token));
}
