import {
  alertActionOutcomes,
  crmMeasures,
  type AlertActionOutcomeRow,
  type ClickHouseClient,
  type CrmMeasuresRow,
} from '@segmentation/clickhouse';

// The measures pages of the console: which actions win customers back (流失挽回效果, docs/bi.md §9)
// and the CRM measures per segment and month (客户关系管理指标, §10). The SQL lives in
// packages/clickhouse; here the rows are shaped for the page, which only renders them.

export interface MeasureQueries {
  alertOutcomes(p: { from: string; to: string; includeRulesChanged: boolean }): Promise<AlertActionOutcomeRow[]>;
  crm(p: { dimension: string; from: string; to: string }): Promise<CrmMeasuresRow[]>;
}

export function measureQueries(client: ClickHouseClient, timeZone: string): MeasureQueries {
  return {
    alertOutcomes: (p) => alertActionOutcomes(client, { ...p, timeZone }),
    crm: (p) => crmMeasures(client, { ...p, timeZone }),
  };
}

/** One action's measures (or the no-action row's) within a group of episodes. */
export interface OutcomeMeasures {
  /** null: the episodes on which no action was recorded, the comparison for the others. */
  action: string | null;
  episodes: number;
  acknowledged: number;
  avgHoursToAcknowledge: number | null;
  avgHoursToAct: number | null;
  wonBack90d: number;
  wonBackRate90d: number;
  lost: number;
  ordered90d: number;
  orderedRate90d: number;
  /** Base currency, exact decimal text. */
  revenueRecovered90d: string;
}

/** Episodes alike (value tier × main cause × industry): the actions taken on them beside no action. */
export interface OutcomeGroup {
  valueTier: string | null;
  mainCause: string | null;
  industry: string | null;
  noAction: OutcomeMeasures | null;
  actions: OutcomeMeasures[];
}

function measuresOf(r: AlertActionOutcomeRow): OutcomeMeasures {
  return {
    action: r.action,
    episodes: r.episodes,
    acknowledged: r.acknowledged,
    avgHoursToAcknowledge: r.avg_hours_to_acknowledge,
    avgHoursToAct: r.avg_hours_to_act,
    wonBack90d: r.won_back_90d,
    wonBackRate90d: r.won_back_rate_90d,
    lost: r.lost,
    ordered90d: r.ordered_90d,
    orderedRate90d: r.ordered_rate_90d,
    revenueRecovered90d: r.revenue_recovered_90d,
  };
}

/**
 * The rows of alertActionOutcomes as groups of alike episodes, each with its no-action row beside
 * the actions (most episodes first), keeping the groups of the value tier and industry asked for.
 */
export function outcomeGroups(
  rows: readonly AlertActionOutcomeRow[],
  only: { valueTier?: string; industry?: string } = {},
): OutcomeGroup[] {
  const groups = new Map<string, OutcomeGroup>();
  for (const r of rows) {
    if (only.valueTier !== undefined && r.value_tier !== only.valueTier) continue;
    if (only.industry !== undefined && r.industry !== only.industry) continue;
    const key = JSON.stringify([r.value_tier, r.main_cause, r.industry]);
    let group = groups.get(key);
    if (group === undefined) {
      group = { valueTier: r.value_tier, mainCause: r.main_cause, industry: r.industry, noAction: null, actions: [] };
      groups.set(key, group);
    }
    if (r.action === null) group.noAction = measuresOf(r);
    else group.actions.push(measuresOf(r));
  }
  for (const g of groups.values()) g.actions.sort((a, b) => b.episodes - a.episodes || a.action!.localeCompare(b.action!));
  return [...groups.values()];
}

/** One segment's CRM measures in one business month, as the page reads them. */
export interface CrmMonth {
  /** The business month, YYYY-MM. */
  month: string;
  segment: string;
  customers: number;
  customersAtStart: number;
  /** Placed orders' value in the base currency, exact decimal text. */
  revenue: string;
  orderingCustomers: number;
  repeatCustomers: number;
  repeatPurchaseRate: number | null;
  cltvCustomers: number;
  cltvSum: number;
  cltvMean: number | null;
  churnBase: number;
  churned: number;
  churnRate: number | null;
  churnedAtMonthStart: number;
  wonBack: number;
  winBackRate: number | null;
  satisfactionAnswers: number;
  satisfaction: number | null;
  npsAnswers: number;
  nps: number | null;
  complaints: number;
  shipmentsDelivered: number;
  complaintsPer100Shipments: number | null;
  onTimeRate: number | null;
}

export function crmMonth(r: CrmMeasuresRow): CrmMonth {
  return {
    month: r.month.slice(0, 7),
    segment: r.segment,
    customers: r.customers,
    customersAtStart: r.customers_at_start,
    revenue: r.revenue,
    orderingCustomers: r.ordering_customers,
    repeatCustomers: r.repeat_customers,
    repeatPurchaseRate: r.repeat_purchase_rate,
    cltvCustomers: r.cltv_customers,
    cltvSum: r.cltv_sum,
    cltvMean: r.cltv_mean,
    churnBase: r.churn_base,
    churned: r.churned,
    churnRate: r.churn_rate,
    churnedAtMonthStart: r.churned_at_month_start,
    wonBack: r.won_back,
    winBackRate: r.win_back_rate,
    satisfactionAnswers: r.satisfaction_answers,
    satisfaction: r.satisfaction,
    npsAnswers: r.nps_answers,
    nps: r.nps,
    complaints: r.complaints,
    shipmentsDelivered: r.shipments_delivered,
    complaintsPer100Shipments: r.complaints_per_100_shipments,
    onTimeRate: r.on_time_rate,
  };
}
