import { describe, expect, it } from 'vitest';
import { cadenceBase, silenceAt, type CadenceSettings } from './cadence.ts';
import { fitCadencePrior } from './cadence-prior-fit.ts';

const DAY = 86_400_000;
const dayOf = (ms: number) => Math.floor(ms / DAY);
const SETTINGS: CadenceSettings = { prior: { r: 1, alpha: 20 }, halfLifeDays: 180, trendHalfLifeDays: 45, lulls: [], pauseActivity: 0.1 };
const T0 = 20_000 * DAY;

/** Ordering days every `gap` days for `count` orders from T0. */
const everyGap = (gap: number, count: number) => Array.from({ length: count }, (_, i) => dayOf(T0) + i * gap);
const history = (days: number[], weeks: number[] = []) => ({
  orderDays: days,
  orderWeeks: weeks,
  firstOrderAt: days[0]! * DAY,
  lastOrderAt: days[days.length - 1]! * DAY,
});

describe('the cadence model', () => {
  it("judges a silence by the customer's own rhythm", () => {
    const daily = history(everyGap(1, 200));
    const monthly = history(everyGap(30, 7));
    const silence = (h: ReturnType<typeof history>, days: number) => {
      const at = h.lastOrderAt + days * DAY;
      return silenceAt(cadenceBase(h, at, dayOf, SETTINGS), at, dayOf, SETTINGS).surprise;
    };
    expect(silence(daily, 14)).toBeGreaterThan(5);
    expect(silence(monthly, 14)).toBeLessThan(1);
    expect(silence(monthly, 120)).toBeGreaterThan(silence(monthly, 60));
  });

  it('sees a customer slowing down while still ordering', () => {
    const steady = everyGap(7, 40);
    const fading = [...everyGap(7, 30), ...Array.from({ length: 4 }, (_, i) => dayOf(T0) + 29 * 7 + (i + 1) * 25)];
    const trendOf = (days: number[]) => {
      const h = history(days);
      return silenceAt(cadenceBase(h, h.lastOrderAt, dayOf, SETTINGS), h.lastOrderAt, dayOf, SETTINGS).trend;
    };
    expect(trendOf(fading)).toBeLessThan(trendOf(steady) - 0.3);
  });

  it("counts lull days by their activity, and a repeat of last year's pause hardly at all", () => {
    const h = history(everyGap(3, 100));
    const at = h.lastOrderAt + 20 * DAY;
    const lastDay = dayOf(h.lastOrderAt);
    const plain = silenceAt(cadenceBase(h, at, dayOf, SETTINGS), at, dayOf, SETTINGS);
    const festive = { ...SETTINGS, lulls: [{ fromDay: lastDay + 1, toDay: lastDay + 14, activity: 0.25 }] };
    const inLull = silenceAt(cadenceBase(h, at, dayOf, festive), at, dayOf, festive);
    expect(inLull.effectiveDays).toBeCloseTo(plain.effectiveDays - 14 * 0.75, 5);
    expect(inLull.surprise).toBeLessThan(plain.surprise);
    // Last year: orders up to this week, then 8 silent weeks, then orders again.
    const week = Math.floor((lastDay + 3) / 7);
    const lastYear = [week - 60, week - 56, week - 53, week - 52, week - 43, week - 42];
    const seasonal = history(everyGap(3, 100), lastYear);
    const paused = silenceAt(cadenceBase(seasonal, at, dayOf, SETTINGS), at, dayOf, SETTINGS);
    expect(paused.effectiveDays).toBeCloseTo(plain.effectiveDays * 0.1, 5);
    // A pause tied to the lunar calendar began three weeks earlier last year: still this customer's pause.
    const shifted = history(
      everyGap(3, 100),
      lastYear.map((w) => w - 3),
    );
    expect(silenceAt(cadenceBase(shifted, at, dayOf, SETTINGS), at, dayOf, SETTINGS).effectiveDays).toBeCloseTo(
      plain.effectiveDays * 0.1,
      5,
    );
    // An ordinary gap a year ago (two silent weeks) excuses nothing...
    const gapLastYear = history(everyGap(3, 100), [week - 53, week - 52, week - 49, week - 48]);
    expect(silenceAt(cadenceBase(gapLastYear, at, dayOf, SETTINGS), at, dayOf, SETTINGS).effectiveDays).toBeCloseTo(plain.effectiveDays, 5);
    // ...nor does last year's festival: a lull covering the eight silent weeks a year ago explains them.
    const lastYearFestival = { ...SETTINGS, lulls: [{ fromDay: (week - 51) * 7 - 3, toDay: (week - 44) * 7 - 4, activity: 0.1 }] };
    expect(silenceAt(cadenceBase(seasonal, at, dayOf, lastYearFestival), at, dayOf, lastYearFestival).effectiveDays).toBeCloseTo(
      plain.effectiveDays,
      5,
    );
  });
});

describe('the cadence prior fit', () => {
  it('recovers a known gamma prior from simulated customers', () => {
    let a = 7 >>> 0;
    const next = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 2 ** 32;
    };
    // Gamma(r = 2, α = 40) rates by the sum of two exponentials; Poisson counts by inversion.
    const samples = Array.from({ length: 4000 }, () => {
      const rate = (-Math.log(1 - next()) - Math.log(1 - next())) / 40;
      const T = 200;
      let x = 0;
      let p = Math.exp(-rate * T);
      let cumulative = p;
      const u = next();
      while (u > cumulative) {
        x += 1;
        p *= (rate * T) / x;
        cumulative += p;
      }
      return { x, T };
    });
    const fit = fitCadencePrior(samples);
    expect(fit.converged).toBe(true);
    expect(fit.prior.r).toBeGreaterThan(1.7);
    expect(fit.prior.r).toBeLessThan(2.3);
    expect(fit.prior.alpha / fit.prior.r).toBeGreaterThan(18);
    expect(fit.prior.alpha / fit.prior.r).toBeLessThan(22);
  });
});
