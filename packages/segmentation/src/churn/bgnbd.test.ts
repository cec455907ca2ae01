import { describe, expect, it } from 'vitest';
import {
  expectedPurchases,
  expectedRepeatPurchases,
  logLikelihood,
  probabilityAlive,
  totalLogLikelihood,
  type BgNbdParams,
  type RepeatHistory,
} from './bgnbd.ts';
import { CDNOW_PUBLISHED, readCdnowCustomers } from './churn-fixtures.ts';
import { hypergeometric2F1 } from './special-functions.ts';

const cdnow = readCdnowCustomers();
const published: BgNbdParams = CDNOW_PUBLISHED.params;
const customer0001 = cdnow.find((c) => c.customerId === CDNOW_PUBLISHED.customer0001NextPurchases.customerId);
if (customer0001 === undefined) throw new Error('customer 0001 is missing from the CDNOW fixture');

function expectRelative(actual: number, expected: number, tolerance: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tolerance * Math.abs(expected));
}

/** Eq. 10 exactly as printed (no Euler transformation, no logs), for parameters where that is safe. */
function expectedPurchasesAsPrinted({ r, alpha, a, b }: BgNbdParams, { x, tx, T }: RepeatHistory, t: number): number {
  const z = t / (alpha + T + t);
  const numerator =
    ((a + b + x - 1) / (a - 1)) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hypergeometric2F1(r + x, b + x, a + b + x - 1, z));
  const denominator = 1 + (x > 0 ? 1 : 0) * (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x);
  return numerator / denominator;
}

describe('log-likelihood (eq. 6)', () => {
  it('is the published −9582.4 for CDNOW at the published estimates', () => {
    expect(totalLogLikelihood(published, cdnow)).toBeCloseTo(CDNOW_PUBLISHED.logLikelihood, 1);
  });

  it('matches the likelihood written out by hand for x = 0 and x = 1', () => {
    const { r, alpha, a, b } = published;
    // x = 0: (α / (α + T))^r. x = 1: Γ(r+1)/Γ(r) = r and Γ(a+b)Γ(b+1)/(Γ(b)Γ(a+b+1)) = b/(a+b).
    expectRelative(logLikelihood(published, { x: 0, tx: 0, T: 38.86 }), r * Math.log(alpha / (alpha + 38.86)), 1e-13);
    const byHand = r * alpha ** r * (b / (a + b)) * ((alpha + 38.86) ** -(r + 1) + (a / b) * (alpha + 1.71) ** -(r + 1));
    expectRelative(logLikelihood(published, { x: 1, tx: 1.71, T: 38.86 }), Math.log(byHand), 1e-13);
  });

  it("sums the customers' own log-likelihoods", () => {
    const sum = cdnow.reduce((total, customer) => total + logLikelihood(published, customer), 0);
    expectRelative(totalLogLikelihood(published, cdnow), sum, 1e-12);
  });

  it('stays finite for a heavy buyer whose (α + T)^−(r+x) underflows', () => {
    const heavy = { x: 400, tx: 150, T: 156 };
    expect((published.alpha + heavy.T) ** -(published.r + heavy.x)).toBe(0);
    expect(Number.isFinite(logLikelihood(published, heavy))).toBe(true);
    // Longer silence after the same purchases can only make them less likely.
    expect(logLikelihood(published, { ...heavy, T: 200 })).toBeLessThan(logLikelihood(published, heavy));
  });

  it('refuses histories and parameters the model cannot describe', () => {
    expect(() => logLikelihood(published, { x: 1.5, tx: 2, T: 10 })).toThrow(RangeError);
    expect(() => logLikelihood(published, { x: 2, tx: 12, T: 10 })).toThrow(RangeError);
    expect(() => logLikelihood(published, { x: 0, tx: 3, T: 10 })).toThrow(RangeError);
    expect(() => logLikelihood({ ...published, b: 0 }, { x: 1, tx: 2, T: 10 })).toThrow(RangeError);
    expect(() => totalLogLikelihood(published, [{ x: 1, tx: 2, T: Number.NaN }])).toThrow(RangeError);
  });
});

