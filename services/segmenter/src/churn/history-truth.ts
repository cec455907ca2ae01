// Churn in a company's own history, by a rule that does not look at the model (docs/churn.md): a
// customer churned at their last order before a silence of at least the longer of `minDays` and
// `gaps` × the 90th percentile of their own earlier gaps between ordering days; an order after that
// silence is a return (won back). A silence still running at the end counts once it is that long.
// The backtest scores alert episodes against this.
import { DAY_MS, type ChurnTruth } from '../quality/quality-metrics.ts';

export interface ChurnDefinition {
  minDays: number;
  gaps: number;
}

export const DEFAULT_CHURN_DEFINITION: ChurnDefinition = { minDays: 90, gaps: 3 };

function p90(sorted: readonly number[]): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(0.9 * (sorted.length - 1) + 0.5))]!;
}

/** The truth of one customer from their placed-order times (any order), observed until `end`. */
export function churnTruthOf(
  customerId: string,
  orderTimes: readonly number[],
  end: number,
  d: ChurnDefinition = DEFAULT_CHURN_DEFINITION,
): ChurnTruth {
  const days = [...new Set(orderTimes.map((t) => Math.floor(t / DAY_MS)))].sort((a, b) => a - b);
  const times = [...orderTimes].sort((a, b) => a - b);
  const lastTimeOnDay = new Map<number, number>();
  for (const t of times) lastTimeOnDay.set(Math.floor(t / DAY_MS), t);
  const gaps: number[] = [];
  for (let i = 0; i < days.length; i++) {
    const sorted = [...gaps].sort((a, b) => a - b);
    const limit = Math.max(d.minDays, sorted.length >= 3 ? d.gaps * p90(sorted) : d.minDays);
    const next = days[i + 1];
    const silence = (next === undefined ? end / DAY_MS : next) - days[i]!;
    if (silence >= limit) {
      return {
        customerId,
        churnedAt: lastTimeOnDay.get(days[i]!)!,
        wonBackAt: next === undefined ? null : times.find((t) => Math.floor(t / DAY_MS) === next)!,
        declineStartedAt: null,
        ...(sorted.length >= 1 ? { medianGapDays: sorted[Math.floor(sorted.length / 2)]!, p90GapDays: p90(sorted) } : {}),
      };
    }
    if (next !== undefined) gaps.push(next - days[i]!);
  }
  return { customerId, churnedAt: null };
}
