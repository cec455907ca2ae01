import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseRates, sourceContracts, topicNames, type ValidationContext } from '@segmentation/contracts';
import { businessMidnight, DAY_MS } from './calendar.ts';
import { cnyPerUnit } from './catalogue.ts';
import { groundTruthLines } from './ground-truth.ts';
import type { SimulatedRecord, SourceRecord } from './records.ts';
import { Simulation, type SimulationOptions } from './simulation.ts';

const options = (overrides: Partial<SimulationOptions> = {}): SimulationOptions => ({
  seed: 42,
  customers: 120,
  days: 90,
  start: '2025-01-01',
  ...overrides,
});

function run(o: SimulationOptions): { records: SimulatedRecord[]; simulation: Simulation } {
  const simulation = new Simulation(o);
  const records: SimulatedRecord[] = [];
  for (const day of simulation.days()) records.push(...day.records);
  return { records, simulation };
}

const digest = (o: SimulationOptions) => {
  const { records, simulation } = run(o);
  return createHash('sha256')
    .update(JSON.stringify(records.map((r) => r.record)))
    .update(groundTruthLines(simulation.groundTruth()))
    .digest('hex');
};

// A year of a few hundred customers: enough churners, win-backs and every kind of event.
const year = run(options({ seed: 7, customers: 400, days: 365 }));
const placedOrders = (records: SimulatedRecord[], customerId: string) =>
  records
    .map((r) => r.record)
    .filter(
      (r): r is Extract<SourceRecord, { kind: 'order' }> =>
        r.kind === 'order' && r.value.kind === 'PLACED' && r.value.customerId === customerId,
    );

