// The Gamma-Gamma model of monetary value (Fader & Hardie, "The Gamma-Gamma Model of Monetary
// Value", 2013): a customer's order values vary around their own mean, and those means vary across
// customers. With x orders of mean value z̄, the customer's expected order value is pulled from z̄
// towards the population's mean the fewer orders there are:
//   E[value | x, z̄] = (γ + z̄·x)·p / (p·x + q − 1).
// The population parameters p, q, γ are fitted by maximum likelihood (the search runs over their
// logarithms, so every point it tries is valid). Pure: numbers in, numbers out.

import { minimiseNelderMead } from '../churn/nelder-mead.ts';
import { logGamma } from '../churn/special-functions.ts';

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

/** One customer's repeat orders: how many (x ≥ 1) and their mean value (> 0). */
export interface MonetaryHistory {
  x: number;
  zbar: number;
}

export interface GammaGammaFit {
  params: GammaGammaParams;
  logLikelihood: number;
  customers: number;
  converged: boolean;
}

/** Neutral start: no knowledge of the data's scale or spread. */
export const GAMMA_GAMMA_NEUTRAL_START: GammaGammaParams = { p: 1, q: 1, gamma: 1 };

/** Log-likelihood of one customer's mean order value given x orders. */
export function monetaryLogLikelihood(params: GammaGammaParams, h: MonetaryHistory): number {
  const { p, q, gamma } = params;
  const px = p * h.x;
  return (
    logGamma(px + q) -
    logGamma(px) -
    logGamma(q) +
    q * Math.log(gamma) +
    (px - 1) * Math.log(h.zbar) +
    px * Math.log(h.x) -
    (px + q) * Math.log(gamma + h.x * h.zbar)
  );
}

export const totalMonetaryLogLikelihood = (params: GammaGammaParams, histories: readonly MonetaryHistory[]): number =>
  histories.reduce((sum, h) => sum + monetaryLogLikelihood(params, h), 0);

/** Customers with at least one repeat order of positive value: the only ones the model is fitted on. */
export const usableForGammaGamma = (h: MonetaryHistory): boolean => h.x >= 1 && h.zbar > 0 && Number.isFinite(h.zbar);

export function fitGammaGamma(histories: readonly MonetaryHistory[], start: GammaGammaParams = GAMMA_GAMMA_NEUTRAL_START): GammaGammaFit {
  const usable = histories.filter(usableForGammaGamma);
  if (usable.length === 0) throw new RangeError('cannot fit the Gamma-Gamma model without customers who ordered again');
  const fromLogs = (theta: readonly number[]): GammaGammaParams => ({
    p: Math.exp(theta[0]!),
    q: Math.exp(theta[1]!),
    gamma: Math.exp(theta[2]!),
  });
  const valid = (g: GammaGammaParams) => [g.p, g.q, g.gamma].every((v) => v > 0 && Number.isFinite(v));
  const m = minimiseNelderMead(
    (theta) => {
      const g = fromLogs(theta);
      return valid(g) ? -totalMonetaryLogLikelihood(g, usable) : Number.POSITIVE_INFINITY;
    },
    [Math.log(start.p), Math.log(start.q), Math.log(start.gamma)],
    { step: 0.5, pointTolerance: 1e-9, valueTolerance: 1e-10, maxIterations: 10_000, maxRestarts: 10 },
  );
  return { params: fromLogs(m.point), logLikelihood: -m.value, customers: usable.length, converged: m.converged };
}

/** The customer's expected order value; the population mean γp/(q−1) for a customer with no repeat order. */
export function expectedOrderValue(params: GammaGammaParams, h: MonetaryHistory): number {
  const { p, q, gamma } = params;
  if (h.x < 1 || !(h.zbar > 0)) return q > 1 ? (gamma * p) / (q - 1) : Number.NaN;
  return ((gamma + h.zbar * h.x) * p) / (p * h.x + q - 1);
}
