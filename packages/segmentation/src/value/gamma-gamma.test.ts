import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectedOrderValue, fitGammaGamma, totalMonetaryLogLikelihood, usableForGammaGamma, type MonetaryHistory } from './gamma-gamma.ts';

/** The CDNOW sample with mean repeat-purchase values (fixtures/README.md). */
function cdnow(): Array<MonetaryHistory & { id: string }> {
  const [header, ...lines] = readFileSync(new URL('./fixtures/cdnow_summary_monetary.csv', import.meta.url), 'utf8')
    .trimEnd()
    .split(/\r?\n/);
  expect(header).toBe('ID,x,t_x,T,zbar');
  return lines.map((line) => {
    const [id, x, , , zbar] = line.split(',');
    return { id: id!, x: Number(x), zbar: Number(zbar) };
  });
}

/** Published by Fader & Hardie (2013) for CDNOW. */
const PUBLISHED = { p: 6.25, q: 3.74, gamma: 15.44 };

describe('the Gamma-Gamma model of monetary value', () => {
  it('fits CDNOW from neutral start values to the published estimates', () => {
    const customers = cdnow();
    expect(customers).toHaveLength(2357);
    expect(customers.filter(usableForGammaGamma)).toHaveLength(946);
    const fit = fitGammaGamma(customers);
    expect(fit.converged).toBe(true);
    expect(Math.abs(fit.params.p - 6.249)).toBeLessThan(0.01);
    expect(Math.abs(fit.params.q - 3.745)).toBeLessThan(0.01);
    expect(Math.abs(fit.params.gamma - 15.448)).toBeLessThan(0.01);
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(totalMonetaryLogLikelihood(PUBLISHED, customers.filter(usableForGammaGamma)));
  });

  it('gives customer 1 (x = 2, z̄ = 22.35) the expected mean value of the note, about 24.66', () => {
    expect(expectedOrderValue(PUBLISHED, { x: 2, zbar: 22.35 })).toBeCloseTo(24.66, 1);
  });

  it('recovers known parameters from a simulated customer base', () => {
    let a = 12345 >>> 0;
    const next = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 2 ** 32;
    };
    // Gamma(k, 1) for integer k by summing exponentials; value per order ~ Gamma(p, ν), ν ~ Gamma(q, γ).
    const gammaInt = (k: number) => {
      let s = 0;
      for (let i = 0; i < k; i++) s -= Math.log(next());
      return s;
    };
    const truth = { p: 4, q: 3, gamma: 20 };
    const customers: MonetaryHistory[] = Array.from({ length: 15_000 }, () => {
      const nu = gammaInt(truth.q) / truth.gamma;
      const x = 1 + Math.floor(next() * 8);
      let total = 0;
      for (let i = 0; i < x; i++) total += gammaInt(truth.p) / nu;
      return { x, zbar: total / x };
    });
    const fit = fitGammaGamma(customers);
    // p and q trade against each other along a ridge of the likelihood: each within 12 %, and the
    // population's mean order value, which the data pin down, within 4 %.
    for (const k of ['p', 'q', 'gamma'] as const) expect(Math.abs(fit.params[k] / truth[k] - 1), k).toBeLessThan(0.12);
    const mean = (g: typeof truth) => (g.gamma * g.p) / (g.q - 1);
    expect(Math.abs(mean(fit.params) / mean(truth) - 1)).toBeLessThan(0.04);
  });

  it('shrinks a customer with few orders towards the population mean', () => {
    const population = (PUBLISHED.gamma * PUBLISHED.p) / (PUBLISHED.q - 1);
    const one = expectedOrderValue(PUBLISHED, { x: 1, zbar: 200 });
    const many = expectedOrderValue(PUBLISHED, { x: 50, zbar: 200 });
    expect(one).toBeLessThan(many);
    expect(one).toBeGreaterThan(population);
    expect(expectedOrderValue(PUBLISHED, { x: 0, zbar: 0 })).toBeCloseTo(population, 6);
  });
});
