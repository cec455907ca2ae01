// The alert-workflow endpoints through the console's real HTTP server and the real workflow store,
// with ClickHouse and Kafka faked: who may work an episode (operator, not viewer), what each step
// writes, and what is refused (409 on a closed episode, 404 on an unknown one, 400 on a bad body).
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@segmentation/clickhouse';
import { aChurnAlert, type AlertWorkflowEvent } from '@segmentation/contracts';
import type { AvroCodec, ReliableProducer } from '@segmentation/kafka';
import { createLogger } from '@segmentation/runtime';
import type { EpisodeQueries } from './alert-episodes.ts';
import { alertInbox } from './alert-inbox.ts';
import { alertWorkflowStore } from './alert-workflow-store.ts';
import type { AuditEntry } from './console-audit.ts';
import { createConsoleServer } from './console-server.ts';
import { hashSecret, newSecret, personalToken } from './console-users.ts';
import type { CustomerDetails } from './customer-details.ts';
import type { MeasureQueries } from './measures.ts';
import type { HistoryQueries } from './history-queries.ts';
import { LiveFeed } from './live-feed.ts';

const cheap = { N: 2 ** 14, r: 8, p: 1 };
const EPISODE = 'SH/C-7/episode/3';
const T = Date.UTC(2026, 11, 1, 2);
const alertRow = (sequence: number, action: string) => {
  const a = aChurnAlert({
    customerId: 'SH/C-7',
    sequence,
    level: 'warning',
    eventTime: T + sequence,
    episodeId: EPISODE,
    action,
    valueTier: 'high',
  });
  return {
    alert_id: a.alertId,
    customer_id: a.customerId,
    level: a.level,
    previous_level: a.previousLevel,
    risk_score: a.riskScore,
    reason_codes: a.reasons.map((r) => r.code),
    reason_texts: a.reasons.map((r) => r.text),
    reason_values: a.reasons.map((r) => r.value),
    action: a.action,
    cause: a.cause,
    value_tier: a.valueTier,
    event_time: a.eventTime,
    detected_at: a.detectedAt,
    episode_id: a.episodeId,
    episode_event: a.episodeEvent,
  };
};

/** The parameters of the inbox's queries, newest last. */
const inboxQueries: Array<Record<string, unknown>> = [];

/** The inbox: no episodes; its list query's parameters are kept. */
function inboxRows(query: string, params: Record<string, unknown>): unknown[] {
  if (query.includes('{minOpenMs:Int64}')) inboxQueries.push(params);
  return [];
}

/** ClickHouse as far as the store asks it: the episode's alerts, no stored workflow rows yet, the profile's account manager. */
const clickhouse = {
  query: ({ query, query_params }: { query: string; query_params: Record<string, unknown> }) => ({
    json: () =>
      Promise.resolve(
        query.includes('FROM alert_episode_facts')
          ? inboxRows(query, query_params)
          : query.includes('FROM churn_alerts')
            ? query_params.episodeId === EPISODE
              ? [alertRow(2, 'account manager visit within 48 hours'), alertRow(1, 'account manager call')]
              : []
            : query.includes('FROM customer_profiles')
              ? [{ account_manager: 'am.chen' }]
              : [],
      ),
  }),
} as unknown as ClickHouseClient;

