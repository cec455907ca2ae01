// Every BI query of docs/bi.md against the real tables, on a small known fixture loaded through the
// sink's mappers and insertRows, with one batch delivered twice (as after a crash before the
// offset commit): the answers are exact and count the redelivered rows once. Runs against the
// embedded engine, and a server when CLICKHOUSE_URL is set.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  churnAlertEpisodes,
  churnAlertsByReasonAndValueTier,
  churnAlertsPerDay,
  cohortRetention,
  connectClickHouse,
  customerTimeline,
  membersOnDate,
  migrate,
  rfmGroups,
  rowsForChurnAlert,
  rowsForCustomerEvent,
  rowsForFeatureSnapshot,
  rowsForSegmentChange,
  segmentSizeTrend,
  transitionMatrix,
  transitionsPerDay,
  type ClickHouseClient,
  type ClickHouseTarget,
} from '@segmentation/clickhouse';
import {
  aChurnAlert,
  aComplaintEvent,
  aFeatureSnapshot,
  anOrderEvent,
  aProfileEvent,
  aSegmentChange,
  aShipmentEvent,
  aTick,
  shanghai,
} from '@segmentation/contracts';
import { testServices } from './harness/services.ts';
import { uniqueName } from './harness/unique.ts';
import { insertBatch } from './harness/clickhouse-fixture.ts';

const serverUrl = testServices().clickhouseUrl;
const targets: Array<[string, ClickHouseTarget | undefined]> = [
  ['embedded engine (chdb)', { kind: 'embedded', path: join(mkdtempSync(join(tmpdir(), 'segmentation-bi-')), 'data') }],
  [
    'server at CLICKHOUSE_URL',
    serverUrl
      ? {
          kind: 'server',
          url: serverUrl,
          database: uniqueName('bi').replace(/-/g, '_'),
          username: process.env.CLICKHOUSE_USER,
          password: process.env.CLICKHOUSE_PASSWORD,
        }
      : undefined,
  ],
];

// Three customers A, B, C (value tiers), one more (D) only in snapshots. Business days are in
// Asia/Shanghai; A's move to high at 00:30 on 5 March is still 4 March in UTC, which tells a query
// that groups by UTC day from one that groups by business day.
const events = [
  aProfileEvent({ customerId: 'A', eventId: 'a-p1', eventTime: shanghai('2026-01-10 09:00'), signedUpAt: shanghai('2026-01-10 09:00') }),
  aProfileEvent({ customerId: 'B', eventId: 'b-p1', eventTime: shanghai('2026-01-20 09:00'), signedUpAt: shanghai('2026-01-20 09:00') }),
  // B's later profile update: same sign-up date, another account manager; cohorts use the latest.
  aProfileEvent({
    customerId: 'B',
    eventId: 'b-p2',
    eventTime: shanghai('2026-02-15 09:00'),
    signedUpAt: shanghai('2026-01-20 09:00'),
    accountManager: 'Li Wei',
  }),
  aProfileEvent({ customerId: 'C', eventId: 'c-p1', eventTime: shanghai('2026-02-05 09:00'), signedUpAt: shanghai('2026-02-05 09:00') }),
  anOrderEvent({ customerId: 'A', eventId: 'a-o1', eventTime: shanghai('2026-01-15 10:00'), amountBase: 5000 }),
  // 04:00 on 1 February in Shanghai is still January in UTC: retention counts it in February.
  anOrderEvent({ customerId: 'A', eventId: 'a-o2', eventTime: shanghai('2026-02-01 04:00'), amountBase: 7000.5 }),
  anOrderEvent({
    customerId: 'A',
    eventId: 'a-o3',
    eventTime: shanghai('2026-03-01 10:00'),
    amountBase: 90000.25,
    amount: 12676.09,
    currency: 'USD',
  }),
  anOrderEvent({ customerId: 'B', eventId: 'b-o1', eventTime: shanghai('2026-01-25 10:00') }),
  anOrderEvent({ customerId: 'B', eventId: 'b-o2', eventTime: shanghai('2026-02-10 10:00') }),
  anOrderEvent({ customerId: 'C', eventId: 'c-o1', eventTime: shanghai('2026-02-06 10:00') }),
  anOrderEvent({ customerId: 'C', eventId: 'c-o2', eventTime: shanghai('2026-03-02 08:00') }),
  // A cancellation is no activity: C's April does not count.
  anOrderEvent({ customerId: 'C', eventId: 'c-o3', eventTime: shanghai('2026-04-02 08:00'), kind: 'CANCELLED' }),
  aShipmentEvent({
    customerId: 'A',
    eventId: 'a-s1',
    eventTime: shanghai('2026-03-02 12:00'),
    status: 'DELAYED',
    onTime: false,
    actualDeliveryTime: null,
  }),
  aComplaintEvent({ customerId: 'A', eventId: 'a-k1', eventTime: shanghai('2026-03-04 12:00'), category: 'DELAY', severity: 'HIGH' }),
  aTick(3, shanghai('2026-03-04 12:00')),
];

