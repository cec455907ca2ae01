import type { CadencePrior } from './cadence.ts';
import { minimiseNelderMead } from './nelder-mead.ts';
import { logGamma } from './special-functions.ts';

// The population prior of the cadence model, by maximum likelihood: each customer's ordering days
// x over an exposure of T days are Poisson(λT) with λ ~ Gamma(r, α) across customers, so x is
// negative binomial (the NBD model of Ehrenberg): the prior that best explains how the customers of
// an industry differ in rhythm. The search runs over ln r and ln α, so every point it tries is valid.

export interface ExposureSample {
  /** Ordering days after the first, in the exposure. */
  x: number;
  /** Days observed. */
  T: number;
}

export interface PriorFit {
  prior: CadencePrior;
  logLikelihood: number;
  customers: number;
  converged: boolean;
}

export function nbdLogLikelihood(p: CadencePrior, samples: readonly ExposureSample[]): number {
  let sum = 0;
  const base = logGamma(p.r);
  for (const { x, T } of samples) {
    sum += logGamma(p.r + x) - base - logGamma(x + 1) + p.r * Math.log(p.alpha / (p.alpha + T)) + x * Math.log(T / (p.alpha + T));
  }
  return sum;
}

export function fitCadencePrior(samples: readonly ExposureSample[]): PriorFit {
  const usable = samples.filter((s) => s.T > 0 && s.x >= 0);
  if (usable.length === 0) throw new RangeError('cannot fit the cadence prior to no customers');
  const f = (theta: readonly number[]): number => {
    const p = { r: Math.exp(theta[0]!), alpha: Math.exp(theta[1]!) };
    return Number.isFinite(p.r) && Number.isFinite(p.alpha) && p.r > 0 && p.alpha > 0
      ? -nbdLogLikelihood(p, usable)
      : Number.POSITIVE_INFINITY;
  };
  const m = minimiseNelderMead(f, [0, Math.log(20)], {
    step: 0.5,
    pointTolerance: 1e-7,
    valueTolerance: 1e-8,
    maxIterations: 5_000,
    maxRestarts: 5,
  });
  return {
    prior: { r: Math.exp(m.point[0]!), alpha: Math.exp(m.point[1]!) },
    logLikelihood: -m.value,
    customers: usable.length,
    converged: m.converged,
  };
}
