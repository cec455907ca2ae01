// From alert to outcome in ClickHouse: alert episodes, the work recorded on them (alert-workflow) and
// the customers' orders, loaded through the sink's mappers and insertRows (every batch delivered
// twice, as after a crash before the offset commit), and the facts and measures of docs/bi.md
// ("Alert work and outcomes") checked against answers worked out by hand below. Embedded engine.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALERT_ACTION_OUTCOMES_SQL, ALERT_EPISODE_FACTS_SQL, alertActionOutcomes, alertEpisodeFacts, connectClickHouse, eraseCustomers, migrate, rowsForAlertWorkflowEvent, rowsForChurnAlert,
  rowsForCustomerEvent, type ClickHouseClient,
} from '@segmentation/clickhouse';
import { aChurnAlert, anAlertWorkflowEvent, anOrderEvent, aProfileEvent, shanghai, type AlertWorkflowEvent, type ChurnAlert } from '@segmentation/contracts';
import { insertBatch } from './harness/clickhouse-fixture.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const gap = [{ code: 'order_gap', text: 'No order for 40 days', value: 40 }];
const late = [{ code: 'late_deliveries', text: '3 late deliveries', value: 3 }];

/** An episode's opening alert, decided (detectedAt) at the moment of its event time: people's hours count from there. */
const opening = (customerId: string, at: number, valueTier: string, reasons: ChurnAlert['reasons'], more: Partial<ChurnAlert> = {}) =>
  aChurnAlert({ customerId, sequence: 1, level: 'watch', eventTime: at, detectedAt: at, valueTier, reasons, ...more });

const P0 = shanghai('2026-03-01 10:00');
const Q0 = shanghai('2026-03-02 10:00');
const R0 = shanghai('2026-03-03 10:00');
const S0 = shanghai('2026-03-04 10:00');
const U0 = shanghai('2026-03-05 10:00');
const V0 = shanghai('2026-03-06 10:00');
const W0 = shanghai('2026-05-01 10:00');

// P, Q, R, S, V: high-value manufacturers gone quiet (order_gap); U: a medium-value retailer with
// late deliveries; W opens outside the period. V's episode was opened by a rules change.
const profiles = ['P', 'Q', 'R', 'S', 'V', 'W'].map((c, i) => aProfileEvent({ customerId: c, eventId: `${c}-p`, eventTime: shanghai('2026-01-05 09:00'), industry: 'MANUFACTURING', accountManager: 'am.chen', region: 'East China', ...{ signedUpAt: shanghai('2025-01-01 09:00') + i } }));
profiles.push(aProfileEvent({ customerId: 'U', eventId: 'U-p', eventTime: shanghai('2026-01-05 09:00'), industry: 'RETAIL', region: 'South China', accountManager: null, signedUpAt: shanghai('2025-01-01 09:00') }));

const alerts = [
  opening('P', P0, 'high', gap),
  aChurnAlert({ customerId: 'P', sequence: 2, level: 'warning', previousLevel: 'watch', eventTime: P0 + DAY, detectedAt: P0 + DAY, valueTier: 'high', reasons: gap, episodeEvent: 'escalated' }),
  opening('Q', Q0, 'high', gap),
  opening('R', R0, 'high', gap),
  opening('S', S0, 'high', gap),
  opening('U', U0, 'medium', late),
  opening('V', V0, 'high', gap, { cause: 'rules_changed' }),
  opening('W', W0, 'high', gap),
];

const work = (episodeId: string, at: number, kind: AlertWorkflowEvent['kind'], more: Partial<AlertWorkflowEvent> = {}) =>
  anAlertWorkflowEvent({ episodeId, at, kind, by: 'ops-zhang', ...more });
const records = [
  // P: acknowledged after 2 h, called after 4 h (recorded at 5 h), won back on day 20. A console that
  // raced the close recorded an offer after it: the first close stands, the offer is not counted.
  work('P/episode/1', P0 + 2 * HOUR, 'acknowledged'),
  work('P/episode/1', P0 + 3 * HOUR, 'assigned', { assignee: 'am.li' }),
  work('P/episode/1', P0 + 5 * HOUR, 'action_taken', { action: 'account manager call', actionAt: P0 + 4 * HOUR }),
  work('P/episode/1', P0 + 20 * DAY, 'closed_with_outcome', { outcome: 'won_back' }),
  work('P/episode/1', P0 + 21 * DAY, 'action_taken', { workflowId: 'P/episode/1/action/late', action: 'discount offer', actionAt: P0 + 21 * DAY }),
  // Q: acknowledged after 4 h, called after 8 h, recorded as retained only on day 100: not within 90 days.
  work('Q/episode/1', Q0 + 4 * HOUR, 'acknowledged'),
  work('Q/episode/1', Q0 + 8 * HOUR, 'action_taken', { action: 'account manager call', actionAt: Q0 + 8 * HOUR }),
  work('Q/episode/1', Q0 + 100 * DAY, 'closed_with_outcome', { outcome: 'retained' }),
  // R: nobody worked it. S: acknowledged after 1 h, no action, lost on day 30.
  work('S/episode/1', S0 + HOUR, 'acknowledged'),
  work('S/episode/1', S0 + 30 * DAY, 'closed_with_outcome', { outcome: 'lost' }),
  // U: acknowledged after 3 h, two actions (6 h and 10 h), won back on day 10.
  work('U/episode/1', U0 + 3 * HOUR, 'acknowledged'),
  work('U/episode/1', U0 + 6 * HOUR, 'action_taken', { workflowId: 'U/episode/1/action/a', action: 'service recovery call', actionAt: U0 + 6 * HOUR, recommended: false }),
  work('U/episode/1', U0 + 10 * HOUR, 'action_taken', { workflowId: 'U/episode/1/action/b', action: 'account manager call', actionAt: U0 + 10 * HOUR }),
  work('U/episode/1', U0 + 10 * DAY, 'closed_with_outcome', { outcome: 'won_back' }),
];

