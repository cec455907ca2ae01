// Change data capture from MySQL, where a MySQL server is given: MYSQL_URL, e.g.
// mysql://cdc:secret@127.0.0.1:3306/oms, a MySQL 8.0+ server with binlog_format=ROW whose user may
// create a database and has REPLICATION SLAVE, REPLICATION CLIENT, SELECT and RELOAD (docs/sources.md).
// These machines have MariaDB, which Debezium's MySQL connector no longer reads, so the test is
// skipped without it. It registers the connector file the product ships (infra/connect/mysql.json)
// on the worker of `./dev stack up connect`, and checks what the PostgreSQL test checks: every
// committed insert and update reaches Kafka in commit order per row, with its binlog position, and
// a connector restart loses nothing and re-sends at most what it sent, at the position it had.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection, type Connection } from 'mysql2/promise';
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
import { connectorRunning } from './harness/connector-state.ts';
import { deleteTopicsWithPrefix } from './harness/kafka-state.ts';
import { repoRoot, testServices } from './harness/services.ts';
import { TopicReader } from './harness/topic-reader.ts';
import { uniqueName } from './harness/unique.ts';
import { waitFor } from './harness/wait-for.ts';

const mysqlUrl = process.env.MYSQL_URL;
const services = testServices();
const run = uniqueName('cdcmy').replace(/-/g, '_');
const logger = createLogger({ service: 'cdc-mysql-test' }, 'silent');

interface ChangeEvent {
  op: 'c' | 'u' | 'd' | 'r';
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  source: { file: string; pos: number; row: number; table: string };
}
const changeOf = (m: ConsumedMessage): ChangeEvent => JSON.parse(m.value!.toString('utf8')) as ChangeEvent;
// Debezium's MySQL topics: <topic.prefix>.<database>.<table>; the test's database is named after the run.
const ordersTopic = `${run}.${run}.orders`;

describe.skipIf(!mysqlUrl)(
  `change data capture from MySQL through Kafka Connect and Debezium${mysqlUrl ? '' : ' (skipped: MYSQL_URL is not set; MariaDB is not read by the MySQL connector)'}`,
  () => {
    let kafka: Kafka;
    let db: Connection;
    let orders: TopicReader;

    beforeAll(async () => {
      const url = new URL(mysqlUrl!);
      db = await createConnection({ uri: mysqlUrl!, multipleStatements: true });
      await db.query(`CREATE DATABASE ${run}; USE ${run};
        CREATE TABLE orders (order_id varchar(64) PRIMARY KEY, customer_id varchar(64) NOT NULL, status varchar(32) NOT NULL,
          amount decimal(18, 2) NOT NULL, currency char(3) NOT NULL, updated_at timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3));`);
      kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'cdc-mysql-test' }, logger);
      await ensureTopics(kafka, [{ topic: ordersTopic, partitions: 12 }]);
      orders = await TopicReader.open(services.kafkaBrokers, ordersTopic);
      const file = parseConnectorFile(readFileSync(join(repoRoot, 'infra', 'connect', 'mysql.json'), 'utf8'), 'mysql.json');
      const filled = fillConnector(
        { ...file, name: run },
        {
          CDC_MYSQL_HOST: url.hostname,
          CDC_MYSQL_PORT: url.port || '3306',
          CDC_MYSQL_USER: decodeURIComponent(url.username),
          CDC_MYSQL_PASSWORD: decodeURIComponent(url.password),
          // A server id of its own: two binlog readers with one id disconnect each other.
          CDC_MYSQL_SERVER_ID: String(200_000 + Math.floor(Math.random() * 100_000)),
          CDC_MYSQL_DATABASE: run,
          CDC_MYSQL_TABLES: `${run}.orders`,
          KAFKA_BROKERS: services.kafkaBrokers.join(','),
        },
      );
      if ('missing' in filled) throw new Error(`infra/connect/mysql.json needs ${filled.missing.join(', ')}`);
      await putConnector(services.connectUrl, run, {
        ...filled.config,
        'topic.prefix': run,
        'schema.history.internal.kafka.topic': `${run}.schema-history`,
      });
      await streaming();
    }, 240_000);

    afterAll(async () => {
      await orders?.close();
      await deleteConnector(services.connectUrl, run).catch(() => undefined);
      await db?.query(`DROP DATABASE IF EXISTS ${run}`).catch(() => undefined);
      await db?.end();
      if (kafka) await deleteTopicsWithPrefix(kafka, run);
    });

    /**
     * The connector reads the binlog: its task runs, and a probe row committed now arrives (the
     * connector starts from the binlog's end, so only a row seen arriving proves it is reading).
     */
    async function streaming(): Promise<void> {
      let probe = 0;
      await waitFor(
        'the connector streaming',
        async () => {
          if (!(await connectorRunning(services.connectUrl, run))) return undefined;
          if (orders.messages.map(changeOf).some((c) => String(c.after?.order_id).startsWith('probe-'))) return true;
          probe += 1;
          await db.query(
            `INSERT INTO ${run}.orders (order_id, customer_id, status, amount, currency) VALUES (?, 'probe', 'placed', 0, 'CNY')`,
            [`probe-${probe}`],
          );
          return undefined;
        },
        180_000,
      );
    }

    const changesOf = (id: string) => orders.messages.map(changeOf).filter((c) => (c.after ?? c.before)?.order_id === id);
    const waitForChanges = (id: string, count: number) =>
      waitFor(
        `${count} change(s) of order ${id}`,
        () => {
          const found = changesOf(id);
          return found.length >= count ? found : undefined;
        },
        120_000,
      );
    const positions = (changes: ChangeEvent[]) => [...new Set(changes.map((c) => `${c.source.file}/${c.source.pos}/${c.source.row}`))];

    it('sends each committed insert and update, in commit order per row, with its binlog position', async () => {
      await db.query(
        `INSERT INTO ${run}.orders (order_id, customer_id, status, amount, currency) VALUES ('O-1', 'C-1', 'placed', 1250.50, 'CNY')`,
      );
      await db.query(`UPDATE ${run}.orders SET status = 'returned' WHERE order_id = 'O-1'`);
      const changes = await waitForChanges('O-1', 2);
      expect(changes.map((c) => [c.op, c.after?.status])).toEqual([
        ['c', 'placed'],
        ['u', 'returned'],
      ]);
      // Money as text (decimal.handling.mode=string): no float rounding of amounts.
      expect(changes[0]!.after).toMatchObject({ customer_id: 'C-1', amount: '1250.50', currency: 'CNY' });
      expect(changes[1]!.before).toMatchObject({ status: 'placed' });
      expect(changes[0]!.source.table).toBe('orders');
      expect(positions(changes)).toHaveLength(2);
    });

    it('loses nothing across a connector restart; anything sent again keeps its binlog position', async () => {
      await db.query(
        `INSERT INTO ${run}.orders (order_id, customer_id, status, amount, currency) VALUES ('O-2', 'C-2', 'placed', 80, 'USD')`,
      );
      await waitForChanges('O-2', 1);
      await restartConnector(services.connectUrl, run);
      await db.query(`UPDATE ${run}.orders SET status = 'cancelled' WHERE order_id = 'O-2'`);
      await waitFor(
        'the update after the connector restart',
        () => changesOf('O-2').some((c) => c.after?.status === 'cancelled') || undefined,
        120_000,
      );
      const o2 = changesOf('O-2');
      expect(positions(o2)).toHaveLength(2); // the insert and the update, each at most re-sent as itself
      expect(o2.filter((c) => c.op === 'c').every((c) => c.after?.status === 'placed')).toBe(true);
    });
  },
);
