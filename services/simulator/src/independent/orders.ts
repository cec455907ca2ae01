// Turns order days into concrete orders (time of day, lane, service level, mode, amount) and
// orders into the records the order system publishes.
import type { Order, OrderKind, ServiceLevel, TransportMode } from '@segmentation/contracts';
import { DAY_MS } from './calendar.ts';
import type { CustomerPlan, Lane } from './plan.ts';
import type { OrderDay } from './process.ts';
import type { Rng } from './rng.ts';
import * as S from './settings.ts';

export interface PlannedOrder {
  seq: number;
  orderId: string;
  time: number;
  amountCny: number;
  lane: Lane;
  serviceLevel: ServiceLevel;
  mode: TransportMode;
  valueAddedServices: string[];
  channel: string;
  /** Noise of the measures, kept so a changed amount (a fading or high-value order) changes the weight with it. */
  weightNoise: number;
  densityKgPerM3: number;
  hasWeight: boolean;
  hasVolume: boolean;
}

const SERVICE_LEVELS: readonly ServiceLevel[] = ['EXPRESS', 'STANDARD', 'ECONOMY'];

export function buildOrders(plan: CustomerPlan, orderDays: readonly OrderDay[], startMs: number, rng: Rng): PlannedOrder[] {
  const hourMean = S.ORDER_HOUR[plan.industry];
  const hourSd = S.ORDER_HOUR_SD[plan.industry];
  const laneEntries = plan.lanes.map((l) => [l, l.weight] as const);
  const serviceEntries = SERVICE_LEVELS.map((s, i) => [s, plan.serviceMix[i] ?? 0] as const);
  const orders: PlannedOrder[] = [];
  for (const { day, orders: count } of orderDays) {
    const times: number[] = [];
    for (let k = 0; k < count; k++) {
      const hour = Math.min(23.99, Math.max(0.05, hourMean + hourSd * rng.normal()));
      times.push(startMs + day * DAY_MS + Math.round(hour * 3600) * 1000);
    }
    for (const time of times.sort((a, b) => a - b)) {
      const lane = rng.weighted(laneEntries);
      const serviceLevel = rng.weighted(serviceEntries);
      const international = lane.reach !== 'domestic';
      const vas = plan.valueAddedServices.filter((v) => rng.chance(v.use)).map((v) => v.name);
      if (international && !vas.includes('customs_clearance') && rng.chance(S.CUSTOMS_ON_INTERNATIONAL)) vas.push('customs_clearance');
      orders.push({
        seq: orders.length + 1,
        orderId: '',
        time,
        amountCny:
          plan.medianAmountCny *
          Math.exp(plan.amountSigma * rng.normal()) *
          (international ? S.INTERNATIONAL_FACTOR : 1) *
          S.SERVICE_LEVEL_FACTOR[serviceLevel],
        lane,
        serviceLevel,
        mode: rng.weighted(S.MODE_MIX[lane.reach][serviceLevel]),
        valueAddedServices: vas,
        channel: rng.chance(S.OWN_CHANNEL_SHARE) ? plan.channel : rng.pick(S.CHANNELS),
        weightNoise: rng.lognormal(1, 0.2),
        densityKgPerM3: rng.uniform(S.DENSITY_KG_PER_M3[0], S.DENSITY_KG_PER_M3[1]),
        hasWeight: !rng.chance(S.MISSING_MEASURE),
        hasVolume: !rng.chance(S.MISSING_MEASURE),
      });
    }
  }
  for (const o of orders) o.orderId = `${plan.customerId}-ORD-${String(o.seq).padStart(5, '0')}`;
  return orders;
}

const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;

/** The order-system record of an order (placed, cancelled or returned: same order id and amount). */
export function orderRecord(
  plan: CustomerPlan,
  o: PlannedOrder,
  kind: OrderKind,
  eventTime: number,
  rates: Readonly<Record<string, number>>,
): Order {
  const rate = rates[plan.currency];
  if (rate === undefined) throw new Error(`no rate for ${plan.currency}`);
  const weightKg = Math.max(0.1, round((o.amountCny / S.PRICE_PER_KG[o.mode]) * o.weightNoise, 1));
  return {
    eventId: `${o.orderId}:${kind.toLowerCase()}`,
    customerId: plan.customerId,
    orderId: o.orderId,
    kind,
    eventTime,
    amount: round(o.amountCny / rate, 2),
    currency: plan.currency,
    serviceLevel: o.serviceLevel,
    valueAddedServices: o.valueAddedServices,
    weightKg: o.hasWeight ? weightKg : null,
    volumeM3: o.hasVolume ? Math.max(0.01, round(weightKg / o.densityKgPerM3, 2)) : null,
    originCountry: o.lane.originCountry,
    originRegion: o.lane.originRegion,
    destinationCountry: o.lane.destinationCountry,
    destinationRegion: o.lane.destinationRegion,
    channel: o.channel,
  };
}

/** Hours as milliseconds, rounded to the second like the source systems' timestamps. */
export const hours = (h: number): number => Math.round(h * 3600) * 1000;
