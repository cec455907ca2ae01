import { aTick, type ChurnAlert, type CustomerEvent, type FeatureSnapshot, type SegmentChange } from '@segmentation/contracts';
import { describeFailure, type ConsumedMessage, type DeadLetterCause } from '@segmentation/kafka';
import {
  applyEvent, applyTimer, classifyRecord, emptyRecord,
  type ApplyOptions, type CompiledRules, type CustomerOutputs, type CustomerRecord,
} from '@segmentation/segmentation';
import type { CustomerCommit, CustomerStateStore, EvaluationTimer, EvaluationTimers, StoredCustomer } from '@segmentation/state';
import { advance } from './partition-clock.ts';

/** One record of a `customer-events` batch, decoded or refused by the decoder. */
export type LogEntry =
  | { kind: 'event'; event: CustomerEvent; message: ConsumedMessage }
  | { kind: 'rejected'; message: ConsumedMessage; cause: DeadLetterCause };

/** What the segmenter decides. */
export type Output =
  | { kind: 'change'; value: SegmentChange }
  | { kind: 'alert'; value: ChurnAlert }
  | { kind: 'snapshot'; value: FeatureSnapshot };

export const outputId = (o: Output): string => (o.kind === 'change' ? o.value.changeId : o.kind === 'alert' ? o.value.alertId : o.value.snapshotId);

/** An evaluation's outputs, stamped with the wall-clock time they were decided. */
export function decidedOutputs(outputs: CustomerOutputs, detectedAt: number): Output[] {
  return [
    ...outputs.changes.map((value): Output => ({ kind: 'change', value: { ...value, detectedAt } })),
    ...outputs.alerts.map((value): Output => ({ kind: 'alert', value: { ...value, detectedAt } })),
    ...outputs.snapshots.map((value): Output => ({ kind: 'snapshot', value: { ...value, detectedAt } })),
  ];
}

/** Encodes an output as its Kafka value (Avro, Confluent wire format). */
export type OutputEncoder = (o: Output) => Buffer;

/**
 * An output as it goes to Kafka, and as its customer's outbox keeps it until Kafka has acknowledged
 * it: encoded once, when decided, and the same bytes sent (and re-sent after a crash).
 */
export interface Outgoing {
  kind: Output['kind'];
  id: string;
  customerId: string;
  /** The Kafka value. */
  value: Buffer;
  /** What was decided; absent for one re-sent from an outbox, where only the bytes were kept. */
  decided?: Output;
}

export const outgoingOf = (o: Output, encode: OutputEncoder): Outgoing =>
  ({ kind: o.kind, id: outputId(o), customerId: o.value.customerId, value: encode(o), decided: o });

const KINDS: ReadonlyArray<Output['kind']> = ['change', 'alert', 'snapshot'];

/** An outbox entry: the output's kind in one byte (1 change, 2 alert, 3 snapshot), then its Kafka value. */
export const outboxPayload = (o: Outgoing): Buffer => Buffer.concat([Buffer.of(KINDS.indexOf(o.kind) + 1), o.value]);

/** An outbox entry back as what to send. Versions before 2026-11-23 kept the decided output as JSON. */
export function fromOutbox(customerId: string, id: string, payload: Buffer, encode: OutputEncoder): Outgoing {
  if (payload[0] === 0x7b) return outgoingOf(JSON.parse(payload.toString('utf8')) as Output, encode); // '{'
  const kind = KINDS[payload[0]! - 1];
  if (kind === undefined) throw new Error(`outbox entry ${id} of customer ${customerId} starts with ${payload[0]}, not an output kind (1-3)`);
  return { kind, id, customerId, value: payload.subarray(1) };
}

export interface EvaluationFailure {
  customerId: string;
  /** The event whose application failed (it is dead-lettered), or null for a timer's evaluation. */
  eventId: string | null;
  at: number;
  /** The error's class and message. */
  error: string;
}

