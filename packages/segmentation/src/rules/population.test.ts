import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  populationThresholds,
  quantile,
  withPopulationThresholds,
  type PopulationCustomer,
  type PopulationThresholds,
  type RfmCutPoints,
} from './population.ts';
import { compileRules, RulesError, type CompiledRules, type PopulationSettings } from './rules-file.ts';
import { REPOSITORY_RULES_FILE } from './rules-fixtures.ts';

const RULES = readFileSync(REPOSITORY_RULES_FILE, 'utf8');
const repository = compileRules(RULES, 'rules.yaml');

/** A customer of the population: ordered `days` ago, with `orders` and `value` in 365 days. */
function aCustomer(
  o: { industry?: string; days?: number; orders?: number; value?: number; features?: Record<string, number> } = {},
): PopulationCustomer {
  const features: Record<string, number> = { orders_365d: o.orders ?? 5, order_value_365d: o.value ?? 10_000, ...o.features };
  if (o.days !== undefined) features.days_since_last_order = o.days;
  return { industry: o.industry, features };
}

/** The repository's rules with their own population settings replaced (unset fields keep the file's). */
function withPopulation(settings: Partial<PopulationSettings>, rules: CompiledRules = repository): CompiledRules {
  const population = { active_days: 365, rfm_quintiles: true, min_customers: 5, parameters: {}, ...settings };
  return { ...rules, file: { ...rules.file, population } };
}

const HIGH_VALUE: PopulationSettings['parameters'] = {
  high_value: { feature: 'order_value_365d', quantile: 0.88 },
  high_value_exit: { feature: 'order_value_365d', quantile: 0.84 },
};

/** The engine's scores from cut points (engine.ts valuesAt): recency below the first cut is 5, frequency and money below it 1. */
const recencyScore = (cuts: readonly number[], days: number): number => 5 - cuts.filter((c) => c <= days).length;
const risingScore = (cuts: readonly number[], value: number): number => 1 + cuts.filter((c) => c <= value).length;
const tally = (scores: number[]): number[] => [1, 2, 3, 4, 5].map((s) => scores.filter((x) => x === s).length);
const range = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

describe('quantile (linear interpolation between order statistics, type 7)', () => {
  it("gives the known values of R's and NumPy's default", () => {
    const five = [1, 2, 3, 4, 5];
    expect([0, 0.1, 0.25, 0.5, 0.9, 1].map((p) => quantile(five, p))).toEqual([1, 1.4, 2, 3, 4.6, 5]);
    expect(quantile([10, 20], 0.25)).toBe(12.5);
    expect(quantile([1, 3, 3, 10], 0.5)).toBe(3);
    expect(quantile([1, 3, 3, 10], 0.9)).toBeCloseTo(7.9, 12);
    expect(quantile([7], 0.3)).toBe(7);
  });

  it('has nothing to say about no values', () => {
    expect(() => quantile([], 0.5)).toThrow(RangeError);
  });
});

