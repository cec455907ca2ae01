// Scale-out (DESIGN.md invariants 2, 4 and 10, "Scale beyond one machine"): the same simulated log,
// processed once by one segmenter process against one Redis (run A, the reference) and once by
// three segmenter processes in one consumer group against a Redis Cluster of three masters, one of
// them killed midway and started again (run B), leaves every customer with the same stored record
// and emits the same segment changes, churn alerts and feature snapshots. Run B may emit an output
// twice after the kill (at-least-once, with deterministic ids); an id missing from one run or extra
// in it may not, and every copy of an id carries the same output.
//
// Both runs are child processes (`node services/app/src/main.ts`, ROLES=segmenter), run A too: the
// same entry point, configuration parsing and shutdown as run B, so a difference between the runs
// can only come from what differs on purpose (one process or three, one Redis or a cluster, the
// kill), and the segmenters' CPU is not shared with the test's own event loop.
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { segmenterGroupId } from '@segmentation/app';
import {
  avroSchemas,
  CUSTOMER_EVENTS_PARTITIONS,
  topicNames,
  type ChurnAlert,
  type CustomerEvent,
  type FeatureSnapshot,
  type SegmentChange,
} from '@segmentation/contracts';
import { AvroCodec, createKafka, provisionPipeline, readTopicToEnd } from '@segmentation/kafka';
import { createLogger } from '@segmentation/runtime';
import type { CustomerRecord } from '@segmentation/segmentation';
import { customerRecordCodec } from '@segmentation/readers';
import { parseOptions, runSimulation } from '@segmentation/simulator';
import { connectRedis, CustomerStateStore, type StoredCustomer } from '@segmentation/state';
import { deleteTopicsWithPrefix, groupMembers, groupProgress } from './harness/kafka-state.ts';
import { processesOfTestFile } from './harness/pipeline-processes.ts';
import { startRedisCluster, type RedisClusterHandle } from './harness/redis-cluster.ts';
import { deleteRunKeys, runEnv } from './harness/segmenter-run.ts';
import { testServices } from './harness/services.ts';
import { uniqueName } from './harness/unique.ts';
import { waitFor } from './harness/wait-for.ts';

const services = testServices();
const runA = uniqueName('scale-a');
const runB = uniqueName('scale-b');
// ~26,000 events of 500 customers over 180 days (a fixed, past span: the same records whenever
// the test runs): every partition gets its share and many customers go silent long enough for
// their timers to fire.
const SIMULATION = { seed: '8', customers: '500', days: '180', start: '2025-03-03', 'batch-size': '500' };
/** Share of the log run B has committed when one of its processes is killed: early, so that work is
 *  left when the other two take over its partitions after its session timeout (6 s). */
const KILL_AT = 0.05;
// Generous: this 2-core machine also runs the broker, the registry and four Redis servers.
const RUN_TIMEOUT_MS = 240_000;
const WAIT_MS = 150_000;

const logger = createLogger({ service: 'scale-out-test' }, 'warn');
const kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'scale-out-test' }, logger);
const codec = new AvroCodec(services.schemaRegistryUrl);
const processes = processesOfTestFile('scale-out', async () => {
  await cluster?.stop();
  await deleteRunKeys(services.redisUrl, runA);
  await deleteTopicsWithPrefix(kafka, runA);
  await deleteTopicsWithPrefix(kafka, runB);
});
const topics = (run: string) => topicNames(`${run}.`);
const groupId = (run: string) => segmenterGroupId({ GROUP_PREFIX: run });

let cluster: RedisClusterHandle | undefined;
/** Events the simulator wrote into run A's log: run B's must be as many. */
let simulated: number | undefined;
/** Run A's log, once read. */
let logA: Awaited<ReturnType<typeof readLog>> | undefined;
const redisUrl = (run: string) => (run === runA ? services.redisUrl : cluster!.url);

/** A segmenter process of `run`: its own topics, group and keys (runEnv: short session timeout, no ticks). */
const segmenterEnv = (run: string) => ({
  ...runEnv(services, run),
  REDIS_URL: redisUrl(run),
  ROLES: 'segmenter',
  OPS_PORT: '0',
  LOG_LEVEL: 'info', // into the process's log file only: consumer joins and assignments, every change id
});

