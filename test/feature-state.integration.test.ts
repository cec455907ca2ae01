// The customer feature state against real Redis, a single server and a Redis Cluster of three
// masters, through the same code the segmenter runs per batch (apply-batch.ts): replay changes
// nothing, moderate reordering gives the same features, a duplicate event id is dead-lettered, the
// timer index follows the records, and on a cluster every round trip goes to one node.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTick, type CustomerEvent } from '@segmentation/contracts';
import { AvroCodec, type ConsumedMessage } from '@segmentation/kafka';
import { loadConfig, loadRules } from '@segmentation/app';
import { calendarFor, encodeRecord, featureValues, profileAttributes, type CustomerRecord } from '@segmentation/segmentation';
import { applyBatch, outboxEntries, outputEncoder, type BatchApplier, type LogEntry } from '@segmentation/segmenter';
import { createCustomerReader, customerRecordCodec } from '@segmentation/readers';
import { createRandom, simulateHistory } from '@segmentation/simulator';
import {
  connectRedis,
  customerKey,
  CustomerStateStore,
  EvaluationTimers,
  groupByNode,
  timersKey,
  type RedisClient,
} from '@segmentation/state';
import { startRedisCluster } from './harness/redis-cluster.ts';
import { testServices } from './harness/services.ts';
import { uniqueName } from './harness/unique.ts';

const PARTITION = 3;
const DAY_MS = 86_400_000;
const BATCH = 250;
const calendar = calendarFor('Asia/Shanghai');
const rules = loadRules(loadConfig({}));

/** 120 customers over 120 days: a few thousand events of every kind, in log (event-time) order. */
let history: CustomerEvent[] = [];
beforeAll(async () => {
  history = await simulateHistory({ seed: 11, customers: 120, days: 120, start: '2025-01-06' });
  expect(history.length).toBeGreaterThan(3000);
});

/** The log entries the segmenter would consume: each event at its offset of one partition. */
const asLog = (events: readonly CustomerEvent[], firstOffset = 0): LogEntry[] =>
  events.map((event, i) => ({ kind: 'event', event, message: logMessage(event, firstOffset + i) }));
const logMessage = (event: CustomerEvent, offset: number): ConsumedMessage => ({
  topic: 'customer-events',
  partition: PARTITION,
  offset: String(offset),
  key: Buffer.from(event.customerId),
  value: null,
  headers: {},
  timestamp: 0,
});

interface Fed {
  watermark: number | null;
  changeIds: string[];
  counts: { applied: number; already_applied: number; ignored: number };
  rejected: Array<{ offset: string; reason: string }>;
}

/** Feeds the log batch by batch as the segmenter does, treating every output as acknowledged. */
async function feed(applier: BatchApplier, entries: readonly LogEntry[], watermark: number | null = null): Promise<Fed> {
  const fed: Fed = { watermark, changeIds: [], counts: { applied: 0, already_applied: 0, ignored: 0 }, rejected: [] };
  for (let i = 0; i < entries.length; i += BATCH) {
    const batch = entries.slice(i, i + BATCH);
    const result = await applyBatch(applier, PARTITION, batch, fed.watermark, `${PARTITION}:${batch.at(-1)!.message.offset}`);
    await applier.store.clearPending(outboxEntries(result.outgoing));
    await applier.timers.schedule(PARTITION, result.timers);
    fed.watermark = result.watermark;
    fed.changeIds.push(...result.outgoing.map((o) => o.id));
    for (const k of ['applied', 'already_applied', 'ignored'] as const) fed.counts[k] += result.counts[k];
    fed.rejected.push(...result.rejected.map((r) => ({ offset: r.message.offset, reason: r.cause.reason })));
  }
  return fed;
}

/** Every stored customer's record, found by scanning every master. */
async function storedRecords(store: CustomerStateStore<CustomerRecord>): Promise<Map<string, CustomerRecord>> {
  const all = new Map<string, CustomerRecord>();
  for await (const ids of store.customerIds(100)) {
    for (const [id, stored] of await store.load(ids)) all.set(id, stored.state!);
  }
  return all;
}
const digest = (records: Map<string, CustomerRecord>) =>
  new Map([...records].map(([id, r]) => [id, Buffer.from(encodeRecord(r)).toString('hex')]));