describe('populationThresholds', () => {
  it('puts the rfm cut points at the quintiles, so that each score holds a fifth', () => {
    const customers = range(10, (i) => aCustomer({ days: i, orders: i + 1, value: (i + 1) * 1000 }));
    const { rfm } = populationThresholds(withPopulation({}), customers);
    expect(rfm).toEqual({ recency_days: [2, 4, 6, 8], frequency_orders_365d: [3, 5, 7, 9], monetary_value_365d: [2800, 4600, 6400, 8200] });
    if (!rfm) throw new Error('no rfm cut points');
    expect(tally(customers.map((c) => recencyScore(rfm.recency_days, c.features.days_since_last_order ?? NaN)))).toEqual([2, 2, 2, 2, 2]);
    expect(tally(customers.map((c) => risingScore(rfm.frequency_orders_365d, c.features.orders_365d ?? NaN)))).toEqual([2, 2, 2, 2, 2]);
    expect(tally(customers.map((c) => risingScore(rfm.monetary_value_365d, c.features.order_value_365d ?? NaN)))).toEqual([2, 2, 2, 2, 2]);
    // The most recent fifth scores 5, the most frequent and the biggest 5.
    expect(recencyScore(rfm.recency_days, 0)).toBe(5);
    expect(risingScore(rfm.frequency_orders_365d, 10)).toBe(5);
  });

  it('rounds money cut points to whole units and whole-number cut points up, which moves no customer', () => {
    const customers = range(6, (i) => aCustomer({ days: i * 3, orders: 1 + i * 2, value: 100.25 + i * 33.3 }));
    const { rfm } = populationThresholds(withPopulation({}), customers);
    // Money: 100.25 + 33.3·(5·p): 133.55, 166.85, 200.15, 233.45. Days: 3, 6, 9, 12 exactly; orders: 3, 5, 7, 9.
    expect(rfm?.monetary_value_365d).toEqual([134, 167, 200, 233]);
    expect(rfm?.recency_days).toEqual([3, 6, 9, 12]);
    expect(rfm?.frequency_orders_365d).toEqual([3, 5, 7, 9]);
  });

  it('keeps the cut points increasing when ties collapse the quintiles', () => {
    // 12 customers with 1 order, 4 with 2, 4 with 5: the quantiles are 1, 1, 1.4 and 2.6.
    const orders = [...range(12, () => 1), ...range(4, () => 2), ...range(4, () => 5)];
    // 7 of 20 ordered today: more than a fifth share the best recency.
    const days = [...range(7, () => 0), ...range(13, (i) => i + 1)];
    const customers = orders.map((n, i) => aCustomer({ orders: n, days: days[i] ?? 0, value: 500 }));
    const { rfm } = populationThresholds(withPopulation({}), customers);
    expect(rfm?.frequency_orders_365d).toEqual([2, 3, 4, 5]);
    // Ordering today is score 5, not a score nobody has.
    expect(rfm?.recency_days[0]).toBe(1);
    // Everyone spent the same: the first money cut is above it, the others follow by one.
    expect(rfm?.monetary_value_365d).toEqual([501, 502, 503, 504]);
    for (const cuts of Object.values(rfm ?? {})) expect(cuts.every((c, i) => i === 0 || c > (cuts[i - 1] as number))).toBe(true);
    const edited = compileRules(withPopulationThresholds(RULES, { rfm, industryParameters: {} }));
    expect(edited.file.rfm).toEqual(rfm);
  });

  it('counts as the population only customers with an order in the last active_days days', () => {
    const customers = [
      aCustomer({ industry: 'RETAIL', days: 0 }),
      aCustomer({ industry: 'RETAIL', days: 99 }),
      aCustomer({ industry: 'RETAIL', days: 100 }),
      aCustomer({ industry: 'RETAIL' }),
      aCustomer({ days: 5 }),
      aCustomer({ industry: '', days: 5 }),
    ];
    const { counts } = populationThresholds(withPopulation({ active_days: 100 }), customers);
    expect(counts).toEqual({ customers: 6, skipped: 2, byIndustry: { RETAIL: 2 }, withoutIndustry: 2 });
  });

  it('sets every configured parameter for an industry at its quantile within the industry', () => {
    const manufacturing = range(10, (i) => aCustomer({ industry: 'MANUFACTURING', days: 1, value: (i + 1) * 10_000 }));
    // Cents, as stored: money parameters are whole units.
    const retail = range(5, (i) => aCustomer({ industry: 'RETAIL', days: 1, value: (i + 1) * 1_000 + 0.3 }));
    const parameters = {
      ...HIGH_VALUE,
      medium_value: { feature: 'order_value_365d', quantile: 0.55 },
      medium_value_exit: { feature: 'order_value_365d', quantile: 0.48 },
    };
    const { industryParameters } = populationThresholds(withPopulation({ min_customers: 5, parameters }), [...manufacturing, ...retail]);
    expect(industryParameters).toEqual({
      MANUFACTURING: { high_value: 89_200, high_value_exit: 85_600, medium_value: 59_500, medium_value_exit: 53_200 },
      RETAIL: { high_value: 4_520, high_value_exit: 4_360, medium_value: 3_200, medium_value_exit: 2_920 },
    });
  });

  it('keeps the defaults for an industry with fewer than min_customers, and hand-written overrides of other parameters', () => {
    const rules = withPopulation(
      { min_customers: 5, parameters: HIGH_VALUE },
      {
        ...repository,
        file: { ...repository.file, industry_parameters: { RETAIL: { high_value: 1, rising_value: 70_000 }, OTHER: { high_value: 2 } } },
      },
    );
    const customers = [
      ...range(5, (i) => aCustomer({ industry: 'MANUFACTURING', days: 3, value: 1000 * i })),
      ...range(4, (i) => aCustomer({ industry: 'RETAIL', days: 3, value: 1000 * i })),
      ...range(3, () => aCustomer({ industry: 'RETAIL', days: 400 })),
    ];
    const { industryParameters, counts } = populationThresholds(rules, customers);
    expect(counts.byIndustry).toEqual({ MANUFACTURING: 5, RETAIL: 4 });
    expect(industryParameters).toEqual({ MANUFACTURING: { high_value: 3520, high_value_exit: 3360 }, RETAIL: { rising_value: 70_000 } });
  });

  it('leaves a parameter at its default where too few members have its feature', () => {
    const parameters = { ...HIGH_VALUE, rising_value: { feature: 'on_time_rate_90d', quantile: 0.25 } };
    const customers = range(8, (i) =>
      aCustomer({ industry: 'RETAIL', days: 1, value: 100 * i, features: i < 4 ? { on_time_rate_90d: 0.5 + i / 9 } : {} }),
    );
    expect(
      Object.keys(populationThresholds(withPopulation({ min_customers: 5, parameters }), customers).industryParameters.RETAIL ?? {}),
    ).toEqual(['high_value', 'high_value_exit']);
    const rated = populationThresholds(withPopulation({ min_customers: 4, parameters }), customers).industryParameters.RETAIL;
    // Not money: four decimals. The four ratings are 0.5, 0.6111, 0.7222, 0.8333; a quarter of the way: 0.5 + 0.75 · 0.1111.
    expect(rated?.rising_value).toBe(0.5833);
  });

  it('keeps an exit at or below its enter when its quantile is lower, whatever the ties', () => {
    let seed = 7;
    const next = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
    for (let round = 0; round < 20; round += 1) {
      // Heavy ties: values from a handful of amounts, some with cents.
      const customers = range(40, () =>
        aCustomer({ industry: 'E_COMMERCE', days: 2, value: [0, 999.5, 1000, 1000.49, 25_000][Math.floor(next() * 5)] ?? 0 }),
      );
      const enter = 0.5 + next() * 0.45;
      const exit = enter - next() * 0.2;
      const p = populationThresholds(
        withPopulation({
          parameters: {
            high_value: { feature: 'order_value_365d', quantile: enter },
            high_value_exit: { feature: 'order_value_365d', quantile: exit },
          },
        }),
        customers,
      ).industryParameters.E_COMMERCE;
      expect(p?.high_value_exit).toBeLessThanOrEqual(p?.high_value ?? Number.NEGATIVE_INFINITY);
    }
  });

  it('keeps the rfm cut points of a population smaller than min_customers, and computes none when rfm_quintiles is off', () => {
    const customers = range(4, (i) => aCustomer({ days: i }));
    expect(populationThresholds(withPopulation({ min_customers: 5 }), customers).rfm).toBeUndefined();
    expect(populationThresholds(withPopulation({ min_customers: 4 }), customers).rfm).toBeDefined();
    expect(populationThresholds(withPopulation({ min_customers: 4, rfm_quintiles: false }), customers).rfm).toBeUndefined();
  });

  it('reads the customers once, from any iterable', () => {
    function* stored(): Generator<PopulationCustomer> {
      for (let i = 0; i < 10; i += 1) yield aCustomer({ industry: 'OTHER', days: i });
    }
    expect(populationThresholds(withPopulation({}), stored()).counts.byIndustry).toEqual({ OTHER: 10 });
  });

  it('sets parameters of the predicted value (clv_12m) in whole units, like money', () => {
    const rules = withPopulation({
      parameters: { high_value_clv: { feature: 'clv_12m', quantile: 0.5 }, high_value_clv_exit: { feature: 'clv_12m', quantile: 0.4 } },
    });
    const customers = range(10, (i) => aCustomer({ industry: 'RETAIL', days: 1, features: { clv_12m: 1000.37 * (i + 1) } }));
    // Q(0.5) = 5001.85 + 0.5 × 1000.37 = 5502.035; Q(0.4) = 4001.48 + 0.6 × 1000.37 = 4601.702.
    expect(populationThresholds(rules, customers).industryParameters.RETAIL).toEqual({ high_value_clv: 5502, high_value_clv_exit: 4602 });
  });

  it('with scope all, sets the defaults at their quantiles across every industry (and none), dropping industry overrides of them', () => {
    const rules = withPopulation(
      { scope: 'all', min_customers: 5, parameters: HIGH_VALUE },
      {
        ...repository,
        file: { ...repository.file, industry_parameters: { RETAIL: { high_value: 1, rising_value: 70_000 } } },
      },
    );
    // 10 customers of two industries and none, values 10,000 … 100,000: one population.
    const customers = range(10, (i) =>
      aCustomer({ industry: ['RETAIL', 'MANUFACTURING', undefined][i % 3], days: 1, value: (i + 1) * 10_000 }),
    );
    const thresholds = populationThresholds(rules, customers);
    // Q(0.88) of 10 … 100 thousand: 80,000 + 0.92 × 10,000; Q(0.84): 80,000 + 0.56 × 10,000.
    expect(thresholds).toMatchObject({
      scope: 'all',
      parameters: { high_value: 89_200, high_value_exit: 85_600 },
      industryParameters: { RETAIL: { rising_value: 70_000 } },
    });
    expect(thresholds.counts).toMatchObject({ byIndustry: { MANUFACTURING: 3, RETAIL: 4 }, withoutIndustry: 3 });
    // Within industries none of the defaults move.
    expect(populationThresholds(withPopulation({ min_customers: 3, parameters: HIGH_VALUE }), customers).parameters).toEqual({});
  });

  it('with scope all, keeps the defaults of a base smaller than min_customers', () => {
    const customers = range(4, (i) => aCustomer({ industry: 'RETAIL', days: 1, value: i * 1000 }));
    expect(populationThresholds(withPopulation({ scope: 'all', min_customers: 5, parameters: HIGH_VALUE }), customers).parameters).toEqual(
      {},
    );
  });

  it('needs a population section', () => {
    const without = { ...repository, file: { ...repository.file, population: undefined } };
    expect(() => populationThresholds(without, [])).toThrow(RulesError);
  });

  it("uses the repository's settings: value tiers from order value, exits below enters", () => {
    const settings = repository.file.population;
    expect(settings?.rfm_quintiles).toBe(true);
    const tiers = settings?.parameters ?? {};
    for (const tier of ['high_value', 'medium_value']) {
      expect(tiers[tier]?.feature).toBe('order_value_365d');
      expect(tiers[`${tier}_exit`]?.quantile).toBeLessThan(tiers[tier]?.quantile ?? 0);
    }
    expect(tiers.medium_value?.quantile).toBeLessThan(tiers.high_value_exit?.quantile ?? 0);
    // Potential (predicted value) at the same shares as contribution, with wider exits.
    for (const tier of ['high_value', 'medium_value']) {
      expect(tiers[`${tier}_clv`]).toEqual({ feature: 'clv_12m', quantile: tiers[tier]?.quantile });
      expect(tiers[`${tier}_clv_exit`]?.quantile).toBeLessThan(tiers[`${tier}_exit`]?.quantile ?? 0);
    }
  });
});