const changes = [
  aSegmentChange({ customerId: 'A', sequence: 1, fromSegment: null, toSegment: 'low', eventTime: shanghai('2026-03-01 10:00') }),
  aSegmentChange({ customerId: 'A', sequence: 2, fromSegment: 'low', toSegment: 'medium', eventTime: shanghai('2026-03-03 23:30') }),
  aSegmentChange({ customerId: 'A', sequence: 3, fromSegment: 'medium', toSegment: 'high', eventTime: shanghai('2026-03-05 00:30') }),
  aSegmentChange({ customerId: 'B', sequence: 1, fromSegment: null, toSegment: 'low', eventTime: shanghai('2026-03-01 12:00') }),
  aSegmentChange({ customerId: 'B', sequence: 2, fromSegment: 'low', toSegment: 'medium', eventTime: shanghai('2026-03-04 09:00') }),
  aSegmentChange({ customerId: 'C', sequence: 1, fromSegment: null, toSegment: 'medium', eventTime: shanghai('2026-03-02 08:00') }),
  // Another dimension: must not leak into value_tier answers.
  aSegmentChange({
    customerId: 'A',
    dimension: 'lifecycle',
    sequence: 1,
    fromSegment: null,
    toSegment: 'new',
    eventTime: shanghai('2026-03-01 10:00'),
  }),
];

const alerts = [
  aChurnAlert({
    customerId: 'A',
    sequence: 1,
    level: 'warning',
    valueTier: 'high',
    eventTime: shanghai('2026-03-05 10:00'),
    reasons: [
      { code: 'order_gap', text: 'No order for 40 days', value: 40 },
      { code: 'late_deliveries', text: '2 late deliveries', value: 2 },
    ],
  }),
  aChurnAlert({ customerId: 'B', sequence: 1, level: 'warning', valueTier: 'medium', eventTime: shanghai('2026-03-05 11:00') }),
  // C's episode was opened by a rules change, as many are at once when the rules move.
  aChurnAlert({
    customerId: 'C',
    sequence: 1,
    level: 'critical',
    valueTier: null,
    cause: 'rules_changed',
    eventTime: shanghai('2026-03-06 09:00'),
    reasons: [{ code: 'open_complaints', text: '3 open complaints', value: 3 }],
  }),
  aChurnAlert({
    customerId: 'A',
    sequence: 2,
    level: 'cleared',
    previousLevel: 'warning',
    valueTier: 'high',
    eventTime: shanghai('2026-03-07 09:00'),
    reasons: [],
  }),
  // B's episode escalates to critical, then falls back to warning while still open: peak and last level differ.
  aChurnAlert({
    customerId: 'B',
    sequence: 2,
    level: 'critical',
    previousLevel: 'warning',
    valueTier: 'medium',
    eventTime: shanghai('2026-03-08 10:00'),
    episodeEvent: 'escalated',
  }),
  aChurnAlert({
    customerId: 'B',
    sequence: 3,
    level: 'warning',
    previousLevel: 'critical',
    valueTier: 'medium',
    eventTime: shanghai('2026-03-09 10:00'),
    episodeEvent: 'de_escalated',
  }),
  // Written before episodes existed: counted with the alerts, in no episode.
  aChurnAlert({
    customerId: 'D',
    sequence: 1,
    level: 'watch',
    valueTier: null,
    eventTime: shanghai('2026-03-10 10:00'),
    episodeId: null,
    episodeEvent: null,
  }),
  // E's episode closes, and a raise soon after continues it: open again, with no close.
  aChurnAlert({ customerId: 'E', sequence: 1, level: 'watch', valueTier: 'low', eventTime: shanghai('2026-03-11 10:00') }),
  aChurnAlert({
    customerId: 'E',
    sequence: 2,
    level: 'cleared',
    previousLevel: 'watch',
    valueTier: 'low',
    eventTime: shanghai('2026-03-12 10:00'),
    reasons: [],
  }),
  aChurnAlert({
    customerId: 'E',
    sequence: 3,
    level: 'warning',
    previousLevel: null,
    valueTier: 'low',
    eventTime: shanghai('2026-03-13 10:00'),
  }),
];

