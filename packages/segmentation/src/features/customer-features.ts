import {
  bodyOf,
  type ComplaintRecorded,
  type CustomerEvent,
  type OrderRecorded,
  type ProfileRecorded,
  type ShipmentRecorded,
} from '@segmentation/contracts';
import {
  addToSeries,
  createBusinessCalendar,
  DAY_BUCKET_DAYS,
  DAY_MS,
  daySum,
  DEFAULT_TIME_ZONE,
  emptySeries,
  expireSeries,
  LONGEST_WINDOW_DAYS,
  weekFirstDay,
  weekLastDay,
  weekOfDay,
  windowStartDay,
  type BucketSeries,
  type BusinessCalendar,
  type SeriesShape,
} from './buckets.ts';
import { hash32 } from '@segmentation/runtime';
import { addToSketch, hash53, sketchEstimate } from './distinct-sketch.ts';

// The rolling feature state of one customer and its fold. Every feature is documented in FEATURES.md.
// The fold is commutative over events (sums of integers, min/max, latest-by-event-time, order-free
// sketches) and expiry depends only on the latest watermark, so any order of the same events gives
// the same state: replayed history, out-of-order arrivals and live traffic all agree.

/** Day-bucket fields, most common first: the codec's presence mask stays one byte on ordinary days.
 *  Late and unknown deliveries are kept rather than on-time and known ones because they are usually 0,
 *  which the codec does not store. */
export const DAY_FIELDS = [
  'ordersPlaced',
  'orderValueCents',
  'delivered',
  'express',
  'economy',
  'valueAdded',
  'deliveredLate',
  'onTimeUnknown',
  'cancelled',
  'returned',
  'delayed',
  'damaged',
  'lost',
  'complaintsOpened',
  // Survey answers by day, so the churn model can weight them by recency (an old complaint fades):
  // satisfaction scores given on resolution and their shortfall from 5; NPS answers and detractors (0–6).
  'satisfactionAnswers',
  'satisfactionShortfall',
  'npsAnswers',
  'npsDetractors',
] as const;
export type DayField = (typeof DAY_FIELDS)[number];
/** Only what the 365-day window needs survives into week buckets. */
export const WEEK_FIELDS = ['ordersPlaced', 'orderValueCents'] as const;
export type WeekField = (typeof WEEK_FIELDS)[number];
export const SERIES_SHAPE: SeriesShape<DayField, WeekField> = { dayFields: DAY_FIELDS, weekFields: WEEK_FIELDS };

/** Bottom-k sizes of the distinct-count sketches (see distinct-sketch.ts for the error). */
export const ROUTE_SKETCH_K = 32;
export const DESTINATION_SKETCH_K = 16;
/** Weeks of ordering rhythm kept (two years: a pause a year ago and what came before and after it). */
export const ORDER_WEEKS_KEPT = 104;
/** Open complaints remembered at once, and separately resolutions that arrived before their opening. */
export const COMPLAINT_MEMORY = 16;

export interface ComplaintEntry {
  /** hash53 of the complaint id: fixed size whatever the id's length. */
  key: number;
  /** Event times in whole minutes since the epoch: resolution times are reported in hours, and minutes encode in fewer bytes. */
  openedAt: number | null;
  resolvedAt: number | null;
}

export interface ProfileSnapshot {
  at: number;
  industry: string;
  customerType: string;
  country: string;
  region: string | null;
  accountManager: string | null;
  signedUpAt: number;
}

export interface CustomerFeatures {
  /** The latest watermark the state was expired against (epoch ms); null before the first event. */
  asOf: number | null;
  series: BucketSeries<DayField, WeekField>;
  /** Business days with at least one placed order within the last 365 days, ascending. */
  orderDays: readonly number[];
  /** ISO weeks (weekOfDay) with at least one placed order within the last ORDER_WEEKS_KEPT weeks,
   *  ascending: a year and more of ordering rhythm, so the churn model sees last year's pauses. */
  orderWeeks: readonly number[];
  lifetime: { orders: number; valueCents: number; firstOrderAt: number | null; lastOrderAt: number | null };
  routes: readonly number[];
  destinations: readonly number[];
  /** Sorted by key. */
  complaints: readonly ComplaintEntry[];
  resolutions: { count: number; totalMinutes: number };
  satisfaction: { count: number; total: number };
  nps: { score: number; at: number } | null;
  profile: ProfileSnapshot | null;
}

