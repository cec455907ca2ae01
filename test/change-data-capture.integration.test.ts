// Change data capture as provisioned by `./dev stack up connect`: a real Kafka Connect worker with
// Debezium's PostgreSQL connector, reading a private PostgreSQL (logical decoding) where an order
// system writes orders, waybills and complaint tickets. Every committed insert and update reaches
// the connector's topics as a change event carrying its source position (the LSN), in commit order
// per row; a connector restart and a database restart lose nothing, and anything sent again
// carries the position it was sent with the first time (what ingest recognises a redelivery by).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createKafka,
  deleteConnector,
  ensureTopics,
  fillConnector,
  parseConnectorFile,
  putConnector,
  restartConnector,
  type ConsumedMessage,
  type Kafka,
} from '@segmentation/kafka';
import { createLogger } from '@segmentation/runtime';
import { postgresConnectorStreaming } from './harness/connector-state.ts';
import { deleteTopicsWithPrefix } from './harness/kafka-state.ts';
import { startPostgresServer, type PostgresServerHandle } from './harness/postgres-server.ts';
import { repoRoot, testServices } from './harness/services.ts';
import { TopicReader } from './harness/topic-reader.ts';
import { uniqueName } from './harness/unique.ts';
import { waitFor } from './harness/wait-for.ts';

const services = testServices();
const run = uniqueName('cdc').replace(/-/g, '_');
const logger = createLogger({ service: 'cdc-test' }, 'silent');
const TABLES = ['orders', 'waybills', 'tickets'] as const;

let kafka: Kafka;
let db: PostgresServerHandle;
const readers = new Map<string, TopicReader>();

interface ChangeEvent {
  op: 'c' | 'u' | 'd' | 'r';
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  source: { lsn: number; table: string; txId: number };
}
const changeOf = (m: ConsumedMessage): ChangeEvent => JSON.parse(m.value!.toString('utf8')) as ChangeEvent;
const topicOf = (table: string) => `${run}.public.${table}`;

beforeAll(async () => {
  const plugins = await fetch(`${services.connectUrl}/connector-plugins`).then(
    (r) => r.text(),
    (err: unknown) => {
      throw new Error(
        `Kafka Connect does not answer at ${services.connectUrl} (${(err as Error).message}): start it with ./dev stack up connect`,
      );
    },
  );
  if (!plugins.includes('PostgresConnector'))
    throw new Error(
      `Kafka Connect at ${services.connectUrl} has no Debezium PostgreSQL connector: start the project's worker with ./dev stack up connect`,
    );
  kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'cdc-test' }, logger);
  db = await startPostgresServer();
  await db.sql(`
    CREATE TABLE orders (order_id text PRIMARY KEY, customer_id text NOT NULL, status text NOT NULL, amount numeric(18, 2) NOT NULL, currency text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE waybills (waybill_no text PRIMARY KEY, order_id text NOT NULL, customer_id text NOT NULL, status text NOT NULL, transport_mode text, updated_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE tickets (ticket_id text PRIMARY KEY, customer_id text NOT NULL, status text NOT NULL, category text, severity text, updated_at timestamptz NOT NULL DEFAULT now());
    ALTER TABLE orders REPLICA IDENTITY FULL; ALTER TABLE waybills REPLICA IDENTITY FULL; ALTER TABLE tickets REPLICA IDENTITY FULL;`);
  // The connector's topics exist before it writes (12 partitions, as infra/connect asks for), so
  // the readers can follow them from the start.
  await ensureTopics(
    kafka,
    TABLES.map((t) => ({ topic: topicOf(t), partitions: 12 })),
  );
  for (const t of TABLES) readers.set(t, await TopicReader.open(services.kafkaBrokers, topicOf(t)));
  // The connector file the product ships, filled as `./dev stack up connect` fills it.
  const file = parseConnectorFile(readFileSync(join(repoRoot, 'infra', 'connect', 'postgres.json'), 'utf8'), 'postgres.json');
  const filled = fillConnector(
    { ...file, name: run },
    {
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
  await putConnector(services.connectUrl, run, { ...filled.config, 'topic.prefix': run });
  await streaming();
}, 240_000);

afterAll(async () => {
  await Promise.all([...readers.values()].map((r) => r.close()));
  await deleteConnector(services.connectUrl, run).catch(() => undefined);
  await db?.remove();
  if (kafka) await deleteTopicsWithPrefix(kafka, run);
});

