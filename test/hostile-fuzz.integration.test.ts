// Hostile input at volume, through real Kafka, the registry and Redis: a seeded fuzzer
// mixes 10,000 mutated messages (truncation, bit flips, wrong schema ids, garbage, missing keys,
// extreme numbers and times, huge strings, re-sent event ids) into a stream of valid orders,
// shipments and complaints. Ingest and the segmenter must not stop; every message is accounted
// for exactly once; every mutation whose outcome is certain is dead-lettered with its reason; every
// valid message is applied.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, startPipeline, type Pipeline } from '@segmentation/app';
import {
  aComplaint,
  anOrder,
  aShipment,
  avroSchemas,
  topicNames,
  valueSubject,
  type Complaint,
  type CustomerEvent,
  type Order,
  type Shipment,
} from '@segmentation/contracts';
import { AvroCodec, createKafka, readTopicToEnd, ReliableProducer, type ConsumedMessage, type OutgoingMessage } from '@segmentation/kafka';
import { createLogger, createMetricsRegistry, type Registry } from '@segmentation/runtime';
import { createRandom } from '@segmentation/simulator';
import { committedOffsets, deleteTopicsWithPrefix, metricTotal } from './harness/kafka-state.ts';
import { deleteRunKeys, runEnv } from './harness/segmenter-run.ts';
import { testServices } from './harness/services.ts';
import { uniqueName } from './harness/unique.ts';
import { waitFor } from './harness/wait-for.ts';

const services = testServices();
const run = uniqueName('fuzz');
const topics = topicNames(`${run}.`);
const logger = createLogger({ service: 'fuzz-test' }, 'error');
/** FUZZ_SEED=<n> `./dev pnpm test:fuzz` replays (or varies) a run; the README's test command uses the default. */
const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
const GOOD = 2500;
const BAD = 10_000;
const DUPLICATES = 500; // of the bad ones: valid orders re-sent with an event id already applied
const NOW = Date.now();
const DAY = 86_400_000;

// The simulator's seeded generator: a seed always gives the same stream, so a failure can be replayed.
const rng = createRandom(SEED, 'hostile-fuzz');
const rand = (): number => rng.next();
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const int = (n: number): number => Math.floor(rand() * n);

type Source = 'orders' | 'shipments' | 'complaints';
type Kind =
  | 'good'
  | 'duplicate'
  | 'truncated'
  | 'wrong_schema_id'
  | 'garbage'
  | 'missing_key'
  | 'extreme_number'
  | 'extreme_time'
  | 'huge_string'
  | 'bit_flip';
/** The dead-letter reasons a mutation may get; bit flips may or may not survive, so none. */
const EXPECTED: Partial<Record<Kind, string[]>> = {
  truncated: ['undecodable'],
  wrong_schema_id: ['unknown_schema'],
  garbage: ['undecodable'],
  missing_key: ['missing_key'],
  extreme_number: ['invalid_value'],
  huge_string: ['invalid_value'],
  // -8.64e15 comes out of Avro's long as +8.64e15 (avsc), far in the future.
  extreme_time: ['invalid_value', 'future_event_time'],
};
const BAD_KINDS: Kind[] = [
  'truncated',
  'wrong_schema_id',
  'garbage',
  'missing_key',
  'extreme_number',
  'extreme_time',
  'huge_string',
  'bit_flip',
];

interface Sent {
  id: number;
  kind: Kind;
  source: Source;
  eventId: string;
  message: OutgoingMessage;
}

let pipeline: Pipeline;
let metrics: Registry;
let producer: ReliableProducer;
let codec: AvroCodec;
/** Sends in order, in requests under the broker's 1 MB batch limit (huge strings are up to 150 kB each). */
async function sendInBatches(source: Source, messages: OutgoingMessage[]): Promise<void> {
  let batch: OutgoingMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = (m.value?.length ?? 0) + 100;
    if (bytes + size > 700_000 && batch.length > 0) {
      await producer.send(topics[source], batch);
      batch = [];
      bytes = 0;
    }
    batch.push(m);
    bytes += size;
  }
  if (batch.length > 0) await producer.send(topics[source], batch);
}

const kafka = () => createKafka({ brokers: services.kafkaBrokers, clientId: 'fuzz-test' }, logger);

beforeAll(async () => {
  metrics = createMetricsRegistry(false);
  pipeline = await startPipeline(loadConfig({ ...runEnv(services, run), ROLES: 'ingest,segmenter', LOG_LEVEL: 'silent' }), logger, metrics);
  producer = new ReliableProducer(kafka());
  await producer.connect();
  codec = new AvroCodec(services.schemaRegistryUrl);
});

afterAll(async () => {
  await pipeline?.stop();
  await producer?.disconnect();
  await deleteRunKeys(services.redisUrl, run);
  await deleteTopicsWithPrefix(kafka(), run);
});

