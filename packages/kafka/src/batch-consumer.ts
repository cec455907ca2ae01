import type { Admin, Consumer, EachBatchPayload, KafkaMessage, TopicPartitionOffsetAndMetadata } from 'kafkajs';
import { Counter, Gauge, type Registry } from 'prom-client';
import { backoffDelay, sleep, type HealthCheck, type Logger } from '@segmentation/runtime';
import { CommittedMetadata } from './committed-metadata.ts';
import {
  describeFailure,
  isDependencyFailure,
  isolatePoison,
  PoisonStreak,
  POISON_STREAK_LIMIT,
  type Attempts,
  type PoisonHandling,
} from './poison-records.ts';
import { partitionCounts } from './topics-admin.ts';
import { Coalescing } from './coalescing.ts';
import { trackConsumerLag } from './consumer-lag.ts';
import { clientOf, type Kafka } from './kafka-client.ts';

export interface ConsumedMessage {
  topic: string;
  partition: number;
  /** Kafka offsets are 64-bit; kept as a decimal string as kafkajs gives them. */
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | string | Array<Buffer | string> | undefined>;
  /** Record timestamp (produce time, ms); event time lives in the payload. */
  timestamp: number;
}

/** A record as kafkajs hands it over in a batch, as this project's consumers pass it on. */
export const consumedMessage = (batch: { topic: string; partition: number }, m: KafkaMessage): ConsumedMessage => ({
  topic: batch.topic,
  partition: batch.partition,
  offset: m.offset,
  key: m.key,
  value: m.value,
  headers: m.headers ?? {},
  timestamp: Number(m.timestamp),
});

export interface ConsumedBatch {
  topic: string;
  partition: number;
  messages: ConsumedMessage[];
}

export interface BatchContext {
  /** Call inside long loops so the group does not consider this member dead. */
  heartbeat(): Promise<void>;
  /** True once the batch may no longer be committed (rebalance, shutdown): stop early. */
  isStale(): boolean;
  /**
   * The metadata committed with the partition's current offset (null if none): what the handler
   * returned for the batch before this one, or, after an assignment, what the previous owner
   * committed. State that must follow the offset exactly (an event-time watermark) travels here.
   */
  committedMetadata: string | null;
}

export interface BatchDone {
  /** Committed with the batch's offset, and handed to the next batch of the partition. */
  metadata?: string;
  /**
   * Set when the batch's effects become durable only after the handler returns (the sink: its
   * rows wait for an insert shared with later batches). The consumer fetches and hands over the
   * next batches meanwhile, and commits this batch's offset once `durable` resolves, in batch order
   * per partition. The owner keeps retrying until the effects are durable; a rejection means they
   * never will be: nothing after the batch is committed, and the consumer restarts from the
   * committed offsets so the batch comes again.
   */
  durable?: Promise<void>;
}

/**
 * Handles one batch of one partition and resolves only when every effect of it is durable
 * (state written, outputs acknowledged, or dead-lettered). Throwing means "not done": nothing
 * is committed and the batch comes again.
 */
export type BatchHandler = (batch: ConsumedBatch, ctx: BatchContext) => Promise<BatchDone | void>;

export interface BatchConsumerSettings {
  groupId: string;
  topics: string[];
  /** How long (ms) the group waits for a silent member before reassigning its partitions. */
  sessionTimeoutMs: number;
  /** A loop with no fetch or batch activity for this long (ms) reports unhealthy. */
  stallTimeoutMs: number;
  /** Partitions processed in parallel by this process (`every`: as many as its topics have); each partition stays strictly ordered. */
  partitionsConcurrently: number | 'every';
  maxBytesPerPartition?: number;
  /** Where the group's lag per partition is reported (kafka_consumer_lag_messages). */
  metrics?: Registry;
  /** Without it a failing batch is retried for ever; with it a record that keeps failing is dead-lettered and skipped (poison-records.ts). */
  poison?: PoisonHandling;
}

const POISON_METRIC = 'consumer_poison_records_total';
const LAST_COMMIT_METRIC = 'kafka_consumer_last_commit_seconds';

const MEMBERSHIP_ERRORS = new Set([
  'UNKNOWN_MEMBER_ID',
  'ILLEGAL_GENERATION',
  'REBALANCE_IN_PROGRESS',
  'NOT_COORDINATOR_FOR_GROUP',
  'FENCED_INSTANCE_ID',
]);

