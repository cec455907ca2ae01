import { describe, expect, it } from 'vitest';
import { hypergeometric2F1, hypergeometric2F1MinusOne, logGamma } from './special-functions.ts';

/** |actual − expected| within `tolerance` of |expected| (or absolutely, near zero). */
function expectRelative(actual: number, expected: number, tolerance: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(expected)));
}

const EULER_GAMMA = 0.5772156649015329;

describe('logGamma', () => {
  it('is ln((n − 1)!) at the integers', () => {
    let logFactorial = 0;
    for (let n = 1; n <= 30; n += 1) {
      expectRelative(logGamma(n), logFactorial, 1e-14);
      logFactorial += Math.log(n);
    }
  });

  it('is ln(√π · (2n)! / (4ⁿ n!)) at the half-integers n + ½', () => {
    let logValue = 0.5 * Math.log(Math.PI); // Γ(½) = √π
    for (let n = 0; n <= 20; n += 1) {
      expectRelative(logGamma(n + 0.5), logValue, 1e-14);
      logValue += Math.log(n + 0.5); // Γ(x + 1) = x Γ(x)
    }
  });

  it('follows the recurrence ln Γ(x + 1) − ln Γ(x) = ln x across the reflection boundary at ½', () => {
    for (const x of [1e-6, 0.01, 0.1, 0.3, 0.49, 0.51, 0.75, 2.7, 17.25, 123.4]) {
      expectRelative(logGamma(x + 1) - logGamma(x), Math.log(x), 1e-13);
    }
  });

  it('is −ln x − γx near zero, as the shape parameters of a fit can become', () => {
    for (const x of [1e-8, 1e-12, 1e-300]) expectRelative(logGamma(x), -Math.log(x) - EULER_GAMMA * x, 1e-14);
  });

  it('agrees with the Stirling series for large arguments', () => {
    for (const x of [1_000, 123_456.5, 1e10]) {
      const stirling = (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x ** 3) + 1 / (1260 * x ** 5);
      expectRelative(logGamma(x), stirling, 1e-14);
    }
  });

  it('is NaN outside the positive reals, where the model never needs it', () => {
    expect(logGamma(0)).toBeNaN();
    expect(logGamma(-1.5)).toBeNaN();
    expect(logGamma(Number.NaN)).toBeNaN();
  });
});

describe('hypergeometric2F1', () => {
  it('gives −ln(1 − z)/z for 2F1(1, 1; 2; z), including z close to 1', () => {
    for (const z of [-0.9, -0.5, 0.1, 0.474, 0.9, 0.99, 0.999]) {
      expectRelative(hypergeometric2F1(1, 1, 2, z), -Math.log1p(-z) / z, 1e-13);
    }
  });

  it('gives (1 − z)^−a for 2F1(a, b; b; z)', () => {
    for (const [a, b, z] of [
      [0.243, 2.7, 0.3],
      [2.5, 0.8, 0.6],
      [7.25, 3.1, -0.4],
    ] as const) {
      expectRelative(hypergeometric2F1(a, b, b, z), (1 - z) ** -a, 1e-13);
    }
  });

  it('gives arcsin z / z and artanh z / z for 2F1(½, ½; 3/2; z²) and 2F1(½, 1; 3/2; z²)', () => {
    for (const z of [0.2, 0.7, 0.95]) {
      expectRelative(hypergeometric2F1(0.5, 0.5, 1.5, z * z), Math.asin(z) / z, 1e-13);
      expectRelative(hypergeometric2F1(0.5, 1, 1.5, z * z), Math.atanh(z) / z, 1e-13);
    }
  });

  it('is a polynomial when an upper parameter is a non-positive integer', () => {
    const [b, c, z] = [3.5, 1.25, -0.8];
    expectRelative(hypergeometric2F1(-2, b, c, z), 1 - (2 * b * z) / c + (b * (b + 1) * z * z) / (c * (c + 1)), 1e-15);
  });

  it("is unchanged by Euler's transformation (1 − z)^(c−a−b) 2F1(c − a, c − b; c; z), as the expectation relies on", () => {
    // Parameters of the BG/NBD conditional expectation: (r + x, b + x; a + b + x − 1; z) for a heavy buyer.
    for (const [a, b, c, z] of [
      [2.243, 4.426, 5.219, 0.474],
      [20.243, 22.426, 22.219, 0.9],
      [0.6, 3.2, 2.9, 0.97],
    ] as const) {
      expectRelative(hypergeometric2F1(a, b, c, z), (1 - z) ** (c - a - b) * hypergeometric2F1(c - a, c - b, c, z), 1e-12);
    }
  });

  it('keeps its relative accuracy in 2F1 − 1 when that is tiny', () => {
    // For small a, 2F1(a, 1; 2; z) − 1 ≈ a Σ z^j / (j(j + 1)) = a (−ln(1 − z) + (ln(1 − z) + z)/z);
    // forming 1 + (tiny) and subtracting 1 would keep only about 1e-4 of it at a = 1e-12.
    for (const z of [0.3, 0.8]) {
      const a = 1e-12;
      const derivative = -Math.log1p(-z) + (Math.log1p(-z) + z) / z;
      expectRelative(hypergeometric2F1MinusOne(a, 1, 2, z) / a, derivative, 1e-9);
    }
  });

  it('refuses arguments the series cannot sum', () => {
    expect(() => hypergeometric2F1(1, 1, 2, 1)).toThrow(RangeError);
    expect(() => hypergeometric2F1(1, 1, 2, -1.5)).toThrow(RangeError);
    expect(() => hypergeometric2F1(1, 1, -3, 0.5)).toThrow(RangeError);
    // Converges in principle, but only after far more than a million terms.
    expect(() => hypergeometric2F1(1, 1, 2, 1 - 1e-9)).toThrow(/did not converge/);
  });
});
