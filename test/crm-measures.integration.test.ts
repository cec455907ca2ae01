// The CRM measures of docs/bi.md ("CRM measures") on five customers over two business months,
// loaded through the sink's mappers and insertRows with every batch delivered twice (as after a
// crash before the offset commit), checked against answers worked out by hand below. Embedded engine.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CRM_MEASURES_SQL, connectClickHouse, crmMeasures, migrate, readMigrations, rowsForCustomerEvent, rowsForFeatureSnapshot, rowsForSegmentChange,
  type ClickHouseClient, type CrmMeasuresRow,
} from '@segmentation/clickhouse';
import { aComplaintEvent, aFeatureSnapshot, anOrderEvent, aSegmentChange, aShipmentEvent, shanghai } from '@segmentation/contracts';
import { insertBatch } from './harness/clickhouse-fixture.ts';

const DEC = shanghai('2025-12-01 09:00');

// Value tiers: A and B high (B moves to medium on 10 February), C medium, D medium from 15 January
// (no tier when January began), E low. Lifecycle: A active; B churns on 20 January and is won back
// on 15 February; C churned in December and is won back on 25 January; D new on 15 January, churned
// on 20 February; E churned in December and stays so.
const tier = (customerId: string, sequence: number, fromSegment: string | null, toSegment: string, eventTime: number) =>
  aSegmentChange({ customerId, dimension: 'value_tier', sequence, fromSegment, toSegment, eventTime });
const life = (customerId: string, sequence: number, fromSegment: string | null, toSegment: string, eventTime: number) =>
  aSegmentChange({ customerId, dimension: 'lifecycle', sequence, fromSegment, toSegment, eventTime, rule: `lifecycle.${toSegment}.enter` });
const changes = [
  tier('A', 1, null, 'high', DEC), tier('B', 1, null, 'high', DEC), tier('C', 1, null, 'medium', DEC), tier('E', 1, null, 'low', DEC),
  tier('D', 1, null, 'medium', shanghai('2026-01-15 10:00')),
  tier('B', 2, 'high', 'medium', shanghai('2026-02-10 10:00')),
  life('A', 1, null, 'active', DEC),
  life('B', 1, null, 'active', DEC), life('B', 2, 'active', 'churned', shanghai('2026-01-20 10:00')), life('B', 3, 'churned', 'won_back', shanghai('2026-02-15 10:00')),
  life('C', 1, null, 'churned', shanghai('2025-12-20 10:00')), life('C', 2, 'churned', 'won_back', shanghai('2026-01-25 10:00')),
  life('D', 1, null, 'new', shanghai('2026-01-15 10:00')), life('D', 2, 'new', 'churned', shanghai('2026-02-20 10:00')),
  life('E', 1, null, 'churned', shanghai('2025-12-10 10:00')),
];

let n = 0;
const id = (c: string) => `${c}-${++n}`;
const order = (customerId: string, local: string, amountBase: number, kind: 'PLACED' | 'CANCELLED' = 'PLACED') =>
  anOrderEvent({ customerId, eventId: id(customerId), eventTime: shanghai(local), amountBase, kind });
const delivered = (customerId: string, local: string, onTime: boolean | null, shipmentId?: string) =>
  aShipmentEvent({ customerId, eventId: id(customerId), eventTime: shanghai(local), onTime, ...(shipmentId ? { shipmentId } : {}) });
const complaint = (customerId: string, complaintId: string, local: string, action: 'OPENED' | 'ESCALATED' | 'RESOLVED', satisfactionScore: number | null, npsScore: number | null) =>
  aComplaintEvent({ customerId, eventId: id(customerId), eventTime: shanghai(local), complaintId, action, satisfactionScore, npsScore });

const events = [
  order('A', '2026-01-05 10:00', 1000), order('A', '2026-01-20 10:00', 2000.5), order('A', '2026-02-03 10:00', 500),
  order('A', '2026-02-04 10:00', 9999, 'CANCELLED'), // a cancellation is no order and no revenue
  order('B', '2026-01-08 10:00', 3000), order('B', '2026-02-16 10:00', 1200.25),
  order('C', '2026-01-28 10:00', 800),
  order('C', '2026-02-01 03:00', 700), // still January in UTC, February in Shanghai
  order('D', '2026-01-16 10:00', 400), order('D', '2026-01-30 10:00', 600),
  delivered('A', '2026-01-07 10:00', true), delivered('A', '2026-01-15 10:00', false, 'S-A-late'), delivered('A', '2026-01-22 10:00', null),
  aShipmentEvent({ customerId: 'A', eventId: id('A'), eventTime: shanghai('2026-01-14 10:00'), status: 'IN_TRANSIT', onTime: null, actualDeliveryTime: null, shipmentId: 'S-A-late' }),
  delivered('B', '2026-01-10 10:00', true), delivered('C', '2026-01-27 10:00', true), delivered('D', '2026-01-17 10:00', false),
  delivered('A', '2026-02-05 10:00', true), delivered('B', '2026-02-12 10:00', true), delivered('D', '2026-02-03 10:00', true), delivered('D', '2026-02-04 10:00', true),
  complaint('A', 'K1', '2026-01-06 10:00', 'OPENED', null, null), complaint('A', 'K1', '2026-01-09 10:00', 'RESOLVED', 4, 9),
  complaint('B', 'K2', '2026-01-12 10:00', 'OPENED', null, null), complaint('B', 'K2', '2026-01-13 10:00', 'ESCALATED', null, null),
  complaint('B', 'K2', '2026-01-18 10:00', 'RESOLVED', 2, 3),
  complaint('C', 'K3', '2026-01-26 10:00', 'OPENED', null, 7),
  complaint('D', 'K5', '2026-01-31 10:00', 'OPENED', null, null), complaint('D', 'K5', '2026-02-02 10:00', 'RESOLVED', 3, 6),
  complaint('A', 'K4', '2026-02-04 10:00', 'OPENED', null, null), complaint('A', 'K4', '2026-02-06 10:00', 'RESOLVED', 5, 10),
];

