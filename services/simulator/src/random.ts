// A seeded pseudo-random source written in-house (sfc32, seeded through splitmix32) so that a seed
// gives the same population and the same events on every machine and Node version: Math.random
// cannot be seeded, and a library's algorithm could change under us with an upgrade.
import { hash32 } from '@segmentation/runtime';

/** The random draws the simulator needs, all from one deterministic stream. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** Uniform in [min, max). */
  between(min: number, max: number): number;
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** Picks by relative weight: `[[item, weight], ...]`. */
  weighted<T>(choices: ReadonlyArray<readonly [T, number]>): T;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** Log-normal with the given median and shape: order values and customer sizes are skewed like this. */
  logNormal(median: number, sigma: number): number;
  /** Exponential with the given mean: waiting times between independent events. */
  exponential(mean: number): number;
  /** Poisson count with the given mean (Knuth's method; the means here are small). */
  poisson(mean: number): number;
}

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * An independent stream per label (`createRandom(seed, 'customer', 42)`): each customer draws from
 * its own stream, so adding customers or reordering work never changes what another one does.
 */
export function createRandom(seed: number, ...labels: Array<string | number>): Random {
  return new Sfc32(hash32(`${seed}|${labels.join('|')}`));
}

// A class rather than closures: a population holds one stream per customer, and methods on the
// prototype cost no memory per instance.
class Sfc32 implements Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    const init = splitmix32(seed);
    this.a = init();
    this.b = init();
    this.c = init();
    this.d = init();
    for (let i = 0; i < 12; i++) this.next(); // let the seeded state mix before the first draw
  }

  next(): number {
    // sfc32: passes PractRand and BigCrush, 128 bits of state, fast with 32-bit integer ops.
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  between(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  weighted<T>(choices: ReadonlyArray<readonly [T, number]>): T {
    let total = 0;
    for (const [, w] of choices) total += w;
    let r = this.next() * total;
    for (const [item, w] of choices) {
      r -= w;
      if (r < 0) return item;
    }
    const last = choices.at(-1);
    if (last === undefined) throw new Error('weighted pick from an empty list');
    return last[0]; // only reached through rounding at the very end of the range
  }

  normal(): number {
    const u = 1 - this.next(); // (0, 1]: log(0) would be -Infinity
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  poisson(mean: number): number {
    if (mean <= 0) return 0;
    // Knuth's loop costs one draw per unit of the mean; past 30 the normal approximation is close.
    if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }
}
