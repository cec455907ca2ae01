// Every tunable of the independent generator, in one place, so BRIEF.md can quote them and a
// reader can judge the data without reading the code. Days are days of the span (day 0 = start).
import type { CustomerType, Industry, ServiceLevel, TransportMode } from '@segmentation/contracts';

export const BEHAVIOURS = [
  'steady',
  'large_steady',
  'seasonal_pauser',
  'infrequent',
  'gradual_shift',
  'service_incident',
  'won_back',
] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

/** Share of customers per behaviour (sums to 1). Never-churners: steady + large + seasonal + 75% of infrequent ≈ 61%. */
export const BEHAVIOUR_MIX: Readonly<Record<Behaviour, number>> = {
  steady: 0.34,
  large_steady: 0.06,
  seasonal_pauser: 0.1,
  infrequent: 0.13,
  gradual_shift: 0.15,
  service_incident: 0.12,
  won_back: 0.1,
};

export const INDUSTRY_MIX: Readonly<Record<Behaviour, ReadonlyArray<readonly [Industry, number]>>> = {
  steady: [
    ['MANUFACTURING', 0.35],
    ['RETAIL', 0.25],
    ['E_COMMERCE', 0.25],
    ['OTHER', 0.15],
  ],
  large_steady: [
    ['E_COMMERCE', 0.5],
    ['RETAIL', 0.25],
    ['MANUFACTURING', 0.2],
    ['OTHER', 0.05],
  ],
  seasonal_pauser: [
    ['MANUFACTURING', 0.45],
    ['OTHER', 0.35],
    ['RETAIL', 0.2],
  ],
  infrequent: [
    ['MANUFACTURING', 0.5],
    ['OTHER', 0.4],
    ['RETAIL', 0.1],
  ],
  gradual_shift: [
    ['MANUFACTURING', 0.35],
    ['RETAIL', 0.25],
    ['E_COMMERCE', 0.25],
    ['OTHER', 0.15],
  ],
  service_incident: [
    ['MANUFACTURING', 0.35],
    ['RETAIL', 0.25],
    ['E_COMMERCE', 0.25],
    ['OTHER', 0.15],
  ],
  won_back: [
    ['MANUFACTURING', 0.35],
    ['RETAIL', 0.25],
    ['E_COMMERCE', 0.25],
    ['OTHER', 0.15],
  ],
};

/** Designed median gap between order days, per behaviour: [days, weight]; jittered ×0.85–1.2 when ≥ 2. */
export const GAP_CHOICES: Readonly<Record<Behaviour, ReadonlyArray<readonly [number, number]>>> = {
  steady: [
    [1, 0.03],
    [2, 0.07],
    [3, 0.1],
    [5, 0.14],
    [7, 0.22],
    [10, 0.12],
    [14, 0.16],
    [21, 0.08],
    [30, 0.08],
  ],
  large_steady: [
    [1, 0.4],
    [2, 0.4],
    [3, 0.2],
  ],
  seasonal_pauser: [
    [2, 0.15],
    [3, 0.2],
    [5, 0.2],
    [7, 0.25],
    [14, 0.2],
  ],
  infrequent: [
    [30, 0.2],
    [45, 0.25],
    [60, 0.25],
    [90, 0.2],
    [120, 0.1],
  ],
  gradual_shift: [
    [1, 0.1],
    [2, 0.15],
    [3, 0.2],
    [5, 0.2],
    [7, 0.2],
    [14, 0.15],
  ],
  service_incident: [
    [2, 0.15],
    [3, 0.15],
    [5, 0.2],
    [7, 0.25],
    [14, 0.15],
    [21, 0.1],
  ],
  won_back: [
    [2, 0.15],
    [3, 0.2],
    [5, 0.2],
    [7, 0.25],
    [14, 0.2],
  ],
};
export const GAP_JITTER = [0.85, 1.2] as const;
/** Spread (log-normal sigma) of the gaps, in activity time: bursty, not clockwork. */
export const GAP_SIGMA = { large_steady: [0.3, 0.5], infrequent: [0.4, 0.8], other: [0.35, 0.75] } as const;
/** Extra orders on an order day (Poisson mean, scaled by the day's activity): large accounts place several a day. */
export const EXTRA_ORDERS = {
  large: { median: 0.35, sigma: 0.8, min: 0.1, max: 4 },
  daily: { median: 0.4, sigma: 0.6, max: 2 },
  other: 0.08,
} as const;
/** Weekly demand noise: log level follows AR(1) with this persistence and innovation sd. */
export const DEMAND_PERSISTENCE = 0.6;
export const DEMAND_SD = { large_steady: 0.15, infrequent: 0.2, other: 0.22 } as const;
/** Slow growth or shrinkage of the order rate, log per year (not a churn: within normal business). */
export const TREND_PER_YEAR = [-0.15, 0.3] as const;

