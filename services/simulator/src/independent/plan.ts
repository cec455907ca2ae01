// Who each customer is and what will happen to it: drawn up front from the customer's own
// stream, before any order exists, so the truth is a design decision and not read off the data.
import type { CustomerType, Industry } from '@segmentation/contracts';
import { DAY_MS, HOUR_MS, dateOfDay, dayIndexOf, springFestivalDay, type YMD } from './calendar.ts';
import { Rng, streamSeed } from './rng.ts';
import * as S from './settings.ts';
import type { Behaviour } from './settings.ts';

export type Reach = 'domestic' | 'near' | 'rail' | 'far';
export interface Lane {
  originCountry: string;
  originRegion: string | null;
  destinationCountry: string;
  destinationRegion: string | null;
  reach: Reach;
  weight: number;
}
/** Days of the span, `toDay` excluded. */
export interface DayRange {
  fromDay: number;
  toDay: number;
}
export type IncidentKind = 'lost' | 'damaged' | 'late_streak' | 'bad_handling';
export type ExitPlan =
  | { cause: 'gradual_shift'; fadeStartDay: number; fadeEndDay: number; shape: number; shrink: number }
  | { cause: 'service_incident'; incidentDay: number; kind: IncidentKind; streak: number; extraOrders: number }
  | { cause: 'quiet_exit'; stopDay: number };

export interface CustomerPlan {
  index: number;
  customerId: string;
  behaviour: Behaviour;
  industry: Industry;
  customerType: CustomerType;
  country: string;
  region: string | null;
  accountManager: string | null;
  currency: string;
  channel: string;
  signedUpAt: number;
  /** First day the customer may order (the day after an in-span sign-up, else 0). */
  firstDay: number;
  signedUpInSpan: boolean;
  medianGapDays: number;
  gapSigma: number;
  extraPerDay: number;
  demandSd: number;
  trendPerYear: number;
  medianAmountCny: number;
  amountSigma: number;
  /** Weights of EXPRESS, STANDARD, ECONOMY. */
  serviceMix: [number, number, number];
  lanes: Lane[];
  valueAddedServices: Array<{ name: string; use: number }>;
  pauses: DayRange[];
  badWeeks: DayRange[];
  exit: ExitPlan | null;
  /** Won-back customers: days of silence after the last order, and the share of orders kept after returning. */
  returnAfterDays: number | null;
  keepAfterReturn: number;
}

const GOLDEN = 0.6180339887498949;

/**
 * The behaviour of customer `index`: a golden-ratio sequence with a seeded offset hits the mix
 * almost exactly for any population size, and a customer's behaviour never depends on how many
 * customers come after it.
 */
export function behaviourOf(seed: number, index: number): Behaviour {
  const u = (streamSeed(seed, 'behaviour-mix') / 4_294_967_296 + (index + 1) * GOLDEN) % 1;
  let acc = 0;
  for (const b of S.BEHAVIOURS) {
    acc += S.BEHAVIOUR_MIX[b];
    if (u < acc) return b;
  }
  return 'steady';
}

export const customerIdOf = (index: number): string => `IND-C${String(index + 1).padStart(5, '0')}`;

const between = (rng: Rng, range: readonly [number, number]): number => rng.uniform(range[0], range[1]);
const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

