import { describe, expect, it } from 'vitest';
import { isTimeZone, parseEventTime } from './time.ts';

const ms = (value: unknown, zone = 'Asia/Shanghai') => {
  const r = parseEventTime(value, zone);
  if (!r.ok) throw new Error(r.problem);
  return r.ms;
};
const problem = (value: unknown) => {
  const r = parseEventTime(value, 'Asia/Shanghai');
  if (r.ok) throw new Error(`expected a refusal, got ${new Date(r.ms).toISOString()}`);
  return r.problem;
};

describe('parseEventTime', () => {
  it('reads times without an offset as wall-clock times of the business time zone', () => {
    expect(ms('2024-03-05 09:00:00')).toBe(Date.UTC(2024, 2, 5, 1, 0, 0));
    expect(ms('2024-03-05T09:00')).toBe(Date.UTC(2024, 2, 5, 1, 0, 0));
    expect(ms('2024/3/5 9:00')).toBe(Date.UTC(2024, 2, 5, 1, 0, 0));
  });

  it('reads a date alone as the start of that day in the business time zone', () => {
    expect(ms('2024-03-05')).toBe(Date.UTC(2024, 2, 4, 16, 0, 0));
  });

  it('uses an explicit offset or Z over the business time zone', () => {
    expect(ms('2024-03-05T09:00:00+08:00')).toBe(Date.UTC(2024, 2, 5, 1));
    expect(ms('2024-03-05T09:00:00-0500')).toBe(Date.UTC(2024, 2, 5, 14));
    expect(ms('2024-03-05T09:00:00.250Z')).toBe(Date.UTC(2024, 2, 5, 9, 0, 0, 250));
  });

  it('follows daylight saving time in zones that have it', () => {
    expect(ms('2024-01-15 12:00', 'Europe/Berlin')).toBe(Date.UTC(2024, 0, 15, 11));
    expect(ms('2024-07-15 12:00', 'Europe/Berlin')).toBe(Date.UTC(2024, 6, 15, 10));
    // Half an hour before clocks went forward (01:00 UTC): read as if UTC it lies after the change.
    expect(ms('2024-03-31 01:30', 'Europe/Berlin')).toBe(Date.UTC(2024, 2, 31, 0, 30));
    // Shanghai kept summer time from 1986 to 1991: an old export can reach it.
    expect(ms('1988-07-01 12:00')).toBe(Date.UTC(1988, 6, 1, 3));
  });

  it('reads epoch milliseconds, as text or as a JSON number', () => {
    expect(ms('1709251200000')).toBe(1_709_251_200_000);
    expect(ms(1_709_251_200_000)).toBe(1_709_251_200_000);
  });

  it('refuses epoch seconds rather than placing the event in 1970', () => {
    expect(problem('1709251200')).toMatch(/epoch seconds/);
    expect(problem(1_709_251_200)).toMatch(/epoch seconds/);
  });

  it('refuses dates that do not exist and text that is no time', () => {
    expect(problem('2024-02-30 10:00')).toMatch(/not a valid date/);
    expect(problem('2024-03-05 25:00')).toMatch(/not a valid date/);
    expect(problem('last tuesday')).toMatch(/not a time/);
    expect(problem(true)).toMatch(/expected a time/);
  });
});

describe('isTimeZone', () => {
  it('knows IANA zones and refuses the rest', () => {
    expect(isTimeZone('Asia/Shanghai')).toBe(true);
    expect(isTimeZone('Asia/Beijing')).toBe(false);
  });
});
