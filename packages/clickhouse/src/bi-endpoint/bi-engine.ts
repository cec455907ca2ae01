import { ClickHouseException, describeError } from './clickhouse-exceptions.ts';
import { PROTECTED_SETTINGS, refusedFunctionsOf } from './read-only-statement.ts';

// The BI endpoint's side of the embedded engine. libchdb lets one process open several connections
// to the one data folder it holds, each with its own settings and query parameters; each BI request
// gets a connection of its own, opened with the request's settings, then the endpoint's limits and
// readonly=2, and closed after the answer. So nothing a request sets outlives it or reaches the
// pipeline's own connection (which writes), and readonly is enforced by the engine itself (it refuses
// INSERT, DDL, SYSTEM, OPTIMIZE and `SETTINGS readonly=0` with code 164). readonly=2 rather than 1:
// drivers set output settings per request, which readonly=1 refuses; the limits are protected by
// the statement check instead (read-only-statement.ts).

export interface BiLimits {
  /** Seconds a query may run before the engine stops it (TIMEOUT_EXCEEDED). */
  maxExecutionSeconds: number;
  /** Rows a result may have (TOO_MANY_ROWS_OR_BYTES beyond). */
  maxResultRows: number;
  /** Bytes a result may have, in the engine and as sent. */
  maxResultBytes: number;
}

export interface BiQuery {
  sql: string;
  /** The output format when the statement names none. */
  defaultFormat: string;
  database: string | undefined;
  /** Settings of the request (URL parameters that are not the endpoint's own), values as sent. */
  settings: ReadonlyArray<[string, string]>;
  /** `{name:Type}` parameters, values in ClickHouse's escaped text form as sent (`param_name=`). */
  params: ReadonlyArray<[string, string]>;
}

export interface BiResult {
  body: Uint8Array;
  rowsRead: number;
  bytesRead: number;
  elapsedSeconds: number;
}

export interface BiEngine {
  version: string;
  timezone: string;
  refusedFunctions: ReadonlySet<string>;
  run(q: BiQuery): Promise<BiResult>;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A ClickHouse string literal: backslash and quote escaped, so the engine reads back exactly `v`. */
const literal = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Opens the engine's side for the endpoint: reads the version, time zone and table functions once. */
export async function openBiEngine(dataPath: string, limits: BiLimits): Promise<BiEngine> {
  // Loaded here, not on import: the engine's library adds ~170 MiB to a process (client.ts says more).
  const { Session } = await import('chdb');
  const probe = new Session(dataPath);
  let info: { version: string; timezone: string; functions: string[] };
  try {
    const r = await probe.queryAsync(
      'SELECT version() AS version, timezone() AS timezone, (SELECT groupArray(name) FROM system.table_functions) AS functions',
      { format: 'JSONEachRow' },
    );
    info = r.json<{ version: string; timezone: string; functions: string[] }>();
  } finally {
    probe.close();
  }
  const refusedFunctions = refusedFunctionsOf(info.functions);
  const limitSettings = [
    `SET max_execution_time = ${limits.maxExecutionSeconds}`,
    "SET timeout_overflow_mode = 'throw'",
    `SET max_result_rows = ${limits.maxResultRows}`,
    `SET max_result_bytes = ${limits.maxResultBytes}`,
    "SET result_overflow_mode = 'throw'",
  ];

  async function run(q: BiQuery): Promise<BiResult> {
    const setup: string[] = [];
    for (const [name, value] of q.settings) {
      if (!NAME.test(name)) throw new ClickHouseException('BAD_ARGUMENTS', `Invalid setting name '${name}'`);
      if (PROTECTED_SETTINGS.has(name.toLowerCase())) {
        throw new ClickHouseException(
          'READONLY',
          `Cannot modify '${name}' setting in readonly mode: the BI endpoint's read-only mode and limits are set by its configuration (BI_* settings)`,
        );
      }
      setup.push(`SET ${name} = ${literal(value)}`);
    }
    for (const [name, value] of q.params) {
      if (!NAME.test(name)) throw new ClickHouseException('BAD_ARGUMENTS', `Invalid query parameter name '${name}'`);
      setup.push(`SET param_${name} = ${literal(value)}`);
    }
    if (q.database !== undefined) {
      if (!NAME.test(q.database)) throw new ClickHouseException('BAD_ARGUMENTS', `Invalid database name '${q.database}'`);
      setup.push(`USE \`${q.database}\``);
    }
    setup.push(...limitSettings, 'SET readonly = 2');
    const session = new Session(dataPath);
    try {
      for (const statement of setup) await session.queryAsync(statement, { format: 'TSV' });
      const r = await session.queryAsync(q.sql, { format: q.defaultFormat });
      const body = r.bytes();
      // The engine counts max_result_bytes in memory; the answer as sent is capped too, since it is
      // held whole in memory before it goes out.
      if (body.byteLength > limits.maxResultBytes) {
        throw new ClickHouseException(
          'TOO_MANY_ROWS_OR_BYTES',
          `Limit for result exceeded, max bytes: ${limits.maxResultBytes}, current bytes: ${body.byteLength} (BI_MAX_RESULT_BYTES)`,
        );
      }
      return { body, rowsRead: r.rowsRead, bytesRead: r.bytesRead, elapsedSeconds: r.elapsed };
    } catch (err) {
      const e = describeError(err);
      throw new ClickHouseException({ code: e.code, name: e.name }, e.message);
    } finally {
      session.close();
    }
  }
  return { version: info.version, timezone: info.timezone, refusedFunctions, run };
}
