// The sink against real Kafka and the embedded ClickHouse: rows arrive once however often they
// are delivered, churn alerts keep their alert episode (also when written before episodes existed),
// and while ClickHouse is unavailable (writes made to fail at the client boundary)
// the sink reports not-ready, commits nothing, drops nothing, and resumes by itself (60 s of outage,
// SINK_OUTAGE_SECONDS to change it).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickHouseTarget, loadConfig, sinkDeps } from '@segmentation/app';
import { connectClickHouse, migrate, type ClickHouseClient } from '@segmentation/clickhouse';
import { aChurnAlert, anOrderEvent, avroSchemas, topicNames, valueSubject, type SegmentChange } from '@segmentation/contracts';
import { AvroCodec, createKafka, provisionPipeline, ReliableProducer, type Kafka } from '@segmentation/kafka';
import { createLogger, createMetricsRegistry } from '@segmentation/runtime';
import { createSink, sinkRoutes } from '@segmentation/sink';
import { committedOffsets, deleteTopicsWithPrefix, groupProgress } from './harness/kafka-state.ts';
import { TopicReader } from './harness/topic-reader.ts';
import { testServices } from './harness/services.ts';
import { uniqueName } from './harness/unique.ts';
import { waitFor } from './harness/wait-for.ts';

const services = testServices();
/** How long ClickHouse stays away in the outage test (a minute, as an operator would notice). */
const OUTAGE_SECONDS = Number(process.env.SINK_OUTAGE_SECONDS ?? 60);
const run = uniqueName('sink');
const topics = topicNames(`${run}.`);
const logger = createLogger({ service: 'sink-test' }, 'silent');
const config = loadConfig({
  KAFKA_BROKERS: services.kafkaBrokers.join(','),
  SCHEMA_REGISTRY_URL: services.schemaRegistryUrl,
  CLICKHOUSE_URL: services.clickhouseUrl,
  CLICKHOUSE_DATABASE: run.replace(/-/g, '_'),
  CLICKHOUSE_USER: process.env.CLICKHOUSE_USER,
  CLICKHOUSE_PASSWORD: process.env.CLICKHOUSE_PASSWORD,
  CLICKHOUSE_PATH: join(mkdtempSync(join(tmpdir(), 'segmentation-sink-')), 'clickhouse'),
});

let kafka: Kafka;
let producer: ReliableProducer;
let codec: AvroCodec;
let clickhouse: ClickHouseClient;
let schemaId: number;

beforeAll(async () => {
  kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'sink-test' }, logger);
  codec = new AvroCodec(services.schemaRegistryUrl);
  await provisionPipeline(kafka, codec, topics);
  schemaId = await codec.register(valueSubject(topics.segmentChanges), avroSchemas.segmentChange);
  producer = new ReliableProducer(kafka);
  await producer.connect();
  clickhouse = await connectClickHouse(clickHouseTarget(config));
  await migrate(clickhouse);
});

afterAll(async () => {
  await producer?.disconnect();
  await clickhouse?.close();
  if (kafka) await deleteTopicsWithPrefix(kafka, run);
});

const aChange = (customerId: string, sequence: number): SegmentChange => ({
  changeId: `${customerId}/value_tier/${sequence}`,
  customerId,
  dimension: 'value_tier',
  fromSegment: sequence === 1 ? null : 'low',
  toSegment: sequence === 1 ? 'low' : 'medium',
  sequence,
  cause: 'event',
  causeEventId: `e-${sequence}`,
  ruleVersion: 'r1',
  rule: 'value_tier.low',
  features: { lifetimeValue: sequence * 1000 },
  eventTime: Date.UTC(2026, 10, 20, 8, sequence),
  detectedAt: Date.UTC(2026, 10, 20, 8, sequence, 1),
  strategy: '',
  reasons: [],
  flags: [],
});

async function sendChanges(changes: SegmentChange[]): Promise<void> {
  await producer.send(
    topics.segmentChanges,
    changes.map((c) => ({ key: c.customerId, value: codec.encode(schemaId, avroSchemas.segmentChange, c) })),
  );
}