const rfm = (r: number, f: number, m: number) => ({ daysSinceLastOrder: r, orders365d: f, revenue365d: m });
const snapshots = [
  aFeatureSnapshot({ customerId: 'A', eventTime: shanghai('2026-03-01 10:00'), features: rfm(100, 1, 10) }), // superseded by A's next
  aFeatureSnapshot({ customerId: 'A', eventTime: shanghai('2026-03-09 10:00'), features: rfm(2, 10, 50000) }),
  aFeatureSnapshot({ customerId: 'A', eventTime: shanghai('2026-03-20 10:00'), features: rfm(0, 0, 0) }), // after the date asked
  aFeatureSnapshot({ customerId: 'B', eventTime: shanghai('2026-03-08 10:00'), features: rfm(30, 3, 60000) }),
  aFeatureSnapshot({ customerId: 'C', eventTime: shanghai('2026-03-08 10:00'), features: rfm(5, 2, 1000) }),
  aFeatureSnapshot({ customerId: 'D', eventTime: shanghai('2026-03-10 23:00'), features: rfm(60, 8, 2000) }),
  aFeatureSnapshot({ customerId: 'E', eventTime: shanghai('2026-03-08 10:00'), features: { lifetimeValue: 5 } }), // no RFM features
];

for (const [label, target] of targets) {
  describe.skipIf(target === undefined)(`BI queries: ${label}${target ? '' : ' (skipped: CLICKHOUSE_URL is not set)'}`, () => {
    let client: ClickHouseClient;
    beforeAll(async () => {
      client = await connectClickHouse(target!);
      await migrate(client);
      const batch = [
        ...events.flatMap((e, i) => rowsForCustomerEvent(e, { partition: 3, offset: 100 + i })),
        ...changes.flatMap(rowsForSegmentChange),
        ...alerts.flatMap(rowsForChurnAlert),
        ...snapshots.flatMap(rowsForFeatureSnapshot),
      ];
      await insertBatch(client, batch);
      await insertBatch(client, batch); // redelivered after a crash before the offset commit
    });
    afterAll(async () => {
      await client?.close();
    });

    it('stored every row twice, so the answers below are exact only because duplicates count once', async () => {
      const r = await client.query({ query: 'SELECT count() AS n FROM segment_changes', format: 'JSONEachRow' });
      expect(Number((await r.json<{ n: string }>())[0]?.n)).toBe(2 * changes.length);
    });

    it('segment size trend: customers per value tier at the end of each business day, every tier every day', async () => {
      const sizes = await segmentSizeTrend(client, { dimension: 'value_tier', from: '2026-03-02', to: '2026-03-05' });
      const table = sizes.map((s) => `${s.day} ${s.segment}=${s.customers}`);
      expect(table).toEqual([
        '2026-03-02 high=0',
        '2026-03-02 low=2',
        '2026-03-02 medium=1',
        '2026-03-03 high=0',
        '2026-03-03 low=1',
        '2026-03-03 medium=2',
        '2026-03-04 high=0',
        '2026-03-04 low=0',
        '2026-03-04 medium=3',
        '2026-03-05 high=1',
        '2026-03-05 low=0',
        '2026-03-05 medium=2',
      ]);
    });

    it('segment size trend in UTC days moves A to high one day earlier', async () => {
      const sizes = await segmentSizeTrend(client, { dimension: 'value_tier', from: '2026-03-04', to: '2026-03-04', timeZone: 'UTC' });
      expect(sizes).toEqual([
        { day: '2026-03-04', segment: 'high', customers: 1 },
        { day: '2026-03-04', segment: 'low', customers: 0 },
        { day: '2026-03-04', segment: 'medium', customers: 2 },
      ]);
    });

    it('transition matrix: from → to counts over the period, first segments from none', async () => {
      expect(await transitionMatrix(client, { dimension: 'value_tier', from: '2026-03-01', to: '2026-03-05' })).toEqual([
        { from_segment: null, to_segment: 'low', changes: 2 },
        { from_segment: null, to_segment: 'medium', changes: 1 },
        { from_segment: 'low', to_segment: 'medium', changes: 2 },
        { from_segment: 'medium', to_segment: 'high', changes: 1 },
      ]);
      expect(await transitionMatrix(client, { dimension: 'value_tier', from: '2026-03-05', to: '2026-03-05' })).toEqual([
        { from_segment: 'medium', to_segment: 'high', changes: 1 },
      ]);
    });

    it('transitions per business day', async () => {
      const perDay = await transitionsPerDay(client, { dimension: 'value_tier', from: '2026-03-01', to: '2026-03-05' });
      expect(perDay.map((t) => `${t.day} ${t.from_segment ?? 'none'}->${t.to_segment} ${t.changes}`)).toEqual([
        '2026-03-01 none->low 2',
        '2026-03-02 none->medium 1',
        '2026-03-03 low->medium 1',
        '2026-03-04 low->medium 1',
        '2026-03-05 medium->high 1',
      ]);
    });

    it('churn alerts per day and level count an alert with two reasons once', async () => {
      expect(await churnAlertsPerDay(client, { from: '2026-03-01', to: '2026-03-31' })).toEqual([
        { day: '2026-03-05', level: 'warning', alerts: 2 },
        { day: '2026-03-06', level: 'critical', alerts: 1 },
        { day: '2026-03-07', level: 'cleared', alerts: 1 },
        { day: '2026-03-08', level: 'critical', alerts: 1 },
        { day: '2026-03-09', level: 'warning', alerts: 1 },
        { day: '2026-03-10', level: 'watch', alerts: 1 },
        { day: '2026-03-11', level: 'watch', alerts: 1 },
        { day: '2026-03-12', level: 'cleared', alerts: 1 },
        { day: '2026-03-13', level: 'warning', alerts: 1 },
      ]);
    });

    it('churn alerts by level, reason and value tier', async () => {
      expect(await churnAlertsByReasonAndValueTier(client, { from: '2026-03-01', to: '2026-03-31' })).toEqual([
        { level: 'cleared', reason_code: 'none', value_tier: 'high', alerts: 1 },
        { level: 'cleared', reason_code: 'none', value_tier: 'low', alerts: 1 },
        { level: 'critical', reason_code: 'open_complaints', value_tier: null, alerts: 1 },
        { level: 'critical', reason_code: 'order_gap', value_tier: 'medium', alerts: 1 },
        { level: 'warning', reason_code: 'late_deliveries', value_tier: 'high', alerts: 1 },
        { level: 'warning', reason_code: 'order_gap', value_tier: 'high', alerts: 1 },
        { level: 'warning', reason_code: 'order_gap', value_tier: 'low', alerts: 1 },
        { level: 'warning', reason_code: 'order_gap', value_tier: 'medium', alerts: 2 },
        { level: 'watch', reason_code: 'order_gap', value_tier: null, alerts: 1 },
        { level: 'watch', reason_code: 'order_gap', value_tier: 'low', alerts: 1 },
      ]);
    });

    it('alert episodes: one row each, open, closed or reopened, with peak and last level, messages counted once, the opening tier and cause', async () => {
      expect(await churnAlertEpisodes(client, { from: '2026-03-01', to: '2026-03-31' })).toEqual([
        {
          episode_id: 'A/episode/1',
          customer_id: 'A',
          opened_at: '2026-03-05 02:00:00.000',
          closed_at: '2026-03-07 01:00:00.000',
          peak_level: 'warning',
          last_level: 'cleared',
          messages: 2,
          value_tier: 'high',
          opening_cause: 'timer',
        },
        {
          episode_id: 'B/episode/1',
          customer_id: 'B',
          opened_at: '2026-03-05 03:00:00.000',
          closed_at: null,
          peak_level: 'critical',
          last_level: 'warning',
          messages: 3,
          value_tier: 'medium',
          opening_cause: 'timer',
        },
        {
          episode_id: 'C/episode/1',
          customer_id: 'C',
          opened_at: '2026-03-06 01:00:00.000',
          closed_at: null,
          peak_level: 'critical',
          last_level: 'critical',
          messages: 1,
          value_tier: null,
          opening_cause: 'rules_changed',
        },
        {
          episode_id: 'E/episode/1',
          customer_id: 'E',
          opened_at: '2026-03-11 02:00:00.000',
          closed_at: null,
          peak_level: 'warning',
          last_level: 'warning',
          messages: 3,
          value_tier: 'low',
          opening_cause: 'timer',
        },
      ]);
      // By the business day the episode opened on.
      expect((await churnAlertEpisodes(client, { from: '2026-03-06', to: '2026-03-06' })).map((e) => e.episode_id)).toEqual([
        'C/episode/1',
      ]);
    });

    it("one customer's timeline across events, segment changes and churn alerts, each once", async () => {
      const timeline = await customerTimeline(client, { customerId: 'A' });
      expect(timeline.map((t) => `${t.time} ${t.kind} ${t.id} ${t.detail}`)).toEqual([
        '2026-01-10 01:00:00.000 profile a-p1 MANUFACTURING CARGO_OWNER CN',
        '2026-01-15 02:00:00.000 order a-o1 PLACED O-a-o1 5000 CNY',
        '2026-01-31 20:00:00.000 order a-o2 PLACED O-a-o2 7000.5 CNY',
        '2026-03-01 02:00:00.000 order a-o3 PLACED O-a-o3 90000.25 CNY',
        '2026-03-01 02:00:00.000 segment_change A/lifecycle/1 lifecycle: none -> new',
        '2026-03-01 02:00:00.000 segment_change A/value_tier/1 value_tier: none -> low',
        '2026-03-02 04:00:00.000 shipment a-s1 DELAYED S-a-s1 SEA',
        '2026-03-03 15:30:00.000 segment_change A/value_tier/2 value_tier: low -> medium',
        '2026-03-04 04:00:00.000 complaint a-k1 OPENED K-a-k1 DELAY HIGH',
        '2026-03-04 16:30:00.000 segment_change A/value_tier/3 value_tier: medium -> high',
        '2026-03-05 02:00:00.000 churn_alert A/churn/1 warning (order_gap, late_deliveries)',
        '2026-03-07 01:00:00.000 churn_alert A/churn/2 cleared ()',
      ]);
    });

    it('point-in-time membership: who was in a segment at the end of a business day', async () => {
      const members = (segment: string, date: string) => membersOnDate(client, { dimension: 'value_tier', segment, date });
      expect(await members('medium', '2026-03-03')).toEqual(['A', 'C']);
      expect(await members('low', '2026-03-03')).toEqual(['B']);
      expect(await members('medium', '2026-03-05')).toEqual(['B', 'C']); // A left for high at 00:30
      expect(await members('high', '2026-03-04')).toEqual([]);
      expect(await members('high', '2026-03-05')).toEqual(['A']);
      expect(await members('low', '2026-02-28')).toEqual([]);
    });

    it('cohort retention by sign-up month: share of the cohort placing an order N months later', async () => {
      expect(await cohortRetention(client, { from: '2026-01-01', to: '2026-12-31' })).toEqual([
        { cohort_month: '2026-01-01', months_since_signup: 0, cohort_size: 2, active_customers: 2, retention: 1 },
        { cohort_month: '2026-01-01', months_since_signup: 1, cohort_size: 2, active_customers: 2, retention: 1 },
        { cohort_month: '2026-01-01', months_since_signup: 2, cohort_size: 2, active_customers: 1, retention: 0.5 },
        { cohort_month: '2026-02-01', months_since_signup: 0, cohort_size: 1, active_customers: 1, retention: 1 },
        { cohort_month: '2026-02-01', months_since_signup: 1, cohort_size: 1, active_customers: 1, retention: 1 },
      ]);
    });

    it('RFM eight groups (重要价值客户 …) from the latest snapshot on or before the date', async () => {
      expect(await rfmGroups(client, { date: '2026-03-10' })).toEqual([
        { rfm_group: '一般发展客户', rfm_group_en: 'general development', customers: 1 },
        { rfm_group: '一般保持客户', rfm_group_en: 'general retention', customers: 1 },
        { rfm_group: '重要价值客户', rfm_group_en: 'important value', customers: 1 },
        { rfm_group: '重要挽留客户', rfm_group_en: 'important win-back', customers: 1 },
      ]);
    });

    it('runs every Grafana panel query; the segment sizes panel agrees with segmentSizeTrend', async () => {
      const dashboard = JSON.parse(
        readFileSync(join(import.meta.dirname, '..', 'infra', 'grafana', 'segmentation-dashboard.json'), 'utf8'),
      ) as {
        panels: Array<{ title: string; targets: Array<{ rawSql: string }> }>;
      };
      // What the data source sends for these macros and variables (:sqlstring quotes the value).
      const asSent = (sql: string) =>
        sql
          .replaceAll('$__fromTime', `toDateTime(${shanghai('2026-03-02 00:00') / 1000})`)
          .replaceAll('$__toTime', `toDateTime(${shanghai('2026-03-05 23:59') / 1000})`)
          .replaceAll('${dimension:sqlstring}', "'value_tier'")
          .replaceAll('${timezone:sqlstring}', "'Asia/Shanghai'");
      const answers = new Map<string, Array<Record<string, unknown>>>();
      for (const panel of dashboard.panels) {
        const sql = asSent(panel.targets[0]!.rawSql);
        expect(sql).not.toMatch(/\$\{|\$__/);
        answers.set(panel.title, await (await client.query({ query: sql, format: 'JSONEachRow' })).json());
        expect(answers.get(panel.title)!.length, panel.title).toBeGreaterThan(0);
      }
      const sizes = answers
        .get('Segment sizes · 客群规模')!
        .map((r) => `${String(r.time).slice(0, 10)} ${String(r.segment)}=${Number(r.customers)}`);
      const expected = await segmentSizeTrend(client, { dimension: 'value_tier', from: '2026-03-02', to: '2026-03-05' });
      expect(sizes).toEqual(expected.map((s) => `${s.day} ${s.segment}=${s.customers}`));
    });

    it('takes user values only as parameters: a quote in a value is data, not SQL', async () => {
      expect(await membersOnDate(client, { dimension: 'value_tier', segment: "medium' OR '1'='1", date: '2026-03-05' })).toEqual([]);
      expect(await customerTimeline(client, { customerId: "A' OR customer_id != '" })).toEqual([]);
    });
  });
}
