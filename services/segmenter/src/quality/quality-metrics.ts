// The figures of the quality command, as pure functions of alert times and the simulator's ground
// truth, so they can be checked on hand-made inputs. Times are epoch ms; a customer is the unit.

export const DAY_MS = 86_400_000;

/** What a churn detector is scored against, per customer. */
export interface ChurnTruth {
  customerId: string;
  /** Last order before the customer stopped ordering; null if it never stopped. */
  churnedAt: number | null;
}

export interface DetectionWindow {
  /** Span end (exclusive): a churn counts as true only if it lies `minObservedDays` before it. */
  end: number;
  /** Days of silence a churn needs before the end of the span to be detectable at all. */
  minObservedDays: number;
  /** An alert this many days before the true churn time still counts as detecting it. */
  earlyGraceDays: number;
}

export interface DetectionFigures {
  /** Customers the detector fired for at least once. */
  alerted: number;
  /** Customers that truly churned early enough to be detectable. */
  trulyChurned: number;
  /** Truly churned customers with an alert inside their window. */
  detected: number;
  /** Alerted customers with an alert inside the window of their (detectable) churn. */
  truePositives: number;
  /** Alerted customers that churned too close to the span's end to be judged: counted as false positives. */
  alertedLateChurners: number;
  recall: number | null;
  precision: number | null;
  /** Median days from the true churn time to the first alert inside the window (negative: early). */
  medianDelayDays: number | null;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const ratio = (n: number, d: number): number | null => (d === 0 ? null : n / d);

/**
 * Scores one detector. `alerts` holds each customer's alert times (any order). A truly churned
 * customer is detected by its first alert at or after `churnedAt − earlyGraceDays`; alerts before
 * that are false alarms and do not hide a later detection. Precision is per alerted customer.
 */
export function scoreDetector(alerts: ReadonlyMap<string, readonly number[]>, truth: readonly ChurnTruth[], window: DetectionWindow): DetectionFigures {
  const latestDetectable = window.end - window.minObservedDays * DAY_MS;
  const grace = window.earlyGraceDays * DAY_MS;
  let alerted = 0;
  let trulyChurned = 0;
  let detected = 0;
  let alertedLateChurners = 0;
  const delays: number[] = [];
  for (const { customerId, churnedAt } of truth) {
    const times = alerts.get(customerId) ?? [];
    if (times.length > 0) alerted++;
    if (churnedAt === null) continue;
    if (churnedAt > latestDetectable) {
      if (times.length > 0) alertedLateChurners++;
      continue;
    }
    trulyChurned++;
    const inWindow = times.filter((t) => t >= churnedAt - grace);
    if (inWindow.length === 0) continue;
    detected++;
    delays.push((Math.min(...inWindow) - churnedAt) / DAY_MS);
  }
  return {
    alerted, trulyChurned, detected, truePositives: detected, alertedLateChurners,
    recall: ratio(detected, trulyChurned),
    precision: ratio(detected, alerted),
    medianDelayDays: median(delays),
  };
}

/**
 * The recency-only baseline: an alert `days` after an order when no order followed within those days
 * and that moment lies before the span's end. `orderTimes` are one customer's order times.
 */
export function recencyAlerts(orderTimes: readonly number[], days: number, end: number): number[] {
  const sorted = [...orderTimes].sort((a, b) => a - b);
  const alerts: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const at = sorted[i]! + days * DAY_MS;
    const next = sorted[i + 1] ?? end;
    if (at < Math.min(next, end)) alerts.push(at);
  }
  return alerts;
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
