import { describe, it, expect } from 'vitest';
import type { CustomerEvent, OrderRecorded, SegmentChange, SourcePosition } from '@segmentation/contracts';
import { applyEvent, applyRules, applyTimer, lifetimeValueOf, type ApplyOutcome } from './customer-state.ts';
import { RULES_KEY } from './rules/engine.ts';
import { repositoryRules, withoutDwell, withParameters } from './rules/rules-fixtures.ts';
import { emptyRecord, type CustomerRecord } from './features/feature-record.ts';
import { nextEvaluationTime } from './features/next-evaluation.ts';
import { calendarFor } from './features/customer-features.ts';

const CUSTOMER = 'C-SH-001';
const T0 = Date.UTC(2025, 0, 6, 8, 0, 0);
/** The repository's rules with value tiers a few orders apart and no minimum dwell. */
const rules = withoutDwell(
  withParameters(repositoryRules(), {
    high_value: 1000,
    high_value_exit: 800,
    medium_value: 200,
    medium_value_exit: 150,
    rising_value: 1e12,
  }),
);

type Change = Omit<SegmentChange, 'detectedAt'>;

/** A `customer-events` record carrying one order; `amountBase` is what the fold adds up. */
function anOrderEvent(event: Partial<Omit<CustomerEvent, 'body'>> = {}, order: Partial<OrderRecorded> = {}): CustomerEvent {
  const amountBase = order.amountBase ?? 100;
  return {
    eventId: 'E-1',
    customerId: CUSTOMER,
    eventTime: T0,
    source: null,
    ...event,
    body: {
      'segmentation.log.OrderRecorded': {
        orderId: 'O-1',
        kind: 'PLACED',
        amount: amountBase,
        currency: 'CNY',
        amountBase,
        baseCurrency: 'CNY',
        serviceLevel: 'STANDARD',
        valueAddedServices: [],
        weightKg: null,
        volumeM3: null,
        originCountry: 'CN',
        originRegion: null,
        destinationCountry: 'DE',
        destinationRegion: null,
        channel: null,
        ...order,
      },
    },
  };
}

/** Where ingest read an order: `orders` partition 0 unless told. */
const fromOrders = (offset: number, partition = 0, topic = 'orders'): SourcePosition => ({ topic, partition, offset });

/** Orders placed one after another, each from its own source offset and a minute apart. */
const placedOrders = (...amounts: number[]): CustomerEvent[] =>
  amounts.map((amountBase, i) =>
    anOrderEvent({ eventId: `E-${i + 1}`, eventTime: T0 + i * 60_000, source: fromOrders(i) }, { orderId: `O-${i + 1}`, amountBase }),
  );

/** The partition's event-time watermark as the segmenter passes it: here, the event's own time. */
const apply = (record: CustomerRecord, event: CustomerEvent, logOffset: number): ApplyOutcome =>
  applyEvent(record, event, logOffset, event.eventTime, rules);

function applied(outcome: ApplyOutcome): { state: CustomerRecord; changes: Change[] } {
  if (outcome.kind !== 'applied') throw new Error(`expected the event to be applied, got ${outcome.kind}`);
  return { state: outcome.record, changes: outcome.outputs.changes.filter((c) => c.dimension === 'value_tier') };
}

/** The order totals the value tier reads. */
const totals = (record: CustomerRecord) => ({
  orderCount: record.features.lifetime.orders,
  lifetimeValue: lifetimeValueOf(record),
  firstOrderAt: record.features.lifetime.firstOrderAt,
  lastOrderAt: record.features.lifetime.lastOrderAt,
});

/** Applies events in log order from `firstLogOffset`, as the segmenter does; every one must apply. */
function fold(events: CustomerEvent[], state = emptyRecord(), firstLogOffset = 0): { state: CustomerRecord; changes: Change[] } {
  const changes: Change[] = [];
  events.forEach((event, i) => {
    const next = applied(apply(state, event, firstLogOffset + i));
    state = next.state;
    changes.push(...next.changes);
  });
  return { state, changes };
}