/** The connector and its task run, and its replication slot is active: what is committed from now on is captured. */
async function streaming(): Promise<void> {
  await waitFor(
    'the connector streaming',
    async () => (await postgresConnectorStreaming(services.connectUrl, run, db, run)) || undefined,
    180_000,
  );
}

/** The change events of one row, by its key column, in the order they arrived. */
const changesOf = (table: (typeof TABLES)[number], key: string, id: string) =>
  readers
    .get(table)!
    .messages.map(changeOf)
    .filter((c) => (c.after ?? c.before)?.[key] === id);

async function waitForChanges(table: (typeof TABLES)[number], key: string, id: string, count: number): Promise<ChangeEvent[]> {
  return waitFor(
    `${count} change(s) of ${table} ${id}`,
    () => {
      const found = changesOf(table, key, id);
      return found.length >= count ? found : undefined;
    },
    120_000,
  );
}

/** The distinct source positions of the changes: a change sent again carries the position it had. */
const positions = (changes: ChangeEvent[]) => [...new Set(changes.map((c) => `${c.source.lsn}/${c.source.txId}`))];

describe('change data capture from PostgreSQL through Kafka Connect and Debezium', () => {
  it('sends each committed insert and update of orders, waybills and tickets, in commit order per row', async () => {
    await db.sql(`
      INSERT INTO orders (order_id, customer_id, status, amount, currency) VALUES ('O-1', 'C-1', 'placed', 1250.50, 'CNY');
      INSERT INTO waybills (waybill_no, order_id, customer_id, status, transport_mode) VALUES ('W-1', 'O-1', 'C-1', 'picked_up', 'sea');
      INSERT INTO tickets (ticket_id, customer_id, status, category, severity) VALUES ('T-1', 'C-1', 'opened', 'delay', 'high');`);
    await db.sql(`UPDATE waybills SET status = 'delivered', updated_at = now() WHERE waybill_no = 'W-1';
      UPDATE tickets SET status = 'resolved', updated_at = now() WHERE ticket_id = 'T-1';
      UPDATE orders SET status = 'returned', updated_at = now() WHERE order_id = 'O-1';`);
    const order = await waitForChanges('orders', 'order_id', 'O-1', 2);
    expect(order.map((c) => [c.op, c.after?.status])).toEqual([
      ['c', 'placed'],
      ['u', 'returned'],
    ]);
    // Money as text (decimal.handling.mode=string): no float rounding of amounts.
    expect(order[0]!.after).toMatchObject({ customer_id: 'C-1', amount: '1250.50', currency: 'CNY' });
    expect(order[1]!.before).toMatchObject({ status: 'placed' }); // REPLICA IDENTITY FULL: the row before
    expect((await waitForChanges('waybills', 'waybill_no', 'W-1', 2)).map((c) => c.after?.status)).toEqual(['picked_up', 'delivered']);
    expect((await waitForChanges('tickets', 'ticket_id', 'T-1', 2)).map((c) => c.after?.status)).toEqual(['opened', 'resolved']);
    expect(order[0]!.source.table).toBe('orders');
    expect(order[1]!.source.lsn).toBeGreaterThan(order[0]!.source.lsn);
  });

  it('loses nothing across a connector restart and a database restart; anything sent again keeps its source position', async () => {
    await db.sql(`INSERT INTO orders (order_id, customer_id, status, amount, currency) VALUES ('O-2', 'C-2', 'placed', 80, 'USD');`);
    await waitForChanges('orders', 'order_id', 'O-2', 1);
    await restartConnector(services.connectUrl, run);
    await streaming();
    await db.sql(`UPDATE orders SET status = 'cancelled', updated_at = now() WHERE order_id = 'O-2';`);
    await waitFor(
      'the update after the connector restart',
      () => changesOf('orders', 'order_id', 'O-2').some((c) => c.after?.status === 'cancelled') || undefined,
      120_000,
    );

    await db.stop();
    await db.start();
    await streaming(); // Debezium reconnects to the database by itself
    await db.sql(`INSERT INTO orders (order_id, customer_id, status, amount, currency) VALUES ('O-3', 'C-2', 'placed', 95, 'USD');`);
    await waitForChanges('orders', 'order_id', 'O-3', 1);

    const o2 = changesOf('orders', 'order_id', 'O-2');
    expect(positions(o2)).toHaveLength(2); // the insert and the update, each at most re-sent as itself
    expect(o2.filter((c) => c.op === 'c').every((c) => c.after?.status === 'placed')).toBe(true);
    expect(positions(changesOf('orders', 'order_id', 'O-3'))).toHaveLength(1);
  });
});
