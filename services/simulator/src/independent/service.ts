// What happens to a placed order: cancellation, or pickup, transit and delivery (on time, late,
// damaged or lost), perhaps a return, perhaps a complaint. Each order has its own random stream,
// so an order's fate can be computed ahead (to time an incident) and again later, identically.
import type { ComplaintCategory, ComplaintSeverity, Shipment, ShipmentStatus } from '@segmentation/contracts';
import { complaintRecords, type Mood } from './complaints.ts';
import { hours, orderRecord, type PlannedOrder } from './orders.ts';
import type { CustomerPlan } from './plan.ts';
import { Rng } from './rng.ts';
import * as S from './settings.ts';
import type { IndependentRecord } from './types.ts';

/** An outcome imposed by the customer's plan (the incident that makes it leave). */
export type Forced = { kind: 'lost' } | { kind: 'damaged' } | { kind: 'late'; mood: Mood | null };

export interface FulfilContext {
  seed: number;
  plan: CustomerPlan;
  end: number;
  rates: Readonly<Record<string, number>>;
  badWeek: boolean;
  forced: Forced | undefined;
}

export interface Fulfilment {
  records: IndependentRecord[];
  /** When the customer could first see something went wrong (DELAYED, late DELIVERED, DAMAGED, LOST); null if nothing did. */
  failureAt: number | null;
}

type Outcome = 'on_time' | 'late' | 'damaged' | 'lost';
const between = (rng: Rng, r: readonly [number, number]): number => rng.uniform(r[0], r[1]);

export function fulfil(o: PlannedOrder, ctx: FulfilContext): Fulfilment {
  const { plan, end, forced } = ctx;
  const rng = Rng.stream(ctx.seed, plan.index, 'order', o.seq);
  const records: IndependentRecord[] = [{ kind: 'order', value: orderRecord(plan, o, 'PLACED', o.time, ctx.rates) }];
  if (forced === undefined && rng.chance(S.CANCEL_PROBABILITY)) {
    records.push({ kind: 'order', value: orderRecord(plan, o, 'CANCELLED', o.time + hours(rng.uniform(0.5, 20)), ctx.rates) });
    return { records: records.filter((r) => r.value.eventTime < end), failureAt: null };
  }

  const shipmentId = `${plan.customerId}-SHP-${String(o.seq).padStart(5, '0')}`;
  const reach = o.lane.reach === 'rail' ? 'far' : o.lane.reach;
  const ports = (country: string): string | null => {
    const known = S.PORTS[country];
    return o.mode === 'ROAD' || known === undefined ? null : rng.pick(known);
  };
  const [originPort, destinationPort] = [ports(o.lane.originCountry), ports(o.lane.destinationCountry)];
  const ship = (status: ShipmentStatus, eventTime: number, promised: number | null, actual: number | null, port: string | null): void => {
    const value: Shipment = {
      eventId: `${shipmentId}:${status.toLowerCase()}`,
      customerId: plan.customerId,
      shipmentId,
      orderId: o.orderId,
      status,
      transportMode: o.mode,
      eventTime,
      promisedDeliveryTime: promised,
      actualDeliveryTime: actual,
      port,
      originCountry: o.lane.originCountry,
      destinationCountry: o.lane.destinationCountry,
    };
    records.push({ kind: 'shipment', value });
  };

  const quoted = between(rng, S.TRANSIT_HOURS[o.mode][reach]) * (o.serviceLevel === 'EXPRESS' ? S.EXPRESS_TRANSIT_FACTOR : 1);
  const pickedUp = o.time + hours(between(rng, S.PICKUP_HOURS[o.serviceLevel]));
  const departed = pickedUp + hours(between(rng, S.DEPARTURE_HOURS));
  const promised = Math.max(o.time + hours(quoted), departed + hours(6));
  ship('PICKED_UP', pickedUp, promised, null, null);
  ship('IN_TRANSIT', departed, promised, null, originPort);

  const outcome = forced !== undefined ? (forced.kind === 'late' ? 'late' : forced.kind) : drawOutcome(rng, ctx.badWeek);
  let failureAt: number | null = null;
  if (outcome === 'lost') {
    const delayedAt = rng.chance(S.DELAYED_EVENT_PROBABILITY) ? promised + hours(rng.uniform(1, 48)) : null;
    if (delayedAt !== null) ship('DELAYED', delayedAt, promised, null, null);
    const lostAt = promised + Math.round(rng.uniform(3, 12) * 24) * 3_600_000;
    ship('LOST', lostAt, promised, null, null);
    failureAt = delayedAt ?? lostAt;
  } else {
    const transit = promised - departed;
    const late = outcome === 'late';
    const actual = late
      ? promised +
        hours(rng.uniform(2, 12)) +
        Math.round(transit * rng.uniform(0, 0.35)) +
        (forced !== undefined ? hours(rng.uniform(48, 144)) : 0)
      : Math.max(departed + hours(1), promised - Math.round(transit * rng.uniform(0, 0.3)));
    const delayedAt =
      late && (forced !== undefined || rng.chance(S.DELAYED_EVENT_PROBABILITY))
        ? departed + Math.round((actual - departed) * rng.uniform(0.3, 0.95))
        : null;
    if (delayedAt !== null) ship('DELAYED', delayedAt, promised, null, null);
    const deliveredAt = actual + hours(rng.uniform(0.1, 4));
    ship('DELIVERED', deliveredAt, promised, actual, destinationPort);
    if (late) failureAt = delayedAt ?? deliveredAt;
    if (outcome === 'damaged') {
      failureAt = deliveredAt + hours(rng.uniform(1, 30)); // found when the consignee unpacks
      ship('DAMAGED', failureAt, promised, actual, null);
    }
    if (rng.chance(outcome === 'damaged' ? S.RETURN_PROBABILITY.damaged : S.RETURN_PROBABILITY.normal)) {
      const returnedAt = deliveredAt + hours(rng.uniform(2, 20) * 24);
      records.push({ kind: 'order', value: orderRecord(plan, o, 'RETURNED', returnedAt, ctx.rates) });
      ship('RETURNED', returnedAt + hours(rng.uniform(2, 8) * 24), null, null, null);
    }
  }

  const mood = moodOf(rng, outcome, ctx);
  if (mood !== null && failureAt !== null && outcome !== 'on_time') {
    const spec = {
      customerId: plan.customerId,
      complaintId: `${plan.customerId}-CMP-O${String(o.seq).padStart(5, '0')}`,
      shipmentId,
      mood,
      category: CATEGORY[outcome],
      severity: severityOf(rng, outcome, mood),
      openedAt: failureAt + hours(rng.uniform(1, 72)),
    };
    records.push(...complaintRecords(spec, rng, end));
  }
  return { records: records.filter((r) => r.value.eventTime < end), failureAt };
}

