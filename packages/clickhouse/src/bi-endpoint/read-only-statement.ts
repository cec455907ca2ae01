import { ClickHouseException } from './clickhouse-exceptions.ts';

// The statement check of the BI endpoint. The engine's own readonly=2 refuses writes, DDL and
// changes of `readonly` (each request's session runs with it), but it still lets through what a
// read-only user of the embedded engine may do in-process: table functions and functions that reach
// files, URLs and other servers, INTO OUTFILE, KILL, several statements in one request, and settings
// that would lift the endpoint's limits. This check refuses those, conservatively: it works on
// tokens (strings, quoted names and comments are recognised, so a word inside them never counts),
// and it refuses a protected name wherever it appears as a word.

/** Statements a BI tool reads with; anything else is refused as a write (READONLY). */
const READ_STATEMENTS = new Set(['select', 'with', 'show', 'describe', 'desc', 'exists', 'explain']);

/**
 * Table functions that only read what the engine holds or generates. Every other table function
 * the engine knows (file, url, s3, remote, mysql, executable, iceberg…) is refused.
 */
export const INTERNAL_TABLE_FUNCTIONS: ReadonlySet<string> = new Set([
  'numbers',
  'numbers_mt',
  'zeros',
  'zeros_mt',
  'generaterandom',
  'generateseries',
  'generate_series',
  'primes',
  'values',
  'sqlstandardvalues',
  'null',
  'view',
  'viewexplain',
  'viewifpermitted',
  'merge',
  'format',
  'loop',
  'dictionary',
  'fuzzjson',
  'fuzzquery',
  'mergetreeindex',
  'mergetreeprojection',
  'mergetreeanalyzeindexes',
  'mergetreeanalyzeindexesuuid',
  'mergetreetextindex',
  'timeseriesdata',
  'timeseriesmetrics',
  'timeseriessamples',
  'timeseriestags',
  'timeseriesselector',
]);

/** Refused even when the engine's list of table functions could not be read: those reach outside, or are scalar functions that do. */
export const OUTSIDE_FUNCTIONS: readonly string[] = [
  'file',
  'filecluster',
  'filesystem',
  'url',
  'urlcluster',
  's3',
  's3cluster',
  'gcs',
  'oss',
  'cosn',
  'hdfs',
  'hdfscluster',
  'remote',
  'remotesecure',
  'cluster',
  'clusterallreplicas',
  'mysql',
  'postgresql',
  'jdbc',
  'odbc',
  'sqlite',
  'mongodb',
  'redis',
  'executable',
  'input',
  'azureblobstorage',
  'azureblobstoragecluster',
  'eval',
  'arrowstream',
  'ytsaurus',
];

/** Settings that carry the endpoint's read-only mode and limits: never changed by a request. */
export const PROTECTED_SETTINGS: ReadonlySet<string> = new Set([
  'readonly',
  'allow_ddl',
  'max_execution_time',
  'max_execution_time_leaf',
  'timeout_overflow_mode',
  'timeout_overflow_mode_leaf',
  'max_result_rows',
  'max_result_bytes',
  'result_overflow_mode',
  'max_estimated_execution_time',
  'max_bytes_to_read',
  'max_rows_to_read',
]);

type Token = { kind: 'word' | 'quoted' | 'string' | 'number' | 'punct'; text: string; at: number };

/** The significant tokens of `sql` (comments and white space dropped); throws SYNTAX_ERROR on an unclosed string or comment. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const unclosed = (what: string, at: number) =>
    new ClickHouseException('SYNTAX_ERROR', `Syntax error: failed at position ${at + 1}: unclosed ${what}`);
  while (i < sql.length) {
    const c = sql[i]!;
    const rest2 = sql.slice(i, i + 2);
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (rest2 === '--' || c === '#') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
      continue;
    }
    if (rest2 === '/*') {
      // ClickHouse nests block comments.
      let depth = 0;
      const start = i;
      do {
        if (sql.startsWith('/*', i)) {
          depth++;
          i += 2;
        } else if (sql.startsWith('*/', i)) {
          depth--;
          i += 2;
        } else i++;
        if (i >= sql.length && depth > 0) throw unclosed('comment', start);
      } while (depth > 0);
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      const start = i;
      let text = '';
      i++;
      for (;;) {
        if (i >= sql.length) throw unclosed(c === "'" ? 'string' : 'quoted name', start);
        const d = sql[i]!;
        if (d === '\\') {
          text += sql[i + 1] ?? '';
          i += 2;
          continue;
        }
        if (d === c) {
          if (sql[i + 1] === c) {
            text += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += d;
        i++;
      }
      tokens.push({ kind: c === "'" ? 'string' : 'quoted', text, at: start });
      continue;
    }
    const heredoc = /^\$([A-Za-z0-9_]*)\$/.exec(sql.slice(i));
    if (heredoc !== null) {
      const end = sql.indexOf(heredoc[0], i + heredoc[0].length);
      if (end < 0) throw unclosed('heredoc string', i);
      tokens.push({ kind: 'string', text: sql.slice(i + heredoc[0].length, end), at: i });
      i = end + heredoc[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i, i + 256));
    if (word !== null) {
      tokens.push({ kind: 'word', text: word[0], at: i });
      i += word[0].length;
      continue;
    }
    const number = /^[0-9][0-9A-Za-z_.]*/.exec(sql.slice(i, i + 256));
    if (number !== null) {
      tokens.push({ kind: 'number', text: number[0], at: i });
      i += number[0].length;
      continue;
    }
    tokens.push({ kind: 'punct', text: c, at: i });
    i++;
  }
  return tokens;
}

