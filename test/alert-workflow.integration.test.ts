// Working a churn alert episode through the console against real services: ingest, sink and console
// in one process (real Kafka, registry, Redis, embedded ClickHouse). A profile goes in at its source
// topic and two alerts on churn-alerts (as the segmenter would write them); an operator acknowledges,
// assigns, records an action and closes the episode through the API, a viewer is refused, and the
// records land on the alert-workflow topic, in the audit trail and in ClickHouse with the outcome.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, startPipeline, type Config, type Pipeline } from '@segmentation/app';
import { alertEpisodeFacts, connectClickHouse, type ClickHouseClient } from '@segmentation/clickhouse';
import { hashSecret, newSecret, personalToken } from '@segmentation/console';
import {
  aChurnAlert,
  aProfile,
  avroSchemas,
  topicNames,
  valueSubject,
  type AlertWorkflowEvent,
  type ChurnAlert,
  type ConsoleAuditRecord,
  type CustomerProfile,
} from '@segmentation/contracts';
import { AvroCodec, createKafka, readTopicToEnd, ReliableProducer } from '@segmentation/kafka';
import { createLogger, createMetricsRegistry } from '@segmentation/runtime';
import { deleteTopicsWithPrefix } from './harness/kafka-state.ts';
import { deleteRunKeys, runEnv } from './harness/segmenter-run.ts';
import { repoRoot, testServices } from './harness/services.ts';
import { uniqueName } from './harness/unique.ts';
import { waitFor } from './harness/wait-for.ts';

const services = testServices();
const run = uniqueName('workflow');
const topics = topicNames(`${run}.`);
const logger = createLogger({ service: 'alert-workflow-test' }, 'warn');
const people = {
  viewer: { name: 'li.wei', role: 'viewer', secret: newSecret() },
  operator: { name: 'ops-zhang', role: 'operator', secret: newSecret() },
  admin: { name: 'wang', role: 'admin', secret: newSecret() },
} as const;
type Person = (typeof people)[keyof typeof people];

let config: Config;
let pipeline: Pipeline;
let codec: AvroCodec;
let producer: ReliableProducer;
let clickhouse: ClickHouseClient;
let base: string;

beforeAll(async () => {
  const usersFile = join(mkdtempSync(join(tmpdir(), 'segmentation-workflow-users-')), 'console-users.json');
  writeFileSync(
    usersFile,
    JSON.stringify({
      users: await Promise.all(
        Object.values(people).map(async (p) => ({ name: p.name, role: p.role, secret: await hashSecret(p.secret) })),
      ),
    }),
  );
  config = loadConfig({
    ...runEnv(services, run),
    ROLES: 'ingest,sink,console',
    CONSOLE_TOKEN: undefined,
    CONSOLE_USERS_FILE: usersFile,
    SINK_FLUSH_INTERVAL_MS: '200',
    CLICKHOUSE_PATH: join(mkdtempSync(join(tmpdir(), 'segmentation-workflow-')), 'clickhouse'),
  });
  pipeline = await startPipeline(config, logger, createMetricsRegistry(false));
  base = pipeline.consoleUrl!.replace(/\/$/, '');
  codec = new AvroCodec(config.SCHEMA_REGISTRY_URL);
  producer = new ReliableProducer(createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'alert-workflow-test' }, logger));
  await producer.connect();
  // The same process may open the embedded folder the sink writes to.
  clickhouse = await connectClickHouse({ kind: 'embedded', path: config.CLICKHOUSE_PATH });
  await waitFor('the console ready', async () => (await fetch(`${base}/readyz`)).ok || undefined);
});

afterAll(async () => {
  await pipeline?.stop();
  await producer?.disconnect();
  await clickhouse?.close();
  await deleteRunKeys(config.REDIS_URL, run);
  await deleteTopicsWithPrefix(createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'alert-workflow-test-cleanup' }, logger), run);
});

async function send(topic: string, schema: string, key: string, value: unknown): Promise<void> {
  const id = await codec.register(valueSubject(topic), schema);
  await producer.send(topic, [{ key, value: codec.encode(id, schema, value) }]);
}
const sendProfile = (p: CustomerProfile) => send(topics.customerProfiles, avroSchemas.customerProfile, p.customerId, p);
const sendAlert = (a: ChurnAlert) => send(topics.churnAlerts, avroSchemas.churnAlert, a.customerId, a);