const storedChanges = async (prefix: string) => {
  const rows = await (
    await clickhouse.query({
      query: 'SELECT count() AS n, uniqExact(change_id) AS ids FROM segment_changes FINAL WHERE startsWith(customer_id, {prefix:String})',
      query_params: { prefix },
      format: 'JSONEachRow',
    })
  ).json<{ n: string; ids: string }>();
  return { rows: Number(rows[0]?.n ?? 0), ids: Number(rows[0]?.ids ?? 0) };
};

/** `breaksOn`: an insert holding a row with this change id fails (at the client boundary) as a bug would. */
function startSink(groupId: string, outage: { on: boolean }, poison?: { breaksOn: string; processingAttempts: number }) {
  const deps = sinkDeps(clickhouse);
  const sink = createSink(
    {
      groupId,
      routes: sinkRoutes(topics),
      buffer: { maxRows: 1000, maxDelayMs: 100, retryInitialMs: 50, retryMaxMs: 200, processingAttempts: poison?.processingAttempts },
      sessionTimeoutMs: 6000,
    },
    {
      kafka,
      producer,
      codec,
      clickhouse,
      logger,
      metrics: createMetricsRegistry(false),
      ...deps,
      // The outage, at the client boundary: every insert fails as a refused connection would.
      insert: (table, rows) => {
        if (outage.on) return Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' }));
        if (poison && rows.some((r) => r.change_id === poison.breaksOn)) return Promise.reject(new RangeError('Invalid time value'));
        return deps.insert(table, rows);
      },
    },
  );
  return sink;
}

