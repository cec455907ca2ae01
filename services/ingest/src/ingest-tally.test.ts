import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { ConsumedBatch } from '@segmentation/kafka';
import { IngestTally, type MessageOutcome } from './ingest-tally.ts';

const batch = (from: number, to: number): ConsumedBatch => ({
  topic: 'orders',
  partition: 0,
  messages: Array.from({ length: to - from + 1 }, (_, i) => ({
    topic: 'orders',
    partition: 0,
    offset: String(from + i),
    key: null,
    value: null,
    headers: {},
    timestamp: 0,
  })),
});
const outcomes = (n: number): MessageOutcome[] =>
  Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 'forwarded' : i % 3 === 1 ? 'erased' : { deadLettered: 'invalid_value' }));

async function totals(metrics: Registry) {
  const sum = async (name: string) => (await metrics.getSingleMetric(name)!.get()).values.reduce((s, v) => s + v.value, 0);
  return {
    consumed: await sum('ingest_messages_consumed_total'),
    applied: await sum('ingest_messages_applied_total'),
    erased: await sum('ingest_messages_erased_total'),
    deadLettered: await sum('ingest_messages_dead_lettered_total'),
  };
}

describe("ingest's counters", () => {
  it('keep consumed = applied + dead-lettered + erased when a handled batch comes again, whole or overlapping', async () => {
    const metrics = new Registry();
    const tally = new IngestTally(metrics);
    tally.handled(batch(0, 5), outcomes(6));
    tally.handled(batch(0, 5), outcomes(6)); // its commit failed: the same batch again
    tally.handled(batch(3, 8), outcomes(6)); // after a rebalance, overlapping
    const t = await totals(metrics);
    expect(t).toEqual({ consumed: 9, applied: 3, erased: 3, deadLettered: 3 });
    expect(t.consumed).toBe(t.applied + t.erased + t.deadLettered);
  });
});