describe('withPopulationThresholds', () => {
  const rfm: RfmCutPoints = {
    recency_days: [3, 9, 21, 60],
    frequency_orders_365d: [2, 5, 11, 25],
    monetary_value_365d: [8000, 21_000, 47_500, 120_000],
  };
  const industryParameters = {
    MANUFACTURING: { high_value: 180_000, high_value_exit: 150_000 },
    RETAIL: { high_value: 60_000, high_value_exit: 52_000 },
  };
  const thresholds: Pick<PopulationThresholds, 'rfm' | 'industryParameters'> = { rfm, industryParameters };
  const changedLines = (before: string, after: string): string[] => after.split('\n').filter((l) => !before.split('\n').includes(l));

  it('gives rules that compile with the new values', () => {
    const compiled = compileRules(withPopulationThresholds(RULES, thresholds));
    expect(compiled.file.rfm).toEqual(rfm);
    expect(compiled.file.industry_parameters).toEqual(industryParameters);
    expect(compiled.file.parameters).toEqual(repository.file.parameters);
    expect(compiled.file.population).toEqual(repository.file.population);
  });

  it('keeps every comment, in its column, and changes no other line', () => {
    const edited = withPopulationThresholds(RULES, thresholds);
    const comments = (text: string) => text.split('\n').flatMap((l) => (/\s#\s/.test(l) ? [l.slice(l.search(/\s#\s/))] : []));
    expect(comments(edited)).toEqual(comments(RULES));
    const columns = (text: string) =>
      text
        .split('\n')
        .filter((l) => l.includes(' # '))
        .map((l) => l.indexOf(' # '));
    expect(columns(edited)).toEqual(columns(RULES));
    expect(changedLines(RULES, edited)).toEqual([
      "industry_parameters:          # e.g. MANUFACTURING: { high_value: 150000 } (keys as the profile's industry; published by the population command)",
      '  MANUFACTURING: { high_value: 180000, high_value_exit: 150000 }',
      '  RETAIL: { high_value: 60000, high_value_exit: 52000 }',
      '  recency_days: [3, 9, 21, 60]                # R: days since the last order below the first cut = 5 … at or above the last = 1',
      '  frequency_orders_365d: [2, 5, 11, 25]       # F: orders in 365 days below the first cut = 1 … at or above the last = 5',
      '  monetary_value_365d: [8000, 21000, 47500, 120000]    # M: order value in 365 days, scored as F',
    ]);
  });

  it('changes the version when a value changes, and keeps it (and the text) when none does', () => {
    const edited = withPopulationThresholds(RULES, thresholds);
    expect(compileRules(edited).version).not.toBe(repository.version);
    expect(withPopulationThresholds(edited, thresholds)).toBe(edited);
    const same = withPopulationThresholds(RULES, { rfm: repository.file.rfm, industryParameters: {} });
    expect(same).toBe(RULES);
    const oneCut = withPopulationThresholds(edited, { rfm: { ...rfm, recency_days: [3, 9, 21, 61] }, industryParameters });
    expect(compileRules(oneCut).version).not.toBe(compileRules(edited).version);
  });

  it('replaces published industries, and writes {} back when none is left', () => {
    const first = withPopulationThresholds(RULES, thresholds);
    const second = withPopulationThresholds(first, {
      rfm: undefined,
      industryParameters: { E_COMMERCE: { high_value: 90_000, high_value_exit: 70_000 } },
    });
    expect(compileRules(second).file.industry_parameters).toEqual({ E_COMMERCE: { high_value: 90_000, high_value_exit: 70_000 } });
    expect(compileRules(second).file.rfm).toEqual(rfm);
    expect(changedLines(first, second)).toEqual(['  E_COMMERCE: { high_value: 90000, high_value_exit: 70000 }']);
    const none = withPopulationThresholds(second, { rfm: repository.file.rfm, industryParameters: {} });
    expect(none).toBe(RULES);
    expect(compileRules(none).version).toBe(repository.version);
  });

  it('edits a file written in block style, and one without industry_parameters', () => {
    const block = stringify(parse(RULES), { collectionStyle: 'block' });
    const edited = compileRules(withPopulationThresholds(block, thresholds));
    expect(edited.file.rfm).toEqual(rfm);
    expect(edited.file.industry_parameters).toEqual(industryParameters);
    const without = RULES.replace(/^industry_parameters:.*\n/m, '');
    expect(without).not.toBe(RULES);
    expect(compileRules(withPopulationThresholds(without, thresholds)).file.industry_parameters).toEqual(industryParameters);
    expect(withPopulationThresholds(without, { rfm: undefined, industryParameters: {} })).toBe(without);
  });

  it('sets the defaults under parameters (scope all), each comment kept in its column', () => {
    const edited = withPopulationThresholds(RULES, {
      rfm: undefined,
      industryParameters: {},
      parameters: { high_value: 250_000, high_value_exit: 9_000 },
    });
    expect(compileRules(edited).file.parameters).toEqual({ ...repository.file.parameters, high_value: 250_000, high_value_exit: 9_000 });
    expect(changedLines(RULES, edited)).toEqual([
      '  high_value: 250000          # CNY of orders in 365 days to become a high-value customer (高价值客户)',
      '  high_value_exit: 9000',
    ]);
    expect(withPopulationThresholds(RULES, { rfm: undefined, industryParameters: {}, parameters: { ...repository.file.parameters } })).toBe(
      RULES,
    );
  });

  it('refuses values that are not valid rules', () => {
    expect(() => withPopulationThresholds(RULES, { rfm: { ...rfm, recency_days: [3, 3, 21, 60] }, industryParameters: {} })).toThrow(
      /rfm\.recency_days: cut points must increase/,
    );
    expect(() => withPopulationThresholds(RULES, { rfm: undefined, industryParameters: { RETAIL: { low_value: 1 } } })).toThrow(
      /"low_value" is not in parameters/,
    );
  });
});
