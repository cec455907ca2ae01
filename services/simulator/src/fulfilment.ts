// What happens after an order is placed: the shipment's journey (picked up, in transit, delayed,
// delivered, damaged, lost), returns, and the complaints that bad journeys cause. Everything is
// planned at placement with its future times; the customer releases each record when its
// simulated day comes, and only then does the customer feel it (see `Impact`).
import type {
  ComplaintCategory,
  ComplaintSeverity,
  Order,
  ServiceLevel,
  Shipment,
  ShipmentStatus,
  TransportMode,
} from '@segmentation/contracts';
import { DAY_MS, HOUR_MS } from './calendar.ts';
import { damageRate, lateRate, lossRate, meanDelayDays, seaDays } from './catalogue.ts';
import type { CustomerTraits } from './population.ts';
import type { Random } from './random.ts';
import type { Impact, SourceRecord } from './records.ts';

/** What fulfilment needs from the customer it works for. */
export interface Planner {
  readonly traits: CustomerTraits;
  readonly random: Random;
  nextEventId(): string;
  nextId(prefix: 'O' | 'S' | 'K'): string;
  schedule(time: number, record: SourceRecord, impact?: Impact): void;
}

export interface Journey {
  mode: TransportMode;
  serviceLevel: ServiceLevel;
  originPort: string | null;
  destinationPort: string | null;
  /** Days from order to promised delivery. */
  promisedDays: number;
  /** Multiplies the chance of a late delivery: congestion at peak season and around Spring Festival. */
  congestion: number;
}

/** Door-to-door days a service level promises for a mode on a lane. */
export function promisedDays(mode: TransportMode, level: ServiceLevel, from: string, to: string): number {
  const base = mode === 'SEA' ? seaDays(from, to) : mode === 'RAIL' ? (from === to ? 4 : 20) : mode === 'AIR' ? 4 : 2;
  const adjust = level === 'EXPRESS' ? (mode === 'SEA' || mode === 'RAIL' ? -3 : -1) : level === 'ECONOMY' ? (mode === 'SEA' ? 6 : 2) : 0;
  return Math.max(1, base + adjust);
}

const pickupHours: Record<ServiceLevel, readonly [number, number]> = { EXPRESS: [2, 12], STANDARD: [6, 36], ECONOMY: [12, 72] };
const departureHours: Record<TransportMode, readonly [number, number]> = { ROAD: [1, 4], AIR: [6, 30], RAIL: [24, 72], SEA: [24, 120] };

function shipmentRecord(
  p: Planner,
  order: Order,
  shipmentId: string,
  journey: Journey,
  fields: {
    status: ShipmentStatus;
    eventTime: number;
    promised: number;
    actual: number | null;
    port: string | null;
  },
): SourceRecord {
  const value: Shipment = {
    eventId: p.nextEventId(),
    customerId: order.customerId,
    shipmentId,
    orderId: order.orderId,
    status: fields.status,
    transportMode: journey.mode,
    eventTime: fields.eventTime,
    promisedDeliveryTime: fields.promised,
    actualDeliveryTime: fields.actual,
    port: fields.port,
    originCountry: order.originCountry,
    destinationCountry: order.destinationCountry,
  };
  return { kind: 'shipment', value };
}

