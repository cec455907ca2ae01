import { describe, expect, it } from 'vitest';
import { Rng, streamSeed } from './rng.ts';

describe('Rng', () => {
  it('repeats its sequence for the same seed and differs for another', () => {
    const draw = (seed: number): number[] => {
      const r = new Rng(seed);
      return Array.from({ length: 5 }, () => r.next());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('gives independent streams per path, stable whatever else is drawn', () => {
    expect(streamSeed(1, 3, 'plan')).toBe(streamSeed(1, 3, 'plan'));
    expect(new Set([streamSeed(1, 3, 'plan'), streamSeed(1, 4, 'plan'), streamSeed(1, 3, 'orders'), streamSeed(2, 3, 'plan')]).size).toBe(
      4,
    );
  });

  it('draws with the intended distributions', () => {
    const r = new Rng(7);
    const n = 20_000;
    let sum = 0,
      poisson = 0,
      heads = 0;
    const logs: number[] = [];
    for (let i = 0; i < n; i++) {
      sum += r.next();
      poisson += r.poisson(3);
      if (r.chance(0.25)) heads++;
      logs.push(r.lognormal(10, 0.5));
    }
    expect(sum / n).toBeCloseTo(0.5, 1);
    expect(poisson / n).toBeCloseTo(3, 1);
    expect(heads / n).toBeCloseTo(0.25, 1);
    logs.sort((a, b) => a - b);
    expect(logs[n / 2]).toBeGreaterThan(9.5);
    expect(logs[n / 2]).toBeLessThan(10.5);
    const ints = new Set(Array.from({ length: 1000 }, () => r.int(2, 4)));
    expect([...ints].sort()).toEqual([2, 3, 4]);
    const picks = Array.from({ length: 4000 }, () =>
      r.weighted([
        ['a', 3],
        ['b', 1],
      ] as const),
    );
    expect(picks.filter((p) => p === 'a').length / 4000).toBeCloseTo(0.75, 1);
  });
});
