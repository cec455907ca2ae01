import { avroSchemas, bodyOf, type CustomerEvent, type RulesApplied } from '@segmentation/contracts';
import { UndecodableError, type AvroCodec, type ConsumedMessage } from '@segmentation/kafka';
import type { Logger } from '@segmentation/runtime';
import { RulesError, type CompiledRules } from '@segmentation/segmentation';
import type { EvaluationTimer } from '@segmentation/state';
import { applyBatch, applyTimerPage, type AppliedBatch, type BatchApplier } from './apply-batch.ts';
import type { LogEntry } from './fold.ts';
import type { Outgoing } from './outbox.ts';
import { advance, type PartitionMark } from './partition-clock.ts';
import { reevaluatePartition } from './rules-reevaluation.ts';
import type { RulesBook } from './rules-registry.ts';

/** How a run of a partition's log is carried out: state, rules, and what happens to the outputs. */
export interface PartitionRunner extends Omit<BatchApplier, 'rules'> {
  book: RulesBook;
  logger: Logger;
  /**
   * Produces the outputs and dead letters and waits for Kafka, then clears the outboxes and moves
   * the timers (the segmenter); a rebuild, whose outputs were all acknowledged long ago, drops them.
   */
  emit(partition: number, outgoing: Outgoing[], timers: EvaluationTimer[], rejected: AppliedBatch['rejected']): Promise<void>;
  /** Told about every step, for metrics. */
  observe?: {
    applied?(partition: number, applied: AppliedBatch): void;
    control?(partition: number): void;
    reevaluating?(partition: number, done: number, total: number): void;
    reevaluated?(partition: number, customers: number): void;
  };
}

/** The records of a `customer-events` batch, decoded, or refused with the decoder's reason. */
export async function decodeLogEntries(codec: AvroCodec, messages: readonly ConsumedMessage[]): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  for (const message of messages) {
    try {
      entries.push({ kind: 'event', event: await codec.decode<CustomerEvent>(message.value, avroSchemas.customerEvent), message });
    } catch (err) {
      if (!(err instanceof UndecodableError)) throw err;
      entries.push({ kind: 'rejected', message, cause: { reason: err.reason, message: err.message, step: 'decode', stage: 'segmenter' } });
    }
  }
  return entries;
}

/**
 * Records applied, committed and emitted together at most: a fetched batch (SEGMENTER_BATCH_BYTES of a
 * partition, every partition at once) can take longer than the group's session timeout on a busy
 * machine, and kafkajs heartbeats only between batches; slices with a heartbeat after each keep
 * this member in the group. Where a run is cut changes nothing that is decided (the fold does not
 * depend on batch boundaries; the scale-out and rebuild tests compare exactly that).
 */
const SLICE = 1000;

const controlOf = (e: LogEntry): RulesApplied | undefined => {
  if (e.kind !== 'event' || e.event.customerId !== '') return undefined;
  const body = bodyOf(e.event);
  return body.kind === 'rules' ? body.rules : undefined;
};

/**
 * Runs consecutive records of one partition from where `mark` says the partition stands, and
 * returns where it stands after them. A rules control record splits the run: the records before it
 * go under the old rules, then the partition's customers are re-evaluated under the new ones
 * (rules-reevaluation.ts; DESIGN.md invariant 9), then the rest. The segmenter and the state
 * rebuild both go through here, so they decide the same at the same place of the log.
 */
export async function runPartitionLog(
  r: PartitionRunner,
  partition: number,
  entries: readonly LogEntry[],
  start: PartitionMark,
  heartbeat: () => Promise<void>,
): Promise<PartitionMark> {
  const mark = { ...start };
  let inForce = await r.book.inForce(mark.rulesVersion);
  let from = 0;
  for (let i = 0; i <= entries.length; i++) {
    const control = i < entries.length ? controlOf(entries[i]!) : undefined;
    if (i < entries.length && control === undefined) continue;
    for (let start = from; start < i;) {
      const run = await applyRun(r, partition, entries.slice(start, Math.min(i, start + SLICE)), mark.watermark, inForce.rules);
      mark.watermark = run.watermark;
      start += run.entries;
      await heartbeat();
    }
    from = i + 1;
    if (control === undefined) continue;
    r.observe?.control?.(partition);
    if (control.version === inForce.version) continue; // the same rules again: nothing to re-evaluate
    const entry = entries[i] as { event: CustomerEvent; message: LogEntry['message'] };
    let rules: CompiledRules;
    try {
      rules = r.book.learn(control);
    } catch (err) {
      if (!(err instanceof RulesError)) throw err;
      await r.emit(
        partition,
        [],
        [],
        [{ message: entry.message, cause: { reason: 'invalid_rules', message: err.message, step: 'apply', stage: 'segmenter' } }],
      );
      continue; // the rules in force stay in force
    }
    inForce = { version: control.version, rules };
    mark.rulesVersion = control.version;
    await reevaluate(
      r,
      partition,
      rules,
      mark.watermark,
      { eventId: entry.event.eventId, offset: Number(entry.message.offset) },
      heartbeat,
    );
  }
  return mark;
}

