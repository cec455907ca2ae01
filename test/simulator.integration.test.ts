// The simulator against real Kafka and the registry: fast mode writes history straight into
// `customer-events` (as many records as it says, each customer's in event-time order), and paced
// live mode, run through its command line, publishes Avro records to the source topics.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { avroSchemas, topicNames, type CustomerEvent } from '@segmentation/contracts';
import { AvroCodec, createKafka, readTopicToEnd } from '@segmentation/kafka';
import { createLogger } from '@segmentation/runtime';
import { parseOptions, recordKinds, runSimulation, type RecordKind, type SimulatorRun } from '@segmentation/simulator';
import { repoRoot, testServices } from './harness/services.ts';
import { deleteTopicsWithPrefix } from './harness/kafka-state.ts';
import { uniqueName } from './harness/unique.ts';

const services = testServices();
const run = uniqueName('simulator');
const logger = createLogger({ service: 'simulator-test' }, 'silent');
const kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'simulator-test' }, logger);
const codec = new AvroCodec(services.schemaRegistryUrl);
const dir = mkdtempSync(join(tmpdir(), 'simulator-'));
const env = { KAFKA_BROKERS: services.kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: services.schemaRegistryUrl, LOG_LEVEL: 'silent' };

// Only this file's topics: every one of them starts with its unique run name.
afterAll(() => deleteTopicsWithPrefix(kafka, run));

describe('the simulator', () => {
  it('fast mode writes as many events as it reports into customer-events, each customer’s in event-time order', async () => {
    const prefix = `${run}-fast.`;
    const options = parseOptions(
      { seed: '17', customers: '30', days: '60', 'batch-size': '500', 'topic-prefix': prefix, 'ground-truth': join(dir, 'fast.jsonl') },
      env,
    );
    const result = await runSimulation(options, { logger });
    expect(result.report.invalid).toBe(0);
    expect(result.report.total).toBeGreaterThan(200);

    const logged: Array<{ partition: number; offset: bigint; key: string | undefined; event: CustomerEvent }> = [];
    const count = await readTopicToEnd(kafka, topicNames(prefix).customerEvents, async (m) => {
      logged.push({
        partition: m.partition,
        offset: BigInt(m.offset),
        key: m.key?.toString('utf8'),
        event: await codec.decode<CustomerEvent>(m.value, avroSchemas.customerEvent),
      });
    });
    expect(count).toBe(result.report.total);

    logged.sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
    const byCustomer = new Map<string, typeof logged>();
    for (const entry of logged) {
      expect(entry.key).toBe(entry.event.customerId);
      expect(entry.event.source).toBeNull();
      byCustomer.set(entry.event.customerId, [...(byCustomer.get(entry.event.customerId) ?? []), entry]);
    }
    expect(byCustomer.size).toBe(30); // every customer has at least its profile
    for (const [customerId, entries] of byCustomer) {
      expect(new Set(entries.map((e) => e.partition)).size, customerId).toBe(1);
      const times = entries.map((e) => e.event.eventTime);
      expect(
        times.every((t, i) => i === 0 || t >= times[i - 1]!),
        customerId,
      ).toBe(true);
    }
    const bodyKinds = logged.map(({ event }) => Object.keys(event.body)[0]);
    expect(bodyKinds.filter((k) => k === 'segmentation.log.OrderRecorded')).toHaveLength(result.report.written.order);
    expect(bodyKinds.filter((k) => k === 'segmentation.log.ShipmentRecorded')).toHaveLength(result.report.written.shipment);
    expect(bodyKinds.filter((k) => k === 'segmentation.log.ProfileRecorded')).toHaveLength(result.report.written.profile);
    expect(readFileSync(join(dir, 'fast.jsonl'), 'utf8').trimEnd().split('\n')).toHaveLength(30);
  });

  it('paced live mode publishes Avro source records that decode with their topics’ schemas', async () => {
    const prefix = `${run}-live.`;
    const before = Date.now();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        join(repoRoot, 'services', 'simulator', 'src', 'cli.ts'),
        '--mode',
        'live',
        '--rate',
        '2000',
        '--limit',
        '40',
        '--seed',
        '3',
        '--customers',
        '5',
        '--days',
        '90',
        '--topic-prefix',
        prefix,
        '--ground-truth',
        join(dir, 'live.jsonl'),
        '--json',
      ],
      { env: { ...process.env, ...env }, timeout: 90_000 },
    );
    const after = Date.now();
    const summary = JSON.parse(stdout) as SimulatorRun;
    expect(summary.report.total).toBe(40);

    const topics = topicNames(prefix);
    const sources: Record<RecordKind, { topic: string; schema: string }> = {
      order: { topic: topics.orders, schema: avroSchemas.order },
      shipment: { topic: topics.shipments, schema: avroSchemas.shipment },
      complaint: { topic: topics.complaints, schema: avroSchemas.complaint },
      profile: { topic: topics.customerProfiles, schema: avroSchemas.customerProfile },
    };
    let total = 0;
    for (const kind of recordKinds) {
      const records: Array<{ customerId: string; eventTime: number; key: string | undefined }> = [];
      await readTopicToEnd(kafka, sources[kind].topic, async (m) => {
        records.push({
          ...(await codec.decode<{ customerId: string; eventTime: number }>(m.value, sources[kind].schema)),
          key: m.key?.toString('utf8'),
        });
      });
      expect(records, kind).toHaveLength(summary.report.written[kind]);
      for (const r of records) {
        expect(r.key).toBe(r.customerId);
        expect(r.eventTime).toBeGreaterThanOrEqual(before); // stamped with the wall clock as it left
        expect(r.eventTime).toBeLessThanOrEqual(after);
      }
      total += records.length;
    }
    expect(total).toBe(40);
    expect(summary.report.written.profile).toBeGreaterThan(0);
    expect(summary.report.written.order + summary.report.written.shipment).toBeGreaterThan(0);
  });
});