async function api<T = Record<string, unknown>>(
  person: Person,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${personalToken(person.name, person.secret)}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

async function readAll<T>(topic: string, schema: string): Promise<T[]> {
  const records: T[] = [];
  await readTopicToEnd(createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'alert-workflow-test-reader' }, logger), topic, async (m) => {
    if (m.value !== null) records.push(await codec.decode<T>(m.value, schema));
  });
  return records;
}

describe('working a churn alert episode', () => {
  it('lets an operator acknowledge, assign, act and close it, refuses a viewer, and lands the work in ClickHouse with the outcome', async () => {
    const customerId = uniqueName('C-churn');
    const episodeId = `${customerId}/episode/1`;
    const path = `/api/episodes/${encodeURIComponent(episodeId)}`;
    const now = Date.now();
    await sendProfile(
      aProfile({ customerId, accountManager: 'am.chen', industry: 'RETAIL', region: 'South China', eventTime: now - 60_000 }),
    );
    await sendAlert(
      aChurnAlert({
        customerId,
        sequence: 1,
        level: 'watch',
        valueTier: 'high',
        eventTime: now - 30_000,
        detectedAt: now - 30_000,
        episodeId,
        action: 'account manager call',
      }),
    );
    await sendAlert(
      aChurnAlert({
        customerId,
        sequence: 2,
        level: 'warning',
        previousLevel: 'watch',
        valueTier: 'high',
        eventTime: now - 20_000,
        detectedAt: now - 20_000,
        episodeId,
        episodeEvent: 'escalated',
        action: 'account manager visit within 48 hours',
      }),
    );
    // Another customer's episode, for the inbox's filters: a manufacturer without an account manager.
    const otherId = uniqueName('C-quiet');
    await sendProfile(
      aProfile({ customerId: otherId, accountManager: null, industry: 'MANUFACTURING', region: 'East China', eventTime: now - 60_000 }),
    );
    await sendAlert(
      aChurnAlert({
        customerId: otherId,
        sequence: 1,
        level: 'critical',
        valueTier: 'medium',
        eventTime: now - 10_000,
        detectedAt: now - 10_000,
        episodeId: `${otherId}/episode/1`,
      }),
    );
    // An episode raised ten days ago and left lying, for the age filter.
    const lyingId = uniqueName('C-lying');
    const tenDays = 10 * 86_400_000;
    await sendAlert(
      aChurnAlert({
        customerId: lyingId,
        sequence: 1,
        level: 'warning',
        valueTier: 'low',
        eventTime: now - tenDays,
        detectedAt: now - tenDays,
        episodeId: `${lyingId}/episode/1`,
      }),
    );
    await waitFor('the episode and the profile in ClickHouse', async () => {
      const r = await api(people.viewer, 'GET', path);
      return (r.status === 200 && r.body.accountManager === 'am.chen' && (r.body.timeline as unknown[]).length === 2) || undefined;
    });

    // The inbox: am.chen's (by the profile, nobody assigned it yet), the team's, and by filter.
    type Inbox = {
      episodes: Array<{
        episodeId: string;
        stage: string;
        assignee: string | null;
        assigneeSource: string | null;
        level: string;
        outcome: string | null;
      }>;
      assignees: Array<{ assignee: string; open: number }>;
    };
    const team = await waitFor('both episodes in the team inbox', async () => {
      const r = await api<Inbox>(people.viewer, 'GET', '/api/inbox');
      const mine = r.body.episodes.filter((e) => e.episodeId === episodeId || e.episodeId === `${otherId}/episode/1`);
      return mine.length === 2 ? { ...r.body, episodes: mine } : undefined;
    });
    expect(team.episodes.map((e) => [e.episodeId, e.level, e.stage, e.assignee])).toEqual([
      [`${otherId}/episode/1`, 'critical', 'new', null],
      [episodeId, 'warning', 'new', 'am.chen'],
    ]);
    expect(team.assignees).toContainEqual({ assignee: 'am.chen', open: 1 });
    expect((await api<Inbox>(people.viewer, 'GET', '/api/inbox?assignee=am.chen')).body.episodes).toEqual([
      expect.objectContaining({ episodeId, assignee: 'am.chen', assigneeSource: 'profile' }),
    ]);
    expect(
      (
        await api<Inbox>(people.viewer, 'GET', '/api/inbox?industry=MANUFACTURING&region=East%20China&valueTier=medium&level=critical')
      ).body.episodes.map((e) => e.episodeId),
    ).toEqual([`${otherId}/episode/1`]);
    expect((await api<Inbox>(people.viewer, 'GET', '/api/inbox?industry=RETAIL&level=critical')).body.episodes).toEqual([]);
    // Open longer than 7 days: only the one raised ten days ago; longer than 30: none.
    const lying = await waitFor('the episode left lying in the inbox', async () => {
      const r = await api<Inbox>(people.viewer, 'GET', '/api/inbox?openLongerThanDays=7');
      return r.body.episodes.length > 0 ? r.body.episodes : undefined;
    });
    expect(lying.map((e) => e.episodeId)).toEqual([`${lyingId}/episode/1`]);
    expect((await api<Inbox>(people.viewer, 'GET', '/api/inbox?openLongerThanDays=30')).body.episodes).toEqual([]);
    expect(await api(people.viewer, 'GET', '/api/inbox?openLongerThanDays=0')).toMatchObject({
      status: 400,
      body: { error: expect.stringContaining('openLongerThanDays') as unknown },
    });
    expect(await api(people.viewer, 'GET', '/api/inbox?state=done')).toMatchObject({
      status: 400,
      body: { error: expect.stringContaining('state') as unknown },
    });

    expect(await api(people.viewer, 'POST', `${path}/acknowledge`, {})).toMatchObject({ status: 403, body: { requiredRole: 'operator' } });
    expect(
      await api(people.operator, 'POST', `${path}/actions`, { action: 'account manager call', requestId: 'too-early-0001' }),
    ).toMatchObject({ status: 409, body: { error: expect.stringContaining('acknowledge it before') as unknown } });
    expect(await api(people.operator, 'POST', `${path}/acknowledge`, {})).toMatchObject({
      status: 201,
      body: { workflow: { stage: 'acknowledged', acknowledged: { by: 'ops-zhang' } } },
    });
    expect(await api(people.operator, 'POST', `${path}/assign`, {})).toMatchObject({
      status: 201,
      body: { record: { assignee: 'am.chen' } },
    });
    const action = { action: 'account manager visit within 48 hours', note: '拜访 visited, lane fix agreed', requestId: 'visit-0001' };
    expect(await api(people.operator, 'POST', `${path}/actions`, action)).toMatchObject({
      status: 201,
      body: { record: { recommended: true }, workflow: { stage: 'acting' } },
    });
    expect(await api(people.operator, 'POST', `${path}/actions`, action)).toMatchObject({ status: 200, body: { result: 'replayed' } });
    expect(await api(people.operator, 'POST', `${path}/close`, { outcome: 'won_back', note: 'ordered again' })).toMatchObject({
      status: 201,
      body: { workflow: { stage: 'closed' } },
    });
    expect(await api(people.operator, 'POST', `${path}/actions`, { ...action, requestId: 'visit-0002' })).toMatchObject({
      status: 409,
      body: { error: expect.stringContaining('closed with the outcome won_back by ops-zhang') as unknown },
    });

    const written = (await readAll<AlertWorkflowEvent>(topics.alertWorkflow, avroSchemas.alertWorkflow)).filter(
      (r) => r.customerId === customerId,
    );
    expect(written.map((r) => [r.kind, r.by])).toEqual([
      ['acknowledged', 'ops-zhang'],
      ['assigned', 'ops-zhang'],
      ['action_taken', 'ops-zhang'],
      ['closed_with_outcome', 'ops-zhang'],
    ]);
    const audited = (await readAll<ConsoleAuditRecord>(topics.consoleAudit, avroSchemas.consoleAudit)).filter((r) =>
      r.customerIds.includes(customerId),
    );
    expect(audited.map((r) => [r.action, r.user, r.detail])).toEqual([
      ['alert_acknowledged', 'ops-zhang', episodeId],
      ['alert_assigned', 'ops-zhang', episodeId],
      ['alert_action_recorded', 'ops-zhang', episodeId],
      ['alert_closed', 'ops-zhang', episodeId],
    ]);

    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(now);
    const facts = await waitFor('the work in ClickHouse', async () => {
      const f = (await alertEpisodeFacts(clickhouse, { from: today, to: today })).find((e) => e.episode_id === episodeId);
      return f?.stage === 'closed' ? f : undefined;
    });
    expect(facts).toMatchObject({
      customer_id: customerId,
      value_tier: 'high',
      industry: 'RETAIL',
      region: 'South China',
      acknowledged_by: 'ops-zhang',
      assignee: 'am.chen',
      actions: ['account manager visit within 48 hours'],
      outcome: 'won_back',
      escalated_at: expect.any(String) as unknown,
    });

    const closedInbox = await waitFor('the close in the inbox', async () => {
      const r = await api<Inbox>(people.operator, 'GET', '/api/inbox?assignee=am.chen&state=closed');
      return r.body.episodes.length === 1 ? r.body : undefined;
    });
    expect(closedInbox.episodes[0]).toMatchObject({
      episodeId,
      stage: 'closed',
      outcome: 'won_back',
      assignee: 'am.chen',
      assigneeSource: 'assigned',
    });
    const open = (await api<Inbox>(people.operator, 'GET', '/api/inbox')).body.episodes.map((e) => e.episodeId);
    expect(open).toContain(`${otherId}/episode/1`);
    expect(open).not.toContain(episodeId);

    // Erased: the work goes with the customer's other rows, and the console no longer knows the episode.
    expect((await api(people.admin, 'POST', '/api/erasures', { customerIds: [customerId], reason: 'TICKET-9' })).status).toBe(202);
    await waitFor('the work erased from ClickHouse', async () => {
      const r = await clickhouse.query({
        query: 'SELECT count() AS n FROM alert_workflow_events WHERE customer_id = {c:String}',
        query_params: { c: customerId },
        format: 'JSONEachRow',
      });
      return Number((await r.json<{ n: string }>())[0]?.n) === 0 || undefined;
    });
    expect((await api(people.operator, 'GET', path)).status).toBe(404);
  });
});

