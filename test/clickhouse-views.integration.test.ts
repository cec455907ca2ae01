// The derived views of schemas/clickhouse (006, 007, 010) under redelivery: a materialized view fires on
// every insert, so the same batch inserted twice must leave every derived count as it was, before
// and after background merges, and the backfill of rows that predate the views must be safe to run
// again. Embedded engine always; a server when CLICKHOUSE_URL is set.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  classifyClickHouseError,
  clickHouseErrorCode,
  connectClickHouse,
  insertRows,
  isRetriableClickHouseError,
  migrate,
  readMigrations,
  rowsForChurnAlert,
  rowsForSegmentChange,
  type ClickHouseClient,
  type ClickHouseTarget,
  type TableRow,
} from '@segmentation/clickhouse';
import { aChurnAlert, aSegmentChange, shanghai } from '@segmentation/contracts';
import { testServices } from './harness/services.ts';
import { uniqueName } from './harness/unique.ts';

const serverUrl = testServices().clickhouseUrl;
const targets: Array<[string, ClickHouseTarget | undefined]> = [
  ['embedded engine (chdb)', { kind: 'embedded', path: join(mkdtempSync(join(tmpdir(), 'segmentation-views-')), 'data') }],
  [
    'server at CLICKHOUSE_URL',
    serverUrl
      ? {
          kind: 'server',
          url: serverUrl,
          database: uniqueName('views').replace(/-/g, '_'),
          username: process.env.CLICKHOUSE_USER,
          password: process.env.CLICKHOUSE_PASSWORD,
        }
      : undefined,
  ],
];

/** A batch of changes and alerts for customers `prefix-0` … `prefix-(n-1)`, two changes and one alert each. */
function aBatch(prefix: string, n: number): { changes: TableRow[]; alerts: TableRow[] } {
  const changes: TableRow[] = [];
  const alerts: TableRow[] = [];
  for (let i = 0; i < n; i++) {
    const customerId = `${prefix}-${i}`;
    const t = shanghai('2026-05-01 10:00') + i * 3_600_000;
    changes.push(...rowsForSegmentChange(aSegmentChange({ customerId, sequence: 1, fromSegment: null, toSegment: 'low', eventTime: t })));
    changes.push(
      ...rowsForSegmentChange(
        aSegmentChange({ customerId, sequence: 2, fromSegment: 'low', toSegment: 'medium', eventTime: t + 86_400_000 }),
      ),
    );
    alerts.push(
      ...rowsForChurnAlert(
        aChurnAlert({
          customerId,
          sequence: 1,
          level: 'warning',
          eventTime: t,
          reasons: [
            { code: 'order_gap', text: 'gap', value: 40 },
            { code: 'late_deliveries', text: 'late', value: 2 },
          ],
        }),
      ),
    );
  }
  return { changes, alerts };
}

const rowsOf = (batch: TableRow[]) => batch.map((r) => r.row);

/** Every derived count the BI queries read, in one comparable object. */
async function derivedCounts(client: ClickHouseClient, prefix: string) {
  const q = async (query: string) =>
    (
      await (await client.query({ query, query_params: { like: `${prefix}-%` }, format: 'JSONEachRow' })).json<Record<string, unknown>>()
    ).map((r) => JSON.stringify(r));
  return {
    transitions: await q(`SELECT toString(hour) h, from_segment, to_segment, toUInt64(uniqExactMerge(changes)) n
                          FROM segment_transitions_hourly WHERE dimension = 'value_tier' GROUP BY h, from_segment, to_segment ORDER BY h, from_segment, to_segment`),
    flows: await q(`SELECT toString(hour) h, segment, toUInt64(uniqExactMerge(entered)) entered, toUInt64(uniqExactMerge(exited)) exited
                    FROM segment_flows_hourly GROUP BY h, segment ORDER BY h, segment`),
    alertsByReason: await q(
      `SELECT level, reason_code, toUInt64(uniqExactMerge(alerts)) n FROM churn_alerts_hourly GROUP BY level, reason_code ORDER BY level, reason_code`,
    ),
    alertsByLevel: await q(`SELECT level, toUInt64(uniqExactMerge(alerts)) n FROM churn_alerts_hourly GROUP BY level ORDER BY level`),
    memberships: await q(`SELECT customer_id, segment, toString(valid_from) f, toString(valid_to) t FROM segment_memberships
                          WHERE customer_id LIKE {like:String} ORDER BY customer_id, f`),
    episodes: await q(`SELECT episode_id, peak_level, last_level, messages, toString(closed_at) closed FROM churn_alert_episodes
                       WHERE customer_id LIKE {like:String} ORDER BY episode_id`),
  };
}

