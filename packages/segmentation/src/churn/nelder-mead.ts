// Nelder–Mead downhill simplex minimisation: derivative-free, so a likelihood needs no gradient
// code, and robust on the few-parameter, smooth but badly scaled surfaces that customer-base models
// produce. The coefficients are the standard ones (reflect 1, expand 2, contract ½, shrink ½) with
// the acceptance rules of Lagarias et al. (1998), "Convergence properties of the Nelder–Mead simplex
// method in low dimensions".

export interface NelderMeadOptions {
  /** Size of the first simplex along each coordinate, in the units of the point. */
  step: number;
  /** Converged when every vertex is within this of the best one in every coordinate... */
  pointTolerance: number;
  /** ...and its value within this of the best value. */
  valueTolerance: number;
  /** Simplex steps over all restarts before giving up. */
  maxIterations: number;
  /**
   * Fresh simplices built around the best point after convergence. A simplex can collapse onto a
   * line or plane away from the minimum and report convergence there; a restart that finds nothing
   * better is what confirms a minimum. 0 switches the confirmation off.
   */
  maxRestarts: number;
}

export const DEFAULT_NELDER_MEAD: NelderMeadOptions = {
  step: 0.5,
  pointTolerance: 1e-8,
  valueTolerance: 1e-9,
  maxIterations: 10_000,
  maxRestarts: 10,
};

export interface Minimum {
  point: number[];
  value: number;
  /** Simplex steps taken, over all restarts. */
  iterations: number;
  /** False when the iteration budget ran out before a restart confirmed the minimum. */
  converged: boolean;
}

interface Vertex {
  point: number[];
  value: number;
}

const byValue = (u: Vertex, v: Vertex): number => (u.value < v.value ? -1 : u.value > v.value ? 1 : 0);

/**
 * Minimises `objective` from `start`. NaN counts as +Infinity, so an objective may return NaN (or
 * Infinity) for points outside its domain and the simplex simply moves away from them.
 */
export function minimiseNelderMead(
  objective: (point: readonly number[]) => number,
  start: readonly number[],
  options: Partial<NelderMeadOptions> = {},
): Minimum {
  const settings = { ...DEFAULT_NELDER_MEAD, ...options };
  const evaluate = (point: number[]): Vertex => {
    const value = objective(point);
    return { point, value: Number.isNaN(value) ? Number.POSITIVE_INFINITY : value };
  };
  let best = evaluate(start.slice());
  if (!Number.isFinite(best.value)) throw new RangeError(`the objective is not finite at the start point [${start.join(', ')}]`);
  let iterations = 0;
  for (let round = 0; round <= settings.maxRestarts; round += 1) {
    const run = descend(evaluate, best.point, settings, settings.maxIterations - iterations);
    iterations += run.iterations;
    const gain = best.value - run.best.value;
    if (run.best.value <= best.value) best = run.best;
    if (!run.settled) return { ...best, iterations, converged: false };
    // With restarts switched off a settled simplex is taken at its word.
    if (settings.maxRestarts === 0 || (round > 0 && gain <= settings.valueTolerance)) return { ...best, iterations, converged: true };
  }
  return { ...best, iterations, converged: false };
}

/** One simplex run from `start` until it settles or `budget` steps are used. */
function descend(
  evaluate: (point: number[]) => Vertex,
  start: number[],
  settings: NelderMeadOptions,
  budget: number,
): { best: Vertex; iterations: number; settled: boolean } {
  const n = start.length;
  const simplex: Vertex[] = [evaluate(start.slice())];
  for (let i = 0; i < n; i += 1) {
    const point = start.slice();
    point[i] = (point[i] as number) + settings.step;
    simplex.push(evaluate(point));
  }
  let iterations = 0;
  for (;;) {
    simplex.sort(byValue);
    const best = simplex[0] as Vertex;
    if (hasSettled(simplex, settings)) return { best, iterations, settled: true };
    if (iterations >= budget) return { best, iterations, settled: false };
    iterations += 1;

    const worst = simplex[n] as Vertex;
    const secondWorst = simplex[n - 1] as Vertex;
    const centroid = new Array<number>(n).fill(0);
    for (let v = 0; v < n; v += 1) {
      const point = (simplex[v] as Vertex).point;
      for (let i = 0; i < n; i += 1) centroid[i] = (centroid[i] as number) + (point[i] as number) / n;
    }
    // Points on the line from the worst vertex through the centroid of the others: 1 reflects,
    // 2 expands, ½ contracts outside, −½ contracts inside.
    const along = (t: number): Vertex => evaluate(centroid.map((c, i) => c + t * (c - (worst.point[i] as number))));

    const reflected = along(1);
    if (reflected.value < best.value) {
      const expanded = along(2);
      simplex[n] = expanded.value < reflected.value ? expanded : reflected;
    } else if (reflected.value < secondWorst.value) {
      simplex[n] = reflected;
    } else {
      const outside = reflected.value < worst.value;
      const contracted = along(outside ? 0.5 : -0.5);
      if (outside ? contracted.value <= reflected.value : contracted.value < worst.value) {
        simplex[n] = contracted;
      } else {
        // Nothing on the line helps: pull every vertex halfway towards the best one.
        for (let v = 1; v <= n; v += 1) {
          const point = (simplex[v] as Vertex).point;
          simplex[v] = evaluate(point.map((x, i) => (best.point[i] as number) + 0.5 * (x - (best.point[i] as number))));
        }
      }
    }
  }
}

function hasSettled(sorted: readonly Vertex[], settings: NelderMeadOptions): boolean {
  const best = sorted[0] as Vertex;
  for (let v = 1; v < sorted.length; v += 1) {
    const vertex = sorted[v] as Vertex;
    // Written so that an infinite value (NaN difference) never counts as settled.
    if (!(Math.abs(vertex.value - best.value) <= settings.valueTolerance)) return false;
    for (let i = 0; i < best.point.length; i += 1) {
      if (Math.abs((vertex.point[i] as number) - (best.point[i] as number)) > settings.pointTolerance) return false;
    }
  }
  return true;
}
