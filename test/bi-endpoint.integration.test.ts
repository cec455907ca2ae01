// The read-only ClickHouse-compatible endpoint BI tools connect to (docs/bi.md, "Connecting BI
// tools"), on the real embedded engine loaded with a fixture as the sink would load it: every BI
// query of docs/bi.md gives the same rows through the endpoint (with @clickhouse/client pointed at
// it by url, username and password) as in-process; writes, DDL, table functions that reach outside,
// INTO OUTFILE and settings that would lift readonly or the limits are refused with a server's
// codes; wrong credentials get AUTHENTICATION_FAILED; the time and size limits hold; and the
// official ClickHouse JDBC driver (from Maven Central) connects with its defaults, queries, reads
// DatabaseMetaData and has its INSERT refused.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alertActionOutcomes,
  alertEpisodeFacts,
  churnAlertEpisodes,
  churnAlertsByReasonAndValueTier,
  churnAlertsPerDay,
  cohortRetention,
  connectClickHouse,
  crmMeasures,
  customerTimeline,
  membersOnDate,
  migrate,
  openBiEngine,
  rfmGroups,
  rowsForAlertWorkflowEvent,
  rowsForChurnAlert,
  rowsForCustomerEvent,
  rowsForFeatureSnapshot,
  rowsForSegmentChange,
  segmentSizeTrend,
  startBiEndpoint,
  transitionMatrix,
  transitionsPerDay,
  TRANSITION_MATRIX_SQL,
  type BiEndpoint,
  type ClickHouseClient,
} from '@segmentation/clickhouse';
import { createBiAuthenticator, hashSecret, newSecret, type ConsoleUserEntry } from '@segmentation/console';
import {
  aChurnAlert,
  aComplaintEvent,
  aFeatureSnapshot,
  anAlertWorkflowEvent,
  anOrderEvent,
  aProfileEvent,
  aSegmentChange,
  aShipmentEvent,
  shanghai,
} from '@segmentation/contracts';
import { insertBatch } from './harness/clickhouse-fixture.ts';

const ROOT = join(import.meta.dirname, '..');

// The product's own @clickhouse/client (the test workspace does not list it: application code reaches
// it through @segmentation/clickhouse), configured as a BI user would: url, username, password.
type CreateClient = (config: { url: string; username: string; password: string; compression?: { response?: boolean } }) => ClickHouseClient;
const { createClient } = createRequire(join(ROOT, 'packages', 'clickhouse', 'package.json'))('@clickhouse/client') as {
  createClient: CreateClient;
};

