import { DAY_MS, LONGEST_WINDOW_DAYS, weekLastDay, weekOfDay, type BusinessCalendar } from './buckets.ts';
import { calendarFor, type CustomerFeatures } from './customer-features.ts';

// When must a silent customer be looked at again (DESIGN.md invariant 7)? At the first watermark at
// which a feature would change with no new event: a bucket leaving a window, or an inactivity or tenure
// threshold being crossed. The segmenter keeps this time with the customer and in the partition's
// timer index; it is a function of the state alone, so every instance and every replay agrees.

export interface NextEvaluationOptions {
  /** The day windows (7, 30, 90, 365) whose edges can change something the rules read. */
  windows: readonly number[];
  /** Days since the last order at which lifecycle rules typically switch (active → at risk → churned). */
  inactivityDays: readonly number[];
  /** Tenure milestones (new → established customer). */
  tenureDays: readonly number[];
}

export const DEFAULT_NEXT_EVALUATION: NextEvaluationOptions = {
  windows: [7, 30, 90, 365],
  inactivityDays: [30, 60, 90],
  tenureDays: [30, 90, 365],
};

/**
 * The earliest event time after `watermark` at which a window boundary or a threshold changes a
 * feature, or null when nothing will change without a new event (no buckets, thresholds all passed).
 * Days since the last order and tenure also tick daily; only their thresholds wake the customer.
 */
export function nextEvaluationTime(
  state: CustomerFeatures,
  watermark: number,
  calendar: BusinessCalendar = calendarFor(),
  options: NextEvaluationOptions = DEFAULT_NEXT_EVALUATION,
): number | null {
  const w = Math.max(watermark, state.asOf ?? watermark);
  const wDay = calendar.dayOf(w);
  // Day-granular boundaries: collect the first business day after the watermark's day on which one happens.
  let day = Number.POSITIVE_INFINITY;
  const consider = (d: number): void => {
    if (d > wDay && d < day) day = d;
  };
  // A bucket of day d leaves the N-day window when day d+N starts (N up to 90: day buckets are exact).
  const dayWindows = options.windows.filter((n) => n < LONGEST_WINDOW_DAYS);
  const yearWindow = options.windows.includes(LONGEST_WINDOW_DAYS);
  for (const b of state.series.days) {
    for (const n of dayWindows) consider(b.day + n);
    // Older than 90 days a day counts through its ISO week, which leaves the 365-day window as a whole.
    if (yearWindow) consider(weekLastDay(weekOfDay(b.day)) + LONGEST_WINDOW_DAYS);
  }
  if (yearWindow) {
    for (const b of state.series.weeks) consider(weekLastDay(b.week) + LONGEST_WINDOW_DAYS);
    for (const d of state.orderDays) consider(d + LONGEST_WINDOW_DAYS);
  }
  let next = Number.isFinite(day) ? calendar.startOfDay(day) : Number.POSITIVE_INFINITY;

  // Elapsed-time thresholds: days since last order and tenure are whole 24-hour periods.
  const at = (origin: number | null | undefined, days: readonly number[]): void => {
    if (origin === null || origin === undefined) return;
    for (const k of days) {
      const t = origin + k * DAY_MS;
      if (t > w && t < next) next = t;
    }
  };
  at(state.lifetime.lastOrderAt, options.inactivityDays);
  const since = [state.profile?.signedUpAt, state.lifetime.firstOrderAt].filter((t): t is number => t !== undefined && t !== null);
  at(since.length > 0 ? Math.min(...since) : null, options.tenureDays);
  return Number.isFinite(next) ? next : null;
}
