import { Counter, Histogram, type Registry } from 'prom-client';
import { avroSchemas, type ChurnAlert, type SegmentChange, type TopicNames } from '@segmentation/contracts';
import {
  BatchConsumer,
  describeFailure,
  sendToDeadLetter,
  UndecodableError,
  withRetry,
  type AvroCodec,
  type BatchContext,
  type ConsumedBatch,
  type ConsumedMessage,
  type DeadLetterCause,
  type Kafka,
  type ReliableProducer,
} from '@segmentation/kafka';
import type { HealthCheck, Logger } from '@segmentation/runtime';
import { createCustomerReader } from '@segmentation/readers';
import { InFlight, type ErasureList } from '@segmentation/erasure';
import type { RedisClient } from '@segmentation/state';
import type { NotifierConfig, ReceiverConfig } from './config.ts';
import { deliver, DeliveryAbandoned, type AttemptReport } from './delivery.ts';
import { closesEpisode, toldToReceivers } from './episode-events.ts';
import { buildRequest, churnAlertLabels, notificationCustomer, notificationId, type Notification } from './formats.ts';
import { createDeliveryLedger } from './ledger.ts';
import { alertReceivers, changeReceivers, routesNeedProfile, type CustomerFacts } from './routing.ts';

export interface NotifierSettings {
  groupId: string;
  topics: TopicNames;
  /** The parsed NOTIFIER_FILE (loadNotifierConfig). */
  config: NotifierConfig;
  sessionTimeoutMs: number;
  /** The segmenter's key prefix: customer profiles are read from its records; the ledger lives beside them. */
  redisKeyPrefix: string;
  timeZone: string;
  /** Failures of a batch, not a dependency's, before the message that keeps failing is dead-lettered (processing_failed) and skipped; unset: retried for ever. */
  processingAttempts?: number;
}

export interface NotifierDeps {
  kafka: Kafka;
  producer: ReliableProducer;
  codec: AvroCodec;
  logger: Logger;
  metrics: Registry;
  redis: RedisClient;
  /** Tests pass their own; production uses the global fetch. */
  fetch?: typeof fetch;
  /** Wall clock (ms) for signature timestamps and Alertmanager times. */
  now?: () => number;
  /** The erasure list, read whole before start(): nobody is told about erased customers. */
  erasures?: ErasureList;
}

type Source = { kind: Notification['kind']; schema: string; deadLetterTopic: string };
type Undeliverable = { message: ConsumedMessage; cause: DeadLetterCause; receiver: string };

/**
 * The notifier role: tells the systems operations teams already use about churn alerts (the
 * opening, escalations and close of each alert episode) and, when configured, selected segment
 * changes. Per batch, in log order: decode, route, and deliver to each receiver with retries; a
 * receiver that refuses for good or keeps failing gets the message dead-lettered (reason
 * `undeliverable`), naming the receiver. A Redis mark per delivered (id, receiver) makes a
 * redelivered batch send nothing twice. Offsets are committed after the batch handler returns, so
 * a crash mid-batch redelivers, never loses.
 */
