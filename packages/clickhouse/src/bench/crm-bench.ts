// Query time of the CRM measures (docs/bi.md §10) and of the alert-outcome queries (§9) on a
// synthetic year of a large customer base, in a fresh embedded data folder under the system's temp
// directory (deleted at the end). The rows are made inside the engine (INSERT … SELECT FROM
// numbers()) straight into the tables the views read, at realistic volumes per customer and year:
// ~15 orders (and a cancellation in 33), three status rows per order's shipment, ~1 complaint opened
// and resolved, weekly feature snapshots, ~21 segment changes over the nine dimensions (a first
// segment each, then moves), a churn-alert episode for one customer in ten with its workflow. Each
// query runs cold (first run after the engine's mark, uncompressed and query caches are dropped; the
// operating system's page cache is not) and warm (median of the next --warm-runs runs). Prints a table and
// a JSON summary.
//   node packages/clickhouse/src/bench/crm-bench.ts [--customers 100000] [--days 365] [--snapshot-features 60] [--warm-runs 3]
//                                                  [--baseline] [--data FOLDER]
// --baseline also times the view as migration 013 first made it (memberships rebuilt from the whole
// history on every call) on the one-month and the quarter query, so the ratio comes from one run
// on one load. --data keeps the year in FOLDER instead of a temporary folder: filled when it has no
// rows yet, reused as it is otherwise (made with the same --customers, --days and
// --snapshot-features), after the pending migrations, whose time is printed. A year made before a
// migration is how that migration's backfill on existing rows gets measured.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { alertActionOutcomes, alertEpisodeFacts } from '../alert-outcome-queries.ts';
import { connectClickHouse, type ClickHouseClient } from '../client.ts';
import { CRM_MEASURES_SQL, crmMeasures } from '../crm-queries.ts';
import { migrate, readMigrations } from '../migrations.ts';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '100000' },
    days: { type: 'string', default: '365' },
    'snapshot-features': { type: 'string', default: '60' },
    'warm-runs': { type: 'string', default: '3' },
    baseline: { type: 'boolean', default: false },
    data: { type: 'string' },
  },
});
const customers = Number(values.customers);
const days = Number(values.days);
const snapshotFeatures = Number(values['snapshot-features']);
const warmRuns = Number(values['warm-runs']);
if (!Number.isInteger(warmRuns) || warmRuns < 1 || warmRuns > 9) throw new Error('--warm-runs must be a whole number from 1 to 9');
if (!Number.isInteger(customers) || customers < 100) throw new Error('--customers must be a whole number of at least 100');
if (!Number.isInteger(days) || days < 28 || days > 366) throw new Error('--days must be a whole number from 28 to 366');
if (!Number.isInteger(snapshotFeatures) || snapshotFeatures < 1 || snapshotFeatures > 200)
  throw new Error('--snapshot-features must be a whole number from 1 to 200');

const START = Date.UTC(2026, 0, 1) - 8 * 3_600_000; // 2026-01-01 00:00 Asia/Shanghai
const DAY = 86_400_000;
const ORDERS_PER_CUSTOMER = 15;
const params = { start: START, span: days * DAY, n: customers };
// A per-row pseudo-random number in [0, 1) from the row number and a salt: the same data every run.
const rnd = (salt: number, of = 'number') => `(cityHash64(${of}, ${salt}) % 1000000) / 1000000`;
const at = (ms: string) => `fromUnixTimestamp64Milli(toInt64(${ms}), 'UTC')`;

/** Each dimension: its segments, and how many moves a customer makes in it over the year. */
const DIMENSIONS: Array<{ name: string; segments: string[]; moves: number }> = [
  { name: 'value_tier', segments: ['low', 'medium', 'high'], moves: 1 },
  { name: 'lifecycle', segments: ['active', 'at_risk', 'churned', 'won_back', 'new'], moves: 2 },
  {
    name: 'rfm',
    segments: ['champions', 'loyal', 'potential_loyalist', 'new_customers', 'at_risk', 'needs_attention', 'lost', 'hibernating'],
    moves: 4,
  },
  {
    name: 'rfm_group',
    segments: [
      'important_value',
      'important_development',
      'important_retention',
      'important_win_back',
      'general_value',
      'general_development',
      'general_retention',
      'general_win_back',
    ],
    moves: 2,
  },
  { name: 'behaviour', segments: ['regular', 'high_frequency', 'high_volume', 'high_return', 'high_complaint'], moves: 1 },
  { name: 'needs', segments: ['standard', 'time_sensitive', 'value_added_seeker', 'cost_sensitive'], moves: 1 },
  { name: 'loyalty', segments: ['none', 'bronze', 'silver', 'gold'], moves: 1 },
  { name: 'industry', segments: ['MANUFACTURING', 'RETAIL', 'E_COMMERCE', 'OTHER'], moves: 0 },
  { name: 'region', segments: ['east', 'south', 'north', 'west'], moves: 0 },
];

