// The crash test, seeded short version run by the README's test command; more kills with
// CRASH_KILLS=50 CRASH_CUSTOMERS=2000 `./dev pnpm test:crash`, a million events with
// CRASH_CUSTOMERS=10000 CRASH_TIMEOUT_MINUTES=100. One simulated log, two runs, each a
// child process running the segmenter and the sink (embedded ClickHouse in a folder of its own):
// run A undisturbed; run B killed with SIGKILL at seeded points spread over the whole log and
// started again each time, so kills land anywhere (inside a ClickHouse insert too), and every third
// process kills itself exactly between the state write and the produce, or between the produce and
// the offset commit (SEGMENTER_FAULT). At the end both runs have every customer's state equal, the same
// change, alert and snapshot ids, each customer's changes numbered without gaps, and in ClickHouse
// rows = distinct ids = the undisturbed count, per table.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { segmenterGroupId } from '@segmentation/app';
import { connectClickHouse } from '@segmentation/clickhouse';
import { avroSchemas, topicNames, type ChurnAlert, type FeatureSnapshot, type SegmentChange } from '@segmentation/contracts';
import { AvroCodec, createKafka, readTopicToEnd } from '@segmentation/kafka';
import { createLogger } from '@segmentation/runtime';
import { createRandom, parseOptions, runSimulation } from '@segmentation/simulator';
import { deleteTopicsWithPrefix, groupProgress } from './harness/kafka-state.ts';
import { processesOfTestFile, type PipelineProcess } from './harness/pipeline-processes.ts';
import { pipelineDone } from './harness/pipeline-progress.ts';
import { deleteRunKeys, runEnv } from './harness/segmenter-run.ts';
import { testServices } from './harness/services.ts';
import { storedStates } from './harness/stored-states.ts';
import { uniqueName } from './harness/unique.ts';
import { waitFor } from './harness/wait-for.ts';

const services = testServices();
const SEED = Number(process.env.CRASH_SEED ?? 11);
const KILLS = Number(process.env.CRASH_KILLS ?? 10);
const CUSTOMERS = process.env.CRASH_CUSTOMERS ?? '400';
const runA = uniqueName('crash-a');
const runB = uniqueName('crash-b');
const logger = createLogger({ service: 'crash-test' }, 'warn');
const kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'crash-test' }, logger);
const codec = new AvroCodec(services.schemaRegistryUrl);
const processes = processesOfTestFile('crash test', async () => {
  for (const run of [runA, runB]) {
    await deleteRunKeys(services.redisUrl, run);
    await deleteTopicsWithPrefix(kafka, run);
  }
});
/** The whole test's limit; a million events (CRASH_CUSTOMERS=10000) need about an hour here. */
const TIMEOUT_MS = Number(process.env.CRASH_TIMEOUT_MINUTES ?? 15) * 60_000;
/** The longest wait for one step (a run through the whole log, or the next kill point). */
const WAIT_MS = Math.max(300_000, TIMEOUT_MS / 3);

const env = (run: string) => ({
  ...runEnv(services, run),
  ROLES: 'segmenter,sink',
  OPS_PORT: '0',
  CLICKHOUSE_PATH: join(processes.logDir, `${run}-clickhouse`),
  SINK_FLUSH_INTERVAL_MS: '200',
  // Small batches: many commits, so the seeded kill points fall all through the log.
  SEGMENTER_BATCH_BYTES: String(32 * 1024),
  LOG_LEVEL: 'info',
});
const topics = (run: string) => topicNames(`${run}.`);

async function simulate(run: string): Promise<number> {
  const options = parseOptions(
    {
      seed: String(SEED),
      customers: CUSTOMERS,
      days: '365',
      start: '2025-01-01',
      'topic-prefix': `${run}.`,
      'ground-truth': join(processes.logDir, `${run}.truth.jsonl`),
    },
    { KAFKA_BROKERS: services.kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: services.schemaRegistryUrl, LOG_LEVEL: 'silent' },
  );
  return (await runSimulation(options, { logger })).report.total;
}