export const emptyFeatures = (): CustomerFeatures => ({
  asOf: null,
  series: emptySeries(),
  orderDays: [],
  orderWeeks: [],
  lifetime: { orders: 0, valueCents: 0, firstOrderAt: null, lastOrderAt: null },
  routes: [],
  destinations: [],
  complaints: [],
  resolutions: { count: 0, totalMinutes: 0 },
  satisfaction: { count: 0, total: 0 },
  nps: null,
  profile: null,
});

const calendars = new Map<string, BusinessCalendar>();
/** One calendar (and its caches) per zone per process. */
export function calendarFor(timeZone: string = DEFAULT_TIME_ZONE): BusinessCalendar {
  let calendar = calendars.get(timeZone);
  if (calendar === undefined) {
    calendar = createBusinessCalendar(timeZone);
    calendars.set(timeZone, calendar);
  }
  return calendar;
}

const minOf = (a: number | null, b: number): number => (a === null ? b : Math.min(a, b));
const maxOf = (a: number | null, b: number): number => (a === null ? b : Math.max(a, b));
const complaintTime = (c: ComplaintEntry): number => c.openedAt ?? c.resolvedAt ?? 0;

/** Drops what the watermark has moved past. Idempotent; the result depends on the latest watermark only. */
export function expireFeatures(state: CustomerFeatures, watermark: number, calendar: BusinessCalendar = calendarFor()): CustomerFeatures {
  const asOf = maxOf(state.asOf, watermark);
  const wDay = calendar.dayOf(asOf);
  const oldestOrderDay = windowStartDay(wDay, LONGEST_WINDOW_DAYS);
  const oldestResolution = windowStartDay(wDay, DAY_BUCKET_DAYS);
  return {
    ...state,
    asOf,
    series: expireSeries(state.series, wDay, SERIES_SHAPE),
    orderDays:
      state.orderDays.length > 0 && (state.orderDays[0] as number) < oldestOrderDay
        ? state.orderDays.filter((d) => d >= oldestOrderDay)
        : state.orderDays,
    orderWeeks:
      state.orderWeeks.length > 0 && (state.orderWeeks[0] as number) <= weekOfDay(wDay) - ORDER_WEEKS_KEPT
        ? state.orderWeeks.filter((w) => w > weekOfDay(wDay) - ORDER_WEEKS_KEPT)
        : state.orderWeeks,
    // A resolution whose opening never arrived is forgotten after 90 days: it can no longer pair.
    complaints: state.complaints.filter((c) => c.openedAt !== null || calendar.dayOf((c.resolvedAt ?? 0) * 60_000) >= oldestResolution),
  };
}

/**
 * Folds one `customer-events` record into the features. `watermark` is the partition's event-time
 * watermark including this event (the fold takes the maximum of it, the event time and the state's
 * own, so a caller's lagging watermark cannot move time backwards).
 */
export function applyToFeatures(
  state: CustomerFeatures,
  event: CustomerEvent,
  watermark: number,
  calendar: BusinessCalendar = calendarFor(),
): CustomerFeatures {
  const next = expireFeatures(state, Math.max(watermark, event.eventTime), calendar);
  const wDay = calendar.dayOf(next.asOf as number);
  const day = calendar.dayOf(event.eventTime);
  const body = bodyOf(event);
  switch (body.kind) {
    case 'order':
      return applyOrder(next, body.order, event.eventTime, day, wDay);
    case 'shipment':
      return applyShipment(next, body.shipment, day, wDay);
    case 'complaint':
      return applyComplaint(next, body.complaint, event.eventTime, day, wDay);
    case 'profile':
      return applyProfile(next, body.profile, event.eventTime);
    case 'tick':
    case 'rules':
      return next;
  }
}

const bump = (s: CustomerFeatures, day: number, wDay: number, add: Partial<Record<DayField, number>>): CustomerFeatures['series'] =>
  addToSeries(s.series, day, add, wDay, SERIES_SHAPE);

const routeOf = (o: OrderRecorded): string =>
  `${o.originCountry}/${o.originRegion ?? ''}>${o.destinationCountry}/${o.destinationRegion ?? ''}`;