/** Median CNY per order: log-normal around `median × gap^exponent` (bigger orders for rarer shippers). */
export const ORDER_SIZE = {
  regular: { median: 2500, gapExponent: 0.55, sigma: 0.7, min: 300, max: 200_000 },
  large_steady: { median: 4000, gapExponent: 0, sigma: 0.6, min: 800, max: 40_000 },
  infrequent: { median: 60_000, gapExponent: 0, sigma: 0.8, min: 8_000, max: 600_000 },
} as const;
/** Per-order spread around the customer's median (log-normal sigma). */
export const ORDER_AMOUNT_SIGMA = [0.3, 0.6] as const;
export const SERVICE_LEVEL_FACTOR: Readonly<Record<ServiceLevel, number>> = { EXPRESS: 1.5, STANDARD: 1, ECONOMY: 0.75 };
export const INTERNATIONAL_FACTOR = 1.8;

/** Customers who sign up inside the span (others signed up 30–2500 days before it). */
export const SIGNUP_IN_SPAN: Readonly<Partial<Record<Behaviour, number>>> = { steady: 0.1, infrequent: 0.08, seasonal_pauser: 0.05 };
export const SIGNUP_DAY_RANGE = { firstDay: 14, lastBeforeEnd: 150 } as const;
export const SIGNED_UP_BEFORE_DAYS = [30, 2500] as const;

// ---- Leaving and coming back --------------------------------------------------------------
export const INFREQUENT_QUIET_EXIT_SHARE = 0.25;
/** A leaver has at least this many orders before its exit begins (the exit is moved later if needed). */
export const MIN_HISTORY_ORDERS = 3;
/** Days of the span in which churn (the stop) may fall: spread uniformly, most with > 60 days of silence after. */
export const STOP_WINDOW = { firstDay: 60, lastBeforeEnd: 15 } as const;
export const GRADUAL_FADE_DAYS = [30, 180] as const;
export const GRADUAL_FADE_SHAPE = [0.7, 2] as const; // keep probability (1 - progress)^shape
export const GRADUAL_SHRINK = { share: 0.65, amount: [0.3, 0.7] as const } as const;
export const INCIDENT_KINDS: ReadonlyArray<readonly ['lost' | 'damaged' | 'late_streak' | 'bad_handling', number]> = [
  ['lost', 0.25],
  ['damaged', 0.25],
  ['late_streak', 0.3],
  ['bad_handling', 0.2],
];
export const INCIDENT_WINDOW = { firstDay: 45, lastBeforeEnd: 20 } as const;
export const INCIDENT_STREAK = [3, 5] as const;
export const INCIDENT_HIGH_VALUE = [3, 6] as const; // amount multiplier of the lost/damaged order
export const INCIDENT_EXTRA_ORDERS: ReadonlyArray<readonly [number, number]> = [
  [0, 0.4],
  [1, 0.35],
  [2, 0.25],
];
export const INCIDENT_EXTRA_WITHIN_DAYS = 45;
export const WON_BACK_CAUSES: ReadonlyArray<readonly ['gradual_shift' | 'service_incident' | 'quiet_exit', number]> = [
  ['gradual_shift', 0.4],
  ['service_incident', 0.3],
  ['quiet_exit', 0.3],
];
export const WON_BACK_SILENCE_DAYS = [90, 240] as const;
export const WON_BACK_FADE_DAYS = [30, 120] as const;
export const WON_BACK_KEEP_RATE = [0.6, 1] as const;
export const WON_BACK_RETURN_BEFORE_END = 30;

