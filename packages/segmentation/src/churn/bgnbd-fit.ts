import { checkRepeatHistory, totalLogLikelihood, type BgNbdParams, type RepeatHistory } from './bgnbd.ts';
import { minimiseNelderMead } from './nelder-mead.ts';

// Maximum-likelihood estimation of the BG/NBD parameters from a customer base's repeat histories.
// The search runs over the logs of r, α, a and b: every point it tries is then a valid model, and a
// step means the same relative change for α ≈ 4 weeks as for r ≈ 0.2.

export interface BgNbdFit {
  params: BgNbdParams;
  /** Total log-likelihood at `params`. */
  logLikelihood: number;
  /** Simplex steps the search took (over all restarts). */
  iterations: number;
  /** False when the search ran out of steps: the parameters are then not a maximum and must not be used. */
  converged: boolean;
}

/**
 * A start that assumes nothing about the data: all four parameters 1 (purchase rates exponential
 * with mean one per time unit, drop-out probability uniform).
 */
export const NEUTRAL_START: BgNbdParams = { r: 1, alpha: 1, a: 1, b: 1 };

// Tolerances in log-parameters (relative changes) and log-likelihood units. Far tighter than the
// three significant digits anyone reports; the log-likelihood itself is exact to about 1e-11 here.
const SEARCH = { step: 0.5, pointTolerance: 1e-7, valueTolerance: 1e-8, maxIterations: 5_000, maxRestarts: 10 };

const fromLogs = (theta: readonly number[]): BgNbdParams => ({
  r: Math.exp(theta[0] ?? Number.NaN),
  alpha: Math.exp(theta[1] ?? Number.NaN),
  a: Math.exp(theta[2] ?? Number.NaN),
  b: Math.exp(theta[3] ?? Number.NaN),
});

const isValid = (p: BgNbdParams): boolean => [p.r, p.alpha, p.a, p.b].every((v) => v > 0 && Number.isFinite(v));

export function fitBgNbd(histories: readonly RepeatHistory[], start: BgNbdParams = NEUTRAL_START): BgNbdFit {
  if (histories.length === 0) throw new RangeError('cannot fit the BG/NBD model to no customers');
  histories.forEach((history, i) => {
    try {
      checkRepeatHistory(history);
    } catch (error) {
      throw new RangeError(`customer history ${i}: ${(error as Error).message}`);
    }
  });
  if (!isValid(start)) throw new RangeError(`BG/NBD start values must be positive and finite, got ${JSON.stringify(start)}`);
  // exp() of an extreme log-parameter overflows to Infinity or underflows to 0: that point is simply
  // out of bounds for the search, never an error.
  const negativeLogLikelihood = (theta: readonly number[]): number => {
    const params = fromLogs(theta);
    return isValid(params) ? -totalLogLikelihood(params, histories) : Number.POSITIVE_INFINITY;
  };
  const minimum = minimiseNelderMead(
    negativeLogLikelihood,
    [Math.log(start.r), Math.log(start.alpha), Math.log(start.a), Math.log(start.b)],
    SEARCH,
  );
  return { params: fromLogs(minimum.point), logLikelihood: -minimum.value, iterations: minimum.iterations, converged: minimum.converged };
}
