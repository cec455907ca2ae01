// The business the simulator imitates: where customers are, which ports and trade lanes they use,
// and the archetypes of a Chinese logistics and port company's customer base. Numbers are
// plausible rather than sourced; they give each archetype a recognisable shape.
import type { CustomerType, Industry, ServiceLevel, TransportMode } from '@segmentation/contracts';
import type { SeasonProfile } from './calendar.ts';

export type ValueTier = 'high' | 'medium' | 'low';

/** A place customers are based in, with the ports their freight goes through. */
export interface Home {
  country: string;
  region: string;
  ports: readonly string[];
  /** Currencies they are billed in, by weight: many Chinese exporters are billed in US dollars. */
  currencies: ReadonlyArray<readonly [string, number]>;
}

export const homes = {
  yangtzeDelta: {
    country: 'CN',
    region: 'Yangtze River Delta',
    ports: ['CNSHA', 'CNNGB'],
    currencies: [
      ['CNY', 0.7],
      ['USD', 0.3],
    ],
  },
  pearlDelta: {
    country: 'CN',
    region: 'Pearl River Delta',
    ports: ['CNSZX', 'CNCAN'],
    currencies: [
      ['CNY', 0.65],
      ['USD', 0.3],
      ['HKD', 0.05],
    ],
  },
  bohaiRim: {
    country: 'CN',
    region: 'Bohai Rim',
    ports: ['CNTSN', 'CNQIN', 'CNDLC'],
    currencies: [
      ['CNY', 0.8],
      ['USD', 0.2],
    ],
  },
  centralChina: { country: 'CN', region: 'Central China', ports: ['CNWUH', 'CNSHA'], currencies: [['CNY', 1]] },
  westernChina: { country: 'CN', region: 'Western China', ports: ['CNCKG'], currencies: [['CNY', 1]] },
  hongKong: {
    country: 'HK',
    region: 'Hong Kong',
    ports: ['HKHKG'],
    currencies: [
      ['HKD', 0.6],
      ['USD', 0.4],
    ],
  },
  singapore: {
    country: 'SG',
    region: 'Singapore',
    ports: ['SGSIN'],
    currencies: [
      ['SGD', 0.5],
      ['USD', 0.5],
    ],
  },
  korea: {
    country: 'KR',
    region: 'Busan',
    ports: ['KRPUS'],
    currencies: [
      ['KRW', 0.6],
      ['USD', 0.4],
    ],
  },
  japan: {
    country: 'JP',
    region: 'Kanto',
    ports: ['JPTYO', 'JPYOK'],
    currencies: [
      ['JPY', 0.7],
      ['USD', 0.3],
    ],
  },
  hamburg: { country: 'DE', region: 'Hamburg', ports: ['DEHAM'], currencies: [['EUR', 1]] },
  rotterdam: { country: 'NL', region: 'South Holland', ports: ['NLRTM'], currencies: [['EUR', 1]] },
  england: {
    country: 'GB',
    region: 'England',
    ports: ['GBFXT'],
    currencies: [
      ['GBP', 0.8],
      ['USD', 0.2],
    ],
  },
  california: { country: 'US', region: 'California', ports: ['USLAX', 'USLGB'], currencies: [['USD', 1]] },
  newYork: { country: 'US', region: 'New York', ports: ['USNYC'], currencies: [['USD', 1]] },
} as const satisfies Record<string, Home>;

export type HomeName = keyof typeof homes;

/** Destinations of Chinese exports, by weight, with the typical door-to-door days by sea. */
export const exportLanes: ReadonlyArray<readonly [HomeName, number]> = [
  ['california', 20],
  ['newYork', 8],
  ['hamburg', 14],
  ['rotterdam', 12],
  ['england', 6],
  ['japan', 8],
  ['korea', 6],
  ['singapore', 9],
  ['hongKong', 5],
];

/** Chinese origins of what importers buy. */
export const chineseOrigins: ReadonlyArray<readonly [HomeName, number]> = [
  ['yangtzeDelta', 45],
  ['pearlDelta', 35],
  ['bohaiRim', 15],
  ['westernChina', 5],
];

