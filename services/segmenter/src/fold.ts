// The pure part of the segmenter (DESIGN.md invariants 4, 6 and 7): a batch of one partition's log,
// in log order, over the customers' stored records; every customer evaluated right after each of
// its events and wherever the partition's clock passes its next evaluation time. No Redis, no
// Kafka, no wall clock beyond the injected detection time: the replay, the backtest and the churn
// fit run it as the segmenter does.
import type { CustomerEvent } from '@segmentation/contracts';
import { describeFailure, type ConsumedMessage, type DeadLetterCause } from '@segmentation/kafka';
import {
  applyEvent,
  applyTimer,
  classifyRecord,
  emptyRecord,
  type ApplyOptions,
  type CompiledRules,
  type CustomerOutputs,
  type CustomerRecord,
} from '@segmentation/segmentation';
import type { CustomerCommit, EvaluationTimer, StoredCustomer } from '@segmentation/state';
import { decidedOutputs, type Output } from './outbox.ts';
import { TimerQueue } from './timer-queue.ts';

/** One record of a `customer-events` batch, decoded or refused by the decoder. */
export type LogEntry =
  | { kind: 'event'; event: CustomerEvent; message: ConsumedMessage }
  | { kind: 'rejected'; message: ConsumedMessage; cause: DeadLetterCause };

/** A record the fold sends to the dead-letter topic, and why. */
export interface Rejected {
  message: ConsumedMessage;
  cause: DeadLetterCause;
}

export interface EvaluationFailure {
  customerId: string;
  /** The event whose application failed (it is dead-lettered), or null for a timer's evaluation. */
  eventId: string | null;
  at: number;
  /** The error's class and message. */
  error: string;
}

/** A customer's commit as the fold decides it: the new state and the outputs decided on the way. */
export type FoldedCommit = Omit<CustomerCommit<CustomerRecord>, 'outputs'> & { outputs: Output[] };

/** What a fold needs: the rules, the evaluation options, the detection clock, the erasure list. */
export interface FoldSettings {
  rules: CompiledRules;
  options: ApplyOptions;
  /** Wall clock for an output's detection time only. */
  now: () => number;
  /** Customers on the erasure list: their records only move the partition's clock (erasure-list.ts). */
  erased?: (customerId: string) => boolean;
}

interface Working {
  stored: StoredCustomer<CustomerRecord> | undefined;
  record: CustomerRecord;
  changed: boolean;
  decided: Output[];
}

/**
 * The pure part: every record in log order, each customer evaluated right after each of its events
 * and whenever the partition's clock passes its next evaluation time (before the record that moved it).
 *
 * A customer's evaluation that throws (a bug, a value no code path expected) must not hold the whole
 * partition: it is pure code, so it throws again on every retry, a replay and a rebuild. The failure
 * is the customer's, not the batch's: an event whose application throws is dead-lettered
 * (processing_failed) and not applied, though it still moves the clock, like an erased customer's;
 * a timer whose evaluation throws leaves the customer as they were, without a next evaluation time
 * (their next event evaluates them again). Everyone else's results are those of a run without it.
 */