async function fill(client: ClickHouseClient): Promise<void> {
  const run = (query: string) => client.command({ query, query_params: params, clickhouse_settings: { max_insert_threads: '2' } });
  const n = '{n:UInt64}';
  const orderTime = `{start:Int64} + cityHash64(number, 1) % {span:UInt64}`;
  await run(`INSERT INTO customer_profiles (event_id, customer_id, event_time, industry, customer_type, country, region, account_manager, signed_up_at, log_partition, log_offset)
    SELECT concat('p-', toString(number)), concat('C-', toString(number)), ${at('{start:Int64} - 30 * 86400000')},
      ['MANUFACTURING', 'RETAIL', 'E_COMMERCE', 'OTHER'][number % 4 + 1], 'SHIPPER', 'CN', ['east', 'south', 'north', 'west'][intDiv(number, 4) % 4 + 1],
      if(number % 3 = 0, NULL, concat('am-', toString(number % 40))), ${at('{start:Int64} - 400 * 86400000')}, number % 12, number
    FROM numbers(${n})`);
  // Orders: customer c's value scale is fixed (a few big, many small), each order varies around it.
  await run(`INSERT INTO orders (event_id, customer_id, event_time, order_id, kind, amount, currency, amount_base, base_currency, service_level, origin_country, destination_country, log_partition, log_offset)
    SELECT concat('o-', toString(number)), concat('C-', toString(number % ${n})), ${at(orderTime)},
      concat('O-', toString(number)), if(number % 33 = 0, 'CANCELLED', 'PLACED'),
      toDecimal64(round(exp(5 + 4 * ${rnd(2, `number % ${n}`)}) * (0.5 + ${rnd(3)}), 2), 4), 'CNY',
      toDecimal64(round(exp(5 + 4 * ${rnd(2, `number % ${n}`)}) * (0.5 + ${rnd(3)}), 2), 4), 'CNY',
      ['STANDARD', 'EXPRESS', 'ECONOMY'][number % 3 + 1], 'CN', ['DE', 'US', 'JP', 'SG'][number % 4 + 1], number % 12, number
    FROM numbers(${n} * ${ORDERS_PER_CUSTOMER})`);
  // A shipment per order, three status rows: picked up a day after the order, in transit, delivered (on time 9 in 10).
  await run(`INSERT INTO shipments (event_id, customer_id, event_time, shipment_id, order_id, status, transport_mode, promised_delivery_time, actual_delivery_time, on_time, log_partition, log_offset)
    SELECT concat('s-', toString(number)), concat('C-', toString(intDiv(number, 3) % ${n})),
      ${at(`{start:Int64} + cityHash64(intDiv(number, 3), 1) % {span:UInt64} + (1 + number % 3 + (number % 3 = 2) * 2) * 86400000`)},
      concat('S-', toString(intDiv(number, 3))), concat('O-', toString(intDiv(number, 3))), ['PICKED_UP', 'IN_TRANSIT', 'DELIVERED'][number % 3 + 1], 'SEA',
      NULL, NULL, if(number % 3 = 2, ${rnd(4, 'intDiv(number, 3)')} < 0.9, NULL), number % 12, number
    FROM numbers(${n} * ${ORDERS_PER_CUSTOMER} * 3)`);
  // About one complaint per customer and year: opened, resolved a week later with a satisfaction score and (half of them) an NPS answer.
  await run(`INSERT INTO complaints (event_id, customer_id, event_time, complaint_id, action, category, severity, satisfaction_score, nps_score, log_partition, log_offset)
    SELECT concat('c-', toString(number)), concat('C-', toString(cityHash64(intDiv(number, 2), 5) % ${n})),
      ${at(`{start:Int64} + cityHash64(intDiv(number, 2), 6) % {span:UInt64} + (number % 2) * 7 * 86400000`)},
      concat('K-', toString(intDiv(number, 2))), if(number % 2 = 0, 'OPENED', 'RESOLVED'), 'DELAY', 'MEDIUM',
      if(number % 2 = 1, toUInt8(1 + cityHash64(number, 7) % 5), NULL), if(number % 4 = 1, toUInt8(cityHash64(number, 8) % 11), NULL), number % 12, number
    FROM numbers(${n} * 2)`);
  // Weekly feature snapshots of every customer, carrying clv_12m among their features.
  const weeks = Math.floor(days / 7);
  await run(`INSERT INTO feature_snapshots (snapshot_id, customer_id, features, attributes, segments, rule_version, event_time, detected_at)
    SELECT concat('f-', toString(number)), concat('C-', toString(number % ${n})),
      mapFromArrays(arrayConcat(['clv_12m'], arrayMap(i -> concat('feature_', toString(i)), range(${snapshotFeatures - 1}))),
                    arrayConcat([round(exp(6 + 4 * ${rnd(2, `number % ${n}`)}), 2)], arrayMap(i -> toFloat64(i * ${rnd(9)}), range(${snapshotFeatures - 1})))),
      map('industry', 'RETAIL'), map('value_tier', 'medium'), 'bench',
      ${at(`{start:Int64} + intDiv(number, ${n}) * 7 * 86400000 + cityHash64(number % ${n}, 10) % (7 * 86400000)`)}, now64(3, 'UTC')
    FROM numbers(${n} * ${weeks})`);
  // Segment changes: per dimension a first segment before the year, then its moves spread over it.
  for (const d of DIMENSIONS) {
    const steps = d.moves + 1;
    const segment =
      d.name === 'lifecycle'
        ? // active, at risk, then churned for one in five (and won back for half of those) or active again.
          `multiIf(seq = 1, 'active', seq = 2, 'at_risk', ${rnd(11, 'c')} < 0.2, 'churned', 'active')`
        : `[${d.segments.map((s) => `'${s}'`).join(', ')}][(cityHash64(c, seq, 12) % ${d.segments.length}) + 1]`;
    await run(`INSERT INTO segment_changes (change_id, customer_id, dimension, from_segment, to_segment, sequence, cause, rule_version, rule, features, event_time, detected_at)
      SELECT concat('C-', toString(c), '/${d.name}/', toString(seq)), concat('C-', toString(c)), '${d.name}',
        if(seq = 1, NULL, lagInFrame(toNullable(segment)) OVER (PARTITION BY c ORDER BY seq ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)), segment, seq, 'event', 'bench', '${d.name}.rule',
        map('order_value_365d', 1000.0), ${at(`if(seq = 1, {start:Int64} - 30 * 86400000, {start:Int64} + (seq - 1) * intDiv({span:UInt64}, ${steps}) + cityHash64(c, seq, 13) % intDiv({span:UInt64}, ${steps}))`)}, now64(3, 'UTC')
      FROM (SELECT intDiv(number, ${steps}) AS c, number % ${steps} + 1 AS seq, ${segment} AS segment FROM numbers(${n} * ${steps}))`);
  }
  // Half of the churned come back: churned → won_back a month later.
  await run(`INSERT INTO segment_changes (change_id, customer_id, dimension, from_segment, to_segment, sequence, cause, rule_version, rule, features, event_time, detected_at)
    SELECT concat(customer_id, '/lifecycle/4'), customer_id, 'lifecycle', 'churned', 'won_back', 4, 'event', 'bench', 'lifecycle.rule', map(), event_time + INTERVAL 30 DAY, now64(3, 'UTC')
    FROM segment_changes WHERE dimension = 'lifecycle' AND to_segment = 'churned' AND cityHash64(customer_id, 14) % 2 = 0`);
  // One customer in ten has a churn-alert episode: opened at watch, raised to warning, closed; worked in the console.
  await run(`INSERT INTO churn_alerts (alert_id, customer_id, level, previous_level, risk_score, sequence, reason_codes, reason_texts, reason_values, cause, rule_version, value_tier, event_time, detected_at, action, episode_id, episode_event)
    SELECT concat('A-', toString(c), '-', toString(k)), concat('C-', toString(c)), ['watch', 'warning', 'cleared'][k], [NULL, 'watch', 'warning'][k], 0.5 + k / 10, k,
      ['order_gap'], ['no order for 60 days'], [60.0], 'event', 'bench', 'medium',
      ${at(`{start:Int64} + cityHash64(c, 15) % intDiv({span:UInt64}, 2) + (k - 1) * 20 * 86400000`)}, now64(3, 'UTC'), 'account manager call',
      concat('E-', toString(c)), ['opened', 'escalated', 'closed'][k]
    FROM (SELECT number * 10 AS c, arrayJoin([1, 2, 3]) AS k FROM numbers(intDiv(${n}, 10)))`);
  await run(`INSERT INTO alert_workflow_events (workflow_id, episode_id, customer_id, kind, by, at, assignee, action, recommended, action_at, outcome, note)
    SELECT concat('W-', toString(c), '-', toString(k)), concat('E-', toString(c)), concat('C-', toString(c)), ['acknowledged', 'action_taken', 'closed_with_outcome'][k], 'ops',
      ${at(`{start:Int64} + cityHash64(c, 15) % intDiv({span:UInt64}, 2) + k * 86400000`)}, NULL, if(k = 2, 'call', NULL), if(k = 2, true, NULL), NULL,
      if(k = 3, ['retained', 'won_back', 'lost'][cityHash64(c, 16) % 3 + 1], NULL), ''
    FROM (SELECT number * 10 AS c, arrayJoin([1, 2, 3]) AS k FROM numbers(intDiv(${n}, 10)))`);
}

