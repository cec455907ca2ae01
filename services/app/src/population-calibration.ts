// The value tiers calibrated by default (docs/rules.md, "Calibration after an import"): once bulk
// history has been written into customer-events (an import, the demo's first history load), wait
// until the segmenters have consumed it, compute the population thresholds from the state they
// stored, and publish them as a rules version, as `pnpm rules population --publish` would
// (DESIGN.md invariant 9: computed by a batch command, in force from its control records, refused
// when another version was published since the one it read). Never fatal to what came before it:
// every way it can end is an outcome the caller reports beside its own result.
import { hostname, userInfo } from 'node:os';
import { topicNames } from '@segmentation/contracts';
import {
  AvroCodec,
  committedPositions,
  createKafka,
  groupMemberCount,
  kafkaSecurity,
  ReliableProducer,
  topicOffsets,
  type Kafka,
} from '@segmentation/kafka';
import { readRulesHistory } from '@segmentation/readers';
import type { Logger } from '@segmentation/runtime';
import { compileRules, populationAuto } from '@segmentation/segmentation';
import { applyRulesVersion, populationRules, RulesInForceChanged } from '@segmentation/segmenter';
import { connectConfiguredRedis, segmenterGroupId, type Config } from './config.ts';

/** The command that does the same by hand, named wherever the calibration could not run. */
export const CALIBRATE_LATER = 'pnpm rules population --publish';

/** Where each partition of customer-events ended when the load finished: what must be consumed. */
export type LogEnds = ReadonlyMap<number, bigint>;

export type CalibrationOutcome =
  /** A new version with the population's thresholds is in force (its control records written). */
  | { outcome: 'published'; version: string; basedOn: string; customers: number; note: string; message: string }
  /** The population gives the thresholds already in force. */
  | { outcome: 'unchanged'; version: string; customers: number; message: string }
  /** The rules in force say `population.auto: false` (or have no population section). */
  | { outcome: 'off'; version: string; message: string }
  /** Nothing to calibrate from, or no one to wait for: run the command later. */
  | { outcome: 'no_rules' | 'no_segmenter' | 'timed_out'; message: string; remaining?: number }
  /** Another version was published while this one was computed: not published (invariant 9). */
  | { outcome: 'refused'; message: string }
  /** A service did not answer, or the rules in force cannot be rewritten. */
  | { outcome: 'failed'; message: string };

export interface CalibrationTiming {
  /** How long to wait for the segmenters to consume the load, ms. */
  waitMs: number;
  /** How often to read the group's committed offsets, ms. */
  pollMs: number;
  /** A group with no member for this long is taken as no segmenter running, ms (one may be joining). */
  noSegmenterMs: number;
}

/** Ten minutes: the demo's year of 2,000 customers is taken in within a minute (README); a larger import that
 *  takes longer ends timed_out, with the command to run once it is consumed. */
export const DEFAULT_TIMING: CalibrationTiming = { waitMs: 600_000, pollMs: 1_000, noSegmenterMs: 15_000 };

/** Records still to consume: per partition, the end at the load's finish minus the group's committed offset (none yet: all). */
export function remainingRecords(ends: LogEnds, committed: ReadonlyMap<number, bigint>): number {
  let remaining = 0n;
  for (const [partition, end] of ends) {
    const done = committed.get(partition) ?? -1n;
    // No commit yet: the group starts at the partition's beginning; the log keeps every record (invariant 1).
    const from = done >= 0n ? done : 0n;
    if (end > from) remaining += end - from;
  }
  return Number(remaining);
}

/** What the group shows at one look: its committed offsets and whether any member is in it. */
export interface GroupLook {
  committed: ReadonlyMap<number, bigint>;
  members: number;
}

export type WaitResult = { consumed: true } | { consumed: false; reason: 'no_segmenter' | 'timed_out'; remaining: number };

/**
 * Waits until the group's committed offsets reach `ends`, reporting progress, for at most
 * `timing.waitMs`; gives up early when the group has had no member for `timing.noSegmenterMs`.
 * The clock and the pause are injected so that the decisions are tested without a broker.
 */
