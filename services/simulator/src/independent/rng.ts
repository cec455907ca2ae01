// A small seeded PRNG of our own (mulberry32), so the data does not depend on any library's
// random numbers and a seed reproduces a run bit for bit on any machine.

const TWO_32 = 4_294_967_296;

/** A 32-bit integer hash (the splitmix32 finaliser): neighbouring inputs give unrelated outputs. */
export function mix32(value: number): number {
  let t = (value + 0x9e3779b9) | 0;
  t = Math.imul(t ^ (t >>> 16), 0x21f0aaad);
  t = Math.imul(t ^ (t >>> 15), 0x735a2d97);
  return (t ^ (t >>> 15)) >>> 0;
}

/** FNV-1a of a label, so streams can be named ('process', 'orders') rather than numbered. */
export function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * The seed of one independent stream: the run's seed, then any path of numbers or labels
 * (customer index, purpose, order number). One stream per customer and purpose means adding
 * customers, or drawing one more number for one purpose, leaves every other stream unchanged.
 */
export function streamSeed(seed: number, ...path: Array<number | string>): number {
  let h = mix32((seed >>> 0) ^ mix32(Math.floor(seed / TWO_32)));
  for (const part of path) h = mix32(h ^ (typeof part === 'string' ? hashLabel(part) : mix32(part >>> 0)));
  return h;
}

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  static stream(seed: number, ...path: Array<number | string>): Rng {
    return new Rng(streamSeed(seed, ...path));
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / TWO_32;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** An integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Standard normal (Box–Muller; one value per call keeps the stream position easy to reason about). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Log-normal with the given median: multiplicative noise, skewed to the right like real amounts. */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  poisson(mean: number): number {
    if (mean <= 0) return 0;
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

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** One value of a list of [value, weight] pairs, with probability proportional to its weight. */
  weighted<T>(entries: ReadonlyArray<readonly [T, number]>): T {
    const total = entries.reduce((sum, [, w]) => sum + w, 0);
    let u = this.next() * total;
    for (const [value, w] of entries) {
      u -= w;
      if (u < 0) return value;
    }
    const last = entries[entries.length - 1];
    if (last === undefined) throw new Error('weighted pick from an empty list');
    return last[0];
  }
}
