// Rows written into PostgreSQL reach `customer-events` through the shipped connector template
// (infra/connect/postgres.json), Kafka Connect with Debezium, and ingest reading the shipped
// example sources file (infra/sources.example.json): an order's insert and status changes become
// placed / returned, a waybill's statuses shipment statuses, a ticket's complaint opened / resolved;
// an update that leaves the status as it was is no event. Change events sent again (as Debezium
// does after a restart: new messages, the same log positions) are recognised by ingest, and the
// segmenter applies each event exactly once; after a real connector restart, the next change of a
// row already forwarded still goes through.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, startPipeline, type Pipeline } from '@segmentation/app';
import { avroSchemas, bodyOf, topicNames, type CustomerEvent } from '@segmentation/contracts';
import {
  AvroCodec,
  committedPositions,
  createKafka,
  deleteConnector,
  ensureTopics,
  fillConnector,
  parseConnectorFile,
  putConnector,
  ReliableProducer,
  restartConnector,
  topicOffsets,
  type Kafka,
} from '@segmentation/kafka';
import { createLogger, createMetricsRegistry, type Registry } from '@segmentation/runtime';
import { postgresConnectorStreaming } from './harness/connector-state.ts';
import { deleteTopicsWithPrefix, metricTotal } from './harness/kafka-state.ts';
import { startPostgresServer, type PostgresServerHandle } from './harness/postgres-server.ts';
import { deleteRunKeys, runEnv } from './harness/segmenter-run.ts';
import { repoRoot, testServices } from './harness/services.ts';
import { TopicReader } from './harness/topic-reader.ts';
import { uniqueName } from './harness/unique.ts';
import { waitFor } from './harness/wait-for.ts';

const services = testServices();
// Also the replication slot's and publication's name: letters, digits and _ only.
const run = uniqueName('dbz').replace(/-/g, '_');
const topics = topicNames(`${run}.`);
const TABLES = ['orders', 'waybills', 'tickets'] as const;
const cdcTopic = (table: string) => `${run}.cdc-postgres.public.${table}`;
const logger = createLogger({ service: 'debezium-source-test' }, 'error');
const customerId = 'C-OMS-1';

let kafka: Kafka;
let db: PostgresServerHandle;
let codec: AvroCodec;
let metrics: Registry;
let pipeline: Pipeline;

beforeAll(async () => {
  kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'debezium-source-test' }, logger);
  codec = new AvroCodec(services.schemaRegistryUrl);
  db = await startPostgresServer();
  await db.sql(`
    CREATE TABLE orders (order_id text PRIMARY KEY, customer_id text NOT NULL, status text NOT NULL, amount numeric(18, 2) NOT NULL, currency text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE waybills (waybill_no text PRIMARY KEY, order_id text NOT NULL, customer_id text NOT NULL, status text NOT NULL, transport_mode text, delivered_at timestamptz, updated_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE tickets (ticket_id text PRIMARY KEY, customer_id text NOT NULL, status text NOT NULL, category text, severity text, updated_at timestamptz NOT NULL DEFAULT now());
    ALTER TABLE orders REPLICA IDENTITY FULL; ALTER TABLE waybills REPLICA IDENTITY FULL; ALTER TABLE tickets REPLICA IDENTITY FULL;`);
  await ensureTopics(
    kafka,
    TABLES.map((t) => ({ topic: cdcTopic(t), partitions: 12 })),
  );
  // The connector file the product ships, filled as `./dev stack up connect` fills it.
  const file = parseConnectorFile(readFileSync(join(repoRoot, 'infra', 'connect', 'postgres.json'), 'utf8'), 'postgres.json');
  const filled = fillConnector(
    { ...file, name: run },
    {
      TOPIC_PREFIX: `${run}.`,
      CDC_POSTGRES_HOST: db.host,
      CDC_POSTGRES_PORT: String(db.port),
      CDC_POSTGRES_USER: db.user,
      CDC_POSTGRES_DATABASE: db.database,
      CDC_POSTGRES_TABLES: TABLES.map((t) => `public.${t}`).join(','),
      CDC_POSTGRES_SLOT: run,
      CDC_POSTGRES_PUBLICATION: run,
    },
  );
  if ('missing' in filled) throw new Error(`infra/connect/postgres.json needs ${filled.missing.join(', ')}`);
  await putConnector(services.connectUrl, run, filled.config);
  await streaming();
  metrics = createMetricsRegistry(false);
  pipeline = await startPipeline(
    loadConfig({
      ...runEnv(services, run),
      ROLES: 'ingest,segmenter',
      SOURCES_FILE: join(repoRoot, 'infra', 'sources.example.json'),
      LOG_LEVEL: 'silent',
    }),
    logger,
    metrics,
  );
}, 300_000);

afterAll(async () => {
  await pipeline?.stop();
  await deleteConnector(services.connectUrl, run).catch(() => undefined);
  await db?.remove();
  if (kafka) await deleteTopicsWithPrefix(kafka, run);
  await deleteRunKeys(services.redisUrl, run);
});

/** The connector and its task run, and its replication slot is active: what is committed from now on is captured. */
async function streaming(): Promise<void> {
  await waitFor(
    'the connector streaming',
    async () => (await postgresConnectorStreaming(services.connectUrl, run, db, run)) || undefined,
    180_000,
  );
}

