import { describe, expect, it } from 'vitest';
import type { Membership } from '../features/feature-record.ts';
import { DAY, seededRandom } from '../features/feature-fixtures.ts';
import { evaluateDimension, type DimensionRules, type DimensionVerdict, type SegmentRule } from './dimension.ts';
import { parseExpression, type Values } from './expression.ts';

const T0 = Date.UTC(2025, 0, 6, 2); // an arbitrary event time; only differences matter

function aSegment(name: string, enter: string, o: { exit?: string; from?: string[] } = {}): SegmentRule {
  return {
    name,
    strategy: `serve ${name}`,
    enter: parseExpression(enter),
    exit: o.exit === undefined ? undefined : parseExpression(o.exit),
    from: o.from,
  };
}

/** A value tier with the hysteresis of the real rules, thresholds small enough to aim at. */
const PARAMETERS = { high: 100, high_exit: 80, medium: 20, medium_exit: 15 };
function aValueTier(o: Partial<DimensionRules> = {}): DimensionRules {
  return {
    name: 'value_tier',
    segments: [
      aSegment('high', 'value >= $high', { exit: 'value < $high_exit' }),
      aSegment('medium', 'value >= $medium', { exit: 'value < $medium_exit' }),
    ],
    fallback: { name: 'low', strategy: 'standard service' },
    minDwellDays: 0,
    ...o,
  };
}

const member = (segment: string, since = T0): Membership => ({ segment, sequence: 1, rule: `test.${segment}.enter`, since });
const withValue = (value: number | undefined): Values => ({ features: { value }, parameters: PARAMETERS });

describe('thresholds and hysteresis', () => {
  const tier = aValueTier();
  const segmentOf = (value: number, current?: string): string =>
    evaluateDimension(tier, withValue(value), current === undefined ? undefined : member(current), T0).segment;

  it('enters exactly at the enter value, not just below it', () => {
    const at = evaluateDimension(tier, withValue(PARAMETERS.high), member('medium'), T0);
    expect(at).toMatchObject({ segment: 'high', strategy: 'serve high', rule: 'value_tier.high.enter', heldUntil: null });
    expect(at.reasons).toEqual([{ condition: 'value >= $high', feature: 'value', value: PARAMETERS.high, threshold: PARAMETERS.high }]);
    expect(segmentOf(PARAMETERS.high - 0.01, 'medium')).toBe('medium');
    expect(segmentOf(PARAMETERS.medium, 'low')).toBe('medium');
    expect(segmentOf(PARAMETERS.medium - 0.01, 'low')).toBe('low');
  });

  it('leaves exactly when the exit condition holds: stays at the exit value, leaves just below it', () => {
    const stays = evaluateDimension(tier, withValue(PARAMETERS.high_exit), member('high'), T0);
    expect(stays).toMatchObject({ segment: 'high', rule: 'value_tier.high.stay', heldUntil: null });
    expect(stays.reasons).toEqual([
      { condition: 'value < $high_exit', feature: 'value', value: PARAMETERS.high_exit, threshold: PARAMETERS.high_exit },
    ]);
    const leaves = evaluateDimension(tier, withValue(PARAMETERS.high_exit - 0.01), member('high'), T0);
    expect(leaves).toMatchObject({ segment: 'medium', rule: 'value_tier.medium.enter' });
    expect(segmentOf(PARAMETERS.medium_exit, 'medium')).toBe('medium');
    expect(segmentOf(PARAMETERS.medium_exit - 0.01, 'medium')).toBe('low');
  });

  it('explains the fallback by the entry conditions that failed and the exit that held', () => {
    const fell = evaluateDimension(tier, withValue(10), member('medium'), T0);
    expect(fell).toMatchObject({ segment: 'low', rule: 'value_tier.low.fallback' });
    expect(fell.reasons).toEqual([
      { condition: 'value >= $high', feature: 'value', value: 10, threshold: PARAMETERS.high },
      { condition: 'value < $medium_exit', feature: 'value', value: 10, threshold: PARAMETERS.medium_exit },
    ]);
    expect(evaluateDimension(tier, withValue(10), undefined, T0).reasons.map((r) => r.condition)).toEqual([
      'value >= $high',
      'value >= $medium',
    ]);
  });

  it('keeps whoever is in inside the band and lets nobody in', () => {
    const band = (PARAMETERS.high + PARAMETERS.high_exit) / 2;
    expect(segmentOf(band, 'high')).toBe('high');
    expect(segmentOf(band, 'medium')).toBe('medium');
    expect(segmentOf(band)).toBe('medium');
    const lowBand = (PARAMETERS.medium + PARAMETERS.medium_exit) / 2;
    expect(segmentOf(lowBand, 'medium')).toBe('medium');
    expect(segmentOf(lowBand, 'low')).toBe('low');
  });

  it('can drop more than one segment at once when the value falls through both exits', () => {
    expect(segmentOf(PARAMETERS.medium_exit - 1, 'high')).toBe('low');
  });

  it('leaves a segment without exit as soon as its enter no longer holds', () => {
    const noExit = aValueTier({ segments: [aSegment('high', 'value >= $high'), aSegment('medium', 'value >= $medium')] });
    expect(evaluateDimension(noExit, withValue(PARAMETERS.high), member('high'), T0)).toMatchObject({
      segment: 'high',
      rule: 'value_tier.high.stay',
    });
    expect(evaluateDimension(noExit, withValue(PARAMETERS.high - 0.01), member('high'), T0).segment).toBe('medium');
  });

  it('takes a customer whose values are absent to the fallback, with no reasons and no flags', () => {
    expect(evaluateDimension(tier, withValue(undefined), undefined, T0)).toEqual({
      segment: 'low',
      strategy: 'standard service',
      rule: 'value_tier.low.fallback',
      reasons: [],
      flags: [],
      heldUntil: null,
    });
    expect(evaluateDimension(tier, withValue(PARAMETERS.medium_exit - 1), member('low'), T0).rule).toBe('value_tier.low.fallback');
  });
});

