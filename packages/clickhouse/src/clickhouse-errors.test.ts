import { describe, expect, it } from 'vitest';
import { ClickHouseError, parseError } from '@clickhouse/client';
import { ServiceUnavailableError } from '@segmentation/runtime';
import { classifyClickHouseError, clickHouseErrorCode, isRetriableClickHouseError } from './clickhouse-errors.ts';
import { InvalidRowError } from './table-row.ts';

/** The error a server's HTTP response becomes in @clickhouse/client. */
const fromServer = (code: number, type: string) =>
  parseError(`Code: ${code}. DB::Exception: something went wrong. (${type}) (version 25.3.1.1)`);
/** The shape chdb gives (ChdbQueryError), wrapped by the client as the cause of a ClickHouseError. */
const fromChdb = (code: number) =>
  Object.assign(new Error(`Code: ${code}. DB::Exception: x`), { clickhouseCode: code, code: 'CHDB_QUERY' });
const nodeSocketError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:8123`), { code });

describe('clickHouseErrorCode', () => {
  it("reads the server's code from the client's ClickHouseError", () => {
    const err = fromServer(252, 'TOO_MANY_PARTS');
    expect(err).toBeInstanceOf(ClickHouseError);
    expect(clickHouseErrorCode(err)).toBe(252);
  });

  it("reads chdb's numeric clickhouseCode, also as the cause of another error", () => {
    expect(clickHouseErrorCode(fromChdb(41))).toBe(41);
    expect(clickHouseErrorCode(new Error('insert failed', { cause: fromChdb(53) }))).toBe(53);
  });

  it('reads the code from an exception text that arrived inside a streamed body', () => {
    expect(clickHouseErrorCode(new Error('Code: 241. DB::Exception: Memory limit (total) exceeded'))).toBe(241);
  });

  it("has none for socket errors, whose codes are Node's words, and for anything else", () => {
    expect(clickHouseErrorCode(nodeSocketError('ECONNREFUSED'))).toBeUndefined();
    expect(clickHouseErrorCode(new Error('boom'))).toBeUndefined();
    expect(clickHouseErrorCode('a string')).toBeUndefined();
    expect(clickHouseErrorCode(undefined)).toBeUndefined();
  });
});

describe('classifyClickHouseError', () => {
  it.each([
    [252, 'TOO_MANY_PARTS'],
    [241, 'MEMORY_LIMIT_EXCEEDED'],
    [159, 'TIMEOUT_EXCEEDED'],
    [209, 'SOCKET_TIMEOUT'],
    [210, 'NETWORK_ERROR'],
    [202, 'TOO_MANY_SIMULTANEOUS_QUERIES'],
  ])('retries code %i (%s)', (code, type) => {
    expect(classifyClickHouseError(fromServer(code, type))).toBe('retriable');
    expect(isRetriableClickHouseError(fromChdb(code))).toBe(true);
  });

  it.each([
    [6, 'CANNOT_PARSE_TEXT'],
    [27, 'CANNOT_PARSE_INPUT_ASSERTION_FAILED'],
    [41, 'CANNOT_PARSE_DATETIME'],
    [53, 'TYPE_MISMATCH'],
    [16, 'NO_SUCH_COLUMN_IN_TABLE'],
    [117, 'INCORRECT_DATA'],
  ])('never retries bad data, code %i (%s)', (code, type) => {
    expect(classifyClickHouseError(fromServer(code, type))).toBe('bad_data');
    expect(isRetriableClickHouseError(fromChdb(code))).toBe(false);
  });

  it('leaves a missing table, a syntax error or a refused login unknown: a defect to fix, not data to drop', () => {
    for (const [code, type] of [
      [60, 'UNKNOWN_TABLE'],
      [62, 'SYNTAX_ERROR'],
      [516, 'AUTHENTICATION_FAILED'],
    ] as const) {
      expect(classifyClickHouseError(fromServer(code, type))).toBe('unknown');
      expect(isRetriableClickHouseError(fromServer(code, type))).toBe(false);
    }
  });

  it('classifies by the code, not the words: a retriable code with a bad-data message is retriable', () => {
    expect(classifyClickHouseError(fromServer(252, 'CANNOT_PARSE_TEXT'))).toBe('retriable');
    expect(classifyClickHouseError(fromServer(27, 'TOO_MANY_PARTS'))).toBe('bad_data');
  });

  it('retries an unreachable server: socket errors, the client timeout, ServiceUnavailableError', () => {
    expect(classifyClickHouseError(nodeSocketError('ECONNREFUSED'))).toBe('retriable');
    expect(classifyClickHouseError(new Error('request failed', { cause: nodeSocketError('ECONNRESET') }))).toBe('retriable');
    expect(classifyClickHouseError(new Error('Timeout error.'))).toBe('retriable');
    expect(classifyClickHouseError(new ServiceUnavailableError('ClickHouse', 'http://ch:8123', nodeSocketError('ECONNREFUSED')))).toBe(
      'retriable',
    );
  });

  it('never retries a row refused by its schema, and leaves an unexplained error unknown', () => {
    expect(classifyClickHouseError(new InvalidRowError('orders', 0, 'amount', 'too big'))).toBe('bad_data');
    expect(classifyClickHouseError(new Error('boom'))).toBe('unknown');
    expect(classifyClickHouseError(nodeSocketError('ENOENT'))).toBe('unknown');
  });
});
