// The notifier against real Kafka, the schema registry, Redis and a real Prometheus Alertmanager,
// with local HTTP servers as receivers: signed webhooks verify, a failing receiver gets the alert
// after a retry, an alert is delivered once however often Kafka delivers it, a receiver that
// refuses puts the alert on the dead-letter topic (without its URL or secret), routing follows
// level, value tier, region, cause and segment changes, receivers hear of an alert episode's
// opening, escalations and close only, and Alertmanager shows the alert and resolves it.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, loadRules } from '@segmentation/app';
import {
  aChurnAlert,
  aProfileEvent,
  aSegmentChange,
  avroSchemas,
  topicNames,
  valueSubject,
  type ChurnAlert,
  type SegmentChange,
  type TopicNames,
} from '@segmentation/contracts';
import {
  AvroCodec,
  createKafka,
  customerErasuresTopic,
  ensureTopics,
  ReliableProducer,
  rewindGroup,
  type Kafka,
} from '@segmentation/kafka';
import { createNotifier, firingKey, notifiedKey, parseNotifierConfig, verifyWebhookSignature } from '@segmentation/notifier';
import { createLogger, createMetricsRegistry, type Registry } from '@segmentation/runtime';
import { applyEvent, emptyRecord } from '@segmentation/segmentation';
import { customerRecordCodec } from '@segmentation/readers';
import { ErasureList, requestErasure } from '@segmentation/erasure';
import { connectRedis, customerKey, CustomerStateStore, deleteKeysWithPrefix, type RedisClient } from '@segmentation/state';
import { startAlertmanager, type AlertmanagerHandle } from './harness/alertmanager.ts';
import { committedOffsets, deleteTopicsWithPrefix, metricTotal } from './harness/kafka-state.ts';
import { testServices } from './harness/services.ts';
import { TopicReader } from './harness/topic-reader.ts';
import { uniqueName } from './harness/unique.ts';
import { waitFor } from './harness/wait-for.ts';

const services = testServices();
const run = uniqueName('notifier');
const keyPrefix = `${run}:`;
const logger = createLogger({ service: 'notifier-test' }, 'silent');
const SECRET = 'whsec-integration-7f3a9c';
const TOKEN = 'tok-4b1d8e0c2a7f';

let kafka: Kafka;
let producer: ReliableProducer;
let codec: AvroCodec;
let redis: RedisClient;

beforeAll(async () => {
  kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'notifier-test' }, logger);
  codec = new AvroCodec(services.schemaRegistryUrl);
  producer = new ReliableProducer(kafka);
  await producer.connect();
  redis = await connectRedis(services.redisUrl);
});

afterAll(async () => {
  await producer?.disconnect();
  if (kafka) await deleteTopicsWithPrefix(kafka, run);
  if (redis) {
    await deleteKeysWithPrefix(redis, keyPrefix);
    redis.disconnect();
  }
});

// --- a test's own topics, and what it writes into them ----------------------------------------

interface Channel {
  topics: TopicNames;
  sendAlerts(alerts: ChurnAlert[]): Promise<void>;
  sendChanges(changes: SegmentChange[]): Promise<void>;
}

/** Churn alerts and segment changes with their dead-letter twins, under a prefix of the test's own. */
async function openChannel(label: string): Promise<Channel> {
  const topics = topicNames(`${run}.${label}.`);
  await ensureTopics(kafka, [
    { topic: topics.churnAlerts, partitions: 3 },
    { topic: topics.churnAlertsDeadLetter, partitions: 1 },
    { topic: topics.segmentChanges, partitions: 3 },
    { topic: topics.segmentChangesDeadLetter, partitions: 1 },
  ]);
  const alertSchema = await codec.register(valueSubject(topics.churnAlerts), avroSchemas.churnAlert);
  const changeSchema = await codec.register(valueSubject(topics.segmentChanges), avroSchemas.segmentChange);
  return {
    topics,
    sendAlerts: (alerts) =>
      producer.send(
        topics.churnAlerts,
        alerts.map((a) => ({ key: a.customerId, value: codec.encode(alertSchema, avroSchemas.churnAlert, a) })),
      ),
    sendChanges: (changes) =>
      producer.send(
        topics.segmentChanges,
        changes.map((c) => ({ key: c.customerId, value: codec.encode(changeSchema, avroSchemas.segmentChange, c) })),
      ),
  };
}