beforeAll(async () => {
  cluster = await startRedisCluster();
});

// The processes' logs stay behind in a temp dir when a test fails, and the failure says where.
/** Writes the simulated history into `run`'s customer-events (fast mode); how many events it wrote. */
async function simulate(run: string): Promise<number> {
  const options = parseOptions(
    { ...SIMULATION, 'topic-prefix': `${run}.`, 'ground-truth': join(processes.logDir, `${run}.ground-truth.jsonl`) },
    { KAFKA_BROKERS: services.kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: services.schemaRegistryUrl, LOG_LEVEL: 'silent' },
  );
  const { report } = await runSimulation(options, { logger });
  expect(report.invalid).toBe(0);
  return report.total;
}

/** Every customer `run` stored, by id. */
async function storedCustomers(run: string): Promise<Map<string, StoredCustomer<CustomerRecord>>> {
  const redis = await connectRedis(redisUrl(run));
  try {
    const store = new CustomerStateStore(redis, `${run}:`, customerRecordCodec);
    const all = new Map<string, StoredCustomer<CustomerRecord>>();
    for await (const ids of store.customerIds()) for (const [id, stored] of await store.load(ids)) all.set(id, stored);
    return all;
  } finally {
    redis.disconnect();
  }
}

/** Done: the group committed every partition of customer-events to its end, and no outbox holds an output. */
async function waitUntilDone(run: string): Promise<void> {
  await processes.guard(
    waitFor(
      `${run} to commit all of customer-events and empty every outbox`,
      async () => {
        const progress = await groupProgress(kafka, groupId(run), topics(run).customerEvents);
        const behind = [...progress].filter(([, p]) => p.committed < p.end);
        if (progress.size !== CUSTOMER_EVENTS_PARTITIONS || behind.length > 0) {
          throw new Error(`${progress.size} partitions, behind: ${behind.map(([n, p]) => `p${n} ${p.committed}/${p.end}`).join(', ')}`);
        }
        const pending = [...(await storedCustomers(run)).values()].filter((c) => c.pending.size > 0);
        if (pending.length > 0)
          throw new Error(
            `every offset committed, but ${pending.length} customer(s) still have outputs in their outbox, e.g. ${pending[0]!.customerId}`,
          );
        return true;
      },
      WAIT_MS,
    ),
  );
}

/** The group's assignment once it is stable with `size` members holding all partitions between them. */
async function stableGroup(run: string, size: number): Promise<Map<string, number[]>> {
  return processes.guard(
    waitFor(
      `${run}'s group stable with ${size} members`,
      async () => {
        const { state, members } = await groupMembers(kafka, groupId(run), topics(run).customerEvents);
        const assigned = [...members.values()].flat();
        const whole = assigned.length === CUSTOMER_EVENTS_PARTITIONS && new Set(assigned).size === CUSTOMER_EVENTS_PARTITIONS;
        if (state !== 'Stable' || members.size !== size || !whole)
          throw new Error(`state ${state}, ${members.size} member(s), ${assigned.length} partitions assigned`);
        return members;
      },
      WAIT_MS,
    ),
  );
}

const committedOn = (progress: Map<number, { committed: number }>, partitions: readonly number[]) =>
  partitions.reduce((sum, p) => sum + (progress.get(p)?.committed ?? 0), 0);