function applyOrder(s: CustomerFeatures, o: OrderRecorded, at: number, day: number, wDay: number): CustomerFeatures {
  if (o.kind === 'CANCELLED') return { ...s, series: bump(s, day, wDay, { cancelled: 1 }) };
  if (o.kind === 'RETURNED') return { ...s, series: bump(s, day, wDay, { returned: 1 }) };
  // Integer cents: sums are exact, so any order of additions gives the same state.
  const cents = Math.round(o.amountBase * 100);
  const series = bump(s, day, wDay, {
    ordersPlaced: 1,
    orderValueCents: cents,
    express: o.serviceLevel === 'EXPRESS' ? 1 : 0,
    economy: o.serviceLevel === 'ECONOMY' ? 1 : 0,
    valueAdded: o.valueAddedServices.length > 0 ? 1 : 0,
  });
  let orderDays = s.orderDays;
  if (day >= windowStartDay(wDay, LONGEST_WINDOW_DAYS) && !orderDays.includes(day)) orderDays = [...orderDays, day].sort((a, b) => a - b);
  const week = weekOfDay(day);
  let orderWeeks = s.orderWeeks;
  if (week > weekOfDay(wDay) - ORDER_WEEKS_KEPT && !orderWeeks.includes(week)) orderWeeks = [...orderWeeks, week].sort((a, b) => a - b);
  return {
    ...s,
    series,
    orderDays,
    orderWeeks,
    lifetime: {
      orders: s.lifetime.orders + 1,
      valueCents: s.lifetime.valueCents + cents,
      firstOrderAt: minOf(s.lifetime.firstOrderAt, at),
      lastOrderAt: maxOf(s.lifetime.lastOrderAt, at),
    },
    routes: addToSketch(s.routes, hash32(routeOf(o)), ROUTE_SKETCH_K),
    destinations: addToSketch(s.destinations, hash32(o.destinationCountry), DESTINATION_SKETCH_K),
  };
}

function applyShipment(s: CustomerFeatures, sh: ShipmentRecorded, day: number, wDay: number): CustomerFeatures {
  switch (sh.status) {
    case 'DELIVERED':
      return {
        ...s,
        series: bump(s, day, wDay, { delivered: 1, onTimeUnknown: sh.onTime === null ? 1 : 0, deliveredLate: sh.onTime === false ? 1 : 0 }),
      };
    case 'DELAYED':
      return { ...s, series: bump(s, day, wDay, { delayed: 1 }) };
    case 'DAMAGED':
      return { ...s, series: bump(s, day, wDay, { damaged: 1 }) };
    case 'LOST':
      return { ...s, series: bump(s, day, wDay, { lost: 1 }) };
    default:
      return s;
  }
}

function applyComplaint(s: CustomerFeatures, c: ComplaintRecorded, at: number, day: number, wDay: number): CustomerFeatures {
  let next = s;
  // Latest answer by event time; equal times keep the higher score, so arrival order never matters.
  if (c.npsScore !== null && (s.nps === null || at > s.nps.at || (at === s.nps.at && c.npsScore > s.nps.score))) {
    next = { ...next, nps: { score: c.npsScore, at } };
  }
  if (c.npsScore !== null) next = { ...next, series: bump(next, day, wDay, { npsAnswers: 1, npsDetractors: c.npsScore <= 6 ? 1 : 0 }) };
  if (c.action === 'OPENED') {
    next = { ...next, series: bump(next, day, wDay, { complaintsOpened: 1 }) };
    return trackComplaint(next, hash53(c.complaintId), { openedAt: Math.floor(at / 60_000) });
  }
  if (c.action === 'RESOLVED') {
    if (c.satisfactionScore !== null) {
      next = {
        ...next,
        satisfaction: { count: next.satisfaction.count + 1, total: next.satisfaction.total + c.satisfactionScore },
        series: bump(next, day, wDay, { satisfactionAnswers: 1, satisfactionShortfall: 5 - c.satisfactionScore }),
      };
    }
    return trackComplaint(next, hash53(c.complaintId), { resolvedAt: Math.floor(at / 60_000) });
  }
  // An escalation neither opens nor resolves: treating it as an opening would reopen a complaint
  // whose resolution happened to arrive first.
  return next;
}