describe('priority between overlapping traits', () => {
  const highReturn = aSegment('high_return', 'return_rate_90d >= 0.15', { exit: 'return_rate_90d < 0.1' });
  const highComplaint = aSegment('high_complaint', 'complaints_opened_90d >= 3', { exit: 'complaints_opened_90d < 2' });
  const behaviour = (segments: SegmentRule[]): DimensionRules => ({
    name: 'behaviour',
    segments,
    fallback: { name: 'regular', strategy: 'standard' },
    minDwellDays: 0,
  });
  const both: Values = { features: { return_rate_90d: 0.2, complaints_opened_90d: 4 }, parameters: {} };

  it('puts the customer in the first segment written and flags every trait that holds', () => {
    const v = evaluateDimension(behaviour([highReturn, highComplaint]), both, undefined, T0);
    expect(v.segment).toBe('high_return');
    expect(v.flags).toEqual(['high_return', 'high_complaint']);
    const reversed = evaluateDimension(behaviour([highComplaint, highReturn]), both, undefined, T0);
    expect(reversed.segment).toBe('high_complaint');
    expect(reversed.flags).toEqual(['high_complaint', 'high_return']);
  });

  it('moves a customer up to a higher-priority segment as soon as it holds', () => {
    expect(evaluateDimension(behaviour([highReturn, highComplaint]), both, member('high_complaint'), T0)).toMatchObject({
      segment: 'high_return',
      rule: 'behaviour.high_return.enter',
    });
  });

  it('keeps a customer in a higher-priority segment while its exit does not hold, whatever holds below', () => {
    const inBand: Values = { features: { return_rate_90d: 0.12, complaints_opened_90d: 4 }, parameters: {} };
    const v = evaluateDimension(behaviour([highReturn, highComplaint]), inBand, member('high_return'), T0);
    expect(v).toMatchObject({ segment: 'high_return', rule: 'behaviour.high_return.stay', flags: ['high_complaint'] });
  });

  it('flags only segments whose enter holds, not those kept by hysteresis', () => {
    const inBand: Values = { features: { return_rate_90d: 0.12, complaints_opened_90d: 0 }, parameters: {} };
    expect(evaluateDimension(behaviour([highReturn, highComplaint]), inBand, member('high_return'), T0).flags).toEqual([]);
  });
});