const events = [
  aProfileEvent({ customerId: 'A', eventId: 'a-p1', eventTime: shanghai('2026-01-10 09:00'), signedUpAt: shanghai('2026-01-10 09:00') }),
  aProfileEvent({ customerId: 'B', eventId: 'b-p1', eventTime: shanghai('2026-01-20 09:00'), signedUpAt: shanghai('2026-01-20 09:00') }),
  anOrderEvent({ customerId: 'A', eventId: 'a-o1', eventTime: shanghai('2026-01-15 10:00'), amountBase: 5000 }),
  anOrderEvent({ customerId: 'A', eventId: 'a-o2', eventTime: shanghai('2026-02-01 04:00'), amountBase: 7000.5 }),
  anOrderEvent({ customerId: 'A', eventId: 'a-o3', eventTime: shanghai('2026-03-20 10:00'), amountBase: 900.25 }),
  anOrderEvent({ customerId: 'B', eventId: 'b-o1', eventTime: shanghai('2026-01-25 10:00') }),
  anOrderEvent({ customerId: 'B', eventId: 'b-o2', eventTime: shanghai('2026-02-10 10:00') }),
  aShipmentEvent({
    customerId: 'A',
    eventId: 'a-s1',
    eventTime: shanghai('2026-03-02 12:00'),
    status: 'DELAYED',
    onTime: false,
    actualDeliveryTime: null,
  }),
  aComplaintEvent({ customerId: 'A', eventId: 'a-k1', eventTime: shanghai('2026-03-04 12:00'), category: 'DELAY', severity: 'HIGH' }),
];
const changes = [
  aSegmentChange({ customerId: 'A', sequence: 1, fromSegment: null, toSegment: 'low', eventTime: shanghai('2026-03-01 10:00') }),
  aSegmentChange({ customerId: 'A', sequence: 2, fromSegment: 'low', toSegment: 'high', eventTime: shanghai('2026-03-05 00:30') }),
  aSegmentChange({ customerId: 'B', sequence: 1, fromSegment: null, toSegment: 'medium', eventTime: shanghai('2026-03-02 12:00') }),
  aSegmentChange({
    customerId: 'A',
    dimension: 'lifecycle',
    sequence: 1,
    fromSegment: null,
    toSegment: 'active',
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
    detectedAt: shanghai('2026-03-05 10:00'),
  }),
  aChurnAlert({
    customerId: 'A',
    sequence: 2,
    level: 'cleared',
    previousLevel: 'warning',
    valueTier: 'high',
    eventTime: shanghai('2026-03-21 10:00'),
    reasons: [],
  }),
  aChurnAlert({
    customerId: 'B',
    sequence: 1,
    level: 'critical',
    valueTier: 'medium',
    eventTime: shanghai('2026-03-06 10:00'),
    detectedAt: shanghai('2026-03-06 10:00'),
  }),
];
const work = [
  anAlertWorkflowEvent({ episodeId: 'A/episode/1', at: shanghai('2026-03-05 12:00'), kind: 'acknowledged' }),
  anAlertWorkflowEvent({ episodeId: 'A/episode/1', at: shanghai('2026-03-05 14:00'), kind: 'action_taken' }),
  anAlertWorkflowEvent({ episodeId: 'A/episode/1', at: shanghai('2026-03-22 10:00'), kind: 'closed_with_outcome', outcome: 'won_back' }),
];
const snapshots = [
  aFeatureSnapshot({
    customerId: 'A',
    eventTime: shanghai('2026-03-09 10:00'),
    features: { daysSinceLastOrder: 2, orders365d: 10, revenue365d: 50000 },
  }),
  aFeatureSnapshot({
    customerId: 'B',
    eventTime: shanghai('2026-03-08 10:00'),
    features: { daysSinceLastOrder: 30, orders365d: 3, revenue365d: 600 },
  }),
];

const march = { from: '2026-03-01', to: '2026-03-31' };
/** Every BI query of docs/bi.md (sections 1-10), as the product runs them. */
const BI_QUERIES: Array<[string, (c: ClickHouseClient) => Promise<unknown[]>]> = [
  ['1. segment size trend', (c) => segmentSizeTrend(c, { dimension: 'value_tier', from: '2026-03-01', to: '2026-03-06' })],
  ['2. transition matrix', (c) => transitionMatrix(c, { dimension: 'value_tier', ...march })],
  ['2. transitions per day', (c) => transitionsPerDay(c, { dimension: 'value_tier', ...march })],
  ['3. churn alerts per day', (c) => churnAlertsPerDay(c, march)],
  ['3. churn alerts by reason and value tier', (c) => churnAlertsByReasonAndValueTier(c, march)],
  ["4. one customer's timeline", (c) => customerTimeline(c, { customerId: 'A' })],
  ['5. members on a date', (c) => membersOnDate(c, { dimension: 'value_tier', segment: 'high', date: '2026-03-06' })],
  ['6. cohort retention', (c) => cohortRetention(c, { from: '2026-01-01', to: '2026-12-31' })],
  ['7. RFM groups', (c) => rfmGroups(c, { date: '2026-03-10' })],
  ['8. churn alert episodes', (c) => churnAlertEpisodes(c, march)],
  ['9. alert episode facts', (c) => alertEpisodeFacts(c, march)],
  ['9. alert action outcomes', (c) => alertActionOutcomes(c, march)],
  ['10. CRM measures', (c) => crmMeasures(c, { dimension: 'value_tier', ...march })],
];