export interface AppliedBatch {
  /** Outputs to produce: those left in outboxes by an earlier crash, then the ones just decided. */
  outgoing: Outgoing[];
  rejected: Array<{ message: ConsumedMessage; cause: DeadLetterCause }>;
  counts: { applied: number; already_applied: number; ignored: number; erased: number; timers: number };
  /** Customer evaluations the fold failed on (a bug or a value no code path expected): skipped, see foldEntries. */
  failures: EvaluationFailure[];
  /** The partition's event-time watermark after the batch. */
  watermark: number | null;
  /** Every loaded customer's next evaluation time, for the partition's index once outputs are acknowledged. */
  timers: EvaluationTimer[];
}

export interface BatchApplier {
  store: CustomerStateStore<CustomerRecord>;
  timers: EvaluationTimers;
  rules: CompiledRules;
  options: ApplyOptions;
  /** Wall clock for an output's detection time only. */
  now: () => number;
  /** Customers on the erasure list: their records only move the partition's clock (erasure-list.ts). */
  erased?: (customerId: string) => boolean;
  /** How outputs are encoded for Kafka and the outbox; absent (the state rebuild) when none are kept or sent. */
  encode?: OutputEncoder;
}

/**
 * The state half of a segmenter batch, everything before the produce: reads the batch's customers
 * and those whose timers the batch's clock may pass (one round trip per Redis node), folds the
 * records in log order, firing timers where the clock passes them, and writes each changed customer
 * with its new outputs in one atomic compare-and-set. Throws when another writer committed one of
 * the customers meanwhile: the batch is then redone.
 */
export async function applyBatch(applier: BatchApplier, partition: number, entries: readonly LogEntry[], watermarkBefore: number | null, version: string): Promise<AppliedBatch> {
  const erased = applier.erased ?? (() => false);
  const inBatch = entries.flatMap((e) => (e.kind === 'event' && e.event.customerId !== '' && !erased(e.event.customerId) ? [e.event.customerId] : []));
  let horizon = watermarkBefore;
  for (const e of entries) if (e.kind === 'event') horizon = advance(horizon, e.event.eventTime);
  const due = horizon === null ? [] : (await applier.timers.due(partition, horizon, Number.MAX_SAFE_INTEGER)).filter((d) => !erased(d.customerId));
  const stored = await applier.store.load([...new Set([...inBatch, ...due.map((d) => d.customerId)])]);
  return commitFolded(applier, stored, foldEntries(applier, entries, stored, watermarkBefore), version);
}

/**
 * Fires the timers of `customers` — a page of those due by `clock`, in due order — as a tick at
 * `clock` would, and writes them: how a batch whose clock passes more timers than fit in memory at
 * once (a long pause, then one tick) fires the earlier ones first, page by page (partition-log.ts).
 * Each customer's timers depend on nothing but their own record, so the pages decide what one fold
 * of them all would.
 */
export async function applyTimerPage(applier: BatchApplier, partition: number, customers: readonly string[], clock: number, watermarkBefore: number | null, version: string): Promise<AppliedBatch> {
  const erased = applier.erased ?? (() => false);
  const stored = await applier.store.load(customers.filter((id) => !erased(id)));
  const message: ConsumedMessage = { topic: '', partition, offset: '-1', key: null, value: null, headers: {}, timestamp: 0 };
  const folded = foldEntries(applier, [{ kind: 'event', event: aTick(partition, clock), message }], stored, watermarkBefore);
  return commitFolded(applier, stored, { ...folded, counts: { ...folded.counts, ignored: 0 } }, version);
}

/** Writes what a fold decided, each changed customer with its new outputs, in one compare-and-set. */
async function commitFolded(applier: BatchApplier, stored: Map<string, StoredCustomer<CustomerRecord>>, folded: ReturnType<typeof foldEntries>, version: string): Promise<AppliedBatch> {
  const kept = keptOutputs(applier.encode, stored, folded.commits);
  const conflicts = await applier.store.commit(kept.commits, version);
  if (conflicts.length > 0) throw new Error(`state of ${conflicts.length} customer(s) changed under this batch (another owner?); retrying the batch`);
  return { outgoing: kept.outgoing, rejected: folded.rejected, counts: folded.counts, failures: folded.failures, watermark: folded.watermark, timers: folded.timers };
}

