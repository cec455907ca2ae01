import { describe, expect, it } from 'vitest';
import { anOrderEvent, type CustomerEvent } from '@segmentation/contracts';
import { featureValues } from './customer-features.ts';
import { applyToRecord, emptyRecord, type CustomerRecord } from './feature-record.ts';
import { CUSTOMER, DAY, foldRecord, heavyHistory, ORIGIN } from './feature-fixtures.ts';

const order = (eventId: string, offset: number, eventTime = ORIGIN): CustomerEvent => ({
  ...anOrderEvent({ customerId: CUSTOMER, eventId, eventTime }),
  source: { topic: 'orders', partition: 0, offset },
});

function applied(record: CustomerRecord, event: CustomerEvent, logOffset: number): CustomerRecord {
  const outcome = applyToRecord(record, event, logOffset, event.eventTime);
  if (outcome.kind !== 'applied') throw new Error(`expected applied, got ${outcome.kind}`);
  return outcome.record;
}

describe('applying log records to a customer record', () => {
  it('changes nothing when a batch is replayed at the same log offsets', () => {
    const batch = heavyHistory(30);
    const once = foldRecord(batch);
    batch.forEach((event, i) => {
      expect(applyToRecord(once, event, i, event.eventTime)).toEqual({ kind: 'already_applied' });
    });
    expect(featureValues(once.features, ORIGIN + 30 * DAY).lifetime_orders).toBeGreaterThan(0);
  });

  it('treats a record re-forwarded from an applied source position as already applied', () => {
    const record = applied(emptyRecord(), order('E-1', 5), 10);
    expect(applyToRecord(record, order('E-1b', 5), 11, ORIGIN)).toEqual({ kind: 'already_applied' });
    expect(applyToRecord(record, order('E-1c', 4), 11, ORIGIN)).toEqual({ kind: 'already_applied' });
  });

  it('recognises the same event id at a new source and log offset as a duplicate, and counts it once', () => {
    const record = applied(emptyRecord(), order('E-1', 5), 10);
    expect(applyToRecord(record, order('E-1', 6), 11, ORIGIN)).toEqual({ kind: 'duplicate' });
    const next = applied(record, order('E-2', 7), 12);
    expect(featureValues(next.features, ORIGIN).lifetime_orders).toBe(2);
    expect(next.lastLogOffset).toBe(12);
    expect(next.appliedSources).toEqual({ 'orders:0': 7 });
  });

  it('applies an id again once it has left the bounded memory (the documented limit)', () => {
    let record = applied(emptyRecord(), order('E-0', 0), 0);
    for (let i = 1; i <= 32; i += 1) record = applied(record, order(`E-${i}`, i), i);
    expect(applyToRecord(record, order('E-0', 100), 100, ORIGIN).kind).toBe('applied');
    expect(applyToRecord(record, order('E-1', 100), 100, ORIGIN).kind).toBe('duplicate');
  });

  it('rebuilds the same record from the log, however it was batched', () => {
    const events = heavyHistory(60);
    const whole = foldRecord(events);
    const half = Math.floor(events.length / 2);
    const inTwo = foldRecord(events.slice(half), foldRecord(events.slice(0, half)), half);
    expect(inTwo).toEqual(whole);
  });
});
