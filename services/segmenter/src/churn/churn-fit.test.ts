import { describe, expect, it } from 'vitest';
import { levelsAtPrecision } from './churn-fit.ts';

describe('alert levels placed at a precision', () => {
  it('puts each level at the lowest risk above which the target share churned', () => {
    // 100 samples at risks 0.00–0.99; a sample churned when its risk is at least 0.6, and one in five below.
    const predicted = Array.from({ length: 100 }, (_, i) => i / 100);
    const outcomes = predicted.map((p, i) => (p >= 0.6 || i % 5 === 0 ? 1 : 0));
    const levels = levelsAtPrecision(predicted, outcomes, { watch: 0.5, warning: 0.75, critical: 0.95, exit_ratio: 0.8 });
    // Every level's precision holds above its enter.
    for (const [level, target] of [['watch', 0.5], ['warning', 0.75], ['critical', 0.95]] as const) {
      const above = predicted.map((p, i) => [p, outcomes[i]!] as const).filter(([p]) => p >= levels[level].enter);
      expect(above.reduce((s, [, y]) => s + y, 0) / above.length, level).toBeGreaterThanOrEqual(target);
      expect(levels[level].exit).toBeCloseTo(levels[level].enter * 0.8, 3);
    }
    expect(levels.watch.enter).toBeLessThan(levels.warning.enter);
    expect(levels.warning.enter).toBeLessThan(levels.critical.enter);
    // The lowest such risk: one step lower and the warning precision would fall short.
    const below = predicted.map((p, i) => [p, outcomes[i]!] as const).filter(([p]) => p >= levels.warning.enter - 0.01);
    expect(below.reduce((s, [, y]) => s + y, 0) / below.length).toBeLessThan(0.75);
  });

  it('keeps a level just below 1 when no risk reaches its precision', () => {
    const levels = levelsAtPrecision(Array.from({ length: 50 }, (_, i) => i / 50), Array.from({ length: 50 }, () => 0), { watch: 0.5, warning: 0.75, critical: 0.9, exit_ratio: 0.75 });
    expect([levels.watch.enter, levels.warning.enter, levels.critical.enter]).toEqual([0.97, 0.98, 0.99]);
  });
});
