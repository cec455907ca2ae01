// Fitting and judging the churn model's coefficients: L2-regularised logistic regression by Newton's
// method (iteratively reweighted least squares), and the figures that say whether a model's
// probabilities can be trusted (log-loss, calibration by decile, AUC). Pure, no I/O.

export interface LogisticFit {
  intercept: number;
  coefficients: number[];
  iterations: number;
  converged: boolean;
}

/** Solves A x = b for a small symmetric positive-definite A (Cholesky). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const l = a.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i += 1) {
    for (let j = 0; j <= i; j += 1) {
      let sum = a[i]![j]!;
      for (let k = 0; k < j; k += 1) sum -= l[i]![k]! * l[j]![k]!;
      if (i === j) {
        if (sum <= 0) throw new RangeError('the fit is singular: a signal is constant or duplicates another');
        l[i]![i] = Math.sqrt(sum);
      } else l[i]![j] = sum / l[j]![j]!;
    }
  }
  const y = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i += 1) {
    let sum = b[i]!;
    for (let k = 0; k < i; k += 1) sum -= l[i]![k]! * y[k]!;
    y[i] = sum / l[i]![i]!;
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i -= 1) {
    let sum = y[i]!;
    for (let k = i + 1; k < n; k += 1) sum -= l[k]![i]! * x[k]!;
    x[i] = sum / l[i]![i]!;
  }
  return x;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/**
 * Maximum penalised likelihood: Σ log-likelihood − ridge/2 · Σ β² (the intercept is not penalised).
 * The ridge keeps a signal that never varies in the training data (a rare service failure) at 0
 * instead of letting Newton's method diverge.
 */
export function fitLogistic(rows: readonly (readonly number[])[], outcomes: readonly number[], ridge = 1): LogisticFit {
  if (rows.length === 0) throw new RangeError('cannot fit a model to no samples');
  if (rows.length !== outcomes.length) throw new RangeError('one outcome per row');
  const k = rows[0]!.length + 1;
  let beta = new Array<number>(k).fill(0);
  const mean = outcomes.reduce((s, y) => s + y, 0) / outcomes.length;
  beta[0] = Math.log(Math.max(1e-6, mean) / Math.max(1e-6, 1 - mean));
  for (let iteration = 1; iteration <= 100; iteration += 1) {
    const gradient = new Array<number>(k).fill(0);
    const hessian = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    rows.forEach((row, n) => {
      let z = beta[0]!;
      for (let j = 1; j < k; j += 1) z += beta[j]! * row[j - 1]!;
      const p = sigmoid(z);
      const w = Math.max(p * (1 - p), 1e-12);
      const r = outcomes[n]! - p;
      for (let i = 0; i < k; i += 1) {
        const xi = i === 0 ? 1 : row[i - 1]!;
        gradient[i]! += r * xi;
        for (let j = 0; j <= i; j += 1) hessian[i]![j]! += w * xi * (j === 0 ? 1 : row[j - 1]!);
      }
    });
    for (let i = 1; i < k; i += 1) {
      gradient[i]! -= ridge * beta[i]!;
      hessian[i]![i]! += ridge;
    }
    for (let i = 0; i < k; i += 1) for (let j = i + 1; j < k; j += 1) hessian[i]![j] = hessian[j]![i]!;
    const step = solve(hessian, gradient);
    beta = beta.map((b, i) => b + step[i]!);
    if (Math.max(...step.map(Math.abs)) < 1e-8)
      return { intercept: beta[0]!, coefficients: beta.slice(1), iterations: iteration, converged: true };
  }
  return { intercept: beta[0]!, coefficients: beta.slice(1), iterations: 100, converged: false };
}

/** Mean negative log-likelihood of the outcomes under the probabilities (lower is better). */
export function logLoss(probabilities: readonly number[], outcomes: readonly number[]): number {
  let sum = 0;
  probabilities.forEach((p, i) => {
    const q = Math.min(1 - 1e-12, Math.max(1e-12, p));
    sum -= outcomes[i] === 1 ? Math.log(q) : Math.log(1 - q);
  });
  return sum / Math.max(1, probabilities.length);
}

export interface CalibrationBin {
  /** Samples in the bin. */
  count: number;
  meanPredicted: number;
  observed: number;
}

/** Predicted against observed by decile of the prediction (bins of equal size). */
export function calibrationByDecile(probabilities: readonly number[], outcomes: readonly number[], bins = 10): CalibrationBin[] {
  const order = probabilities.map((p, i) => [p, outcomes[i]!] as const).sort((a, b) => a[0] - b[0]);
  const out: CalibrationBin[] = [];
  for (let b = 0; b < bins; b += 1) {
    const slice = order.slice(Math.floor((b * order.length) / bins), Math.floor(((b + 1) * order.length) / bins));
    if (slice.length === 0) continue;
    out.push({
      count: slice.length,
      meanPredicted: slice.reduce((s, [p]) => s + p, 0) / slice.length,
      observed: slice.reduce((s, [, y]) => s + y, 0) / slice.length,
    });
  }
  return out;
}

/** Area under the ROC curve: the chance a random positive is ranked above a random negative. */
export function areaUnderCurve(probabilities: readonly number[], outcomes: readonly number[]): number | null {
  const order = probabilities.map((p, i) => [p, outcomes[i]!] as const).sort((a, b) => a[0] - b[0]);
  let positives = 0;
  let rankSum = 0;
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j < order.length && order[j]![0] === order[i]![0]) j += 1;
    const midRank = (i + 1 + j) / 2;
    for (let t = i; t < j; t += 1)
      if (order[t]![1] === 1) {
        positives += 1;
        rankSum += midRank;
      }
    i = j;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