/** Plans the shipment of a placed (not cancelled) order, its return if any, and complaints. */
export function planFulfilment(p: Planner, order: Order, journey: Journey): void {
  const r = p.random;
  const t0 = order.eventTime;
  const shipmentId = p.nextId('S');
  const [pMin, pMax] = pickupHours[journey.serviceLevel];
  const pickedUp = Math.round(t0 + r.between(pMin, pMax) * HOUR_MS);
  const [dMin, dMax] = departureHours[journey.mode];
  const departed = Math.round(pickedUp + r.between(dMin, dMax) * HOUR_MS);
  const promised = Math.max(departed + 6 * HOUR_MS, Math.round(t0 + journey.promisedDays * DAY_MS));
  const ship = (status: ShipmentStatus, eventTime: number, actual: number | null, port: string | null) =>
    shipmentRecord(p, order, shipmentId, journey, { status, eventTime, promised, actual, port });

  p.schedule(pickedUp, ship('PICKED_UP', pickedUp, null, null));
  p.schedule(departed, ship('IN_TRANSIT', departed, null, journey.originPort));

  if (r.chance(lossRate[journey.mode])) {
    const lostAt = Math.round(promised + r.between(3, 10) * DAY_MS);
    p.schedule(lostAt, ship('LOST', lostAt, null, null), { cause: 'damage_or_loss', amount: 4 });
    if (r.chance(Math.min(0.95, 0.7 * p.traits.complaintPropensity))) {
      planComplaint(p, Math.round(lostAt + r.between(2, 48) * HOUR_MS), 'LOSS', r.chance(0.5) ? 'CRITICAL' : 'HIGH', shipmentId);
    }
    return;
  }

  const late = r.chance(Math.min(0.9, lateRate[journey.mode] * p.traits.lateness * journey.congestion));
  const delayDays = late ? 0.25 + r.exponential(meanDelayDays[journey.mode]) : 0;
  const early = late ? 0 : r.between(0, Math.min(journey.promisedDays * 0.15, 2));
  const delivered = Math.max(departed + 2 * HOUR_MS, Math.round(promised + (delayDays - early) * DAY_MS));
  if (late) {
    // The carrier knows before the promised date; the port is where the cargo is held up.
    const noticed = Math.max(departed + HOUR_MS, Math.round(promised - r.between(2, 24) * HOUR_MS));
    p.schedule(noticed, ship('DELAYED', noticed, null, journey.destinationPort));
  }
  p.schedule(
    delivered,
    ship('DELIVERED', delivered, delivered, journey.destinationPort),
    late ? { cause: 'late_deliveries', amount: delayDays > 3 ? 2 : 1 } : undefined,
  );

  let returnChance = p.traits.returnRate;
  if (r.chance(damageRate[journey.mode] * (order.valueAddedServices.includes('cold_chain') ? 2 : 1))) {
    const found = Math.round(delivered + r.between(1, 8) * HOUR_MS);
    p.schedule(found, ship('DAMAGED', found, delivered, journey.destinationPort), { cause: 'damage_or_loss', amount: 2 });
    if (r.chance(Math.min(0.9, 0.55 * p.traits.complaintPropensity))) {
      planComplaint(p, Math.round(found + r.between(2, 48) * HOUR_MS), 'DAMAGE', r.chance(0.3) ? 'HIGH' : 'MEDIUM', shipmentId);
    }
    returnChance = Math.min(0.9, returnChance * 4 + 0.1);
  } else if (late && r.chance(Math.min(0.8, p.traits.complaintPropensity * (0.1 + 0.06 * delayDays)))) {
    const severity: ComplaintSeverity = delayDays > 7 ? 'HIGH' : delayDays > 2 ? 'MEDIUM' : 'LOW';
    planComplaint(p, Math.round(delivered + r.between(2, 48) * HOUR_MS), 'DELAY', severity, shipmentId);
  }

  if (r.chance(returnChance)) {
    // 退货: the consignee sends the goods back; the order is returned in full.
    const returnedAt = Math.round(delivered + r.between(2, 14) * DAY_MS);
    p.schedule(returnedAt, { kind: 'order', value: { ...order, eventId: p.nextEventId(), kind: 'RETURNED', eventTime: returnedAt } });
    const backAt = Math.round(returnedAt + r.between(1, 3) * DAY_MS);
    p.schedule(backAt, ship('RETURNED', backAt, null, journey.originPort));
  }
}

/** Opened → (escalated) → resolved, with satisfaction and sometimes an NPS answer. */
export function planComplaint(
  p: Planner,
  openedAt: number,
  category: ComplaintCategory,
  severity: ComplaintSeverity,
  shipmentId: string | null,
): void {
  const r = p.random;
  const complaintId = p.nextId('K');
  const record = (
    action: 'OPENED' | 'ESCALATED' | 'RESOLVED',
    eventTime: number,
    satisfactionScore: number | null,
    npsScore: number | null,
  ): SourceRecord => ({
    kind: 'complaint',
    value: {
      eventId: p.nextEventId(),
      customerId: p.traits.id,
      complaintId,
      action,
      category,
      severity,
      eventTime,
      shipmentId,
      satisfactionScore,
      npsScore,
    },
  });
  p.schedule(openedAt, record('OPENED', openedAt, null, null), { cause: 'complaints', amount: 1 });

  let last = openedAt;
  if (r.chance(severity === 'HIGH' || severity === 'CRITICAL' ? 0.45 : 0.15)) {
    last = Math.round(openedAt + r.between(1, 5) * DAY_MS);
    p.schedule(last, record('ESCALATED', last, null, null), { cause: 'complaints', amount: 1 });
  }
  const resolvedAt = Math.round(last + (0.2 + r.exponential(3)) * DAY_MS);
  // Satisfaction follows how fast the complaint was handled (响应时间), and losses hurt most.
  const days = (resolvedAt - openedAt) / DAY_MS;
  const base = days < 2 ? 4.5 : days < 5 ? 3.6 : days < 10 ? 2.6 : 1.6;
  const satisfaction = Math.min(5, Math.max(1, Math.round(base - (category === 'LOSS' ? 1 : 0) + 0.7 * r.normal())));
  const nps = r.chance(0.35) ? Math.min(10, Math.max(0, Math.round(2 * satisfaction - 1 + 1.5 * r.normal()))) : null;
  // A well-handled complaint wins back some goodwill; a badly handled one costs more.
  p.schedule(resolvedAt, record('RESOLVED', resolvedAt, satisfaction, nps), { cause: 'complaints', amount: 0.8 * (3 - satisfaction) });
}
