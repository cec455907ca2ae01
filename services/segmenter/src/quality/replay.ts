// A simulated span replayed through the segmenter's own fold, in process and as ONE partition:
// the customer states live in a Map instead of Redis, and each batch reads the customers the Redis
// timer index would hand the real segmenter (those whose next evaluation the batch's clock reaches).
import { aTick, bodyOf, type CustomerEvent } from '@segmentation/contracts';
import type { ConsumedMessage } from '@segmentation/kafka';
import type { ApplyOptions, CompiledRules, CustomerRecord } from '@segmentation/segmentation';
import { liveThrough, Simulation, type GroundTruth, type SimulationOptions } from '@segmentation/simulator';
import type { StoredCustomer } from '@segmentation/state';
import { foldEntries, type LogEntry, type Output } from '../apply-batch.ts';
import { advance } from '../partition-clock.ts';

const BATCH_SIZE = 500; // the segmenter's batch size

/** What the quality figures are computed from. */
export interface Replay {
  truth: GroundTruth[];
  /** Span end (exclusive), epoch ms. */
  end: number;
  events: number;
  /** Churn alert times per customer and level (watch, warning, critical). */
  alerts: Map<string, Array<{ level: string; at: number }>>;
  /** Times each customer entered the lifecycle dimension's `churned` segment. */
  lifecycleChurned: Map<string, number[]>;
  /** Placed-order times per customer, for the recency baseline. */
  orders: Map<string, number[]>;
  /** Each customer's final value_tier segment. */
  finalValueTier: Map<string, string>;
  timersFired: number;
}

const push = <T>(m: Map<string, T[]>, key: string, value: T) => {
  const list = m.get(key);
  if (list) list.push(value); else m.set(key, [value]);
};

export async function replaySpan(simulation: SimulationOptions, rules: CompiledRules, options: ApplyOptions): Promise<Replay> {
  const sim = new Simulation(simulation);
  const applier = { rules, options, now: () => 0 };
  const states = new Map<string, StoredCustomer<CustomerRecord>>();
  const replay: Replay = { truth: [], end: sim.end, events: 0, alerts: new Map(), lifecycleChurned: new Map(), orders: new Map(), finalValueTier: new Map(), timersFired: 0 };
  let watermark: number | null = null;
  let offset = 0;
  let pending: LogEntry[] = [];

  const record = (o: Output) => {
    if (o.kind === 'alert' && o.value.level !== 'cleared') push(replay.alerts, o.value.customerId, { level: o.value.level, at: o.value.eventTime });
    else if (o.kind === 'change' && o.value.dimension === 'lifecycle' && o.value.toSegment === 'churned') push(replay.lifecycleChurned, o.value.customerId, o.value.eventTime);
  };
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
    for (const o of folded.decided) record(o);
    replay.timersFired += folded.counts.timers;
    watermark = folded.watermark;
  };
  const enqueue = (event: CustomerEvent) => {
    const message: ConsumedMessage = { topic: 'customer-events', partition: 0, offset: String(offset++), key: null, value: null, headers: {}, timestamp: 0 };
    pending.push({ kind: 'event', event, message });
    if (pending.length >= BATCH_SIZE) { applyBatch(pending); pending = []; }
  };

  await liveThrough(sim, (events) => {
    for (const event of events) {
      replay.events++;
      const body = bodyOf(event);
      if (body.kind === 'order' && body.order.kind === 'PLACED') push(replay.orders, event.customerId, event.eventTime);
      enqueue(event);
    }
  });
  if (pending.length > 0) applyBatch(pending);
  // The span's end as one tick, so timers still pending fire (silent customers reach their thresholds).
  pending = [];
  enqueue(aTick(0, sim.end));
  applyBatch(pending);

  replay.truth = sim.groundTruth();
  for (const [id, s] of states) replay.finalValueTier.set(id, s.state?.memberships.value_tier?.segment ?? 'none');
  return replay;
}