/** Shuffles each run of `block` consecutive events: disorder of about a day, as late deliveries cause. */
function shuffleWithinBlocks(events: readonly CustomerEvent[], block: number, seed: number): CustomerEvent[] {
  const random = createRandom(seed, 'reorder');
  const out: CustomerEvent[] = [];
  for (let i = 0; i < events.length; i += block) {
    const chunk = events.slice(i, i + block);
    for (let j = chunk.length - 1; j > 0; j--) {
      const k = Math.floor(random.next() * (j + 1));
      [chunk[j], chunk[k]] = [chunk[k]!, chunk[j]!];
    }
    out.push(...chunk);
  }
  return out;
}

interface Deployment {
  redis: RedisClient;
  stop: () => Promise<void>;
}

const deployments: Array<[string, () => Promise<Deployment>]> = [
  [
    'a single Redis',
    async () => {
      const redis = await connectRedis(testServices().redisUrl);
      return {
        redis,
        stop: () => {
          redis.disconnect();
          return Promise.resolve();
        },
      };
    },
  ],
  [
    'a Redis Cluster of three masters',
    async () => {
      const cluster = await startRedisCluster();
      const redis = await connectRedis(cluster.url);
      return {
        redis,
        stop: async () => {
          redis.disconnect();
          await cluster.stop();
        },
      };
    },
  ],
];