async function countRows(client: ClickHouseClient): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of [
    'customer_profiles',
    'orders',
    'shipments',
    'complaints',
    'feature_snapshots',
    'segment_changes',
    'churn_alerts',
    'alert_workflow_events',
  ]) {
    const result = await client.query({ query: `SELECT count() AS rows FROM ${table}`, format: 'JSONEachRow' });
    counts[table] = Number((await result.json<{ rows: string }>())[0]?.rows ?? 0);
  }
  return counts;
}

/** The engine's caches a cold run starts without (those this engine knows; the page cache stays). */
async function dropCaches(client: ClickHouseClient): Promise<string[]> {
  const dropped: string[] = [];
  for (const cache of [
    'MARK CACHE',
    'UNCOMPRESSED CACHE',
    'QUERY CACHE',
    'INDEX MARK CACHE',
    'INDEX UNCOMPRESSED CACHE',
    'MMAP CACHE',
    'PRIMARY INDEX CACHE',
  ]) {
    try {
      await client.command({ query: `SYSTEM DROP ${cache}` });
      dropped.push(cache.toLowerCase());
    } catch {
      // Not in this engine's version: left out of the list printed with the figures.
    }
  }
  return dropped;
}

const month = (m: number) => `2026-${String(m).padStart(2, '0')}-01`;
const lastMonth = Math.min(12, Math.ceil(days / 30.5));
const QUERIES: Array<{ name: string; run: (c: ClickHouseClient) => Promise<unknown[]>; sameAs?: number }> = [
  {
    name: '§10 crm_measures_monthly value_tier, one month',
    run: (c) => crmMeasures(c, { dimension: 'value_tier', from: month(Math.min(6, lastMonth)), to: month(Math.min(6, lastMonth)) }),
  },
  {
    name: '§10 crm_measures_monthly value_tier, a quarter',
    run: (c) => crmMeasures(c, { dimension: 'value_tier', from: month(1), to: month(Math.min(3, lastMonth)) }),
  },
  {
    name: '§10 crm_measures_monthly value_tier, the year',
    run: (c) => crmMeasures(c, { dimension: 'value_tier', from: month(1), to: month(lastMonth) }),
  },
  {
    name: '§10 crm_measures_monthly lifecycle, the year',
    run: (c) => crmMeasures(c, { dimension: 'lifecycle', from: month(1), to: month(lastMonth) }),
  },
  {
    name: '§10 crm_measures_monthly industry, the year',
    run: (c) => crmMeasures(c, { dimension: 'industry', from: month(1), to: month(lastMonth) }),
  },
  { name: '§9 alert_episode_facts, one month', run: (c) => alertEpisodeFacts(c, { from: month(3), to: '2026-03-31' }) },
  { name: '§9 alert_episode_facts, the year', run: (c) => alertEpisodeFacts(c, { from: month(1), to: '2026-12-31' }) },
  { name: '§9 alert action outcomes, the year', run: (c) => alertActionOutcomes(c, { from: month(1), to: '2026-12-31' }) },
];

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const t0 = performance.now();
  const result = await work();
  return { ms: performance.now() - t0, result };
}

