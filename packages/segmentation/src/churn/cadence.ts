// Cadence (下单节奏): is this silence normal for this customer? A per-customer model of the order
// process, fitted to nothing but the customer's own history and a population prior:
//
// - Days with an order arrive at a rate λ. Before seeing the customer, λ ~ Gamma(r, α) (the
//   population prior of the customer's industry, fitted by `pnpm churn fit`). Each ordering day
//   since the first one adds to the posterior, weighted by recency (half-life `halfLifeDays`), so a
//   customer who slows down is seen slowing while still ordering: the posterior at the last order is
//   Gamma(r + n, α + e), n the weighted ordering days and e the weighted exposure.
// - While still ordering as before, a silence of s days has probability ((α+e)/(α+e+s))^(r+n) (the
//   gamma-Poisson predictive, as in BG/NBD's P(alive)). Its negative log, `surprise`, grows with
//   the silence relative to the customer's own rhythm: a week means much for a daily shipper and
//   nothing for a monthly one.
// - Expected lulls are not silence: days of the business calendar's lulls (Spring Festival, Golden
//   Week, an industry's off-season) count only by their activity, and so does a silence that
//   repeats the customer's own pause of a year before (a seasonal customer is not churning).
// - `trend` compares the recent rate (half-life `trendHalfLifeDays`) with the customer's baseline:
//   negative when orders thin out, the early sign of volume moving to a competitor.
// Pure: the customer's ordering days and weeks in, numbers out.

import { DAY_MS, weekOfDay } from '../features/buckets.ts';

export interface CadencePrior {
  /** Gamma shape of the rate of ordering days per day. */
  r: number;
  /** Gamma rate, in days. The prior mean rate is r / alpha ordering days per day. */
  alpha: number;
}

/** A stretch of business days in which customers order less (activity 0.2: a fifth of the usual). */
export interface Lull {
  fromDay: number;
  toDay: number;
  activity: number;
}

export interface CadenceSettings {
  prior: CadencePrior;
  halfLifeDays: number;
  trendHalfLifeDays: number;
  /** Lulls of the customer's industry, sorted by fromDay. */
  lulls: readonly Lull[];
  /** How much a day inside a repeat of last year's pause counts as silence. */
  pauseActivity: number;
}

/** What the order history says at the last order; the silence after it is judged by `silenceAt`. */
export interface CadenceBase {
  lastOrderAt: number;
  lastOrderDay: number;
  /** Posterior of the rate at the last order: Gamma(shape, scale). */
  shape: number;
  rateScale: number;
  /** Weighted ordering days and exposure with the trend's half-life, at the last order. */
  shortCount: number;
  shortExposure: number;
  /** Where the exposure starts (first ordering day, or a year before the watermark). */
  originDay: number;
  /** Median and 90th percentile of the gaps between ordering days in the last year, in days (undefined below 3 gaps). */
  medianGapDays: number | undefined;
  p90GapDays: number | undefined;
  /** Days (net of last year's lulls) the customer paused a year ago from the same calendar week on, or 0. */
  lastYearPauseDays: number;
}

export interface Silence {
  /** Days since the last order. */
  days: number;
  /** The same, with lull days counted by their activity. */
  effectiveDays: number;
  /** −ln P(a silence this long | ordering as before): 0 right after an order, 3 is a 5% event. */
  surprise: number;
  /** ln(recent ordering days / those expected at the baseline rate), with one pseudo-order each side. */
  trend: number;
}

export interface CadenceHistory {
  orderDays: readonly number[];
  orderWeeks: readonly number[];
  firstOrderAt: number;
  lastOrderAt: number;
}

const LN2 = Math.LN2;
const YEAR_WEEKS = 52;
/** A year of days: the history the rate looks at. */
const HISTORY_DAYS = 365;

/** ∫ over [from, to] (days) of 2^(−(ref − u)/h) du. */
const decayedSpan = (from: number, to: number, ref: number, h: number): number =>
  to <= from ? 0 : (h / LN2) * (2 ** (-(ref - to) / h) - 2 ** (-(ref - from) / h));

