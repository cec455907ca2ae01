import { describe, expect, it } from 'vitest';
import { anOrderEvent, shanghai, type CustomerEvent } from '@segmentation/contracts';
import { applyEvent, applyTimer } from '../customer-state.ts';
import { emptyRecord, type CustomerRecord } from '../features/feature-record.ts';
import { calendarFor } from '../features/customer-features.ts';
import { customerValues, evaluateCustomer } from './engine.ts';
import { repositoryRules, withoutDwell, withParameters } from './rules-fixtures.ts';
import type { CompiledRules } from './rules-file.ts';

// The predicted value (expected_orders_12m, expected_order_value, clv_12m) is derived by the engine
// like churn_risk: in the rules' conditions, in every snapshot and change, and for readers.

const rules = withoutDwell(repositoryRules());
const calendar = calendarFor('Asia/Shanghai');
const T0 = shanghai('2025-01-06 10:00');
const DAY = 86_400_000;

/** A customer ordering `amount` CNY every `everyDays` days, `count` times from T0. */
function orders(count: number, everyDays: number, amount: number): CustomerEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    ...anOrderEvent({ customerId: 'C-value', eventId: `E-${i}`, eventTime: T0 + i * everyDays * DAY, amountBase: amount }),
    source: { topic: 'orders', partition: 0, offset: i },
  }));
}

function fold(events: readonly CustomerEvent[], under: CompiledRules = rules) {
  let record: CustomerRecord = emptyRecord();
  const snapshots: Array<Record<string, number>> = [];
  const changes: Array<{ dimension: string; toSegment: string; rule: string; features: Record<string, number> }> = [];
  events.forEach((e, i) => {
    const outcome = applyEvent(record, e, i, e.eventTime, under, { calendar });
    if (outcome.kind !== 'applied') throw new Error(`expected the order to apply, got ${outcome.kind}`);
    record = outcome.record;
    snapshots.push(...outcome.outputs.snapshots.map((s) => s.features));
    changes.push(...outcome.outputs.changes);
  });
  return { record, snapshots, changes };
}

describe('the predicted customer value in the engine', () => {
  const weekly = orders(52, 7, 1000);
  const { record, snapshots } = fold(weekly);
  const last = weekly.at(-1)!.eventTime;

  it('puts the expected orders, order value and CLTV in the snapshots', () => {
    const f = snapshots.at(-1)!;
    expect(f.orders_365d).toBe(52);
    // Gamma-Gamma with the shipped prior (p 2.52, q 2.04, γ 536): (536 + 52 × 1000) × 2.52 / (52 × 2.52 + 1.04) = 1002.35
    expect(f.expected_order_value).toBe(1002.35);
    // A weekly customer right after an order: about a year of weekly orders, the prior pulling the rate a little.
    expect(f.expected_orders_12m).toBeGreaterThan(45);
    expect(f.expected_orders_12m).toBeLessThan(60);
    // Discounted at 8 % a year: less than the undiscounted product, more than that product over 1.08.
    const undiscounted = f.expected_orders_12m! * f.expected_order_value!;
    expect(f.clv_12m).toBeLessThan(undiscounted);
    expect(f.clv_12m).toBeGreaterThan(undiscounted / 1.08);
  });

  it('gives readers the same values as the snapshot (the console shows what the rules read)', () => {
    const { features } = customerValues(rules, record, last, calendar);
    expect(features).toMatchObject({
      churn_risk: snapshots.at(-1)!.churn_risk,
      clv_12m: snapshots.at(-1)!.clv_12m,
      expected_orders_12m: snapshots.at(-1)!.expected_orders_12m,
    });
  });

  it('lets the prediction fall as the silence grows, to nothing once the churn has started', () => {
    const at = (days: number) => applyTimer(record, 'C-value', last + days * DAY, rules, { calendar }).outputs;
    const valueAt = (days: number) => customerValues(rules, record, last + days * DAY, calendar).features;
    expect(valueAt(60).expected_orders_12m!).toBeLessThan(valueAt(0).expected_orders_12m!);
    expect(valueAt(60).clv_12m!).toBeLessThan(valueAt(0).clv_12m!);
    const churned = valueAt(200);
    expect(churned.churn_risk).toBe(1);
    expect(churned.expected_orders_12m).toBe(0);
    expect(churned.clv_12m).toBe(0);
    expect(at(200).snapshots[0]?.features.clv_12m ?? 0).toBe(0);
  });

  it('leaves the features out without an order, and without a value section in the rules', () => {
    const prospect = evaluateCustomer(rules, 'C-none', emptyRecord(), T0, { kind: 'timer', eventId: null }, calendar);
    expect(prospect.outputs.snapshots[0]?.features).not.toHaveProperty('clv_12m');
    const { features } = customerValues({ ...rules, value: undefined }, record, last, calendar);
    expect(features).not.toHaveProperty('clv_12m');
    expect(features).not.toHaveProperty('expected_orders_12m');
    expect(features).toHaveProperty('churn_risk');
  });
});

describe('the value tier by potential (潜力)', () => {
  // Realised value far below the high tier; predicted value above a lowered potential threshold.
  const potential = withParameters(rules, {
    high_value: 10_000_000,
    high_value_exit: 9_000_000,
    high_value_clv: 50_000,
    high_value_clv_exit: 40_000,
  });

  it('makes a customer high by clv_12m, reporting the predicted value it read', () => {
    const { changes } = fold(orders(16, 7, 2000), potential);
    const high = changes.find((c) => c.dimension === 'value_tier' && c.toSegment === 'high');
    expect(high).toBeDefined();
    expect(high!.rule).toBe('value_tier.high.enter');
    expect(high!.features.clv_12m).toBeGreaterThanOrEqual(50_000);
    expect(high!.features.order_value_365d).toBeLessThan(100_000);
  });

  it('does not count the prediction before the customer has a rhythm of their own: it is mostly the population prior', () => {
    // Eight weekly orders: predicted above the threshold, but a customer for 49 days (new until 90).
    const young = fold(orders(8, 7, 2000), potential);
    expect(young.snapshots.at(-1)!.clv_12m).toBeGreaterThanOrEqual(50_000);
    expect(young.changes.filter((c) => c.dimension === 'value_tier').map((c) => c.toSegment)).toEqual(['low']);
    // Two orders on one day, medium by their 40,000 CNY: no rhythm at all to predict from.
    const twice = [...orders(1, 7, 20_000), { ...orders(2, 0, 20_000)[1]!, eventTime: T0 + 3_600_000 }];
    expect(
      fold(twice, potential)
        .changes.filter((c) => c.dimension === 'value_tier')
        .map((c) => c.toSegment),
    ).toEqual(['medium']);
  });

  it('keeps a customer whose prediction stays above the exit threshold', () => {
    const { record } = fold(orders(16, 7, 2000), potential);
    const raisedEntry = withParameters(potential, { high_value_clv: 10_000_000 });
    const after = evaluateCustomer(
      raisedEntry,
      'C-value',
      record,
      record.features.asOf!,
      { kind: 'rules_changed', eventId: 'r' },
      calendar,
    );
    expect(after.outputs.changes.filter((c) => c.dimension === 'value_tier')).toEqual([]);
    const raisedExit = withParameters(raisedEntry, { high_value_clv_exit: 9_000_000 });
    const left = evaluateCustomer(raisedExit, 'C-value', record, record.features.asOf!, { kind: 'rules_changed', eventId: 'r' }, calendar);
    expect(left.outputs.changes.find((c) => c.dimension === 'value_tier')).toMatchObject({ fromSegment: 'high', toSegment: 'medium' });
  });
});