/** The error (or one it was caused by) says this member is no longer in its group's generation. */
export function lostGroupMembership(err: unknown): boolean {
  for (let e: unknown = err; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause) {
    if (MEMBERSHIP_ERRORS.has(String((e as { type?: unknown }).type))) return true;
  }
  return false;
}

/** The wait (ms) before restart attempt `attempt` (0 first): doubling from `initialMs`, capped at `maxMs`. */
export function restartDelayMs(attempt: number, initialMs = 1000, maxMs = 10_000): number {
  return backoffDelay(attempt, { initialMs, maxMs });
}

export interface ConsumerRestartsOptions {
  /** Stops what is left of the crashed consumer and starts it again (connect, subscribe, run). */
  restart: () => Promise<void>;
  /** True once the owner is shutting the consumer down: no more restarts. */
  isStopping: () => boolean;
  /** An attempt failed (it is tried again, later). */
  onAttemptFailed?: (attempt: number, err: unknown) => void;
  /** The consumer runs again (it still has to join its group: readiness follows GROUP_JOIN). */
  onRestarted?: (attempts: number) => void;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Starts a kafkajs consumer again after every crash kafkajs does not restart it from itself.
 *
 * Why: kafkajs 2.2.4 restarts a crashed consumer only when the error is retriable. Some transient
 * failures reach it as non-retriable ones: a heartbeat that meets the broker while it shuts down
 * (or a group coordinator still being created on a broker that just started) ends in
 * KafkaJSGroupCoordinatorNotFound, "Failed to find group coordinator" (`restart: false`). The
 * consumer then stays stopped for good, consuming nothing, while the process is up. Here it is
 * restarted with capped exponential backoff until it runs again, one attempt at a time; a crash
 * during an attempt makes the loop go on. Owners call `crashed()` from their CRASH listener and
 * report not ready until the consumer joined its group again.
 */
export class ConsumerRestarts {
  private readonly options: ConsumerRestartsOptions;
  /** A crash nobody has restarted the consumer from yet. */
  private pending = false;
  private loop: Promise<void> | undefined;
  /** Cuts the wait before the next attempt short (settle). */
  private wake: AbortController | undefined;

  constructor(options: ConsumerRestartsOptions) {
    this.options = options;
  }

  /** Call on every CRASH event with its payload's `restart` (true: kafkajs restarts the consumer itself). */
  crashed(restartsItself: boolean): void {
    if (restartsItself || this.options.isStopping()) return;
    this.pending = true;
    this.loop ??= this.run().finally(() => {
      this.loop = undefined;
      // A crash between the loop's last check and here would otherwise find a loop about to end.
      if (this.pending) this.crashed(false);
    });
  }

  /** True while a restart is due or under way. */
  get restarting(): boolean {
    return this.loop !== undefined;
  }

  /** Ends a waiting loop at once (call after the owner's isStopping turned true) and waits for an attempt under way. */
  async settle(): Promise<void> {
    this.wake?.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    for (let attempt = 0; this.pending && !this.options.isStopping(); attempt++) {
      this.wake = new AbortController();
      await sleep(restartDelayMs(attempt, this.options.initialDelayMs, this.options.maxDelayMs), this.wake.signal);
      this.wake = undefined;
      if (this.options.isStopping()) break;
      this.pending = false;
      try {
        await this.options.restart();
        // A crash during the attempt (the join failed again) set `pending`: the loop goes on.
        if (!this.pending) this.options.onRestarted?.(attempt + 1);
      } catch (err) {
        this.pending = true;
        this.options.onAttemptFailed?.(attempt, err);
      }
    }
    if (this.options.isStopping()) this.pending = false;
  }
}

/**
 * The project's Kafka consumer: batch consumption with manual offsets. An offset is committed
 * only after the handler has finished with every message before it. Application code uses this
 * class, never kafkajs directly.
 */
export class BatchConsumer implements HealthCheck {
  readonly name: string;
  private readonly consumer: Consumer;
  private readonly kafka: Kafka;
  private admin: Admin | undefined;
  /** Offset-commit metadata per partition, as last committed; forgotten on every assignment. */
  private readonly metadata = new CommittedMetadata(async (topic) => {
    this.admin ??= clientOf(this.kafka).admin();
    await this.admin.connect(); // a no-op once connected
    const [committed] = await this.admin.fetchOffsets({ groupId: this.settings.groupId, topics: [topic] });
    return committed?.partitions ?? [];
  });
  /** Offsets of batches that finished while a commit was in flight go in one request (coalescing.ts). */
  private readonly commits = new Coalescing<TopicPartitionOffsetAndMetadata, void>((offsets) => this.consumer.commitOffsets(offsets));
  /** Per partition, the commit of its latest batch whose effects were on their way (BatchDone.durable); later ones chain on it. */
  private readonly deferred = new Map<string, Promise<void>>();
  /** eachBatch calls under way, awaited before leaving the group so their deferred commits are made. */
  private readonly handling = new Set<Promise<void>>();
  /** Moves on every assignment: a deferred commit from an earlier one is dropped, its partition may have moved. */
  private assignment = 0;
  /** The assignment whose deferred effects failed (its restart is under way). */
  private brokenAssignment = -1;
  private lastActivity = Date.now();
  private joined = false;
  private crashed = false;
  /** A batch is failing and being retried (a dependency away): not ready meanwhile. */
  private failing = false;
  private stopping = false;
  private untrackLag: (() => Promise<void>) | undefined;
  private handler: BatchHandler | undefined;
  private readonly restarts: ConsumerRestarts;
  private readonly settings: BatchConsumerSettings;
  private readonly logger: Logger;
  private readonly poisonRecords: Counter<'group'> | undefined;
  private readonly poisonStreak = new PoisonStreak(POISON_STREAK_LIMIT);
  private readonly lastCommit: Gauge<'group' | 'topic' | 'partition'> | undefined;