describe.each(deployments)('customer feature state on %s', (_, open) => {
  let deployment: Deployment;
  let redis: RedisClient;
  const prefixes: string[] = [];

  beforeAll(async () => {
    deployment = await open();
    redis = deployment.redis;
  });

  afterAll(async () => {
    for (const prefix of prefixes) {
      const store = new CustomerStateStore(redis, prefix, customerRecordCodec);
      for await (const ids of store.customerIds()) for (const id of ids) await redis.del(customerKey(prefix, id));
      await redis.del(timersKey(prefix, PARTITION));
    }
    await deployment.stop();
  });

  const anApplier = (): BatchApplier => {
    const prefix = `${uniqueName('fs')}:`;
    prefixes.push(prefix);
    return {
      store: new CustomerStateStore(redis, prefix, customerRecordCodec),
      timers: new EvaluationTimers(redis, prefix),
      rules,
      options: { calendar },
      now: () => 0,
      encode: outputEncoder(new AvroCodec('http://127.0.0.1:1'), { change: 0, alert: 0, snapshot: 0 }),
    };
  };

  it('stores every customer once, and replaying batches or the whole log changes nothing', async () => {
    const applier = anApplier();
    const log = asLog(history);
    const first = await feed(applier, log);
    expect(first.counts.applied).toBe(history.length);
    expect(first.rejected).toEqual([]);
    const before = digest(await storedRecords(applier.store));
    expect(before.size).toBe(new Set(history.map((e) => e.customerId)).size);

    // A crash before the commit redelivers the last batches; a lost consumer group replays everything.
    const lastBatches = await feed(applier, log.slice(-3 * BATCH), first.watermark);
    const everything = await feed(applier, log, first.watermark);
    for (const replay of [lastBatches, everything]) {
      expect(replay.counts.applied).toBe(0);
      expect(replay.changeIds).toEqual([]);
      expect(replay.rejected).toEqual([]);
    }
    expect(everything.counts.already_applied).toBe(history.length);
    expect(digest(await storedRecords(applier.store))).toEqual(before);
  });

  it('computes the same features whether events arrive in event-time order or up to a day out of it', async () => {
    const sortedApplier = anApplier();
    const shuffledApplier = anApplier();
    const shuffled = shuffleWithinBlocks(history, 200, 5);
    expect(shuffled.map((e) => e.eventId)).not.toEqual(history.map((e) => e.eventId));
    const sorted = await feed(sortedApplier, asLog(history));
    const reordered = await feed(shuffledApplier, asLog(shuffled));
    expect(reordered.watermark).toBe(sorted.watermark);

    const a = await storedRecords(sortedApplier.store);
    const b = await storedRecords(shuffledApplier.store);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    const at = sorted.watermark!;
    for (const [id, record] of a) {
      const other = b.get(id)!;
      expect({ id, features: featureValues(other.features, at, calendar), profile: profileAttributes(other.features) }).toEqual({
        id,
        features: featureValues(record.features, at, calendar),
        profile: profileAttributes(record.features),
      });
      expect(other.features.lifetime).toEqual(record.features.lifetime);
    }
  });

  it('dead-letters the same event id at a new offset as a duplicate, and counts it once', async () => {
    const applier = anApplier();
    const fed = await feed(applier, asLog(history));
    const before = digest(await storedRecords(applier.store));
    const again = history.at(-1)!; // recent enough to be in the customer's memory of event ids
    const retried = await feed(applier, asLog([again], history.length), fed.watermark);
    expect(retried.rejected).toEqual([{ offset: String(history.length), reason: 'duplicate' }]);
    expect(retried.counts.applied).toBe(0);
    expect(digest(await storedRecords(applier.store))).toEqual(before);
  });

  it("keeps every customer's next evaluation time in the partition's timer index", async () => {
    const applier = anApplier();
    await feed(applier, asLog(history));
    const records = await storedRecords(applier.store);
    const due = new Map((await applier.timers.due(PARTITION, Number.MAX_SAFE_INTEGER, 10_000)).map((t) => [t.customerId, t.at]));
    const scheduled = [...records].filter(([, r]) => r.nextEvaluationAt !== null);
    expect(scheduled.length).toBeGreaterThan(0);
    expect(due).toEqual(new Map(scheduled.map(([id, r]) => [id, r.nextEvaluationAt])));
    // Each timer lies after the clock the customer was last evaluated at; the earliest come first.
    for (const [, r] of scheduled) expect(r.nextEvaluationAt!).toBeGreaterThan(r.features.asOf!);
    const earliest = Math.min(...due.values());
    expect(await applier.timers.due(PARTITION, earliest)).toEqual(
      [...due].filter(([, at]) => at === earliest).map(([customerId, at]) => ({ customerId, at })),
    );
  });

  it('re-sends what timers decided when a crash came before the acknowledgement: the timers stay due until then', async () => {
    const applier = anApplier();
    const fed = await feed(applier, asLog(history));
    // Months of silence pass in one tick: many customers' timers fire and decide outputs.
    const tick: LogEntry[] = [
      { kind: 'event', event: aTick(PARTITION, fed.watermark! + 200 * DAY_MS), message: logMessage(aTick(PARTITION, 0), history.length) },
    ];
    const version = `${PARTITION}:${history.length}`;
    const decided = await applyBatch(applier, PARTITION, tick, fed.watermark, version);
    expect(decided.counts.timers).toBeGreaterThan(0);
    expect(decided.outgoing.length).toBeGreaterThan(0);
    // Crash: nothing produced, outboxes not cleared, timers not moved, offset not committed. The tick comes again.
    const again = await applyBatch(applier, PARTITION, tick, fed.watermark, version);
    expect(again.counts.timers).toBe(0);
    expect(again.outgoing.map((o) => o.id).sort()).toEqual(decided.outgoing.map((o) => o.id).sort());
  });

  it("reads one customer's features, and lists every customer without blocking Redis", async () => {
    const applier = anApplier();
    const fed = await feed(applier, asLog(history));
    const reader = createCustomerReader(redis, prefixes.at(-1)!, 'Asia/Shanghai');
    const ids: string[] = [];
    for await (const page of reader.customerIds(50)) ids.push(...page);
    const records = await storedRecords(applier.store);
    expect(ids.sort()).toEqual([...records.keys()].sort());

    const [id, record] = [...records].find(([, r]) => r.features.lifetime.orders > 3)!;
    const view = (await reader.customer(id, fed.watermark!))!;
    expect(view).toMatchObject({
      customerId: id,
      asOf: fed.watermark,
      memberships: record.memberships,
      nextEvaluationAt: record.nextEvaluationAt,
    });
    expect(view.features).toEqual(featureValues(record.features, fed.watermark!, calendar));
    expect(view.features.lifetime_orders).toBe(record.features.lifetime.orders);
    expect(view.profile).toEqual(profileAttributes(record.features));
    expect(await reader.customer('nobody')).toBeUndefined();
  });

  it('sends each batch to Redis in one pipeline per node that holds its customers', async () => {
    const applier = anApplier();
    await feed(applier, asLog(history));
    const ids = [...(await storedRecords(applier.store)).keys()];
    const groups = groupByNode(
      redis,
      ids.map((id) => customerKey('p:', id)),
    );
    const masters = 'nodes' in redis ? redis.nodes('master') : [redis];
    expect(groups).toHaveLength(masters.length);
    const perMaster = await Promise.all(
      masters.map(async (node) => (await node.keys(`${customerKey(prefixes.at(-1)!, '').slice(0, -1)}*`)).length),
    );
    expect(perMaster.reduce((a, b) => a + b, 0)).toBe(ids.length);
    for (const n of perMaster) expect(n).toBeGreaterThan(0);
  });
});
