import { describe, expect, it } from 'vitest';
import { anOrderEvent, aProfileEvent, aTick, type CustomerEvent } from '@segmentation/contracts';
import type { ConsumedMessage } from '@segmentation/kafka';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { calendarFor, compileRules, emptyRecord, type CompiledRules, type CustomerRecord } from '@segmentation/segmentation';
import type { StoredCustomer } from '@segmentation/state';
import { foldEntries, type LogEntry } from './fold.ts';
import { fromOutbox, keptOutputs, outboxEntries, outputId, type Output } from './outbox.ts';

const RULES_FILE = join(import.meta.dirname, '..', '..', '..', 'config', 'rules.yaml');
/** The repository's rules, with value tiers a few orders apart and no minimum dwell. */
const repository = compileRules(readFileSync(RULES_FILE, 'utf8'));
const rules: CompiledRules = {
  ...repository,
  file: {
    ...repository.file,
    parameters: { ...repository.file.parameters, high_value: 1000, high_value_exit: 800, medium_value: 200, medium_value_exit: 150 },
  },
  dimensions: repository.dimensions.map((d) => ('minDwellDays' in d ? { ...d, minDwellDays: 0 } : d)),
};
const valueTierChanges = (outputs: readonly Output[]) =>
  outputs.flatMap((o) => (o.kind === 'change' && o.value.dimension === 'value_tier' ? [o.value] : []));
const applier = { rules, options: { calendar: calendarFor('Asia/Shanghai') }, now: () => 42 };
/** Stands in for the Avro encoder: distinct bytes per output. */
const encode = (o: Output): Buffer => Buffer.from(`\0${o.kind}:${outputId(o)}`);
const T0 = Date.UTC(2026, 0, 5, 2, 0, 0);
const HOUR = 3_600_000;

const message = (offset: number): ConsumedMessage => ({
  topic: 'customer-events',
  partition: 0,
  offset: String(offset),
  key: null,
  value: null,
  headers: {},
  timestamp: 0,
});
const log = (...events: CustomerEvent[]): LogEntry[] => events.map((event, i) => ({ kind: 'event', event, message: message(i) }));
const order = (customerId: string, eventId: string, eventTime: number, amountBase = 100, sourceOffset = 0): CustomerEvent => ({
  ...anOrderEvent({ customerId, eventId, eventTime, amountBase }),
  source: { topic: 'orders', partition: 0, offset: sourceOffset },
});
const nothingStored = new Map<string, StoredCustomer<CustomerRecord>>();

/** The rules with a bug that shows only for customers of one industry: their evaluation throws. */
const brokenFor = (industry: string): CompiledRules => ({
  ...rules,
  churn: {
    ...rules.churn,
    cadenceFor: (i) => {
      if (i === industry) throw new TypeError(`no cadence for ${i}`);
      return rules.churn.cadenceFor(i);
    },
  },
});

describe('a customer the fold fails on', () => {
  const profile = (customerId: string, eventId: string, eventTime: number, industry: 'OTHER') =>
    aProfileEvent({ customerId, eventId, eventTime, industry });

  it('has the event it fails on dead-lettered (processing_failed); it moves the clock, and the rest is as without it', () => {
    const broken = { ...applier, rules: brokenFor('OTHER') };
    const events = log(
      order('A', 'a1', T0 + HOUR),
      profile('P', 'p1', T0 + 4 * HOUR, 'OTHER'),
      order('P', 'p2', T0 + 2 * HOUR, 100, 1),
      order('A', 'a2', T0 + 3 * HOUR, 100, 2),
    );
    const folded = foldEntries(broken, events, nothingStored, T0);
    expect(folded.rejected.map((r) => [r.message.offset, r.cause.reason, r.cause.stage])).toEqual([
      ['1', 'processing_failed', 'segmenter'],
    ]);
    expect(folded.rejected[0]!.cause.message).toBe('TypeError: no cadence for OTHER');
    expect(folded.failures.map((f) => [f.customerId, f.eventId])).toEqual([['P', 'p1']]);
    expect(folded.watermark).toBe(T0 + 4 * HOUR);
    const withoutIt = foldEntries(
      applier,
      log(
        order('A', 'a1', T0 + HOUR),
        aTick(0, T0 + 4 * HOUR),
        order('P', 'p2', T0 + 2 * HOUR, 100, 1),
        order('A', 'a2', T0 + 3 * HOUR, 100, 2),
      ),
      nothingStored,
      T0,
    );
    expect(folded.commits).toEqual(withoutIt.commits);
    // Pure: the same batch again (a retry, a replay, a rebuild) fails on the same event the same way.
    expect(foldEntries(broken, events, nothingStored, T0)).toEqual(folded);
  });

  it('whose timer fails is left as it was, without a next evaluation time, and the batch goes on', () => {
    const first = foldEntries(applier, log(profile('P', 'p1', T0, 'OTHER'), order('P', 'p2', T0 + HOUR, 100, 1)), nothingStored, T0);
    const p = first.commits.find((c) => c.customerId === 'P')!;
    expect(p.state.nextEvaluationAt).not.toBeNull();
    const stored = new Map([['P', { customerId: 'P', version: '1', state: p.state, pending: new Map() }]]);
    const folded = foldEntries(
      { ...applier, rules: brokenFor('OTHER') },
      log(aTick(0, p.state.nextEvaluationAt! + HOUR), order('A', 'a1', p.state.nextEvaluationAt! + 2 * HOUR)),
      stored,
      T0 + HOUR,
    );
    expect(folded.failures.map((f) => [f.customerId, f.eventId, f.at])).toEqual([['P', null, p.state.nextEvaluationAt]]);
    expect(folded.commits.find((c) => c.customerId === 'P')!.state).toEqual({ ...p.state, nextEvaluationAt: null });
    expect(folded.timers.find((t) => t.customerId === 'P')!.at).toBeNull();
    expect(folded.counts.applied).toBe(1);
  });
});

