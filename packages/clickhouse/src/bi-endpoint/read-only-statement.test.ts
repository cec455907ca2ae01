import { describe, expect, it } from 'vitest';
import { checkReadOnlyStatement, refusedFunctionsOf, tokenize } from './read-only-statement.ts';
import { ClickHouseException } from './clickhouse-exceptions.ts';

const refused = refusedFunctionsOf(['file', 'url', 's3', 'remote', 'mysql', 'numbers', 'view', 'executable', 'icebergS3']);

/** The code and name the statement is refused with; fails the test when it passes. */
function refusal(sql: string): string {
  try {
    checkReadOnlyStatement(sql, refused);
  } catch (err) {
    expect(err).toBeInstanceOf(ClickHouseException);
    const e = err as ClickHouseException;
    return `${e.code} ${e.errorName}`;
  }
  throw new Error(`expected a refusal of ${sql}`);
}

describe('the BI endpoint statement check', () => {
  it.each([
    'SELECT 1',
    'select count() from segment_changes',
    'WITH 1 AS x SELECT x',
    '(SELECT 1) UNION ALL (SELECT 2)',
    'SHOW TABLES',
    'DESCRIBE TABLE segment_changes',
    'DESC segment_changes',
    'EXISTS TABLE segment_changes',
    'EXPLAIN SELECT 1',
    'SELECT 1;',
    'SELECT 1; -- trailing comment',
    "SELECT 'file(''x'')', `weird name` FROM t -- file('/etc/passwd')",
    "SELECT * FROM numbers(10) /* url('http://x') */",
    'SELECT {customer:String} AS c',
    'SELECT number FROM numbers(3) SETTINGS max_threads = 1',
    'SELECT x FROM t WHERE format = 1',
  ])('lets a read through: %s', (sql) => {
    expect(() => checkReadOnlyStatement(sql, refused)).not.toThrow();
  });

  it.each([
    ['INSERT INTO segment_changes VALUES (1)', '164 READONLY'],
    ['insert into t select 1', '164 READONLY'],
    ['ALTER TABLE t DELETE WHERE 1', '164 READONLY'],
    ['CREATE TABLE x (a UInt8) ENGINE = Memory', '164 READONLY'],
    ['DROP TABLE segment_changes', '164 READONLY'],
    ['TRUNCATE TABLE segment_changes', '164 READONLY'],
    ['OPTIMIZE TABLE segment_changes FINAL', '164 READONLY'],
    ['SYSTEM FLUSH LOGS', '164 READONLY'],
    ['KILL QUERY WHERE 1', '164 READONLY'],
    ['SET readonly = 0', '164 READONLY'],
    ['USE system', '164 READONLY'],
    ['/* hidden */ DELETE FROM t WHERE 1', '164 READONLY'],
    ['SELECT 1; DROP TABLE segment_changes', '62 SYNTAX_ERROR'],
    ['SELECT 1;SELECT 2', '62 SYNTAX_ERROR'],
    ["SELECT * FROM file('/etc/passwd', 'LineAsString')", '497 ACCESS_DENIED'],
    ["SELECT * FROM FILE ('/etc/passwd')", '497 ACCESS_DENIED'],
    ["SELECT * FROM `file`('/etc/passwd')", '497 ACCESS_DENIED'],
    ["SELECT file('/etc/passwd')", '497 ACCESS_DENIED'],
    ["SELECT * FROM url('http://169.254.169.254/', 'LineAsString')", '497 ACCESS_DENIED'],
    ["SELECT * FROM s3('https://bucket/x.csv')", '497 ACCESS_DENIED'],
    ["SELECT * FROM remote('10.0.0.1', system.one)", '497 ACCESS_DENIED'],
    ["SELECT * FROM postgresql('db:5432', 'db', 't', 'u', 'p')", '497 ACCESS_DENIED'],
    ["SELECT * FROM icebergS3('https://bucket/t')", '497 ACCESS_DENIED'],
    ["WITH x AS (SELECT * FROM executable('ls', 'TSV', 'x String')) SELECT * FROM x", '497 ACCESS_DENIED'],
    ["SELECT 1 INTO OUTFILE '/tmp/out.tsv'", '358 INTO_OUTFILE_NOT_ALLOWED'],
    ['SELECT 1 SETTINGS readonly = 0', '164 READONLY'],
    ['SELECT 1 SETTINGS max_execution_time = 0', '164 READONLY'],
    ["SELECT 1 SETTINGS max_result_rows = 0, result_overflow_mode = 'break'", '164 READONLY'],
    ['SELECT 1 SETTINGS `max_result_bytes` = 0', '164 READONLY'],
    ['', '62 SYNTAX_ERROR'],
    ['-- only a comment', '62 SYNTAX_ERROR'],
    ["SELECT 'unclosed", '62 SYNTAX_ERROR'],
  ])('refuses %s with %s', (sql, expected) => {
    expect(refusal(sql)).toBe(expected);
  });

  it('names the output format of a trailing FORMAT clause, with or without SETTINGS after it', () => {
    expect(checkReadOnlyStatement('SELECT 1 FORMAT JSONEachRow', refused).format).toBe('JSONEachRow');
    expect(checkReadOnlyStatement('SELECT 1 FORMAT RowBinaryWithNamesAndTypes SETTINGS max_threads = 1', refused).format).toBe(
      'RowBinaryWithNamesAndTypes',
    );
    expect(checkReadOnlyStatement('SELECT 1 FORMAT CSV;', refused).format).toBe('CSV');
    expect(checkReadOnlyStatement('SELECT format FROM t', refused).format).toBeUndefined();
    expect(checkReadOnlyStatement("SELECT format('{}', 'x')", refused).format).toBeUndefined();
  });

  it("keeps the internal table functions, refuses the engine's others and the known outside ones", () => {
    expect(refused.has('numbers')).toBe(false);
    expect(refused.has('view')).toBe(false);
    expect(refused.has('icebergs3')).toBe(true);
    expect(refusedFunctionsOf([]).has('file')).toBe(true);
  });

  it('reads strings, quoted names, heredocs and nested comments as single tokens', () => {
    expect(tokenize('SELECT \'a;b\', "c;d", `e;f`, $x$g;h$x$ /* /* ; */ ; */ ; -- ;').map((t) => t.text)).toEqual([
      'SELECT',
      'a;b',
      ',',
      'c;d',
      ',',
      'e;f',
      ',',
      'g;h',
      ';',
    ]);
    expect(
      tokenize("SELECT 'it''s', 'back\\\\slash\\''")
        .filter((t) => t.kind === 'string')
        .map((t) => t.text),
    ).toEqual(["it's", "back\\slash'"]);
  });
});