/** Pairs openings with resolutions whatever their arrival order; a pair leaves the set as a resolution time. */
function trackComplaint(s: CustomerFeatures, key: number, seen: { openedAt?: number; resolvedAt?: number }): CustomerFeatures {
  const existing = s.complaints.find((c) => c.key === key);
  const entry: ComplaintEntry = {
    key,
    openedAt: seen.openedAt === undefined ? (existing?.openedAt ?? null) : minOf(existing?.openedAt ?? null, seen.openedAt),
    resolvedAt: seen.resolvedAt === undefined ? (existing?.resolvedAt ?? null) : maxOf(existing?.resolvedAt ?? null, seen.resolvedAt),
  };
  const others = s.complaints.filter((c) => c.key !== key);
  if (entry.openedAt !== null && entry.resolvedAt !== null) {
    const minutes = Math.max(0, entry.resolvedAt - entry.openedAt);
    return {
      ...s,
      complaints: others,
      resolutions: { count: s.resolutions.count + 1, totalMinutes: s.resolutions.totalMinutes + minutes },
    };
  }
  let complaints = [...others, entry];
  // Bounded: open complaints and early resolutions are capped separately (an early resolution must
  // not push out an open complaint), forgetting the oldest by event time, then key. The open count
  // therefore saturates at the cap.
  const sameKind = complaints.filter((c) => (c.openedAt === null) === (entry.openedAt === null));
  if (sameKind.length > COMPLAINT_MEMORY) {
    const oldest = sameKind.reduce((a, b) =>
      complaintTime(b) < complaintTime(a) || (complaintTime(b) === complaintTime(a) && b.key < a.key) ? b : a,
    );
    complaints = complaints.filter((c) => c !== oldest);
  }
  return { ...s, complaints: complaints.sort((a, b) => a.key - b.key) };
}

function applyProfile(s: CustomerFeatures, p: ProfileRecorded, at: number): CustomerFeatures {
  const candidate: ProfileSnapshot = {
    at,
    industry: p.industry,
    customerType: p.customerType,
    country: p.country,
    region: p.region,
    accountManager: p.accountManager,
    signedUpAt: p.signedUpAt,
  };
  // Latest by event time; two profiles at the same instant are ordered by content, not by arrival.
  if (s.profile !== null && (at < s.profile.at || (at === s.profile.at && JSON.stringify(candidate) <= JSON.stringify(s.profile))))
    return s;
  return { ...s, profile: candidate };
}

const ratio = (part: number, whole: number): number => (whole > 0 ? Math.min(1, part / whole) : 0);
const round = (x: number, digits = 4): number => Math.round(x * 10 ** digits) / 10 ** digits;

type Totals = Record<DayField, number>;
// Literals with the fields spelled out: every totals object shares one shape and every access is a
// plain property load, which keyed loops over DAY_FIELDS are not (measured: they were slower than
// scanning the buckets once per feature).
const zeroTotals = (): Totals => ({
  ordersPlaced: 0,
  orderValueCents: 0,
  delivered: 0,
  express: 0,
  economy: 0,
  valueAdded: 0,
  deliveredLate: 0,
  onTimeUnknown: 0,
  cancelled: 0,
  returned: 0,
  delayed: 0,
  damaged: 0,
  lost: 0,
  complaintsOpened: 0,
  satisfactionAnswers: 0,
  satisfactionShortfall: 0,
  npsAnswers: 0,
  npsDetractors: 0,
});
function addInto(t: Totals, c: Readonly<Totals>): void {
  t.ordersPlaced += c.ordersPlaced;
  t.orderValueCents += c.orderValueCents;
  t.delivered += c.delivered;
  t.express += c.express;
  t.economy += c.economy;
  t.valueAdded += c.valueAdded;
  t.deliveredLate += c.deliveredLate;
  t.onTimeUnknown += c.onTimeUnknown;
  t.cancelled += c.cancelled;
  t.returned += c.returned;
  t.delayed += c.delayed;
  t.damaged += c.damaged;
  t.lost += c.lost;
  t.complaintsOpened += c.complaintsOpened;
  t.satisfactionAnswers += c.satisfactionAnswers;
  t.satisfactionShortfall += c.satisfactionShortfall;
  t.npsAnswers += c.npsAnswers;
  t.npsDetractors += c.npsDetractors;
}

/**
 * Every field's sum over the 7/30/90/365-day windows ending on the watermark's day (the sums
 * `windowSum` defines), in one pass: each day bucket is added to the narrowest window holding it,
 * then the windows are accumulated outwards; week buckets count in the 365-day window only.
 * Evaluating every customer after every event made these sums the segmenter's largest cost.
 */
