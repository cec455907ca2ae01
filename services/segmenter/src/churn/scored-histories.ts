// Histories with known churn truth, to judge the churn model on: the project's own simulator, and
// the independent generator written without seeing the model (services/simulator/src/independent,
// BRIEF.md there). Both are normalised by the same contracts as live traffic.
import {
  DEFAULT_BASE_CURRENCY,
  DEFAULT_CURRENCY_RATES,
  parseRates,
  sourceContracts,
  topicNames,
  type CustomerEvent,
} from '@segmentation/contracts';
import { generateIndependentHistory, Simulation, simulateHistoryOf } from '@segmentation/simulator';
import { gapsOf, type ChurnTruth } from '../quality/quality-metrics.ts';

export const GENERATORS = ['simulator', 'independent'] as const;
export type Generator = (typeof GENERATORS)[number];

export interface ScoredHistory {
  generator: Generator;
  seed: number;
  /** Epoch ms of the first day and the end (exclusive). */
  start: number;
  end: number;
  /** customer-events in log (event-time) order. */
  events: CustomerEvent[];
  truth: ChurnTruth[];
  /** The generator's own label per customer (archetype or behaviour), for the figures by kind. */
  kinds: Map<string, string>;
}

export interface HistoryOptions {
  seed: number;
  customers: number;
  days: number;
  start: string;
}

const placedOrders = (events: readonly CustomerEvent[]): Map<string, number[]> => {
  const m = new Map<string, number[]>();
  for (const e of events) {
    const body = e.body['segmentation.log.OrderRecorded' as keyof typeof e.body] as { kind: string } | undefined;
    if (body?.kind !== 'PLACED') continue;
    const list = m.get(e.customerId);
    if (list) list.push(e.eventTime);
    else m.set(e.customerId, [e.eventTime]);
  }
  return m;
};

export async function scoredHistory(generator: Generator, o: HistoryOptions): Promise<ScoredHistory> {
  if (generator === 'simulator') {
    const sim = new Simulation(o);
    const events = await simulateHistoryOf(sim);
    const orders = placedOrders(events);
    const truth = sim.groundTruth().map((t): ChurnTruth => ({
      customerId: t.customerId,
      churnedAt: t.churnedAt,
      declineStartedAt: t.decliningFrom,
      wonBackAt: t.wonBackAt,
      cause: t.churnCause === null ? null : t.churnCause === 'price_or_competitor' ? 'gradual' : 'service',
      ...gapsOf(orders.get(t.customerId) ?? [], t.churnedAt ?? sim.end),
    }));
    return {
      generator,
      seed: o.seed,
      start: sim.start,
      end: sim.end,
      events,
      truth,
      kinds: new Map(sim.groundTruth().map((t) => [t.customerId, t.archetype])),
    };
  }
  const generated = generateIndependentHistory(o);
  const contracts = new Map(sourceContracts(topicNames('')).map((c) => [c.kind, c]));
  const validation = {
    currencies: parseRates(DEFAULT_BASE_CURRENCY, DEFAULT_CURRENCY_RATES),
    now: Number.MAX_SAFE_INTEGER,
    maxFutureSkewMs: 0,
  };
  const events: CustomerEvent[] = [];
  for (const r of generated.records) {
    const result = contracts.get(r.kind)!.normalise(r.value, r.value.customerId, null, validation);
    if (!result.ok) throw new Error(`independent generator: a ${r.kind} broke its contract: ${result.reason}: ${result.message}`);
    events.push(result.value);
  }
  const orders = placedOrders(events);
  const truth = generated.truth.map((t): ChurnTruth => ({
    customerId: t.customerId,
    churnedAt: t.churnedAt,
    declineStartedAt: t.declineStartedAt,
    wonBackAt: t.wonBackAt,
    cause:
      t.churnCause === null
        ? null
        : t.churnCause === 'service_incident'
          ? 'service'
          : t.churnCause === 'gradual_shift'
            ? 'gradual'
            : 'quiet',
    ...gapsOf(orders.get(t.customerId) ?? [], t.churnedAt ?? generated.end),
  }));
  return {
    generator,
    seed: o.seed,
    start: generated.start,
    end: generated.end,
    events,
    truth,
    kinds: new Map(generated.truth.map((t) => [t.customerId, t.behaviour])),
  };
}
