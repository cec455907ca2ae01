import { describe, expect, it } from 'vitest';
import { calendarFactor, calendarWeights, dateOfDay, parseDate, shanghaiMidnight, springFestivalDay } from './calendar.ts';

const start = parseDate('2025-01-01');

describe('calendar', () => {
  it('starts days at midnight Asia/Shanghai', () => {
    expect(new Date(shanghaiMidnight(start)).toISOString()).toBe('2024-12-31T16:00:00.000Z');
    expect(dateOfDay(start, 0)).toEqual({ year: 2025, month: 1, day: 1, weekday: 3 });
    expect(dateOfDay(start, 365)).toMatchObject({ year: 2026, month: 1, day: 1 });
    expect(() => parseDate('2025-02-30')).toThrow();
  });

  it('knows the Spring Festival of each year', () => {
    expect(springFestivalDay(start, 2025)).toBe(28); // 2025-01-29
    expect(dateOfDay(start, springFestivalDay(start, 2026))).toMatchObject({ year: 2026, month: 2, day: 17 });
    expect(dateOfDay(start, springFestivalDay(start, 2027))).toMatchObject({ year: 2027, month: 2, day: 6 });
  });

  it('is quiet at Spring Festival and Golden Week, busy before 11.11 for e-commerce, slow on weekends for factories', () => {
    const sf = springFestivalDay(start, 2025);
    expect(calendarFactor(start, sf + 1, 'MANUFACTURING')).toBeLessThan(0.1);
    const oct3 = 275; // 2025-10-03
    expect(dateOfDay(start, oct3)).toMatchObject({ month: 10, day: 3 });
    expect(calendarFactor(start, oct3, 'RETAIL')).toBeLessThan(0.4);
    const nov5 = 308; // 2025-11-05, a Wednesday
    expect(dateOfDay(start, nov5)).toMatchObject({ month: 11, day: 5, weekday: 3 });
    expect(calendarFactor(start, nov5, 'E_COMMERCE')).toBeGreaterThan(1.5);
    expect(calendarFactor(start, 4, 'MANUFACTURING')).toBeLessThan(0.5); // 2025-01-05, a Sunday
  });

  it('scales the weights of the span to a mean of 1', () => {
    for (const industry of ['MANUFACTURING', 'RETAIL', 'E_COMMERCE', 'OTHER'] as const) {
      const w = calendarWeights(start, 548, industry);
      expect(w.reduce((s, x) => s + x, 0) / w.length).toBeCloseTo(1, 6);
    }
  });
});