export async function waitForConsumption(
  ends: LogEnds,
  look: () => Promise<GroupLook>,
  timing: CalibrationTiming,
  progress: (remaining: number, total: number) => void,
  clock: { now: () => number; pause: (ms: number) => Promise<void> } = {
    now: Date.now,
    pause: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  },
): Promise<WaitResult> {
  const began = clock.now();
  let total: number | undefined;
  let alone: number | null = null;
  for (;;) {
    const seen = await look();
    const remaining = remainingRecords(ends, seen.committed);
    total ??= remaining;
    if (remaining === 0) return { consumed: true };
    progress(remaining, total);
    const now = clock.now();
    if (seen.members > 0) alone = null;
    else if ((alone ??= now) + timing.noSegmenterMs <= now) return { consumed: false, reason: 'no_segmenter', remaining };
    if (now - began >= timing.waitMs) return { consumed: false, reason: 'timed_out', remaining };
    await clock.pause(timing.pollMs);
  }
}

/** The registry note of a version the calibration published: it says where it came from. */
export const calibrationNote = (trigger: string, customers: number, base: string): string =>
  `automatic calibration after ${trigger}: population thresholds from ${customers} customers (base ${base}); \`pnpm rules restore ${base}\` puts the previous thresholds back`;

export interface CalibrationRun {
  /** What was loaded, for the note: "an import of 5,400 events", "the demo's history load". */
  trigger: string;
  /** The ends of customer-events when the load finished (read them with `logEnds` at once). */
  ends: LogEnds;
  timing?: CalibrationTiming;
  /** Progress lines (stderr for the commands). */
  progress: (line: string) => void;
  /** Every look at the group while records remain (instead of the progress lines): what a test steers by. */
  onWait?: (remaining: number, total: number) => void;
}

type CalibrationConfig = Pick<
  Config,
  | 'KAFKA_BROKERS'
  | 'SCHEMA_REGISTRY_URL'
  | 'TOPIC_PREFIX'
  | 'GROUP_PREFIX'
  | 'REDIS_URL'
  | 'REDIS_TLS_CA_FILE'
  | 'REDIS_KEY_PREFIX'
  | 'BUSINESS_TIME_ZONE'
> &
  Parameters<typeof kafkaSecurity>[0];

/** The ends of customer-events now: call it as soon as the load has finished. */
export async function logEnds(config: CalibrationConfig, logger: Logger): Promise<LogEnds> {
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'calibration', security: kafkaSecurity(config) }, logger);
  return new Map(
    [...(await topicOffsets(kafka, topicNames(config.TOPIC_PREFIX).customerEvents))].map(([partition, o]) => [partition, BigInt(o.high)]),
  );
}

/**
 * The whole calibration: rules in force (off when they say `population.auto: false`), the wait,
 * the thresholds from stored state, the publish based on the version read. Resolves to an outcome
 * in every case; the outcome is logged (`rules_calibration`).
 */
export async function calibrateValueTiers(config: CalibrationConfig, logger: Logger, run: CalibrationRun): Promise<CalibrationOutcome> {
  let outcome: CalibrationOutcome;
  try {
    outcome = await calibrate(config, logger, run);
  } catch (err) {
    const reason = err instanceof RulesInForceChanged ? 'refused' : 'failed';
    const message = err instanceof Error ? err.message : String(err);
    outcome =
      reason === 'refused'
        ? {
            outcome: 'refused',
            message: `${message} (the version in force stays; the thresholds can be recomputed on it with \`${CALIBRATE_LATER}\`)`,
          }
        : { outcome: 'failed', message: `not calibrated: ${message}; once that is fixed, run \`${CALIBRATE_LATER}\`` };
  }
  if (outcome.outcome === 'failed') logger.warn('rules_calibration', { outcome: outcome.outcome, message: outcome.message });
  else logger.info('rules_calibration', { ...outcome });
  return outcome;
}