describe('from: segments reachable only from others', () => {
  const lifecycle: DimensionRules = {
    name: 'lifecycle',
    segments: [
      aSegment('won_back', 'days_since_last_order < 30', { exit: 'days_since_last_order >= 60', from: ['churned'] }),
      aSegment('churned', 'days_since_last_order >= 180', { exit: 'days_since_last_order < 30' }),
      aSegment('at_risk', 'days_since_last_order >= 90', { exit: 'days_since_last_order < 60' }),
    ],
    fallback: { name: 'active', strategy: 'regular revisits' },
    minDwellDays: 0,
  };
  const recent: Values = { features: { days_since_last_order: 3 }, parameters: {} };

  it('lets a customer in from a listed segment', () => {
    expect(evaluateDimension(lifecycle, recent, member('churned'), T0)).toMatchObject({
      segment: 'won_back',
      rule: 'lifecycle.won_back.enter',
    });
  });

  it('keeps out a customer in any other segment, or in none yet, though the condition holds', () => {
    for (const current of [undefined, 'active', 'at_risk']) {
      const v = evaluateDimension(lifecycle, recent, current === undefined ? undefined : member(current), T0);
      expect(v.segment, String(current)).toBe('active');
      expect(v.flags, String(current)).not.toContain('won_back'); // a state reachable only from churned, not a trait
    }
  });

  it('does not restrict staying in the segment itself', () => {
    const v = evaluateDimension(lifecycle, { features: { days_since_last_order: 45 }, parameters: {} }, member('won_back'), T0);
    expect(v).toMatchObject({ segment: 'won_back', rule: 'lifecycle.won_back.stay' });
  });
});

describe('minimum dwell', () => {
  const tier = aValueTier({ minDwellDays: 30 });

  it('holds a change back until the dwell has passed and says until when', () => {
    const held = evaluateDimension(tier, withValue(PARAMETERS.high), member('medium', T0), T0 + 10 * DAY);
    expect(held).toMatchObject({ segment: 'medium', strategy: 'serve medium', rule: 'value_tier.medium.dwell', heldUntil: T0 + 30 * DAY });
    expect(held.flags).toEqual(['high', 'medium']);
    expect(evaluateDimension(tier, withValue(PARAMETERS.high), member('medium', T0), T0 + 30 * DAY - 1).heldUntil).toBe(T0 + 30 * DAY);
  });

  it('explains a held membership by the conditions of the segment it stays in, with the values now', () => {
    const held = evaluateDimension(tier, withValue(PARAMETERS.high), member('medium', T0), T0 + 10 * DAY);
    expect(held.reasons.length).toBeGreaterThan(0);
    for (const r of held.reasons) expect(r.value).toBe(PARAMETERS.high);
  });

  it('lets the change happen at the first evaluation from the dwell end on', () => {
    for (const at of [T0 + 30 * DAY, T0 + 31 * DAY]) {
      expect(evaluateDimension(tier, withValue(PARAMETERS.high), member('medium', T0), at)).toMatchObject({
        segment: 'high',
        rule: 'value_tier.high.enter',
        heldUntil: null,
      });
    }
  });

  it('holds falls as well as rises, and a fall to the fallback', () => {
    expect(evaluateDimension(tier, withValue(0), member('high', T0), T0 + DAY)).toMatchObject({
      segment: 'high',
      rule: 'value_tier.high.dwell',
      heldUntil: T0 + 30 * DAY,
    });
    expect(evaluateDimension(tier, withValue(PARAMETERS.high), member('low', T0), T0 + DAY)).toMatchObject({
      segment: 'low',
      strategy: 'standard service',
      rule: 'value_tier.low.dwell',
    });
  });

  it('does not touch a stay', () => {
    expect(evaluateDimension(tier, withValue(PARAMETERS.medium), member('medium', T0), T0 + DAY)).toMatchObject({
      segment: 'medium',
      rule: 'value_tier.medium.stay',
      heldUntil: null,
    });
  });

  it('never holds a first membership', () => {
    const v = evaluateDimension(aValueTier({ minDwellDays: 365 }), withValue(PARAMETERS.high), undefined, T0);
    expect(v).toMatchObject({ segment: 'high', rule: 'value_tier.high.enter', heldUntil: null });
  });

  it('does not hold a customer in a segment the rules no longer define', () => {
    const v = evaluateDimension(tier, withValue(PARAMETERS.high), member('platinum', T0), T0 + DAY);
    expect(v).toMatchObject({ segment: 'high', strategy: 'serve high', rule: 'value_tier.high.enter', heldUntil: null });
  });
});

