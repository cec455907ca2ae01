import { describe, expect, it } from 'vitest';
import { areaUnderCurve, calibrationByDecile, fitLogistic, logLoss } from './logistic-fit.ts';

function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

describe('logistic regression', () => {
  it('recovers known coefficients from synthetic data', () => {
    const next = random(11);
    const truth = { intercept: -1.5, coefficients: [2, -1, 0.5] };
    const rows: number[][] = [];
    const outcomes: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const x = [next() * 3, next() * 2 - 1, next() > 0.5 ? 1 : 0];
      const z = truth.intercept + x.reduce((s, v, j) => s + v * truth.coefficients[j]!, 0);
      rows.push(x);
      outcomes.push(next() < 1 / (1 + Math.exp(-z)) ? 1 : 0);
    }
    const fit = fitLogistic(rows, outcomes, 0);
    expect(fit.converged).toBe(true);
    expect(fit.intercept).toBeCloseTo(truth.intercept, 0);
    fit.coefficients.forEach((c, j) => expect(Math.abs(c - truth.coefficients[j]!)).toBeLessThan(0.15));
    // Calibrated on its own data: each decile's mean prediction is near what happened.
    const p = rows.map((x) => 1 / (1 + Math.exp(-(fit.intercept + x.reduce((s, v, j) => s + v * fit.coefficients[j]!, 0)))));
    for (const bin of calibrationByDecile(p, outcomes)) expect(Math.abs(bin.meanPredicted - bin.observed)).toBeLessThan(0.04);
    expect(logLoss(p, outcomes)).toBeLessThan(
      logLoss(
        p.map(() => 0.5),
        outcomes,
      ),
    );
  });

  it('keeps a signal that never varies at zero instead of diverging', () => {
    const rows = [
      [0, 1],
      [0, 2],
      [0, 3],
      [0, 4],
    ];
    const fit = fitLogistic(rows, [0, 0, 1, 1], 1);
    expect(fit.coefficients[0]).toBe(0);
  });

  it('AUC ranks: 1 for a perfect order, 0.5 for ties, null without both outcomes', () => {
    expect(areaUnderCurve([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(areaUnderCurve([0.5, 0.5], [0, 1])).toBe(0.5);
    expect(areaUnderCurve([0.3, 0.4], [1, 1])).toBeNull();
  });
});