const committed = async (group: string, topic: string) =>
  [...(await groupProgress(kafka, group, topic)).values()].reduce((n, p) => n + p.committed, 0);

/** Done: the segmenter committed the whole log and the sink every topic it reads. */
async function waitUntilDone(run: string): Promise<void> {
  await processes.guard(waitFor(`${run}: segmenter and sink through everything`, () => pipelineDone(kafka, run), WAIT_MS));
}

async function outputs<T>(run: string, topic: 'segmentChanges' | 'churnAlerts' | 'featureSnapshots', schema: string): Promise<T[]> {
  const all: T[] = [];
  await readTopicToEnd(kafka, topics(run)[topic], async (m) => {
    all.push(await codec.decode<T>(m.value, schema));
  });
  return all;
}

/** Per table: rows after deduplication (FINAL) and distinct ids. */
async function clickHouseCounts(run: string): Promise<Record<string, { rows: number; ids: number }>> {
  const client = await connectClickHouse({ kind: 'embedded', path: env(run).CLICKHOUSE_PATH });
  try {
    const counts: Record<string, { rows: number; ids: number }> = {};
    for (const [table, id] of [
      ['segment_changes', 'change_id'],
      ['churn_alerts', 'alert_id'],
      ['feature_snapshots', 'snapshot_id'],
      ['orders', 'event_id'],
      ['shipments', 'event_id'],
      ['complaints', 'event_id'],
    ] as const) {
      const [row] = await (
        await client.query({
          query: `SELECT count() AS rows, (SELECT uniqExact(${id}) FROM ${table}) AS ids FROM ${table} FINAL`,
          format: 'JSONEachRow',
        })
      ).json<{ rows: string; ids: string }>();
      counts[table] = { rows: Number(row!.rows), ids: Number(row!.ids) };
    }
    return counts;
  } finally {
    await client.close();
  }
}

