// Time of the span and the business calendar. Days begin at midnight Asia/Shanghai (UTC+8, no DST).
import type { Industry } from '@segmentation/contracts';
import { DATE_WINDOWS, SPRING_FESTIVAL, SPRING_FESTIVAL_WINDOWS, WEEKEND_FACTOR } from './settings.ts';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
const SHANGHAI_OFFSET_MS = 8 * HOUR_MS;

export interface YMD {
  year: number;
  month: number;
  day: number;
}

export function parseDate(date: string): YMD {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) throw new Error(`expected a date YYYY-MM-DD, got "${date}"`);
  const ymd = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  const check = new Date(Date.UTC(ymd.year, ymd.month - 1, ymd.day));
  if (check.getUTCMonth() !== ymd.month - 1 || check.getUTCDate() !== ymd.day) throw new Error(`no such date: ${date}`);
  return ymd;
}

/** Epoch ms of midnight Asia/Shanghai of a calendar date. */
export function shanghaiMidnight(date: YMD): number {
  return Date.UTC(date.year, date.month - 1, date.day) - SHANGHAI_OFFSET_MS;
}

/** The calendar date and weekday (0 = Sunday) of day `index` of a span starting at `start`. */
export function dateOfDay(start: YMD, index: number): YMD & { weekday: number } {
  const d = new Date(Date.UTC(start.year, start.month - 1, start.day + index));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), weekday: d.getUTCDay() };
}

/** Day index (relative to `start`, may be negative) of a calendar date. */
export function dayIndexOf(start: YMD, date: YMD): number {
  return Math.round((Date.UTC(date.year, date.month - 1, date.day) - Date.UTC(start.year, start.month - 1, start.day)) / DAY_MS);
}

/** Day index of the first day of Spring Festival of `year`; throws for a year outside the table. */
export function springFestivalDay(start: YMD, year: number): number {
  const date = SPRING_FESTIVAL[year];
  if (date === undefined) throw new Error(`no Spring Festival date known for ${year} (settings.SPRING_FESTIVAL)`);
  return dayIndexOf(start, parseDate(date));
}

const inWindow = (m: number, d: number, from: readonly [number, number], to: readonly [number, number]): boolean => {
  const at = m * 100 + d;
  return at >= from[0] * 100 + from[1] && at <= to[0] * 100 + to[1];
};

/** The raw calendar multiplier of one day for one industry (weekend × holidays × peaks). */
export function calendarFactor(start: YMD, index: number, industry: Industry): number {
  const date = dateOfDay(start, index);
  let factor = date.weekday === 0 || date.weekday === 6 ? WEEKEND_FACTOR[industry] : 1;
  // Next year's festival matters only at the very end of December (the rush starts 21 days ahead).
  for (const year of date.month === 12 ? [date.year, date.year + 1] : [date.year]) {
    const offset = index - springFestivalDay(start, year);
    for (const w of SPRING_FESTIVAL_WINDOWS) if (offset >= w.from && offset <= w.to) factor *= w.factor[industry];
  }
  for (const w of DATE_WINDOWS) if (inWindow(date.month, date.day, w.from, w.to)) factor *= w.factor[industry] ?? 1;
  return factor;
}

/**
 * Calendar multipliers for every day of the span, scaled to a mean of 1, so a customer's
 * designed median gap holds on average over the span whatever its industry's calendar.
 */
export function calendarWeights(start: YMD, days: number, industry: Industry): Float64Array {
  const weights = new Float64Array(days);
  let sum = 0;
  for (let i = 0; i < days; i++) {
    weights[i] = calendarFactor(start, i, industry);
    sum += weights[i] ?? 0;
  }
  const mean = sum / Math.max(1, days);
  for (let i = 0; i < days; i++) weights[i] = (weights[i] ?? 0) / mean;
  return weights;
}