// The view as 013_crm_measures.sql made it, under a name of its own, for --baseline.
const BASELINE_VIEW = 'crm_measures_monthly_013';
async function createBaselineView(client: ClickHouseClient): Promise<void> {
  const view = readMigrations().find((m) => m.name === '013_crm_measures')?.statements[0];
  if (view === undefined) throw new Error('migration 013_crm_measures not found');
  await client.command({
    query: view.replace('CREATE VIEW IF NOT EXISTS crm_measures_monthly AS', `CREATE OR REPLACE VIEW ${BASELINE_VIEW} AS`),
  });
}
const baselineRun = (dimension: string, from: string, to: string) => async (c: ClickHouseClient) => {
  const result = await c.query({
    query: CRM_MEASURES_SQL.replace('crm_measures_monthly(', `${BASELINE_VIEW}(`),
    query_params: { dimension, from, to, timeZone: 'Asia/Shanghai' },
    format: 'JSONEachRow',
  });
  return result.json<Record<string, unknown>>();
};
if (values.baseline) {
  const june = month(Math.min(6, lastMonth));
  QUERIES.splice(1, 0, { name: '§10 as 013 made it: value_tier, one month', run: baselineRun('value_tier', june, june), sameAs: 0 });
  QUERIES.splice(3, 0, {
    name: '§10 as 013 made it: value_tier, a quarter',
    run: baselineRun('value_tier', month(1), month(Math.min(3, lastMonth))),
    sameAs: 2,
  });
}

