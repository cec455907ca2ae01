// From alert to outcome in ClickHouse: alert episodes, the work recorded on them (alert-workflow) and
// the customers' orders, loaded through the sink's mappers and insertRows (every batch delivered
// twice, as after a crash before the offset commit), and the facts and measures of docs/bi.md
// ("Alert work and outcomes") checked against answers worked out by hand below. Embedded engine.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALERT_ACTION_OUTCOMES_SQL,
  ALERT_EPISODE_FACTS_SQL,
  alertActionOutcomes,
  alertEpisodeFacts,
  connectClickHouse,
  eraseCustomers,
  migrate,
  type ClickHouseClient,
} from '@segmentation/clickhouse';
import { alertOutcomesBatch, records } from './fixtures/alert-outcomes-fixture.ts';
import { insertBatch } from './harness/clickhouse-fixture.ts';

describe('alert work and outcomes in ClickHouse (embedded engine)', () => {
  let client: ClickHouseClient;
  beforeAll(async () => {
    client = await connectClickHouse({ kind: 'embedded', path: join(mkdtempSync(join(tmpdir(), 'segmentation-outcomes-')), 'data') });
    await migrate(client);
    const batch = alertOutcomesBatch();
    await insertBatch(client, batch);
    await insertBatch(client, batch); // redelivered
  });
  afterAll(async () => {
    await client?.close();
  });

  it('stored every workflow record twice, so the answers below hold only because a record counts once', async () => {
    const r = await client.query({
      query: 'SELECT count() AS n, uniqExact(workflow_id) AS ids FROM alert_workflow_events',
      format: 'JSONEachRow',
    });
    expect((await r.json<{ n: string; ids: string }>()).map((x) => [Number(x.n), Number(x.ids)])).toEqual([
      [2 * records.length, records.length],
    ]);
  });

  it('gives each episode its facts: opened, escalated, acknowledged, actions, closed and the outcome', async () => {
    const facts = await alertEpisodeFacts(client, { from: '2026-03-01', to: '2026-03-31' });
    expect(facts.map((f) => f.episode_id)).toEqual([
      'P/episode/1',
      'Q/episode/1',
      'R/episode/1',
      'S/episode/1',
      'U/episode/1',
      'V/episode/1',
    ]);
    expect(facts[0]).toEqual({
      episode_id: 'P/episode/1',
      customer_id: 'P',
      opened_at: '2026-03-01 02:00:00.000',
      alerted_at: '2026-03-01 02:00:00.000',
      escalated_at: '2026-03-02 02:00:00.000',
      alert_closed_at: null,
      peak_level: 'warning',
      value_tier: 'high',
      main_cause: 'order_gap',
      industry: 'MANUFACTURING',
      region: 'East China',
      acknowledged_at: '2026-03-01 04:00:00.000',
      acknowledged_by: 'ops-zhang',
      assignee: 'am.li',
      actions: ['account manager call'],
      first_action_at: '2026-03-01 06:00:00.000',
      closed_at: '2026-03-21 02:00:00.000',
      outcome: 'won_back',
      stage: 'closed',
    });
    expect(facts[2]).toMatchObject({
      episode_id: 'R/episode/1',
      escalated_at: null,
      acknowledged_at: null,
      acknowledged_by: null,
      assignee: null,
      actions: [],
      first_action_at: null,
      closed_at: null,
      outcome: null,
      stage: 'new',
    });
    expect(facts.map((f) => [f.customer_id, f.stage, f.outcome, f.actions.length])).toEqual([
      ['P', 'closed', 'won_back', 1],
      ['Q', 'closed', 'retained', 1],
      ['R', 'new', null, 0],
      ['S', 'closed', 'lost', 0],
      ['U', 'closed', 'won_back', 2],
      ['V', 'new', null, 0],
    ]);
    expect(facts[4]).toMatchObject({
      industry: 'RETAIL',
      region: 'South China',
      main_cause: 'late_deliveries',
      actions: ['account manager call', 'service recovery call'],
    });
  });

  it('measures each action against the episodes where none was taken, per value tier, cause and industry', async () => {
    const measures = await alertActionOutcomes(client, { from: '2026-03-01', to: '2026-03-31' });
    const group = { value_tier: 'high', main_cause: 'order_gap', industry: 'MANUFACTURING' };
    const retail = { value_tier: 'medium', main_cause: 'late_deliveries', industry: 'RETAIL' };
    expect(measures).toEqual([
      // R and S: nobody acted. S acknowledged after 1 h and lost; R ordered again on day 17.
      {
        action: null,
        ...group,
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
      // P and Q: acknowledged after 2 h and 4 h (3), first action after 4 h and 8 h (6); P won back on
      // day 20, Q's retained came on day 100; P ordered on day 14, Q only on day 120. Recovered: P's
      // 1250.50 on day 30.
      {
        action: 'account manager call',
        ...group,
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
      // U under each of its two actions: acknowledged after 3 h, first action after 6 h, won back, ordered on day 27.
      // Recovered: 320.25 + 80.1234, under each action.
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
      {
        action: 'service recovery call',
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
    ]);
  });

  it('counts the episodes a rules change opened only when asked', async () => {
    const measures = await alertActionOutcomes(client, { from: '2026-03-01', to: '2026-03-31', includeRulesChanged: true });
    expect(measures[0]).toMatchObject({
      action: null,
      episodes: 3,
      acknowledged: 1,
      lost: 1,
      ordered_90d: 1,
      ordered_rate_90d: 0.3333,
      revenue_recovered_90d: '0',
    });
    expect(measures).toHaveLength(4);
  });

  it('runs the SQL docs/bi.md shows', () => {
    const flat = (sql: string) => sql.replace(/\s+/g, ' ').trim();
    const doc = flat(readFileSync(join(import.meta.dirname, '..', 'docs', 'bi.md'), 'utf8'));
    for (const sql of [ALERT_EPISODE_FACTS_SQL, ALERT_ACTION_OUTCOMES_SQL]) expect(doc).toContain(flat(sql));
  });

  it("forgets an erased customer's work with the rest of their rows", async () => {
    await eraseCustomers(client, ['U']);
    const r = await client.query({
      query: "SELECT count() AS n FROM alert_workflow_events WHERE customer_id = 'U'",
      format: 'JSONEachRow',
    });
    expect(Number((await r.json<{ n: string }>())[0]?.n)).toBe(0);
    expect((await alertEpisodeFacts(client, { from: '2026-03-01', to: '2026-03-31' })).map((f) => f.customer_id)).not.toContain('U');
    expect((await alertActionOutcomes(client, { from: '2026-03-01', to: '2026-03-31' })).filter((m) => m.industry === 'RETAIL')).toEqual(
      [],
    );
  });
});