/**
 * What goes to Kafka and into the outboxes: outputs decided earlier but never acknowledged (a crash
 * after the state write) again, for every customer loaded: also one loaded only because its timer
 * was still due, which is exactly the customer whose timer fired before the crash and whose outbox
 * nothing else would resend; then the new ones, each encoded once. Without an encoder nothing is kept.
 */
export function keptOutputs(encode: OutputEncoder | undefined, stored: ReadonlyMap<string, StoredCustomer<CustomerRecord>>, commits: readonly FoldedCommit[]) {
  if (encode === undefined) return { outgoing: [], commits: commits.map((c) => ({ ...c, outputs: [] })) };
  const outgoing: Outgoing[] = [];
  for (const s of stored.values()) for (const [id, payload] of s.pending) outgoing.push(fromOutbox(s.customerId, id, payload, encode));
  const kept = commits.map((c): CustomerCommit<CustomerRecord> => {
    const decided = c.outputs.map((o) => outgoingOf(o, encode));
    outgoing.push(...decided);
    return { ...c, outputs: decided.map((o) => [o.id, outboxPayload(o)]) };
  });
  return { outgoing, commits: kept };
}

/** A customer's commit as the fold decides it: the new state and the outputs decided on the way. */
export type FoldedCommit = Omit<CustomerCommit<CustomerRecord>, 'outputs'> & { outputs: Output[] };

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
export function foldEntries(applier: Pick<BatchApplier, 'rules' | 'options' | 'now' | 'erased'>, entries: readonly LogEntry[], stored: Map<string, StoredCustomer<CustomerRecord>>, watermarkBefore: number | null) {
  const working = new Map<string, Working>();
  const rejected: AppliedBatch['rejected'] = [];
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
    if (entry.kind === 'rejected') { rejected.push(entry); continue; }
    const { event, message } = entry;
    if (event.customerId === '') { // a tick: time passes in this partition, no customer is touched
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
      rejected.push({ message, cause: { reason: 'duplicate', message: `event ${event.eventId} was already applied to customer ${event.customerId}; seen again at offset ${message.offset}`, step: 'apply', stage: 'segmenter' } });
      continue; // only applied records move the clock
    }
    moveClock(event.eventTime);
    if (kind === 'already_applied') { counts.already_applied++; continue; }
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

/** A min-heap of (time, customer id), ties broken by id so every instance fires in the same order. */
class TimerQueue {
  private readonly heap: Array<{ at: number; customerId: string }> = [];
  private static before(a: { at: number; customerId: string }, b: { at: number; customerId: string }): boolean {
    return a.at < b.at || (a.at === b.at && a.customerId < b.customerId);
  }
  push(at: number, customerId: string): void {
    const h = this.heap;
    h.push({ at, customerId });
    for (let i = h.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!TimerQueue.before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }
  popUpTo(limit: number): { at: number; customerId: string } | undefined {
    const h = this.heap;
    if (h.length === 0 || h[0]!.at > limit) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && TimerQueue.before(h[l]!, h[m]!)) m = l;
        if (r < h.length && TimerQueue.before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

/** The outbox entries to clear once Kafka has acknowledged these outputs, per customer. */
export function outboxEntries(outputs: readonly Outgoing[]): Array<{ customerId: string; ids: string[] }> {
  const byCustomer = new Map<string, string[]>();
  for (const o of outputs) byCustomer.set(o.customerId, [...(byCustomer.get(o.customerId) ?? []), o.id]);
  return [...byCustomer].map(([customerId, ids]) => ({ customerId, ids }));
}
