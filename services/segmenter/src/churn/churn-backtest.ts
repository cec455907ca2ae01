// The backtest (docs/churn.md): the company's own history replayed through the segmenter's fold,
// each partition on its own clock as the segmenter runs it (so for the rules in force it decides
// exactly the alerts the pipeline emitted), and its alert episodes scored against churn as the
// history shows it (history-truth.ts): precision, recall, lead time, alert volume, overall, per
// value tier and per industry. Nothing is written anywhere.
import { bodyOf, type CustomerEvent } from '@segmentation/contracts';
import { profileAttributes, type BusinessCalendar, type CompiledRules } from '@segmentation/segmentation';
import type { Output } from '../outbox.ts';
import { DAY_MS, scoreDetector, type ChurnTruth, type DetectionFigures } from '../quality/quality-metrics.ts';
import { episodeRaises, replayLog } from '../quality/replay.ts';
import { churnTruthOf, type ChurnDefinition } from './history-truth.ts';

export interface PartitionsReplay {
  outputs: Output[];
  /** Placed-order times per customer. */
  orders: Map<string, number[]>;
  /** Each customer's final value tier and industry. */
  valueTier: Map<string, string>;
  industry: Map<string, string>;
  events: number;
}

/** Every partition replayed on its own clock, under one rules version; `end` adds a last tick at that time. */
export async function replayPartitions(
  partitions: ReadonlyMap<number, readonly CustomerEvent[]>,
  rules: CompiledRules,
  calendar: BusinessCalendar,
  end?: number,
): Promise<PartitionsReplay> {
  const out: PartitionsReplay = { outputs: [], orders: new Map(), valueTier: new Map(), industry: new Map(), events: 0 };
  for (const [, events] of [...partitions].sort(([a], [b]) => a - b)) {
    const replay = await replayLog([events], { rules, options: { calendar }, end, keepOutputs: true });
    out.outputs.push(...replay.outputs);
    out.events += replay.events;
    for (const [id, times] of replay.orders) out.orders.set(id, times);
    for (const [id, record] of replay.finals) {
      out.valueTier.set(id, record.memberships.value_tier?.segment ?? 'none');
      out.industry.set(id, profileAttributes(record.features).industry ?? 'unknown');
    }
  }
  return out;
}

export interface BacktestFigures {
  rulesVersion: string;
  customers: number;
  warning: DetectionFigures;
  watch: DetectionFigures;
  /** Episodes raised to warning or above per 100 customers per month of the span. */
  warningEpisodesPer100CustomerMonths: number;
  byValueTier: Record<string, DetectionFigures>;
  byIndustry: Record<string, DetectionFigures>;
}

export interface BacktestSpan {
  /** Episodes raised from here on are scored (before it the model warms up on the history). */
  from: number;
  /** The history's end: the replay's last tick. */
  to: number;
}

export async function backtest(
  partitions: ReadonlyMap<number, readonly CustomerEvent[]>,
  rules: CompiledRules,
  calendar: BusinessCalendar,
  span: BacktestSpan,
  definition: ChurnDefinition,
): Promise<BacktestFigures> {
  const replay = await replayPartitions(partitions, rules, calendar, span.to);
  const customers = [...replay.valueTier.keys()].filter((id) => replay.orders.has(id));
  const truth: ChurnTruth[] = customers.map((id) => churnTruthOf(id, replay.orders.get(id) ?? [], span.to, definition));
  // The definition only calls a churn once the silence was observed in full: no further wait needed.
  const window = { start: span.from, end: span.to, minObservedDays: 0, earlyGraceDays: 14 };
  const warningRaises = episodeRaises(replay.outputs, 'warning');
  const scoreOf = (group: readonly ChurnTruth[]) => scoreDetector(warningRaises, group, window);
  const groupBy = (key: Map<string, string>) => {
    const groups = new Map<string, ChurnTruth[]>();
    for (const t of truth) {
      const k = key.get(t.customerId) ?? 'unknown';
      groups.set(k, [...(groups.get(k) ?? []), t]);
    }
    return Object.fromEntries([...groups].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, g]) => [k, scoreOf(g)]));
  };
  const warning = scoreOf(truth);
  const months = (span.to - span.from) / (30.44 * DAY_MS);
  return {
    rulesVersion: rules.version,
    customers: customers.length,
    warning,
    watch: scoreDetector(episodeRaises(replay.outputs, 'watch'), truth, window),
    warningEpisodesPer100CustomerMonths: customers.length === 0 || months <= 0 ? 0 : (100 * warning.episodes) / customers.length / months,
    byValueTier: groupBy(replay.valueTier),
    byIndustry: groupBy(replay.industry),
  };
}

/** The span of a history (earliest and latest event times over the partitions). */
export function historySpan(partitions: ReadonlyMap<number, readonly CustomerEvent[]>): { start: number; end: number } | undefined {
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const events of partitions.values()) {
    for (const e of events) {
      if (e.customerId === '' || bodyOf(e).kind === 'tick') continue;
      start = Math.min(start, e.eventTime);
      end = Math.max(end, e.eventTime);
    }
  }
  return Number.isFinite(start) ? { start, end: end + 1 } : undefined;
}