// ---- Seasonal pauses ----------------------------------------------------------------------
/** Archetypes: start as month/day (or days after Spring Festival), ± jitter, length range in days. */
export const PAUSE_ARCHETYPES = [
  { name: 'summer_shutdown', month: 7, day: 10, jitter: 10, length: [28, 56] },
  { name: 'extended_spring_festival', springFestivalOffset: -10, jitter: 4, length: [35, 60] },
  { name: 'harvest_cycle', month: 4, day: 20, jitter: 15, length: [30, 60] },
  { name: 'winter_off_season', month: 12, day: 10, jitter: 10, length: [40, 70] },
] as const;
export const PAUSE_YEARLY_JITTER = { startDays: 5, length: 0.15 } as const;

// ---- Business calendar (multipliers of the order rate; later normalised to a mean of 1) ----
export const SPRING_FESTIVAL: Readonly<Record<number, string>> = {
  2020: '2020-01-25',
  2021: '2021-02-12',
  2022: '2022-02-01',
  2023: '2023-01-22',
  2024: '2024-02-10',
  2025: '2025-01-29',
  2026: '2026-02-17',
  2027: '2027-02-06',
  2028: '2028-01-26',
  2029: '2029-02-13',
  2030: '2030-02-03',
  2031: '2031-01-23',
  2032: '2032-02-11',
};
type PerIndustry = Readonly<Record<Industry, number>>;
export const WEEKEND_FACTOR: PerIndustry = { MANUFACTURING: 0.3, RETAIL: 0.6, E_COMMERCE: 0.85, OTHER: 0.45 };
/** Around Spring Festival (offsets in days from its first day): pre-holiday rush, holiday, core, recovery. */
export const SPRING_FESTIVAL_WINDOWS: ReadonlyArray<{ from: number; to: number; factor: PerIndustry }> = [
  { from: -21, to: -8, factor: { MANUFACTURING: 1.3, RETAIL: 1.3, E_COMMERCE: 1.15, OTHER: 1.15 } },
  { from: -7, to: 7, factor: { MANUFACTURING: 0.12, RETAIL: 0.15, E_COMMERCE: 0.25, OTHER: 0.12 } },
  { from: -2, to: 4, factor: { MANUFACTURING: 0.3, RETAIL: 0.3, E_COMMERCE: 0.4, OTHER: 0.3 } }, // on top: the core days
  { from: 8, to: 18, factor: { MANUFACTURING: 0.55, RETAIL: 0.6, E_COMMERCE: 0.75, OTHER: 0.55 } },
];
/** Fixed-date windows [month, day] to [month, day], both included. */
export const DATE_WINDOWS: ReadonlyArray<{
  name: string;
  from: readonly [number, number];
  to: readonly [number, number];
  factor: Partial<PerIndustry>;
}> = [
  { name: 'labour_day', from: [5, 1], to: [5, 5], factor: { MANUFACTURING: 0.55, RETAIL: 0.7, E_COMMERCE: 0.8, OTHER: 0.55 } },
  { name: 'golden_week', from: [10, 1], to: [10, 7], factor: { MANUFACTURING: 0.25, RETAIL: 0.35, E_COMMERCE: 0.5, OTHER: 0.25 } },
  { name: '618_build_up', from: [5, 25], to: [6, 18], factor: { E_COMMERCE: 1.35, RETAIL: 1.1 } },
  { name: '1111_build_up', from: [10, 15], to: [11, 11], factor: { E_COMMERCE: 1.7, RETAIL: 1.2 } },
  { name: 'post_1111_slump', from: [11, 12], to: [11, 25], factor: { E_COMMERCE: 0.85 } },
  { name: 'double_12', from: [12, 1], to: [12, 12], factor: { E_COMMERCE: 1.2 } },
  { name: 'export_peak_season', from: [8, 1], to: [9, 30], factor: { RETAIL: 1.2, MANUFACTURING: 1.1 } },
  { name: 'manufacturing_summer_lull', from: [7, 1], to: [8, 31], factor: { MANUFACTURING: 0.8 } },
  { name: 'year_end_push', from: [11, 15], to: [12, 25], factor: { MANUFACTURING: 1.1 } },
];
/** Hour of day an order is placed (local time): normal(mean, sd), clipped to the day. */
export const ORDER_HOUR: PerIndustry = { MANUFACTURING: 11.5, RETAIL: 13, E_COMMERCE: 15, OTHER: 12 };
export const ORDER_HOUR_SD: PerIndustry = { MANUFACTURING: 2.8, RETAIL: 3.2, E_COMMERCE: 4.5, OTHER: 3 };