export function createNotifier(settings: NotifierSettings, deps: NotifierDeps) {
  const logger = deps.logger.child({ role: 'notifier' });
  const { config, topics } = settings;
  const fetchFn = deps.fetch ?? fetch;
  const now = deps.now ?? Date.now;
  const receivers = new Map(config.receivers.map((r) => [r.name, r]));
  const ledger = createDeliveryLedger(deps.redis, settings.redisKeyPrefix);
  const customers = createCustomerReader(deps.redis, settings.redisKeyPrefix, settings.timeZone);
  const readProfile = routesNeedProfile(config.routes);
  const inFlight = new InFlight();
  deps.erasures?.onErased('notifier', async (customerIds) => {
    await inFlight.settled(); // a delivery under way when they were listed still records its marks
    await ledger.forget(customerIds);
  });

  const sources = new Map<string, Source>([
    [topics.churnAlerts, { kind: 'churn_alert', schema: avroSchemas.churnAlert, deadLetterTopic: topics.churnAlertsDeadLetter }],
  ]);
  // Without segment-change routes the notifier does not read that topic at all.
  if (config.segmentChanges.length > 0)
    sources.set(topics.segmentChanges, {
      kind: 'segment_change',
      schema: avroSchemas.segmentChange,
      deadLetterTopic: topics.segmentChangesDeadLetter,
    });

  const deliveries = new Counter({
    name: 'notifier_deliveries_total',
    help: 'Notifications per receiver by final outcome (delivered, already_delivered, undeliverable, nothing_to_send, close_not_wanted: a close to a receiver set to closes: false; stale, receiver "": older than maxAgeHours; erased, receiver "": about an erased customer; within_episode, receiver "": a churn alert that re-escalates or de-escalates an open episode)',
    labelNames: ['receiver', 'outcome'],
    registers: [deps.metrics],
  });
  const attemptSeconds = new Histogram({
    name: 'notifier_delivery_seconds',
    help: 'Duration of one delivery attempt, by receiver and answer (delivered, retry, permanent)',
    labelNames: ['receiver', 'outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [deps.metrics],
  });
  const deadLettered = new Counter({
    name: 'notifier_dead_lettered_total',
    help: 'Messages the notifier dead-lettered, by receiver ("" for undecodable ones) and reason',
    labelNames: ['receiver', 'reason'],
    registers: [deps.metrics],
  });

  let stopping = new AbortController();

  const consumer = new BatchConsumer(
    deps.kafka,
    {
      groupId: settings.groupId,
      metrics: deps.metrics,
      topics: [...sources.keys()],
      sessionTimeoutMs: settings.sessionTimeoutMs,
      // A receiver backing off (30 s per wait by default) keeps a batch busy for minutes; the
      // handler heartbeats meanwhile, and the loop counts as stalled only well after that.
      stallTimeoutMs: 10 * 60_000,
      // Each partition is one ordered stream of customers' alerts; a few at once keeps one slow
      // receiver from holding everything, without flooding rate-limited chat robots.
      partitionsConcurrently: 4,
      // A message that breaks the notifier itself (a bug, a value no format expected) must not hold
      // its partition's later alerts for ever: found, dead-lettered and skipped (poison-records.ts).
      // The ledger's marks keep the deliveries of the parts re-run meanwhile from going out twice.
      poison:
        settings.processingAttempts === undefined
          ? undefined
          : {
              attempts: settings.processingAttempts,
              deadLetter: async (message, err) => {
                const cause = { reason: 'processing_failed', stage: 'notifier', step: 'notify', message: describeFailure(err) } as const;
                await sendToDeadLetter(deps.producer, sources.get(message.topic)!.deadLetterTopic, [{ message, cause }]);
                deadLettered.inc({ receiver: '', reason: cause.reason });
              },
            },
    },
    logger,
  );

  async function customerFacts(customerId: string): Promise<CustomerFacts> {
    if (!readProfile) return {};
    const profile = (await customers.customer(customerId))?.profile ?? {};
    return { region: profile.region, accountManager: profile.account_manager };
  }

  async function receiversOf(n: Notification): Promise<ReceiverConfig[]> {
    const names =
      n.kind === 'churn_alert'
        ? alertReceivers(config.routes, n.alert, await customerFacts(n.alert.customerId))
        : changeReceivers(config.segmentChanges, n.change);
    return names.map((name) => receivers.get(name)!); // config.ts refused unknown names
  }

  function reportAttempt(id: string) {
    return (r: AttemptReport) => {
      attemptSeconds.observe({ receiver: r.receiver, outcome: r.outcome }, r.seconds);
      if (r.outcome !== 'delivered')
        logger.warn('alert_delivery_failed', {
          receiver: r.receiver,
          id,
          status: r.status,
          attempt: r.attempt,
          retry: r.outcome === 'retry',
          answer: r.answer,
        });
    };
  }

  /** Delivers to one receiver; returns the dead-letter cause when it cannot be delivered. */
  async function deliverTo(receiver: ReceiverConfig, n: Notification, signal: AbortSignal): Promise<DeadLetterCause | undefined> {
    const id = notificationId(n);
    const tracksFiring = receiver.type === 'alertmanager' && n.kind === 'churn_alert';
    const firing = tracksFiring ? await ledger.firing(notificationCustomer(n), receiver.name) : undefined;
    const build = () => buildRequest(receiver, n, { nowMs: now(), firing, consoleUrl: config.consoleUrl });
    if (build() === undefined) {
      deliveries.inc({ receiver: receiver.name, outcome: 'nothing_to_send' });
      return undefined;
    }
    const result = await deliver(receiver, () => build()!, config.retry, { fetch: fetchFn, now }, signal, reportAttempt(id));
    if (result.outcome === 'delivered') {
      await ledger.markDelivered(id, receiver.name, now());
      if (tracksFiring) {
        const alert = (n as { alert: ChurnAlert }).alert;
        await ledger.setFiring(alert.customerId, receiver.name, alert.level === 'cleared' ? undefined : churnAlertLabels(alert));
      }
      deliveries.inc({ receiver: receiver.name, outcome: 'delivered' });
      logger.info('alert_delivered', { receiver: receiver.name, id, status: result.status, attempt: result.attempts });
      return undefined;
    }
    deliveries.inc({ receiver: receiver.name, outcome: 'undeliverable' });
    logger.error('alert_undeliverable', {
      receiver: receiver.name,
      id,
      status: result.status,
      attempt: result.attempts,
      answer: result.answer,
    });
    return {
      reason: 'undeliverable',
      message: `receiver "${receiver.name}" (${receiver.type}) ${result.refused ? 'refused' : 'kept failing on'} ${id} after ${result.attempts} attempt(s): ${result.answer}`,
      step: 'deliver',
      stage: 'notifier',
      headers: {
        'segmentation.errors.receiver': receiver.name,
        'segmentation.errors.status': result.status === undefined ? '' : String(result.status),
        'segmentation.errors.attempts': String(result.attempts),
      },
    };
  }

  async function notify(n: Notification, message: ConsumedMessage, signal: AbortSignal): Promise<Undeliverable[]> {
    if (deps.erasures?.has(notificationCustomer(n))) {
      deliveries.inc({ receiver: '', outcome: 'erased' });
      return [];
    }
    const eventTime = n.kind === 'churn_alert' ? n.alert.eventTime : n.change.eventTime;
    if (config.maxAgeHours > 0 && now() - eventTime > config.maxAgeHours * 3_600_000) {
      deliveries.inc({ receiver: '', outcome: 'stale' });
      return [];
    }
    if (n.kind === 'churn_alert' && !toldToReceivers(n.alert)) {
      deliveries.inc({ receiver: '', outcome: 'within_episode' });
      return [];
    }
    let targets = await receiversOf(n);
    if (n.kind === 'churn_alert' && closesEpisode(n.alert)) {
      // Receivers set to `closes: false` hear of openings and escalations only.
      for (const r of targets.filter((t) => !t.closes)) deliveries.inc({ receiver: r.name, outcome: 'close_not_wanted' });
      targets = targets.filter((t) => t.closes);
    }
    const id = notificationId(n);
    const done = await ledger.deliveredTo(
      id,
      targets.map((r) => r.name),
    );
    for (const name of done) deliveries.inc({ receiver: name, outcome: 'already_delivered' });
    // Receivers are independent: one slow or failing receiver must not delay the others.
    const causes = await Promise.all(
      targets.filter((r) => !done.has(r.name)).map(async (r) => ({ receiver: r.name, cause: await deliverTo(r, n, signal) })),
    );
    return causes.flatMap(({ receiver, cause }) => (cause ? [{ message, cause, receiver }] : []));
  }

  async function handle(batch: ConsumedBatch, ctx: BatchContext): Promise<void> {
    const source = sources.get(batch.topic);
    if (!source) throw new Error(`the notifier is subscribed to ${batch.topic} but does not read it`);
    const batchGivenUp = new AbortController();
    const signal = AbortSignal.any([stopping.signal, batchGivenUp.signal]);
    // Keep the group membership alive while receivers are retried, and give up waiting at once
    // when the partition is taken away (its new owner redelivers the batch).
    const beat = setInterval(() => {
      if (ctx.isStale()) batchGivenUp.abort();
      ctx.heartbeat().catch(() => undefined);
    }, 1000);
    try {
      const dead: Undeliverable[] = [];
      for (const message of batch.messages) {
        let record: unknown;
        try {
          record = await withRetry(() => deps.codec.decode(message.value, source.schema));
        } catch (err) {
          if (!(err instanceof UndecodableError)) throw err;
          dead.push({ message, receiver: '', cause: { reason: err.reason, message: err.message, step: 'decode', stage: 'notifier' } });
          continue;
        }
        const n: Notification =
          source.kind === 'churn_alert'
            ? { kind: 'churn_alert', alert: record as ChurnAlert }
            : { kind: 'segment_change', change: record as SegmentChange };
        dead.push(...(await notify(n, message, signal)));
      }
      if (dead.length > 0) {
        await sendToDeadLetter(deps.producer, source.deadLetterTopic, dead);
        for (const d of dead) deadLettered.inc({ receiver: d.receiver, reason: d.cause.reason });
        logger.warn('messages_dead_lettered', {
          topic: batch.topic,
          count: dead.length,
          receivers: [...new Set(dead.map((d) => d.receiver))],
        });
      }
    } catch (err) {
      if (err instanceof DeliveryAbandoned)
        logger.info('batch_abandoned', {
          topic: batch.topic,
          partition: batch.partition,
          detail: 'stopping or rebalanced; the batch is redelivered',
        });
      throw err;
    } finally {
      clearInterval(beat);
    }
  }

  const checks: HealthCheck[] = [];
  return {
    consumer,
    checks,
    async start(): Promise<void> {
      stopping = new AbortController();
      logger.info('notifier_starting', { receivers: config.receivers.map((r) => `${r.name}:${r.type}`), topics: [...sources.keys()] });
      await consumer.connect((batch, ctx) => inFlight.track(handle(batch, ctx)));
    },
    async stop(): Promise<void> {
      // Leaving first marks the consumer as stopping, so the batch abandoned by the abort is not
      // retried in place: it stays uncommitted and is redelivered to whoever owns it next.
      const leaving = consumer.disconnect();
      stopping.abort();
      await leaving;
    },
  };
}

export type Notifier = ReturnType<typeof createNotifier>;