export interface CheckedStatement {
  /** The output format a trailing FORMAT clause names, if any (it wins over default_format). */
  format: string | undefined;
}

/**
 * Refuses, with the code a ClickHouse server would use, whatever a read-only BI user must not do;
 * `refusedFunctions` holds lower-case names. Returns what the endpoint needs to know of the statement.
 */
export function checkReadOnlyStatement(sql: string, refusedFunctions: ReadonlySet<string>): CheckedStatement {
  const tokens = tokenize(sql);
  if (tokens.length === 0) throw new ClickHouseException('SYNTAX_ERROR', 'Empty query');
  const semicolon = tokens.findIndex((t) => t.kind === 'punct' && t.text === ';');
  if (semicolon >= 0 && semicolon < tokens.length - 1) {
    throw new ClickHouseException(
      'SYNTAX_ERROR',
      `Syntax error (Multi-statements are not allowed): failed at position ${tokens[semicolon]!.at + 1}: the BI endpoint runs one statement per request`,
    );
  }
  const body = semicolon >= 0 ? tokens.slice(0, semicolon) : tokens;
  const first = body.find((t) => !(t.kind === 'punct' && t.text === '('));
  if (first === undefined || first.kind !== 'word' || !READ_STATEMENTS.has(first.text.toLowerCase())) {
    const what = first?.text.toUpperCase() ?? '';
    throw new ClickHouseException(
      'READONLY',
      `Cannot execute query in readonly mode: the BI endpoint answers SELECT, WITH, SHOW, DESCRIBE, EXISTS and EXPLAIN only${what ? `, not ${what}` : ''}`,
    );
  }
  for (let k = 0; k < body.length; k++) {
    const t = body[k]!;
    if (t.kind !== 'word' && t.kind !== 'quoted') continue;
    const name = t.text.toLowerCase();
    if (t.kind === 'word' && name === 'into' && body[k + 1]?.kind === 'word' && body[k + 1]!.text.toLowerCase() === 'outfile') {
      throw new ClickHouseException(
        'INTO_OUTFILE_NOT_ALLOWED',
        'INTO OUTFILE is not allowed: the BI endpoint sends results to the client only',
      );
    }
    if (PROTECTED_SETTINGS.has(name)) {
      throw new ClickHouseException(
        'READONLY',
        `Cannot modify '${name}' setting in readonly mode: the BI endpoint's read-only mode and limits are set by its configuration (BI_* settings)`,
      );
    }
    const next = body[k + 1];
    if (next?.kind === 'punct' && next.text === '(' && refusedFunctions.has(name)) {
      throw new ClickHouseException(
        'ACCESS_DENIED',
        `${t.text}() is not allowed: the BI endpoint reads the pipeline's tables only, never files, URLs or other servers`,
      );
    }
  }
  // A trailing FORMAT clause names the output format; SETTINGS may follow it.
  let format: string | undefined;
  for (let k = body.length - 2; k >= 0; k--) {
    const t = body[k]!;
    if (
      t.kind === 'word' &&
      t.text.toLowerCase() === 'format' &&
      (body[k + 1]!.kind === 'word' || body[k + 1]!.kind === 'quoted') &&
      body[k - 1]?.text !== '('
    ) {
      const after = body[k + 2];
      if (after === undefined || (after.kind === 'word' && after.text.toLowerCase() === 'settings')) format = body[k + 1]!.text;
      break;
    }
  }
  return { format };
}

/** The table functions to refuse: every one the engine knows except the internal ones, and the known outside ones. */
export function refusedFunctionsOf(engineTableFunctions: readonly string[]): Set<string> {
  const names = new Set(OUTSIDE_FUNCTIONS);
  for (const n of engineTableFunctions) if (!INTERNAL_TABLE_FUNCTIONS.has(n.toLowerCase())) names.add(n.toLowerCase());
  return names;
}