const cheap = { N: 2 ** 14, r: 8, p: 1 };
const secrets = { bi: newSecret(), admin: newSecret() };
const LIMITS = { maxExecutionSeconds: 5, maxResultRows: 1000, maxResultBytes: 256 * 1024 };

describe('the BI endpoint on the embedded engine', () => {
  let inProcess: ClickHouseClient;
  let dataPath: string;
  let endpoint: BiEndpoint;
  let users: ConsoleUserEntry[];
  const clients: ClickHouseClient[] = [];
  const biClient = (password = secrets.bi, username = 'metabase', compressed = false) => {
    const c = createClient({ url: endpoint.url, username, password, compression: { response: compressed } });
    clients.push(c);
    return c;
  };
  /** A raw request, as a BI tool's HTTP layer sends it. */
  const send = (path: string, init: RequestInit & { auth?: [string, string] | null } = {}) => {
    const [user, password] = init.auth === undefined ? ['metabase', secrets.bi] : (init.auth ?? ['', '']);
    const headers = new Headers(init.headers);
    if (init.auth !== null) headers.set('Authorization', `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`);
    return fetch(`${endpoint.url}${path}`, { ...init, headers });
  };
  const count = async (table: string) =>
    Number(
      (await (await inProcess.query({ query: `SELECT count() AS n FROM ${table}`, format: 'JSONEachRow' })).json<{ n: string }>())[0]?.n,
    );

  beforeAll(async () => {
    dataPath = join(mkdtempSync(join(tmpdir(), 'segmentation-bi-endpoint-')), 'data');
    inProcess = await connectClickHouse({ kind: 'embedded', path: dataPath });
    await migrate(inProcess);
    await insertBatch(inProcess, [
      ...events.flatMap((e, i) => rowsForCustomerEvent(e, { partition: 1, offset: i })),
      ...changes.flatMap(rowsForSegmentChange),
      ...alerts.flatMap(rowsForChurnAlert),
      ...work.flatMap(rowsForAlertWorkflowEvent),
      ...snapshots.flatMap(rowsForFeatureSnapshot),
    ]);
    users = [
      { name: 'metabase', role: 'bi', secretHash: await hashSecret(secrets.bi, cheap) },
      { name: 'wang', role: 'admin', secretHash: await hashSecret(secrets.admin, cheap) },
    ];
    endpoint = await startBiEndpoint({
      host: '127.0.0.1',
      port: 0,
      dataPath,
      limits: LIMITS,
      maxConcurrentQueries: 2,
      authenticate: createBiAuthenticator(users),
    });
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await endpoint?.close();
    await inProcess?.close();
  });

  it.each(BI_QUERIES)('%s: the same rows through the endpoint as in-process', async (_name, run) => {
    const expected = await run(inProcess);
    expect(expected.length).toBeGreaterThan(0); // the fixture answers every query: an empty answer would prove nothing
    expect(await run(biClient())).toEqual(expected);
    // With response compression, as clients that turn it on ask for it (enable_http_compression=1, gzip).
    expect(await run(biClient(secrets.bi, 'metabase', true))).toEqual(expected);
  });

  it('answers /ping and a bare GET like a server, without credentials', async () => {
    for (const path of ['/ping', '/']) {
      const r = await send(path, { auth: null });
      expect([r.status, await r.text()]).toEqual([200, 'Ok.\n']);
    }
  });

  it("sends a server's headers, takes the format from FORMAT, default_format or X-ClickHouse-Format, and the database from database= or X-ClickHouse-Database", async () => {
    const r = await send(`/?query=${encodeURIComponent('SELECT 1 AS one')}&default_format=JSONCompact&query_id=bi-test-1`);
    expect(r.status).toBe(200);
    expect(r.headers.get('x-clickhouse-query-id')).toBe('bi-test-1');
    expect(r.headers.get('x-clickhouse-format')).toBe('JSONCompact');
    expect(r.headers.get('x-clickhouse-timezone')).toBeTruthy();
    expect(r.headers.get('x-clickhouse-server-display-name')).toBeTruthy();
    expect(JSON.parse(r.headers.get('x-clickhouse-summary')!)).toMatchObject({ read_rows: '1', written_rows: '0' });
    expect(((await r.json()) as { data: unknown[][] }).data).toEqual([[1]]);

    const csv = await send('/', {
      method: 'POST',
      body: 'SELECT 2 AS two FORMAT CSVWithNames',
      headers: { 'X-ClickHouse-Format': 'JSON' },
    });
    expect([csv.headers.get('x-clickhouse-format'), await csv.text()]).toEqual(['CSVWithNames', '"two"\n2\n']);
    const byHeader = await send('/', { method: 'POST', body: 'SELECT 3 AS three', headers: { 'X-ClickHouse-Format': 'JSONEachRow' } });
    expect(await byHeader.text()).toBe('{"three":3}\n');

    const db = await send(`/?database=system&query=${encodeURIComponent('SELECT currentDatabase()')}`);
    expect(await db.text()).toBe('system\n');
    const dbHeader = await send('/', {
      method: 'POST',
      body: 'SELECT count() > 0 FROM tables',
      headers: { 'X-ClickHouse-Database': 'system' },
    });
    expect(await dbHeader.text()).toBe('1\n');
    // A compressed body, and one that would unpack beyond the query size limit.
    const zipped = await send('/', { method: 'POST', body: gzipSync('SELECT 4'), headers: { 'Content-Encoding': 'gzip' } });
    expect(await zipped.text()).toBe('4\n');
    const bomb = await send('/', {
      method: 'POST',
      body: gzipSync(`SELECT 1${' '.repeat(8 * 1024 * 1024)}`),
      headers: { 'Content-Encoding': 'gzip' },
    });
    expect([bomb.status, bomb.headers.get('x-clickhouse-exception-code')]).toEqual([413, '229']);
    // POST with the start of the query in query= and the rest in the body.
    const split = await send(`/?query=${encodeURIComponent('SELECT count()')}`, { method: 'POST', body: 'FROM segment_changes' });
    expect(await split.text()).toBe(`${await count('segment_changes')}\n`);
  });

  it('binds {name:Type} values from param_name= as a server does, escapes included', async () => {
    const sql =
      'SELECT {s:String} AS s, length({s:String}) AS len, {d:Date} AS d, {a:Array(String)} AS a, {n:Nullable(UInt8)} AS n FORMAT JSONEachRow';
    const r = await send(
      `/?query=${encodeURIComponent(sql)}&param_s=${encodeURIComponent("it's\\ta\\\\b")}&param_d=2026-03-01&param_a=${encodeURIComponent("['x','y']")}&param_n=${encodeURIComponent('\\N')}`,
    );
    expect(await r.json()).toEqual({ s: "it's\ta\\b", len: 8, d: '2026-03-01', a: ['x', 'y'], n: null });
  });

  it('takes a BI user by basic auth or X-ClickHouse-User/-Key; refuses wrong, missing and console credentials with AUTHENTICATION_FAILED', async () => {
    const ok = await send('/', {
      method: 'POST',
      body: 'SELECT 1',
      auth: null,
      headers: { 'X-ClickHouse-User': 'metabase', 'X-ClickHouse-Key': secrets.bi },
    });
    expect([ok.status, await ok.text()]).toEqual([200, '1\n']);
    const refusals: Array<[string, RequestInit & { auth?: [string, string] | null }]> = [
      ['wrong secret', { auth: ['metabase', `${secrets.bi}x`] }],
      ['unknown user', { auth: ['nobody', secrets.bi] }],
      ['no credentials', { auth: null }],
      ['a console admin', { auth: ['wang', secrets.admin] }], // console users stay out: docs/bi.md says why
      ['wrong key header', { auth: null, headers: { 'X-ClickHouse-User': 'metabase', 'X-ClickHouse-Key': 'guess' } }],
    ];
    for (const [label, init] of refusals) {
      const r = await send('/', { method: 'POST', body: 'SELECT 1', ...init });
      expect([r.status, r.headers.get('x-clickhouse-exception-code')], label).toEqual([403, '516']);
      expect(await r.text(), label).toMatch(
        /^Code: 516\. DB::Exception: .*Authentication failed.*\(AUTHENTICATION_FAILED\) \(version [\d.]+\)\n$/,
      );
    }
    // A password in the URL is refused too (URLs end up in logs), even the right one.
    const inUrl = await send(`/?user=metabase&password=${secrets.bi}&query=SELECT+1`, { auth: null });
    expect(inUrl.headers.get('x-clickhouse-exception-code')).toBe('516');
    await expect(biClient('wrong').query({ query: 'SELECT 1' })).rejects.toMatchObject({ code: '516', type: 'AUTHENTICATION_FAILED' });
  });

  it.each([
    ["INSERT INTO segment_changes (customer_id) VALUES ('X')", 164, 500],
    ['ALTER TABLE segment_changes DELETE WHERE 1', 164, 500],
    ['CREATE TABLE stolen (a UInt8) ENGINE = Memory', 164, 500],
    ['DROP TABLE segment_changes', 164, 500],
    ['TRUNCATE TABLE segment_changes', 164, 500],
    ['OPTIMIZE TABLE segment_changes FINAL', 164, 500],
    ['SYSTEM DROP MARK CACHE', 164, 500],
    ['KILL QUERY WHERE 1', 164, 500],
    ['SET max_result_rows = 0', 164, 500],
    ["SELECT * FROM file('/etc/passwd', 'LineAsString')", 497, 403],
    ["SELECT * FROM url('http://127.0.0.1:1/', 'LineAsString')", 497, 403],
    ["SELECT * FROM s3('https://bucket.s3.amazonaws.com/data.csv')", 497, 403],
    ["SELECT * FROM remote('127.0.0.1:9000', system.one)", 497, 403],
    ["SELECT * FROM executable('id', 'TSV', 'x String')", 497, 403],
    ["SELECT 1 INTO OUTFILE '/tmp/segmentation-bi-outfile.tsv'", 358, 500],
    ['SELECT 1; DROP TABLE segment_changes', 62, 400],
    ['SELECT 1 SETTINGS readonly = 0', 164, 500],
    ['SELECT count() FROM numbers(10) SETTINGS max_execution_time = 0', 164, 500],
    ["SELECT 1 SETTINGS max_result_rows = 0, result_overflow_mode = 'break'", 164, 500],
  ])("refuses %s with code %i (HTTP %i), in the server's format", async (sql, code, status) => {
    const before = await count('segment_changes');
    const r = await send('/', { method: 'POST', body: sql });
    expect([r.status, r.headers.get('x-clickhouse-exception-code')]).toEqual([status, String(code)]);
    expect(await r.text()).toMatch(new RegExp(`^Code: ${code}\\. DB::Exception: .+\\. \\([A-Z_]+\\) \\(version [\\d.]+\\)\\n$`));
    expect(await count('segment_changes')).toBe(before);
    expect(existsSync('/tmp/segmentation-bi-outfile.tsv')).toBe(false);
  });

  it('refuses settings in URL parameters that would lift readonly or the limits', async () => {
    for (const setting of ['readonly=0', 'max_execution_time=0', 'max_result_rows=0', 'max_result_bytes=0', 'result_overflow_mode=break']) {
      const r = await send(`/?${setting}&query=SELECT+1`);
      expect([r.status, r.headers.get('x-clickhouse-exception-code')], setting).toEqual([500, '164']);
    }
    // Other settings pass through, as on a server; readonly=1 or 2 asks for nothing more than it has.
    const r = await send("/?max_threads=1&readonly=1&query=SELECT+getSetting('max_threads')");
    expect(await r.text()).toBe('1\n');
  });

  it('leaves refusing writes to the engine itself as well: its connections run with readonly=2', async () => {
    const engine = await openBiEngine(dataPath, LIMITS);
    const plain = { defaultFormat: 'TSV', database: undefined, settings: [], params: [] };
    // Straight to the engine, past the statement check: the engine refuses on its own.
    await expect(engine.run({ ...plain, sql: "INSERT INTO segment_changes (customer_id) VALUES ('X')" })).rejects.toMatchObject({
      code: 164,
      errorName: 'READONLY',
    });
    await expect(engine.run({ ...plain, sql: 'CREATE TABLE stolen (a UInt8) ENGINE = Memory' })).rejects.toMatchObject({ code: 164 });
    await expect(engine.run({ ...plain, sql: 'SELECT 1 SETTINGS readonly = 0' })).rejects.toMatchObject({ code: 164 });
    expect(new TextDecoder().decode((await engine.run({ ...plain, sql: "SELECT getSetting('readonly')" })).body)).toBe('2\n');
    // ...and the pipeline's own connection still writes: nothing a BI request sets reaches it.
    const before = await count('segment_changes');
    await insertBatch(
      inProcess,
      rowsForSegmentChange(
        aSegmentChange({ customerId: 'Z', sequence: 1, fromSegment: null, toSegment: 'low', eventTime: shanghai('2026-04-01 10:00') }),
      ),
    );
    expect(await count('segment_changes')).toBe(before + 1);
  });

  it('stops a query over the time limit, and refuses answers over the row or byte limit', async () => {
    const slow = await send('/', { method: 'POST', body: 'SELECT count() FROM numbers_mt(100000000000000)' });
    expect([slow.status, slow.headers.get('x-clickhouse-exception-code')]).toEqual([408, '159']);
    expect(await slow.text()).toMatch(/^Code: 159\. DB::Exception: Timeout exceeded: .*\(TIMEOUT_EXCEEDED\)/);
    const rows = await send('/', { method: 'POST', body: `SELECT number FROM numbers(${LIMITS.maxResultRows * 5})` });
    expect([rows.status, rows.headers.get('x-clickhouse-exception-code')]).toEqual([500, '396']);
    const bytes = await send('/', {
      method: 'POST',
      body: `SELECT repeat('x', 1000) FROM numbers(${Math.ceil(LIMITS.maxResultBytes / 1000) + 10})`,
    });
    expect([bytes.status, bytes.headers.get('x-clickhouse-exception-code')]).toEqual([500, '396']);
    await expect(
      biClient().query({ query: `SELECT number FROM numbers(${LIMITS.maxResultRows * 5})`, format: 'JSONEachRow' }),
    ).rejects.toMatchObject({ code: '396', type: 'TOO_MANY_ROWS_OR_BYTES' });
  });

  it('refuses a query beyond the concurrent limit instead of queueing it', async () => {
    const answers = await Promise.all([1, 2, 3].map(() => send('/', { method: 'POST', body: 'SELECT sleep(1)' })));
    const codes = answers.map((r) => r.headers.get('x-clickhouse-exception-code') ?? String(r.status)).sort();
    expect(codes).toEqual(['200', '200', '202']);
  });

  describe('through the official ClickHouse JDBC driver (com.clickhouse:clickhouse-jdbc 0.10.0 from Maven Central)', () => {
    let libs: string;
    beforeAll(async () => {
      libs = await jdbcDriverJars();
    }, MAVEN_TIMEOUT_MS + 30_000);

    it('connects with its defaults, queries, reads DatabaseMetaData, and has its INSERT refused', async () => {
      const values = { dimension: 'value_tier', from: '2026-03-01', to: '2026-03-31', timeZone: 'Asia/Shanghai' };
      // The docs/bi.md transition matrix as a BI user types it: the values written into the SQL.
      const sql = TRANSITION_MATRIX_SQL.replace(
        /\{(\w+):(\w+)\}/g,
        (_, name: keyof typeof values, type: string) => `CAST('${values[name]}', '${type}')`,
      );
      // As the driver's getString() gives them: text, numbers in decimal, NULL as null.
      const expected = (
        await (await inProcess.query({ query: sql, format: 'JSONCompactEachRow' })).json<Array<string | number | null>>()
      ).map((row) => row.map((v) => (v === null ? null : String(v))));
      expect(expected.length).toBeGreaterThan(0);

      const steps = await runJdbcCheck(libs, [
        `jdbc:clickhouse://127.0.0.1:${endpoint.port}/default`,
        'metabase',
        secrets.bi,
        'segment_changes',
        sql,
      ]);
      expect(steps.get('connect')).toMatchObject({ product: 'ClickHouse', driver: expect.stringContaining('0.10.0') as unknown });
      expect(steps.get('adhoc')).toEqual({ step: 'adhoc', rows: [['2', 'segment']] });
      expect(steps.get('bi_query')).toEqual({ step: 'bi_query', rows: expected });
      expect((steps.get('tables') as { tables: string[] }).tables).toEqual(
        expect.arrayContaining(['default.segment_changes', 'default.churn_alerts']),
      );
      const described = await (
        await inProcess.query({ query: 'DESCRIBE TABLE segment_changes', format: 'JSONEachRow' })
      ).json<{ name: string; type: string }>();
      expect((steps.get('columns') as { columns: string[][] }).columns).toEqual(described.map((c) => [c.name, c.type]));
      expect(steps.get('insert')).toMatchObject({ code: 164, error: expect.stringContaining('READONLY') as unknown });
    }, 180_000);
  });
});