async function calibrate(config: CalibrationConfig, logger: Logger, run: CalibrationRun): Promise<CalibrationOutcome> {
  const topics = topicNames(config.TOPIC_PREFIX);
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'calibration', security: kafkaSecurity(config) }, logger);
  const codec = new AvroCodec(config.SCHEMA_REGISTRY_URL);
  const groupId = segmenterGroupId(config);

  // The version in force when the load finished is the base: a version published during the wait
  // (someone changed the rules) wins, and the publish below is refused rather than undoing it.
  const inForce = (await readRulesHistory({ kafka, codec }, topics.rulesVersions)).at(-1);
  if (inForce === undefined)
    return {
      outcome: 'no_rules',
      message: `not calibrated: no rules version is in force, so no segmenter has started on these topics; start the pipeline, let it consume the history, then run \`${CALIBRATE_LATER}\``,
    };
  const base = compileRules(inForce.content, `rules version ${inForce.version}`);
  // Turned off: nothing to wait for.
  if (!populationAuto(base.file))
    return {
      outcome: 'off',
      version: base.version,
      message: `not calibrated: the rules in force (version ${base.version}) say population.auto: false (or have no population section); \`${CALIBRATE_LATER}\` computes the thresholds by hand`,
    };

  const waited = await waitForConsumption(
    run.ends,
    () => lookAtGroup(kafka, groupId, topics.customerEvents),
    run.timing ?? DEFAULT_TIMING,
    run.onWait ?? throttled(run.progress),
  );
  if (!waited.consumed) {
    return waited.reason === 'no_segmenter'
      ? {
          outcome: 'no_segmenter',
          remaining: waited.remaining,
          message: `not calibrated: no segmenter is running (group ${groupId} has no member) and ${waited.remaining} loaded records are not consumed; start the pipeline, and once it has consumed them run \`${CALIBRATE_LATER}\``,
        }
      : {
          outcome: 'timed_out',
          remaining: waited.remaining,
          message: `not calibrated: the segmenters had ${waited.remaining} loaded records left to consume when the wait ended; once they have consumed them run \`${CALIBRATE_LATER}\``,
        };
  }

  const redis = await connectConfiguredRedis(config);
  let computed;
  try {
    computed = await populationRules(
      kafka,
      redis,
      { groupId, customerEventsTopic: topics.customerEvents, redisKeyPrefix: config.REDIS_KEY_PREFIX, timeZone: config.BUSINESS_TIME_ZONE },
      base,
    );
  } finally {
    redis.disconnect();
  }
  const customers = computed.thresholds.counts.customers;
  // "Already in force" only of the version this was computed from; applyRulesVersion checks the same when it publishes.
  const now = (await readRulesHistory({ kafka, codec }, topics.rulesVersions)).at(-1)?.version;
  if (now !== base.version) throw new RulesInForceChanged(base.version, now);
  if (computed.rules.version === base.version)
    return {
      outcome: 'unchanged',
      version: base.version,
      customers,
      message: `the population of ${customers} customers gives the thresholds already in force (version ${base.version})`,
    };
  const note = calibrationNote(run.trigger, customers, base.version);
  const producer = new ReliableProducer(kafka);
  await producer.connect();
  try {
    const record = await applyRulesVersion({ kafka, producer, codec }, topics, computed.rules, {
      appliedBy: `${userInfo().username}@${hostname()}`,
      appliedAt: Date.now(),
      note,
      basedOn: base.version,
    });
    return {
      outcome: 'published',
      version: record.version,
      basedOn: base.version,
      customers,
      note,
      message: `rules version ${record.version} published with thresholds from ${customers} customers; the segmenters re-evaluate at its control records (\`pnpm rules list\`; \`pnpm rules restore ${base.version}\` undoes it)`,
    };
  } finally {
    await producer.disconnect();
  }
}

async function lookAtGroup(kafka: Kafka, groupId: string, topic: string): Promise<GroupLook> {
  const [committed, members] = await Promise.all([committedPositions(kafka, groupId, topic), groupMemberCount(kafka, groupId)]);
  return { committed: new Map([...committed].map(([partition, p]) => [partition, BigInt(p.offset)])), members };
}

/** A progress line at most every 5 s: a long wait shows it moves without flooding the terminal. */
function throttled(write: (line: string) => void): (remaining: number, total: number) => void {
  let last = 0;
  return (remaining, total) => {
    if (Date.now() - last < 5_000) return;
    last = Date.now();
    write(
      `value tiers: waiting for the segmenters to consume the loaded records before calibrating: ${total - remaining} of ${total} consumed`,
    );
  };
}