describe('a seeded fuzzer against ingest and the segmenter', () => {
  it(`accounts for ${BAD} mutated messages mixed into ${GOOD} valid ones, and applies every valid one`, async () => {
    const schemaIds = {
      orders: await codec.register(valueSubject(topics.orders), avroSchemas.order),
      shipments: await codec.register(valueSubject(topics.shipments), avroSchemas.shipment),
      complaints: await codec.register(valueSubject(topics.complaints), avroSchemas.complaint),
    };
    const schemas = { orders: avroSchemas.order, shipments: avroSchemas.shipment, complaints: avroSchemas.complaint };
    const customers = Array.from({ length: 60 }, (_, i) => `C-FZ-${i}`);
    let next = 0;
    const template = (source: Source): Order | Shipment | Complaint => {
      // A year of history in log order would be the importer's job; live traffic is recent: the last five days.
      const base = { customerId: pick(customers), eventId: `fz-${SEED}-${next}`, eventTime: NOW - int(5 * DAY) };
      if (source === 'orders')
        return anOrder({
          ...base,
          orderId: `O-${next}`,
          amount: 100 + int(50_000),
          serviceLevel: pick(['EXPRESS', 'STANDARD', 'ECONOMY'] as const),
        });
      if (source === 'shipments') {
        const status = pick(['PICKED_UP', 'IN_TRANSIT', 'DELIVERED', 'DAMAGED'] as const);
        return aShipment({ ...base, shipmentId: `S-${next}`, status, actualDeliveryTime: status === 'DELIVERED' ? base.eventTime : null });
      }
      return aComplaint({ ...base, complaintId: `K-${next}` });
    };
    const encode = (source: Source, record: object) => codec.encode(schemaIds[source], schemas[source], record);
    const sent: Sent[] = [];
    const add = (kind: Kind, source: Source, eventId: string, key: string | null, value: Buffer) => {
      const id = sent.length;
      sent.push({ id, kind, source, eventId, message: { key, value, headers: { 'fuzz-id': String(id), 'fuzz-kind': kind } } });
    };

    const goods: Array<{ source: Source; record: Order | Shipment | Complaint }> = [];
    for (let i = 0; i < GOOD; i++, next++) {
      const source = pick(['orders', 'orders', 'orders', 'shipments', 'complaints'] as const);
      const record = template(source);
      goods.push({ source, record });
      add('good', source, record.eventId, record.customerId, encode(source, record));
    }
    for (let i = 0; i < BAD - DUPLICATES; i++, next++) {
      const kind = pick(BAD_KINDS);
      const source = pick(['orders', 'shipments', 'complaints'] as const);
      const record = template(source) as unknown as Record<string, unknown> & { customerId: string; eventId: string };
      const valid = encode(source, record);
      switch (kind) {
        case 'truncated':
          add(kind, source, record.eventId, record.customerId, valid.subarray(0, 6 + int(valid.length - 6)));
          break;
        case 'wrong_schema_id': {
          const value = Buffer.from(valid);
          value.writeUInt32BE(2 ** 30 + int(2 ** 30), 1);
          add(kind, source, record.eventId, record.customerId, value);
          break;
        }
        case 'garbage':
          add(
            kind,
            source,
            record.eventId,
            record.customerId,
            Buffer.from(Array.from({ length: 1 + int(400) }, (_, j) => (j === 0 ? 1 + int(255) : int(256)))),
          );
          break;
        case 'missing_key':
          add(kind, source, record.eventId, null, valid);
          break;
        case 'extreme_number': {
          const field = source === 'orders' ? pick(['amount', 'weightKg']) : source === 'complaints' ? 'npsScore' : 'promisedDeliveryTime';
          const value =
            field === 'npsScore'
              ? pick([-1, 11, 2 ** 31 - 1])
              : field === 'promisedDeliveryTime'
                ? pick([-1, 0])
                : pick([-1, Number.NaN, Number.POSITIVE_INFINITY, 1e300, -1e300]);
          add(
            kind,
            source,
            record.eventId,
            record.customerId,
            encode(source, { ...record, [field]: value, ...(field === 'npsScore' ? { action: 'RESOLVED' } : {}) }),
          );
          break;
        }
        case 'extreme_time':
          add(kind, source, record.eventId, record.customerId, encode(source, { ...record, eventTime: pick([0, -1, -8.64e15]) }));
          break;
        case 'huge_string': {
          const field = pick(['eventId', source === 'orders' ? 'orderId' : source === 'shipments' ? 'shipmentId' : 'complaintId']);
          add(kind, source, record.eventId, record.customerId, encode(source, { ...record, [field]: 'x'.repeat(129 + int(150_000)) }));
          break;
        }
        case 'bit_flip': {
          const value = Buffer.from(valid);
          for (let f = 1 + int(3); f > 0; f--) {
            const at = 5 + int(value.length - 5);
            value[at] = value[at]! ^ (1 << int(8));
          }
          add(kind, source, record.eventId, record.customerId, value);
          break;
        }
        default:
          throw new Error(`no mutation for ${kind}`);
      }
    }
    // Shuffled into one stream; then the duplicates: a producer's retry of a valid order (the same
    // event id, here with another amount) right behind its original, as retries come. The
    // segmenter remembers a customer's recent ids (its last 32, a week of event time), so those
    // are what it must catch; a re-send months later is outside what it promises to recognise.
    for (let i = sent.length - 1; i > 0; i--) {
      const j = int(i + 1);
      [sent[i], sent[j]] = [sent[j]!, sent[i]!];
    }
    const retried = new Set(
      goods
        .filter((g) => g.source === 'orders')
        .slice(0, DUPLICATES)
        .map((g) => g.record.eventId),
    );
    const stream = sent.splice(0);
    for (const s of stream) {
      sent.push(s);
      if (s.kind !== 'good' || !retried.has(s.eventId)) continue;
      const record = goods.find((g) => g.record.eventId === s.eventId)!.record as Order;
      add('duplicate', 'orders', record.eventId, record.customerId, encode('orders', { ...record, amount: record.amount + 1 }));
    }
    sent.forEach((s, i) => {
      s.id = i;
      s.message.headers = { 'fuzz-id': String(i), 'fuzz-kind': s.kind };
    });
    for (const source of ['orders', 'shipments', 'complaints'] as const)
      await sendInBatches(
        source,
        sent.filter((s) => s.source === source).map((s) => s.message),
      );
    const bySource = (source: Source) => sent.filter((s) => s.source === source).length;

    // Ingest consumed everything; the segmenter consumed everything ingest forwarded.
    await waitFor(
      'ingest through every source message',
      async () => {
        const done = await Promise.all(
          (['orders', 'shipments', 'complaints'] as const).map(
            async (s) => (await committedOffsets(kafka(), `${run}-ingest`, topics[s])) === bySource(s),
          ),
        );
        return done.every(Boolean);
      },
      400_000,
    );
    const forwarded: ConsumedMessage[] = [];
    await readTopicToEnd(kafka(), topics.customerEvents, (m) => {
      forwarded.push(m);
    });
    await waitFor(
      'the segmenter through every forwarded record',
      async () => (await committedOffsets(kafka(), `${run}-segmenter`, topics.customerEvents)) === forwarded.length,
      180_000,
    );

    const deadAtIngest = new Map<number, string>();
    for (const dlq of [topics.ordersDeadLetter, topics.shipmentsDeadLetter, topics.complaintsDeadLetter]) {
      await readTopicToEnd(kafka(), dlq, (m) => {
        const id = Number(m.headers['fuzz-id']?.toString());
        expect(deadAtIngest.has(id), `fuzz message ${id} dead-lettered twice`).toBe(false);
        deadAtIngest.set(id, m.headers['__connect.errors.exception.class.name']?.toString() ?? '');
      });
    }
    const deadAtSegmenter: Array<{ eventId: string; reason: string }> = [];
    await readTopicToEnd(kafka(), topics.customerEventsDeadLetter, async (m) => {
      deadAtSegmenter.push({
        eventId: (await codec.decode<CustomerEvent>(m.value, avroSchemas.customerEvent)).eventId,
        reason: m.headers['__connect.errors.exception.class.name']?.toString() ?? '',
      });
    });
    const forwardedIds = await Promise.all(
      forwarded.map(async (m) => (await codec.decode<CustomerEvent>(m.value, avroSchemas.customerEvent)).eventId),
    );

    // Every message exactly once: dead-lettered at ingest, or forwarded.
    expect(deadAtIngest.size + forwarded.length).toBe(sent.length);
    const wrong = sent
      .filter((s) => EXPECTED[s.kind] !== undefined && !EXPECTED[s.kind]!.includes(deadAtIngest.get(s.id) ?? 'forwarded'))
      .map((s) => `${s.id} ${s.kind}: ${deadAtIngest.get(s.id) ?? 'forwarded'}`);
    expect(wrong).toEqual([]);
    expect(
      sent
        .filter((s) => (s.kind === 'good' || s.kind === 'duplicate') && deadAtIngest.has(s.id))
        .map((s) => `${s.id} ${s.source}: ${deadAtIngest.get(s.id)}`),
    ).toEqual([]);
    const flips = sent.filter((s) => s.kind === 'bit_flip');
    console.log(
      `fuzz seed ${SEED}: ${sent.length} messages (${GOOD} valid, ${BAD} mutated); ${deadAtIngest.size} dead-lettered at ingest, ${forwarded.length} forwarded; bit flips: ${flips.filter((s) => deadAtIngest.has(s.id)).length} caught, ${flips.filter((s) => !deadAtIngest.has(s.id)).length} still valid`,
    );

    // The segmenter refused exactly the re-sent ids, as duplicates, and applied the rest.
    const duplicateIds = new Set(sent.filter((s) => s.kind === 'duplicate').map((s) => s.eventId));
    expect(deadAtSegmenter.filter((d) => d.reason === 'duplicate' && duplicateIds.has(d.eventId))).toHaveLength(DUPLICATES);
    expect(await metricTotal(metrics, 'segmenter_records_total', { result: 'applied' })).toBe(forwarded.length - deadAtSegmenter.length);
    const appliedIds = new Set(forwardedIds);
    expect(goods.filter((g) => !appliedIds.has(g.record.eventId)).map((g) => g.record.eventId)).toEqual([]);
    expect(pipeline.checks.every((c) => c.isReady())).toBe(true);
  }, 600_000);
});