/** Every change event on the table topics has been read by ingest and its offset committed. */
async function ingestCaughtUp(): Promise<boolean> {
  for (const table of TABLES) {
    const ends = await topicOffsets(kafka, cdcTopic(table));
    const committed = await committedPositions(kafka, `${run}-ingest`, cdcTopic(table));
    for (const [partition, { high }] of ends) if (Number(high) > 0 && committed.get(partition)?.offset !== Number(high)) return false;
  }
  return true;
}

const whatHappened = (e: CustomerEvent) => {
  const body = bodyOf(e);
  if (body.kind === 'order') return `order ${body.order.kind}`;
  if (body.kind === 'shipment') return `shipment ${body.shipment.status}`;
  if (body.kind === 'complaint') return `complaint ${body.complaint.action}`;
  return body.kind;
};

describe('Debezium change events through ingest', () => {
  it('become the events of the rows they change, each applied once, also when Debezium sends them again', async () => {
    await db.sql(`
      INSERT INTO orders (order_id, customer_id, status, amount, currency) VALUES ('O-1', '${customerId}', 'placed', 1250.50, 'CNY');
      INSERT INTO waybills (waybill_no, order_id, customer_id, status, transport_mode) VALUES ('W-1', 'O-1', '${customerId}', 'picked_up', 'sea');
      INSERT INTO tickets (ticket_id, customer_id, status, category, severity) VALUES ('T-1', '${customerId}', 'opened', 'delay', 'high');`);
    await db.sql(`
      UPDATE orders SET amount = 1300.00, updated_at = now() WHERE order_id = 'O-1';
      UPDATE waybills SET status = 'delivered', delivered_at = now(), updated_at = now() WHERE waybill_no = 'W-1';
      UPDATE tickets SET status = 'resolved', updated_at = now() WHERE ticket_id = 'T-1';
      UPDATE orders SET status = 'returned', updated_at = now() WHERE order_id = 'O-1';`);
    const expected = [
      'order PLACED',
      'order RETURNED',
      'shipment DELIVERED',
      'shipment PICKED_UP',
      'complaint OPENED',
      'complaint RESOLVED',
    ].sort();
    await waitFor(
      'six events applied',
      async () => (await metricTotal(metrics, 'segmenter_records_total', { result: 'applied' })) >= 6,
      120_000,
    );
    await waitFor('ingest through every change', ingestCaughtUp, 60_000);

    // Debezium's redelivery after a restart: the same change events again, as new messages.
    const changes = new Map<string, TopicReader>();
    for (const table of TABLES) changes.set(table, await TopicReader.open(services.kafkaBrokers, cdcTopic(table)));
    const producer = new ReliableProducer(kafka);
    await producer.connect();
    const events = await TopicReader.open(services.kafkaBrokers, topics.customerEvents);
    try {
      const counts = { orders: 3, waybills: 2, tickets: 2 };
      for (const table of TABLES) {
        const sent = await changes.get(table)!.waitForMessages(counts[table]);
        expect(sent).toHaveLength(counts[table]);
        // The log position ingest compares: Debezium's sequence (last commit before, own LSN).
        const sequences = sent.map((m) => (JSON.parse(m.value!.toString('utf8')) as { source: { sequence: string } }).source.sequence);
        for (const sequence of sequences) expect(sequence).toMatch(/^\[(null|"\d+"),"\d+"\]$/);
        await producer.send(
          cdcTopic(table),
          sent.map((m) => ({ key: m.key, value: m.value })),
        );
      }
      await waitFor('ingest through the changes sent again', ingestCaughtUp, 60_000);
      await waitFor(
        'every change read twice',
        async () =>
          (await metricTotal(metrics, 'ingest_messages_consumed_total')) === 2 * (counts.orders + counts.waybills + counts.tickets),
      );

      const written = [...(await topicOffsets(kafka, topics.customerEvents)).values()].reduce((n, p) => n + p.high, 0);
      await events.waitForMessages(written);
      const mine = (await Promise.all(events.messages.map((m) => codec.decode<CustomerEvent>(m.value, avroSchemas.customerEvent)))).filter(
        (e) => e.customerId === customerId,
      );
      // The amount correction is no event; nothing sent again was forwarded again.
      expect(mine.map(whatHappened).sort()).toEqual(expected);
      expect(new Set(mine.map((e) => e.eventId)).size).toBe(6);
      expect(await metricTotal(metrics, 'segmenter_records_total', { result: 'applied' })).toBe(6);
      expect(await metricTotal(metrics, 'ingest_messages_dead_lettered_total')).toBe(0);
      const returned = mine.find((e) => whatHappened(e) === 'order RETURNED')!;
      expect(bodyOf(returned)).toMatchObject({ order: { orderId: 'O-1', amount: 1300, currency: 'CNY' } });
      expect(returned.source?.topic).toBe(cdcTopic('orders'));

      // A real restart of the connector, then a change of a waybill already forwarded: not taken
      // for one sent again, whatever the connector remembers of its last commit.
      await restartConnector(services.connectUrl, run);
      await streaming();
      await db.sql(`UPDATE waybills SET status = 'returned', updated_at = now() WHERE waybill_no = 'W-1';`);
      await waitFor(
        'the change after the restart applied',
        async () => (await metricTotal(metrics, 'segmenter_records_total', { result: 'applied' })) === 7,
        120_000,
      );
      await waitFor('ingest through the change after the restart', ingestCaughtUp, 60_000);
      expect(await metricTotal(metrics, 'ingest_messages_dead_lettered_total')).toBe(0);
    } finally {
      await producer.disconnect();
      await events.close();
      await Promise.all([...changes.values()].map((r) => r.close()));
    }
  }, 240_000);
});
