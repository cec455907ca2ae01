// The import command against real Kafka and the Schema Registry, as an operator runs it
// (`pnpm import-history`, a process of its own): a CSV and a JSON Lines export with some bad rows
// → the good rows in `customer-events` in event-time order, the bad ones in the report with line
// and reason; a second run adds nothing; a run after appending N rows adds exactly N. Then a
// messy JSON Lines history without a mapping file (renamed and extra columns, Chinese keys, an
// order kind in a `type` column, status rows that do not repeat the shipment's mode or the
// complaint's severity): every row that can be read goes in, its gaps filled from the earlier
// rows, including the rows of an earlier run.
import { execFile } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { avroSchemas, bodyOf, topicNames, type CustomerEvent } from '@segmentation/contracts';
import { AvroCodec, createKafka, readTopicToEnd, topicOffsets, type ConsumedMessage } from '@segmentation/kafka';
import { createLogger } from '@segmentation/runtime';
import { deleteTopicsWithPrefix } from './harness/kafka-state.ts';
import { repoRoot, testServices } from './harness/services.ts';
import { TopicReader } from './harness/topic-reader.ts';
import { uniqueName } from './harness/unique.ts';

const services = testServices();
const run = uniqueName('import');
const topics = topicNames(`${run}.`);
const ledgerTopic = `${topics.customerEvents}.import-ledger`;
const kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'import-test' }, createLogger({ service: 'import-test' }, 'error'));
const codec = new AvroCodec(services.schemaRegistryUrl);

const work = mkdtempSync(join(tmpdir(), 'import-test-'));
const orders = join(work, 'orders.csv');
const shipments = join(work, 'shipments.jsonl');
const report = join(work, 'rejects.jsonl');
let log: TopicReader;
const messyRun = uniqueName('import-messy');
const messyTopics = topicNames(`${messyRun}.`);
const messy = join(repoRoot, 'test/fixtures/import/messy');
let messyLog: TopicReader;
const reversedRun = uniqueName('import-reversed');
const reversedTopics = topicNames(`${reversedRun}.`);
let reversedLog: TopicReader | undefined;

interface Summary {
  rowsRead: number;
  imported: number;
  alreadyImported: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
}

