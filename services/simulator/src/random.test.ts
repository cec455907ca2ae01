import { describe, expect, it } from 'vitest';
import { hash32 } from '@segmentation/runtime';
import { createRandom } from './random.ts';

const draws = (seed: number, ...labels: Array<string | number>) => {
  const r = createRandom(seed, ...labels);
  return Array.from({ length: 5 }, () => r.next());
};

describe('the seeded random source', () => {
  it('repeats itself for the same seed and labels, and not otherwise', () => {
    expect(draws(1, 'customer', 7)).toEqual(draws(1, 'customer', 7));
    expect(draws(1, 'customer', 7)).not.toEqual(draws(2, 'customer', 7));
    expect(draws(1, 'customer', 7)).not.toEqual(draws(1, 'customer', 8));
  });

  it('keeps to its ranges', () => {
    const r = createRandom(3);
    const uniforms = Array.from({ length: 10_000 }, () => r.next());
    expect(uniforms.every((u) => u >= 0 && u < 1)).toBe(true);
    expect(new Set(Array.from({ length: 1000 }, () => r.int(2, 4)))).toEqual(new Set([2, 3, 4]));
  });

  it('draws with the means and weights asked for', () => {
    const r = createRandom(11);
    const n = 20_000;
    const mean = (f: () => number) => Array.from({ length: n }, f).reduce((a, b) => a + b, 0) / n;
    expect(mean(() => r.poisson(2.5))).toBeCloseTo(2.5, 1);
    expect(mean(() => r.poisson(60))).toBeCloseTo(60, 0);
    expect(mean(() => r.exponential(4))).toBeCloseTo(4, 0);
    expect(mean(() => r.normal())).toBeCloseTo(0, 1);
    const picks = Array.from({ length: n }, () =>
      r.weighted([
        ['a', 1],
        ['b', 3],
      ] as const),
    );
    expect(picks.filter((p) => p === 'b').length / n).toBeCloseTo(0.75, 1);
  });

  it('hashes labels into well-spread 32-bit numbers', () => {
    expect(hash32('a')).not.toBe(hash32('b'));
    expect(hash32('seed|customer|1')).toBeLessThan(2 ** 32);
    expect(hash32('x')).toBe(hash32('x'));
  });
});