describe('folding a batch', () => {
  it('moves the clock with applied records and ticks, in log order, never backwards', () => {
    const folded = foldEntries(
      applier,
      log(order('A', 'a1', T0 + 2 * HOUR), aTick(0, T0 + 5 * HOUR), order('B', 'b1', T0 + HOUR, 100, 1)),
      nothingStored,
      T0,
    );
    expect(folded.watermark).toBe(T0 + 5 * HOUR);
    expect(folded.counts).toEqual({ applied: 2, already_applied: 0, ignored: 1, erased: 0, timers: 0 });
  });

  it('applies nothing of an erased customer, whose records still move the clock as they would have', () => {
    const events = log(order('A', 'a1', T0 + 2 * HOUR), order('X', 'x1', T0 + 6 * HOUR, 100, 1), order('B', 'b1', T0 + 3 * HOUR, 100, 2));
    const kept = foldEntries(applier, events, nothingStored, T0);
    const folded = foldEntries({ ...applier, erased: (id) => id === 'X' }, events, nothingStored, T0);
    expect(folded.counts).toEqual({ applied: 2, already_applied: 0, ignored: 0, erased: 1, timers: 0 });
    expect(folded.commits.map((c) => c.customerId)).toEqual(['A', 'B']);
    expect(folded.decided.some((o) => o.value.customerId === 'X')).toBe(false);
    expect(folded.watermark).toBe(T0 + 6 * HOUR);
    // Everyone else's state is what it would have been had X not been erased.
    expect(folded.commits).toEqual(kept.commits.filter((c) => c.customerId !== 'X'));
  });

  it('dead-letters an event id seen again at a new source position, which does not move the clock', () => {
    const first = order('A', 'a1', T0, 100, 0);
    const retry = { ...order('A', 'a1', T0 + 9 * HOUR, 100, 1) }; // the same event id, a later claimed time
    const folded = foldEntries(applier, log(first, retry), nothingStored, null);
    expect(folded.rejected.map((r) => [r.message.offset, r.cause.reason, r.cause.stage])).toEqual([['1', 'duplicate', 'segmenter']]);
    expect(folded.watermark).toBe(T0);
    expect(folded.commits.map((c) => c.customerId)).toEqual(['A']);
    expect(folded.commits[0]!.state.features.lifetime.orders).toBe(1);
  });

  it('writes each customer once with all the changes it decided, evaluated after every event', () => {
    const folded = foldEntries(
      applier,
      log(order('A', 'a1', T0, 100, 0), order('A', 'a2', T0 + HOUR, 150, 1), order('A', 'a3', T0 + 2 * HOUR, 900, 2)),
      nothingStored,
      null,
    );
    expect(folded.commits).toHaveLength(1);
    expect(valueTierChanges(folded.decided).map((c) => [c.changeId, c.toSegment, c.detectedAt])).toEqual([
      ['A/value_tier/1', 'low', 42],
      ['A/value_tier/2', 'medium', 42],
      ['A/value_tier/3', 'high', 42],
    ]);
    expect(folded.commits[0]!.outputs).toEqual(folded.decided);
  });

  it('re-sends what an earlier crash left in the outbox, even when the batch itself is already applied', () => {
    const first = foldEntries(applier, log(order('A', 'a1', T0)), nothingStored, null);
    const kept = keptOutputs(encode, nothingStored, first.commits);
    const left = kept.commits[0]!;
    expect(left.outputs.map(([id]) => id)).toEqual(first.decided.map(outputId));
    const stored = new Map([
      [
        'A',
        { customerId: 'A', version: '0:0', state: left.state, pending: new Map(left.outputs) } satisfies StoredCustomer<CustomerRecord>,
      ],
    ]);
    const again = foldEntries(applier, log(order('A', 'a1', T0)), stored, first.watermark);
    expect(again.counts).toEqual({ applied: 0, already_applied: 1, ignored: 0, erased: 0, timers: 0 });
    expect(again.commits).toEqual([]);
    // The same bytes go to Kafka again, under the same ids and topics.
    const sent = (o: { kind: string; id: string; customerId: string; value: Buffer }) => [o.kind, o.id, o.customerId, o.value.toString()];
    expect(keptOutputs(encode, stored, again.commits).outgoing.map(sent)).toEqual(kept.outgoing.map(sent));
  });

  it('reads an outbox entry an earlier version kept as JSON, and refuses one it cannot read', () => {
    const change = foldEntries(applier, log(order('A', 'a1', T0)), nothingStored, null).decided.find((o) => o.kind === 'change')!;
    const legacy = fromOutbox('A', outputId(change), Buffer.from(JSON.stringify(change)), encode);
    expect(legacy).toEqual({ kind: 'change', id: outputId(change), customerId: 'A', value: encode(change), decided: change });
    expect(() => fromOutbox('A', 'A/x/1', Buffer.of(9, 0), encode)).toThrow(
      'outbox entry A/x/1 of customer A starts with 9, not an output kind (1-3)',
    );
  });

  it('keeps no outputs without an encoder (the state rebuild: all were acknowledged long ago)', () => {
    const first = foldEntries(applier, log(order('A', 'a1', T0)), nothingStored, null);
    const kept = keptOutputs(undefined, nothingStored, first.commits);
    expect(kept.outgoing).toEqual([]);
    expect(kept.commits.map((c) => [c.customerId, c.outputs])).toEqual([['A', []]]);
  });

  it('starts a customer with no stored record from an empty one', () => {
    const folded = foldEntries(applier, log(order('N', 'n1', T0)), nothingStored, null);
    expect(folded.commits[0]).toMatchObject({ customerId: 'N', expectedVersion: '' });
    expect(folded.commits[0]!.state.lastLogOffset).toBe(0);
    expect(emptyRecord().lastLogOffset).toBeNull();
  });
});