const clv = (customerId: string, local: string, clv12m?: number) =>
  aFeatureSnapshot({ customerId, eventTime: shanghai(local), features: clv12m === undefined ? { churn_risk: 0.2 } : { clv_12m: clv12m, churn_risk: 0.2 } });
const snapshots = [
  clv('A', '2026-01-10 10:00', 10000), clv('A', '2026-01-28 10:00', 12000), clv('A', '2026-02-20 10:00', 11000),
  clv('B', '2026-01-09 10:00', 8000),
  clv('B', '2026-02-16 10:00'), // no cadence yet in February: no prediction to count
  clv('C', '2026-01-25 10:00', 3000.5),
  clv('D', '2026-01-16 10:00', 1500), clv('D', '2026-02-20 10:00', 900),
];

const none = { repeat_purchase_rate: null, cltv_mean: null, satisfaction: null, nps: null, complaints_per_100_shipments: null, on_time_rate: null };

describe('CRM measures per segment and month in ClickHouse (embedded engine)', () => {
  let client: ClickHouseClient;
  beforeAll(async () => {
    client = await connectClickHouse({ kind: 'embedded', path: join(mkdtempSync(join(tmpdir(), 'segmentation-crm-')), 'data') });
    await migrate(client);
    const batch = [
      ...events.flatMap((e, i) => rowsForCustomerEvent(e, { partition: 2, offset: i })),
      ...changes.flatMap(rowsForSegmentChange),
      ...snapshots.flatMap(rowsForFeatureSnapshot),
    ];
    await insertBatch(client, batch);
    await insertBatch(client, batch); // redelivered
  });
  afterAll(async () => { await client?.close(); });

  it('stored every row twice, so the answers below hold only because a row counts once', async () => {
    const r = await client.query({ query: 'SELECT (SELECT count() FROM orders) AS orders, (SELECT count() FROM segment_changes) AS changes', format: 'JSONEachRow' });
    expect((await r.json<{ orders: string; changes: string }>()).map((x) => [Number(x.orders), Number(x.changes)])).toEqual([[20, 2 * changes.length]]);
  });

  it('measures each value tier in each business month', async () => {
    const measures = await crmMeasures(client, { dimension: 'value_tier', from: '2026-01-10', to: '2026-02-28' });
    const expected: CrmMeasuresRow[] = [
      // January, high: A and B. Orders A 1000 + 2000.5, B 3000; A ordered twice. CLTV: A's latest
      // January snapshot (12000) and B's (8000). B churns (1 of 2 not churned at the start). Complaints
      // K1 and K2 opened; resolved with 4 and 2; NPS 9 (promoter) and 3 (detractor). Delivered: A three
      // (on time, late, unknown; the late one's in-transit record is no delivery), B one on time: 2 of 3
      // known on time; 2 complaints per 4 deliveries.
      { month: '2026-01-01', segment: 'high', customers: 2, customers_at_start: 2, revenue: '6000.5', ordering_customers: 2, repeat_customers: 1, repeat_purchase_rate: 0.5,
        cltv_customers: 2, cltv_sum: 20000, cltv_mean: 10000, churn_base: 2, churned: 1, churn_rate: 0.5, churned_at_month_start: 0, won_back: 0, win_back_rate: null,
        satisfaction_answers: 2, satisfaction: 3, nps_answers: 2, nps: 0, complaints: 2, shipments_delivered: 4, complaints_per_100_shipments: 50, on_time_rate: 0.6667 },
      // January, low: E, churned since December, no activity.
      { ...none, month: '2026-01-01', segment: 'low', customers: 1, customers_at_start: 1, revenue: '0', ordering_customers: 0, repeat_customers: 0,
        cltv_customers: 0, cltv_sum: 0, churn_base: 0, churned: 0, churn_rate: null, churned_at_month_start: 1, won_back: 0, win_back_rate: 0,
        satisfaction_answers: 0, nps_answers: 0, complaints: 0, shipments_delivered: 0 },
      // January, medium: C (churned at the start, won back on the 25th) and D (no tier at the start).
      // Orders C 800, D 400 + 600 (D twice); C's order at 03:00 on 1 February is February's. CLTV
      // 3000.5 + 1500. Complaints K3 and K5 opened, none resolved; C's NPS 7 is passive. Delivered C on
      // time, D late.
      { month: '2026-01-01', segment: 'medium', customers: 2, customers_at_start: 1, revenue: '1800', ordering_customers: 2, repeat_customers: 1, repeat_purchase_rate: 0.5,
        cltv_customers: 2, cltv_sum: 4500.5, cltv_mean: 2250.25, churn_base: 0, churned: 0, churn_rate: null, churned_at_month_start: 1, won_back: 1, win_back_rate: 1,
        satisfaction_answers: 0, satisfaction: null, nps_answers: 1, nps: 0, complaints: 2, shipments_delivered: 2, complaints_per_100_shipments: 100, on_time_rate: 0.5 },
      // February, high: A and B (B began the month high; its move to medium on the 10th does not split
      // it). Orders A 500 (and a cancellation), B 1200.25. CLTV: A's 11000; B's snapshot has none. A
      // not churned at the start and stays; B churned at the start and won back on the 15th. K4 opened
      // and resolved with 5, NPS 10. Delivered A and B, on time.
      { month: '2026-02-01', segment: 'high', customers: 2, customers_at_start: 2, revenue: '1700.25', ordering_customers: 2, repeat_customers: 0, repeat_purchase_rate: 0,
        cltv_customers: 1, cltv_sum: 11000, cltv_mean: 11000, churn_base: 1, churned: 0, churn_rate: 0, churned_at_month_start: 1, won_back: 1, win_back_rate: 1,
        satisfaction_answers: 1, satisfaction: 5, nps_answers: 1, nps: 100, complaints: 1, shipments_delivered: 2, complaints_per_100_shipments: 50, on_time_rate: 1 },
      { ...none, month: '2026-02-01', segment: 'low', customers: 1, customers_at_start: 1, revenue: '0', ordering_customers: 0, repeat_customers: 0,
        cltv_customers: 0, cltv_sum: 0, churn_base: 0, churned: 0, churn_rate: null, churned_at_month_start: 1, won_back: 0, win_back_rate: 0,
        satisfaction_answers: 0, nps_answers: 0, complaints: 0, shipments_delivered: 0 },
      // February, medium: C and D, both in it at the start, neither churned then; D churns on the 20th.
      // C's order 700. CLTV: D's 900. K5 resolved with 3, NPS 6 (detractor), opened in January.
      // Delivered D twice on time.
      { month: '2026-02-01', segment: 'medium', customers: 2, customers_at_start: 2, revenue: '700', ordering_customers: 1, repeat_customers: 0, repeat_purchase_rate: 0,
        cltv_customers: 1, cltv_sum: 900, cltv_mean: 900, churn_base: 2, churned: 1, churn_rate: 0.5, churned_at_month_start: 0, won_back: 0, win_back_rate: null,
        satisfaction_answers: 1, satisfaction: 3, nps_answers: 1, nps: -100, complaints: 0, shipments_delivered: 2, complaints_per_100_shipments: 0, on_time_rate: 1 },
    ];
    expect(measures).toEqual(expected);
  });

  it('answers a BI tool that sends literals: February by lifecycle began with B and E churned, and B was won back', async () => {
    const r = await client.query({
      query: "SELECT * FROM crm_measures_monthly(dimension = 'lifecycle', from_month = '2026-02-01', to_month = '2026-02-01', timeZone = 'Asia/Shanghai')",
      format: 'JSONEachRow',
    });
    const measures = await r.json<Record<string, string | number | null>>();
    expect(measures.map((m) => [m.segment, Number(m.customers), Number(m.churned_at_month_start), Number(m.won_back), m.win_back_rate, Number(m.churn_base), Number(m.churned), m.revenue])).toEqual([
      ['active', 1, 0, 0, null, 1, 0, '500'],
      ['churned', 2, 2, 1, 0.5, 0, 0, '1200.25'],
      ['new', 1, 0, 0, null, 1, 1, '0'],
      ['won_back', 1, 0, 0, null, 1, 0, '700'],
    ]);
  });

  it('runs the SQL docs/bi.md shows: the view as its migration creates it, and the query', () => {
    const flat = (sql: string) => sql.replace(/\s+/g, ' ').trim();
    const doc = flat(readFileSync(join(import.meta.dirname, '..', 'docs', 'bi.md'), 'utf8'));
    const view = readMigrations().find((m) => m.name === '013_crm_measures')?.statements[0];
    expect(view).toMatch(/^CREATE VIEW IF NOT EXISTS crm_measures_monthly AS/);
    for (const sql of [view ?? '', CRM_MEASURES_SQL]) expect(doc.includes(flat(sql)), sql.slice(0, 60)).toBe(true);
  });
});