function windowTotals(series: BucketSeries<DayField, WeekField>, wDay: number): Record<7 | 30 | 90 | 365, Totals> {
  const t7 = zeroTotals();
  const t30 = zeroTotals();
  const t90 = zeroTotals();
  const t365 = zeroTotals();
  const from7 = windowStartDay(wDay, 7);
  const from30 = windowStartDay(wDay, 30);
  const from90 = windowStartDay(wDay, 90);
  const from365 = windowStartDay(wDay, LONGEST_WINDOW_DAYS);
  for (const b of series.days) {
    if (b.day > wDay || b.day < from365) continue;
    addInto(b.day >= from7 ? t7 : b.day >= from30 ? t30 : b.day >= from90 ? t90 : t365, b.counts);
  }
  addInto(t30, t7);
  addInto(t90, t30);
  addInto(t365, t90);
  for (const w of series.weeks) {
    // WEEK_FIELDS
    if (weekLastDay(w.week) < from365 || weekFirstDay(w.week) > wDay) continue;
    t365.ordersPlaced += w.counts.ordersPlaced;
    t365.orderValueCents += w.counts.orderValueCents;
  }
  return { 7: t7, 30: t30, 90: t90, 365: t365 };
}

/** Mean and population standard deviation of the gaps between consecutive ordering days. */
function gapStats(days: readonly number[]): { mean: number; stddev: number } | undefined {
  if (days.length < 2) return undefined;
  const gaps = days.slice(1).map((d, i) => d - (days[i] as number));
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  const variance = gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length;
  return { mean, stddev: Math.sqrt(variance) };
}

/** Every name `featureValues` can return (some only once there is data behind them). */
export const FEATURE_NAMES: readonly string[] = [
  ...[7, 30, 90, 365].flatMap((d) => [`orders_${d}d`, `order_value_${d}d`]),
  'lifetime_orders',
  'lifetime_value',
  'avg_order_value',
  'repeat_orders',
  'value_trend_30d',
  'tenure_days',
  'first_order_at',
  'last_order_at',
  'days_since_last_order',
  'order_gap_mean_days',
  'order_gap_mean_days_365d',
  'order_gap_stddev_days_365d',
  'return_rate_90d',
  'cancellation_rate_90d',
  'share_express_90d',
  'share_economy_90d',
  'share_standard_90d',
  'share_value_added_90d',
  'distinct_routes',
  'distinct_destination_countries',
  ...[30, 90].flatMap((d) => [
    `shipments_delivered_${d}d`,
    `on_time_rate_${d}d`,
    `shipments_delayed_${d}d`,
    `shipments_damaged_${d}d`,
    `shipments_lost_${d}d`,
    `complaints_opened_${d}d`,
  ]),
  'open_complaints',
  'complaint_resolution_mean_hours',
  'satisfaction_score_mean',
  'nps_latest',
];

/**
 * The numeric features at a watermark (at least the state's own). Features that need an order
 * (recency, gaps, first and last order) are absent until there is one; rates are 0 on an empty window.
 */
