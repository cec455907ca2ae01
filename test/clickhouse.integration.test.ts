// The ClickHouse layer against the embedded engine (always) and a ClickHouse server (when
// CLICKHOUSE_URL names one): migrations, parameterised inserts and queries, deduplication by id.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectClickHouse,
  insertRows,
  migrate,
  readMigrations,
  segmentChangeRow,
  type ClickHouseClient,
  type ClickHouseTarget,
} from '@segmentation/clickhouse';
import type { SegmentChange } from '@segmentation/contracts';
import { testServices } from './harness/services.ts';
import { uniqueName } from './harness/unique.ts';

const embeddedPath = join(mkdtempSync(join(tmpdir(), 'segmentation-ch-')), 'data');
const serverUrl = testServices().clickhouseUrl;
const targets: Array<[string, ClickHouseTarget | undefined]> = [
  ['embedded engine (chdb)', { kind: 'embedded', path: embeddedPath }],
  [
    'server at CLICKHOUSE_URL',
    serverUrl
      ? {
          kind: 'server',
          url: serverUrl,
          database: uniqueName('t').replace(/-/g, '_'),
          username: process.env.CLICKHOUSE_USER,
          password: process.env.CLICKHOUSE_PASSWORD,
        }
      : undefined,
  ],
];

const aChange = (customerId: string, sequence: number, overrides: Partial<SegmentChange> = {}): SegmentChange => ({
  changeId: `${customerId}/value_tier/${sequence}`,
  customerId,
  dimension: 'value_tier',
  fromSegment: sequence === 1 ? null : 'low',
  toSegment: sequence === 1 ? 'low' : 'medium',
  sequence,
  cause: 'event',
  causeEventId: `e-${sequence}`,
  ruleVersion: 'abc123',
  rule: 'value_tier.low',
  features: { lifetimeValue: 1200.5 },
  eventTime: Date.UTC(2026, 10, 1, 8, 30, 0, 123),
  detectedAt: Date.UTC(2026, 10, 1, 8, 30, 1, 0),
  strategy: 'standardised service',
  reasons: [{ condition: 'order_value_365d < $medium_value', feature: 'order_value_365d', value: 1200.5, threshold: 20_000 }],
  flags: [],
  ...overrides,
});

for (const [label, target] of targets) {
  // A server is optional: without CLICKHOUSE_URL these tests have nothing to run against.
  describe.skipIf(target === undefined)(`ClickHouse: ${label}${target ? '' : ' (skipped: CLICKHOUSE_URL is not set)'}`, () => {
    let client: ClickHouseClient;
    beforeAll(async () => {
      client = await connectClickHouse(target!);
    });
    afterAll(async () => {
      await client?.close();
    });

    it('applies every migration once and records it; a second run applies nothing', async () => {
      const first = await migrate(client);
      expect(first.map((m) => m.name)).toEqual(readMigrations().map((m) => m.name));
      expect(await migrate(client)).toEqual([]);
      const recorded = await (
        await client.query({ query: 'SELECT name FROM schema_migrations FINAL ORDER BY version', format: 'JSONEachRow' })
      ).json<{ name: string }>();
      expect(recorded.map((r) => r.name)).toEqual(first.map((m) => m.name));
    });

    it('keeps a redelivered change once (FINAL) and round-trips its values', async () => {
      const customer = uniqueName('C');
      const rows = [aChange(customer, 1), aChange(customer, 2)].map(segmentChangeRow);
      await insertRows(client, 'segment_changes', rows);
      await insertRows(client, 'segment_changes', rows); // the same batch again, as after a crash before the commit
      const result = await client.query({
        query: `SELECT change_id, from_segment, to_segment, sequence, features['lifetimeValue'] AS ltv,
                       toUnixTimestamp64Milli(event_time) AS event_ms
                FROM segment_changes FINAL WHERE customer_id = {customer:String} ORDER BY sequence`,
        query_params: { customer },
        format: 'JSONEachRow',
      });
      const stored = await result.json<{
        change_id: string;
        from_segment: string | null;
        to_segment: string;
        sequence: string;
        ltv: number;
        event_ms: string;
      }>();
      expect(stored).toHaveLength(2);
      expect(stored[0]).toMatchObject({ change_id: `${customer}/value_tier/1`, from_segment: null, to_segment: 'low', ltv: 1200.5 });
      expect(Number(stored[0]!.event_ms)).toBe(Date.UTC(2026, 10, 1, 8, 30, 0, 123));
      expect(stored[1]).toMatchObject({ from_segment: 'low', to_segment: 'medium' });
    });

    if (target?.kind === 'embedded') {
      it('refuses a second process on the same data folder with an error naming the lock', async () => {
        const run = promisify(execFile);
        const script = join(import.meta.dirname, 'harness', 'open-clickhouse.ts');
        const outcome = await run(process.execPath, [script, target.path]).then(
          () => ({ code: 0, stderr: '' }),
          (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
        );
        expect(outcome.code).toBe(3);
        expect(outcome.stderr).toContain(target.path);
        expect(outcome.stderr).toContain('only one process at a time may open it');
      });
    }
  });
}
