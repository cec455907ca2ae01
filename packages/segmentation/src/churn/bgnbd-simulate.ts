import type { BgNbdParams, RepeatHistory } from './bgnbd.ts';

// Customer histories drawn from the BG/NBD story itself, for checking that a fit recovers the
// parameters that made the data and for sizing how much history a fit needs. The random source is
// injected, so a seeded generator makes every draw reproducible.

/** A uniform draw in (0, 1]: safe to take the log of, given a source in [0, 1) like Math.random. */
const openUniform = (random: () => number): number => 1 - random();

function standardNormal(random: () => number): number {
  // Box–Muller; one of the pair is enough here.
  return Math.sqrt(-2 * Math.log(openUniform(random))) * Math.cos(2 * Math.PI * random());
}

/** Gamma(shape, scale 1) by Marsaglia & Tsang (2000); shapes below 1 via Gamma(k + 1) · U^(1/k). */
function standardGamma(shape: number, random: () => number): number {
  if (shape < 1) return standardGamma(shape + 1, random) * openUniform(random) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = standardNormal(random);
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    if (Math.log(openUniform(random)) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/**
 * `customers` histories, each watched for `T` time units after the first purchase. Each customer
 * draws a purchase rate λ ~ gamma(r, α) and a drop-out probability p ~ beta(a, b), then buys at
 * exponential intervals; after each repeat purchase they drop out for good with probability p.
 */
export function simulateBgNbd(params: BgNbdParams, customers: number, T: number, random: () => number): RepeatHistory[] {
  const histories: RepeatHistory[] = [];
  for (let i = 0; i < customers; i += 1) {
    const rate = standardGamma(params.r, random) / params.alpha;
    const g = standardGamma(params.a, random);
    const dropout = g / (g + standardGamma(params.b, random));
    let x = 0;
    let tx = 0;
    // A rate that underflowed to 0 gives an infinite wait: a customer who never buys again.
    for (let t = -Math.log(openUniform(random)) / rate; t <= T; t += -Math.log(openUniform(random)) / rate) {
      x += 1;
      tx = t;
      if (random() < dropout) break;
    }
    histories.push({ x, tx, T });
  }
  return histories;
}