export function featureValues(
  state: CustomerFeatures,
  watermark: number,
  calendar: BusinessCalendar = calendarFor(),
): Record<string, number> {
  const s = expireFeatures(state, watermark, calendar);
  const w = s.asOf as number;
  const wDay = calendar.dayOf(w);
  const totals = windowTotals(s.series, wDay);
  const win = (field: DayField, days: 7 | 30 | 90 | 365): number => totals[days][field];
  // Names spelled out, not built from the window lengths: a string made per feature per evaluation,
  // and the keyed stores it needs, showed in the segmenter's profile. The order is the snapshot's.
  const f: Record<string, number> = {
    orders_7d: totals[7].ordersPlaced,
    order_value_7d: totals[7].orderValueCents / 100,
    orders_30d: totals[30].ordersPlaced,
    order_value_30d: totals[30].orderValueCents / 100,
    orders_90d: totals[90].ordersPlaced,
    order_value_90d: totals[90].orderValueCents / 100,
    orders_365d: totals[365].ordersPlaced,
    order_value_365d: totals[365].orderValueCents / 100,
  };
  const lt = s.lifetime;
  f.lifetime_orders = lt.orders;
  f.lifetime_value = lt.valueCents / 100;
  f.avg_order_value = lt.orders > 0 ? round(lt.valueCents / lt.orders / 100, 2) : 0;
  f.repeat_orders = Math.max(0, lt.orders - 1);
  const recent = daySum(s.series.days, 'orderValueCents', wDay - 29, wDay);
  const before = daySum(s.series.days, 'orderValueCents', wDay - 89, wDay - 30) / 2;
  f.value_trend_30d = recent === 0 && before === 0 ? 0 : round((recent - before) / Math.max(recent, before));
  const since = [s.profile?.signedUpAt, lt.firstOrderAt].filter((t): t is number => t !== undefined && t !== null);
  if (since.length > 0) f.tenure_days = Math.max(0, Math.floor((w - Math.min(...since)) / DAY_MS));
  if (lt.firstOrderAt !== null && lt.lastOrderAt !== null) {
    f.first_order_at = lt.firstOrderAt;
    f.last_order_at = lt.lastOrderAt;
    f.days_since_last_order = Math.max(0, Math.floor((w - lt.lastOrderAt) / DAY_MS));
    if (lt.orders >= 2) f.order_gap_mean_days = round((lt.lastOrderAt - lt.firstOrderAt) / (lt.orders - 1) / DAY_MS);
  }
  const gaps = gapStats(s.orderDays);
  if (gaps) {
    f.order_gap_mean_days_365d = round(gaps.mean);
    f.order_gap_stddev_days_365d = round(gaps.stddev);
  }
  const placed90 = win('ordersPlaced', 90);
  f.return_rate_90d = round(ratio(win('returned', 90), placed90));
  f.cancellation_rate_90d = round(ratio(win('cancelled', 90), placed90));
  const express = win('express', 90);
  const economy = win('economy', 90);
  f.share_express_90d = round(ratio(express, placed90));
  f.share_economy_90d = round(ratio(economy, placed90));
  f.share_standard_90d = round(ratio(placed90 - express - economy, placed90));
  f.share_value_added_90d = round(ratio(win('valueAdded', 90), placed90));
  f.distinct_routes = sketchEstimate(s.routes, ROUTE_SKETCH_K);
  f.distinct_destination_countries = sketchEstimate(s.destinations, DESTINATION_SKETCH_K);
  // Absent when no delivery reported its punctuality: 0 would read as "always late".
  const onTime = (t: Totals): number | undefined => {
    const known = t.delivered - t.onTimeUnknown;
    return known > 0 ? round(ratio(known - t.deliveredLate, known)) : undefined;
  };
  const t30 = totals[30];
  f.shipments_delivered_30d = t30.delivered;
  const onTime30 = onTime(t30);
  if (onTime30 !== undefined) f.on_time_rate_30d = onTime30;
  f.shipments_delayed_30d = t30.delayed;
  f.shipments_damaged_30d = t30.damaged;
  f.shipments_lost_30d = t30.lost;
  f.complaints_opened_30d = t30.complaintsOpened;
  const t90 = totals[90];
  f.shipments_delivered_90d = t90.delivered;
  const onTime90 = onTime(t90);
  if (onTime90 !== undefined) f.on_time_rate_90d = onTime90;
  f.shipments_delayed_90d = t90.delayed;
  f.shipments_damaged_90d = t90.damaged;
  f.shipments_lost_90d = t90.lost;
  f.complaints_opened_90d = t90.complaintsOpened;
  f.open_complaints = s.complaints.filter((c) => c.openedAt !== null).length;
  if (s.resolutions.count > 0) f.complaint_resolution_mean_hours = round(s.resolutions.totalMinutes / s.resolutions.count / 60, 2);
  if (s.satisfaction.count > 0) f.satisfaction_score_mean = round(s.satisfaction.total / s.satisfaction.count, 2);
  if (s.nps !== null) f.nps_latest = s.nps.score;
  return f;
}

/** The profile as string attributes (absent until a profile arrives; null fields left out). */
export function profileAttributes(state: CustomerFeatures): Record<string, string> {
  const p = state.profile;
  if (p === null) return {};
  const a: Record<string, string> = { industry: p.industry, customer_type: p.customerType, country: p.country };
  if (p.region !== null) a.region = p.region;
  if (p.accountManager !== null) a.account_manager = p.accountManager;
  return a;
}
