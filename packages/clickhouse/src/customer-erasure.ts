import type { ClickHouseClient } from '@clickhouse/client';

/** Every table with a row per customer fact; each has a `customer_id` column. */
export const CUSTOMER_TABLES = [
  'orders',
  'shipments',
  'complaints',
  'customer_profiles',
  'segment_changes',
  'churn_alerts',
  'feature_snapshots',
  'alert_workflow_events',
] as const;

/**
 * The aggregate tables fed by materialized views over customer tables. They hold uniqExact states
 * of change or alert ids, not customer ids, but an erased customer's changes would go on being
 * counted in them (segment sizes are running sums of entries and exits): after the delete, the
 * hours the customer's rows fell in are counted again from what remains, by each view's own query.
 */
const RECOUNTED = [
  { view: 'segment_transitions_hourly_mv', target: 'segment_transitions_hourly', source: 'segment_changes' },
  { view: 'segment_flows_hourly_mv', target: 'segment_flows_hourly', source: 'segment_changes' },
  { view: 'churn_alerts_hourly_mv', target: 'churn_alerts_hourly', source: 'churn_alerts' },
] as const;

/** Every one of these views buckets rows by this hour (006_segment_views.sql, 007_churn_alert_views.sql). */
const HOUR = "toStartOfHour(toDateTime(event_time, 'UTC'))";

/** Ids per statement: the list travels as one query parameter. */
const CHUNK = 5000;

const rows = async <T>(client: ClickHouseClient, query: string, params: Record<string, unknown>) =>
  (await client.query({ query, format: 'JSONEachRow', query_params: params })).json<T>();

/**
 * Removes erased customers' rows from every table and recounts the hourly aggregates they were
 * in, then records them in `customer_erasures`. Customers recorded there already are skipped, so
 * this is cheap to call with the whole erasure list at every start. Safe to repeat after a crash:
 * deletes are idempotent and the recount is made from the rows that remain. Returns the customers
 * erased by this call.
 */
export async function eraseCustomers(client: ClickHouseClient, customerIds: readonly string[]): Promise<string[]> {
  const erased: string[] = [];
  for (let i = 0; i < customerIds.length; i += CHUNK) {
    const chunk = [...new Set(customerIds.slice(i, i + CHUNK))];
    const done = new Set(
      (
        await rows<{ customer_id: string }>(client, 'SELECT customer_id FROM customer_erasures WHERE customer_id IN {ids:Array(String)}', {
          ids: chunk,
        })
      ).map((r) => r.customer_id),
    );
    const ids = chunk.filter((id) => !done.has(id));
    if (ids.length === 0) continue;
    const hours = new Map<string, string[]>();
    for (const source of new Set(RECOUNTED.map((r) => r.source))) {
      const found = await rows<{ hour: string }>(
        client,
        `SELECT DISTINCT ${HOUR} AS hour FROM ${source} WHERE customer_id IN {ids:Array(String)}`,
        { ids },
      );
      hours.set(
        source,
        found.map((h) => h.hour),
      );
    }
    for (const table of CUSTOMER_TABLES) {
      await client.command({ query: `DELETE FROM ${table} WHERE customer_id IN {ids:Array(String)}`, query_params: { ids } });
    }
    for (const { view, target, source } of RECOUNTED) await recount(client, view, target, hours.get(source) ?? []);
    await client.insert({ table: 'customer_erasures', values: ids.map((customer_id) => ({ customer_id })), format: 'JSONEachRow' });
    erased.push(...ids);
  }
  return erased;
}

/** Counts the given hours of an aggregate table again from its view's source, as the view would. */
async function recount(client: ClickHouseClient, view: string, target: string, hours: string[]): Promise<void> {
  if (hours.length === 0) return;
  const [definition] = await rows<{ as_select: string }>(
    client,
    'SELECT as_select FROM system.tables WHERE database = currentDatabase() AND name = {view:String}',
    { view },
  );
  if (!definition?.as_select.includes(`${HOUR} AS hour`))
    throw new Error(`materialized view ${view} does not bucket its rows by ${HOUR}: customer-erasure.ts cannot recount ${target}`);
  const params = { hours };
  await client.command({ query: `DELETE FROM ${target} WHERE hour IN {hours:Array(DateTime('UTC'))}`, query_params: params });
  // A row inserted meanwhile is counted by its view too: both add ids to the same sets, which changes nothing.
  await client.command({
    query: `INSERT INTO ${target} SELECT * FROM (${definition.as_select}) WHERE hour IN {hours:Array(DateTime('UTC'))}`,
    query_params: params,
  });
}
