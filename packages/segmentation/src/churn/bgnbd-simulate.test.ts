import { describe, expect, it } from 'vitest';
import { checkRepeatHistory, expectedRepeatPurchases, type BgNbdParams } from './bgnbd.ts';
import { simulateBgNbd } from './bgnbd-simulate.ts';
import { seededRandom } from './churn-fixtures.ts';

const mean = (values: readonly number[]): number => values.reduce((s, v) => s + v, 0) / values.length;
const standardError = (values: readonly number[]): number => {
  const m = mean(values);
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1) / values.length);
};

describe('simulated BG/NBD histories', () => {
  const params: BgNbdParams = { r: 0.5, alpha: 5, a: 0.8, b: 2.5 };
  const T = 52;
  const histories = simulateBgNbd(params, 20_000, T, seededRandom(7));

  it('are valid repeat histories observed for T', () => {
    const invalid = histories.filter((h) => {
      try {
        checkRepeatHistory(h);
        return h.T !== T;
      } catch {
        return true;
      }
    });
    expect(invalid).toEqual([]);
  });

  it('buy as often on average as eq. 7 predicts', () => {
    // Compared within four standard errors of the simulated mean: the simulator draws from the
    // story, eq. 7 integrates it, so they share no code.
    const counts = histories.map((h) => h.x);
    expect(Math.abs(mean(counts) - expectedRepeatPurchases(params, T))).toBeLessThan(4 * standardError(counts));
  });

  it('have no repeat purchase as often as (α / (α + T))^r predicts', () => {
    const none = histories.map((h) => (h.x === 0 ? 1 : 0));
    const predicted = (params.alpha / (params.alpha + T)) ** params.r;
    expect(Math.abs(mean(none) - predicted)).toBeLessThan(4 * standardError(none));
  });

  it('are the same for the same seed and differ for another', () => {
    expect(simulateBgNbd(params, 50, T, seededRandom(7))).toEqual(histories.slice(0, 50));
    expect(simulateBgNbd(params, 50, T, seededRandom(8))).not.toEqual(histories.slice(0, 50));
  });
});