// Debian's chromium, installed by infra/os-packages.sh (./dev test runs it); no browser download.
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const artifacts = join(repoRoot, '.local', 'artifacts');

describe('the alert inbox in a browser', () => {
  it('lets an operator work an episode from the page, in Chinese and in English', async () => {
    if (!existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath}: run bash infra/os-packages.sh (or set CHROMIUM_PATH)`);
    mkdirSync(artifacts, { recursive: true });
    const customerId = uniqueName('C-page');
    const episodeId = `${customerId}/episode/1`;
    const now = Date.now();
    await sendProfile(aProfile({ customerId, accountManager: 'ops-zhang', industry: 'E_COMMERCE', eventTime: now - 60_000 }));
    await sendAlert(
      aChurnAlert({
        customerId,
        sequence: 1,
        level: 'warning',
        riskScore: 0.55,
        valueTier: 'high',
        eventTime: now - 8_000,
        detectedAt: now - 8_000,
        episodeId,
        action: 'service recovery plan with compensation',
      }),
    );
    await sendAlert(
      aChurnAlert({
        customerId,
        sequence: 2,
        level: 'critical',
        previousLevel: 'warning',
        riskScore: 0.82,
        valueTier: 'high',
        eventTime: now - 5_000,
        detectedAt: now - 5_000,
        episodeId,
        episodeEvent: 'escalated',
        action: 'service recovery plan with compensation',
      }),
    );
    await waitFor(
      'the episode in the inbox',
      async () =>
        (
          await api<{ episodes: Array<{ episodeId: string; level: string }> }>(people.operator, 'GET', '/api/inbox?assignee=ops-zhang')
        ).body.episodes.some((e) => e.episodeId === episodeId && e.level === 'critical') || undefined,
    );

    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
      await page.goto(`${base}/`);
      await page.getByTestId('token-input').fill(personalToken(people.operator.name, people.operator.secret));
      await page.getByTestId('token-submit').click();
      // My inbox: the profile names ops-zhang as the customer's account manager.
      await page.getByTestId('inbox-scope').selectOption('ops-zhang');
      const row = page.locator(`[data-testid="inbox-row"][data-episode="${episodeId}"]`);
      await row.waitFor({ timeout: 30_000 });
      expect(await row.innerText()).toMatch(/严重[\s\S]*待处理[\s\S]*0 天/);
      // Open longer than 7 days: not this one, raised seconds ago.
      await page.getByTestId('inbox-age').selectOption('7');
      await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(0);
      await page.getByTestId('inbox-age').selectOption('');
      await row.waitFor({ timeout: 10_000 });
      await row.click();
      // The churn risk of each alert, oldest first, as a line and in the timeline.
      const dots = page.getByTestId('inbox-risk-point');
      await expect
        .poll(async () => Promise.all((await dots.all()).map((d) => d.getAttribute('data-risk'))), { timeout: 10_000 })
        .toEqual(['0.55', '0.82']);
      expect(await page.getByTestId('inbox-risk-latest').innerText()).toBe('0.55 → 0.82');
      expect(await page.getByTestId('inbox-timeline-alert').allInnerTexts()).toEqual([
        expect.stringMatching(/严重[\s\S]*风险分 0\.82/),
        expect.stringMatching(/预警[\s\S]*风险分 0\.55/),
      ]);
      const stage = page.getByTestId('inbox-panel-stage');
      await expect.poll(() => stage.innerText(), { timeout: 10_000 }).toBe('待处理');
      await page.getByTestId('inbox-acknowledge').click();
      await expect.poll(() => stage.innerText(), { timeout: 10_000 }).toBe('已确认');
      await page.getByTestId('inbox-action-note').fill('赔付方案已发出 compensation offered');
      await page.getByTestId('inbox-action-form').getByRole('button').click();
      await expect.poll(() => stage.innerText(), { timeout: 10_000 }).toBe('处理中');
      await page.getByTestId('inbox-outcome').selectOption('won_back');
      await page.getByTestId('inbox-close-form').getByRole('button').click();
      await expect.poll(() => stage.innerText(), { timeout: 10_000 }).toBe('已结案 · 挽回');
      // The row follows at once, though ClickHouse may not have the close yet.
      expect(await row.getByTestId('inbox-stage').innerText()).toBe('已结案');
      const work = page.getByTestId('inbox-timeline').getByTestId('inbox-timeline-work');
      expect(await work.allInnerTexts()).toEqual([
        expect.stringMatching(/结案[\s\S]*挽回/),
        expect.stringMatching(/措施[\s\S]*service recovery plan with compensation[\s\S]*compensation offered/),
        expect.stringMatching(/确认[\s\S]*ops-zhang/),
      ]);
      await page.screenshot({ path: join(artifacts, 'console-alert-inbox.png'), fullPage: true });

      await page.getByTestId('lang-switch').click();
      await expect.poll(() => stage.innerText(), { timeout: 10_000 }).toBe('Closed · Won back');
      expect(await page.locator('#inbox-title').innerText()).toBe('Alert inbox');

      // The link a notification carries (notifier consoleUrl) opens the episode.
      await page.getByTestId('inbox-panel').getByRole('button', { name: 'Close', exact: true }).click();
      await expect.poll(() => page.getByTestId('inbox-panel').isHidden(), { timeout: 10_000 }).toBe(true);
      await page.goto(`${base}/#/episode/${encodeURIComponent(episodeId)}`);
      await expect.poll(() => stage.innerText(), { timeout: 10_000 }).toBe('Closed · Won back');
      await page.screenshot({ path: join(artifacts, 'console-alert-inbox-en.png'), fullPage: true });

      const written = (await readAll<AlertWorkflowEvent>(topics.alertWorkflow, avroSchemas.alertWorkflow)).filter(
        (r) => r.customerId === customerId,
      );
      expect(written.map((r) => [r.kind, r.by, r.action ?? r.outcome])).toEqual([
        ['acknowledged', 'ops-zhang', null],
        ['action_taken', 'ops-zhang', 'service recovery plan with compensation'],
        ['closed_with_outcome', 'ops-zhang', 'won_back'],
      ]);
    } finally {
      await browser.close();
    }
  });
});