/**
 * Property: hysteresis stops flapping. One segment with enter `spend >= E` and exit `spend < X`
 * (X < E) over random sequences; the engine's part (a new membership on every change) is folded in.
 */
describe('no flapping (property, seeded)', () => {
  type Region = 'below' | 'band' | 'above';
  const segmentOfRules = (minDwellDays: number): DimensionRules => ({
    name: 'value_tier',
    segments: [aSegment('vip', 'spend >= $enter', { exit: 'spend < $exit' })],
    fallback: { name: 'regular', strategy: 'standard' },
    minDwellDays,
  });

  /** Runs a sequence from a starting membership; returns every verdict and the number of changes. */
  function run(
    rules: DimensionRules,
    thresholds: { enter: number; exit: number },
    start: Membership | undefined,
    steps: Array<{ at: number; spend: number }>,
  ) {
    let current = start;
    let changes = 0;
    const verdicts: DimensionVerdict[] = [];
    for (const { at, spend } of steps) {
      const v = evaluateDimension(rules, { features: { spend }, parameters: thresholds }, current, at);
      if (current === undefined || v.segment !== current.segment) {
        if (current !== undefined) changes += 1;
        current = { segment: v.segment, sequence: (current?.sequence ?? 0) + 1, rule: v.rule, since: at };
      }
      verdicts.push(v);
    }
    return { verdicts, changes };
  }

  function randomCase(random: () => number) {
    const enter = Math.round(1 + random() * 200_000);
    const exit = Math.round(enter * (0.5 + random() * 0.45));
    const minDwellDays = [0, 0, 3, 14, 30][Math.floor(random() * 5)]!;
    let at = T0;
    const nextTime = (): number => (at += Math.floor(random() * 5 * DAY));
    return { thresholds: { enter, exit }, rules: segmentOfRules(minDwellDays), minDwellDays, nextTime };
  }

  it('never lets anyone in or out while the value stays strictly inside the band', () => {
    const random = seededRandom(20250606);
    for (let run_ = 0; run_ < 300; run_ += 1) {
      const { thresholds, rules, nextTime } = randomCase(random);
      const inBand = (): number => thresholds.exit + (thresholds.enter - thresholds.exit) * (0.001 + 0.998 * random());
      const length = 5 + Math.floor(random() * 80);
      const steps = Array.from({ length }, () => ({ at: nextTime(), spend: inBand() }));
      for (const segment of ['vip', 'regular']) {
        const { verdicts, changes } = run(rules, thresholds, member(segment, T0 - 365 * DAY), steps);
        expect(changes, `run ${run_}, starting in ${segment}`).toBe(0);
        expect(new Set(verdicts.map((v) => v.segment)), `run ${run_}`).toEqual(new Set([segment]));
      }
    }
  });

  it('changes at most once per crossing of the band, and exactly once without a dwell', () => {
    const random = seededRandom(7_070_707);
    let crossingsSeen = 0;
    for (let run_ = 0; run_ < 300; run_ += 1) {
      const { thresholds, rules, minDwellDays, nextTime } = randomCase(random);
      const { enter, exit } = thresholds;
      const pick = (): number => {
        const r = random();
        if (r < 0.1) return exit; // the edges themselves: at the exit value nobody leaves
        if (r < 0.2) return enter; // at the enter value one enters
        return random() * enter * 1.5;
      };
      const regionOf = (spend: number): Region => (spend >= enter ? 'above' : spend < exit ? 'below' : 'band');
      const steps = Array.from({ length: 5 + Math.floor(random() * 80) }, () => ({ at: nextTime(), spend: pick() }));
      const { verdicts, changes } = run(rules, thresholds, undefined, steps);

      let side: Region = verdicts[0]?.segment === 'vip' ? 'above' : 'below';
      let crossings = 0;
      for (const { spend } of steps.slice(1)) {
        const region = regionOf(spend);
        if (region !== 'band' && region !== side) {
          crossings += 1;
          side = region;
        }
      }
      crossingsSeen += crossings;
      const label = `run ${run_}: enter ${enter}, exit ${exit}, dwell ${minDwellDays}`;
      if (minDwellDays === 0) expect(changes, label).toBe(crossings);
      else expect(changes, label).toBeLessThanOrEqual(crossings);
    }
    expect(crossingsSeen).toBeGreaterThan(1000); // the sequences really do cross the band
  });
});
