import { describe, expect, it } from 'vitest';
import { anOrderEvent, aTick, type CustomerEvent } from '@segmentation/contracts';
import type { ConsumedMessage } from '@segmentation/kafka';
import { calendarFor, emptyRecord, type CustomerRecord, type Rules } from '@segmentation/segmentation';
import type { StoredCustomer } from '@segmentation/state';
import { foldEntries, outboxEntries, type LogEntry } from './apply-batch.ts';

const rules: Rules = { version: 'r1', valueTier: { highEnter: 1000, highExit: 800, mediumEnter: 200, mediumExit: 150 } };
const applier = { rules, options: { calendar: calendarFor('Asia/Shanghai') }, now: () => 42 };
const T0 = Date.UTC(2026, 0, 5, 2, 0, 0);
const HOUR = 3_600_000;

const message = (offset: number): ConsumedMessage => ({ topic: 'customer-events', partition: 0, offset: String(offset), key: null, value: null, headers: {}, timestamp: 0 });
const log = (...events: CustomerEvent[]): LogEntry[] => events.map((event, i) => ({ kind: 'event', event, message: message(i) }));
const order = (customerId: string, eventId: string, eventTime: number, amountBase = 100, sourceOffset = 0): CustomerEvent =>
  ({ ...anOrderEvent({ customerId, eventId, eventTime, amountBase }), source: { topic: 'orders', partition: 0, offset: sourceOffset } });
const nothingStored = new Map<string, StoredCustomer<CustomerRecord>>();

describe('folding a batch', () => {
  it('moves the clock with applied records and ticks, in log order, never backwards', () => {
    const folded = foldEntries(applier, log(order('A', 'a1', T0 + 2 * HOUR), aTick(0, T0 + 5 * HOUR), order('B', 'b1', T0 + HOUR, 100, 1)), nothingStored, T0);
    expect(folded.watermark).toBe(T0 + 5 * HOUR);
    expect(folded.counts).toEqual({ applied: 2, already_applied: 0, ignored: 1 });
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
    const folded = foldEntries(applier, log(order('A', 'a1', T0, 100, 0), order('A', 'a2', T0 + HOUR, 150, 1), order('A', 'a3', T0 + 2 * HOUR, 900, 2)), nothingStored, null);
    expect(folded.commits).toHaveLength(1);
    expect(folded.outgoing.map((c) => [c.changeId, c.toSegment, c.detectedAt])).toEqual([['A/value_tier/1', 'low', 42], ['A/value_tier/2', 'medium', 42], ['A/value_tier/3', 'high', 42]]);
    expect(folded.commits[0]!.outputs.map(([id]) => id)).toEqual(['A/value_tier/1', 'A/value_tier/2', 'A/value_tier/3']);
  });

  it('re-sends what an earlier crash left in the outbox, even when the batch itself is already applied', () => {
    const first = foldEntries(applier, log(order('A', 'a1', T0)), nothingStored, null);
    const left = first.commits[0]!;
    const stored = new Map([['A', { customerId: 'A', version: '0:0', state: left.state, pending: new Map(left.outputs) } satisfies StoredCustomer<CustomerRecord>]]);
    const again = foldEntries(applier, log(order('A', 'a1', T0)), stored, first.watermark);
    expect(again.counts).toEqual({ applied: 0, already_applied: 1, ignored: 0 });
    expect(again.commits).toEqual([]);
    expect(again.outgoing.map((c) => c.changeId)).toEqual(['A/value_tier/1']);
  });

  it('starts a customer with no stored record from an empty one', () => {
    const folded = foldEntries(applier, log(order('N', 'n1', T0)), nothingStored, null);
    expect(folded.commits[0]).toMatchObject({ customerId: 'N', expectedVersion: '' });
    expect(folded.commits[0]!.state.lastLogOffset).toBe(0);
    expect(emptyRecord().lastLogOffset).toBeNull();
  });
});

describe('outbox entries', () => {
  it('groups acknowledged change ids by customer', () => {
    const folded = foldEntries(applier, log(order('A', 'a1', T0, 100, 0), order('B', 'b1', T0, 300, 1), order('A', 'a2', T0, 150, 2)), nothingStored, null);
    expect(outboxEntries(folded.outgoing)).toEqual([{ customerId: 'A', ids: ['A/value_tier/1', 'A/value_tier/2'] }, { customerId: 'B', ids: ['B/value_tier/1'] }]);
  });
});