function drawOutcome(rng: Rng, badWeek: boolean): Outcome {
  const p = badWeek ? S.FAILURE_PROBABILITY.badWeek : S.FAILURE_PROBABILITY.normal;
  const u = rng.next();
  if (u < p.lost) return 'lost';
  if (u < p.lost + p.damaged) return 'damaged';
  if (u < p.lost + p.damaged + p.late) return 'late';
  return 'on_time';
}

function moodOf(rng: Rng, outcome: Outcome, ctx: FulfilContext): Mood | null {
  if (outcome === 'on_time') return null;
  const forced = ctx.forced;
  if (forced?.kind === 'late' && forced.mood !== null) return forced.mood;
  if (forced !== undefined && forced.kind !== 'late') return rng.chance(0.9) ? 'angry' : null;
  const p = ctx.badWeek ? S.COMPLAINT_PROBABILITY.badWeek : S.COMPLAINT_PROBABILITY.normal;
  return rng.chance(p[outcome]) ? 'normal' : null;
}

const CATEGORY: Readonly<Record<Exclude<Outcome, 'on_time'>, ComplaintCategory>> = { late: 'DELAY', damaged: 'DAMAGE', lost: 'LOSS' };

function severityOf(rng: Rng, outcome: Exclude<Outcome, 'on_time'>, mood: Mood): ComplaintSeverity {
  if (mood === 'mishandled') return 'HIGH';
  if (mood === 'angry')
    return outcome === 'lost'
      ? 'CRITICAL'
      : outcome === 'damaged'
        ? rng.weighted([
            ['HIGH', 0.5],
            ['CRITICAL', 0.5],
          ])
        : 'HIGH';
  if (outcome === 'late')
    return rng.weighted([
      ['LOW', 0.5],
      ['MEDIUM', 0.5],
    ]);
  if (outcome === 'damaged')
    return rng.weighted([
      ['MEDIUM', 0.5],
      ['HIGH', 0.5],
    ]);
  return rng.weighted([
    ['HIGH', 0.6],
    ['CRITICAL', 0.4],
  ]);
}
