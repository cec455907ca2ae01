import { anOrder, type Order } from '@segmentation/contracts';

// A small, fixed cast of logistics customers for the sample feed and the tests.
const CUSTOMERS = [
  { id: 'C-SH-001', origin: 'CN', dest: 'DE', currency: 'CNY', typical: 28_000 }, // manufacturer, Shanghai → Hamburg
  { id: 'C-NB-002', origin: 'CN', dest: 'US', currency: 'USD', typical: 4_000 },  // e-commerce, Ningbo → Los Angeles
  { id: 'C-SZ-003', origin: 'CN', dest: 'SG', currency: 'CNY', typical: 6_000 },  // retailer, Shenzhen → Singapore
  { id: 'C-QD-004', origin: 'CN', dest: 'JP', currency: 'CNY', typical: 1_500 },  // small shipper, Qingdao → Osaka
  { id: 'C-TJ-005', origin: 'CN', dest: 'KR', currency: 'USD', typical: 900 },    // forwarder, Tianjin → Busan
] as const;

const LEVELS = ['EXPRESS', 'STANDARD', 'ECONOMY'] as const;

/** The n-th order of the sample feed: deterministic customers and amounts, live event time. */
export function sampleOrder(n: number, eventTime: number): Order {
  const c = CUSTOMERS[n % CUSTOMERS.length]!;
  const factor = 0.5 + ((n * 7919) % 100) / 100; // 0.5 .. 1.49, varied but repeatable
  return anOrder({
    customerId: c.id,
    orderId: `O-${n}`,
    eventId: `sample-${eventTime}-${n}`,
    eventTime,
    amount: Math.round(c.typical * factor * 100) / 100,
    currency: c.currency,
    serviceLevel: LEVELS[n % LEVELS.length]!,
    valueAddedServices: n % 4 === 0 ? ['insurance', 'customs_clearance'] : [],
    originCountry: c.origin,
    destinationCountry: c.dest,
  });
}
