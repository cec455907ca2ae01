import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { calendarFor, compileRules, featureValues, quantile } from '@segmentation/segmentation';
import { scoredHistory } from '../churn/scored-histories.ts';
import { calibratedTiers } from './calibrated-tiers.ts';
import { replayLog } from './replay.ts';

// The shipped rules across the whole base (scope all) and without the value tier's dwell, so the
// re-evaluation under the calibrated thresholds moves every customer it would move at once.
const RULES = readFileSync(join(import.meta.dirname, '../../../../config/rules.yaml'), 'utf8')
  .replace('scope: industry', 'scope: all')
  .replace('min_dwell_days: 30', 'min_dwell_days: 0');
const TIME_ZONE = 'Asia/Shanghai';

describe('calibratedTiers (what `pnpm quality --calibrated` reports)', () => {
  it("puts the thresholds at the population's quantiles of the replayed state and re-evaluates every customer under them", async () => {
    const rules = compileRules(RULES, 'rules.yaml');
    const history = await scoredHistory('simulator', { seed: 5, customers: 120, days: 120, start: '2025-01-01' });
    const replay = await replayLog([history.events], { rules, options: { calendar: calendarFor(TIME_ZONE) }, end: history.end });
    const { thresholds, tiers, rules: calibrated } = await calibratedTiers(rules, replay.finals, replay.end, TIME_ZONE);

    // The population: customers with an order in the last 365 days at the span's end.
    const values = [...replay.finals.values()]
      .map((r) => featureValues(r.features, replay.end, calendarFor(TIME_ZONE)))
      .filter((f) => f.days_since_last_order !== undefined && f.days_since_last_order < 365)
      .map((f) => f.order_value_365d ?? 0)
      .sort((a, b) => a - b);
    expect(thresholds.scope).toBe('all');
    expect(thresholds.parameters.high_value).toBe(Math.round(quantile(values, 0.88)));
    expect(calibrated.file.parameters.high_value).toBe(thresholds.parameters.high_value);
    // Everyone at or above the calibrated threshold is high after the re-evaluation; by contribution
    // alone that is the top 12 % of the population, give or take a customer.
    const high = thresholds.parameters.high_value!;
    const above = [...replay.finals].filter(
      ([, r]) => (featureValues(r.features, replay.end, calendarFor(TIME_ZONE)).order_value_365d ?? 0) >= high,
    );
    for (const [id] of above) expect(tiers.get(id)).toBe('high');
    expect(Math.abs(above.length - 0.12 * values.length)).toBeLessThanOrEqual(1);
    expect(tiers.size).toBe(replay.finals.size);
  }, 60_000);
});
