import type { ClickHouseClient } from '@clickhouse/client';
import { DEFAULT_TIME_ZONE, type Period } from './bi-queries.ts';

// CRM measures (客户关系管理指标) per segment of a dimension and per business month, for BI tools:
// the parameterised view crm_measures_monthly (made by schemas/clickhouse/013_crm_measures.sql, read
// faster since 014_crm_measures_fast.sql) holds the SQL, so a BI tool reaches the same numbers with one
// SELECT. docs/bi.md, "CRM measures", documents it; test/crm-measures.integration.test.ts checks it on
// a hand-worked fixture with a redelivered batch, and 014's answers against 013's on rows stored before 014.

export const CRM_MEASURES_SQL = `
SELECT * FROM crm_measures_monthly(dimension = {dimension:String}, from_month = {from:Date}, to_month = {to:Date}, timeZone = {timeZone:String})
ORDER BY month, segment`;

export interface CrmMeasuresRow {
  /** First day of the business month, 'YYYY-MM-DD'. */
  month: string;
  segment: string;
  /** Customers counted under the segment in the month (the segment they began the month in, or entered first). */
  customers: number;
  /** Of those, the ones already in it when the month began. */
  customers_at_start: number;
  /** Placed orders' value in the base currency, exact decimal text. */
  revenue: string;
  ordering_customers: number;
  repeat_customers: number;
  /** Customers with 2+ placed orders in the month / customers with 1+. */
  repeat_purchase_rate: number | null;
  /** Customers whose latest snapshot of the month carries clv_12m. */
  cltv_customers: number;
  cltv_sum: number;
  cltv_mean: number | null;
  /** Customers in the segment at the month's start who were not churned then. */
  churn_base: number;
  /** Of churn_base, those who entered lifecycle churned within the month. */
  churned: number;
  churn_rate: number | null;
  /** Customers in the segment at the month's start who were in lifecycle churned then. */
  churned_at_month_start: number;
  /** Of those, the ones who moved churned → won_back within the month. */
  won_back: number;
  win_back_rate: number | null;
  satisfaction_answers: number;
  /** Mean 1–5 score of the complaints resolved in the month. */
  satisfaction: number | null;
  nps_answers: number;
  /** % promoters (9–10) − % detractors (0–6) of the NPS answers given in the month. */
  nps: number | null;
  /** Complaints opened in the month. */
  complaints: number;
  /** Shipments delivered in the month. */
  shipments_delivered: number;
  complaints_per_100_shipments: number | null;
  /** Share of the delivered shipments with a known on-time flag that were on time. */
  on_time_rate: number | null;
}

const COUNTS = [
  'customers',
  'customers_at_start',
  'ordering_customers',
  'repeat_customers',
  'cltv_customers',
  'churn_base',
  'churned',
  'churned_at_month_start',
  'won_back',
  'satisfaction_answers',
  'nps_answers',
  'complaints',
  'shipments_delivered',
] as const;

/** The CRM measures per segment of `dimension` and per business month, for every month the period touches. */
export async function crmMeasures(client: ClickHouseClient, p: Period & { dimension: string }): Promise<CrmMeasuresRow[]> {
  const result = await client.query({
    query: CRM_MEASURES_SQL,
    query_params: { dimension: p.dimension, from: p.from, to: p.to, timeZone: p.timeZone ?? DEFAULT_TIME_ZONE },
    format: 'JSONEachRow',
  });
  // 64-bit counts arrive as JSON strings.
  return (await result.json<Record<string, unknown>>()).map((r) => {
    const row = { ...r };
    for (const k of COUNTS) row[k] = Number(r[k]);
    return row as unknown as CrmMeasuresRow;
  });
}