describe('three segmenter processes on a Redis Cluster, one killed and restarted midway', () => {
  it(
    'run A: one process against one Redis applies the simulated log',
    async () => {
      simulated = await simulate(runA);
      const segmenter = processes.start(`${runA}-segmenter`, segmenterEnv(runA));
      await waitUntilDone(runA);
      expect(await segmenter.stop()).toEqual({ code: 0, signal: null });
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'run B: three processes in one group apply the same log, one of them killed midway and started again',
    async () => {
      if (simulated === undefined) throw new Error('run A did not write its log');
      // Provisioned before the processes start, and the log written while they run: each of the
      // three holds a third of the partitions from the first record on.
      await provisionPipeline(kafka, codec, topics(runB));
      const env = segmenterEnv(runB);
      const [first, victim, third] = [1, 2, 3].map((i) => processes.start(`${runB}-segmenter-${i}`, env));
      await stableGroup(runB, 3);
      const writing = simulate(runB);
      writing.catch(() => undefined); // awaited below; not unhandled meanwhile

      const all = () => groupProgress(kafka, groupId(runB), topics(runB).customerEvents);
      const total = (progress: Map<number, { committed: number }>) => committedOn(progress, [...progress.keys()]);
      await processes.guard(
        waitFor(`${KILL_AT * 100}% of run B's log committed`, async () => total(await all()) >= KILL_AT * simulated!, WAIT_MS),
      );
      const before = await stableGroup(runB, 3);
      const atKill = await all();
      await victim!.kill('SIGKILL');
      // The other two take the victim's partitions once its session times out; then it starts again
      // and a second rebalance hands it partitions back. (On this machine the two have usually
      // finished by the time it rejoins: its start-up takes longer than their remaining work. The
      // figures printed below say where each step happened.)
      const after = await stableGroup(runB, 2);
      const atTakeover = await all();
      const restarted = processes.start(`${runB}-segmenter-2-restarted`, env);
      const gone = [...before.keys()].filter((member) => !after.has(member));
      expect(gone).toHaveLength(1);
      const orphaned = before.get(gone[0]!)!;
      await stableGroup(runB, 3);
      const atRejoin = await all();

      expect(await writing).toBe(simulated);
      await waitUntilDone(runB);
      const end = await all();
      console.log(
        `scale-out: killed one of three processes at ${total(atKill)}/${simulated} offsets committed, holding partitions ${orphaned.join(',')} ` +
          `with ${committedOn(end, orphaned) - committedOn(atKill, orphaned)} offsets still to commit; the other two held all partitions from ${total(atTakeover)}/${simulated}; ` +
          `started again, it rejoined at ${total(atRejoin)}/${simulated}`,
      );
      expect(total(atKill)).toBeGreaterThan(0);
      expect(total(atKill)).toBeLessThan(simulated);
      expect(committedOn(end, orphaned)).toBeGreaterThan(committedOn(atKill, orphaned));
      for (const p of [first!, third!, restarted]) expect(p.running).toBe(true);
      await processes.stopAll();
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'both runs read the same log: the same events in the same order on every partition',
    async () => {
      const [a, b] = await Promise.all([readLog(runA), readLog(runB)]);
      logA = a;
      expect(a.size).toBe(CUSTOMER_EVENTS_PARTITIONS);
      expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
      for (const [partition, events] of a) {
        const other = b.get(partition)!;
        expect(other.length, `partition ${partition}`).toBe(events.length);
        const first = events.findIndex((e, i) => !isDeepStrictEqual(e, other[i]));
        expect(first, `partition ${partition}: first differing offset`).toBe(-1);
      }
      const events = [...a.values()].reduce((n, es) => n + es.length, 0);
      console.log(`scale-out: compared the two logs: ${events} events on ${a.size} partitions, the same in the same order`);
      expect(events).toBeGreaterThan(0);
      expect(events).toBe(simulated);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'leaves every customer with the same stored record',
    async () => {
      const [a, b] = await Promise.all([storedCustomers(runA), storedCustomers(runB)]);
      logA ??= await readLog(runA);
      const customers = new Set([...logA.values()].flatMap((es) => es.map((e) => e.key)));
      console.log(`scale-out: compared the stored records of ${a.size} customers (${simulated} events)`);
      expect(a.size).toBeGreaterThan(0);
      expect(a.size).toBe(customers.size);
      expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
      const differing = [...a].filter(([id, stored]) => !isDeepStrictEqual(b.get(id)?.state, stored.state)).map(([id]) => id);
      if (differing.length > 0) expect(b.get(differing[0]!)?.state, `customer ${differing[0]!}`).toEqual(a.get(differing[0]!)!.state);
      expect(differing).toEqual([]);
      for (const stored of [...a.values(), ...b.values()]) expect(stored.pending.size).toBe(0);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'emits the same segment changes, churn alerts and feature snapshots (by id, with the same content)',
    async () => {
      const kinds = [
        {
          name: 'segment changes',
          read: (run: string) => readOutputs<SegmentChange>(topics(run).segmentChanges, avroSchemas.segmentChange, (c) => c.changeId),
        },
        {
          name: 'churn alerts',
          read: (run: string) => readOutputs<ChurnAlert>(topics(run).churnAlerts, avroSchemas.churnAlert, (c) => c.alertId),
        },
        {
          name: 'feature snapshots',
          read: (run: string) =>
            readOutputs<FeatureSnapshot>(topics(run).featureSnapshots, avroSchemas.featureSnapshot, (c) => c.snapshotId),
        },
      ];
      const read = await Promise.all(kinds.flatMap((k) => [k.read(runA), k.read(runB)]));
      kinds.forEach((kind, i) => {
        const a = read[2 * i]!;
        const b = read[2 * i + 1]!;
        console.log(
          `scale-out: ${kind.name}: ${a.byId.size} ids compared (run A ${a.messages} messages, run B ${b.messages} with its re-sends)${causes(a.byId)}`,
        );
        const missing = [...a.byId.keys()].filter((id) => !b.byId.has(id));
        const extra = [...b.byId.keys()].filter((id) => !a.byId.has(id));
        expect(missing, `${kind.name} of run A missing in run B`).toEqual([]);
        expect(extra, `${kind.name} of run B that run A did not emit`).toEqual([]);
        // Every copy of an id, in either run, carries the same output (the detection time aside).
        const differing = [...a.byId]
          .filter(([id, copies]) => [...copies, ...b.byId.get(id)!].some((c) => !isDeepStrictEqual(c, copies[0])))
          .map(([id]) => id);
        expect(differing, `${kind.name} whose copies differ`).toEqual([]);
      });
      expect(read[0]!.byId.size).toBeGreaterThan(0); // segment changes
      expect(read[2]!.byId.size).toBeGreaterThan(0); // churn alerts
    },
    RUN_TIMEOUT_MS,
  );
});

/** How many outputs each cause decided (`event`, `timer`, ...), for outputs that name one. */
function causes(byId: Map<string, object[]>): string {
  const counts = new Map<string, number>();
  for (const [first] of byId.values())
    if (first && 'cause' in first && typeof first.cause === 'string') counts.set(first.cause, (counts.get(first.cause) ?? 0) + 1);
  return counts.size === 0
    ? ''
    : `; by cause: ${[...counts]
        .sort()
        .map(([cause, n]) => `${cause} ${n}`)
        .join(', ')}`;
}

/** A run's customer-events, per partition in offset order: key and decoded event. */
async function readLog(run: string): Promise<Map<number, Array<{ key: string; event: CustomerEvent }>>> {
  const read: Array<{ partition: number; offset: bigint; key: string; event: CustomerEvent }> = [];
  await readTopicToEnd(kafka, topics(run).customerEvents, async (m) => {
    read.push({
      partition: m.partition,
      offset: BigInt(m.offset),
      key: m.key?.toString('utf8') ?? '',
      event: await codec.decode<CustomerEvent>(m.value, avroSchemas.customerEvent),
    });
  });
  read.sort((x, y) => x.partition - y.partition || (x.offset < y.offset ? -1 : x.offset > y.offset ? 1 : 0));
  const log = new Map<number, Array<{ key: string; event: CustomerEvent }>>();
  for (const { partition, key, event } of read) {
    const events = log.get(partition) ?? [];
    events.push({ key, event });
    log.set(partition, events);
  }
  return log;
}

/** Every output on a topic by its id (each copy, without its wall-clock detection time), and how many messages there were. */
async function readOutputs<T extends { detectedAt: number }>(
  topic: string,
  schema: string,
  idOf: (t: T) => string,
): Promise<{ messages: number; byId: Map<string, Array<Omit<T, 'detectedAt'>>> }> {
  const byId = new Map<string, Array<Omit<T, 'detectedAt'>>>();
  const messages = await readTopicToEnd(kafka, topic, async (m) => {
    const { detectedAt: _, ...output } = await codec.decode<T>(m.value, schema);
    const id = idOf(output as T);
    const copies = byId.get(id) ?? [];
    copies.push(output);
    byId.set(id, copies);
  });
  return { messages, byId };
}