describe('expected purchases (eq. 10)', () => {
  it('is the published 1.226 for CDNOW customer 0001 over the next 39 weeks', () => {
    const { horizonWeeks, expected } = CDNOW_PUBLISHED.customer0001NextPurchases;
    expect(customer0001).toMatchObject({ x: 2, tx: 30.43, T: 38.86 });
    expect(expectedPurchases(published, customer0001, horizonWeeks)).toBeCloseTo(expected, 3);
  });

  it('agrees with eq. 10 as printed, for light and heavy buyers and long horizons', () => {
    const cases: Array<[RepeatHistory, number]> = [
      [{ x: 0, tx: 0, T: 38.86 }, 39],
      [{ x: 2, tx: 30.43, T: 38.86 }, 39],
      [{ x: 29, tx: 38.5, T: 38.86 }, 39],
      [{ x: 20, tx: 10, T: 52 }, 520],
      [{ x: 5, tx: 3, T: 27 }, 2],
    ];
    for (const [history, t] of cases) {
      expectRelative(expectedPurchases(published, history, t), expectedPurchasesAsPrinted(published, history, t), 1e-10);
    }
  });

  it('is continuous through a = 1, where eq. 10 reads 0/0', () => {
    // The limit a → 1 of eq. 10 without the P(alive) factor, derived from the series: with c = b + x,
    // c · Σ_j (z^j / j) · (1 − (b − r)_j / (b + x)_j).
    const params = { ...published, a: 1 };
    const history = { x: 3, tx: 20, T: 38 };
    const t = 39;
    const z = t / (params.alpha + history.T + t);
    let limit = 0;
    let pochhammerRatio = 1;
    for (let j = 1; j < 2000; j += 1) {
      pochhammerRatio *= (params.b - params.r + j - 1) / (params.b + history.x + j - 1);
      limit += (z ** j / j) * (1 - pochhammerRatio);
    }
    limit *= params.b + history.x;
    const expected = probabilityAlive(params, history) * limit;
    expectRelative(expectedPurchases(params, history, t), expected, 1e-8);
    for (const a of [1 - 1e-7, 1 + 1e-7, 1 - 1e-12, 1 + 1e-12]) {
      expectRelative(expectedPurchases({ ...params, a }, history, t), expected, 1e-6);
    }
  });

  it('is continuous through a + b = 1 for a customer without repeat purchases, where 2F1(…; a + b − 1; z) is undefined', () => {
    const history = { x: 0, tx: 0, T: 30 };
    const at = (b: number): number => expectedPurchases({ ...published, a: 0.4, b }, history, 39);
    expect(Number.isFinite(at(0.6))).toBe(true);
    expectRelative(at(0.6), (at(0.6 - 1e-6) + at(0.6 + 1e-6)) / 2, 1e-7);
  });

  it('is zero for no time, and grows with the horizon', () => {
    expect(expectedPurchases(published, customer0001, 0)).toBe(0);
    let previous = 0;
    for (const t of [1, 5, 39, 78, 520]) {
      const next = expectedPurchases(published, customer0001, t);
      expect(next).toBeGreaterThan(previous);
      previous = next;
    }
  });

  it('is higher for a customer who bought recently than for one silent since the same purchases', () => {
    const recent = expectedPurchases(published, { x: 5, tx: 38, T: 38.86 }, 39);
    const silent = expectedPurchases(published, { x: 5, tx: 5, T: 38.86 }, 39);
    expect(recent).toBeGreaterThan(3 * silent);
  });
});

describe('expected repeat purchases of a new customer (eq. 7)', () => {
  it('agrees with eq. 7 as printed', () => {
    const { r, alpha, a, b } = published;
    for (const t of [1, 39, 78, 520]) {
      const printed = ((a + b - 1) / (a - 1)) * (1 - (alpha / (alpha + t)) ** r * hypergeometric2F1(r, b, a + b - 1, t / (alpha + t)));
      expectRelative(expectedRepeatPurchases(published, t), printed, 1e-10);
    }
  });
});

describe('probability a customer is still active (eq. 13)', () => {
  it('is exactly 1 with no repeat purchase, whatever the silence', () => {
    expect(probabilityAlive(published, { x: 0, tx: 0, T: 38.86 })).toBe(1);
    expect(probabilityAlive(published, { x: 0, tx: 0, T: 5_000 })).toBe(1);
  });

  it('matches eq. 13 as printed for customer 0001', () => {
    const { r, alpha, a, b } = published;
    const { x, tx, T } = customer0001;
    expectRelative(probabilityAlive(published, customer0001), 1 / (1 + (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x)), 1e-13);
  });

  it('lies in (0, 1] for every CDNOW customer, and is 1 only for those without a repeat purchase', () => {
    for (const customer of cdnow) {
      const p = probabilityAlive(published, customer);
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThanOrEqual(1);
      if (customer.x > 0) expect(p).toBeLessThan(1);
    }
  });

  it('falls as the silence since the last purchase grows', () => {
    let previous = 1;
    for (const T of [10, 20, 38.86, 78, 156]) {
      const p = probabilityAlive(published, { x: 4, tx: 10, T });
      expect(p).toBeLessThan(previous);
      previous = p;
    }
    // A buyer silent since week 10 is, by two years on, much less likely to be active than one who just bought.
    expect(previous).toBeLessThan(0.5 * probabilityAlive(published, { x: 4, tx: 10, T: 10 }));
  });
});