const anAlert = (customerId: string, overrides: Partial<ChurnAlert> = {}): ChurnAlert =>
  aChurnAlert({
    customerId,
    sequence: 1,
    level: 'warning',
    eventTime: Date.now() - 60_000,
    riskScore: 0.71,
    valueTier: 'high',
    reasons: [{ code: 'order_gap', text: 'No order for 45 days', value: 45 }],
    action: 'Account manager call',
    ...overrides,
  });

// --- receivers: local HTTP servers -------------------------------------------------------------

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}
interface Receiver {
  url: string;
  received: Received[];
  ids(): string[];
  close(): Promise<void>;
}

/** An HTTP receiver on a free port answering each request with `answer(request, n)` (n from 1). */
async function startReceiver(
  answer: (r: Received, n: number) => { status: number; body?: string } = () => ({ status: 200 }),
): Promise<Receiver> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      const { status, body } = answer(r, received.length);
      res.writeHead(status, { 'content-type': 'application/json' }).end(body ?? '{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    received,
    ids: () => received.map((r) => String(r.headers['x-segmentation-id'] ?? (JSON.parse(r.body) as { alertId?: string }).alertId)),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function startNotifier(
  channel: Channel,
  configText: string,
  env: Record<string, string>,
  groupId = uniqueName('notifier'),
  metrics: Registry = createMetricsRegistry(false),
  erasures?: ErasureList,
  processingAttempts?: number,
) {
  const notifier = createNotifier(
    {
      groupId,
      topics: channel.topics,
      config: parseNotifierConfig(configText, env),
      sessionTimeoutMs: 6000,
      redisKeyPrefix: keyPrefix,
      timeZone: 'Asia/Shanghai',
      processingAttempts,
    },
    { kafka, producer, codec, logger, metrics, redis, erasures },
  );
  return { notifier, groupId, metrics };
}

const FAST_RETRY = 'retry: { attempts: 3, initialMs: 50, maxMs: 200 }';

describe('the notifier', () => {
  it('signs webhook bodies so that the receiver verifies them with the shared secret', async () => {
    const channel = await openChannel('signed');
    const hook = await startReceiver();
    const { notifier } = startNotifier(
      channel,
      `
receivers:
  - { name: ops-webhook, type: webhook, url: "\${HOOK_URL}", secret: "\${HOOK_SECRET}" }
routes:
  - receivers: [ops-webhook]
`,
      { HOOK_URL: `${hook.url}/churn`, HOOK_SECRET: SECRET },
    );
    const alert = anAlert(uniqueName('C-signed'));
    await channel.sendAlerts([alert]);
    await notifier.start();
    try {
      const [request] = await waitFor('the webhook request', () => hook.received.length > 0 && hook.received);
      const headers = {
        timestamp: request!.headers['x-segmentation-timestamp'] as string,
        signature: request!.headers['x-segmentation-signature'] as string,
      };
      const now = Math.floor(Date.now() / 1000);
      expect(verifyWebhookSignature(SECRET, headers, request!.body, now)).toBe(true);
      expect(verifyWebhookSignature('another-secret', headers, request!.body, now)).toBe(false);
      expect(request!.path).toBe('/churn');
      expect(request!.headers['x-segmentation-id']).toBe(alert.alertId);
      expect(JSON.parse(request!.body)).toEqual({ kind: 'churn_alert', ...alert });
    } finally {
      await notifier.stop();
      await hook.close();
    }
  });

  it('does not send alerts older than maxAgeHours (a replay must not page anyone about the past)', async () => {
    const channel = await openChannel('stale');
    const hook = await startReceiver();
    const { notifier, metrics } = startNotifier(
      channel,
      `
receivers:
  - { name: ops-webhook, type: webhook, url: "\${HOOK_URL}" }
routes:
  - receivers: [ops-webhook]
maxAgeHours: 24
`,
      { HOOK_URL: hook.url },
    );
    const customerId = uniqueName('C-stale');
    const old = anAlert(customerId, { sequence: 1, eventTime: Date.now() - 3 * 86_400_000 });
    const fresh = anAlert(customerId, { sequence: 2 }); // same customer: same partition, after the old one
    await channel.sendAlerts([old, fresh]);
    await notifier.start();
    try {
      await waitFor('the fresh alert', () => hook.ids().includes(fresh.alertId) || undefined);
      expect(hook.ids()).toEqual([fresh.alertId]);
      expect(await metricTotal(metrics, 'notifier_deliveries_total', { outcome: 'stale' })).toBe(1);
    } finally {
      await notifier.stop();
      await hook.close();
    }
  });

  it('tells nobody about an erased customer and forgets what it delivered about them', async () => {
    const channel = await openChannel('erased');
    await ensureTopics(kafka, [customerErasuresTopic(channel.topics.customerErasures)]);
    const erasures = new ErasureList(kafka, codec, { topic: channel.topics.customerErasures, groupPrefix: uniqueName('erasures') }, logger);
    const hook = await startReceiver();
    const { notifier, metrics } = startNotifier(
      channel,
      `
receivers:
  - { name: ops-webhook, type: webhook, url: "\${HOOK_URL}" }
routes:
  - receivers: [ops-webhook]
`,
      { HOOK_URL: hook.url },
      uniqueName('notifier'),
      createMetricsRegistry(false),
      erasures,
    );
    const [erased, other] = [uniqueName('C-erased'), uniqueName('C-other')];
    const before = anAlert(erased, { sequence: 1 });
    await erasures.start();
    await notifier.start();
    try {
      await channel.sendAlerts([before]);
      await waitFor('the alert before the erasure', () => hook.ids().includes(before.alertId) || undefined);
      await redis.hset(firingKey(keyPrefix, erased), 'some-alertmanager', '{}'); // as an Alertmanager receiver leaves it
      expect(await redis.exists(notifiedKey(keyPrefix, before.alertId))).toBe(1);

      await requestErasure({ producer, codec }, channel.topics.customerErasures, [erased], {
        requestedBy: 'notifier-test',
        reason: 'TICKET-1',
        requestedAt: Date.now(),
      });
      await waitFor(
        'the delivery marks forgotten',
        async () => (await redis.exists(notifiedKey(keyPrefix, before.alertId), firingKey(keyPrefix, erased))) === 0 || undefined,
      );
      const [after, ofOther] = [anAlert(erased, { sequence: 2 }), anAlert(other)];
      await channel.sendAlerts([after, ofOther]);
      await waitFor("the other customer's alert", () => hook.ids().includes(ofOther.alertId) || undefined);
      await waitFor(
        "the erased customer's alert skipped",
        async () => (await metricTotal(metrics, 'notifier_deliveries_total', { outcome: 'erased' })) === 1 || undefined,
      );
      expect(hook.ids()).toEqual([before.alertId, ofOther.alertId]);
    } finally {
      await notifier.stop();
      await erasures.stop();
      await hook.close();
    }
  });

  it('retries a receiver that fails (500) and delivers when it recovers', async () => {
    const channel = await openChannel('retry');
    const hook = await startReceiver((_, n) => (n === 1 ? { status: 500, body: 'warming up' } : { status: 200 }));
    const { notifier, groupId, metrics } = startNotifier(
      channel,
      `
receivers:
  - { name: flaky, type: webhook, url: "\${HOOK_URL}" }
routes:
  - receivers: [flaky]
${FAST_RETRY}
`,
      { HOOK_URL: hook.url },
    );
    const alert = anAlert(uniqueName('C-retry'));
    await channel.sendAlerts([alert]);
    await notifier.start();
    try {
      await waitFor(
        'the batch committed',
        async () => (await committedOffsets(kafka, groupId, channel.topics.churnAlerts)) >= 1 || undefined,
      );
      expect(hook.ids()).toEqual([alert.alertId, alert.alertId]);
      expect(await redis.hget(notifiedKey(keyPrefix, alert.alertId), 'flaky')).not.toBeNull();
      expect(await metricTotal(metrics, 'notifier_deliveries_total', { receiver: 'flaky', outcome: 'delivered' })).toBe(1);
      expect(await metricTotal(metrics, 'notifier_delivery_seconds', { receiver: 'flaky', outcome: 'retry' })).toBeGreaterThan(0);
    } finally {
      await notifier.stop();
      await hook.close();
    }
  });

  it('delivers an alert once, though Kafka carries it twice and a restarted consumer reads it again', async () => {
    const channel = await openChannel('once');
    const hook = await startReceiver();
    const config = `
receivers:
  - { name: once, type: webhook, url: "\${HOOK_URL}" }
routes:
  - receivers: [once]
`;
    const alert = anAlert(uniqueName('C-once'));
    await channel.sendAlerts([alert]);
    await channel.sendAlerts([alert]); // the segmenter re-emitting it after a crash
    const first = startNotifier(channel, config, { HOOK_URL: hook.url });
    await first.notifier.start();
    try {
      await waitFor(
        'both copies committed',
        async () => (await committedOffsets(kafka, first.groupId, channel.topics.churnAlerts)) >= 2 || undefined,
      );
    } finally {
      await first.notifier.stop();
    }
    expect(hook.ids()).toEqual([alert.alertId]);

    // The group's offsets back to the start, as after a crash before the commit: every batch comes again.
    await rewindGroup(kafka, first.groupId, channel.topics.churnAlerts);
    expect(await committedOffsets(kafka, first.groupId, channel.topics.churnAlerts)).toBe(0);
    const again = startNotifier(channel, config, { HOOK_URL: hook.url }, first.groupId);
    await again.notifier.start();
    try {
      await waitFor(
        'the redelivered batch committed',
        async () => (await committedOffsets(kafka, first.groupId, channel.topics.churnAlerts)) >= 2 || undefined,
      );
      expect(await metricTotal(again.metrics, 'notifier_deliveries_total', { receiver: 'once', outcome: 'already_delivered' })).toBe(2);
      expect(hook.ids()).toEqual([alert.alertId]);
    } finally {
      await again.notifier.stop();
      await hook.close();
    }
  });

  it('dead-letters an alert a receiver refuses (400), naming the receiver and its answer but not its URL or secret', async () => {
    const channel = await openChannel('refused');
    // The refusing receiver echoes its token, as some do: the dead letter must not carry it on.
    const broken = await startReceiver(() => ({ status: 400, body: `{"error":"invalid access_token ${TOKEN}"}` }));
    const good = await startReceiver();
    const { notifier, groupId, metrics } = startNotifier(
      channel,
      `
receivers:
  - { name: broken-hook, type: webhook, url: "\${BROKEN_URL}", secret: "\${HOOK_SECRET}" }
  - { name: good-hook, type: webhook, url: "\${GOOD_URL}" }
routes:
  - receivers: [broken-hook, good-hook]
${FAST_RETRY}
`,
      { BROKEN_URL: `${broken.url}/robot/send?access_token=${TOKEN}`, GOOD_URL: good.url, HOOK_SECRET: SECRET },
    );
    const alert = anAlert(uniqueName('C-refused'));
    const dead = await TopicReader.open(services.kafkaBrokers, channel.topics.churnAlertsDeadLetter);
    await channel.sendAlerts([alert]);
    await notifier.start();
    try {
      const [letter] = await dead.waitForMessages(1);
      const header = (name: string) => letter!.headers[name]?.toString();
      expect(header('__connect.errors.exception.class.name')).toBe('undeliverable');
      expect(header('__connect.errors.stage')).toBe('notifier');
      expect(header('segmentation.errors.receiver')).toBe('broken-hook');
      expect(header('segmentation.errors.status')).toBe('400');
      expect(header('__connect.errors.exception.message')).toBe(
        `receiver "broken-hook" (webhook) refused ${alert.alertId} after 1 attempt(s): HTTP 400: {"error":"invalid access_token [redacted]"}`,
      );
      expect(letter!.key?.toString()).toBe(alert.customerId);
      expect(await codec.decode(letter!.value, avroSchemas.churnAlert)).toEqual(alert);

      const everything = [
        letter!.value?.toString('latin1') ?? '',
        ...Object.entries(letter!.headers).map(([k, v]) => `${k}=${String(v)}`),
      ].join('\n');
      for (const secret of [TOKEN, SECRET, broken.url, broken.url.split(':').at(-1)!]) expect(everything).not.toContain(secret);

      await waitFor(
        'the batch committed',
        async () => (await committedOffsets(kafka, groupId, channel.topics.churnAlerts)) >= 1 || undefined,
      );
      expect(broken.received).toHaveLength(1); // a 400 is not retried
      expect(good.ids()).toEqual([alert.alertId]); // the other receiver is not held back
      expect(await metricTotal(metrics, 'notifier_dead_lettered_total', { receiver: 'broken-hook', reason: 'undeliverable' })).toBe(1);
      expect(await redis.hget(notifiedKey(keyPrefix, alert.alertId), 'broken-hook')).toBeNull();
      expect(dead.messages).toHaveLength(1);
    } finally {
      await notifier.stop();
      await dead.close();
      await broken.close();
      await good.close();
    }
  });

  it('routes by level, value tier and the region of the customer profile, and selected segment changes', async () => {
    const channel = await openChannel('routing');
    const [critical, vip, east] = await Promise.all([startReceiver(), startReceiver(), startReceiver()]);
    // The customers' profiles, stored as the segmenter stores them (the same record and codec).
    const rules = loadRules(loadConfig({}));
    const store = new CustomerStateStore(redis, keyPrefix, customerRecordCodec);
    const profiled = async (region: string) => {
      const customerId = uniqueName(`C-${region.split(' ')[0]!.toLowerCase()}`);
      const event = aProfileEvent({ customerId, eventId: uniqueName('profile'), eventTime: Date.UTC(2026, 0, 5), region });
      const outcome = applyEvent(emptyRecord(), event, 0, event.eventTime, rules);
      if (outcome.kind !== 'applied') throw new Error(`profile not applied: ${outcome.kind}`);
      expect(await store.commit([{ customerId, expectedVersion: '', state: outcome.record, outputs: [] }], 'v1')).toEqual([]);
      return customerId;
    };
    const inEast = await profiled('East China');
    const inSouth = await profiled('South China');
    const { notifier, groupId } = startNotifier(
      channel,
      `
receivers:
  - { name: critical, type: webhook, url: "\${CRITICAL_URL}" }
  - { name: vip, type: webhook, url: "\${VIP_URL}" }
  - { name: east, type: webhook, url: "\${EAST_URL}" }
routes:
  - match: { levels: [critical] }
    receivers: [critical]
  - match: { valueTiers: [high], levels: [warning, critical] }
    receivers: [vip]
  - match: { regions: [East China] }
    receivers: [east]
segmentChanges:
  - { dimension: value_tier, from: [high], receivers: [vip] }
`,
      { CRITICAL_URL: critical.url, VIP_URL: vip.url, EAST_URL: east.url },
    );
    const alerts = {
      criticalLow: anAlert(inSouth, { level: 'critical', valueTier: 'low' }),
      warningHigh: anAlert(uniqueName('C-unprofiled'), { level: 'warning', valueTier: 'high' }),
      watchEast: anAlert(inEast, { level: 'watch', valueTier: 'low' }),
      watchSouth: anAlert(inSouth, { sequence: 2, level: 'watch', valueTier: 'low' }),
      criticalHighEast: anAlert(inEast, { sequence: 2, level: 'critical', valueTier: 'high' }),
    };
    const leftHigh = aSegmentChange({ customerId: inEast, sequence: 3, fromSegment: 'high', toSegment: 'medium', eventTime: Date.now() });
    const enteredHigh = aSegmentChange({
      customerId: inSouth,
      sequence: 3,
      fromSegment: 'medium',
      toSegment: 'high',
      eventTime: Date.now(),
    });
    await channel.sendAlerts(Object.values(alerts));
    await channel.sendChanges([leftHigh, enteredHigh]);
    await notifier.start();
    try {
      await waitFor(
        'every alert and change committed',
        async () =>
          ((await committedOffsets(kafka, groupId, channel.topics.churnAlerts)) >= 5 &&
            (await committedOffsets(kafka, groupId, channel.topics.segmentChanges)) >= 2) ||
          undefined,
      );
      expect(critical.ids().sort()).toEqual([alerts.criticalLow.alertId, alerts.criticalHighEast.alertId].sort());
      expect(vip.ids().sort()).toEqual([alerts.warningHigh.alertId, alerts.criticalHighEast.alertId, leftHigh.changeId].sort());
      expect(east.ids().sort()).toEqual([alerts.watchEast.alertId, alerts.criticalHighEast.alertId].sort());
      const change = vip.received.find((r) => r.headers['x-segmentation-id'] === leftHigh.changeId)!;
      expect(JSON.parse(change.body)).toMatchObject({ kind: 'segment_change', fromSegment: 'high', toSegment: 'medium' });
    } finally {
      await notifier.stop();
      await Promise.all([critical.close(), vip.close(), east.close()]);
    }
  });

  it('dead-letters an alert it fails on again and again (processing_failed) and delivers the ones after it', async () => {
    const channel = await openChannel('poison');
    const east = await startReceiver();
    // Region routes read the customer's stored record; one that no code path can decode (written by
    // hand here; a newer version's format, a corrupted write) breaks the notifier on that alert alone.
    const unreadable = uniqueName('C-unreadable');
    await redis.hset(customerKey(keyPrefix, unreadable), 's', Buffer.from('not a customer record'));
    const alerts = [anAlert(uniqueName('C-before')), anAlert(unreadable), anAlert(uniqueName('C-after'))];
    const alertSchema = await codec.register(valueSubject(channel.topics.churnAlerts), avroSchemas.churnAlert);
    // One partition: the unreadable customer's alert between two others, in that order.
    await producer.send(
      channel.topics.churnAlerts,
      alerts.map((a) => ({ key: a.customerId, partition: 0, value: codec.encode(alertSchema, avroSchemas.churnAlert, a) })),
    );
    const metrics = createMetricsRegistry(false);
    const { notifier, groupId } = startNotifier(
      channel,
      `
receivers:
  - { name: east, type: webhook, url: "\${EAST_URL}" }
routes:
  - match: { regions: [East China] }
    receivers: [east]
  - match: { levels: [warning] }
    receivers: [east]
`,
      { EAST_URL: east.url },
      uniqueName('notifier'),
      metrics,
      undefined,
      2,
    );
    const dead = await TopicReader.open(services.kafkaBrokers, channel.topics.churnAlertsDeadLetter);
    await notifier.start();
    try {
      const [letter] = await dead.waitForMessages(1);
      expect(letter!.key!.toString()).toBe(unreadable);
      expect(String(letter!.headers['__connect.errors.exception.class.name'])).toBe('processing_failed');
      await waitFor(
        'every alert committed',
        async () => (await committedOffsets(kafka, groupId, channel.topics.churnAlerts)) >= 3 || undefined,
      );
      expect(east.ids().sort()).toEqual([alerts[0]!.alertId, alerts[2]!.alertId].sort());
      expect(await metricTotal(metrics, 'consumer_poison_records_total')).toBe(1);
    } finally {
      await notifier.stop();
      await dead.close();
      await east.close();
    }
  });

  it("tells an episode's opening, escalations, close and reopening but not the moves within it, alerts from before episodes as before, and routes a rules change by its cause", async () => {
    const channel = await openChannel('episodes');
    const [ops, review, risksOnly] = await Promise.all([startReceiver(), startReceiver(), startReceiver()]);
    const { notifier, groupId, metrics } = startNotifier(
      channel,
      `
receivers:
  - { name: ops, type: webhook, url: "\${OPS_URL}" }
  - { name: rules-review, type: webhook, url: "\${REVIEW_URL}" }
  - { name: risks-only, type: webhook, url: "\${RISKS_URL}", closes: false }
routes:
  - match: { causes: [event, timer, profile] }
    receivers: [ops, risks-only]
  - match: { causes: [rules_changed] }
    receivers: [rules-review]
`,
      { OPS_URL: ops.url, REVIEW_URL: review.url, RISKS_URL: risksOnly.url },
    );
    const customerId = uniqueName('C-episode');
    const episodeId = `${customerId}/episode/1`;
    const step = (
      sequence: number,
      previousLevel: ChurnAlert['previousLevel'],
      level: ChurnAlert['level'],
      episodeEvent: ChurnAlert['episodeEvent'],
    ) => anAlert(customerId, { sequence, previousLevel, level, episodeId, episodeEvent, cause: 'timer' });
    const episode = [
      step(1, null, 'watch', 'opened'),
      step(2, 'watch', 'warning', 'escalated'),
      step(3, 'warning', 'watch', 'de_escalated'),
      step(4, 'watch', 'warning', 're_escalated'),
      step(5, 'warning', 'critical', 'escalated'),
      step(6, 'critical', 'cleared', 'closed'),
      // Raised again soon after the close: the same episode goes on, back at a level it reached before.
      step(7, null, 'warning', 're_escalated'),
    ];
    const older = anAlert(uniqueName('C-older'), { episodeId: null, episodeEvent: null, cause: 'event' });
    const byRules = anAlert(uniqueName('C-rules'), { cause: 'rules_changed', episodeEvent: 'opened' });
    await channel.sendAlerts([...episode, older, byRules]);
    await notifier.start();
    try {
      await waitFor(
        'every alert committed',
        async () => (await committedOffsets(kafka, groupId, channel.topics.churnAlerts)) >= 9 || undefined,
      );
      expect(ops.ids().sort()).toEqual(
        [episode[0]!, episode[1]!, episode[4]!, episode[5]!, episode[6]!, older].map((a) => a.alertId).sort(),
      );
      expect(review.ids()).toEqual([byRules.alertId]);
      // Set to closes: false, it hears the opening, the escalations and the reopening, not the close.
      expect(risksOnly.ids().sort()).toEqual([episode[0]!, episode[1]!, episode[4]!, episode[6]!, older].map((a) => a.alertId).sort());
      expect(await metricTotal(metrics, 'notifier_deliveries_total', { receiver: 'risks-only', outcome: 'close_not_wanted' })).toBe(1);
      expect(await metricTotal(metrics, 'notifier_deliveries_total', { outcome: 'within_episode' })).toBe(2);
      const escalation = ops.received.find((r) => r.headers['x-segmentation-id'] === episode[4]!.alertId)!;
      expect(JSON.parse(escalation.body)).toMatchObject({ kind: 'churn_alert', episodeId, episodeEvent: 'escalated', level: 'critical' });
    } finally {
      await notifier.stop();
      await Promise.all([ops.close(), review.close(), risksOnly.close()]);
    }
  });

  describe('with a real Alertmanager', () => {
    let alertmanager: AlertmanagerHandle;
    beforeAll(async () => {
      alertmanager = await startAlertmanager();
    });
    afterAll(async () => {
      await alertmanager?.stop();
    });

    it('shows a churn alert with its labels, moves it to the new level, keeps the peak through a fall within the episode, and resolves it when closed', async () => {
      const channel = await openChannel('alertmanager');
      const { notifier, metrics } = startNotifier(
        channel,
        `
receivers:
  - { name: alertmanager, type: alertmanager, url: "\${ALERTMANAGER_URL}" }
routes:
  - receivers: [alertmanager]
`,
        { ALERTMANAGER_URL: alertmanager.url },
      );
      const customerId = uniqueName('C-am');
      const mine = [`customer_id="${customerId}"`];
      await notifier.start();
      try {
        await channel.sendAlerts([anAlert(customerId, { sequence: 1, level: 'warning', previousLevel: null })]);
        const [firing] = await waitFor('the warning in Alertmanager', async () => {
          const alerts = await alertmanager.alerts(mine);
          return alerts.length > 0 && alerts;
        });
        expect(firing!.labels).toEqual({
          alertname: 'CustomerChurnRisk',
          customer_id: customerId,
          level: 'warning',
          severity: 'warning',
          value_tier: 'high',
        });
        expect(firing!.annotations.action).toBe('Account manager call');
        expect(firing!.annotations.summary).toContain('流失预警 Churn alert: 预警 warning');
        expect(firing!.annotations.episode).toBe(`${customerId}/episode/1`);

        await channel.sendAlerts([
          anAlert(customerId, { sequence: 2, level: 'critical', previousLevel: 'warning', riskScore: 0.9, episodeEvent: 'escalated' }),
        ]);
        await waitFor('only the critical level firing', async () => {
          const alerts = await alertmanager.alerts(mine);
          return alerts.length === 1 && alerts[0]!.labels.level === 'critical';
        });

        // Down to warning within the episode: not posted, so Alertmanager keeps the critical alert.
        await channel.sendAlerts([
          anAlert(customerId, { sequence: 3, level: 'warning', previousLevel: 'critical', riskScore: 0.6, episodeEvent: 'de_escalated' }),
        ]);
        await waitFor(
          'the fall kept from Alertmanager',
          async () => (await metricTotal(metrics, 'notifier_deliveries_total', { outcome: 'within_episode' })) === 1 || undefined,
        );
        expect((await alertmanager.alerts(mine)).map((a) => a.labels.level)).toEqual(['critical']);

        // The close resolves what Alertmanager has firing (critical), not the level the message came from.
        await channel.sendAlerts([
          anAlert(customerId, { sequence: 4, level: 'cleared', previousLevel: 'warning', riskScore: 0.2, episodeEvent: 'closed' }),
        ]);
        await waitFor('the alert resolved', async () => (await alertmanager.alerts(mine)).length === 0);
      } finally {
        await notifier.stop();
      }
    });
  });
});