  constructor(kafka: Kafka, settings: BatchConsumerSettings, logger: Logger) {
    this.kafka = kafka;
    this.settings = settings;
    this.logger = logger;
    // One counter per registry, shared by every role's consumer in the process.
    this.poisonRecords =
      settings.metrics &&
      ((settings.metrics.getSingleMetric(POISON_METRIC) as Counter<'group'> | undefined) ??
        new Counter({
          name: POISON_METRIC,
          help: 'Records a role failed on again and again while the records around them went through: dead-lettered (processing_failed) and skipped',
          labelNames: ['group'],
          registers: [settings.metrics],
        }));
    this.lastCommit =
      settings.metrics &&
      ((settings.metrics.getSingleMetric(LAST_COMMIT_METRIC) as Gauge<'group' | 'topic' | 'partition'> | undefined) ??
        new Gauge({
          name: LAST_COMMIT_METRIC,
          help: 'When this process last committed an offset of the partition (epoch seconds): with growing lag, a partition held by a failing batch',
          labelNames: ['group', 'topic', 'partition'],
          registers: [settings.metrics],
        }));
    this.name = `consumer:${settings.groupId}`;
    const { groupId } = settings;
    this.restarts = new ConsumerRestarts({
      restart: async () => {
        await this.consumer.disconnect();
        if (this.handler && !this.stopping) await this.start(this.handler);
      },
      isStopping: () => this.stopping,
      onAttemptFailed: (attempt, err) => this.logger.warn('consumer_restart_failed', { groupId, attempt, err }),
      onRestarted: (attempts) => this.logger.info('consumer_restarted', { groupId, attempts }),
    });
    this.consumer = clientOf(kafka).consumer({
      groupId: settings.groupId,
      sessionTimeout: settings.sessionTimeoutMs,
      heartbeatInterval: Math.max(100, Math.floor(settings.sessionTimeoutMs / 10)),
      rebalanceTimeout: Math.max(settings.sessionTimeoutMs * 2, 10_000),
      maxBytesPerPartition: settings.maxBytesPerPartition ?? 1_048_576,
      maxWaitTimeInMs: 100,
      retry: { retries: 10, initialRetryTime: 300 },
    });
    const touch = () => {
      this.lastActivity = Date.now();
    };
    const { events } = this.consumer;
    this.consumer.on(events.FETCH_START, touch);
    this.consumer.on(events.HEARTBEAT, touch);
    this.consumer.on(events.GROUP_JOIN, (e) => {
      touch();
      this.metadata.reassigned();
      this.assignment += 1;
      this.deferred.clear();
      this.joined = true;
      this.crashed = false;
      this.logger.info('consumer_joined', { groupId: settings.groupId, assignment: e.payload.memberAssignment });
    });
    this.consumer.on(events.CRASH, (e) => {
      this.crashed = true;
      this.joined = false;
      this.logger.error('consumer_crashed', { groupId: settings.groupId, err: e.payload.error, restart: e.payload.restart });
      // kafkajs restarts itself after a retriable crash only; after any other ("Failed to find group
      // coordinator" while the broker shuts down or its coordinator loads, the group forgot this
      // member while the broker was away) the consumer would stay down: ConsumerRestarts starts it
      // again, with backoff, until it runs; it reports not ready until GROUP_JOIN.
      this.restarts.crashed(e.payload.restart);
    });
    this.consumer.on(events.STOP, () => {
      this.joined = false;
    });
  }