describe('the simulation', () => {
  it('gives byte-identical records and ground truth for the same seed and options', () => {
    expect(digest(options())).toBe(digest(options()));
  });

  it('gives different records for different seeds', () => {
    expect(digest(options({ seed: 1 }))).not.toBe(digest(options({ seed: 2 })));
  });

  it('lets each customer live the same life whatever the size of the population around it', () => {
    const few = run(options({ customers: 20 })).records.map((r) => r.record);
    const more = run(options({ customers: 60 }))
      .records.map((r) => r.record)
      .filter((r) => Number(r.value.customerId.split('-')[1]) <= 20);
    expect(few.length).toBeGreaterThan(0);
    expect(more).toEqual(few);
  });

  it('emits records in non-decreasing event time, each inside its simulated day', () => {
    const simulation = new Simulation(options({ customers: 200 }));
    let last = Number.NEGATIVE_INFINITY;
    let count = 0;
    for (const day of simulation.days()) {
      for (const { time, record } of day.records) {
        expect(time).toBe(record.value.eventTime);
        expect(time).toBeGreaterThanOrEqual(Math.max(last, day.start));
        expect(time).toBeLessThan(day.start + DAY_MS);
        last = time;
        count++;
      }
    }
    expect(count).toBeGreaterThan(1000);
  });

  it('generates only records that pass their kind’s validation, of every kind and status', () => {
    const contracts = new Map(sourceContracts(topicNames('')).map((c) => [c.kind, c]));
    const ctx: ValidationContext = {
      currencies: parseRates('CNY', 'USD=7.1,EUR=7.7,HKD=0.91,JPY=0.047,GBP=9.0,SGD=5.3,KRW=0.0052'),
      now: Date.UTC(2100, 0, 1),
      maxFutureSkewMs: 0,
    };
    const failures: string[] = [];
    const seen = new Set<string>();
    for (const { record } of year.records) {
      const result = contracts.get(record.kind)!.normalise(record.value, record.value.customerId, null, ctx);
      if (!result.ok) failures.push(`${record.value.eventId}: ${result.reason} ${result.message}`);
      const v = record.value;
      seen.add(`${record.kind}:${'status' in v ? v.status : 'action' in v ? v.action : 'kind' in v ? v.kind : ''}`);
    }
    expect(failures).toEqual([]);
    expect([...seen].sort()).toEqual([
      'complaint:ESCALATED',
      'complaint:OPENED',
      'complaint:RESOLVED',
      'order:CANCELLED',
      'order:PLACED',
      'order:RETURNED',
      'profile:',
      'shipment:DAMAGED',
      'shipment:DELAYED',
      'shipment:DELIVERED',
      'shipment:IN_TRANSIT',
      'shipment:LOST',
      'shipment:PICKED_UP',
      'shipment:RETURNED',
    ]);
  });

  it('starts every customer’s history with its profile', () => {
    const first = new Map<string, SourceRecord>();
    for (const { record } of year.records) if (!first.has(record.value.customerId)) first.set(record.value.customerId, record);
    expect(first.size).toBeGreaterThan(300);
    expect([...first.values()].filter((r) => r.kind !== 'profile')).toEqual([]);
  });

  it('has churners stop ordering after their churn time, and won-back customers order again from theirs', () => {
    const truth = year.simulation.groundTruth();
    const churned = truth.filter((t) => t.churnedAt !== null);
    const wonBack = truth.filter((t) => t.wonBackAt !== null);
    expect(churned.length).toBeGreaterThan(20);
    expect(wonBack.length).toBeGreaterThan(3);
    for (const t of churned) {
      const orders = placedOrders(year.records, t.customerId).map((o) => o.value.eventTime);
      const silentUntil = t.wonBackAt ?? Number.POSITIVE_INFINITY;
      expect(
        orders.filter((time) => time > t.churnedAt! && time < silentUntil),
        t.customerId,
      ).toEqual([]);
      expect(orders, t.customerId).toContain(t.churnedAt);
      // The last order falls before the slowdown ends (it may come before it began, if none came during it).
      expect(t.decliningFrom).not.toBeNull();
      expect(t.churnedAt!).toBeLessThan(t.decliningFrom! + 76 * DAY_MS);
      if (t.wonBackAt !== null) {
        expect(t.wonBackAt).toBeGreaterThan(t.churnedAt!);
        expect(orders, t.customerId).toContain(t.wonBackAt);
      }
    }
    expect(wonBack.every((t) => t.churnedAt !== null)).toBe(true);
  });

  it('makes a full year of a customer’s ordering land in its true value tier under the default thresholds', () => {
    const booked = new Map<string, number>();
    for (const { record: r } of year.records) {
      if (r.kind !== 'order') continue;
      const value = r.value.amount * (cnyPerUnit[r.value.currency] ?? Number.NaN) * (r.value.kind === 'PLACED' ? 1 : -1);
      booked.set(r.value.customerId, (booked.get(r.value.customerId) ?? 0) + value);
    }
    const tierOf = (v: number) => (v >= 100_000 ? 'high' : v >= 20_000 ? 'medium' : 'low');
    const steady = year.simulation.groundTruth().filter((t) => !t.acquiredDuringSpan && t.decliningFrom === null);
    const matching = steady.filter((t) => tierOf(booked.get(t.customerId) ?? 0) === t.valueTier);
    expect(steady.length).toBeGreaterThan(200);
    expect(matching.length / steady.length).toBeGreaterThan(0.9);
    expect(new Set(steady.map((t) => t.valueTier))).toEqual(new Set(['low', 'medium', 'high']));
  });

  it('has factories all but stop over Spring Festival and e-commerce peak at Double 11', () => {
    const perDay = (archetype: string, from: string, days: number) => {
      const ids = new Set(
        year.simulation
          .groundTruth()
          .filter((t) => t.archetype === archetype)
          .map((t) => t.customerId),
      );
      const start = businessMidnight(from);
      const placed = year.records.filter(
        ({ record: r, time }) =>
          r.kind === 'order' && r.value.kind === 'PLACED' && ids.has(r.value.customerId) && time >= start && time < start + days * DAY_MS,
      );
      return placed.length / days;
    };
    const factoriesAllYear = perDay('export_manufacturer', '2025-01-01', 365);
    expect(perDay('export_manufacturer', '2025-01-25', 14)).toBeLessThan(0.3 * factoriesAllYear); // Spring Festival: 29 January 2025
    const sellersAllYear = perDay('cross_border_e_commerce_seller', '2025-01-01', 365);
    expect(perDay('cross_border_e_commerce_seller', '2025-10-20', 22)).toBeGreaterThan(1.5 * sellersAllYear);
  });
});
