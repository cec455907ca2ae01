// Bounded batches: after a month without records, one tick passes the timers of every customer of
// the partition at once. Through real Redis, the segmenter's partition log fires the ones due before
// the tick in pages (never more than TIMER_PAGE customers loaded by one fold) and decides exactly
// what daily ticks over the same month decide. And when a day of history passes thousands of
// timers inside one batch, runs are cut so that no fold passes more than a page of them, deciding
// what the same records decide one by one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { anOrderEvent, aTick, type CustomerEvent } from '@segmentation/contracts';
import type { ConsumedMessage } from '@segmentation/kafka';
import { calendarFor, compileRules } from '@segmentation/segmentation';
import { runPartitionLog, RulesBook, TIMER_PAGE, type LogEntry, type Output, type PartitionRunner } from '@segmentation/segmenter';
import { customerRecordCodec } from '@segmentation/readers';
import { connectRedis, CustomerStateStore, deleteKeysWithPrefix, EvaluationTimers, type RedisClient } from '@segmentation/state';
import { createLogger } from '@segmentation/runtime';
import { testServices } from './harness/services.ts';
import { uniqueName } from './harness/unique.ts';

const CUSTOMERS = 50_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 2, 1, 0, 0);
const services = testServices();
const run = uniqueName('timer-pages');
const rulesText = readFileSync(join(import.meta.dirname, '..', 'config', 'rules.yaml'), 'utf8');
const rules = compileRules(rulesText, 'config/rules.yaml');
let redis: RedisClient | undefined;

afterAll(async () => {
  if (redis) {
    await deleteKeysWithPrefix(redis, `${run}`);
    redis.disconnect();
  }
});

/** One partition's log run on real Redis under `prefix`; what it decided, and the most customers one fold loaded. */
async function partitionRun(client: RedisClient, prefix: string) {
  const decided = new Map<string, unknown>();
  let mostLoaded = 0;
  const store = new CustomerStateStore(client, prefix, customerRecordCodec);
  const timers = new EvaluationTimers(client, prefix);
  const runner: PartitionRunner = {
    store,
    timers,
    options: { calendar: calendarFor('Asia/Shanghai') },
    now: () => 0,
    logger: createLogger({ service: 'timer-pages-test' }, 'silent'),
    book: new RulesBook(() => Promise.resolve([{ version: rules.version, content: rulesText, appliedAt: 0, appliedBy: 'test', note: '' }])),
    encode: (o: Output) => Buffer.from(`\0${o.kind}`),
    async emit(partition, outgoing, next) {
      for (const o of outgoing) if (o.decided && o.kind !== 'snapshot') decided.set(o.id, o.decided.value);
      await timers.schedule(partition, next);
    },
    observe: {
      applied: (_, applied) => {
        mostLoaded = Math.max(mostLoaded, applied.timers.length);
      },
    },
  };
  await runner.book.refresh();
  let offset = 0;
  let mark = { watermark: null as number | null, rulesVersion: null as string | null };
  const feed = async (events: CustomerEvent[]) => {
    const entries: LogEntry[] = events.map((event) => ({
      kind: 'event',
      event,
      message: {
        topic: 'customer-events',
        partition: 0,
        offset: String(offset++),
        key: null,
        value: null,
        headers: {},
        timestamp: 0,
      } satisfies ConsumedMessage,
    }));
    mark = await runPartitionLog(runner, 0, entries, mark, () => Promise.resolve());
  };
  return { decided, feed, mostLoaded: () => mostLoaded };
}

const orders = (): CustomerEvent[] =>
  Array.from({ length: CUSTOMERS }, (_, i) => ({
    ...anOrderEvent({
      customerId: `C${String(i).padStart(6, '0')}`,
      eventId: `o-${i}`,
      eventTime: T0 + Math.floor((i * DAY) / CUSTOMERS),
      amountBase: 100 + (i % 500) * 40,
    }),
    source: { topic: 'orders', partition: 0, offset: i },
  }));

describe('a month of silence, then one tick', () => {
  it('fires every timer in pages and decides what daily ticks decide', async () => {
    redis = await connectRedis(services.redisUrl);
    const once = await partitionRun(redis, `${run}:once:`);
    const daily = await partitionRun(redis, `${run}:daily:`);
    await once.feed(orders());
    await daily.feed(orders());
    const end = T0 + 31 * DAY;
    await once.feed([aTick(0, end)]);
    for (let t = T0 + DAY; t <= end; t += DAY) await daily.feed([aTick(0, Math.min(t, end))]);
    expect(once.mostLoaded()).toBeLessThanOrEqual(TIMER_PAGE);
    expect(once.decided.size).toBeGreaterThan(CUSTOMERS); // every customer decided something after the orders
    expect(new Map([...once.decided].sort())).toEqual(new Map([...daily.decided].sort()));
  }, 600_000);
});

describe('a history whose days pass many timers inside one batch', () => {
  it('cuts its runs so no fold passes more than a page of timers, and decides what it decides record by record', async () => {
    redis ??= await connectRedis(services.redisUrl);
    const customers = 6000;
    const id = (i: number) => `H${String(i).padStart(5, '0')}`;
    // Everyone orders on the first day, so their timers fall due together; then a tenth of them a day
    // for three weeks: a batch of those records spans the day on which thousands of timers are due.
    const times: Array<{ customer: number; at: number }> = [];
    for (let i = 0; i < customers; i++) times.push({ customer: i, at: T0 + Math.floor((i * DAY) / customers) });
    for (let day = 1; day <= 21; day++)
      for (let k = 0; k < customers / 10; k++)
        times.push({ customer: (day * 7919 + k * 31) % customers, at: T0 + day * DAY + Math.floor((k * DAY) / (customers / 10)) });
    const events: CustomerEvent[] = times.map(({ customer, at }, i) => ({
      ...anOrderEvent({ customerId: id(customer), eventId: `h-${i}`, eventTime: at, amountBase: 100 + (i % 500) * 40 }),
      source: { topic: 'orders', partition: 0, offset: i },
    }));
    const batched = await partitionRun(redis, `${run}:batched:`);
    const oneByOne = await partitionRun(redis, `${run}:one-by-one:`);
    await batched.feed(events);
    for (const e of events) await oneByOne.feed([e]);
    // A fold loads its records' customers (a slice has as many records as a page) and at most a page
    // of passed timers: 1,440 here; uncut, the slice spanning the day the first orders' timers fall
    // due loaded 2,374.
    expect(TIMER_PAGE).toBe(1000);
    expect(batched.mostLoaded()).toBeLessThanOrEqual(2 * TIMER_PAGE);
    expect(batched.decided.size).toBeGreaterThan(customers);
    expect(new Map([...batched.decided].sort())).toEqual(new Map([...oneByOne.decided].sort()));
  }, 600_000);
});
