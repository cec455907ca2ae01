// Event-time buckets for rolling windows (DESIGN.md invariant 6). Everything here is relative to a
// watermark (the partition's latest event time), never the wall clock, so replayed history and live
// traffic give the same sums.
//
// Granularity: one bucket per business-local calendar day for the last 90 days (the 7/30/90-day
// windows and the 30-vs-60 trend are exact), one bucket per ISO week (Monday to Sunday, business
// time zone) for days 91 to 365 (only what the 365-day window needs). Weeks are aligned to the
// calendar, not to the watermark, so a bucket's content never depends on when events arrived: that is
// what makes shuffled and sorted input fold to the same state. The price is at the 365-day edge: a
// week bucket is counted while any of its days is inside the window, so the 365-day sums may include
// up to 6 extra days at their oldest end (at most 371 days, an error bound of 6/365 ≈ 1.6%).

export const DAY_MS = 86_400_000;
export const WINDOW_DAYS = [7, 30, 90, 365] as const;
export type WindowDays = (typeof WINDOW_DAYS)[number];
/** Days kept as day buckets: the longest window that must be exact. */
export const DAY_BUCKET_DAYS = 90;
/** The longest window: anything older leaves the buckets (lifetime aggregates still count it). */
export const LONGEST_WINDOW_DAYS = 365;
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

/** Day numbers are calendar days in the business time zone, counted from 1970-01-01 (day 0). */
export interface BusinessCalendar {
  readonly timeZone: string;
  /** The business-local calendar day of an instant (a function property: it is passed around unbound). */
  readonly dayOf: (epochMs: number) => number;
  /** The first instant of a business-local day (local midnight, or the first instant after a skipped one). */
  startOfDay(day: number): number;
}

// Offsets only change at transitions, which in every modern zone fall on a multiple of 15 minutes,
// so one Intl lookup per 15-minute slot is exact; the caches are bounded so a replay of years stays small.
const SLOT_MS = 15 * 60_000;
const CACHE_LIMIT = 50_000;

/** A calendar for an IANA time zone, using the runtime's Intl data (no dependencies). */
export function createBusinessCalendar(timeZone: string = DEFAULT_TIME_ZONE): BusinessCalendar {
  // Throws a RangeError for an unknown zone: a misconfiguration must stop start-up, not skew buckets.
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const offsets = new Map<number, number>();
  const starts = new Map<number, number>();

  // The last slot looked up, before the map: an evaluation asks about the same few instants many times.
  let lastSlot = Number.NaN;
  let lastOffset = 0;
  const offsetAt = (epochMs: number): number => {
    const slot = Math.floor(epochMs / SLOT_MS);
    if (slot === lastSlot) return lastOffset;
    const cached = offsets.get(slot);
    if (cached !== undefined) {
      lastSlot = slot;
      lastOffset = cached;
      return cached;
    }
    const at = slot * SLOT_MS;
    const part: Record<string, number> = {};
    for (const p of format.formatToParts(at)) if (p.type !== 'literal') part[p.type] = Number(p.value);
    const local = Date.UTC(part.year ?? 1970, (part.month ?? 1) - 1, part.day ?? 1, part.hour ?? 0, part.minute ?? 0, part.second ?? 0);
    const offset = local - at;
    if (offsets.size >= CACHE_LIMIT) offsets.clear();
    offsets.set(slot, offset);
    lastSlot = slot;
    lastOffset = offset;
    return offset;
  };
  const dayOf = (epochMs: number): number => Math.floor((epochMs + offsetAt(epochMs)) / DAY_MS);

  const startOfDay = (day: number): number => {
    const cached = starts.get(day);
    if (cached !== undefined) return cached;
    // Fast path: local midnight exists (true on almost every day in almost every zone).
    let t = day * DAY_MS - offsetAt(day * DAY_MS);
    t = day * DAY_MS - offsetAt(t);
    if (!(dayOf(t) === day && dayOf(t - 1) < day)) {
      // Midnight skipped by a transition: the day starts at the first instant that belongs to it.
      // UTC offsets lie within -12h..+14h, so that instant lies in this range.
      let lo = day * DAY_MS - 15 * 3_600_000;
      let hi = day * DAY_MS + 13 * 3_600_000;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (dayOf(mid) >= day) hi = mid;
        else lo = mid;
      }
      t = hi;
    }
    if (starts.size >= CACHE_LIMIT) starts.clear();
    starts.set(day, t);
    return t;
  };
  return { timeZone, dayOf, startOfDay };
}

// ISO weeks start on Monday; day 0 (1970-01-01) was a Thursday, so week w covers days 7w-3 .. 7w+3.
export const weekOfDay = (day: number): number => Math.floor((day + 3) / 7);
export const weekFirstDay = (week: number): number => week * 7 - 3;
export const weekLastDay = (week: number): number => week * 7 + 3;

/** Oldest day still inside an N-day window ending on (and including) the watermark's day. */
export const windowStartDay = (watermarkDay: number, windowDays: number): number => watermarkDay - windowDays + 1;

export interface DayBucket<F extends string> {
  day: number;
  counts: Record<F, number>;
}
export interface WeekBucket<G extends string> {
  week: number;
  counts: Record<G, number>;
}

/**
 * Buckets of one customer, sorted by day and week, holding only non-empty buckets. Day buckets carry
 * every field `F`; week buckets only the fields `G` that the 365-day window needs.
 */
export interface BucketSeries<F extends string, G extends F> {
  days: Array<DayBucket<F>>;
  weeks: Array<WeekBucket<G>>;
}