describe('timers', () => {
  it("fires a silent customer's timer where the clock passes it, and moves it on", () => {
    const first = foldEntries(applier, log(order('S', 's1', T0)), nothingStored, null);
    const state = first.commits[0]!.state;
    const due = state.nextEvaluationAt!;
    const stored = new Map([
      ['S', { customerId: 'S', version: '0:0', state, pending: new Map<string, Buffer>() } satisfies StoredCustomer<CustomerRecord>],
    ]);
    const before = foldEntries(applier, log(aTick(0, due - 1)), stored, T0);
    expect(before.counts.timers).toBe(0);
    expect(before.commits).toEqual([]);
    const after = foldEntries(applier, log(aTick(0, due - 1), aTick(0, due + 1)), stored, T0);
    expect(after.counts.timers).toBe(1);
    const moved = after.commits[0]!;
    expect(moved.customerId).toBe('S');
    expect(moved.state.nextEvaluationAt!).toBeGreaterThan(due);
    expect(after.timers).toEqual([{ customerId: 'S', at: moved.state.nextEvaluationAt }]);
  });

  it('re-indexes every customer a redelivered batch loads, though nothing about them changes (DESIGN.md invariant 10)', () => {
    // A crash after the commit and before the index write: the batch comes again, already applied.
    const first = foldEntries(applier, log(order('N', 'n1', T0)), nothingStored, null);
    const state = first.commits[0]!.state;
    const stored = new Map([
      ['N', { customerId: 'N', version: '0:0', state, pending: new Map<string, Buffer>() } satisfies StoredCustomer<CustomerRecord>],
    ]);
    const again = foldEntries(applier, log(order('N', 'n1', T0)), stored, T0);
    expect(again.counts.already_applied).toBe(1);
    expect(again.commits).toEqual([]);
    expect(again.timers).toEqual([{ customerId: 'N', at: state.nextEvaluationAt }]);
  });

  it('evaluates a customer whose timer the clock passes before applying the event that moved it', () => {
    const first = foldEntries(applier, log(order('S', 's1', T0)), nothingStored, null);
    const state = first.commits[0]!.state;
    const due = state.nextEvaluationAt!;
    const stored = new Map([
      ['S', { customerId: 'S', version: '0:0', state, pending: new Map<string, Buffer>() } satisfies StoredCustomer<CustomerRecord>],
    ]);
    const folded = foldEntries(applier, [{ kind: 'event', event: order('S', 's2', due + 1, 100, 1), message: message(1) }], stored, T0);
    expect(folded.counts).toMatchObject({ timers: 1, applied: 1 });
    const snapshots = folded.decided.flatMap((o) => (o.kind === 'snapshot' ? [o.value.eventTime] : []));
    expect(snapshots.every((t, i) => i === 0 || t >= snapshots[i - 1]!)).toBe(true);
  });
});

describe('outbox entries', () => {
  it('groups acknowledged change ids by customer', () => {
    const folded = foldEntries(
      applier,
      log(order('A', 'a1', T0, 100, 0), order('B', 'b1', T0, 300, 1), order('A', 'a2', T0, 150, 2)),
      nothingStored,
      null,
    );
    const entries = outboxEntries(keptOutputs(encode, nothingStored, folded.commits).outgoing);
    expect(entries.map((e) => e.customerId)).toEqual(['A', 'B']);
    expect(entries.flatMap((e) => e.ids).sort()).toEqual(folded.decided.map(outputId).sort());
    expect(entries[0]!.ids).toEqual(expect.arrayContaining(['A/value_tier/1', 'A/value_tier/2', 'A/lifecycle/1']));
  });
});