describe('applyEvent', () => {
  describe('the first segment', () => {
    it('is a change from no segment, sequence 1', () => {
      const { changes } = applied(apply(emptyRecord(), anOrderEvent({}, { amountBase: 250 }), 0));
      expect(changes).toHaveLength(1);
      expect(changes[0]).toMatchObject({
        changeId: `${CUSTOMER}/value_tier/1`,
        customerId: CUSTOMER,
        dimension: 'value_tier',
        fromSegment: null,
        toSegment: 'medium',
        sequence: 1,
        cause: 'event',
      });
    });

    it('records the membership and the order totals in the new state', () => {
      const event = anOrderEvent({ eventTime: T0 + 5000, source: fromOrders(42) }, { amountBase: 250 });
      const { state } = applied(apply(emptyRecord(), event, 7));
      expect(totals(state)).toEqual({ orderCount: 1, lifetimeValue: 250, firstOrderAt: T0 + 5000, lastOrderAt: T0 + 5000 });
      expect(state).toMatchObject({
        lastLogOffset: 7,
        appliedSources: { 'orders:0': 42 },
        memberships: { value_tier: { segment: 'medium', sequence: 1, rule: 'value_tier.medium.enter', since: T0 + 5000 } },
      });
    });
  });

  it('numbers changes 1, 2, 3 without gaps as the customer moves up, skipping events that change nothing', () => {
    // low (100) -> medium (250) -> still medium (300) -> high (1100)
    const { state, changes } = fold(placedOrders(100, 150, 50, 800));
    expect(changes.map((c) => [c.fromSegment, c.toSegment, c.sequence, c.changeId])).toEqual([
      [null, 'low', 1, `${CUSTOMER}/value_tier/1`],
      ['low', 'medium', 2, `${CUSTOMER}/value_tier/2`],
      ['medium', 'high', 3, `${CUSTOMER}/value_tier/3`],
    ]);
    expect(state.memberships.value_tier).toMatchObject({ segment: 'high', sequence: 3 });
  });

  it('continues the sequence from the stored membership, not from 1', () => {
    const before = fold(placedOrders(100, 150)).state; // low (1), medium (2)
    const event = anOrderEvent({ eventId: 'E-9', source: fromOrders(9) }, { amountBase: 900 });
    const { changes } = applied(apply(before, event, 2));
    expect(changes).toEqual([
      expect.objectContaining({ fromSegment: 'medium', toSegment: 'high', sequence: 3, changeId: `${CUSTOMER}/value_tier/3` }),
    ]);
  });

  it('emits no change when the segment stays, but still applies the event', () => {
    const before = fold(placedOrders(250)).state; // medium
    const { state, changes } = applied(apply(before, anOrderEvent({ eventId: 'E-2', source: fromOrders(1) }, { amountBase: 50 }), 1));
    expect(changes).toEqual([]);
    expect(lifetimeValueOf(state)).toBe(300);
    expect(totals(state).orderCount).toBe(2);
    expect(state.lastLogOffset).toBe(1);
    expect(state.memberships.value_tier).toEqual(before.memberships.value_tier);
  });

  it('reports on a change only what its dimension reads', () => {
    const { changes } = applied(apply(emptyRecord(), anOrderEvent({ source: fromOrders(0) }, { amountBase: 300 }), 0));
    expect(Object.keys(changes[0]!.features).sort()).toEqual([
      'clv_12m',
      'order_value_365d',
      'orders_365d',
      'tenure_days',
      'value_trend_30d',
    ]);
  });

  it('puts the rule version, rule, features, cause event and event time on the change', () => {
    const event = anOrderEvent({ eventId: 'E-cause', eventTime: T0 + 123, source: fromOrders(3) }, { amountBase: 1200 });
    const { changes } = applied(apply(emptyRecord(), event, 0));
    expect(changes[0]).toMatchObject({
      ruleVersion: rules.version,
      rule: 'value_tier.high.enter',
      features: expect.objectContaining({ order_value_365d: 1200 }) as unknown,
      reasons: [{ condition: 'order_value_365d >= $high_value', feature: 'order_value_365d', value: 1200, threshold: 1000 }],
      causeEventId: 'E-cause',
      eventTime: T0 + 123,
    });
  });

  describe('redelivery', () => {
    it('treats a log offset at or below the last applied one as already applied', () => {
      const { state } = fold(placedOrders(100, 100), emptyRecord(), 5); // log offsets 5 and 6
      const again = anOrderEvent({ eventId: 'E-new', source: fromOrders(99) }, { amountBase: 5000 });
      expect(apply(state, again, 6)).toEqual({ kind: 'already_applied' });
      expect(apply(state, again, 5)).toEqual({ kind: 'already_applied' });
      expect(apply(state, again, 7).kind).toBe('applied');
    });

    it('treats a re-forwarded source position as already applied, even at a new log offset', () => {
      const { state } = fold(placedOrders(100, 100, 100)); // orders:0 offsets 0..2 at log 0..2
      const reforwarded = anOrderEvent({ eventId: 'E-2', source: fromOrders(2) }, { amountBase: 100 });
      expect(apply(state, reforwarded, 10)).toEqual({ kind: 'already_applied' });
      const older = anOrderEvent({ eventId: 'E-1', source: fromOrders(1) }, { amountBase: 100 });
      expect(apply(state, older, 11)).toEqual({ kind: 'already_applied' });
    });

    it('keeps source positions per topic and partition', () => {
      const { state } = fold(placedOrders(100, 100, 100)); // orders:0 up to offset 2
      const otherPartition = anOrderEvent({ eventId: 'E-p1', source: fromOrders(0, 1) }, { amountBase: 100 });
      const otherTopic = anOrderEvent({ eventId: 'E-t', source: fromOrders(0, 0, 'orders-import') }, { amountBase: 100 });
      const p1 = applied(apply(state, otherPartition, 3)).state;
      const both = applied(apply(p1, otherTopic, 4)).state;
      expect(both.appliedSources).toEqual({ 'orders:0': 2, 'orders:1': 0, 'orders-import:0': 0 });
      expect(lifetimeValueOf(both)).toBe(500);
    });

    it('applies events without a source position, and records no source for them', () => {
      const events = [anOrderEvent({ eventId: 'E-1' }, { amountBase: 100 }), anOrderEvent({ eventId: 'E-2' }, { amountBase: 100 })];
      const { state } = fold(events);
      expect(totals(state).orderCount).toBe(2);
      expect(lifetimeValueOf(state)).toBe(200);
      expect(state.appliedSources).toEqual({});
      expect(state.lastLogOffset).toBe(1);
    });
  });

  describe('lifetime value', () => {
    it.each(['CANCELLED', 'RETURNED'] as const)('is not increased by a %s order, nor is the order count', (kind) => {
      const before = fold(placedOrders(300)).state;
      const event = anOrderEvent({ eventId: 'E-2', eventTime: T0 + 3_600_000, source: fromOrders(1) }, { kind, amountBase: 300 });
      const { state, changes } = applied(apply(before, event, 1));
      expect(lifetimeValueOf(state)).toBe(300);
      expect(totals(state).orderCount).toBe(1);
      expect(totals(state).lastOrderAt).toBe(T0);
      expect(state.lastLogOffset).toBe(1);
      expect(changes).toEqual([]);
    });

    it('starts a customer whose first event is a cancellation in low, with no orders', () => {
      const { state, changes } = applied(apply(emptyRecord(), anOrderEvent({}, { kind: 'CANCELLED', amountBase: 5000 }), 0));
      expect(totals(state)).toEqual({ orderCount: 0, lifetimeValue: 0, firstOrderAt: null, lastOrderAt: null });
      expect(changes).toEqual([expect.objectContaining({ fromSegment: null, toSegment: 'low' })]);
    });

    it('is kept in whole cents, without floating-point drift', () => {
      const { state } = fold(placedOrders(0.1, 0.2)); // 0.1 + 0.2 is 0.30000000000000004 in floating point
      expect(lifetimeValueOf(state)).toBe(0.3);
    });
  });

  it('tracks the first and last order times whatever order the events arrive in', () => {
    const events = [T0 + 2000, T0, T0 + 5000, T0 + 1000].map((eventTime, i) =>
      anOrderEvent({ eventId: `E-${i}`, eventTime, source: fromOrders(i) }),
    );
    const { state } = fold(events);
    expect(totals(state).firstOrderAt).toBe(T0);
    expect(totals(state).lastOrderAt).toBe(T0 + 5000);
  });

  it('is a deterministic fold: the same events give the same state and changes', () => {
    const events = placedOrders(100, 150, 50, 800, 10);
    expect(fold(events)).toEqual(fold(events));
  });

  it('does not modify the state it is given', () => {
    const before = fold(placedOrders(100, 150)).state;
    const snapshot = structuredClone(before);
    applied(apply(before, anOrderEvent({ eventId: 'E-9', source: fromOrders(9) }, { amountBase: 900 }), 2));
    expect(before).toEqual(snapshot);
  });

  it("sets the customer's next evaluation time from its features, after the event", () => {
    const { state } = fold(placedOrders(100));
    expect(state.nextEvaluationAt).toBe(nextEvaluationTime(state.features, T0, calendarFor(), rules.timers));
    expect(state.nextEvaluationAt).toBeGreaterThan(T0);
  });

  it('recognises the same event id at a new source position as a duplicate, and changes nothing', () => {
    const { state } = fold(placedOrders(100));
    const retried = anOrderEvent({ eventId: 'E-1', source: fromOrders(7) }, { amountBase: 100 });
    expect(apply(state, retried, 1)).toEqual({ kind: 'duplicate' });
  });

  describe('silence and return (timers on the log clock)', () => {
    const DAY = 86_400_000;
    /** Weekly orders for 20 weeks, then nothing: evaluated at each timer point for a year. */
    function goesSilent() {
      const weekly = Array.from({ length: 20 }, (_, i) =>
        anOrderEvent({ eventId: `W-${i}`, eventTime: T0 + i * 7 * DAY, source: fromOrders(i) }, { amountBase: 500 }),
      );
      let { state } = fold(weekly);
      const lastOrder = T0 + 19 * 7 * DAY;
      const lifecycle: Array<[string, string, number]> = [];
      const alerts: string[] = [];
      for (let i = 0; i < 200 && state.nextEvaluationAt !== null && state.nextEvaluationAt < lastOrder + 365 * DAY; i++) {
        const fired = applyTimer(state, CUSTOMER, state.nextEvaluationAt, rules);
        expect(fired.record.nextEvaluationAt === null || fired.record.nextEvaluationAt > state.nextEvaluationAt).toBe(true);
        for (const c of fired.outputs.changes)
          if (c.dimension === 'lifecycle') lifecycle.push([c.toSegment, c.cause, Math.floor((c.eventTime - lastOrder) / DAY)]);
        for (const a of fired.outputs.alerts) alerts.push(a.level);
        state = fired.record;
      }
      return { state, lifecycle, alerts, lastOrder };
    }

    it('moves a customer who stops ordering to at risk, then churned, with no new event', () => {
      const { lifecycle, alerts } = goesSilent();
      expect(lifecycle.map(([segment]) => segment)).toEqual(['at_risk', 'churned']);
      expect(lifecycle.every(([, cause]) => cause === 'timer')).toBe(true);
      expect(lifecycle[0]![2]).toBeLessThan(lifecycle[1]![2]);
      expect(alerts.length).toBeGreaterThan(0);
      expect(alerts[0]).not.toBe('cleared');
    });

    it('counts a churned customer who orders again as won back, and closes the alert episode only after a sustained recovery', () => {
      const { state, lastOrder } = goesSilent();
      expect(state.memberships.lifecycle?.segment).toBe('churned');
      const back = anOrderEvent({ eventId: 'BACK', eventTime: lastOrder + 300 * DAY, source: fromOrders(100) }, { amountBase: 500 });
      const outcome = apply(state, back, 100);
      if (outcome.kind !== 'applied') throw new Error(outcome.kind);
      expect(outcome.outputs.changes.find((c) => c.dimension === 'lifecycle')).toMatchObject({
        fromSegment: 'churned',
        toSegment: 'won_back',
        cause: 'event',
        causeEventId: 'BACK',
      });
      // One order is not yet a recovery: the episode stays open.
      expect(outcome.outputs.alerts.map((a) => a.level)).not.toContain('cleared');
      let record = outcome.record;
      const later: Array<{ level: string; episodeId: string | null; episodeEvent: string | null }> = [];
      for (let week = 1; week <= 8; week++) {
        const next = apply(
          record,
          anOrderEvent(
            { eventId: `BACK-${week}`, eventTime: lastOrder + (300 + 7 * week) * DAY, source: fromOrders(100 + week) },
            { amountBase: 500 },
          ),
          100 + week,
        );
        if (next.kind !== 'applied') throw new Error(next.kind);
        later.push(...next.outputs.alerts);
        record = next.record;
      }
      const closed = later.find((a) => a.level === 'cleared');
      expect(closed).toMatchObject({ episodeEvent: 'closed', episodeId: `${CUSTOMER}/episode/1` });
    });

    it('never reaches won back without having churned', () => {
      const { state } = fold(placedOrders(100, 100, 100));
      expect(state.memberships.lifecycle?.segment).toBe('new');
      expect(JSON.stringify(state.memberships)).not.toContain('won_back');
    });
  });

  it('publishes a feature snapshot with every change, and otherwise at most once per interval', () => {
    const first = applied(apply(emptyRecord(), anOrderEvent({ eventId: 'S-1', source: fromOrders(0) }, { amountBase: 100 }), 0));
    expect(first.state.memberships.feature_snapshot?.sequence).toBe(1);
    const sameDay = apply(
      first.state,
      anOrderEvent({ eventId: 'S-2', eventTime: T0 + 3_600_000, source: fromOrders(1) }, { amountBase: 1 }),
      1,
    );
    if (sameDay.kind !== 'applied') throw new Error(sameDay.kind);
    expect(sameDay.outputs.snapshots.length).toBe(sameDay.outputs.changes.length + sameDay.outputs.alerts.length > 0 ? 1 : 0);
  });
});