export interface SeriesShape<F extends string, G extends F> {
  dayFields: readonly F[];
  weekFields: readonly G[];
}

export const emptySeries = <F extends string, G extends F>(): BucketSeries<F, G> => ({ days: [], weeks: [] });

const zeros = <K extends string>(fields: readonly K[]): Record<K, number> => {
  const counts = {} as Record<K, number>;
  for (const f of fields) counts[f] = 0;
  return counts;
};

/** Inserts or updates the bucket with `key` in a sorted array, returning a new array. */
function upsert<B extends { counts: Record<K, number> }, K extends string>(
  list: B[],
  keyOf: (b: B) => number,
  key: number,
  make: () => B,
  add: Partial<Record<K, number>>,
  fields: readonly K[],
): B[] {
  let i = 0;
  while (i < list.length && keyOf(list[i] as B) < key) i += 1;
  const existing = list[i];
  const bucket = existing !== undefined && keyOf(existing) === key ? { ...existing, counts: { ...existing.counts } } : make();
  for (const f of fields) bucket.counts[f] += add[f] ?? 0;
  const next = list.slice();
  if (existing !== undefined && keyOf(existing) === key) next[i] = bucket;
  else next.splice(i, 0, bucket);
  return next;
}

/**
 * Moves day buckets older than the day-bucket range into their week and drops weeks that no longer
 * touch the longest window. Idempotent and monotone in the watermark, so the result depends only on
 * the events and the latest watermark, never on the order in which either arrived.
 */
export function expireSeries<F extends string, G extends F>(
  series: BucketSeries<F, G>,
  watermarkDay: number,
  shape: SeriesShape<F, G>,
): BucketSeries<F, G> {
  const oldestDay = windowStartDay(watermarkDay, DAY_BUCKET_DAYS);
  const oldestWindowDay = windowStartDay(watermarkDay, LONGEST_WINDOW_DAYS);
  const firstKept = series.days.findIndex((b) => b.day >= oldestDay);
  const stale = firstKept === -1 ? series.days : series.days.slice(0, firstKept);
  const expiredWeek = series.weeks.length > 0 && weekLastDay((series.weeks[0] as WeekBucket<G>).week) < oldestWindowDay;
  if (stale.length === 0 && !expiredWeek) return series;
  let weeks = series.weeks;
  for (const b of stale) {
    const week = weekOfDay(b.day);
    if (weekLastDay(week) < oldestWindowDay) continue;
    // Week fields are a subset of day fields (G extends F), so a day's counts carry every week field.
    weeks = upsert<WeekBucket<G>, G>(
      weeks,
      (w) => w.week,
      week,
      () => ({ week, counts: zeros(shape.weekFields) }),
      b.counts,
      shape.weekFields,
    );
  }
  return {
    days: firstKept === -1 ? [] : series.days.slice(firstKept),
    weeks: weeks.filter((w) => weekLastDay(w.week) >= oldestWindowDay),
  };
}

/**
 * Adds counts for an event of business day `day`. Within the day-bucket range it lands in its day,
 * older in its week (week fields only), and older than every window nowhere: the caller's lifetime
 * aggregates are all that remember it. Out-of-order events therefore land where in-order ones would.
 */
export function addToSeries<F extends string, G extends F>(
  series: BucketSeries<F, G>,
  day: number,
  add: Partial<Record<F, number>>,
  watermarkDay: number,
  shape: SeriesShape<F, G>,
): BucketSeries<F, G> {
  const current = expireSeries(series, watermarkDay, shape);
  if (day > watermarkDay) throw new RangeError(`event day ${day} is after the watermark day ${watermarkDay}`);
  if (day >= windowStartDay(watermarkDay, DAY_BUCKET_DAYS)) {
    return {
      ...current,
      days: upsert(
        current.days,
        (b) => b.day,
        day,
        () => ({ day, counts: zeros(shape.dayFields) }),
        add,
        shape.dayFields,
      ),
    };
  }
  const week = weekOfDay(day);
  if (weekLastDay(week) < windowStartDay(watermarkDay, LONGEST_WINDOW_DAYS)) return current;
  return {
    ...current,
    weeks: upsert<WeekBucket<G>, G>(
      current.weeks,
      (w) => w.week,
      week,
      () => ({ week, counts: zeros(shape.weekFields) }),
      add,
      shape.weekFields,
    ),
  };
}

/** Sum of a field over business days `fromDay..toDay` (inclusive) from day buckets only. */
export function daySum<F extends string>(days: ReadonlyArray<DayBucket<F>>, field: F, fromDay: number, toDay: number): number {
  let sum = 0;
  for (const b of days) if (b.day >= fromDay && b.day <= toDay) sum += b.counts[field];
  return sum;
}

/**
 * Sum of a field over the N-day window ending on the watermark's day, on an expired series. Windows
 * of up to 90 days are exact; the 365-day window adds every week bucket that touches it (see above).
 */
export function windowSum<F extends string, G extends F>(
  series: BucketSeries<F, G>,
  field: F,
  watermarkDay: number,
  windowDays: number,
): number {
  const start = windowStartDay(watermarkDay, windowDays);
  let sum = daySum(series.days, field, start, watermarkDay);
  if (windowDays > DAY_BUCKET_DAYS) {
    for (const w of series.weeks) {
      if (weekLastDay(w.week) >= start && weekFirstDay(w.week) <= watermarkDay) sum += (w.counts as Record<string, number>)[field] ?? 0;
    }
  }
  return sum;
}
