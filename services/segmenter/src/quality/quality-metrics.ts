// The figures of the quality command and the churn backtest, as pure functions of alert episodes
// and the true churn times, so they can be checked on hand-made inputs. Times are epoch ms.

export const DAY_MS = 86_400_000;

/** What a churn detector is scored against, per customer. */
export interface ChurnTruth {
  customerId: string;
  /** Last order before the customer stopped ordering; null if it never stopped. */
  churnedAt: number | null;
  /** When the decline that ended in churn truly began (fading orders, the incident); null: unknown. */
  declineStartedAt?: number | null;
  /** First order after coming back, if the customer came back. */
  wonBackAt?: number | null;
  /** service: left after service failures (an alert should come before the last order). */
  cause?: 'service' | 'gradual' | 'quiet' | null;
  /** The customer's typical and 90th-percentile gaps between ordering days while active, in days. */
  medianGapDays?: number;
  p90GapDays?: number;
}

export interface DetectionWindow {
  /** Span start: episodes raised before it are not scored (the fit's span); needed for the per-year figure. */
  start?: number;
  /** Span end (exclusive): a churn counts for recall only if it lies `minObservedDays` before it. */
  end: number;
  minObservedDays: number;
  /** An alert this many days before the last order still counts, when the decline's start is unknown or later. */
  earlyGraceDays: number;
}

export interface DetectionFigures {
  /** Episodes raised (at the detector's level) inside the span. */
  episodes: number;
  /** Episodes raised for a churn, from the start of its decline to the customer's return. */
  rightEpisodes: number;
  precision: number | null;
  /** Churns early enough to be judged. */
  trulyChurned: number;
  detected: number;
  recall: number | null;
  f1: number | null;
  /** Median days from the churn (last order) to the first right episode; undetected count as never. */
  medianDelayDays: number | null;
  /** The same for customers whose median gap is under 21 days (target ≤ 21). */
  medianDelayFrequentDays: number | null;
  /** Share of the other churners detected within 1.5 × their own 90th-percentile gap (target: the median within it). */
  infrequentWithinGaps: number | null;
  /** Median days the first right episode came before the last order, for service-driven churners. */
  medianLeadServiceDays: number | null;
  /** Customers who never churned with an episode, and their share. */
  nonChurnersAlerted: number;
  nonChurnersAlertedShare: number | null;
  /** Episodes per non-churning customer-year of the span. */
  episodesPerNonChurnerYear: number | null;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const ratio = (n: number, d: number): number | null => (d === 0 ? null : n / d);
const FREQUENT_GAP_DAYS = 21;

/**
 * Scores one detector. `episodes` holds, per customer, its episodes, each as the times it was raised
 * to the detector's level or above (opened there, or escalated to it again). An episode is right
 * when the customer churned and it was raised from the start of the decline (or `earlyGraceDays`
 * before the last order, if earlier) until the customer came back; every other episode is a false
 * alarm. Only episodes raised inside the span count.
 */
export function scoreDetector(
  episodes: ReadonlyMap<string, ReadonlyArray<readonly number[]>>,
  truth: readonly ChurnTruth[],
  window: DetectionWindow,
): DetectionFigures {
  const start = window.start ?? Number.NEGATIVE_INFINITY;
  const latestDetectable = window.end - window.minObservedDays * DAY_MS;
  const years = Number.isFinite(start) ? (window.end - start) / (365 * DAY_MS) : Number.NaN;
  let total = 0;
  let right = 0;
  let trulyChurned = 0;
  let detected = 0;
  let nonChurners = 0;
  let nonChurnersAlerted = 0;
  let nonChurnerEpisodes = 0;
  const delays: number[] = [];
  const frequentDelays: number[] = [];
  let infrequent = 0;
  let infrequentInTime = 0;
  const serviceLeads: number[] = [];
  for (const t of truth) {
    const inSpan = (episodes.get(t.customerId) ?? [])
      .map((raises) => raises.filter((at) => at >= start && at < window.end))
      .filter((raises) => raises.length > 0);
    total += inSpan.length;
    if (t.churnedAt === null) {
      nonChurners++;
      nonChurnerEpisodes += inSpan.length;
      if (inSpan.length > 0) nonChurnersAlerted++;
      continue;
    }
    const from = Math.min(t.declineStartedAt ?? t.churnedAt, t.churnedAt - window.earlyGraceDays * DAY_MS);
    const until = t.wonBackAt ?? Number.POSITIVE_INFINITY;
    const rightTimes = inSpan
      .map((raises) => raises.filter((at) => at >= from && at < until))
      .filter((raises) => raises.length > 0)
      .map((raises) => raises[0]!);
    right += rightTimes.length;
    if (t.churnedAt > latestDetectable || t.churnedAt < start) continue;
    trulyChurned++;
    const first = rightTimes.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...rightTimes);
    const delay = (first - t.churnedAt) / DAY_MS;
    if (Number.isFinite(first)) detected++;
    delays.push(delay);
    if (t.medianGapDays !== undefined && t.medianGapDays < FREQUENT_GAP_DAYS) frequentDelays.push(delay);
    else if (t.p90GapDays !== undefined) {
      infrequent++;
      if (delay <= 1.5 * t.p90GapDays) infrequentInTime++;
    }
    if (t.cause === 'service' && Number.isFinite(first)) serviceLeads.push(-delay);
  }
  const precision = ratio(right, total);
  const recall = ratio(detected, trulyChurned);
  const finite = (x: number | null) => (x === null || Number.isFinite(x) ? x : null);
  return {
    episodes: total,
    rightEpisodes: right,
    precision,
    trulyChurned,
    detected,
    recall,
    f1: precision === null || recall === null || precision + recall === 0 ? null : (2 * precision * recall) / (precision + recall),
    medianDelayDays: finite(median(delays)),
    medianDelayFrequentDays: finite(median(frequentDelays)),
    infrequentWithinGaps: ratio(infrequentInTime, infrequent),
    medianLeadServiceDays: median(serviceLeads),
    nonChurnersAlerted,
    nonChurnersAlertedShare: ratio(nonChurnersAlerted, nonChurners),
    episodesPerNonChurnerYear: nonChurners === 0 || !(years > 0) ? null : nonChurnerEpisodes / nonChurners / years,
  };
}

