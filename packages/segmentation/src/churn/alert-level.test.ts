import { describe, expect, it } from 'vitest';
import { ALERT_LEVELS, nextAlertLevel, type AlertBands, type AlertLevel } from './alert-level.ts';
import { seededRandom } from './churn-fixtures.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 5, 2, 2);
const BANDS: AlertBands = { watch: { enter: 0.5, exit: 0.4 }, warning: { enter: 0.7, exit: 0.6 }, critical: { enter: 0.85, exit: 0.75 } };
const COOLDOWN_DAYS = 7;
const COOLS_AT = T0 + COOLDOWN_DAYS * DAY;

/** The decision for a customer whose level last changed at T0, evaluated at `at`. */
const next = (current: AlertLevel | null, risk: number, at = COOLS_AT) => nextAlertLevel(current, current === null ? null : T0, risk, at, BANDS, COOLDOWN_DAYS);
const rank = (level: AlertLevel | null): number => (level === null ? -1 : ALERT_LEVELS.indexOf(level));

describe('alert level', () => {
  describe('rises', () => {
    it('enters a level exactly at its enter risk, not below', () => {
      for (const level of ALERT_LEVELS) {
        const below = ALERT_LEVELS[ALERT_LEVELS.indexOf(level) - 1] ?? null;
        expect(next(below, BANDS[level].enter), level).toEqual({ level, heldUntil: null });
        expect(next(below, BANDS[level].enter - 0.001).level, level).toBe(below);
      }
    });

    it('skips levels when the risk jumps', () => {
      expect(next(null, 0.9)).toEqual({ level: 'critical', heldUntil: null });
      expect(next(null, BANDS.warning.enter)).toEqual({ level: 'warning', heldUntil: null });
      expect(next('watch', 0.99)).toEqual({ level: 'critical', heldUntil: null });
    });

    it('is never held by the cool-down', () => {
      expect(next('watch', BANDS.warning.enter, T0)).toEqual({ level: 'warning', heldUntil: null });
      expect(next('warning', BANDS.critical.enter, T0 + 1)).toEqual({ level: 'critical', heldUntil: null });
    });
  });

  describe('falls', () => {
    it('keeps a level inside its band (hysteresis) and at its exit risk', () => {
      for (const level of ALERT_LEVELS) {
        const { enter, exit } = BANDS[level];
        expect(next(level, (enter + exit) / 2), level).toEqual({ level, heldUntil: null });
        expect(next(level, exit), level).toEqual({ level, heldUntil: null });
        expect(next(level, exit - 0.001).level, level).not.toBe(level);
      }
    });

    it('clears a watch that falls below its exit', () => {
      expect(next('watch', BANDS.watch.exit - 0.001)).toEqual({ level: null, heldUntil: null });
      expect(next('watch', 0)).toEqual({ level: null, heldUntil: null });
    });

    it('falls to the highest lower level whose band the risk is still in', () => {
      expect(next('critical', 0.72)).toEqual({ level: 'warning', heldUntil: null }); // above warning's enter
      expect(next('critical', 0.65)).toEqual({ level: 'warning', heldUntil: null }); // inside warning's band
      expect(next('critical', 0.45)).toEqual({ level: 'watch', heldUntil: null }); // inside watch's band
      expect(next('critical', 0.1)).toEqual({ level: null, heldUntil: null });
      expect(next('warning', BANDS.watch.exit)).toEqual({ level: 'watch', heldUntil: null });
    });

    it('is held by the cool-down, which says when it ends', () => {
      for (const at of [T0, T0 + DAY, COOLS_AT - 1]) {
        expect(next('critical', 0.1, at)).toEqual({ level: 'critical', heldUntil: COOLS_AT });
        expect(next('watch', 0, at)).toEqual({ level: 'watch', heldUntil: COOLS_AT });
      }
      expect(next('critical', 0.1, COOLS_AT)).toEqual({ level: null, heldUntil: null });
    });

    it('is not held without a cool-down or without a time of the last change', () => {
      expect(nextAlertLevel('warning', T0, 0.1, T0, BANDS, 0)).toEqual({ level: null, heldUntil: null });
      expect(nextAlertLevel('warning', null, 0.1, T0, BANDS, COOLDOWN_DAYS)).toEqual({ level: null, heldUntil: null });
    });

    it('reports no hold when the level would not fall anyway', () => {
      expect(next('warning', 0.65, T0 + DAY)).toEqual({ level: 'warning', heldUntil: null });
      expect(next(null, 0.1, T0)).toEqual({ level: null, heldUntil: null });
    });
  });

  it('follows a seeded random walk of the risk: rises at once, falls only past the exit and after the cool-down', () => {
    const random = seededRandom(31337);
    for (let walk = 0; walk < 200; walk += 1) {
      let level: AlertLevel | null = null;
      let since: number | null = null;
      let risk = random();
      let at = T0;
      for (let step = 0; step < 200; step += 1) {
        risk = Math.min(1, Math.max(0, risk + (random() - 0.5) * 0.3));
        at += Math.floor(random() * 3 * DAY);
        const decision = nextAlertLevel(level, since, risk, at, BANDS, COOLDOWN_DAYS);
        const label = `walk ${walk}, step ${step}: ${String(level)} since ${String(since)}, risk ${risk}`;
        const entered = ALERT_LEVELS.filter((l) => risk >= BANDS[l].enter).length - 1;
        // Never below the level the risk has entered; above it only while the risk is within the band kept.
        expect(rank(decision.level), label).toBeGreaterThanOrEqual(entered);
        if (decision.level !== null && rank(decision.level) > entered) expect(risk >= BANDS[decision.level].exit || decision.heldUntil !== null, label).toBe(true);
        if (rank(decision.level) < rank(level)) {
          expect(since === null || at >= since + COOLDOWN_DAYS * DAY, label).toBe(true);
          expect(risk, label).toBeLessThan(BANDS[level!].exit);
        }
        if (decision.heldUntil !== null) expect(decision.level, label).toBe(level);
        if (decision.level !== level) since = at;
        level = decision.level;
      }
    }
  });
});