// ---- Service: fulfilment outcomes and complaints --------------------------------------------
export const CANCEL_PROBABILITY = 0.025;
export const RETURN_PROBABILITY = { normal: 0.015, damaged: 0.3 } as const;
export const FAILURE_PROBABILITY = {
  normal: { late: 0.08, damaged: 0.006, lost: 0.0015 },
  badWeek: { late: 0.45, damaged: 0.08, lost: 0.005 },
} as const;
export const DELAYED_EVENT_PROBABILITY = 0.6; // a late shipment is announced as DELAYED before delivery
export const COMPLAINT_PROBABILITY = {
  normal: { late: 0.1, damaged: 0.55, lost: 0.85 },
  badWeek: { late: 0.25, damaged: 0.7, lost: 0.9 },
} as const;
export const BAD_WEEKS_PER_YEAR: Readonly<Partial<Record<Behaviour, number>>> = { large_steady: 1.5, steady: 0.6 };
export const BAD_WEEKS_OTHERS_PER_YEAR = 0.3;
/** Complaints without a service failure (billing, attitude, other), per customer per active year. */
export const STANDALONE_COMPLAINTS_PER_YEAR = 0.25;
export const STANDALONE_CATEGORIES = [
  ['BILLING', 0.6],
  ['SERVICE_ATTITUDE', 0.25],
  ['OTHER', 0.15],
] as const;
export const ESCALATION_PROBABILITY = { LOW: 0.05, MEDIUM: 0.15, HIGH: 0.35, CRITICAL: 0.6 } as const;
export const RESOLUTION_DAYS = { normal: [1, 14], angry: [2, 10], mishandled: [15, 30] } as const;
export const SATISFACTION = {
  normal: [
    [1, 0.05],
    [2, 0.12],
    [3, 0.28],
    [4, 0.35],
    [5, 0.2],
  ],
  angry: [
    [1, 0.6],
    [2, 0.4],
  ],
  mishandled: [[1, 1]],
} as const;
export const NPS_ANSWERED = { normal: 0.35, angry: 0.75, mishandled: 0.9 } as const;
export const NPS_NORMAL = { mean: 7.5, sd: 2 } as const;
export const NPS_DETRACTOR = { angry: [0, 4], mishandled: [0, 2] } as const;