/** Runs the command as `pnpm import-history` does, against the topics of `prefix`; stdout must be one JSON document. */
async function runCli<T>(
  files: string[],
  prefix: string,
  extraEnv: Record<string, string> = {},
): Promise<{ exitCode: number; summary: T; stderr: string }> {
  const args = ['services/app/src/import-history-cli.ts', ...files, '--report', report, '--json', '--quiet'];
  const env = {
    ...process.env,
    KAFKA_BROKERS: services.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: services.schemaRegistryUrl,
    TOPIC_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  const { stdout, stderr, exitCode } = await promisify(execFile)(process.execPath, args, { cwd: repoRoot, env })
    .then((r) => ({ stdout: r.stdout, stderr: r.stderr, exitCode: 0 }))
    .catch((err: { stdout: string; stderr: string; code: number }) => {
      // 3: finished with rejected rows; 2: refused before writing (the pre-flight).
      if (err.code !== 3 && err.code !== 2) throw new Error(`import-history exited with ${err.code}: ${err.stderr}`);
      return { stdout: err.stdout, stderr: err.stderr, exitCode: err.code };
    });
  return { exitCode, summary: JSON.parse(stdout) as T, stderr };
}

const importHistory = () => runCli<Summary>(['--orders', orders, '--shipments', shipments], `${run}.`);

/** Records in the topic: the sum of its partitions' end offsets, exact once a produce is acknowledged. */
async function recordCount(topic: string): Promise<number> {
  return [...(await topicOffsets(kafka, topic)).values()].reduce((sum, p) => sum + p.high, 0);
}

const decode = (m: ConsumedMessage) => codec.decode<CustomerEvent>(m.value, avroSchemas.customerEvent);

/** What a logged event is, in the words of the fixture files. */
function label(e: CustomerEvent): string {
  const body = bodyOf(e);
  if (body.kind === 'order') return `${body.order.orderId}`;
  if (body.kind === 'shipment') return `${body.shipment.shipmentId}:${body.shipment.status}`;
  return body.kind;
}

const reportLines = () =>
  readFileSync(report, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { file: string; line: number; reason: string; message: string; row: unknown });

beforeAll(() => {
  copyFileSync(join(repoRoot, 'test/fixtures/import/orders.csv'), orders);
  copyFileSync(join(repoRoot, 'test/fixtures/import/shipments.jsonl'), shipments);
});

afterAll(async () => {
  await log?.close();
  await messyLog?.close();
  await reversedLog?.close();
  await deleteTopicsWithPrefix(kafka, run);
  await deleteTopicsWithPrefix(kafka, messyRun);
  await deleteTopicsWithPrefix(kafka, reversedRun);
});

describe('importing history', () => {
  it('writes the good rows of a CSV and a JSON Lines file into customer-events in event-time order, and reports the bad ones', async () => {
    const { exitCode, summary } = await importHistory();
    expect(exitCode).toBe(3); // finished, with rejected rows
    expect(summary).toMatchObject({
      rowsRead: 14,
      imported: 7,
      alreadyImported: 0,
      rejected: 7,
      rejectedByReason: { invalid_value: 5, unknown_currency: 1, future_event_time: 1 },
    });

    log = await TopicReader.open(services.kafkaBrokers, topics.customerEvents);
    const messages = await log.waitForMessages(7);
    const events = await Promise.all(messages.map(decode));
    expect(events.map(label).sort()).toEqual(['O-1001', 'O-1002', 'O-1003', 'O-1007', 'S-1:DELIVERED', 'S-1:IN_TRANSIT', 'S-3:PICKED_UP']);

    // Each customer's events in the order they happened, although the files list them otherwise.
    const byCustomer = (id: string) => messages.filter((m) => m.key?.toString() === id).sort((a, b) => Number(a.offset) - Number(b.offset));
    const c1 = await Promise.all(byCustomer('C-IMP-1').map(decode));
    expect(c1.map(label)).toEqual(['O-1003', 'S-1:IN_TRANSIT', 'S-1:DELIVERED', 'O-1001']);
    for (const partition of new Set(messages.map((m) => m.partition))) {
      const times = await Promise.all(
        messages
          .filter((m) => m.partition === partition)
          .sort((a, b) => Number(a.offset) - Number(b.offset))
          .map(async (m) => (await decode(m)).eventTime),
      );
      expect(times).toEqual([...times].sort((a, b) => a - b));
    }

    const o1002 = events.find((e) => label(e) === 'O-1002')!;
    expect(o1002).toMatchObject({ customerId: 'C-IMP-2', eventTime: Date.UTC(2024, 0, 15, 2, 30), source: null });
    expect(bodyOf(o1002)).toMatchObject({
      order: { amount: 1250, currency: 'USD', amountBase: 8875, baseCurrency: 'CNY', destinationCountry: 'US' },
    });
    // "2024-03-05 09:00:00" without an offset is Shanghai time.
    expect(events.find((e) => label(e) === 'O-1001')).toMatchObject({ eventTime: Date.UTC(2024, 2, 5, 1) });
    expect(events.find((e) => label(e) === 'S-1:IN_TRANSIT')).toMatchObject({ eventId: 'SHIP-EVT-0001' });

    expect(reportLines().map((r) => [r.file.endsWith('.csv') ? 'orders.csv' : 'shipments.jsonl', r.line, r.reason])).toEqual([
      ['orders.csv', 5, 'unknown_currency'],
      ['orders.csv', 6, 'future_event_time'],
      ['orders.csv', 7, 'invalid_value'],
      ['orders.csv', 10, 'invalid_value'],
      ['shipments.jsonl', 3, 'invalid_value'],
      ['shipments.jsonl', 4, 'invalid_value'],
      ['shipments.jsonl', 6, 'invalid_value'],
    ]);
    expect(reportLines()[0]).toMatchObject({ message: 'no rate for currency XYZ', row: { 'Order ID': 'O-1004', currency: 'XYZ' } });
    expect(await recordCount(topics.customerEvents)).toBe(7);
  });

  it('adds nothing when run again on the same files', async () => {
    const { exitCode, summary } = await importHistory();
    expect(exitCode).toBe(3);
    expect(summary).toMatchObject({ rowsRead: 14, imported: 0, alreadyImported: 7, rejected: 7 });
    expect(await recordCount(topics.customerEvents)).toBe(7);
  });

  it('adds exactly the rows appended since', async () => {
    appendFileSync(
      orders,
      [
        'C-IMP-4,O-2001,placed,2023-06-01 08:00,2600,CNY,standard,,,CN,DE,an older order found later',
        'C-IMP-1,O-2002,placed,2024-04-01 08:00,950,EUR,express,,,CN,FR,',
        'C-IMP-4,O-2003,placed,2024-04-02 08:00,-5,CNY,standard,,,CN,DE,negative amount',
      ].join('\r\n') + '\r\n',
    );
    appendFileSync(
      shipments,
      JSON.stringify({
        customer_id: 'C-IMP-1',
        shipment_id: 'S-4',
        status: 'picked up',
        transport_mode: 'air',
        event_time: '2024-04-02 09:00',
      }) + '\n',
    );

    const { exitCode, summary } = await importHistory();
    expect(exitCode).toBe(3);
    expect(summary).toMatchObject({ rowsRead: 18, imported: 3, alreadyImported: 7, rejected: 8 });
    expect(await recordCount(topics.customerEvents)).toBe(10);
    const events = await Promise.all((await log.waitForMessages(10)).map(decode));
    expect(events.map(label).sort()).toEqual([
      'O-1001',
      'O-1002',
      'O-1003',
      'O-1007',
      'O-2001',
      'O-2002',
      'S-1:DELIVERED',
      'S-1:IN_TRANSIT',
      'S-3:PICKED_UP',
      'S-4:PICKED_UP',
    ]);
    expect(
      reportLines()
        .filter((r) => r.file === orders)
        .map((r) => r.line),
    ).toEqual([5, 6, 7, 10, 13]);
    expect(reportLines().find((r) => r.line === 13)).toMatchObject({
      file: orders,
      reason: 'invalid_value',
      message: 'amount: must not be negative',
    });

    // The ledger holds exactly the events in the log, keyed by event id.
    const ledger: string[] = [];
    await readTopicToEnd(kafka, ledgerTopic, (m) => {
      ledger.push(m.key!.toString());
    });
    expect(ledger.sort()).toEqual(events.map((e) => e.eventId).sort());
  });
});

interface FileSummary {
  kind: string;
  rows: number;
  imported: number;
  rejectedByReason: Record<string, number>;
  carriedForward: Record<string, number>;
  defaults: Record<string, number>;
  events: Record<string, number>;
}

describe('importing a messy JSON Lines history without a mapping file', () => {
  const fileArgs = [
    '--profiles',
    'profiles.jsonl',
    '--orders',
    'orders.jsonl',
    '--shipments',
    'shipments.jsonl',
    '--complaints',
    'complaints.jsonl',
  ].map((a, i) => (i % 2 === 1 ? join(messy, a) : a));

  it('imports every readable row, filling what status rows leave out from the earlier rows, and says what it did per file', async () => {
    const { exitCode, summary } = await runCli<Summary & { files: FileSummary[] }>(fileArgs, `${messyRun}.`);
    expect(exitCode).toBe(3);
    expect(summary).toMatchObject({ rowsRead: 19, imported: 16, rejected: 3, rejectedByReason: { no_earlier_row: 2, invalid_value: 1 } });
    const file = (kind: string) => summary.files.find((f) => f.kind === kind);
    const [profiles, ordersFile, shipmentsFile, complaintsFile] = ['profiles', 'orders', 'shipments', 'complaints'].map(file);
    expect(profiles).toMatchObject({ kind: 'profiles', imported: 3, events: { PROFILE: 3 } });
    expect(ordersFile).toMatchObject({
      imported: 5,
      events: { PLACED: 3, RETURNED: 1, CANCELLED: 1 },
      defaults: {},
      carriedForward: { originCountry: 2, destinationCountry: 2 },
      rejectedByReason: { no_earlier_row: 1, invalid_value: 1 },
    });
    expect(shipmentsFile).toMatchObject({ imported: 5, carriedForward: { transportMode: 3 }, rejectedByReason: { no_earlier_row: 1 } });
    expect(complaintsFile).toMatchObject({ imported: 3, carriedForward: { severity: 2, category: 2 } });

    messyLog = await TopicReader.open(services.kafkaBrokers, messyTopics.customerEvents);
    const events = await Promise.all((await messyLog.waitForMessages(16)).map(decode));
    const bodies = events.map(bodyOf);
    expect(bodies.find((b) => b.kind === 'order' && b.order.kind === 'RETURNED')).toMatchObject({
      order: { orderId: 'MO-1', originCountry: 'CN', destinationCountry: 'DE' },
    });
    expect(bodies.find((b) => b.kind === 'shipment' && b.shipment.status === 'DELIVERED')).toMatchObject({
      shipment: { shipmentId: 'MS-1', transportMode: 'SEA', port: 'CNNGB', onTime: true },
    });
    expect(bodies.find((b) => b.kind === 'complaint' && b.complaint.action === 'RESOLVED')).toMatchObject({
      complaint: { severity: 'HIGH', category: 'DAMAGE', satisfactionScore: 2 },
    });
    expect(
      events
        .filter((e) => e.customerId === 'C-MSY-1')
        .map(bodyOf)
        .find((b) => b.kind === 'profile'),
    ).toMatchObject({ profile: { industry: 'MANUFACTURING', customerType: 'CARGO_OWNER', country: 'CN', region: '浙江' } });
    expect(reportLines().map((r) => [r.file.split('/').pop(), r.line, r.reason])).toEqual([
      ['orders.jsonl', 6, 'no_earlier_row'],
      ['orders.jsonl', 7, 'invalid_value'],
      ['shipments.jsonl', 6, 'no_earlier_row'],
    ]);
  });

  it("takes what a later run's status row leaves out from the rows an earlier run imported", async () => {
    const feed = join(work, 'tracking-later.jsonl');
    writeFileSync(
      feed,
      JSON.stringify({ waybill_no: 'MS-2', customer_code: 'C-MSY-1', event_type: 'returned', occurred_at: '2024-03-09 09:00' }) + '\n',
    );
    const { exitCode, summary } = await runCli<Summary & { files: FileSummary[] }>(['--shipments', feed], `${messyRun}.`);
    expect(exitCode).toBe(0);
    expect(summary.files[0]).toMatchObject({ imported: 1, carriedForward: { transportMode: 1, orderId: 1 }, events: { RETURNED: 1 } });
    const events = await Promise.all((await messyLog.waitForMessages(17)).map(decode));
    expect(events.map(bodyOf).find((b) => b.kind === 'shipment' && b.shipment.status === 'RETURNED')).toMatchObject({
      shipment: { shipmentId: 'MS-2', transportMode: 'ROAD', orderId: 'MO-2' },
    });
  });

  it('refuses a later status feed whose shipments no earlier run imported, before writing anything', async () => {
    const feed = join(work, 'tracking-unknown.jsonl');
    writeFileSync(
      feed,
      JSON.stringify({
        waybill_no: 'MS-99',
        customer_code: 'C-MSY-1',
        event_type: 'delivered',
        occurred_at: '2024-03-09 09:00',
        delivered_at: '2024-03-09 08:00',
      }) + '\n',
    );
    const before = await recordCount(messyTopics.customerEvents);
    const { exitCode, summary, stderr } = await runCli<{ refused: string }>(['--shipments', feed], `${messyRun}.`);
    expect(exitCode).toBe(2);
    expect(summary.refused).toMatch(
      /has no column for: transportMode \(looked for .*\), and no earlier import of these shipments gives it/,
    );
    expect(stderr).toContain('no earlier import');
    expect(await recordCount(messyTopics.customerEvents)).toBe(before);
  });
});

describe('importing a file in reverse time order, sorted on disk', () => {
  it('writes every row in event-time order (ties in line order) when the rows fill many sorted runs', async () => {
    // 90 orders of 3 customers, the newest first; each two rows share a time, so ties are broken by line.
    const file = join(work, 'orders-newest-first.csv');
    const rows = Array.from({ length: 90 }, (_, k) => {
      const i = 89 - k;
      const time = new Date(Date.UTC(2024, 0, 1) + Math.floor(i / 2) * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
      return {
        line: k + 2,
        customer: `C-REV-${i % 3}`,
        order: `O-REV-${i}`,
        time,
        text: `C-REV-${i % 3},O-REV-${i},placed,${time}+00:00,100,CNY,standard,,,CN,DE,`,
      };
    });
    writeFileSync(
      file,
      [
        'customer_id,Order ID,order_status,order_time,order_amount,currency,service_level,value_added_services,weight_kg,origin_country,destination_country,remark',
        ...rows.map((r) => r.text),
      ].join('\n') + '\n',
    );

    // 90 rows in runs of 4: more than 20 runs spilled and merged for each sort of the run.
    const { exitCode, summary } = await runCli<Summary>(['--orders', file], `${reversedRun}.`, { IMPORT_SORT_RUN_ROWS: '4' });
    expect(exitCode).toBe(0);
    expect(summary).toMatchObject({ rowsRead: 90, imported: 90, rejected: 0 });

    reversedLog = await TopicReader.open(services.kafkaBrokers, reversedTopics.customerEvents);
    const messages = await reversedLog.waitForMessages(90);
    for (const customer of ['C-REV-0', 'C-REV-1', 'C-REV-2']) {
      const logged = await Promise.all(
        messages
          .filter((m) => m.key?.toString() === customer)
          .sort((a, b) => Number(a.offset) - Number(b.offset))
          .map(decode),
      );
      const expected = rows
        .filter((r) => r.customer === customer)
        .sort((a, b) => a.time.localeCompare(b.time) || a.line - b.line)
        .map((r) => r.order);
      expect(logged.map(label)).toEqual(expected);
    }
    expect(await recordCount(reversedTopics.customerEvents)).toBe(90);
  });
});
