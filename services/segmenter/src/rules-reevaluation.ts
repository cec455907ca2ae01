import { applyRules, type ApplyOptions, type CompiledRules, type CustomerRecord, type RulesControl } from '@segmentation/segmentation';
import type { CustomerStateStore, EvaluationTimer, EvaluationTimers } from '@segmentation/state';
import type { FoldedCommit } from './fold.ts';
import { decidedOutputs, keptOutputs, type Outgoing, type OutputEncoder } from './outbox.ts';

export interface Reevaluator {
  store: CustomerStateStore<CustomerRecord>;
  timers: EvaluationTimers;
  options: ApplyOptions;
  now: () => number;
  /** Customers on the erasure list, left out (their data is being removed). */
  erased?: (customerId: string) => boolean;
  /** How outputs are encoded for Kafka and the outbox; absent (the state rebuild) when none are kept or sent. */
  encode?: OutputEncoder;
}

export interface ReevaluationSteps {
  /** Produces the outputs, waits for Kafka, clears the outboxes and moves the timers. */
  emit(outgoing: Outgoing[], timers: EvaluationTimer[]): Promise<void>;
  /** Called after every page of customers (progress, and the consumer's heartbeat). */
  progress(done: number, total: number): Promise<void>;
}

/** Customers per page: one load and one commit round trip per Redis node each. */
const PAGE = 500;

/**
 * Re-evaluates every customer of a partition under rules a control record just put in force, at
 * the partition's clock (DESIGN.md invariant 9), page by page, each page committed and emitted
 * like a batch (state and outputs atomically per customer, outputs acknowledged before the timers
 * move). Redone after a crash, it skips the customers already past the control record and re-sends
 * what their outboxes still hold, so no change is decided twice.
 */
export async function reevaluatePartition(
  r: Reevaluator,
  partition: number,
  rules: CompiledRules,
  watermark: number | null,
  control: RulesControl,
  steps: ReevaluationSteps,
) {
  const report = { customers: 0, reevaluated: 0, changes: 0 };
  if (watermark === null) return report; // nothing applied in this partition yet: no customers
  const ids = (await r.timers.customers(partition)).filter((id) => !r.erased?.(id));
  report.customers = ids.length;
  for (let start = 0; start < ids.length; start += PAGE) {
    const stored = await r.store.load(ids.slice(start, start + PAGE));
    const commits: FoldedCommit[] = [];
    const next: EvaluationTimer[] = [];
    for (const [customerId, s] of stored) {
      if (!s.state) continue;
      const evaluated = applyRules(s.state, customerId, watermark, rules, control, r.options);
      const record = evaluated?.record ?? s.state;
      next.push({ customerId, at: record.nextEvaluationAt });
      if (!evaluated) continue;
      const decided = decidedOutputs(evaluated.outputs, r.now());
      report.reevaluated++;
      report.changes += decided.filter((o) => o.kind === 'change').length;
      commits.push({ customerId, expectedVersion: s.version, state: record, outputs: decided });
    }
    const kept = keptOutputs(r.encode, stored, commits);
    const conflicts = await r.store.commit(kept.commits, `${partition}:${control.offset}:rules`);
    if (conflicts.length > 0)
      throw new Error(
        `state of ${conflicts.length} customer(s) changed during the rules re-evaluation (another owner?); retrying the batch`,
      );
    await steps.emit(kept.outgoing, next);
    await steps.progress(Math.min(start + PAGE, ids.length), ids.length);
  }
  return report;
}