async function countRows(client: ClickHouseClient, table: string): Promise<number> {
  const r = await client.query({ query: `SELECT count() AS n FROM ${table}`, format: 'JSONEachRow' });
  return Number((await r.json<{ n: string }>())[0]?.n);
}

for (const [label, target] of targets) {
  describe.skipIf(target === undefined)(
    `ClickHouse derived views under redelivery: ${label}${target ? '' : ' (skipped: CLICKHOUSE_URL is not set)'}`,
    () => {
      let client: ClickHouseClient;
      // Written before the views exist: only the first migration has run.
      const early = aBatch('early', 3);
      beforeAll(async () => {
        client = await connectClickHouse(target!);
        for (const statement of readMigrations()[0]!.statements) await client.command({ query: statement });
        // Through the client as JSONEachRow: the first migration's table lacks later columns, which JSONEachRow skips (insertRows names every column of today's table).
        await client.insert({ table: 'segment_changes', values: rowsOf(early.changes), format: 'JSONEachRow' });
        await migrate(client);
      });
      afterAll(async () => {
        await client?.close();
      });

      it('counts a batch inserted twice once in every derived view, where a plain count doubles', async () => {
        // A count-based view beside ours, to show what the uniqExact states protect against.
        await client.command({
          query: `CREATE TABLE naive_transitions (to_segment String, n UInt64) ENGINE = SummingMergeTree ORDER BY to_segment`,
        });
        await client.command({
          query: `CREATE MATERIALIZED VIEW naive_transitions_mv TO naive_transitions AS SELECT to_segment, count() AS n FROM segment_changes GROUP BY to_segment`,
        });
        const batch = aBatch('twice', 4);
        await insertRows(client, 'segment_changes', rowsOf(batch.changes));
        await insertRows(client, 'churn_alerts', rowsOf(batch.alerts));
        const once = await derivedCounts(client, 'twice');
        const naiveOnce = await countRows(client, 'naive_transitions');
        const naiveSumOnce = Number(
          (
            await (await client.query({ query: 'SELECT sum(n) AS s FROM naive_transitions', format: 'JSONEachRow' })).json<{ s: string }>()
          )[0]?.s,
        );

        await insertRows(client, 'segment_changes', rowsOf(batch.changes));
        await insertRows(client, 'churn_alerts', rowsOf(batch.alerts));
        expect(naiveOnce).toBeGreaterThan(0);
        const naiveSumTwice = Number(
          (
            await (await client.query({ query: 'SELECT sum(n) AS s FROM naive_transitions', format: 'JSONEachRow' })).json<{ s: string }>()
          )[0]?.s,
        );
        expect(naiveSumTwice).toBe(2 * naiveSumOnce);
        expect(await derivedCounts(client, 'twice')).toEqual(once);

        // After background merges have combined the parts of both inserts, still the same.
        for (const table of [
          'segment_changes',
          'churn_alerts',
          'segment_transitions_hourly',
          'segment_flows_hourly',
          'churn_alerts_hourly',
        ]) {
          await client.command({ query: `OPTIMIZE TABLE ${table} FINAL` });
        }
        expect(await derivedCounts(client, 'twice')).toEqual(once);
      });

      it('has the expected derived counts: two changes per customer, an alert with two reasons counted once per level', async () => {
        const counts = await derivedCounts(client, 'twice');
        expect(counts.alertsByLevel).toEqual([JSON.stringify({ level: 'warning', n: 4 })]);
        expect(counts.alertsByReason).toEqual([
          JSON.stringify({ level: 'warning', reason_code: 'late_deliveries', n: 4 }),
          JSON.stringify({ level: 'warning', reason_code: 'order_gap', n: 4 }),
        ]);
        expect(counts.memberships).toHaveLength(8);
        expect(counts.memberships[0]).toBe(
          JSON.stringify({ customer_id: 'twice-0', segment: 'low', f: '2026-05-01 02:00:00.000', t: '2026-05-02 02:00:00.000' }),
        );
        expect(counts.memberships[1]).toBe(
          JSON.stringify({ customer_id: 'twice-0', segment: 'medium', f: '2026-05-02 02:00:00.000', t: null }),
        );
        expect(counts.episodes).toHaveLength(4);
        expect(counts.episodes[0]).toBe(
          JSON.stringify({ episode_id: 'twice-0/episode/1', peak_level: 'warning', last_level: 'warning', messages: 1, closed: null }),
        );
      });

      it('backfills the changes written before the views existed, and a second backfill changes nothing', async () => {
        const before = await derivedCounts(client, 'early');
        const transitionsOfEarly = async () =>
          Number(
            (
              await (
                await client.query({
                  query: `SELECT toUInt64(uniqExactMerge(changes)) AS n FROM segment_transitions_hourly WHERE hour < toDateTime('2026-05-01 05:00:00', 'UTC')`,
                  format: 'JSONEachRow',
                })
              ).json<{ n: string }>()
            )[0]?.n,
          );
        // early-0..2 and twice-0..2 share hours 02:00–04:00 UTC on 1 May: 3 + 3 customers with a first change there.
        expect(await transitionsOfEarly()).toBe(6);
        const views = readMigrations().filter((m) => m.name === '006_segment_views' || m.name === '007_churn_alert_views');
        for (const m of views) for (const statement of m.statements) await client.command({ query: statement });
        expect(await derivedCounts(client, 'early')).toEqual(before);
        expect(await transitionsOfEarly()).toBe(6);
      });

      it("classifies the engine's own failures by their ClickHouse code", async () => {
        const failure = (run: () => Promise<unknown>) =>
          run().then(
            () => {
              throw new Error('expected the query to fail');
            },
            (err: unknown) => err,
          );
        const unknownTable = await failure(() => client.insert({ table: 'no_such_table', values: [{ a: 1 }], format: 'JSONEachRow' }));
        expect([clickHouseErrorCode(unknownTable), classifyClickHouseError(unknownTable)]).toEqual([60, 'unknown']);
        // Bypassing insertRows' validation, as a row from an older mapper might.
        const badTime = await failure(() =>
          client.insert({
            table: 'rules_versions',
            values: [{ version: 'v', content: '', applied_at: 'yesterday', applied_by: 'ops' }],
            format: 'JSONEachRow',
          }),
        );
        expect([clickHouseErrorCode(badTime), classifyClickHouseError(badTime)]).toEqual([41, 'bad_data']);
        const notANumber = await failure(() =>
          client.insert({ table: 'churn_alerts', values: [{ alert_id: 'x', customer_id: 'c', sequence: 'many' }], format: 'JSONEachRow' }),
        );
        expect([clickHouseErrorCode(notANumber), isRetriableClickHouseError(notANumber)]).toEqual([27, false]);
        const memory = await failure(() =>
          client
            .query({ query: 'SELECT groupArray(number) FROM numbers(10000000) SETTINGS max_memory_usage = 1000000', format: 'JSONEachRow' })
            .then((r) => r.json()),
        );
        expect([clickHouseErrorCode(memory), isRetriableClickHouseError(memory)]).toEqual([241, true]);
        const timeout = await failure(() =>
          client
            .query({ query: 'SELECT count() FROM numbers(100000000000) SETTINGS max_execution_time = 0.05', format: 'JSONEachRow' })
            .then((r) => r.json()),
        );
        expect([clickHouseErrorCode(timeout), isRetriableClickHouseError(timeout)]).toEqual([159, true]);
      });
    },
  );
}
