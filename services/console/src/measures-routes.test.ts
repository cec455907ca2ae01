// The measures endpoints through the console's real HTTP server, with the ClickHouse queries faked:
// what a viewer gets back (groups of alike episodes with their no-action row, CRM months), the
// defaults, and the 400s that name the parameter. The queries themselves run on the real engine in
// test/console-measures.integration.test.ts.
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertActionOutcomeRow, CrmMeasuresRow } from '@segmentation/clickhouse';
import { createLogger } from '@segmentation/runtime';
import type { EpisodeQueries } from './alert-episodes.ts';
import type { AlertInbox } from './alert-inbox.ts';
import type { AlertWorkflowStore } from './alert-workflow-store.ts';
import { createConsoleServer } from './console-server.ts';
import { hashSecret, newSecret, personalToken } from './console-users.ts';
import type { CustomerDetails } from './customer-details.ts';
import type { HistoryQueries } from './history-queries.ts';
import { LiveFeed } from './live-feed.ts';
import { outcomeGroups, type MeasureQueries } from './measures.ts';

// Two rows of the hand-worked answer of test/alert-outcomes.integration.test.ts, and one of its retail rows.
const manufacturing = { value_tier: 'high', main_cause: 'order_gap', industry: 'MANUFACTURING' };
const retail = { value_tier: 'medium', main_cause: 'late_deliveries', industry: 'RETAIL' };
const outcomeRows: AlertActionOutcomeRow[] = [
  {
    action: null,
    ...manufacturing,
    episodes: 2,
    acknowledged: 1,
    avg_hours_to_acknowledge: 1,
    avg_hours_to_act: null,
    won_back_90d: 0,
    won_back_rate_90d: 0,
    lost: 1,
    ordered_90d: 1,
    ordered_rate_90d: 0.5,
    revenue_recovered_90d: '0',
  },
  {
    action: 'account manager call',
    ...manufacturing,
    episodes: 2,
    acknowledged: 2,
    avg_hours_to_acknowledge: 3,
    avg_hours_to_act: 6,
    won_back_90d: 1,
    won_back_rate_90d: 0.5,
    lost: 0,
    ordered_90d: 1,
    ordered_rate_90d: 0.5,
    revenue_recovered_90d: '1250.5',
  },
  {
    action: 'account manager call',
    ...retail,
    episodes: 1,
    acknowledged: 1,
    avg_hours_to_acknowledge: 3,
    avg_hours_to_act: 6,
    won_back_90d: 1,
    won_back_rate_90d: 1,
    lost: 0,
    ordered_90d: 1,
    ordered_rate_90d: 1,
    revenue_recovered_90d: '400.3734',
  },
];
const crmRow = (month: string, segment: string): CrmMeasuresRow => ({
  month,
  segment,
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
});

describe('alert outcomes as groups of alike episodes', () => {
  it('puts the no-action row beside the actions of each group, and keeps the groups asked for', () => {
    const groups = outcomeGroups(outcomeRows);
    expect(groups.map((g) => [g.valueTier, g.mainCause, g.industry, g.noAction?.episodes ?? null, g.actions.map((a) => a.action)])).toEqual(
      [
        ['high', 'order_gap', 'MANUFACTURING', 2, ['account manager call']],
        ['medium', 'late_deliveries', 'RETAIL', null, ['account manager call']],
      ],
    );
    expect(groups[0]!.actions[0]).toEqual({
      action: 'account manager call',
      episodes: 2,
      acknowledged: 2,
      avgHoursToAcknowledge: 3,
      avgHoursToAct: 6,
      wonBack90d: 1,
      wonBackRate90d: 0.5,
      lost: 0,
      ordered90d: 1,
      orderedRate90d: 0.5,
      revenueRecovered90d: '1250.5',
    });
    expect(outcomeGroups(outcomeRows, { valueTier: 'medium' }).map((g) => g.industry)).toEqual(['RETAIL']);
    expect(outcomeGroups(outcomeRows, { industry: 'RETAIL', valueTier: 'high' })).toEqual([]);
  });
});