/** Lulls last at most this long (the rules refuse longer ones): a search for the lulls near a day starts this far before it. */
export const LONGEST_LULL_DAYS = 120;

/** Index of the first lull that can reach `day` (lulls are sorted by fromDay): the rest of the years are skipped. */
function firstLullNear(lulls: readonly Lull[], day: number): number {
  let lo = 0;
  let hi = lulls.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (lulls[mid]!.fromDay < day - LONGEST_LULL_DAYS) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Exposure over [from, to] weighted by recency and by the lulls' activity. */
function exposure(from: number, to: number, ref: number, h: number, lulls: readonly Lull[]): number {
  let e = decayedSpan(from, to, ref, h);
  for (let i = firstLullNear(lulls, from); i < lulls.length; i += 1) {
    const l = lulls[i]!;
    if (l.fromDay >= to) break;
    if (l.toDay + 1 <= from) continue;
    e -= (1 - l.activity) * decayedSpan(Math.max(from, l.fromDay), Math.min(to, l.toDay + 1), ref, h);
  }
  return Math.max(0, e);
}

/** Lull days in (fromDay, toDay], each counting (1 − activity). */
function lullDiscount(fromDay: number, toDay: number, lulls: readonly Lull[]): number {
  let discount = 0;
  for (let i = firstLullNear(lulls, fromDay + 1); i < lulls.length; i += 1) {
    const l = lulls[i]!;
    if (l.fromDay > toDay) break;
    const overlap = Math.min(toDay, l.toDay) - Math.max(fromDay + 1, l.fromDay) + 1;
    if (overlap > 0) discount += overlap * (1 - l.activity);
  }
  return discount;
}

function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** A pause is a silence of four weeks or more, and twice the customer's longest usual gap; counted
 *  in whole silent weeks (net of lulls), four weeks measure at least three. */
const MIN_PAUSE_DAYS = 21;
/** Last year's pause may have begun this many weeks earlier or later (a pause tied to the lunar calendar moves by up to three weeks). */
const PAUSE_SHIFT_WEEKS = 4;

/**
 * Last year's pause at this time, in days: a silence of the customer that began within
 * PAUSE_SHIFT_WEEKS of the week a year before the last order and ended within half a year (the
 * longest, if several). Only a real pause counts: its days net of last year's lulls (last year's
 * Spring Festival silence says nothing about this year) must be at least MIN_PAUSE_DAYS and twice
 * the customer's 90th-percentile gap; an ordinary gap a year ago is no reason to excuse a silence
 * now. 0 when there was no such pause (or no history that old).
 */
function lastYearPause(
  orderWeeks: readonly number[],
  lastOrderWeek: number,
  p90GapDays: number | undefined,
  lulls: readonly Lull[],
): number {
  const then = lastOrderWeek - YEAR_WEEKS;
  let longest = 0;
  for (let i = 0; i + 1 < orderWeeks.length; i += 1) {
    const before = orderWeeks[i]!;
    const resumed = orderWeeks[i + 1]!;
    if (before < then - PAUSE_SHIFT_WEEKS) continue;
    if (before > then + PAUSE_SHIFT_WEEKS) break;
    if (resumed - before > 27) continue;
    const fromDay = (before + 1) * 7 - 3; // the first day of the week after (weekOfDay's weeks start 3 days before a multiple of 7)
    const days = (resumed - before - 1) * 7;
    const net = days - lullDiscount(fromDay - 1, fromDay + days - 1, lulls);
    if (net >= MIN_PAUSE_DAYS && net >= 2 * (p90GapDays ?? 0)) longest = Math.max(longest, net);
  }
  return longest;
}

/** Days from one instant to a later one, lull days counted by their activity. */
export function effectiveDays(from: number, to: number, dayOf: (ms: number) => number, lulls: readonly Lull[]): number {
  return Math.max(0, (to - from) / DAY_MS - lullDiscount(dayOf(from), dayOf(to), lulls));
}

// The weights of ordering days are powers of two of whole days: a table per half-life saves two
// Math.pow per ordering day per evaluation, the model's largest cost.
const decayTables = new Map<number, Float64Array>();
function decayTable(halfLife: number): Float64Array {
  let table = decayTables.get(halfLife);
  if (table === undefined) {
    table = Float64Array.from({ length: HISTORY_DAYS + 1 }, (_, k) => 2 ** (-k / halfLife));
    decayTables.set(halfLife, table);
  }
  return table;
}

export function cadenceBase(history: CadenceHistory, at: number, dayOf: (ms: number) => number, settings: CadenceSettings): CadenceBase {
  const lastDay = dayOf(history.lastOrderAt);
  const firstDay = dayOf(history.firstOrderAt);
  const windowStart = dayOf(at) - HISTORY_DAYS + 1;
  // The first order starts the clock (as in BG/NBD): it is the origin, not an arrival.
  const originDay = Math.max(firstDay, windowStart);
  const h = settings.halfLifeDays;
  const hs = settings.trendHalfLifeDays;
  let count = 0;
  let shortCount = 0;
  const gaps: number[] = [];
  let previous: number | undefined;
  const weights = decayTable(h);
  const shortWeights = decayTable(hs);
  for (const d of history.orderDays) {
    if (d > lastDay) break;
    if (previous !== undefined) gaps.push(d - previous);
    previous = d;
    if (d <= originDay && originDay === firstDay) continue;
    count += weights[lastDay - d] ?? 2 ** (-(lastDay - d) / h);
    shortCount += shortWeights[lastDay - d] ?? 2 ** (-(lastDay - d) / hs);
  }
  gaps.sort((a, b) => a - b);
  const to = lastDay + 1;
  const p90GapDays = gaps.length >= 3 ? quantile(gaps, 0.9) : undefined;
  return {
    lastOrderAt: history.lastOrderAt,
    lastOrderDay: lastDay,
    shape: settings.prior.r + count,
    rateScale: settings.prior.alpha + exposure(originDay + 1, to, to, h, settings.lulls),
    shortCount,
    shortExposure: exposure(originDay + 1, to, to, hs, settings.lulls),
    originDay,
    medianGapDays: gaps.length >= 3 ? quantile(gaps, 0.5) : undefined,
    p90GapDays,
    lastYearPauseDays: lastYearPause(history.orderWeeks, weekOfDay(lastDay), p90GapDays, settings.lulls),
  };
}

/** Expected ordering days per day at the last order (the posterior mean). */
export const rateOf = (base: CadenceBase): number => base.shape / base.rateScale;

/** The silence at `at` (after the last order) judged against the customer's rhythm. */
export function silenceAt(base: CadenceBase, at: number, dayOf: (ms: number) => number, settings: CadenceSettings): Silence {
  const days = Math.max(0, (at - base.lastOrderAt) / DAY_MS);
  const today = dayOf(at);
  let effectiveDays = Math.max(0, days - lullDiscount(base.lastOrderDay, today, settings.lulls));
  if (base.lastYearPauseDays > 0) {
    // Silence up to the length of last year's pause counts at the pause's activity.
    const covered = Math.min(effectiveDays, base.lastYearPauseDays);
    effectiveDays -= covered * (1 - settings.pauseActivity);
  }
  const surprise = base.shape * Math.log1p(effectiveDays / base.rateScale);
  // The recent rate as of `at`: the ordering days decay further through the silence, and the
  // exposure grows by the silence (weighted by activity).
  const hs = settings.trendHalfLifeDays;
  const decay = 2 ** (-effectiveDays / hs);
  const recent = base.shortCount * decay;
  const recentExposure = base.shortExposure * decay + (hs / LN2) * (1 - decay);
  const trend = Math.log((recent + 1) / (rateOf(base) * recentExposure + 1));
  return { days, effectiveDays, surprise, trend };
}