  async connect(handler: BatchHandler): Promise<void> {
    this.handler = handler;
    this.stopping = false;
    if (this.settings.metrics && !this.untrackLag)
      this.untrackLag = trackConsumerLag(this.settings.metrics, this.kafka, this.settings.groupId, this.settings.topics);
    await this.start(handler);
  }

  private async concurrency(): Promise<number> {
    const wanted = this.settings.partitionsConcurrently;
    if (wanted !== 'every') return wanted;
    const counts = await partitionCounts(this.kafka, this.settings.topics);
    return Math.max(
      1,
      [...counts.values()].reduce((a, b) => a + b, 0),
    );
  }

  /** Connects, subscribes and runs: the first start, and each restart after a crash. */
  private async start(handler: BatchHandler): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.settings.topics, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: await this.concurrency(),
      eachBatch: async (payload) => {
        const handling = this.handleBatch(handler, payload);
        this.handling.add(handling);
        try {
          await handling;
        } finally {
          this.handling.delete(handling);
        }
      },
    });
  }

  private async handleBatch(handler: BatchHandler, payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    this.lastActivity = Date.now();
    const stale = () => !payload.isRunning() || payload.isStale();
    if (batch.messages.length === 0 || stale() || this.stopping) return;
    const messages = batch.messages.map((m) => consumedMessage(batch, m));
    const committedMetadata = await this.metadata.get(batch.topic, batch.partition);
    const done = await this.untilDone(
      handler,
      { topic: batch.topic, partition: batch.partition, messages },
      { heartbeat: () => payload.heartbeat(), isStale: stale, committedMetadata },
    );
    // A stale batch must not be committed: its partition may already belong to another member.
    if (stale()) return;
    // resolveOffset moves this consumer's fetch position; commitOffsets makes it durable.
    payload.resolveOffset(batch.lastOffset());
    const next = (BigInt(batch.lastOffset()) + 1n).toString();
    const metadata = done?.metadata ?? null;
    const offset = { topic: batch.topic, partition: batch.partition, offset: next, metadata };
    const key = `${batch.topic}:${batch.partition}`;
    const earlier = this.deferred.get(key);
    if (done?.durable || earlier) {
      // Handed to the partition's next batch now, committed once durable.
      this.metadata.committed(batch.topic, batch.partition, metadata);
      this.deferCommit(key, Promise.all([earlier, done?.durable]), offset);
      return;
    }
    await this.commit(offset);
    this.metadata.committed(batch.topic, batch.partition, metadata);
    this.lastActivity = Date.now();
  }

  private async commit(offset: TopicPartitionOffsetAndMetadata): Promise<void> {
    await this.commits.submit(offset);
    this.lastCommit?.set({ group: this.settings.groupId, topic: offset.topic, partition: String(offset.partition) }, Date.now() / 1000);
  }

  /** Commits `offset` once `durable` (this batch's effects and the partition's earlier deferred commit) resolves. */
  private deferCommit(key: string, durable: Promise<unknown>, offset: TopicPartitionOffsetAndMetadata): void {
    const assignment = this.assignment;
    const { groupId } = this.settings;
    const commit = durable.then(async () => {
      // After a rebalance the partition may be another member's: its batches come again from the committed offset.
      if (assignment !== this.assignment) return;
      try {
        await this.commit(offset);
        this.lastActivity = Date.now();
      } catch (err) {
        // A rebalance or a broker away: a later batch's commit covers this one, or the batches come again.
        this.logger.warn('deferred_commit_failed', { groupId, topic: offset.topic, partition: offset.partition, err });
      }
    });
    this.deferred.set(key, commit);
    const settled = (err?: unknown) => {
      if (this.deferred.get(key) === commit) this.deferred.delete(key);
      if (err === undefined || assignment !== this.assignment || this.brokenAssignment === assignment || this.stopping) return;
      // The effects will never be durable: later batches must not be committed past this one. The
      // chain stays rejected for them; a restart rejoins from the committed offsets.
      this.brokenAssignment = assignment;
      this.failing = true;
      this.logger.error('batch_effects_failed', { groupId, topic: offset.topic, partition: offset.partition, err });
      this.restarts.crashed(false);
    };
    commit.then(
      () => settled(),
      (err: unknown) => settled(err ?? new Error('deferred effects rejected')),
    );
  }

  /** Runs the handler until the batch is done, its poison records (if any) isolated and dead-lettered. */
  private async untilDone(handler: BatchHandler, batch: ConsumedBatch, ctx: BatchContext): Promise<BatchDone | void> {
    const { poison, groupId } = this.settings;
    const attempts: Attempts = {
      run: (b, c) => this.attempt(handler, b, c, poison?.attempts ?? Number.POSITIVE_INFINITY),
      runUntilDone: async (b, c) => {
        const result = await this.attempt(handler, b, c, Number.POSITIVE_INFINITY);
        return 'done' in result ? result.done : undefined;
      },
      streak: this.poisonStreak,
    };
    const first = await attempts.run(batch, ctx);
    if ('done' in first) return first.done;
    // Only with poison handling: the same failure, not a dependency's, `attempts` times.
    this.logger.error('batch_isolating_failing_record', {
      groupId,
      partition: batch.partition,
      records: batch.messages.length,
      err: first.failed,
    });
    const done = await isolatePoison(batch, ctx, first.failed, attempts, {
      attempts: poison!.attempts,
      deadLetter: async (message, err) => {
        await poison!.deadLetter(message, err);
        this.poisonRecords?.inc({ group: groupId });
        this.logger.error('record_dead_lettered_processing_failed', {
          groupId,
          topic: message.topic,
          partition: message.partition,
          offset: message.offset,
          error: describeFailure(err),
        });
      },
    });
    this.failing = false;
    return done;
  }

  /**
   * Runs the handler until it succeeds, retrying a failure in place with capped backoff while
   * keeping the group membership alive (heartbeats), rather than letting kafkajs retry the batch
   * without heartbeats until the group drops this member. Nothing is committed meanwhile; the
   * consumer reports not ready. A dependency's failure is retried without limit; any other is
   * given back after `limit` failures. A batch that became stale (rebalance, shutdown) is given up.
   */
  private async attempt(
    handler: BatchHandler,
    batch: ConsumedBatch,
    ctx: BatchContext,
    limit: number,
  ): Promise<{ done: BatchDone | void } | { failed: unknown }> {
    let failures = 0;
    for (let attempt = 0; ; attempt++) {
      try {
        const done = await handler(batch, ctx);
        this.poisonStreak.applied();
        if (this.failing)
          this.logger.info('batch_recovered', { groupId: this.settings.groupId, partition: batch.partition, attempts: attempt + 1 });
        this.failing = false;
        return { done };
      } catch (err) {
        // A member the group dropped (a pause longer than the session timeout on a busy machine)
        // fails every heartbeat: retrying in place would go on for ever; kafkajs rejoins on these.
        if (ctx.isStale() || this.stopping || lostGroupMembership(err)) throw err;
        this.failing = true;
        if (!isDependencyFailure(err) && ++failures >= limit) return { failed: err };
        if (attempt % 10 === 0)
          this.logger.warn('batch_failed_retrying', { groupId: this.settings.groupId, partition: batch.partition, attempt, err });
        // Capped well inside the session timeout, so the heartbeat after it keeps this member in the group.
        await sleep(backoffDelay(attempt, { initialMs: 200, maxMs: Math.min(5000, this.settings.sessionTimeoutMs / 4) }));
        await ctx.heartbeat().catch(() => undefined); // a rebalance shows as stale on the next turn
        this.lastActivity = Date.now();
      }
    }
  }

  isHealthy(): boolean {
    return !this.crashed && Date.now() - this.lastActivity < this.settings.stallTimeoutMs;
  }

  isReady(): boolean {
    return this.joined && !this.crashed && !this.failing;
  }

  async disconnect(): Promise<void> {
    this.stopping = true;
    await this.restarts.settle(); // a restart under way must not start the consumer again after this
    // Batches handed over but not yet committed (deferred) are committed while still in the group;
    // nothing more is fetched meanwhile.
    try {
      this.consumer.pause(this.settings.topics.map((topic) => ({ topic })));
    } catch {
      // not running: nothing is fetched anyway
    }
    while (this.handling.size > 0 || this.deferred.size > 0) await Promise.allSettled([...this.handling, ...this.deferred.values()]);
    await this.consumer.disconnect();
    await this.admin?.disconnect();
    await this.untrackLag?.();
    this.untrackLag = undefined;
  }
}