describe('the measures endpoints', () => {
  const secret = newSecret();
  const auth = { authorization: `Bearer ${personalToken('li.wei', secret)}` };
  const asked: Array<Record<string, unknown>> = [];
  let app: FastifyInstance;
  let base: string;
  const measures: MeasureQueries = {
    alertOutcomes: (p) => {
      asked.push({ outcomes: p });
      return Promise.resolve(outcomeRows);
    },
    crm: (p) => {
      asked.push({ crm: p });
      return Promise.resolve([crmRow('2026-01-01', 'high'), crmRow('2026-01-01', 'low'), crmRow('2026-02-01', 'high')]);
    },
  };

  beforeAll(async () => {
    app = await createConsoleServer(
      {
        host: '127.0.0.1',
        port: 0,
        access: {
          kind: 'users',
          users: [{ name: 'li.wei', role: 'viewer', secretHash: await hashSecret(secret, { N: 2 ** 14, r: 8, p: 1 }) }],
        },
        corsOrigins: [],
        timeZone: 'Asia/Shanghai',
        maxStreams: 2,
      },
      {
        history: {} as HistoryQueries,
        episodes: {} as EpisodeQueries,
        workflow: {} as AlertWorkflowStore,
        inbox: {} as AlertInbox,
        customers: {} as CustomerDetails,
        measures,
        feed: new LiveFeed({ backlogSize: 1, maxCustomers: 1 }),
        audit: { record: () => Promise.resolve() },
        eraseCustomers: () => Promise.resolve(),
        dimensions: () =>
          Promise.resolve([
            { name: 'value_tier', segments: ['high', 'medium', 'low'] },
            { name: 'lifecycle', segments: [] },
          ]),
        churnModel: () => Promise.resolve({ rulesVersion: 'v1', fitted: true }),
        registry: new Registry(),
        checks: () => [],
        logger: createLogger({}, 'error'),
      },
    );
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  });
  afterAll(async () => {
    await app?.close();
  });

  async function get(path: string) {
    const res = await fetch(`${base}${path}`, { headers: auth });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it('answers a viewer the outcome groups of the period, filtered by value tier and industry', async () => {
    asked.length = 0;
    const r = await get('/api/alert-outcomes?from=2026-03-01&to=2026-03-31&industry=MANUFACTURING');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      from: '2026-03-01',
      to: '2026-03-31',
      includeRulesChanged: false,
      groups: [{ industry: 'MANUFACTURING', noAction: { episodes: 2, lost: 1 } }],
    });
    expect(asked).toEqual([{ outcomes: { from: '2026-03-01', to: '2026-03-31', includeRulesChanged: false } }]);
    await get('/api/alert-outcomes?from=2026-03-01&to=2026-03-31&includeRulesChanged=true');
    expect(asked[1]).toEqual({ outcomes: { from: '2026-03-01', to: '2026-03-31', includeRulesChanged: true } });
  });

  it('looks back half a year by default: episodes need 90 days for their outcome and 90 more for the revenue after it', async () => {
    const r = await get('/api/alert-outcomes');
    const { from, to } = r.body as { from: string; to: string };
    expect((Date.parse(to) - Date.parse(from)) / 86_400_000).toBe(179);
  });

  it('answers the CRM measures per month of the chosen months, a segment when asked, with every segment of the period', async () => {
    asked.length = 0;
    const r = await get('/api/crm-measures?dimension=value_tier&from=2026-01&to=2026-02&segment=high');
    expect(r.status).toBe(200);
    expect(asked).toEqual([{ crm: { dimension: 'value_tier', from: '2026-01-01', to: '2026-02-01' } }]);
    const body = r.body as {
      segments: string[];
      months: Array<{ month: string; segment: string; complaintsPer100Shipments: number; revenue: string }>;
    };
    expect(body.segments).toEqual(['high', 'low']);
    expect(body.months.map((m) => [m.month, m.segment, m.revenue, m.complaintsPer100Shipments])).toEqual([
      ['2026-01', 'high', '6000.5', 50],
      ['2026-02', 'high', '6000.5', 50],
    ]);
    const defaults = await get('/api/crm-measures');
    expect(defaults.body).toMatchObject({ dimension: 'value_tier' });
    const { from, to } = defaults.body as { from: string; to: string };
    expect(Number(to.slice(0, 4)) * 12 + Number(to.slice(5)) - (Number(from.slice(0, 4)) * 12 + Number(from.slice(5)))).toBe(11);
  });

  it('refuses bad parameters with 400 naming them', async () => {
    for (const [path, named] of [
      ['/api/alert-outcomes?from=2026-3-1', 'from'],
      ['/api/alert-outcomes?from=2026-04-01&to=2026-03-01', 'from'],
      ['/api/alert-outcomes?from=2020-01-01&to=2026-03-01', 'three years'],
      ['/api/alert-outcomes?includeRulesChanged=yes', 'includeRulesChanged'],
      ['/api/alert-outcomes?tier=high', 'tier'],
      ['/api/crm-measures?dimension=colour', 'dimension'],
      ['/api/crm-measures?from=2026-13', 'from'],
      ['/api/crm-measures?from=2026-03&to=2026-01', 'from'],
      ['/api/crm-measures?from=2020-01&to=2026-01', '36 months'],
    ] as const) {
      const r = await get(path);
      expect(r.status, path).toBe(400);
      expect(r.body.error, path).toContain(named);
    }
  });
});