export const chineseHomes: ReadonlyArray<readonly [HomeName, number]> = [
  ['yangtzeDelta', 40],
  ['pearlDelta', 30],
  ['bohaiRim', 15],
  ['centralChina', 9],
  ['westernChina', 6],
];

/** Days at sea between two countries: intra-Asia a week, transpacific three, Asia–Europe five. */
export function seaDays(from: string, to: string): number {
  if (from === to) return 3;
  const europe = new Set(['DE', 'NL', 'GB']);
  const asia = new Set(['CN', 'HK', 'SG', 'KR', 'JP']);
  if ((europe.has(from) && asia.has(to)) || (asia.has(from) && europe.has(to))) return 36;
  if (from === 'US' || to === 'US') return 20;
  if (asia.has(from) && asia.has(to)) return 8;
  return 14;
}

/** China–Europe rail is the only rail lane that competes with sea here. */
export const railLane = (from: string, to: string) =>
  (from === 'CN' && ['DE', 'NL'].includes(to)) || (to === 'CN' && ['DE', 'NL'].includes(from)) || from === to;

/** Units of CNY one unit buys, to price an order in the customer's billing currency. */
export const cnyPerUnit: Record<string, number> = { CNY: 1, USD: 7.1, EUR: 7.7, HKD: 0.91, JPY: 0.047, GBP: 9.0, SGD: 5.3, KRW: 0.0052 };
/** Currencies without minor units. */
export const wholeUnitCurrencies = new Set(['JPY', 'KRW']);

export const accountManagers = [
  'Zhang Wei',
  'Li Na',
  'Wang Fang',
  'Liu Yang',
  'Chen Jing',
  'Zhao Lei',
  'Sun Li',
  'Zhou Min',
  'Wu Hao',
  'Xu Ting',
] as const;

/** How the business looks at a kind of customer: who they are, how they ship, how they behave. */
export interface Archetype {
  name: string;
  share: number;
  industry: Industry;
  customerTypes: ReadonlyArray<readonly [CustomerType, number]>;
  homes: ReadonlyArray<readonly [HomeName, number]>;
  /** export: from home abroad; import: from China to home; domestic: within China; port: port services at home. */
  lanes: 'export' | 'import' | 'domestic' | 'port';
  season: SeasonProfile;
  tiers: ReadonlyArray<readonly [ValueTier, number]>;
  serviceLevels: ReadonlyArray<readonly [ServiceLevel, number]>;
  modes: ReadonlyArray<readonly [TransportMode, number]>;
  /** Value-added services and how often an order of this kind of customer takes each. */
  valueAddedServices: ReadonlyArray<readonly [string, number]>;
  channels: ReadonlyArray<readonly [string, number]>;
  cancelRate: number;
  returnRate: number;
  /** Multiplies how readily a bad experience turns into a complaint. */
  complaintPropensity: number;
  /** Probability per year of starting to drift away with nothing going wrong (price, a competitor). */
  baseChurnPerYear: number;
  /** Probability that a churned customer is won back within a few months. */
  winBackChance: number;
}