const dir = values.data ?? mkdtempSync(join(tmpdir(), 'clickhouse-crm-bench-'));
mkdirSync(dir, { recursive: true });
const client = await connectClickHouse({ kind: 'embedded', path: join(dir, 'data') });
try {
  const migrated = await timed(() => migrate(client));
  if (migrated.result.length > 0)
    console.log(`migrations ${migrated.result.map((m) => m.name).join(', ')} applied in ${(migrated.ms / 1000).toFixed(1)} s`);
  const reused = ((await countRows(client)).orders ?? 0) > 0;
  const filled = await timed(() => (reused ? Promise.resolve() : fill(client)));
  const rows = await countRows(client);
  console.log(
    `${customers.toLocaleString('en')} customers × ${days} days, ${reused ? `reused from ${dir}` : `made in ${(filled.ms / 1000).toFixed(1)} s`}: ${Object.entries(
      rows,
    )
      .map(([t, n]) => `${t} ${n.toLocaleString('en')}`)
      .join(', ')}`,
  );
  if (values.baseline) await createBaselineView(client);
  const results = [];
  const answers: string[] = [];
  const dropped = await dropCaches(client);
  console.log(
    `cold: first run after dropping the engine's ${dropped.join(', ')} caches (the OS page cache stays warm); warm: median of the next ${warmRuns} run(s)`,
  );
  console.log(`${'query'.padEnd(52)}${'rows'.padStart(7)}${'cold ms'.padStart(10)}${'warm ms'.padStart(10)}`);
  for (const q of QUERIES) {
    await dropCaches(client);
    const cold = await timed(() => q.run(client));
    const warm = [];
    for (let i = 0; i < warmRuns; i++) warm.push((await timed(() => q.run(client))).ms);
    const median = warm.sort((a, b) => a - b)[Math.floor((warmRuns - 1) / 2)]!;
    // Whole numbers as numbers on both sides: crmMeasures turns the 64-bit counts the engine may send
    // as strings into numbers, and the baseline's rows come raw.
    answers.push(JSON.stringify(cold.result, (_key, v: unknown) => (typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v)));
    // A baseline's answer against the view's: the point of the comparison is the same rows faster.
    const same = q.sameAs === undefined ? undefined : answers[q.sameAs] === answers.at(-1);
    const r = {
      query: q.name,
      rows: cold.result.length,
      coldMs: Math.round(cold.ms),
      warmMs: Math.round(median),
      ...(same === undefined ? {} : { same }),
    };
    results.push(r);
    // Each line as soon as it is measured: a year's query at this scale takes a while.
    console.log(
      `${r.query.padEnd(52)}${String(r.rows).padStart(7)}${String(r.coldMs).padStart(10)}${String(r.warmMs).padStart(10)}${same === undefined ? '' : same ? '  same rows as the view' : '  DIFFERENT ROWS FROM THE VIEW'}`,
    );
  }
  console.log(
    JSON.stringify({
      benchmark: 'clickhouse-crm-queries',
      engine: 'embedded (chdb)',
      customers,
      days,
      snapshotFeatures,
      fillSeconds: reused ? null : Number((filled.ms / 1000).toFixed(1)),
      migrationSeconds: Number((migrated.ms / 1000).toFixed(1)),
      rows,
      cachesDropped: dropped,
      results,
    }),
  );
} finally {
  await client.close();
  if (values.data === undefined) rmSync(dir, { recursive: true, force: true });
}