export function planCustomer(seed: number, index: number, start: YMD, startMs: number, days: number): CustomerPlan {
  const rng = Rng.stream(seed, index, 'plan');
  const behaviour = behaviourOf(seed, index);
  const industry = rng.weighted(S.INDUSTRY_MIX[behaviour]);
  const [country, , currencies] = rng.weighted(S.HOME_COUNTRIES.map((c) => [c, c[1]] as const));
  const region = country === 'CN' ? rng.pick(S.CN_REGIONS) : null;

  const inSpan = rng.chance(S.SIGNUP_IN_SPAN[behaviour] ?? 0) && days - S.SIGNUP_DAY_RANGE.lastBeforeEnd > S.SIGNUP_DAY_RANGE.firstDay;
  const signupDay = inSpan ? rng.int(S.SIGNUP_DAY_RANGE.firstDay, days - S.SIGNUP_DAY_RANGE.lastBeforeEnd) : 0;
  const signedUpAt = inSpan
    ? startMs + signupDay * DAY_MS + Math.round(rng.uniform(9, 18) * HOUR_MS)
    : startMs - rng.int(S.SIGNED_UP_BEFORE_DAYS[0], S.SIGNED_UP_BEFORE_DAYS[1]) * DAY_MS - Math.round(rng.uniform(0, 24) * HOUR_MS);

  const designedGap = rng.weighted(S.GAP_CHOICES[behaviour]);
  const medianGapDays = designedGap >= 2 ? Math.round(designedGap * between(rng, S.GAP_JITTER) * 10) / 10 : designedGap;
  const sigmaRange =
    behaviour === 'large_steady' ? S.GAP_SIGMA.large_steady : behaviour === 'infrequent' ? S.GAP_SIGMA.infrequent : S.GAP_SIGMA.other;
  const extraPerDay =
    behaviour === 'large_steady'
      ? clamp(rng.lognormal(S.EXTRA_ORDERS.large.median, S.EXTRA_ORDERS.large.sigma), S.EXTRA_ORDERS.large.min, S.EXTRA_ORDERS.large.max)
      : medianGapDays < 2
        ? Math.min(S.EXTRA_ORDERS.daily.max, rng.lognormal(S.EXTRA_ORDERS.daily.median, S.EXTRA_ORDERS.daily.sigma))
        : S.EXTRA_ORDERS.other;
  const size =
    behaviour === 'large_steady' ? S.ORDER_SIZE.large_steady : behaviour === 'infrequent' ? S.ORDER_SIZE.infrequent : S.ORDER_SIZE.regular;
  const medianAmountCny = clamp(rng.lognormal(size.median * medianGapDays ** size.gapExponent, size.sigma), size.min, size.max);
  const mix = S.SERVICE_MIX[industry];

  const plan: CustomerPlan = {
    index,
    customerId: customerIdOf(index),
    behaviour,
    industry,
    country,
    region,
    customerType: rng.weighted(S.CUSTOMER_TYPES),
    accountManager: rng.chance(S.NO_ACCOUNT_MANAGER) ? null : rng.pick(S.ACCOUNT_MANAGERS),
    currency: rng.weighted(currencies),
    channel: rng.pick(S.CHANNELS),
    signedUpAt,
    firstDay: inSpan ? signupDay + 1 : 0,
    signedUpInSpan: inSpan,
    medianGapDays,
    gapSigma: between(rng, sigmaRange),
    extraPerDay,
    demandSd:
      behaviour === 'large_steady' ? S.DEMAND_SD.large_steady : behaviour === 'infrequent' ? S.DEMAND_SD.infrequent : S.DEMAND_SD.other,
    trendPerYear: between(rng, S.TREND_PER_YEAR),
    medianAmountCny,
    amountSigma: between(rng, S.ORDER_AMOUNT_SIGMA),
    serviceMix: [mix[0] * rng.lognormal(1, 0.5), mix[1] * rng.lognormal(1, 0.5), mix[2] * rng.lognormal(1, 0.5)],
    lanes: planLanes(rng, country, region, behaviour),
    valueAddedServices: planServices(rng),
    pauses: behaviour === 'seasonal_pauser' ? planPauses(rng, start, days) : [],
    badWeeks: planBadWeeks(rng, behaviour, days),
    exit: null,
    returnAfterDays: null,
    keepAfterReturn: 1,
  };
  planExit(rng, plan, days);
  return plan;
}

function planLanes(rng: Rng, country: string, region: string | null, behaviour: Behaviour): Lane[] {
  const lanes: Lane[] = [];
  const count = rng.int(S.LANES_PER_CUSTOMER[0], S.LANES_PER_CUSTOMER[1]);
  for (let i = 0; i < count; i++) {
    // Project cargo (infrequent shippers) is mostly export by sea.
    const kind = behaviour === 'infrequent' && rng.chance(0.7) ? 'export' : rng.weighted(S.LANE_KIND);
    const home = region !== null && rng.chance(0.7) ? region : rng.pick(S.CN_REGIONS);
    const weight = rng.lognormal(1, 0.8);
    if (kind === 'domestic') {
      lanes.push({
        originCountry: 'CN',
        originRegion: home,
        destinationCountry: 'CN',
        destinationRegion: rng.pick(S.CN_REGIONS),
        reach: 'domestic',
        weight,
      });
      continue;
    }
    const reach = rng.weighted(S.PARTNER_REACH);
    // Foreign customers mostly trade with their own country.
    const partner = country !== 'CN' && rng.chance(0.6) ? country : rng.pick(S.PARTNERS[reach]);
    const laneReach: Reach = partner === country && country !== 'CN' ? reachOf(partner) : reach;
    lanes.push(
      kind === 'export'
        ? { originCountry: 'CN', originRegion: home, destinationCountry: partner, destinationRegion: null, reach: laneReach, weight }
        : { originCountry: partner, originRegion: null, destinationCountry: 'CN', destinationRegion: home, reach: laneReach, weight },
    );
  }
  return lanes;
}

function reachOf(country: string): Reach {
  for (const reach of ['near', 'rail', 'far'] as const) if ((S.PARTNERS[reach] as readonly string[]).includes(country)) return reach;
  return 'far';
}

function planServices(rng: Rng): Array<{ name: string; use: number }> {
  const pool: string[] = [...S.VALUE_ADDED_SERVICES];
  const out: Array<{ name: string; use: number }> = [];
  for (let n = rng.int(S.VAS_PER_CUSTOMER[0], S.VAS_PER_CUSTOMER[1]); n > 0 && pool.length > 0; n--) {
    const name = pool.splice(rng.int(0, pool.length - 1), 1)[0];
    if (name !== undefined) out.push({ name, use: between(rng, S.VAS_USE) });
  }
  return out;
}