// Orders placed after the episodes opened: P (day 14), R (day 17) and U (day 27) within 90 days; Q
// only on day 120; S and V not at all; a cancellation by S is no order.
// Revenue recovered counts the won-back episodes' orders in the 90 days after the close, by their
// value in the base currency (amount_base): P's 1250.50 on day 30 (closed day 20), not its order on
// day 14 (before the close) nor the one on day 115 (95 days after); U's 320.25 on day 27 and 80.1234
// on day 40 (an order in USD, 11.15, worth 80.1234 in the base currency), not its cancellation on
// day 50. Q's order on day 120 comes 20 days after its close, but the close came on day 100, after
// the 90 days that count as won back. R ordered, but nobody closed its episode.
const orders = [
  anOrderEvent({ customerId: 'P', eventId: 'P-o1', eventTime: P0 + 14 * DAY, amountBase: 700 }),
  anOrderEvent({ customerId: 'P', eventId: 'P-o2', eventTime: P0 + 30 * DAY, amountBase: 1250.5 }),
  anOrderEvent({ customerId: 'P', eventId: 'P-o3', eventTime: P0 + 115 * DAY, amountBase: 999 }),
  anOrderEvent({ customerId: 'Q', eventId: 'Q-o1', eventTime: Q0 + 120 * DAY, amountBase: 640 }),
  anOrderEvent({ customerId: 'R', eventId: 'R-o1', eventTime: R0 + 17 * DAY, amountBase: 410 }),
  anOrderEvent({ customerId: 'U', eventId: 'U-o1', eventTime: U0 + 27 * DAY, amountBase: 320.25 }),
  anOrderEvent({ customerId: 'U', eventId: 'U-o2', eventTime: U0 + 40 * DAY, amount: 11.15, currency: 'USD', amountBase: 80.1234 }),
  anOrderEvent({ customerId: 'U', eventId: 'U-o3', eventTime: U0 + 50 * DAY, kind: 'CANCELLED', amountBase: 500 }),
  anOrderEvent({ customerId: 'S', eventId: 'S-o1', eventTime: S0 + 5 * DAY, kind: 'CANCELLED' }),
];

