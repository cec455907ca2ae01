import { describe, expect, it } from 'vitest';
import { BEHAVIOUR_MIX, BEHAVIOURS, type IndependentTruth } from './index.ts';
import { defaultRun, placedTimes } from './test-support.ts';

const DAY = 86_400_000;

describe('generateIndependentHistory: the truth', () => {
  const { history } = defaultRun();
  const placed = placedTimes(history);
  const ordersOf = (t: IndependentTruth): number[] => placed.get(t.customerId) ?? [];
  const churners = history.truth.filter((t) => t.churnedAt !== null);

  it('follows the behaviour mix, with 55–65% never churning', () => {
    for (const b of BEHAVIOURS) {
      const share = history.truth.filter((t) => t.behaviour === b).length / history.truth.length;
      expect(Math.abs(share - BEHAVIOUR_MIX[b]), b).toBeLessThan(0.01);
    }
    const never = history.truth.filter((t) => t.churnedAt === null).length / history.truth.length;
    expect(never).toBeGreaterThan(0.55);
    expect(never).toBeLessThan(0.65);
    // Every planned exit happened: churners are exactly the churning behaviours (and some infrequent shippers).
    for (const t of history.truth) {
      const shouldChurn = ['gradual_shift', 'service_incident', 'won_back'].includes(t.behaviour);
      if (shouldChurn) expect(t.churnedAt, t.customerId).not.toBeNull();
      if (['steady', 'large_steady', 'seasonal_pauser'].includes(t.behaviour)) expect(t.churnedAt, t.customerId).toBeNull();
    }
    const quiet = history.truth.filter((t) => t.behaviour === 'infrequent' && t.churnCause === 'quiet_exit').length;
    const infrequent = history.truth.filter((t) => t.behaviour === 'infrequent').length;
    expect(quiet / infrequent).toBeGreaterThan(0.1);
    expect(quiet / infrequent).toBeLessThan(0.45);
  });

  it('puts churnedAt on a placed order, and no placed order between it and the return (or the end)', () => {
    for (const t of churners) {
      const times = ordersOf(t);
      expect(times, t.customerId).toContain(t.churnedAt);
      const until = t.wonBackAt ?? history.end;
      expect(
        times.filter((x) => x > (t.churnedAt ?? 0) && x < until),
        t.customerId,
      ).toEqual([]);
      if (t.wonBackAt !== null) {
        expect(times).toContain(t.wonBackAt);
        expect(t.wonBackAt - (t.churnedAt ?? 0)).toBeGreaterThanOrEqual(90 * DAY);
      }
    }
  });

  it('gives non-churners no churn fields, and each cause its own shape', () => {
    for (const t of history.truth.filter((x) => x.churnedAt === null)) {
      expect([t.churnCause, t.declineStartedAt, t.wonBackAt]).toEqual([null, null, null]);
    }
    for (const t of churners) {
      expect(t.churnCause).not.toBeNull();
      if (t.churnCause === 'quiet_exit') expect(t.declineStartedAt).toBeNull();
      else expect(t.declineStartedAt).not.toBeNull();
    }
    const gradual = churners.filter((t) => t.churnCause === 'gradual_shift');
    const fadeFirst = gradual.filter((t) => (t.declineStartedAt ?? Infinity) <= (t.churnedAt ?? 0));
    expect(fadeFirst.length / gradual.length).toBeGreaterThan(0.9);
    expect(history.truth.filter((t) => t.behaviour === 'won_back' && t.wonBackAt !== null).length).toBeGreaterThan(
      0.9 * BEHAVIOUR_MIX.won_back * history.truth.length,
    );
  });

  it('times an incident on a visible failure, followed by at most two more orders', () => {
    const failures = new Map<string, Set<number>>();
    for (const r of history.records) {
      if (r.kind !== 'shipment' || !['DELAYED', 'DELIVERED', 'DAMAGED', 'LOST'].includes(r.value.status)) continue;
      const late = r.value.status !== 'DELIVERED' || (r.value.actualDeliveryTime ?? 0) > (r.value.promisedDeliveryTime ?? Infinity);
      if (!late) continue;
      const set = failures.get(r.value.customerId) ?? new Set();
      set.add(r.value.eventTime);
      failures.set(r.value.customerId, set);
    }
    for (const t of churners.filter((x) => x.churnCause === 'service_incident')) {
      expect(failures.get(t.customerId)?.has(t.declineStartedAt ?? 0), t.customerId).toBe(true);
      const after = ordersOf(t).filter((x) => x >= (t.declineStartedAt ?? 0) && x <= (t.churnedAt ?? 0));
      expect(after.length).toBeLessThanOrEqual(2);
    }
  });

  it('keeps seasonal pausers ordering, but never inside a pause', () => {
    const pausers = history.truth.filter((t) => t.behaviour === 'seasonal_pauser');
    for (const t of pausers) {
      expect(t.churnedAt).toBeNull();
      expect(t.pauses.length).toBeGreaterThan(0);
      const inside = ordersOf(t).filter((x) => t.pauses.some((p) => x >= p.from && x < p.to));
      expect(inside, t.customerId).toEqual([]);
      expect(ordersOf(t).length).toBeGreaterThan(10);
    }
    expect(history.truth.filter((t) => t.behaviour !== 'seasonal_pauser' && t.pauses.length > 0)).toEqual([]);
  });

  it('spreads churn over the span, most followed by 60 days of silence', () => {
    const gone = churners.filter((t) => t.wonBackAt === null);
    const quarter = (history.end - history.start) / 4;
    for (let q = 0; q < 4; q++) {
      const n = churners.filter(
        (t) => (t.churnedAt ?? 0) >= history.start + q * quarter && (t.churnedAt ?? 0) < history.start + (q + 1) * quarter,
      ).length;
      expect(n / churners.length, `quarter ${q + 1}`).toBeGreaterThan(0.08);
    }
    const silent60 = gone.filter((t) => (t.churnedAt ?? Infinity) <= history.end - 60 * DAY).length;
    expect(silent60 / gone.length).toBeGreaterThan(0.6);
  });

  it('ranks value tiers 20/50/30 by expected annual value', () => {
    const count = (tier: string) => history.truth.filter((t) => t.valueTier === tier).length;
    expect([count('high'), count('medium'), count('low')]).toEqual([120, 300, 180]);
    const minHigh = Math.min(...history.truth.filter((t) => t.valueTier === 'high').map((t) => t.expectedAnnualValue));
    const maxMedium = Math.max(...history.truth.filter((t) => t.valueTier === 'medium').map((t) => t.expectedAnnualValue));
    expect(minHigh).toBeGreaterThanOrEqual(maxMedium);
    expect(history.truth.every((t) => t.expectedAnnualValue > 0)).toBe(true);
  });

  it('matches the designed median gap in the orders of an active customer', () => {
    const ratios: number[] = [];
    for (const t of history.truth.filter((x) => x.behaviour === 'steady' || x.behaviour === 'large_steady')) {
      const days = [...new Set(ordersOf(t).map((x) => Math.floor((x - history.start) / DAY)))];
      const gaps = days
        .slice(1)
        .map((d, i) => d - (days[i] ?? d))
        .sort((a, b) => a - b);
      if (gaps.length >= 10) ratios.push((gaps[Math.floor(gaps.length / 2)] ?? 0) / t.medianGapDays);
    }
    ratios.sort((a, b) => a - b);
    expect(ratios[Math.floor(ratios.length / 2)]).toBeGreaterThan(0.8);
    expect(ratios[Math.floor(ratios.length / 2)]).toBeLessThan(1.25);
  });

  it('follows the calendar: Spring Festival and weekends are quiet', () => {
    const perDay = new Float64Array(Math.round((history.end - history.start) / DAY));
    for (const times of placed.values()) for (const x of times) perDay[Math.floor((x - history.start) / DAY)]! += 1;
    const mean = perDay.reduce((s, x) => s + x, 0) / perDay.length;
    const sf2026 = Math.round((Date.UTC(2026, 1, 17) - Date.UTC(2025, 0, 1)) / DAY);
    const festival = perDay.slice(sf2026 - 2, sf2026 + 5).reduce((s, x) => s + x, 0) / 7;
    expect(festival / mean).toBeLessThan(0.3);
  });
});