/** Hours from order to pickup, and from pickup to departure. */
export const PICKUP_HOURS: Readonly<Record<ServiceLevel, readonly [number, number]>> = {
  EXPRESS: [2, 8],
  STANDARD: [4, 30],
  ECONOMY: [8, 40],
};
export const DEPARTURE_HOURS = [1, 10] as const;
/** Quoted transit (order to promised delivery), hours, by mode and lane reach. */
export const TRANSIT_HOURS = {
  ROAD: { domestic: [30, 96], near: [72, 168], far: [96, 192] },
  AIR: { domestic: [20, 48], near: [36, 96], far: [60, 144] },
  RAIL: { domestic: [48, 120], near: [240, 400], far: [336, 576] },
  SEA: { domestic: [96, 240], near: [120, 300], far: [432, 960] },
} as const satisfies Record<TransportMode, Record<'domestic' | 'near' | 'far', readonly [number, number]>>;
export const EXPRESS_TRANSIT_FACTOR = 0.6;

// ---- Who the customers are, and where they ship --------------------------------------------
export const CUSTOMER_TYPES: ReadonlyArray<readonly [CustomerType, number]> = [
  ['SHIPPER', 0.35],
  ['CARGO_OWNER', 0.3],
  ['FORWARDER', 0.2],
  ['AGENT', 0.12],
  ['SHIPPING_LINE', 0.03],
];
/** Customer's home country → its currencies. Most customers are Chinese and pay CNY. */
export const HOME_COUNTRIES: ReadonlyArray<readonly [string, number, ReadonlyArray<readonly [string, number]>]> = [
  [
    'CN',
    0.86,
    [
      ['CNY', 0.92],
      ['USD', 0.08],
    ],
  ],
  [
    'HK',
    0.05,
    [
      ['HKD', 0.7],
      ['USD', 0.3],
    ],
  ],
  ['SG', 0.02, [['USD', 1]]],
  ['DE', 0.03, [['EUR', 1]]],
  ['US', 0.02, [['USD', 1]]],
  ['NL', 0.02, [['EUR', 1]]],
];
export const CN_REGIONS = [
  'Guangdong',
  'Zhejiang',
  'Jiangsu',
  'Shanghai',
  'Shandong',
  'Fujian',
  'Beijing',
  'Tianjin',
  'Hubei',
  'Sichuan',
  'Henan',
  'Hebei',
  'Anhui',
  'Liaoning',
  'Chongqing',
] as const;
export const ACCOUNT_MANAGERS = ['Zhang Wei', 'Li Na', 'Wang Fang', 'Liu Yang', 'Chen Jing', 'Zhao Lei', 'Huang Min', 'Zhou Tao'] as const;
export const NO_ACCOUNT_MANAGER = 0.1;
export const CHANNELS = ['web', 'api', 'edi', 'sales', 'wechat'] as const;
export const OWN_CHANNEL_SHARE = 0.85;
/** Foreign trade partners by reach: near Asia, Europe / Central Asia (rail-reachable), far. */
export const PARTNERS = {
  near: ['JP', 'KR', 'VN', 'TH', 'MY', 'SG', 'ID', 'PH', 'HK'],
  rail: ['DE', 'NL', 'GB', 'FR', 'IT', 'PL', 'ES', 'RU', 'KZ'],
  far: ['US', 'CA', 'MX', 'BR', 'AU', 'AE', 'SA', 'IN', 'ZA', 'CL'],
} as const;
/** Lanes per customer and how a lane is chosen: domestic, export, import. */
export const LANES_PER_CUSTOMER = [1, 4] as const;
export const LANE_KIND = [
  ['domestic', 0.45],
  ['export', 0.45],
  ['import', 0.1],
] as const;
export const PARTNER_REACH = [
  ['near', 0.4],
  ['rail', 0.3],
  ['far', 0.3],
] as const;
/** UN/LOCODEs of the ports and airports used (ports for SEA, RAIL and AIR legs; ROAD has none). */
export const PORTS: Readonly<Record<string, readonly string[]>> = {
  CN: ['CNSHA', 'CNNGB', 'CNYTN', 'CNSHK', 'CNTAO', 'CNTXG', 'CNXMN', 'CNDLC'],
  HK: ['HKHKG'],
  JP: ['JPTYO', 'JPYOK', 'JPOSA'],
  KR: ['KRPUS', 'KRINC'],
  VN: ['VNSGN', 'VNHPH'],
  TH: ['THLCH'],
  MY: ['MYPKG'],
  SG: ['SGSIN'],
  ID: ['IDJKT'],
  PH: ['PHMNL'],
  DE: ['DEHAM', 'DEDUI'],
  NL: ['NLRTM'],
  GB: ['GBFXT'],
  FR: ['FRLEH'],
  IT: ['ITGOA'],
  PL: ['PLGDN'],
  ES: ['ESVLC'],
  RU: ['RUVVO', 'RUMOW'],
  KZ: ['KZALA'],
  US: ['USLAX', 'USLGB', 'USNYC'],
  CA: ['CAVAN'],
  MX: ['MXZLO'],
  BR: ['BRSSZ'],
  AU: ['AUSYD', 'AUMEL'],
  AE: ['AEJEA'],
  SA: ['SAJED'],
  IN: ['INNSA'],
  ZA: ['ZADUR'],
  CL: ['CLSAI'],
};
/** Transport mode per service level: domestic, and international by reach. */
export const MODE_MIX: Readonly<
  Record<'domestic' | 'near' | 'rail' | 'far', Readonly<Record<ServiceLevel, ReadonlyArray<readonly [TransportMode, number]>>>>