/**
 * Customers whose timers one fold fires at most: after a long pause (a month without records, then
 * one tick) the whole partition can be due at once; the ones due before the batch's first record
 * are fired first, in pages of this many (applyTimerPage), and a run stops before the record that
 * would pass more (timersWithinPage), so memory stays bounded. As many as a slice has records:
 * every partition folds at once, each with its loaded customers' records and outputs in memory.
 */
export const TIMER_PAGE = SLICE;

/**
 * Steps 1–5 of the segmenter for the first records of `slice` under one rules version: as many as
 * keep the customers whose timers they pass within a page (timersWithinPage); returns the new
 * watermark and how many records were applied.
 */
async function applyRun(
  r: PartitionRunner,
  partition: number,
  slice: LogEntry[],
  watermarkBefore: number | null,
  rules: CompiledRules,
): Promise<{ watermark: number | null; entries: number }> {
  const first = slice.find((e) => e.kind === 'event');
  const timersVersion = `${partition}:${slice.at(-1)?.message.offset ?? ''}`;
  if (first?.kind === 'event') await fireDueTimersInPages(r, partition, first.event.eventTime, watermarkBefore, rules, timersVersion);
  const entries = slice.slice(0, await timersWithinPage(r, partition, slice, watermarkBefore));
  const version = `${partition}:${entries.at(-1)?.message.offset ?? ''}`;
  const applied = await applyBatch({ ...r, rules }, partition, entries, watermarkBefore, version);
  await r.emit(partition, applied.outgoing, applied.timers, applied.rejected);
  r.observe?.applied?.(partition, applied);
  return { watermark: applied.watermark, entries: entries.length };
}

/**
 * How many records of `slice` (at least one) move the clock past no more than a page of timers. A
 * fold loads every customer whose timer its records pass, with their outputs: when a day of history
 * passes in a slice, that is most of the partition's customers (every one who ordered that day), in
 * every partition at once, and memory grew with the number of customers. The records after the cut
 * go in the next run, whose first record's timers are fired in pages (fireDueTimersInPages); the
 * same timers fire before the same records either way.
 */
async function timersWithinPage(r: PartitionRunner, partition: number, slice: LogEntry[], watermarkBefore: number | null): Promise<number> {
  let horizon = watermarkBefore;
  for (const e of slice) if (e.kind === 'event') horizon = advance(horizon, e.event.eventTime);
  if (horizon === null) return slice.length;
  // Stop before the first record that would take the clock to the time of the page's last timer.
  const limit = await r.timers.nthDue(partition, horizon, TIMER_PAGE);
  if (limit === null) return slice.length;
  const cut = slice.findIndex((e, i) => i > 0 && e.kind === 'event' && e.event.eventTime >= limit);
  return cut === -1 ? slice.length : cut;
}

/** Fires, page by page, the timers due by `upTo` while more are due than one page holds. */
async function fireDueTimersInPages(
  r: PartitionRunner,
  partition: number,
  upTo: number,
  watermarkBefore: number | null,
  rules: CompiledRules,
  version: string,
): Promise<void> {
  for (let page = 1; ; page++) {
    const due = await r.timers.due(partition, upTo, TIMER_PAGE + 1);
    if (due.length <= TIMER_PAGE) return;
    const customers = due.slice(0, TIMER_PAGE);
    const applied = await applyTimerPage(
      { ...r, rules },
      partition,
      customers.map((d) => d.customerId),
      customers.at(-1)!.at,
      watermarkBefore,
      `${version}:timers:${page}`,
    );
    await r.emit(partition, applied.outgoing, applied.timers, applied.rejected);
    r.observe?.applied?.(partition, applied);
    if (applied.counts.timers === 0) return; // only erased customers' timers left: the erasure removes them
  }
}

async function reevaluate(
  r: PartitionRunner,
  partition: number,
  rules: CompiledRules,
  watermark: number | null,
  control: { eventId: string; offset: number },
  heartbeat: () => Promise<void>,
): Promise<void> {
  const started = performance.now(); // eslint-disable-line no-restricted-syntax -- the duration for the log line below; decides nothing
  r.logger.info('rules_reevaluation_started', { partition, version: rules.version });
  const report = await reevaluatePartition(r, partition, rules, watermark, control, {
    emit: (outgoing, next) => r.emit(partition, outgoing, next, []),
    progress: async (done, total) => {
      r.observe?.reevaluating?.(partition, done, total);
      r.logger.info('rules_reevaluation_progress', { partition, version: rules.version, done, total });
      await heartbeat();
    },
  });
  r.observe?.reevaluated?.(partition, report.reevaluated);
  // eslint-disable-next-line no-restricted-syntax -- the duration for the log line; decides nothing
  r.logger.info('rules_reevaluation_done', { partition, version: rules.version, ...report, ms: Math.round(performance.now() - started) });
}
