import { describe, expect, it } from 'vitest';
import { averageRanks, scoreValuePredictions, type ValueOutcome } from './value-prediction-score.ts';

const anOutcome = (expectedValue: number, actualValue: number, orders = { expected: 1, actual: 1 }): ValueOutcome => ({
  expectedOrders: orders.expected,
  expectedValue,
  actualOrders: orders.actual,
  actualValue,
});

describe('scoring predicted customer value against what followed', () => {
  it('ranks ties by their mean rank (many customers order nothing after the cut-off)', () => {
    expect(averageRanks([0, 5, 0, 2, 0])).toEqual([2, 5, 2, 4, 2]);
  });

  it('compares totals and ranks: twice the actual value in the same order', () => {
    const score = scoreValuePredictions([anOutcome(200, 100, { expected: 3, actual: 2 }), anOutcome(20, 10), anOutcome(2000, 1000)]);
    expect(score).toMatchObject({ customers: 3, ordersRatio: 5 / 4, valueRatio: 2 });
    expect(score.rankCorrelation).toBeCloseTo(1, 12);
  });

  it('gives −1 to a prediction that orders customers the wrong way round, and fifths by prediction', () => {
    const outcomes = [1, 2, 3, 4, 5].map((v) => anOutcome(v, 6 - v));
    const score = scoreValuePredictions(outcomes);
    expect(score.rankCorrelation).toBeCloseTo(-1, 12);
    expect(score.quintiles).toEqual([
      { predicted: 1, actual: 5 },
      { predicted: 2, actual: 4 },
      { predicted: 3, actual: 3 },
      { predicted: 4, actual: 2 },
      { predicted: 5, actual: 1 },
    ]);
  });
});
