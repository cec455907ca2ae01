import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CURRENCY_RATES,
  normaliseComplaint,
  normaliseOrder,
  normaliseProfile,
  normaliseShipment,
  parseRates,
  type ValidationContext,
} from '@segmentation/contracts';
import { DEFAULT_INDEPENDENT_OPTIONS, generateIndependentHistory, type IndependentHistory, type IndependentRecord } from './index.ts';
import { defaultRun, testOptions } from './test-support.ts';

const digest = (records: readonly IndependentRecord[]): string => {
  const hash = createHash('sha256');
  for (const r of records) hash.update(JSON.stringify(r));
  return hash.digest('hex');
};

function normalise(r: IndependentRecord, ctx: ValidationContext) {
  switch (r.kind) {
    case 'order':
      return normaliseOrder(r.value, r.value.customerId, null, ctx);
    case 'shipment':
      return normaliseShipment(r.value, r.value.customerId, null, ctx);
    case 'complaint':
      return normaliseComplaint(r.value, r.value.customerId, null, ctx);
    case 'profile':
      return normaliseProfile(r.value, r.value.customerId, null, ctx);
  }
}

describe('generateIndependentHistory: the records', () => {
  const { history, ms } = defaultRun();

  it('has the expected size and is quick', () => {
    console.log(`default run: ${history.records.length} records in ${Math.round(ms)} ms`);
    expect(history.records.length).toBeGreaterThan(150_000);
    expect(history.records.length).toBeLessThan(300_000);
    expect(history.truth).toHaveLength(DEFAULT_INDEPENDENT_OPTIONS.customers);
    expect(history.end - history.start).toBe(548 * 86_400_000);
    expect(ms).toBeLessThan(20_000);
  });

  it('is the same for the same seed', { timeout: 60_000 }, () => {
    const again = generateIndependentHistory(testOptions());
    expect(digest(again.records)).toBe(digest(history.records));
    expect(again.truth).toEqual(history.truth);
  });

  it('differs for another seed', { timeout: 60_000 }, () => {
    const other = generateIndependentHistory({ ...testOptions(), seed: testOptions().seed + 1, customers: 100 });
    const small = generateIndependentHistory({ ...testOptions(), customers: 100 });
    expect(digest(other.records)).not.toBe(digest(small.records));
  });

  it('leaves existing customers unchanged when customers are added', { timeout: 60_000 }, () => {
    const small = generateIndependentHistory({ ...testOptions(), customers: 60 });
    const ids = new Set(small.truth.map((t) => t.customerId));
    const firstOfLarger = history.records.filter((r) => ids.has(r.value.customerId));
    expect(digest(firstOfLarger)).toBe(digest(small.records));
    // Value tiers are relative to the population; everything else about a customer is its own.
    const strip = (h: IndependentHistory) => h.truth.filter((t) => ids.has(t.customerId)).map(({ valueTier: _tier, ...rest }) => rest);
    expect(strip(history)).toEqual(strip(small));
  });

  it('passes the project validation, with no dead letter', () => {
    const ctx: ValidationContext = { currencies: parseRates('CNY', DEFAULT_CURRENCY_RATES), now: history.end, maxFutureSkewMs: 0 };
    const refused: string[] = [];
    for (const r of history.records) {
      const result = normalise(r, ctx);
      if (!result.ok && refused.length < 5) refused.push(`${r.value.eventId}: ${result.reason} ${result.message}`);
    }
    expect(refused).toEqual([]);
  });

  it('is sorted by event time, inside the span', () => {
    let previous = -Infinity;
    let unsorted = 0;
    for (const r of history.records) {
      if (r.value.eventTime < previous) unsorted++;
      previous = r.value.eventTime;
    }
    expect(unsorted).toBe(0);
    expect(history.records[0]?.value.eventTime).toBeGreaterThanOrEqual(history.start);
    expect(previous).toBeLessThan(history.end);
  });

  it('has unique event ids, and order, shipment and complaint ids that belong to one order, shipment, complaint', () => {
    const events = new Set<string>();
    const owner = new Map<string, string>();
    let clashes = 0;
    const claim = (id: string, by: string) => {
      const seen = owner.get(id);
      if (seen !== undefined && seen !== by) clashes++;
      owner.set(id, by);
    };
    for (const r of history.records) {
      events.add(r.value.eventId);
      if (r.kind === 'order') claim(`order:${r.value.orderId}`, `${r.value.customerId}/${r.value.amount}/${r.value.serviceLevel}`);
      if (r.kind === 'shipment') claim(`shipment:${r.value.shipmentId}`, `${r.value.orderId}`);
      if (r.kind === 'complaint')
        claim(`complaint:${r.value.complaintId}`, `${r.value.customerId}/${r.value.category}/${r.value.shipmentId}`);
    }
    expect(events.size).toBe(history.records.length);
    expect(clashes).toBe(0);
    const placed = history.records.filter((r) => r.kind === 'order' && r.value.kind === 'PLACED');
    expect(new Set(placed.map((r) => (r.kind === 'order' ? r.value.orderId : ''))).size).toBe(placed.length);
  });

  it('has one profile per customer, before any of its orders; a few sign up inside the span', () => {
    const profiles = history.records.filter((r) => r.kind === 'profile');
    expect(profiles).toHaveLength(history.truth.length);
    const profileAt = new Map(profiles.map((p) => [p.value.customerId, p.value.eventTime]));
    const early = history.records.filter(
      (r) => r.kind !== 'profile' && r.value.eventTime < (profileAt.get(r.value.customerId) ?? Infinity),
    );
    expect(early).toEqual([]);
    const inSpan = profiles.filter((p) => p.value.eventTime > history.start).length;
    expect(inSpan).toBeGreaterThan(10);
    expect(inSpan).toBeLessThan(60);
  });

  it('looks like a Chinese forwarder: CNY mostly, some USD/EUR/HKD, every kind of event', () => {
    const orders = history.records.flatMap((r) => (r.kind === 'order' ? [r.value] : []));
    const currencies = new Map<string, number>();
    for (const o of orders) currencies.set(o.currency, (currencies.get(o.currency) ?? 0) + 1);
    expect((currencies.get('CNY') ?? 0) / orders.length).toBeGreaterThan(0.7);
    for (const c of ['USD', 'EUR', 'HKD']) expect(currencies.get(c) ?? 0).toBeGreaterThan(100);
    const kinds = new Set(
      history.records.map((r) =>
        r.kind === 'order' ? r.value.kind : r.kind === 'shipment' ? r.value.status : r.kind === 'complaint' ? r.value.action : 'PROFILE',
      ),
    );
    for (const k of [
      'PLACED',
      'CANCELLED',
      'RETURNED',
      'PICKED_UP',
      'IN_TRANSIT',
      'DELIVERED',
      'DELAYED',
      'DAMAGED',
      'LOST',
      'OPENED',
      'ESCALATED',
      'RESOLVED',
    ])
      expect(kinds).toContain(k);
    const resolved = history.records.flatMap((r) => (r.kind === 'complaint' && r.value.action === 'RESOLVED' ? [r.value] : []));
    expect(resolved.every((c) => c.satisfactionScore !== null)).toBe(true);
    expect(resolved.some((c) => c.npsScore !== null && c.npsScore <= 6)).toBe(true);
    const billing = history.records.filter((r) => r.kind === 'complaint' && r.value.category === 'BILLING' && r.value.shipmentId === null);
    expect(billing.length).toBeGreaterThan(20);
  });
});
