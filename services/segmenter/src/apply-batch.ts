// The state half of a segmenter batch (DESIGN.md invariants 2 and 10): load the batch's customers
// and those whose timers its clock passes, fold (fold.ts), and write every changed customer with its
// new outputs in one atomic compare-and-set. Producing the outputs and moving the timers follow in
// partition-log.ts, once this has returned.
import { aTick } from '@segmentation/contracts';
import type { ConsumedMessage } from '@segmentation/kafka';
import type { CustomerRecord } from '@segmentation/segmentation';
import type { CustomerStateStore, EvaluationTimer, EvaluationTimers, StoredCustomer } from '@segmentation/state';
import { foldEntries, type EvaluationFailure, type FoldSettings, type LogEntry, type Rejected } from './fold.ts';
import { keptOutputs, type Outgoing, type OutputEncoder } from './outbox.ts';
import { advance } from './partition-clock.ts';

export interface AppliedBatch {
  /** Outputs to produce: those left in outboxes by an earlier crash, then the ones just decided. */
  outgoing: Outgoing[];
  rejected: Rejected[];
  counts: { applied: number; already_applied: number; ignored: number; erased: number; timers: number };
  /** Customer evaluations the fold failed on (a bug or a value no code path expected): skipped, see foldEntries. */
  failures: EvaluationFailure[];
  /** The partition's event-time watermark after the batch. */
  watermark: number | null;
  /** Every loaded customer's next evaluation time, for the partition's index once outputs are acknowledged. */
  timers: EvaluationTimer[];
}

export interface BatchApplier extends FoldSettings {
  store: CustomerStateStore<CustomerRecord>;
  timers: EvaluationTimers;
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
export async function applyBatch(
  applier: BatchApplier,
  partition: number,
  entries: readonly LogEntry[],
  watermarkBefore: number | null,
  version: string,
): Promise<AppliedBatch> {
  const erased = applier.erased ?? (() => false);
  const inBatch = entries.flatMap((e) =>
    e.kind === 'event' && e.event.customerId !== '' && !erased(e.event.customerId) ? [e.event.customerId] : [],
  );
  let horizon = watermarkBefore;
  for (const e of entries) if (e.kind === 'event') horizon = advance(horizon, e.event.eventTime);
  const due =
    horizon === null ? [] : (await applier.timers.due(partition, horizon, Number.MAX_SAFE_INTEGER)).filter((d) => !erased(d.customerId));
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
export async function applyTimerPage(
  applier: BatchApplier,
  partition: number,
  customers: readonly string[],
  clock: number,
  watermarkBefore: number | null,
  version: string,
): Promise<AppliedBatch> {
  const erased = applier.erased ?? (() => false);
  const stored = await applier.store.load(customers.filter((id) => !erased(id)));
  const message: ConsumedMessage = { topic: '', partition, offset: '-1', key: null, value: null, headers: {}, timestamp: 0 };
  const folded = foldEntries(applier, [{ kind: 'event', event: aTick(partition, clock), message }], stored, watermarkBefore);
  return commitFolded(applier, stored, { ...folded, counts: { ...folded.counts, ignored: 0 } }, version);
}

/** Writes what a fold decided, each changed customer with its new outputs, in one compare-and-set. */
async function commitFolded(
  applier: BatchApplier,
  stored: Map<string, StoredCustomer<CustomerRecord>>,
  folded: ReturnType<typeof foldEntries>,
  version: string,
): Promise<AppliedBatch> {
  const kept = keptOutputs(applier.encode, stored, folded.commits);
  const conflicts = await applier.store.commit(kept.commits, version);
  if (conflicts.length > 0)
    throw new Error(`state of ${conflicts.length} customer(s) changed under this batch (another owner?); retrying the batch`);
  return {
    outgoing: kept.outgoing,
    rejected: folded.rejected,
    counts: folded.counts,
    failures: folded.failures,
    watermark: folded.watermark,
    timers: folded.timers,
  };
}