export const archetypes: readonly Archetype[] = [
  {
    name: 'export_manufacturer',
    share: 0.28,
    industry: 'MANUFACTURING',
    customerTypes: [
      ['CARGO_OWNER', 6],
      ['SHIPPER', 4],
    ],
    homes: chineseHomes,
    lanes: 'export',
    season: 'manufacturing',
    tiers: [
      ['low', 72],
      ['medium', 22],
      ['high', 6],
    ],
    serviceLevels: [
      ['ECONOMY', 50],
      ['STANDARD', 45],
      ['EXPRESS', 5],
    ],
    modes: [
      ['SEA', 80],
      ['RAIL', 10],
      ['AIR', 10],
    ],
    valueAddedServices: [
      ['customs_clearance', 0.7],
      ['insurance', 0.4],
      ['warehousing', 0.2],
      ['consolidation', 0.2],
    ],
    channels: [
      ['edi', 3],
      ['web', 4],
      ['sales_rep', 3],
    ],
    cancelRate: 0.03,
    returnRate: 0.01,
    complaintPropensity: 1,
    baseChurnPerYear: 0.1,
    winBackChance: 0.35,
  },
  {
    name: 'cross_border_e_commerce_seller',
    share: 0.22,
    industry: 'E_COMMERCE',
    customerTypes: [['SHIPPER', 1]],
    homes: [
      ['pearlDelta', 60],
      ['yangtzeDelta', 30],
      ['centralChina', 10],
    ],
    lanes: 'export',
    season: 'e_commerce',
    tiers: [
      ['low', 88],
      ['medium', 10],
      ['high', 2],
    ],
    serviceLevels: [
      ['EXPRESS', 45],
      ['STANDARD', 40],
      ['ECONOMY', 15],
    ],
    modes: [
      ['AIR', 55],
      ['SEA', 40],
      ['RAIL', 5],
    ],
    valueAddedServices: [
      ['door_to_door', 0.6],
      ['warehousing', 0.35],
      ['packaging', 0.3],
      ['customs_clearance', 0.5],
      ['insurance', 0.15],
    ],
    channels: [
      ['api', 5],
      ['web', 3],
      ['mobile', 2],
    ],
    cancelRate: 0.06,
    returnRate: 0.07,
    complaintPropensity: 1.4,
    baseChurnPerYear: 0.25,
    winBackChance: 0.25,
  },
  {
    name: 'retail_importer',
    share: 0.12,
    industry: 'RETAIL',
    customerTypes: [['CARGO_OWNER', 1]],
    homes: [
      ['california', 25],
      ['newYork', 10],
      ['hamburg', 20],
      ['rotterdam', 15],
      ['england', 12],
      ['japan', 8],
      ['korea', 5],
      ['singapore', 5],
    ],
    lanes: 'import',
    season: 'retail_import',
    tiers: [
      ['low', 60],
      ['medium', 30],
      ['high', 10],
    ],
    serviceLevels: [
      ['STANDARD', 55],
      ['ECONOMY', 35],
      ['EXPRESS', 10],
    ],
    modes: [
      ['SEA', 85],
      ['AIR', 10],
      ['RAIL', 5],
    ],
    valueAddedServices: [
      ['customs_clearance', 0.8],
      ['insurance', 0.5],
      ['cold_chain', 0.1],
      ['door_to_door', 0.3],
    ],
    channels: [
      ['edi', 5],
      ['web', 3],
      ['sales_rep', 2],
    ],
    cancelRate: 0.03,
    returnRate: 0.03,
    complaintPropensity: 1,
    baseChurnPerYear: 0.12,
    winBackChance: 0.3,
  },
  {
    name: 'domestic_retail_chain',
    share: 0.14,
    industry: 'RETAIL',
    customerTypes: [['SHIPPER', 1]],
    homes: chineseHomes,
    lanes: 'domestic',
    season: 'domestic_retail',
    tiers: [
      ['low', 70],
      ['medium', 25],
      ['high', 5],
    ],
    serviceLevels: [
      ['EXPRESS', 30],
      ['STANDARD', 55],
      ['ECONOMY', 15],
    ],
    modes: [
      ['ROAD', 80],
      ['RAIL', 20],
    ],
    valueAddedServices: [
      ['cold_chain', 0.25],
      ['door_to_door', 0.5],
      ['warehousing', 0.3],
    ],
    channels: [
      ['api', 3],
      ['web', 4],
      ['mobile', 3],
    ],
    cancelRate: 0.05,
    returnRate: 0.05,
    complaintPropensity: 1.2,
    baseChurnPerYear: 0.18,
    winBackChance: 0.3,
  },
  {
    name: 'freight_forwarder',
    share: 0.14,
    industry: 'OTHER',
    customerTypes: [['FORWARDER', 1]],
    homes: [
      ['yangtzeDelta', 25],
      ['pearlDelta', 20],
      ['bohaiRim', 15],
      ['singapore', 10],
      ['hongKong', 10],
      ['hamburg', 10],
      ['california', 10],
    ],
    lanes: 'export',
    season: 'shipping',
    tiers: [
      ['low', 60],
      ['medium', 30],
      ['high', 10],
    ],
    serviceLevels: [
      ['STANDARD', 60],
      ['ECONOMY', 30],
      ['EXPRESS', 10],
    ],
    modes: [
      ['SEA', 70],
      ['AIR', 20],
      ['RAIL', 10],
    ],
    valueAddedServices: [
      ['consolidation', 0.5],
      ['customs_clearance', 0.6],
      ['warehousing', 0.3],
    ],
    channels: [
      ['edi', 6],
      ['api', 3],
      ['web', 1],
    ],
    cancelRate: 0.04,
    returnRate: 0.005,
    complaintPropensity: 0.8,
    baseChurnPerYear: 0.16,
    winBackChance: 0.4,
  },
  {
    name: 'shipping_agent',
    share: 0.07,
    industry: 'OTHER',
    customerTypes: [['AGENT', 1]],
    homes: [
      ['yangtzeDelta', 25],
      ['pearlDelta', 15],
      ['bohaiRim', 10],
      ['singapore', 20],
      ['hongKong', 15],
      ['korea', 15],
    ],
    lanes: 'port',
    season: 'shipping',
    tiers: [
      ['low', 60],
      ['medium', 33],
      ['high', 7],
    ],
    serviceLevels: [
      ['STANDARD', 70],
      ['EXPRESS', 20],
      ['ECONOMY', 10],
    ],
    modes: [['SEA', 1]],
    valueAddedServices: [
      ['customs_clearance', 0.6],
      ['warehousing', 0.2],
    ],
    channels: [
      ['edi', 5],
      ['web', 5],
    ],
    cancelRate: 0.05,
    returnRate: 0,
    complaintPropensity: 0.7,
    baseChurnPerYear: 0.1,
    winBackChance: 0.35,
  },
  {
    name: 'shipping_line',
    share: 0.03,
    industry: 'OTHER',
    customerTypes: [['SHIPPING_LINE', 1]],
    homes: [
      ['yangtzeDelta', 35],
      ['singapore', 20],
      ['hamburg', 15],
      ['korea', 10],
      ['japan', 10],
      ['hongKong', 10],
    ],
    lanes: 'port',
    season: 'shipping',
    tiers: [
      ['high', 60],
      ['medium', 35],
      ['low', 5],
    ],
    serviceLevels: [
      ['STANDARD', 80],
      ['EXPRESS', 20],
    ],
    modes: [['SEA', 1]],
    valueAddedServices: [['warehousing', 0.3]],
    channels: [['edi', 1]],
    cancelRate: 0.02,
    returnRate: 0,
    complaintPropensity: 0.5,
    baseChurnPerYear: 0.04,
    winBackChance: 0.6,
  },
];