describe('the alert-workflow endpoints', () => {
  const secrets = { viewer: newSecret(), operator: newSecret() };
  const tokens = { viewer: personalToken('li.wei', secrets.viewer), operator: personalToken('ops-zhang', secrets.operator) };
  const written: AlertWorkflowEvent[] = [];
  const audit: AuditEntry[] = [];
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    const users = [
      { name: 'li.wei', role: 'viewer' as const, secretHash: await hashSecret(secrets.viewer, cheap) },
      { name: 'ops-zhang', role: 'operator' as const, secretHash: await hashSecret(secrets.operator, cheap) },
    ];
    const producer = {
      send: (_topic: string, messages: Array<{ value: AlertWorkflowEvent }>) => {
        written.push(...messages.map((m) => m.value));
        return Promise.resolve();
      },
    } as unknown as ReliableProducer;
    const codec = {
      register: () => Promise.resolve(1),
      encode: (_id: number, _schema: string, value: unknown) => value,
    } as unknown as AvroCodec;
    app = await createConsoleServer(
      { host: '127.0.0.1', port: 0, access: { kind: 'users', users }, corsOrigins: [], timeZone: 'Asia/Shanghai', maxStreams: 2 },
      {
        history: {} as HistoryQueries,
        episodes: {} as EpisodeQueries,
        workflow: alertWorkflowStore({ clickhouse, producer, codec }, 'alert-workflow'),
        inbox: alertInbox(clickhouse, () => T),
        measures: {} as MeasureQueries,
        customers: {} as CustomerDetails,
        feed: new LiveFeed({ backlogSize: 10, maxCustomers: 10 }),
        audit: {
          record: (entry) => {
            audit.push(entry);
            return Promise.resolve();
          },
        },
        eraseCustomers: () => Promise.resolve(),
        dimensions: () => Promise.resolve([]),
        churnModel: () => Promise.resolve({ rulesVersion: 'v1', fitted: false }),
        registry: new Registry(),
        checks: () => [],
        logger: createLogger({}, 'silent'),
      },
    );
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  });
  afterAll(async () => {
    await app.close();
  });
  beforeEach(() => {
    written.length = 0;
    audit.length = 0;
  });

  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const episodePath = `/api/episodes/${encodeURIComponent(EPISODE)}`;

  it('lets a viewer read an episode but not work it (403 naming the operator role), and writes nothing', async () => {
    const read = await call(tokens.viewer, 'GET', episodePath);
    expect(read).toMatchObject({
      status: 200,
      body: {
        episodeId: EPISODE,
        customerId: 'SH/C-7',
        accountManager: 'am.chen',
        workflow: { stage: 'new', assignee: 'am.chen', assigneeSource: 'profile' },
      },
    });
    expect(read.body.recommendedActions).toEqual(['account manager visit within 48 hours', 'account manager call']);
    for (const step of ['acknowledge', 'assign', 'close']) {
      expect(await call(tokens.viewer, 'POST', `${episodePath}/${step}`, {}), step).toMatchObject({
        status: 403,
        body: { requiredRole: 'operator' },
      });
    }
    expect(written).toEqual([]);
    expect(audit).toEqual([]);
  });

  it('walks an operator through acknowledge, assign, action and close, records each in the audit trail first, and refuses any step after the close', async () => {
    const ack = await call(tokens.operator, 'POST', `${episodePath}/acknowledge`, {});
    expect(ack).toMatchObject({
      status: 201,
      body: {
        result: 'recorded',
        record: { kind: 'acknowledged', workflowId: `${EPISODE}/acknowledged`, by: 'ops-zhang', customerId: 'SH/C-7' },
        workflow: { stage: 'acknowledged' },
      },
    });
    // No assignee named: the profile's account manager.
    expect(await call(tokens.operator, 'POST', `${episodePath}/assign`, {})).toMatchObject({
      status: 201,
      body: { record: { assignee: 'am.chen' }, workflow: { assigneeSource: 'assigned' } },
    });
    const action = { action: 'account manager call', note: 'promised a lane fix', requestId: 'req-0001-abcd' };
    expect(await call(tokens.operator, 'POST', `${episodePath}/actions`, action)).toMatchObject({
      status: 201,
      body: { record: { kind: 'action_taken', recommended: true }, workflow: { stage: 'acting' } },
    });
    // The page retries after a timeout: recognised, nothing new written.
    expect(await call(tokens.operator, 'POST', `${episodePath}/actions`, action)).toMatchObject({
      status: 200,
      body: { result: 'replayed' },
    });
    const closed = await call(tokens.operator, 'POST', `${episodePath}/close`, { outcome: 'retained', note: 'ordered again' });
    expect(closed).toMatchObject({
      status: 201,
      body: { workflow: { stage: 'closed', closed: { outcome: 'retained', by: 'ops-zhang' } } },
    });
    expect((closed.body.timeline as Array<{ kind: string }>).map((t) => t.kind)).toEqual([
      'closed_with_outcome',
      'action_taken',
      'assigned',
      'acknowledged',
      'alert',
      'alert',
    ]);
    expect(written.map((e) => e.kind)).toEqual(['acknowledged', 'assigned', 'action_taken', 'closed_with_outcome']);
    expect(audit.map((a) => [a.action, a.customerIds, a.detail, a.route])).toEqual([
      ['alert_acknowledged', ['SH/C-7'], EPISODE, '/api/episodes/:episodeId/acknowledge'],
      ['alert_assigned', ['SH/C-7'], EPISODE, '/api/episodes/:episodeId/assign'],
      ['alert_action_recorded', ['SH/C-7'], EPISODE, '/api/episodes/:episodeId/actions'],
      ['alert_closed', ['SH/C-7'], EPISODE, '/api/episodes/:episodeId/close'],
    ]);

    const late = await call(tokens.operator, 'POST', `${episodePath}/actions`, { ...action, requestId: 'req-0002-abcd' });
    expect(late).toMatchObject({
      status: 409,
      body: { error: expect.stringContaining('closed with the outcome retained by ops-zhang') as unknown, workflow: { stage: 'closed' } },
    });
    expect(written).toHaveLength(4);
  });

  it('filters the inbox by how long episodes have been open, in days, and refuses an age that is not a whole number of days', async () => {
    inboxQueries.length = 0;
    expect(await call(tokens.viewer, 'GET', '/api/inbox?openLongerThanDays=30')).toMatchObject({ status: 200, body: { episodes: [] } });
    expect(inboxQueries.at(-1)).toMatchObject({ nowMs: T, minOpenMs: 30 * 86_400_000 });
    expect(await call(tokens.viewer, 'GET', '/api/inbox')).toMatchObject({ status: 200 });
    expect(inboxQueries.at(-1)).toMatchObject({ minOpenMs: 0 });
    for (const bad of ['0', '7.5', 'week']) {
      expect(await call(tokens.viewer, 'GET', `/api/inbox?openLongerThanDays=${bad}`), bad).toMatchObject({
        status: 400,
        body: { error: expect.stringContaining('openLongerThanDays') as unknown },
      });
    }
  });

  it('answers 404 for an unknown episode and 400 for a bad body, naming the field', async () => {
    expect(await call(tokens.operator, 'POST', `/api/episodes/${encodeURIComponent('SH/C-7/episode/9')}/acknowledge`, {})).toMatchObject({
      status: 404,
      body: { error: expect.stringContaining('no alert episode SH/C-7/episode/9') as unknown },
    });
    expect(await call(tokens.operator, 'GET', `/api/episodes/${encodeURIComponent('not-an-episode')}`)).toMatchObject({ status: 404 });
    expect(await call(tokens.operator, 'POST', `${episodePath}/close`, { outcome: 'happy' })).toMatchObject({
      status: 400,
      body: { error: expect.stringContaining('outcome') as unknown },
    });
    expect(await call(tokens.operator, 'POST', `${episodePath}/actions`, { action: 'call' })).toMatchObject({
      status: 400,
      body: { error: expect.stringContaining('requestId') as unknown },
    });
    expect(await call(tokens.operator, 'POST', `${episodePath}/acknowledge`, { by: 'someone-else' })).toMatchObject({
      status: 400,
      body: { error: 'unknown body parameter by' },
    });
    expect(written).toEqual([]);
  });
});
