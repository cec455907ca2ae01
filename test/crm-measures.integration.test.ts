// The CRM measures of docs/bi.md ("CRM measures") on five customers over two business months,
// loaded through the sink's mappers and insertRows with every batch delivered twice (as after a
// crash before the offset commit), checked against answers worked out by hand below. Embedded engine.
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CRM_MEASURES_SQL,
  connectClickHouse,
  crmMeasures,
  migrate,
  MIGRATIONS_DIR,
  readMigrations,
  rowsForFeatureSnapshot,
  rowsForSegmentChange,
  type ClickHouseClient,
  type CrmMeasuresRow,
} from '@segmentation/clickhouse';
import { aFeatureSnapshot, aSegmentChange, shanghai } from '@segmentation/contracts';
import { changes, crmMeasuresBatch } from './fixtures/crm-measures-fixture.ts';
import { insertBatch } from './harness/clickhouse-fixture.ts';

const none = {
  repeat_purchase_rate: null,
  cltv_mean: null,
  satisfaction: null,
  nps: null,
  complaints_per_100_shipments: null,
  on_time_rate: null,
};

describe('CRM measures per segment and month in ClickHouse (embedded engine)', () => {
  let client: ClickHouseClient;
  beforeAll(async () => {
    client = await connectClickHouse({ kind: 'embedded', path: join(mkdtempSync(join(tmpdir(), 'segmentation-crm-')), 'data') });
    await migrate(client);
    const batch = crmMeasuresBatch();
    await insertBatch(client, batch);
    await insertBatch(client, batch); // redelivered
  });
  afterAll(async () => {
    await client?.close();
  });

  it('stored every row twice, so the answers below hold only because a row counts once', async () => {
    const r = await client.query({
      query: 'SELECT (SELECT count() FROM orders) AS orders, (SELECT count() FROM segment_changes) AS changes',
      format: 'JSONEachRow',
    });
    expect((await r.json<{ orders: string; changes: string }>()).map((x) => [Number(x.orders), Number(x.changes)])).toEqual([
      [20, 2 * changes.length],
    ]);
  });

  it('measures each value tier in each business month', async () => {
    const measures = await crmMeasures(client, { dimension: 'value_tier', from: '2026-01-10', to: '2026-02-28' });
    const expected: CrmMeasuresRow[] = [
      // January, high: A and B. Orders A 1000 + 2000.5, B 3000; A ordered twice. CLTV: A's latest
      // January snapshot (12000) and B's (8000). B churns (1 of 2 not churned at the start). Complaints
      // K1 and K2 opened; resolved with 4 and 2; NPS 9 (promoter) and 3 (detractor). Delivered: A three
      // (on time, late, unknown; the late one's in-transit record is no delivery), B one on time: 2 of 3
      // known on time; 2 complaints per 4 deliveries.
      {
        month: '2026-01-01',
        segment: 'high',
        customers: 2,
        customers_at_start: 2,
        revenue: '6000.5',
        ordering_customers: 2,
        repeat_customers: 1,
        repeat_purchase_rate: 0.5,
        cltv_customers: 2,
        cltv_sum: 20000,
        cltv_mean: 10000,
        churn_base: 2,
        churned: 1,
        churn_rate: 0.5,
        churned_at_month_start: 0,
        won_back: 0,
        win_back_rate: null,
        satisfaction_answers: 2,
        satisfaction: 3,
        nps_answers: 2,
        nps: 0,
        complaints: 2,
        shipments_delivered: 4,
        complaints_per_100_shipments: 50,
        on_time_rate: 0.6667,
      },
      // January, low: E, churned since December, no activity.
      {
        ...none,
        month: '2026-01-01',
        segment: 'low',
        customers: 1,
        customers_at_start: 1,
        revenue: '0',
        ordering_customers: 0,
        repeat_customers: 0,
        cltv_customers: 0,
        cltv_sum: 0,
        churn_base: 0,
        churned: 0,
        churn_rate: null,
        churned_at_month_start: 1,
        won_back: 0,
        win_back_rate: 0,
        satisfaction_answers: 0,
        nps_answers: 0,
        complaints: 0,
        shipments_delivered: 0,
      },
      // January, medium: C (churned at the start, won back on the 25th) and D (no tier at the start).
      // Orders C 800, D 400 + 600 (D twice); C's order at 03:00 on 1 February is February's. CLTV
      // 3000.5 + 1500. Complaints K3 and K5 opened, none resolved; C's NPS 7 is passive. Delivered C on
      // time, D late.
      {
        month: '2026-01-01',
        segment: 'medium',
        customers: 2,
        customers_at_start: 1,
        revenue: '1800',
        ordering_customers: 2,
        repeat_customers: 1,
        repeat_purchase_rate: 0.5,
        cltv_customers: 2,
        cltv_sum: 4500.5,
        cltv_mean: 2250.25,
        churn_base: 0,
        churned: 0,
        churn_rate: null,
        churned_at_month_start: 1,
        won_back: 1,
        win_back_rate: 1,
        satisfaction_answers: 0,
        satisfaction: null,
        nps_answers: 1,
        nps: 0,
        complaints: 2,
        shipments_delivered: 2,
        complaints_per_100_shipments: 100,
        on_time_rate: 0.5,
      },
      // February, high: A and B (B began the month high; its move to medium on the 10th does not split
      // it). Orders A 500 (and a cancellation), B 1200.25. CLTV: A's 11000; B's snapshot has none. A
      // not churned at the start and stays; B churned at the start and won back on the 15th. K4 opened
      // and resolved with 5, NPS 10. Delivered A and B, on time.
      {
        month: '2026-02-01',
        segment: 'high',
        customers: 2,
        customers_at_start: 2,
        revenue: '1700.25',
        ordering_customers: 2,
        repeat_customers: 0,
        repeat_purchase_rate: 0,
        cltv_customers: 1,
        cltv_sum: 11000,
        cltv_mean: 11000,
        churn_base: 1,
        churned: 0,
        churn_rate: 0,
        churned_at_month_start: 1,
        won_back: 1,
        win_back_rate: 1,
        satisfaction_answers: 1,
        satisfaction: 5,
        nps_answers: 1,
        nps: 100,
        complaints: 1,
        shipments_delivered: 2,
        complaints_per_100_shipments: 50,
        on_time_rate: 1,
      },
      {
        ...none,
        month: '2026-02-01',
        segment: 'low',
        customers: 1,
        customers_at_start: 1,
        revenue: '0',
        ordering_customers: 0,
        repeat_customers: 0,
        cltv_customers: 0,
        cltv_sum: 0,
        churn_base: 0,
        churned: 0,
        churn_rate: null,
        churned_at_month_start: 1,
        won_back: 0,
        win_back_rate: 0,
        satisfaction_answers: 0,
        nps_answers: 0,
        complaints: 0,
        shipments_delivered: 0,
      },
      // February, medium: C and D, both in it at the start, neither churned then; D churns on the 20th.
      // C's order 700. CLTV: D's 900. K5 resolved with 3, NPS 6 (detractor), opened in January.
      // Delivered D twice on time.
      {
        month: '2026-02-01',
        segment: 'medium',
        customers: 2,
        customers_at_start: 2,
        revenue: '700',
        ordering_customers: 1,
        repeat_customers: 0,
        repeat_purchase_rate: 0,
        cltv_customers: 1,
        cltv_sum: 900,
        cltv_mean: 900,
        churn_base: 2,
        churned: 1,
        churn_rate: 0.5,
        churned_at_month_start: 0,
        won_back: 0,
        win_back_rate: null,
        satisfaction_answers: 1,
        satisfaction: 3,
        nps_answers: 1,
        nps: -100,
        complaints: 0,
        shipments_delivered: 2,
        complaints_per_100_shipments: 0,
        on_time_rate: 1,
      },
    ];
    expect(measures).toEqual(expected);
  });

  it('answers a BI tool that sends literals: February by lifecycle began with B and E churned, and B was won back', async () => {
    const r = await client.query({
      query:
        "SELECT * FROM crm_measures_monthly(dimension = 'lifecycle', from_month = '2026-02-01', to_month = '2026-02-01', timeZone = 'Asia/Shanghai')",
      format: 'JSONEachRow',
    });
    const measures = await r.json<Record<string, string | number | null>>();
    expect(
      measures.map((m) => [
        m.segment,
        Number(m.customers),
        Number(m.churned_at_month_start),
        Number(m.won_back),
        m.win_back_rate,
        Number(m.churn_base),
        Number(m.churned),
        m.revenue,
      ]),
    ).toEqual([
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

// Migration 014 reads the same view faster: memberships from one aggregation instead of a window over
// the whole history, and of a month's latest snapshot only its clv_12m instead of the whole map of
// features. Here the fixture is stored under the migrations up to 013, twice, with a customer F whose
// latest January snapshot carries no clv_12m after one that does; then 014 is applied to those rows.
describe('CRM measures on rows stored before migration 014 (embedded engine)', () => {
  let client: ClickHouseClient;
  const periods = [
    { dimension: 'value_tier', from: '2026-01-10', to: '2026-02-28' },
    { dimension: 'lifecycle', from: '2026-01-01', to: '2026-02-28' },
    { dimension: 'value_tier', from: '2025-11-01', to: '2026-03-31' },
    { dimension: 'lifecycle', from: '2026-02-01', to: '2026-02-01' },
  ];
  const before: CrmMeasuresRow[][] = [];
  const highSinceDecember = aSegmentChange({
    customerId: 'F',
    dimension: 'value_tier',
    sequence: 1,
    fromSegment: null,
    toSegment: 'high',
    eventTime: shanghai('2025-12-01 09:00'),
  });
  const latestWithoutClv = [
    aFeatureSnapshot({ customerId: 'F', eventTime: shanghai('2026-01-05 10:00'), features: { clv_12m: 5000, churn_risk: 0.1 } }),
    aFeatureSnapshot({ customerId: 'F', eventTime: shanghai('2026-01-20 10:00'), features: { churn_risk: 0.3 } }),
  ];
  beforeAll(async () => {
    const upTo013 = mkdtempSync(join(tmpdir(), 'segmentation-crm-013-'));
    for (const m of readMigrations().filter((x) => x.version <= 13))
      copyFileSync(join(MIGRATIONS_DIR, `${m.name}.sql`), join(upTo013, `${m.name}.sql`));
    client = await connectClickHouse({ kind: 'embedded', path: join(mkdtempSync(join(tmpdir(), 'segmentation-crm-before-014-')), 'data') });
    expect((await migrate(client, upTo013)).map((m) => m.version).at(-1)).toBe(13);
    const batch = [...crmMeasuresBatch(), ...rowsForSegmentChange(highSinceDecember), ...latestWithoutClv.flatMap(rowsForFeatureSnapshot)];
    await insertBatch(client, batch);
    await insertBatch(client, batch); // redelivered
    for (const p of periods) before.push(await crmMeasures(client, p));
    expect((await migrate(client)).map((m) => m.name)).toContain('014_crm_measures_fast');
  });
  afterAll(async () => {
    await client?.close();
  });

  it('answers as the view of 013 did, for both dimensions and for periods with empty months around them', async () => {
    for (const [i, p] of periods.entries()) expect(await crmMeasures(client, p), JSON.stringify(p)).toEqual(before[i]);
    expect(before[0]).toHaveLength(6);
  });

  it("counts a customer's predicted CLTV only when the month's latest snapshot carries one", async () => {
    const [january] = await crmMeasures(client, { dimension: 'value_tier', from: '2026-01-01', to: '2026-01-01' });
    // High in January: A (12000), B (8000) and F, whose 5000 of the 5th is not its latest snapshot.
    expect(january).toMatchObject({
      month: '2026-01-01',
      segment: 'high',
      customers: 3,
      cltv_customers: 2,
      cltv_sum: 20000,
      cltv_mean: 10000,
    });
  });

  it('runs the SQL docs/bi.md shows: the view as the latest migration that makes it creates it', () => {
    const flat = (sql: string) => sql.replace(/\s+/g, ' ').trim();
    const doc = flat(readFileSync(join(import.meta.dirname, '..', 'docs', 'bi.md'), 'utf8'));
    const view = readMigrations()
      .flatMap((m) => m.statements)
      .filter((x) => /^CREATE (OR REPLACE )?VIEW (IF NOT EXISTS )?crm_measures_monthly AS/.test(x))
      .at(-1);
    expect(view).toMatch(/^CREATE OR REPLACE VIEW crm_measures_monthly AS/);
    expect(doc.includes(flat(view ?? ''))).toBe(true);
  });
});
