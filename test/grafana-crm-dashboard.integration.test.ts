// The Grafana CRM page (infra/grafana/crm-dashboard.json) against the real tables: every panel's
// SQL, with the macros and variables as the ClickHouse data source sends them, runs on the CRM
// fixture of docs/bi.md §10 (loaded twice, as a redelivery) and agrees with crmMeasures, whose
// answers test/crm-measures.integration.test.ts works out by hand. Embedded engine.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClickHouse, crmMeasures, migrate, type ClickHouseClient } from '@segmentation/clickhouse';
import { shanghai } from '@segmentation/contracts';
import { crmMeasuresBatch } from './fixtures/crm-measures-fixture.ts';
import { insertBatch } from './harness/clickhouse-fixture.ts';

interface Panel {
  title: string;
  type: string;
  datasource: { type: string; uid: string };
  targets: Array<{ rawSql: string; datasource: { type: string } }>;
}
const dashboard = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'infra', 'grafana', 'crm-dashboard.json'), 'utf8')) as {
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ name: string }> };
};

// What the data source sends for these macros and variables (:sqlstring quotes the value): the
// months of crm-measures.integration.test.ts, 10 January to 28 February 2026 in Shanghai.
const asSent = (sql: string, dimension = 'value_tier') =>
  sql
    .replaceAll('$__fromTime', `toDateTime(${shanghai('2026-01-10 00:00') / 1000})`)
    .replaceAll('$__toTime', `toDateTime(${shanghai('2026-02-28 23:59') / 1000})`)
    .replaceAll('${dimension:sqlstring}', `'${dimension}'`)
    .replaceAll('${timezone:sqlstring}', "'Asia/Shanghai'");

describe('the Grafana CRM page on the CRM fixture (embedded engine)', () => {
  let client: ClickHouseClient;
  beforeAll(async () => {
    client = await connectClickHouse({ kind: 'embedded', path: join(mkdtempSync(join(tmpdir(), 'segmentation-crm-grafana-')), 'data') });
    await migrate(client);
    await insertBatch(client, crmMeasuresBatch());
    await insertBatch(client, crmMeasuresBatch()); // redelivered
  });
  afterAll(async () => {
    await client?.close();
  });

  const run = async (sql: string) => (await client.query({ query: sql, format: 'JSONEachRow' })).json<Record<string, unknown>>();

  it('is a dashboard of its own for the ClickHouse data source, with the same variables as the segmentation dashboard', () => {
    const other = JSON.parse(
      readFileSync(join(import.meta.dirname, '..', 'infra', 'grafana', 'segmentation-dashboard.json'), 'utf8'),
    ) as typeof dashboard;
    expect(dashboard.uid).not.toBe(other.uid);
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(other.templating.list.map((v) => v.name));
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(10);
    for (const panel of dashboard.panels) {
      expect(panel.datasource, panel.title).toEqual({ type: 'grafana-clickhouse-datasource', uid: '${datasource}' });
      expect(panel.targets[0]!.rawSql, panel.title).toContain('crm_measures_monthly(');
    }
  });

  it("runs every panel's query, and each agrees with crmMeasures month by month", async () => {
    const expected = await crmMeasures(client, { dimension: 'value_tier', from: '2026-01-10', to: '2026-02-28' });
    expect(expected).toHaveLength(6); // two months × high, medium, low
    for (const panel of dashboard.panels) {
      const sql = asSent(panel.targets[0]!.rawSql);
      expect(sql, panel.title).not.toMatch(/\$\{|\$__/);
      const rows = await run(sql);
      expect(
        rows.map((r) => String(r.segment)),
        panel.title,
      ).toEqual(expected.map((e) => e.segment));
      // Each panel's measure column against the same column of crmMeasures (revenue as a number).
      const measure = Object.keys(rows[0]!).find((k) => !['time', 'month', 'segment'].includes(k))!;
      const column = measure as keyof (typeof expected)[number];
      expect(
        rows.map((r) => (r[measure] === null ? null : Number(r[measure]))),
        panel.title,
      ).toEqual(expected.map((e) => (e[column] === null ? null : Number(e[column]))));
    }
  });

  it('shows the hand-worked January of the high-value customers in the table panel', async () => {
    const table = dashboard.panels.find((p) => p.type === 'table')!;
    const january = (await run(asSent(table.targets[0]!.rawSql))).find((r) => String(r.month) === '2026-01-01' && r.segment === 'high');
    expect(january).toMatchObject({
      revenue: 6000.5,
      cltv_sum: 20000,
      cltv_mean: 10000,
      churn_rate: 0.5,
      satisfaction: 3,
      nps: 0,
      complaints_per_100_shipments: 50,
      on_time_rate: 0.6667,
    });
    expect(Number(january!.customers)).toBe(2);
  });

  it('follows the chosen dimension: by lifecycle, February began with B and E churned', async () => {
    const customers = dashboard.panels.find((p) => p.title.startsWith('Customers'))!;
    const rows = await run(asSent(customers.targets[0]!.rawSql, 'lifecycle'));
    // The time column is the month's first day in the business time zone, as the table's month is.
    expect(rows.filter((r) => String(r.time).startsWith('2026-02-01')).map((r) => [r.segment, Number(r.customers)])).toEqual([
      ['active', 1],
      ['churned', 2],
      ['new', 1],
      ['won_back', 1],
    ]);
  });
});
