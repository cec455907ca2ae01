import { describe, expect, it } from 'vitest';
import { anOrderEvent, shanghai } from '@segmentation/contracts';
import { calendarFor, emptyFeatures, featureValues, applyToFeatures, type CustomerFeatures } from './customer-features.ts';
import { CUSTOMER, DAY } from './feature-fixtures.ts';
import { nextEvaluationTime } from './next-evaluation.ts';

const calendar = calendarFor('Asia/Shanghai');
const T = shanghai('2025-06-02 10:00'); // a Monday
const d = calendar.dayOf(T);
const midnight = (day: number): number => calendar.startOfDay(day);

const oneOrder = (): CustomerFeatures =>
  applyToFeatures(emptyFeatures(), anOrderEvent({ customerId: CUSTOMER, eventId: 'E-1', eventTime: T }), T);

/** Every timer point from `from` on, following nextEvaluationTime until it says nothing more. */
function timerPoints(state: CustomerFeatures, from: number): number[] {
  const points: number[] = [];
  for (let next = nextEvaluationTime(state, from); next !== null && points.length < 50; next = nextEvaluationTime(state, next))
    points.push(next);
  return points;
}

describe('next evaluation time', () => {
  it('is null for a customer with nothing that can age', () => {
    expect(nextEvaluationTime(emptyFeatures(), T)).toBeNull();
  });

  it('walks through every window boundary and inactivity threshold of a single order, then stops', () => {
    expect(timerPoints(oneOrder(), T)).toEqual([
      midnight(d + 7), // leaves the 7-day window
      midnight(d + 30), // leaves the 30-day window and the trend's recent half
      T + 30 * DAY, // 30 days without an order (and 30 days of tenure)
      T + 60 * DAY,
      midnight(d + 90), // leaves the 90-day window
      T + 90 * DAY,
      midnight(d + 365), // its ordering day leaves the gap statistics
      T + 365 * DAY, // tenure milestone
      midnight(d + 6 + 365), // its ISO week (Monday to Sunday) leaves the 365-day window
    ]);
  });

  it('names a time at which some windowed feature really changes, and none changes before it', () => {
    const s = oneOrder();
    const windowed = (w: number): Record<string, number> => {
      // Recency and tenure tick daily by design; only their thresholds are timer points.
      return Object.fromEntries(Object.entries(featureValues(s, w)).filter(([k]) => k !== 'days_since_last_order' && k !== 'tenure_days'));
    };
    const points = timerPoints(s, T);
    let previous = T;
    for (const next of [midnight(d + 7), midnight(d + 30), midnight(d + 90)]) {
      expect(points).toContain(next);
      expect(windowed(next - 1)).toEqual(windowed(previous));
      expect(windowed(next)).not.toEqual(windowed(previous));
      previous = next;
    }
  });

  it('uses the business day boundary of the configured zone', () => {
    const berlin = calendarFor('Europe/Berlin');
    const s = applyToFeatures(emptyFeatures(), anOrderEvent({ customerId: CUSTOMER, eventId: 'E-1', eventTime: T }), T, berlin);
    expect(nextEvaluationTime(s, T, berlin)).toBe(berlin.startOfDay(berlin.dayOf(T) + 7));
    expect(nextEvaluationTime(s, T, berlin)).not.toBe(midnight(d + 7));
  });
});