describe(`${KILLS} SIGKILLs of the segmenter and the sink`, () => {
  it(
    'change nothing: state, ids, gap-free sequences and ClickHouse rows equal an undisturbed run',
    async () => {
      const [eventsA, eventsB] = [await simulate(runA), await simulate(runB)];
      expect(eventsB).toBe(eventsA);

      processes.start(`${runA}`, env(runA));
      await waitUntilDone(runA);

      const rng = createRandom(SEED, 'crash-test'); // the kill points of a seed are always the same
      const rand = (): number => rng.next();
      const group = segmenterGroupId({ GROUP_PREFIX: runB });
      let current: PipelineProcess | undefined;
      let kills = 0;
      const killedAt: string[] = [];
      // Evenly spread over the whole log, each point jittered within its share: a process that runs
      // past one point is killed at the next, never all at the start.
      const points = Array.from({ length: KILLS }, (_, k) => Math.floor(((k + rand()) * eventsB) / (KILLS + 1)));
      while (kills < KILLS) {
        const from = await committed(group, topics(runB).customerEvents);
        if (from >= eventsB - 1) break;
        // Every third process kills itself exactly between the state write and the produce, every
        // third between the produce and the offset commit (SEGMENTER_FAULT), a few batches after it
        // starts; the others are killed from outside once the log is past the next point.
        const fault = kills % 3 === 0 ? undefined : `${kills % 3 === 1 ? 'state_written' : 'produced'}:${1 + Math.floor(rand() * 20)}`;
        current = processes.start(`${runB}-${kills}`, fault === undefined ? env(runB) : { ...env(runB), SEGMENTER_FAULT: fault });
        if (fault !== undefined) {
          current.stopping = true; // its own SIGKILL is expected
          const ended = await processes.guard(
            Promise.race([
              current.exited.then((exit) => exit.signal),
              waitFor(
                `${runB} through the log before ${fault}`,
                async () => (await committed(group, topics(runB).customerEvents)) >= eventsB,
                WAIT_MS,
              ).then(() => 'done' as const),
            ]),
          );
          if (ended !== 'SIGKILL') break; // the log ended first: nothing left to kill in
          killedAt.push(`${await committed(group, topics(runB).customerEvents)} (${fault})`);
        } else {
          const target = Math.max(from + 100, points[kills]!);
          if (target >= eventsB - 1) break;
          await processes.guard(
            waitFor(`${runB} past offset ${target}`, async () => (await committed(group, topics(runB).customerEvents)) >= target, WAIT_MS),
          );
          // Within a few hundred ms of the commit: somewhere inside the next batches.
          await new Promise((resolve) => setTimeout(resolve, Math.floor(rand() * 150)));
          killedAt.push(String(await committed(group, topics(runB).customerEvents)));
          await current.kill('SIGKILL');
        }
        kills++;
      }
      if (current?.running !== true) current = processes.start(`${runB}-${kills}-last`, env(runB));
      console.log(`crash test: ${eventsB} events, ${kills} kills (seed ${SEED}), at committed offsets ${killedAt.join(', ')}`);
      expect(kills).toBe(KILLS);
      expect(killedAt.filter((k) => k.includes('(')).length).toBeGreaterThanOrEqual(Math.floor((2 * KILLS) / 3) - 1);
      await waitUntilDone(runB);
      await processes.stopAll();

      // Every customer's state.
      const [stateA, stateB] = [await storedStates(services.redisUrl, `${runA}:`), await storedStates(services.redisUrl, `${runB}:`)];
      expect(stateA.size).toBeGreaterThan(100);
      expect(stateB).toEqual(stateA);

      // The same ids; each customer's changes per dimension numbered 1..n without a gap.
      const idsOf = <T>(xs: T[], id: (x: T) => string) => [...new Set(xs.map(id))].sort();
      const [changesA, changesB] = [
        await outputs<SegmentChange>(runA, 'segmentChanges', avroSchemas.segmentChange),
        await outputs<SegmentChange>(runB, 'segmentChanges', avroSchemas.segmentChange),
      ];
      expect(idsOf(changesB, (c) => c.changeId)).toEqual(idsOf(changesA, (c) => c.changeId));
      const sequences = new Map<string, Set<number>>();
      for (const c of changesB)
        sequences.set(`${c.customerId}/${c.dimension}`, (sequences.get(`${c.customerId}/${c.dimension}`) ?? new Set()).add(c.sequence));
      expect([...sequences].filter(([, s]) => Math.max(...s) !== s.size).map(([k]) => k)).toEqual([]);
      expect(idsOf(await outputs<ChurnAlert>(runB, 'churnAlerts', avroSchemas.churnAlert), (a) => a.alertId)).toEqual(
        idsOf(await outputs<ChurnAlert>(runA, 'churnAlerts', avroSchemas.churnAlert), (a) => a.alertId),
      );
      expect(idsOf(await outputs<FeatureSnapshot>(runB, 'featureSnapshots', avroSchemas.featureSnapshot), (s) => s.snapshotId)).toEqual(
        idsOf(await outputs<FeatureSnapshot>(runA, 'featureSnapshots', avroSchemas.featureSnapshot), (s) => s.snapshotId),
      );

      // ClickHouse: rows = distinct ids = the undisturbed count, per table.
      const [countsA, countsB] = [await clickHouseCounts(runA), await clickHouseCounts(runB)];
      console.log(
        `crash test: ${stateA.size} customers, ${idsOf(changesA, (c) => c.changeId).length} change ids (${changesB.length} messages in the killed run), ClickHouse ${JSON.stringify(countsB)}`,
      );
      for (const [table, a] of Object.entries(countsA)) {
        expect(a.rows, `${table} undisturbed`).toBe(a.ids);
        expect(countsB[table], table).toEqual(a);
      }
      expect(countsA.segment_changes!.rows).toBe(idsOf(changesA, (c) => c.changeId).length);
    },
    TIMEOUT_MS,
  );
});
