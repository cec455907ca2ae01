// Who the customers are: each one's archetype, home, value tier and habits, drawn from its own
// random stream so that a customer is the same whatever the size of the population around it.
import type { CustomerType, ServiceLevel } from '@segmentation/contracts';
import { DAY_MS } from './calendar.ts';
import {
  accountManagers,
  archetypes,
  chineseHomes,
  chineseOrigins,
  exportLanes,
  homes,
  servicePrice,
  tierEconomics,
  type Archetype,
  type Home,
  type HomeName,
  type ValueTier,
} from './catalogue.ts';
import type { Random } from './random.ts';

/** Where one customer's freight goes: they stick to a few lanes rather than picking anew each time. */
export interface Lane {
  origin: Home;
  destination: Home;
}

export interface CustomerTraits {
  index: number;
  id: string;
  archetype: Archetype;
  customerType: CustomerType;
  home: Home;
  tier: ValueTier;
  currency: string;
  /** Orders in a year of ordinary activity. */
  ordersPerYear: number;
  /** Median order value in CNY, already divided by the expected service-level and spread mark-ups. */
  medianOrderCny: number;
  serviceLevels: ReadonlyArray<readonly [ServiceLevel, number]>;
  lanes: readonly Lane[];
  channel: string;
  cancelRate: number;
  returnRate: number;
  complaintPropensity: number;
  /** Multiplies the chance of a late delivery: some customers' lanes and cargo are simply less reliable. */
  lateness: number;
  churnPerYear: number;
  winBackChance: number;
  /** Sign-up time; after the span's start for customers acquired during it. */
  signedUpAt: number;
  acquiredDuringSpan: boolean;
  accountManager: string | null;
}

export const ORDER_VALUE_SPREAD = 0.45; // log-normal shape of single order values around the median

/** Ids say which run made them (the seed) so two simulations never mix customers in one log. */
export const customerId = (seed: number, index: number) => `C${seed}-${String(index + 1).padStart(6, '0')}`;

function pickArchetype(random: Random): Archetype {
  return random.weighted(archetypes.map((a) => [a, a.share] as const));
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function drawLanes(random: Random, archetype: Archetype, homeName: HomeName): Lane[] {
  const home = homes[homeName];
  const count = random.int(1, 3);
  const lanes: Lane[] = [];
  for (let i = 0; i < count; i++) {
    switch (archetype.lanes) {
      case 'export': {
        const abroad = exportLanes.filter(([name]) => homes[name].country !== home.country);
        const destination = homes[random.weighted(home.country === 'CN' ? abroad : chineseOrigins)];
        lanes.push({ origin: home, destination });
        break;
      }
      case 'import':
        lanes.push({ origin: homes[random.weighted(chineseOrigins)], destination: home });
        break;
      case 'domestic':
        lanes.push({ origin: home, destination: homes[random.weighted(chineseHomes)] });
        break;
      case 'port':
        // Port services: the call is at the customer's home port, the vessel bound for a trade partner.
        lanes.push({
          origin: home,
          destination: homes[random.weighted(exportLanes.filter(([name]) => homes[name].country !== home.country))],
        });
        break;
    }
  }
  return lanes;
}

export interface PopulationSpan {
  seed: number;
  start: number;
  days: number;
}

/** Draws customer `index` of the population. */
export function drawCustomer(random: Random, index: number, span: PopulationSpan): CustomerTraits {
  const archetype = pickArchetype(random);
  const homeName = random.weighted(archetype.homes);
  const home = homes[homeName];
  const tier = random.weighted(archetype.tiers);
  const economics = tierEconomics[tier];
  const [revMedian, revSigma, revMin, revMax] = economics.revenue;
  const [ordMedian, ordSigma, ordMin, ordMax] = economics.orders;
  const revenue = clamp(random.logNormal(revMedian, revSigma), revMin, revMax);
  const ordersPerYear = clamp(random.logNormal(ordMedian, ordSigma), ordMin, ordMax);

  // A customer leans towards one service level; the rest of its orders follow the archetype's mix.
  const preferred = random.weighted(archetype.serviceLevels);
  const serviceLevels = archetype.serviceLevels.map(([level, w]) => [level, w + (level === preferred ? 200 : 0)] as const);
  const totalWeight = serviceLevels.reduce((s, [, w]) => s + w, 0);
  const expectedPrice = serviceLevels.reduce((s, [level, w]) => s + servicePrice[level] * w, 0) / totalWeight;
  const medianOrderCny = revenue / ordersPerYear / (expectedPrice * Math.exp((ORDER_VALUE_SPREAD * ORDER_VALUE_SPREAD) / 2));

  // Most of the base signed up years ago; some are acquired during the simulated span (新客户).
  const acquiredDuringSpan = random.chance(0.15);
  const signedUpAt = acquiredDuringSpan
    ? Math.round(span.start + random.between(0, span.days) * DAY_MS)
    : Math.round(span.start - random.between(60, 8 * 365) * DAY_MS);

  return {
    index,
    id: customerId(span.seed, index),
    archetype,
    customerType: random.weighted(archetype.customerTypes),
    home,
    tier,
    currency: random.weighted(home.currencies),
    ordersPerYear,
    medianOrderCny,
    serviceLevels,
    lanes: drawLanes(random, archetype, homeName),
    channel: random.weighted(archetype.channels),
    cancelRate: archetype.cancelRate * random.logNormal(1, 0.4),
    returnRate: archetype.returnRate * random.logNormal(1, 0.5),
    complaintPropensity: archetype.complaintPropensity * random.logNormal(1, 0.5),
    lateness: random.logNormal(1, 0.6),
    churnPerYear: archetype.baseChurnPerYear * random.logNormal(1, 0.4),
    // Account managers chase their big accounts harder (VIP service, 专属客户经理).
    winBackChance: Math.min(0.9, archetype.winBackChance * (tier === 'high' ? 1.4 : 1)),
    signedUpAt,
    acquiredDuringSpan,
    accountManager: tier === 'low' && !random.chance(0.1) ? null : random.pick(accountManagers),
  };
}
