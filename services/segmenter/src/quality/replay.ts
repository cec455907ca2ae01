// A history replayed through the segmenter's own fold, in process and as ONE partition: the customer
// states live in a Map instead of Redis, and each batch reads the customers the Redis timer index
// would hand the real segmenter (those whose next evaluation the batch's clock reaches). The churn
// fit, the backtest and the quality command all read history this way, so they judge exactly what
// the pipeline would decide.
import { aTick, bodyOf, type CustomerEvent } from '@segmentation/contracts';
import type { ConsumedMessage } from '@segmentation/kafka';
import type { ApplyOptions, CompiledRules, CustomerFeatures, CustomerRecord } from '@segmentation/segmentation';
import type { StoredCustomer } from '@segmentation/state';
import { foldEntries, type LogEntry } from '../fold.ts';
import type { Output } from '../outbox.ts';
import { advance } from '../partition-clock.ts';

const BATCH_SIZE = 500; // the segmenter's batch size

/** One customer's features as they stood at a cut-off time. */
export interface Snapshot {
  customerId: string;
  at: number;
  features: CustomerFeatures;
}

export interface LogReplay {
  /** Span end (exclusive), epoch ms: the last tick. */
  end: number;
  events: number;
  timersFired: number;
  /** Every output decided, in log order. */
  outputs: Output[];
  /** Placed-order times per customer. */
  orders: Map<string, number[]>;
  /** Customers' features at each cut-off (only customers with an order by then). */
  snapshots: Snapshot[];
  /** Each customer's final record. */
  finals: Map<string, CustomerRecord>;
}

export interface ReplaySettings {
  rules: CompiledRules;
  options: ApplyOptions;
  /** Span end (exclusive): a tick there fires the timers still pending. Absent: no such tick, the
   *  replay decides what the pipeline has decided so far (and `end` is the last event's time). */
  end?: number;
  /** Times at which to take every customer's features, ascending. */
  cutoffs?: readonly number[];
  /** Keep outputs (the quality command and the backtest do; the fit does not need them). */
  keepOutputs?: boolean;
}

const push = <T>(m: Map<string, T[]>, key: string, value: T) => {
  const list = m.get(key);
  if (list) list.push(value);
  else m.set(key, [value]);
};

/** Replays `batches` (customer-events records in log order) through the fold. */
export async function replayLog(
  batches: AsyncIterable<readonly CustomerEvent[]> | Iterable<readonly CustomerEvent[]>,
  settings: ReplaySettings,
): Promise<LogReplay> {
  const applier = { rules: settings.rules, options: settings.options, now: () => 0 };
  const states = new Map<string, StoredCustomer<CustomerRecord>>();
  const replay: LogReplay = {
    end: settings.end ?? 0,
    events: 0,
    timersFired: 0,
    outputs: [],
    orders: new Map(),
    snapshots: [],
    finals: new Map(),
  };
  const cutoffs = [...(settings.cutoffs ?? [])];
  let watermark: number | null = null;
  let offset = 0;
  let pending: LogEntry[] = [];

  const applyBatch = (entries: LogEntry[]) => {
    let horizon = watermark;
    const stored = new Map<string, StoredCustomer<CustomerRecord>>();
    const load = (id: string) => stored.set(id, states.get(id) ?? { customerId: id, version: '', state: undefined, pending: new Map() });
    for (const e of entries) {
      if (e.kind !== 'event') continue;
      horizon = advance(horizon, e.event.eventTime);
      if (e.event.customerId !== '') load(e.event.customerId);
    }
    if (horizon !== null) {
      for (const [id, s] of states) if (s.state?.nextEvaluationAt != null && s.state.nextEvaluationAt <= horizon) load(id);
    }
    const folded = foldEntries(applier, entries, stored, watermark);
    for (const c of folded.commits) states.set(c.customerId, { customerId: c.customerId, version: '', state: c.state, pending: new Map() });
    if (settings.keepOutputs) replay.outputs.push(...folded.decided);
    replay.timersFired += folded.counts.timers;
    watermark = folded.watermark;
  };
  const enqueue = (event: CustomerEvent) => {
    const message: ConsumedMessage = {
      topic: 'customer-events',
      partition: 0,
      offset: String(offset++),
      key: null,
      value: null,
      headers: {},
      timestamp: 0,
    };
    pending.push({ kind: 'event', event, message });
    if (pending.length >= BATCH_SIZE) {
      applyBatch(pending);
      pending = [];
    }
  };
  const flush = () => {
    if (pending.length > 0) applyBatch(pending);
    pending = [];
  };
  /** Takes every customer's features at the cut-off, after the clock reached it (a tick fires its timers). */
  const snapshotAt = (at: number) => {
    enqueue(aTick(0, at));
    flush();
    for (const [customerId, s] of states) {
      if (s.state && s.state.features.lifetime.orders > 0) replay.snapshots.push({ customerId, at, features: s.state.features });
    }
  };

  for await (const events of batches) {
    for (const event of events) {
      while (cutoffs.length > 0 && event.eventTime >= cutoffs[0]!) snapshotAt(cutoffs.shift()!);
      replay.events++;
      const body = bodyOf(event);
      if (body.kind === 'order' && body.order.kind === 'PLACED') push(replay.orders, event.customerId, event.eventTime);
      enqueue(event);
    }
  }
  const end = settings.end;
  if (end !== undefined) {
    for (const at of cutoffs) if (at <= end) snapshotAt(at);
    // The span's end as one tick, so timers still pending fire (silent customers reach their thresholds).
    enqueue(aTick(0, end));
  }
  flush();
  replay.end = end ?? watermark ?? 0;
  for (const [id, s] of states) if (s.state) replay.finals.set(id, s.state);
  return replay;
}

const LEVEL_RANK: Record<string, number> = { watch: 0, warning: 1, critical: 2 };

/** Per customer, its alert episodes, each as the times it was raised to `level` or above
 *  (opened there, or escalated to such a level again), in log order. */
export function episodeRaises(outputs: readonly Output[], level: 'watch' | 'warning' | 'critical'): Map<string, number[][]> {
  const min = LEVEL_RANK[level]!;
  const episodes = new Map<string, number[]>();
  const byCustomer = new Map<string, number[][]>();
  for (const o of outputs) {
    if (o.kind !== 'alert' || (LEVEL_RANK[o.value.level] ?? -1) < min) continue;
    const rank = LEVEL_RANK[o.value.level]!;
    const previous = o.value.previousLevel === null ? -1 : (LEVEL_RANK[o.value.previousLevel] ?? -1);
    if (previous >= min || rank < min) continue; // already at the level (or a fall inside it): not a raise to it
    const id = o.value.episodeId ?? o.value.alertId;
    let raises = episodes.get(id);
    if (raises === undefined) {
      raises = [];
      episodes.set(id, raises);
      push(byCustomer, o.value.customerId, raises);
    }
    raises.push(o.value.eventTime);
  }
  return byCustomer;
}

/** Per customer, each entry into the lifecycle dimension's `churned` segment (one episode each). */
export function lifecycleChurned(outputs: readonly Output[]): Map<string, number[][]> {
  const m = new Map<string, number[][]>();
  for (const o of outputs)
    if (o.kind === 'change' && o.value.dimension === 'lifecycle' && o.value.toSegment === 'churned')
      push(m, o.value.customerId, [o.value.eventTime]);
  return m;
}