/** Minutes Maven may take to fetch the driver the first time (later runs find it under .local/). */
const MAVEN_TIMEOUT_MS = 10 * 60_000;

/** The driver's jars under .local/bi-jdbc/libs, fetched once by `mvn dependency:copy-dependencies` on test/jdbc/pom.xml. */
async function jdbcDriverJars(): Promise<string> {
  const dir = join(ROOT, '.local', 'bi-jdbc');
  const libs = join(dir, 'libs');
  const done = join(libs, '.complete');
  if (existsSync(done)) return libs;
  mkdirSync(dir, { recursive: true });
  const log = join(dir, 'mvn.log');
  const args = [
    '-B',
    '-q',
    '-f',
    join(ROOT, 'test', 'jdbc', 'pom.xml'),
    'dependency:copy-dependencies',
    '-DincludeScope=runtime',
    `-DoutputDirectory=${libs}`,
  ];
  await new Promise<void>((resolve, reject) => {
    execFile('mvn', args, { timeout: MAVEN_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      writeFileSync(log, `${stdout}${stderr}`);
      if (err === null) return resolve();
      const cause = err.killed
        ? `Maven did not finish fetching com.clickhouse:clickhouse-jdbc:0.10.0 from Maven Central within ${MAVEN_TIMEOUT_MS / 60_000} minutes (a slow or blocked network?)`
        : `Maven could not fetch com.clickhouse:clickhouse-jdbc:0.10.0 from Maven Central (is mvn installed and Maven Central reachable?)`;
      reject(new Error(`${cause}; read ${log}`));
    });
  });
  writeFileSync(done, '');
  return libs;
}

/** Runs test/jdbc/BiJdbcCheck.java with Java's single-file launcher; its JSON lines by step. */
async function runJdbcCheck(libs: string, args: string[]): Promise<Map<string, Record<string, unknown>>> {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      'java',
      ['-cp', join(libs, '*'), join(ROOT, 'test', 'jdbc', 'BiJdbcCheck.java'), ...args],
      { timeout: 150_000, maxBuffer: 16 * 1024 * 1024 },
      (err, out, errOut) => {
        if (err !== null)
          reject(new Error(`the JDBC check failed${err.killed ? ' (it ran out of time)' : ''}: ${err.message}\n${out}\n${errOut}`));
        else resolve(out);
      },
    );
  });
  const steps = new Map<string, Record<string, unknown>>();
  for (const line of stdout.split('\n').filter((l) => l.startsWith('{'))) {
    const step = JSON.parse(line) as Record<string, unknown> & { step: string };
    steps.set(step.step, step);
  }
  return steps;
}
