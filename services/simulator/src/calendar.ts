// Simulated days and the business calendar that shapes ordering: Chinese New Year, Golden Week,
// 618 and Double 11, the peak shipping season and the pre-Christmas import rush.

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

/** Days start at midnight Asia/Shanghai (UTC+8 all year: China has no daylight saving time). */
const BUSINESS_UTC_OFFSET_MS = 8 * HOUR_MS;

/** Epoch ms of midnight (business time zone) of `YYYY-MM-DD`. */
export function businessMidnight(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new Error(`not a YYYY-MM-DD date: ${date}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) - BUSINESS_UTC_OFFSET_MS;
}

/** Today's date in the business time zone, as YYYY-MM-DD. */
export function businessDate(epochMs: number): string {
  return new Date(epochMs + BUSINESS_UTC_OFFSET_MS).toISOString().slice(0, 10);
}

// Spring Festival moves with the lunar calendar; a table is simpler and exact for the years a
// simulation plausibly covers. Outside it, early February is a fair stand-in.
const SPRING_FESTIVAL: Record<number, string> = {
  2018: '02-16',
  2019: '02-05',
  2020: '01-25',
  2021: '02-12',
  2022: '02-01',
  2023: '01-22',
  2024: '02-10',
  2025: '01-29',
  2026: '02-17',
  2027: '02-06',
  2028: '01-26',
  2029: '02-13',
  2030: '02-03',
  2031: '01-23',
  2032: '02-11',
  2033: '01-31',
  2034: '02-19',
  2035: '02-08',
};

/** What ordering on a calendar day looks like, for the seasonal profiles below. */
export interface DayFacts {
  month: number; // 1..12
  dayOfMonth: number;
  weekend: boolean;
  /** Days from this year's (or next year's, if nearer) Spring Festival: negative before it. */
  fromSpringFestival: number;
}

/** Midnight UTC of the calendar date of a year's Spring Festival (compared with other calendar dates only). */
function springFestival(year: number): number {
  return Date.parse(`${year}-${SPRING_FESTIVAL[year] ?? '02-05'}T00:00:00Z`);
}

export function dayFacts(dayStart: number): DayFacts {
  const local = new Date(dayStart + BUSINESS_UTC_OFFSET_MS);
  const year = local.getUTCFullYear();
  const midnightUtc = Date.UTC(year, local.getUTCMonth(), local.getUTCDate());
  const candidates = [springFestival(year - 1), springFestival(year), springFestival(year + 1)].map((t) =>
    Math.round((midnightUtc - t) / DAY_MS),
  );
  const fromSpringFestival = candidates.reduce((best, d) => (Math.abs(d) < Math.abs(best) ? d : best));
  const weekday = local.getUTCDay();
  return { month: local.getUTCMonth() + 1, dayOfMonth: local.getUTCDate(), weekend: weekday === 0 || weekday === 6, fromSpringFestival };
}

/** Multiplier of late deliveries: carriers and ports are congested at peak season and around Spring Festival. */
export function congestion(f: DayFacts): number {
  if (Math.abs(f.fromSpringFestival) <= 10) return 1.5;
  return f.month >= 7 && f.month <= 10 ? 1.35 : 1;
}

/** How a customer's ordering follows the calendar; chosen by archetype. */
export type SeasonProfile = 'manufacturing' | 'e_commerce' | 'retail_import' | 'domestic_retail' | 'shipping';

/** Multiplier of a customer's ordinary daily order rate on this day (1 = an ordinary weekday). */
export function seasonality(profile: SeasonProfile, f: DayFacts): number {
  const sf = f.fromSpringFestival;
  let m = 1;
  switch (profile) {
    case 'manufacturing':
      // Factories rush to ship before the holiday, close for two or three weeks, restart slowly.
      if (sf >= -30 && sf < -7) m = 1.35;
      else if (sf >= -7 && sf <= 14) m = 0.12;
      else if (sf > 14 && sf <= 24) m = 0.6;
      else if (f.month >= 7 && f.month <= 9) m = 1.2; // peak shipping season for Q4 retail in the West
      if (f.month === 10 && f.dayOfMonth <= 7) m *= 0.45; // Golden Week
      break;
    case 'e_commerce':
      if (sf >= -10 && sf <= 10)
        m = 0.4; // couriers stop, warehouses close
      else if (f.month === 6 && f.dayOfMonth <= 18)
        m = 1.7; // 618 festival
      else if ((f.month === 10 && f.dayOfMonth >= 20) || (f.month === 11 && f.dayOfMonth <= 11))
        m = 2.2; // Double 11
      else if ((f.month === 11 && f.dayOfMonth > 11) || (f.month === 12 && f.dayOfMonth <= 15)) m = 1.6; // Black Friday, Christmas
      break;
    case 'retail_import':
      // Western importers bring Christmas stock in from September; January is quiet.
      if (f.month >= 9 && f.month <= 11) m = 1.45;
      else if (f.month === 12) m = 1.15;
      else if (f.month === 1) m = 0.7;
      if (sf >= -3 && sf <= 10) m *= 0.5; // their Chinese suppliers are closed
      break;
    case 'domestic_retail':
      if (sf >= -25 && sf < -3)
        m = 1.5; // New Year goods
      else if (sf >= -3 && sf <= 7) m = 0.3;
      else if (f.month === 12) m = 1.2;
      if (f.month === 10 && f.dayOfMonth <= 7) m *= 1.3; // Golden Week shopping
      break;
    case 'shipping':
      if (sf >= -5 && sf <= 12) m = 0.45;
      else if (f.month >= 7 && f.month <= 10) m = 1.25;
      if (f.month === 10 && f.dayOfMonth <= 7) m *= 0.7;
      break;
  }
  // B2B logistics is a weekday business; consumer-facing sellers ship at weekends too.
  if (f.weekend) m *= profile === 'e_commerce' || profile === 'domestic_retail' ? 0.8 : 0.3;
  return m;
}