/** One pause a year at the customer's season, jittered a few days from year to year, clipped to the span. */
function planPauses(rng: Rng, start: YMD, days: number): DayRange[] {
  const archetype = rng.pick(S.PAUSE_ARCHETYPES);
  const ownShift = rng.int(-archetype.jitter, archetype.jitter);
  const ownLength = rng.int(archetype.length[0], archetype.length[1]);
  const lastYear = dateOfDay(start, days).year;
  const pauses: DayRange[] = [];
  for (let year = start.year - 1; year <= lastYear; year++) {
    const anchor =
      'springFestivalOffset' in archetype
        ? springFestivalDay(start, year) + archetype.springFestivalOffset
        : dayIndexOf(start, { year, month: archetype.month, day: archetype.day });
    const from = anchor + ownShift + rng.int(-S.PAUSE_YEARLY_JITTER.startDays, S.PAUSE_YEARLY_JITTER.startDays);
    const length = Math.round(ownLength * rng.uniform(1 - S.PAUSE_YEARLY_JITTER.length, 1 + S.PAUSE_YEARLY_JITTER.length));
    const clipped = { fromDay: Math.max(0, from), toDay: Math.min(days, from + length) };
    if (clipped.toDay > clipped.fromDay) pauses.push(clipped);
  }
  return pauses;
}

function planBadWeeks(rng: Rng, behaviour: Behaviour, days: number): DayRange[] {
  const perYear = S.BAD_WEEKS_PER_YEAR[behaviour] ?? S.BAD_WEEKS_OTHERS_PER_YEAR;
  const weeks: DayRange[] = [];
  for (let n = rng.poisson((perYear * days) / 365); n > 0; n--) {
    const from = rng.int(0, Math.max(0, days - 7));
    weeks.push({ fromDay: from, toDay: from + 7 });
  }
  return weeks.sort((a, b) => a.fromDay - b.fromDay);
}

/** A day drawn uniformly in [lo, hi], kept inside the span when the span is too short for the window. */
const dayIn = (rng: Rng, lo: number, hi: number, days: number): number => Math.min(days - 1, rng.int(lo, Math.max(lo, hi)));

function planExit(rng: Rng, plan: CustomerPlan, days: number): void {
  const b = plan.behaviour;
  if (b === 'infrequent') {
    if (rng.chance(S.INFREQUENT_QUIET_EXIT_SHARE))
      plan.exit = { cause: 'quiet_exit', stopDay: dayIn(rng, S.STOP_WINDOW.firstDay, days - S.STOP_WINDOW.lastBeforeEnd, days) };
    return;
  }
  if (b === 'gradual_shift') {
    const fadeEndDay = dayIn(rng, S.STOP_WINDOW.firstDay, days - S.STOP_WINDOW.lastBeforeEnd, days);
    plan.exit = gradual(rng, fadeEndDay, S.GRADUAL_FADE_DAYS);
    return;
  }
  if (b === 'service_incident') {
    plan.exit = incident(rng, dayIn(rng, S.INCIDENT_WINDOW.firstDay, days - S.INCIDENT_WINDOW.lastBeforeEnd, days));
    return;
  }
  if (b !== 'won_back') return;
  const cause = rng.weighted(S.WON_BACK_CAUSES);
  const silence = rng.int(S.WON_BACK_SILENCE_DAYS[0], S.WON_BACK_SILENCE_DAYS[1]);
  // Leave room for the silence and a month of orders after the return; an incident's last orders come up to 45 days later.
  const slack = cause === 'service_incident' ? S.INCIDENT_EXTRA_WITHIN_DAYS : 0;
  const stopDay = dayIn(rng, S.INCIDENT_WINDOW.firstDay, days - S.WON_BACK_RETURN_BEFORE_END - silence - slack, days);
  plan.exit =
    cause === 'gradual_shift'
      ? gradual(rng, stopDay, S.WON_BACK_FADE_DAYS)
      : cause === 'service_incident'
        ? incident(rng, stopDay)
        : { cause: 'quiet_exit', stopDay };
  plan.returnAfterDays = silence;
  plan.keepAfterReturn = between(rng, S.WON_BACK_KEEP_RATE);
}

function gradual(rng: Rng, fadeEndDay: number, fadeDays: readonly [number, number]): ExitPlan {
  const fadeStartDay = Math.max(14, fadeEndDay - rng.int(fadeDays[0], fadeDays[1]));
  const shrink = rng.chance(S.GRADUAL_SHRINK.share) ? between(rng, S.GRADUAL_SHRINK.amount) : 0;
  return {
    cause: 'gradual_shift',
    fadeStartDay: Math.min(fadeStartDay, fadeEndDay - 1),
    fadeEndDay,
    shape: between(rng, S.GRADUAL_FADE_SHAPE),
    shrink,
  };
}

function incident(rng: Rng, incidentDay: number): ExitPlan {
  const kind = rng.weighted(S.INCIDENT_KINDS);
  return {
    cause: 'service_incident',
    incidentDay,
    kind,
    streak: kind === 'late_streak' ? rng.int(S.INCIDENT_STREAK[0], S.INCIDENT_STREAK[1]) : 1,
    extraOrders: rng.weighted(S.INCIDENT_EXTRA_ORDERS),
  };
}