> = {
  domestic: {
    EXPRESS: [
      ['ROAD', 0.7],
      ['AIR', 0.3],
    ],
    STANDARD: [
      ['ROAD', 0.9],
      ['RAIL', 0.1],
    ],
    ECONOMY: [
      ['ROAD', 0.7],
      ['RAIL', 0.3],
    ],
  },
  near: {
    EXPRESS: [['AIR', 1]],
    STANDARD: [
      ['SEA', 0.7],
      ['AIR', 0.2],
      ['ROAD', 0.1],
    ],
    ECONOMY: [['SEA', 1]],
  },
  rail: {
    EXPRESS: [['AIR', 1]],
    STANDARD: [
      ['SEA', 0.5],
      ['RAIL', 0.4],
      ['AIR', 0.1],
    ],
    ECONOMY: [
      ['SEA', 0.7],
      ['RAIL', 0.3],
    ],
  },
  far: {
    EXPRESS: [['AIR', 1]],
    STANDARD: [
      ['SEA', 0.8],
      ['AIR', 0.2],
    ],
    ECONOMY: [['SEA', 1]],
  },
};
/** Customer-level service-level preference (weights EXPRESS/STANDARD/ECONOMY) by industry. */
export const SERVICE_MIX: Readonly<Record<Industry, readonly [number, number, number]>> = {
  E_COMMERCE: [0.5, 0.4, 0.1],
  RETAIL: [0.25, 0.55, 0.2],
  MANUFACTURING: [0.1, 0.5, 0.4],
  OTHER: [0.15, 0.5, 0.35],
};
/** CNY of freight per kg by mode (weight = amount / price, with noise), and cargo density kg/m³. */
export const PRICE_PER_KG: Readonly<Record<TransportMode, number>> = { ROAD: 1.5, RAIL: 3, SEA: 0.8, AIR: 25 };
export const DENSITY_KG_PER_M3 = [120, 350] as const;
export const MISSING_MEASURE = 0.04;
export const VALUE_ADDED_SERVICES = [
  'customs_clearance',
  'insurance',
  'warehousing',
  'cold_chain',
  'packaging',
  'door_to_door',
  'dangerous_goods',
  'palletising',
  'cargo_inspection',
  'fumigation',
] as const;
export const VAS_PER_CUSTOMER = [0, 3] as const;
export const VAS_USE = [0.3, 0.9] as const;
export const CUSTOMS_ON_INTERNATIONAL = 0.8;