describe('alert work and outcomes in ClickHouse (embedded engine)', () => {
  let client: ClickHouseClient;
  beforeAll(async () => {
    client = await connectClickHouse({ kind: 'embedded', path: join(mkdtempSync(join(tmpdir(), 'segmentation-outcomes-')), 'data') });
    await migrate(client);
    const batch = [
      ...[...profiles, ...orders].flatMap((e, i) => rowsForCustomerEvent(e, { partition: 1, offset: i })),
      ...alerts.flatMap(rowsForChurnAlert),
      ...records.flatMap(rowsForAlertWorkflowEvent),
    ];
    await insertBatch(client, batch);
    await insertBatch(client, batch); // redelivered
  });
  afterAll(async () => { await client?.close(); });

  it('stored every workflow record twice, so the answers below hold only because a record counts once', async () => {
    const r = await client.query({ query: 'SELECT count() AS n, uniqExact(workflow_id) AS ids FROM alert_workflow_events', format: 'JSONEachRow' });
    expect((await r.json<{ n: string; ids: string }>()).map((x) => [Number(x.n), Number(x.ids)])).toEqual([[2 * records.length, records.length]]);
  });

  it('gives each episode its facts: opened, escalated, acknowledged, actions, closed and the outcome', async () => {
    const facts = await alertEpisodeFacts(client, { from: '2026-03-01', to: '2026-03-31' });
    expect(facts.map((f) => f.episode_id)).toEqual(['P/episode/1', 'Q/episode/1', 'R/episode/1', 'S/episode/1', 'U/episode/1', 'V/episode/1']);
    expect(facts[0]).toEqual({
      episode_id: 'P/episode/1', customer_id: 'P', opened_at: '2026-03-01 02:00:00.000', alerted_at: '2026-03-01 02:00:00.000',
      escalated_at: '2026-03-02 02:00:00.000', alert_closed_at: null, peak_level: 'warning', value_tier: 'high', main_cause: 'order_gap',
      industry: 'MANUFACTURING', region: 'East China', acknowledged_at: '2026-03-01 04:00:00.000', acknowledged_by: 'ops-zhang', assignee: 'am.li',
      actions: ['account manager call'], first_action_at: '2026-03-01 06:00:00.000', closed_at: '2026-03-21 02:00:00.000', outcome: 'won_back', stage: 'closed',
    });
    expect(facts[2]).toMatchObject({ episode_id: 'R/episode/1', escalated_at: null, acknowledged_at: null, acknowledged_by: null, assignee: null, actions: [], first_action_at: null, closed_at: null, outcome: null, stage: 'new' });
    expect(facts.map((f) => [f.customer_id, f.stage, f.outcome, f.actions.length])).toEqual([
      ['P', 'closed', 'won_back', 1], ['Q', 'closed', 'retained', 1], ['R', 'new', null, 0], ['S', 'closed', 'lost', 0], ['U', 'closed', 'won_back', 2], ['V', 'new', null, 0],
    ]);
    expect(facts[4]).toMatchObject({ industry: 'RETAIL', region: 'South China', main_cause: 'late_deliveries', actions: ['account manager call', 'service recovery call'] });
  });

  it('measures each action against the episodes where none was taken, per value tier, cause and industry', async () => {
    const measures = await alertActionOutcomes(client, { from: '2026-03-01', to: '2026-03-31' });
    const group = { value_tier: 'high', main_cause: 'order_gap', industry: 'MANUFACTURING' };
    const retail = { value_tier: 'medium', main_cause: 'late_deliveries', industry: 'RETAIL' };
    expect(measures).toEqual([
      // R and S: nobody acted. S acknowledged after 1 h and lost; R ordered again on day 17.
      { action: null, ...group, episodes: 2, acknowledged: 1, avg_hours_to_acknowledge: 1, avg_hours_to_act: null, won_back_90d: 0, won_back_rate_90d: 0, lost: 1, ordered_90d: 1, ordered_rate_90d: 0.5, revenue_recovered_90d: '0' },
      // P and Q: acknowledged after 2 h and 4 h (3), first action after 4 h and 8 h (6); P won back on
      // day 20, Q's retained came on day 100; P ordered on day 14, Q only on day 120. Recovered: P's
      // 1250.50 on day 30.
      { action: 'account manager call', ...group, episodes: 2, acknowledged: 2, avg_hours_to_acknowledge: 3, avg_hours_to_act: 6, won_back_90d: 1, won_back_rate_90d: 0.5, lost: 0, ordered_90d: 1, ordered_rate_90d: 0.5, revenue_recovered_90d: '1250.5' },
      // U under each of its two actions: acknowledged after 3 h, first action after 6 h, won back, ordered on day 27.
      // Recovered: 320.25 + 80.1234, under each action.
      { action: 'account manager call', ...retail, episodes: 1, acknowledged: 1, avg_hours_to_acknowledge: 3, avg_hours_to_act: 6, won_back_90d: 1, won_back_rate_90d: 1, lost: 0, ordered_90d: 1, ordered_rate_90d: 1, revenue_recovered_90d: '400.3734' },
      { action: 'service recovery call', ...retail, episodes: 1, acknowledged: 1, avg_hours_to_acknowledge: 3, avg_hours_to_act: 6, won_back_90d: 1, won_back_rate_90d: 1, lost: 0, ordered_90d: 1, ordered_rate_90d: 1, revenue_recovered_90d: '400.3734' },
    ]);
  });

  it('counts the episodes a rules change opened only when asked', async () => {
    const measures = await alertActionOutcomes(client, { from: '2026-03-01', to: '2026-03-31', includeRulesChanged: true });
    expect(measures[0]).toMatchObject({ action: null, episodes: 3, acknowledged: 1, lost: 1, ordered_90d: 1, ordered_rate_90d: 0.3333, revenue_recovered_90d: '0' });
    expect(measures).toHaveLength(4);
  });

  it('runs the SQL docs/bi.md shows', () => {
    const flat = (sql: string) => sql.replace(/\s+/g, ' ').trim();
    const doc = flat(readFileSync(join(import.meta.dirname, '..', 'docs', 'bi.md'), 'utf8'));
    for (const sql of [ALERT_EPISODE_FACTS_SQL, ALERT_ACTION_OUTCOMES_SQL]) expect(doc).toContain(flat(sql));
  });

  it('forgets an erased customer\'s work with the rest of their rows', async () => {
    await eraseCustomers(client, ['U']);
    const r = await client.query({ query: "SELECT count() AS n FROM alert_workflow_events WHERE customer_id = 'U'", format: 'JSONEachRow' });
    expect(Number((await r.json<{ n: string }>())[0]?.n)).toBe(0);
    expect((await alertEpisodeFacts(client, { from: '2026-03-01', to: '2026-03-31' })).map((f) => f.customer_id)).not.toContain('U');
    expect((await alertActionOutcomes(client, { from: '2026-03-01', to: '2026-03-31' })).filter((m) => m.industry === 'RETAIL')).toEqual([]);
  });
});