describe('a rules control record', () => {
  const raised = withoutDwell(
    withParameters(repositoryRules(), {
      high_value: 1000,
      high_value_exit: 800,
      medium_value: 400,
      medium_value_exit: 300,
      rising_value: 1e12,
    }),
  );
  const control = { eventId: 'rules-x', offset: 10 };

  it('re-evaluates a customer under the new rules once, however often the record comes again', () => {
    const applied = applyEvent(emptyRecord(), anOrderEvent({}, { amountBase: 250 }), 3, T0, rules);
    if (applied.kind !== 'applied') throw new Error(applied.kind);
    expect(applied.record.memberships.value_tier?.segment).toBe('medium');
    const first = applyRules(applied.record, CUSTOMER, T0, raised, control)!;
    expect(first.outputs.changes.find((c) => c.dimension === 'value_tier')).toMatchObject({
      fromSegment: 'medium',
      toSegment: 'low',
      cause: 'rules_changed',
      causeEventId: 'rules-x',
      ruleVersion: raised.version,
    });
    expect(first.record.memberships[RULES_KEY]).toMatchObject({ segment: raised.version, sequence: control.offset });
    // Redone after a crash, or reached again by a replay: the customer is already past it.
    expect(applyRules(first.record, CUSTOMER, T0, raised, control)).toBeUndefined();
    // A later control record of the same log still applies.
    expect(applyRules(first.record, CUSTOMER, T0, rules, { eventId: 'rules-y', offset: 11 })).toBeDefined();
  });

  it('leaves a customer whose events after the control record are already applied', () => {
    const later = applyEvent(emptyRecord(), anOrderEvent({}, { amountBase: 250 }), 12, T0, rules);
    if (later.kind !== 'applied') throw new Error(later.kind);
    expect(applyRules(later.record, CUSTOMER, T0, raised, control)).toBeUndefined();
  });
});
