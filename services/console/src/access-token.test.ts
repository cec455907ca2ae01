import { describe, expect, it } from 'vitest';
import { bearerTokenMatches } from './access-token.ts';

describe('the bearer token check', () => {
  const token = 'a-console-token-of-some-length';
  it('accepts exactly the token after "Bearer"', () => {
    expect(bearerTokenMatches(`Bearer ${token}`, token)).toBe(true);
    expect(bearerTokenMatches(`bearer ${token}`, token)).toBe(true);
  });
  it('refuses anything else', () => {
    for (const header of [
      undefined,
      '',
      token,
      `Bearer ${token}x`,
      `Bearer ${token.slice(1)}`,
      `Basic ${token}`,
      `Bearer ${token} extra`,
      'Bearer ',
    ]) {
      expect(bearerTokenMatches(header, token)).toBe(false);
    }
  });
});