/**
 * A year of ordinary activity per value tier, in CNY, and its number of orders: median and spread,
 * clamped so that a full year lands in the tier under the pipeline's default thresholds
 * (VALUE_TIER_MEDIUM_ENTER 20,000 and VALUE_TIER_HIGH_ENTER 100,000).
 */
export const tierEconomics: Record<
  ValueTier,
  {
    revenue: readonly [median: number, sigma: number, min: number, max: number];
    orders: readonly [median: number, sigma: number, min: number, max: number];
  }
> = {
  low: { revenue: [7_000, 0.5, 1_500, 15_000], orders: [10, 0.5, 3, 30] },
  medium: { revenue: [45_000, 0.35, 26_000, 85_000], orders: [36, 0.4, 12, 90] },
  high: { revenue: [350_000, 0.9, 140_000, 5_000_000], orders: [150, 0.5, 60, 700] },
};

/** What a service level costs relative to standard. */
export const servicePrice: Record<ServiceLevel, number> = { EXPRESS: 1.6, STANDARD: 1, ECONOMY: 0.75 };

/** How often a shipment arrives late, by mode, before a customer's lane and the season weigh in. */
export const lateRate: Record<TransportMode, number> = { SEA: 0.16, RAIL: 0.14, AIR: 0.07, ROAD: 0.09 };
/** Mean days late when late. */
export const meanDelayDays: Record<TransportMode, number> = { SEA: 4, RAIL: 3, AIR: 1, ROAD: 0.8 };
export const lossRate: Record<TransportMode, number> = { SEA: 0.002, RAIL: 0.002, AIR: 0.001, ROAD: 0.003 };
export const damageRate: Record<TransportMode, number> = { SEA: 0.01, RAIL: 0.012, AIR: 0.006, ROAD: 0.012 };
