import { describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '@segmentation/runtime';
import type { BatchContext, BatchDone, ConsumedBatch, ConsumedMessage } from './batch-consumer.ts';
import { describeFailure, isDependencyFailure, isolatePoison, PoisonStreak, type Attempts } from './poison-records.ts';

const message = (offset: number): ConsumedMessage => ({
  topic: 'customer-events',
  partition: 2,
  offset: String(offset),
  key: null,
  value: null,
  headers: {},
  timestamp: 0,
});
const batchOf = (offsets: number[]): ConsumedBatch => ({ topic: 'customer-events', partition: 2, messages: offsets.map(message) });
const ctx: BatchContext = { heartbeat: () => Promise.resolve(), isStale: () => false, committedMetadata: 'applied=' };

/** A role that applies records in order, its metadata the offsets applied so far, and breaks on the poison offsets. */
function role(poison: Set<string>, streak = new PoisonStreak(10)) {
  const applied: string[] = [];
  const startedFrom: Array<string | null> = [];
  const heldUntilDone: string[] = [];
  const attempts: Attempts = {
    streak,
    runUntilDone(batch, c) {
      // What a fix deployed meanwhile looks like: the record that failed goes through.
      heldUntilDone.push(...batch.messages.map((m) => m.offset));
      streak.applied();
      applied.push(...batch.messages.map((m) => m.offset));
      return Promise.resolve({ metadata: `${c.committedMetadata}${batch.messages.map((m) => m.offset).join(',')},` });
    },
    run(batch, c) {
      startedFrom.push(c.committedMetadata);
      if (batch.messages.some((m) => poison.has(m.offset)))
        return Promise.resolve({ failed: new TypeError('cannot read properties of undefined') });
      applied.push(...batch.messages.map((m) => m.offset));
      const done: BatchDone = { metadata: `${c.committedMetadata}${batch.messages.map((m) => m.offset).join(',')},` };
      streak.applied();
      return Promise.resolve({ done });
    },
  };
  return { applied, startedFrom, heldUntilDone, attempts };
}

describe('a record that keeps failing', () => {
  it('is found by halving the batch, dead-lettered and skipped; the rest is applied in log order, each part from the metadata of the one before', async () => {
    const r = role(new Set(['5']));
    const dead: string[] = [];
    const done = await isolatePoison(batchOf([0, 1, 2, 3, 4, 5, 6, 7]), ctx, new TypeError('boom'), r.attempts, {
      attempts: 3,
      deadLetter: (m) => {
        dead.push(m.offset);
        return Promise.resolve();
      },
    });
    expect(dead).toEqual(['5']);
    expect(r.applied).toEqual(['0', '1', '2', '3', '4', '6', '7']);
    expect(done).toEqual({ metadata: 'applied=0,1,2,3,4,6,7,' });
    expect(r.startedFrom.at(-1)).toBe('applied=0,1,2,3,4,');
  });

  it('dead-letters each of several poison records, and a batch of one at once', async () => {
    const r = role(new Set(['1', '2']));
    const dead: string[] = [];
    const deadLetter = (m: ConsumedMessage) => {
      dead.push(m.offset);
      return Promise.resolve();
    };
    await isolatePoison(batchOf([0, 1, 2, 3]), ctx, new Error('boom'), r.attempts, { attempts: 1, deadLetter });
    expect(dead).toEqual(['1', '2']);
    expect(r.applied).toEqual(['0', '3']);
    const alone = role(new Set(['9']));
    expect(await isolatePoison(batchOf([9]), ctx, new Error('boom'), alone.attempts, { attempts: 1, deadLetter })).toEqual({
      metadata: 'applied=',
    });
    expect(alone.startedFrom).toEqual([]);
  });
});

describe('records failing one after another with none applied between', () => {
  it('are a fault of the role, not of the records: after the streak limit the role holds the partition instead of dead-lettering the stream', async () => {
    const r = role(new Set(['0', '1', '2', '3']), new PoisonStreak(3));
    const dead: string[] = [];
    const done = await isolatePoison(batchOf([0, 1, 2, 3, 4, 5]), ctx, new TypeError('boom'), r.attempts, {
      attempts: 1,
      deadLetter: (m) => {
        dead.push(m.offset);
        return Promise.resolve();
      },
    });
    expect(dead).toEqual(['0', '1', '2']);
    // The next record is retried in place until it goes through (here: a fix deployed), never skipped.
    expect(r.heldUntilDone).toEqual(['3']);
    expect(done).toEqual({ metadata: 'applied=3,4,5,' });
  });

  it('is broken by any record applied: scattered poison records are each dead-lettered', async () => {
    const r = role(new Set(['0', '2', '4', '6']), new PoisonStreak(2));
    const dead: string[] = [];
    await isolatePoison(batchOf([0, 1, 2, 3, 4, 5, 6, 7]), ctx, new TypeError('boom'), r.attempts, {
      attempts: 1,
      deadLetter: (m) => {
        dead.push(m.offset);
        return Promise.resolve();
      },
    });
    expect(dead).toEqual(['0', '2', '4', '6']);
    expect(r.heldUntilDone).toEqual([]);
  });
});

describe("a dependency's failure", () => {
  it("is told from a record's: services away, Kafka, Redis connection and cluster errors, socket errors", () => {
    expect(isDependencyFailure(new ServiceUnavailableError('Redis', 'redis://127.0.0.1:6379', new Error('ECONNREFUSED')))).toBe(true);
    expect(isDependencyFailure(Object.assign(new Error('broker went away'), { name: 'KafkaJSConnectionError' }))).toBe(true);
    expect(
      isDependencyFailure(Object.assign(new Error('Reached the max retries per request limit'), { name: 'MaxRetriesPerRequestError' })),
    ).toBe(true);
    expect(isDependencyFailure(new Error('Connection is closed.'))).toBe(true);
    expect(isDependencyFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(
      isDependencyFailure(
        new Error('wrapped', { cause: Object.assign(new Error('CLUSTERDOWN The cluster is down'), { code: 'CLUSTERDOWN' }) }),
      ),
    ).toBe(true);
    expect(isDependencyFailure(new TypeError("Cannot read properties of undefined (reading 'amount')"))).toBe(false);
    expect(isDependencyFailure(new RangeError('Invalid time value'))).toBe(false);
  });

  it('is described by class and message only, shortened', () => {
    expect(describeFailure(new RangeError('Invalid time value'))).toBe('RangeError: Invalid time value');
    expect(describeFailure(new Error('x'.repeat(1000)))).toHaveLength(500);
  });
});