export function foldEntries(
  applier: FoldSettings,
  entries: readonly LogEntry[],
  stored: Map<string, StoredCustomer<CustomerRecord>>,
  watermarkBefore: number | null,
) {
  const working = new Map<string, Working>();
  const rejected: Rejected[] = [];
  const counts = { applied: 0, already_applied: 0, ignored: 0, erased: 0, timers: 0 };
  const failures: EvaluationFailure[] = [];
  const timers = new TimerQueue();
  const customer = (id: string): Working => {
    let c = working.get(id);
    if (!c) {
      const s = stored.get(id);
      c = { stored: s, record: s?.state ?? emptyRecord(), changed: false, decided: [] };
      working.set(id, c);
    }
    return c;
  };
  const take = (id: string, c: Working, record: CustomerRecord, outputs: CustomerOutputs) => {
    c.record = record;
    c.changed = true;
    c.decided.push(...decidedOutputs(outputs, applier.now()));
    if (record.nextEvaluationAt !== null) timers.push(record.nextEvaluationAt, id);
  };
  for (const [id, s] of stored) if (s.state?.nextEvaluationAt != null) timers.push(s.state.nextEvaluationAt, id);

  let watermark = watermarkBefore;
  /** Fires, in (time, customer) order, every timer the clock reaches on its way to `to`. */
  const moveClock = (to: number) => {
    if (watermark !== null && to <= watermark) return;
    for (let t = timers.popUpTo(to); t !== undefined; t = timers.popUpTo(to)) {
      const c = customer(t.customerId);
      if (c.record.nextEvaluationAt !== t.at) continue; // superseded since it was queued
      counts.timers++;
      let evaluated: ReturnType<typeof applyTimer>;
      try {
        evaluated = applyTimer(c.record, t.customerId, t.at, applier.rules, applier.options);
      } catch (err) {
        failures.push({ customerId: t.customerId, eventId: null, at: t.at, error: describeFailure(err) });
        c.record = { ...c.record, nextEvaluationAt: null };
        c.changed = true;
        continue;
      }
      take(t.customerId, c, evaluated.record, evaluated.outputs);
    }
    watermark = to;
  };

  for (const entry of entries) {
    if (entry.kind === 'rejected') {
      rejected.push(entry);
      continue;
    }
    const { event, message } = entry;
    if (event.customerId === '') {
      // a tick: time passes in this partition, no customer is touched
      counts.ignored++;
      moveClock(event.eventTime);
      continue;
    }
    if (applier.erased?.(event.customerId)) {
      // Nothing of an erased customer is applied; their record still moves the clock, so everyone
      // else's results are those of a run without the erasure.
      counts.erased++;
      moveClock(event.eventTime);
      continue;
    }
    const c = customer(event.customerId);
    const offset = Number(message.offset);
    const kind = classifyRecord(c.record, event, offset);
    if (kind === 'duplicate') {
      rejected.push({
        message,
        cause: {
          reason: 'duplicate',
          message: `event ${event.eventId} was already applied to customer ${event.customerId}; seen again at offset ${message.offset}`,
          step: 'apply',
          stage: 'segmenter',
        },
      });
      continue; // only applied records move the clock
    }
    moveClock(event.eventTime);
    if (kind === 'already_applied') {
      counts.already_applied++;
      continue;
    }
    let outcome: ReturnType<typeof applyEvent>;
    try {
      outcome = applyEvent(c.record, event, offset, watermark ?? event.eventTime, applier.rules, applier.options);
      if (outcome.kind !== 'applied') throw new Error(`event ${event.eventId} classified new but not applied (${outcome.kind})`);
    } catch (err) {
      const error = describeFailure(err);
      failures.push({ customerId: event.customerId, eventId: event.eventId, at: event.eventTime, error });
      rejected.push({ message, cause: { reason: 'processing_failed', message: error, step: 'apply', stage: 'segmenter' } });
      continue;
    }
    counts.applied++;
    take(event.customerId, c, outcome.record, outcome.outputs);
  }

  const commits: FoldedCommit[] = [];
  const decided: Output[] = [];
  for (const [customerId, c] of working) {
    decided.push(...c.decided);
    if (c.changed) commits.push({ customerId, expectedVersion: c.stored?.version ?? '', state: c.record, outputs: c.decided });
  }
  // Every customer the batch loaded, changed or not: the index is derived from the records and a crash
  // after a commit but before this index write leaves a customer of a redelivered batch unchanged
  // (already applied) and still missing from the index, or with an out-of-date time (invariant 10).
  const next = new Map<string, number | null>();
  for (const [customerId, s] of stored) if (s.state) next.set(customerId, s.state.nextEvaluationAt);
  for (const [customerId, c] of working) if (c.changed) next.set(customerId, c.record.nextEvaluationAt);
  const nextTimers: EvaluationTimer[] = [...next].map(([customerId, at]) => ({ customerId, at }));
  return { commits, decided, rejected, counts, failures, watermark, timers: nextTimers };
}
