import { describe, expect, it } from 'vitest';
import { hash32 } from './hash.ts';

describe('hash32', () => {
  // Pinned: stored feature state and simulator seeds depend on these exact values.
  it('never changes its values', () => {
    expect([hash32('CNSHA>DEHAM'), hash32(''), hash32('1|C-000001')]).toEqual([87170099, 2872998923, 2864521401]);
  });

  it('spreads inputs that differ only in their last character over the high bits', () => {
    const highBits = new Set(Array.from({ length: 64 }, (_, i) => hash32(`route-${i}`) >>> 28));
    expect(highBits.size).toBeGreaterThan(8);
  });
});