describe('the ClickHouse sink', () => {
  it('stores a redelivered batch once', async () => {
    const prefix = uniqueName('C-redelivered');
    const changes = Array.from({ length: 30 }, (_, i) => aChange(`${prefix}-${i % 10}`, Math.floor(i / 10) + 1));
    await sendChanges(changes);
    await sendChanges(changes); // the same changes again, as after a crash before the commit
    const groupId = uniqueName('sink-redelivery');
    const sink = startSink(groupId, { on: false });
    await sink.start();
    try {
      await waitFor(
        'both copies consumed and committed',
        async () => (await committedOffsets(kafka, groupId, topics.segmentChanges)) >= 60 || undefined,
      );
      expect(await storedChanges(prefix)).toEqual({ rows: 30, ids: 30 });
    } finally {
      await sink.stop();
    }
  });

  it('stores churn alerts with their episode, an alert written before episodes with none, and the episode view follows', async () => {
    const customerId = uniqueName('C-episode');
    const alertsId = await codec.register(valueSubject(topics.churnAlerts), avroSchemas.churnAlert);
    // The contract as it was before episodes, as an older segmenter wrote it: its subject of its own.
    const before = JSON.parse(avroSchemas.churnAlert) as { fields: Array<{ name: string }> };
    const beforeSchema = JSON.stringify({
      ...before,
      fields: before.fields.filter((f) => f.name !== 'episodeId' && f.name !== 'episodeEvent'),
    });
    const beforeId = await codec.register(valueSubject(`${topics.churnAlerts}.before-episodes`), beforeSchema);
    const t = Date.UTC(2026, 10, 20, 8);
    const older = aChurnAlert({ customerId, sequence: 1, level: 'watch', eventTime: t, episodeId: null, episodeEvent: null });
    const episode = [
      aChurnAlert({
        customerId,
        sequence: 2,
        level: 'warning',
        eventTime: t + 60_000,
        cause: 'rules_changed',
        valueTier: 'high',
        episodeId: `${customerId}/episode/1`,
        episodeEvent: 'opened',
      }),
      aChurnAlert({
        customerId,
        sequence: 3,
        level: 'critical',
        previousLevel: 'warning',
        eventTime: t + 120_000,
        valueTier: 'high',
        episodeId: `${customerId}/episode/1`,
        episodeEvent: 'escalated',
      }),
      aChurnAlert({
        customerId,
        sequence: 4,
        level: 'warning',
        previousLevel: 'critical',
        eventTime: t + 180_000,
        valueTier: 'high',
        episodeId: `${customerId}/episode/1`,
        episodeEvent: 'de_escalated',
      }),
    ];
    await producer.send(topics.churnAlerts, [
      { key: customerId, value: codec.encode(beforeId, beforeSchema, older) },
      ...episode.map((a) => ({ key: customerId, value: codec.encode(alertsId, avroSchemas.churnAlert, a) })),
    ]);
    const sink = startSink(uniqueName('sink-episodes'), { on: false });
    await sink.start();
    try {
      const stored = await waitFor('the four alerts', async () => {
        const r = await (
          await clickhouse.query({
            query:
              'SELECT alert_id, episode_id, episode_event FROM churn_alerts FINAL WHERE customer_id = {customerId:String} ORDER BY sequence',
            query_params: { customerId },
            format: 'JSONEachRow',
          })
        ).json<{ alert_id: string; episode_id: string | null; episode_event: string | null }>();
        return r.length >= 4 ? r : undefined;
      });
      expect(stored).toEqual([
        { alert_id: `${customerId}/churn/1`, episode_id: null, episode_event: null },
        { alert_id: `${customerId}/churn/2`, episode_id: `${customerId}/episode/1`, episode_event: 'opened' },
        { alert_id: `${customerId}/churn/3`, episode_id: `${customerId}/episode/1`, episode_event: 'escalated' },
        { alert_id: `${customerId}/churn/4`, episode_id: `${customerId}/episode/1`, episode_event: 'de_escalated' },
      ]);
      const episodes = await (
        await clickhouse.query({
          query: `SELECT episode_id, toString(opened_at) AS opened, closed_at, peak_level, last_level, toUInt32(messages) AS messages, value_tier, opening_cause
                FROM churn_alert_episodes WHERE customer_id = {customerId:String}`,
          query_params: { customerId },
          format: 'JSONEachRow',
        })
      ).json();
      expect(episodes).toEqual([
        {
          episode_id: `${customerId}/episode/1`,
          opened: '2026-11-20 08:01:00.000',
          closed_at: null,
          peak_level: 'critical',
          last_level: 'warning',
          messages: 3,
          value_tier: 'high',
          opening_cause: 'rules_changed',
        },
      ]);
    } finally {
      await sink.stop();
    }
  });

  it('dead-letters a row ClickHouse cannot take and stores the rows around it', async () => {
    const prefix = uniqueName('C-refused');
    const logId = await codec.register(valueSubject(topics.customerEvents), avroSchemas.customerEvent);
    // An amount beyond Decimal(18, 4): valid Avro, but no orders row can hold it.
    const events = [
      anOrderEvent({ customerId: `${prefix}-1`, eventId: `${prefix}-good-1`, eventTime: Date.UTC(2026, 10, 1), amountBase: 500 }),
      anOrderEvent({
        customerId: `${prefix}-2`,
        eventId: `${prefix}-too-big`,
        eventTime: Date.UTC(2026, 10, 1),
        amount: 1e15,
        amountBase: 1e15,
      }),
      anOrderEvent({ customerId: `${prefix}-3`, eventId: `${prefix}-good-2`, eventTime: Date.UTC(2026, 10, 1), amountBase: 700 }),
    ];
    await producer.send(
      topics.customerEvents,
      events.map((e) => ({ key: e.customerId, value: codec.encode(logId, avroSchemas.customerEvent, e) })),
    );
    const dead = await TopicReader.open(services.kafkaBrokers, topics.customerEventsDeadLetter);
    const sink = startSink(uniqueName('sink-refused'), { on: false });
    await sink.start();
    try {
      const [letter] = await dead.waitForMessages(1, (m) => m.key?.toString() === `${prefix}-2`);
      expect(letter!.headers['__connect.errors.exception.class.name']?.toString()).toBe('clickhouse_rejected');
      expect(letter!.headers['__connect.errors.class.name']?.toString()).toBe('insert');
      expect(letter!.headers['__connect.errors.exception.message']?.toString()).toContain('amount');
      const stored = await waitFor('the good orders', async () => {
        const r = await (
          await clickhouse.query({
            query: 'SELECT event_id FROM orders FINAL WHERE startsWith(customer_id, {prefix:String}) ORDER BY event_id',
            query_params: { prefix },
            format: 'JSONEachRow',
          })
        ).json<{ event_id: string }>();
        return r.length >= 2 ? r : undefined;
      });
      expect(stored.map((r) => r.event_id)).toEqual([`${prefix}-good-1`, `${prefix}-good-2`]);
    } finally {
      await sink.stop();
      await dead.close();
    }
  });

  it('dead-letters a row whose insert fails again and again while the others go in (processing_failed), and commits past it', async () => {
    const prefix = uniqueName('C-poison');
    const changes = Array.from({ length: 8 }, (_, i) => aChange(`${prefix}-${i}`, 1));
    const poisonId = changes[5]!.changeId;
    await sendChanges(changes);
    const dead = await TopicReader.open(services.kafkaBrokers, topics.segmentChangesDeadLetter);
    const groupId = uniqueName('sink-poison');
    const sink = startSink(groupId, { on: false }, { breaksOn: poisonId, processingAttempts: 2 });
    await sink.start();
    try {
      const [letter] = await dead.waitForMessages(1, (m) => m.key?.toString() === `${prefix}-5`);
      expect(letter!.headers['__connect.errors.exception.class.name']?.toString()).toBe('processing_failed');
      expect(letter!.headers['__connect.errors.exception.message']?.toString()).toContain('RangeError');
      await waitFor(
        'every change committed, the poison one included',
        async () =>
          [...(await groupProgress(kafka, groupId, topics.segmentChanges)).values()].every((p) => p.committed === p.end) || undefined,
      );
      expect(await storedChanges(prefix)).toEqual({ rows: 7, ids: 7 });
    } finally {
      await sink.stop();
      await dead.close();
    }
  });

  it(
    `holds its partitions through a ${OUTAGE_SECONDS} s ClickHouse outage, with changes arriving all along, and resumes without loss`,
    async () => {
      const prefix = uniqueName('C-outage');
      const outage = { on: true };
      const groupId = uniqueName('sink-outage');
      const sink = startSink(groupId, outage);
      await sink.start();
      const ready = () => sink.checks.every((c) => c.isReady());
      try {
        const before = await committedOffsets(kafka, groupId, topics.segmentChanges);
        const started = Date.now();
        let sent = 0;
        const send = async () => {
          await sendChanges(Array.from({ length: 20 }, (_, i) => aChange(`${prefix}-${sent + i}`, 1)));
          sent += 20;
        };
        await send();
        await waitFor('the sink to report not ready', () => !ready());
        // The outage lasts its full length (well past the 6 s session timeout: the sink keeps its
        // membership by heartbeats while it waits), with more changes every 10 s.
        while (Date.now() - started < OUTAGE_SECONDS * 1000) {
          await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, started + OUTAGE_SECONDS * 1000 - Date.now())));
          expect(ready()).toBe(false);
          expect(await storedChanges(prefix)).toEqual({ rows: 0, ids: 0 });
          expect(await committedOffsets(kafka, groupId, topics.segmentChanges)).toBe(before);
          await send();
        }

        outage.on = false;
        await waitFor('the rows after the outage', async () => (await storedChanges(prefix)).ids === sent || undefined, 60_000);
        await waitFor('the sink to report ready again', () => ready());
        await waitFor(
          'every offset committed after the insert',
          async () =>
            [...(await groupProgress(kafka, groupId, topics.segmentChanges)).values()].every((p) => p.committed === p.end) || undefined,
        );
        expect(await storedChanges(prefix)).toEqual({ rows: sent, ids: sent });
        console.log(
          `ClickHouse outage: ${Math.round((Date.now() - started) / 1000)} s in all, ${sent} changes sent during the outage, every one stored once after it`,
        );
      } finally {
        await sink.stop();
      }
    },
    (OUTAGE_SECONDS + 120) * 1000,
  );
});