/** What the history itself allows, whatever the detector: the ceilings the timeliness targets meet. */
export interface TimelinessCeiling {
  /** Customers with a median gap under 21 days: their silences that reached 21 days inside the span, and how many of them were a churn. */
  frequentSilences: number;
  frequentChurnSilences: number;
  /** The other customers: silences that reached 1.5 × their own 90th-percentile gap, and how many were a churn. */
  otherSilences: number;
  otherChurnSilences: number;
  /** Service-driven churners: median days their trouble first showed before their last order (what an
   *  alert at the very first failure would lead by; negative: the trouble showed after it). */
  serviceFirstSignLeadDays: number | null;
}

/**
 * Counts, per customer, the silences after each order that reached the target's delay inside the
 * span (churn silences only when the churn can be judged, as in `scoreDetector`): a detector that
 * alerts on silence alone at that delay is right at most `churn / all` of the time. Other signals
 * (a fading order rate, service trouble) can do better, but only where they show before the silence.
 */
export function timelinessCeiling(
  orders: ReadonlyMap<string, readonly number[]>,
  truth: readonly ChurnTruth[],
  window: DetectionWindow,
): TimelinessCeiling {
  const start = window.start ?? Number.NEGATIVE_INFINITY;
  const latestDetectable = window.end - window.minObservedDays * DAY_MS;
  const c: TimelinessCeiling = {
    frequentSilences: 0,
    frequentChurnSilences: 0,
    otherSilences: 0,
    otherChurnSilences: 0,
    serviceFirstSignLeadDays: null,
  };
  const serviceLeads: number[] = [];
  for (const t of truth) {
    const frequent = t.medianGapDays !== undefined && t.medianGapDays < FREQUENT_GAP_DAYS;
    const delayDays = frequent ? FREQUENT_GAP_DAYS : t.p90GapDays === undefined ? undefined : 1.5 * t.p90GapDays;
    const times = [...(orders.get(t.customerId) ?? [])].sort((a, b) => a - b);
    for (let i = 0; delayDays !== undefined && i < times.length; i++) {
      const reached = times[i]! + delayDays * DAY_MS;
      if (reached >= (times[i + 1] ?? window.end) || reached < start || reached >= window.end) continue;
      const churn = times[i] === t.churnedAt;
      if (churn && t.churnedAt! > latestDetectable) continue;
      if (frequent) {
        c.frequentSilences++;
        if (churn) c.frequentChurnSilences++;
      } else {
        c.otherSilences++;
        if (churn) c.otherChurnSilences++;
      }
    }
    if (t.cause === 'service' && t.churnedAt !== null && t.churnedAt >= start && t.churnedAt <= latestDetectable) {
      serviceLeads.push(t.declineStartedAt == null ? Number.NEGATIVE_INFINITY : (t.churnedAt - t.declineStartedAt) / DAY_MS);
    }
  }
  const lead = median(serviceLeads);
  c.serviceFirstSignLeadDays = lead === null || Number.isFinite(lead) ? lead : null;
  return c;
}

/**
 * The recency-only baseline: an alert `days` after an order when no order followed within those days
 * and that moment lies before the span's end (each gap one episode, raised once). `orderTimes` are one customer's order times.
 */
export function recencyAlerts(orderTimes: readonly number[], days: number, end: number): number[][] {
  const sorted = [...orderTimes].sort((a, b) => a - b);
  const alerts: number[][] = [];
  for (let i = 0; i < sorted.length; i++) {
    const at = sorted[i]! + days * DAY_MS;
    const next = sorted[i + 1] ?? end;
    if (at < Math.min(next, end)) alerts.push([at]);
  }
  return alerts;
}

/** Median and 90th-percentile gaps between a customer's ordering days before `until`, in days. */
export function gapsOf(orderTimes: readonly number[], until: number): { medianGapDays?: number; p90GapDays?: number } {
  const days = [...new Set(orderTimes.filter((t) => t <= until).map((t) => Math.floor(t / DAY_MS)))].sort((a, b) => a - b);
  if (days.length < 2) return {};
  const gaps = days
    .slice(1)
    .map((d, i) => d - days[i]!)
    .sort((a, b) => a - b);
  return {
    medianGapDays: median(gaps) ?? undefined,
    p90GapDays: gaps[Math.min(gaps.length - 1, Math.floor(0.9 * (gaps.length - 1) + 0.5))],
  };
}

export interface TierAgreement {
  customers: number;
  agreeing: number;
  share: number | null;
  /** confusion[truth][segmenter] = customers. */
  confusion: Record<string, Record<string, number>>;
}

/** Final value tier as the segmenter holds it against the tier the simulator drew from. */
export function tierAgreement(pairs: ReadonlyArray<{ truth: string; segment: string }>): TierAgreement {
  const confusion: Record<string, Record<string, number>> = {};
  let agreeing = 0;
  for (const { truth, segment } of pairs) {
    const row = (confusion[truth] ??= {});
    row[segment] = (row[segment] ?? 0) + 1;
    if (truth === segment) agreeing++;
  }
  return { customers: pairs.length, agreeing, share: ratio(agreeing, pairs.length), confusion };
}
