import type { CustomerEvent, SegmentChange } from '@segmentation/contracts';
import type { ConsumedMessage, DeadLetterCause } from '@segmentation/kafka';
import { applyEvent, emptyRecord, type ApplyOptions, type CustomerRecord, type Rules } from '@segmentation/segmentation';
import type { CustomerCommit, CustomerStateStore, EvaluationTimers, StoredCustomer } from '@segmentation/state';
import { advance } from './partition-clock.ts';

/** One record of a `customer-events` batch, decoded or refused by the decoder. */
export type LogEntry =
  | { kind: 'event'; event: CustomerEvent; message: ConsumedMessage }
  | { kind: 'rejected'; message: ConsumedMessage; cause: DeadLetterCause };

export interface AppliedBatch {
  /** Changes to produce: those left in outboxes by an earlier crash, then the ones just decided. */
  outgoing: SegmentChange[];
  rejected: Array<{ message: ConsumedMessage; cause: DeadLetterCause }>;
  counts: { applied: number; already_applied: number; ignored: number };
  /** The partition's event-time watermark after the batch. */
  watermark: number | null;
  customersWritten: number;
}

export interface BatchApplier {
  store: CustomerStateStore<CustomerRecord>;
  timers: EvaluationTimers;
  rules: Rules;
  options: ApplyOptions;
  /** Wall clock for an output's detection time only. */
  now: () => number;
}

/**
 * The state half of a segmenter batch, everything before the produce: reads the batch's customers
 * (one round trip per Redis node), folds the records in log order on the partition's clock, writes
 * each changed customer with its new outputs in one atomic compare-and-set, and moves their timers.
 * Throws when another writer committed one of the customers meanwhile: the batch is then redone.
 */
export async function applyBatch(applier: BatchApplier, partition: number, entries: readonly LogEntry[], watermarkBefore: number | null, version: string): Promise<AppliedBatch> {
  const customerIds = [...new Set(entries.flatMap((e) => (e.kind === 'event' && e.event.customerId !== '' ? [e.event.customerId] : [])))];
  const stored = await applier.store.load(customerIds);
  const folded = foldEntries(applier, entries, stored, watermarkBefore);
  const conflicts = await applier.store.commit(folded.commits, version);
  if (conflicts.length > 0) throw new Error(`state of ${conflicts.length} customer(s) changed under this batch (another owner?); retrying the batch`);
  // The index is derived from the records just committed: a crash before this line is repaired
  // when the batch comes again (DESIGN.md invariant 10).
  await applier.timers.schedule(partition, folded.commits.map((c) => ({ customerId: c.customerId, at: c.state.nextEvaluationAt })));
  return { ...folded, customersWritten: folded.commits.length };
}

interface Working {
  stored: StoredCustomer<CustomerRecord> | undefined;
  record: CustomerRecord;
  changed: boolean;
  decided: SegmentChange[];
}

/** The pure part: every record in log order, each evaluated right after it is applied. */
export function foldEntries(applier: Pick<BatchApplier, 'rules' | 'options' | 'now'>, entries: readonly LogEntry[], stored: Map<string, StoredCustomer<CustomerRecord>>, watermarkBefore: number | null) {
  const working = new Map<string, Working>();
  const rejected: AppliedBatch['rejected'] = [];
  const counts = { applied: 0, already_applied: 0, ignored: 0 };
  let watermark = watermarkBefore;
  for (const entry of entries) {
    if (entry.kind === 'rejected') { rejected.push(entry); continue; }
    const { event, message } = entry;
    if (event.customerId === '') { // a tick: time passes in this partition, no customer is touched
      counts.ignored++;
      watermark = advance(watermark, event.eventTime);
      continue;
    }
    const customer = workingFor(working, stored, event.customerId);
    const outcome = applyEvent(customer.record, event, Number(message.offset), watermark ?? event.eventTime, applier.rules, applier.options);
    if (outcome.kind === 'duplicate') {
      rejected.push({ message, cause: { reason: 'duplicate', message: `event ${event.eventId} was already applied to customer ${event.customerId}; seen again at offset ${message.offset}`, step: 'apply', stage: 'segmenter' } });
      continue; // only applied records move the clock
    }
    watermark = advance(watermark, event.eventTime);
    counts[outcome.kind]++;
    if (outcome.kind === 'applied') {
      customer.record = outcome.record;
      customer.changed = true;
      for (const change of outcome.changes) customer.decided.push({ ...change, detectedAt: applier.now() });
    }
  }

  const commits: Array<CustomerCommit<CustomerRecord>> = [];
  const outgoing: SegmentChange[] = [];
  for (const [customerId, c] of working) {
    // Outputs decided earlier but never acknowledged (a crash after the state write) go out again.
    for (const payload of c.stored?.pending.values() ?? []) outgoing.push(JSON.parse(payload) as SegmentChange);
    outgoing.push(...c.decided);
    if (c.changed) commits.push({ customerId, expectedVersion: c.stored?.version ?? '', state: c.record, outputs: c.decided.map((d) => [d.changeId, JSON.stringify(d)]) });
  }
  return { commits, outgoing, rejected, counts, watermark };
}

function workingFor(working: Map<string, Working>, stored: Map<string, StoredCustomer<CustomerRecord>>, customerId: string): Working {
  let customer = working.get(customerId);
  if (!customer) {
    const s = stored.get(customerId);
    customer = { stored: s, record: s?.state ?? emptyRecord(), changed: false, decided: [] };
    working.set(customerId, customer);
  }
  return customer;
}

/** The outbox entries to clear once Kafka has acknowledged these changes, per customer. */
export function outboxEntries(changes: readonly SegmentChange[]): Array<{ customerId: string; ids: string[] }> {
  const byCustomer = new Map<string, string[]>();
  for (const c of changes) byCustomer.set(c.customerId, [...(byCustomer.get(c.customerId) ?? []), c.changeId]);
  return [...byCustomer].map(([customerId, ids]) => ({ customerId, ids }));
}
