import { ServiceUnavailableError } from '@segmentation/runtime';
import { InvalidRowError } from './table-row.ts';

// ClickHouse failures classified by error code, never by message text: messages change between
// versions and are translated by nobody, codes are stable (ClickHouse's src/Common/ErrorCodes.cpp).
//
// Where the code is found:
// - @clickhouse/client's ClickHouseError (server and embedded alike) has `code` as a numeric string;
// - chdb's own errors (ChdbQueryError, ChdbSyntaxError; the client keeps them as `cause`) have a
//   numeric `clickhouseCode`;
// - an exception that arrives inside a streamed response body only survives as the server's text
//   `Code: NNN. DB::Exception: ...`, from which the number (not the wording) is read.

/** Transient: the same insert can succeed later (network, load, memory, merges catching up). */
const RETRIABLE = new Set([
  3, // UNEXPECTED_END_OF_FILE: connection cut mid-response
  159, // TIMEOUT_EXCEEDED
  160, // TOO_SLOW
  164, // READONLY: replica temporarily read-only (Keeper session lost)
  173, // CANNOT_ALLOCATE_MEMORY
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  203, // NO_FREE_CONNECTION
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  241, // MEMORY_LIMIT_EXCEEDED
  242, // TABLE_IS_READ_ONLY
  252, // TOO_MANY_PARTS: inserts outpace merges; back off and they catch up
  285, // TOO_FEW_LIVE_REPLICAS
  286, // UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE
  319, // UNKNOWN_STATUS_OF_INSERT
  394, // QUERY_WAS_CANCELLED
  425, // SYSTEM_ERROR
  439, // CANNOT_SCHEDULE_TASK
  999, // KEEPER_EXCEPTION
  1000, // POCO_EXCEPTION: socket-level failures
]);

/** The rows themselves are wrong: sending them again fails again, so they are dead-lettered. */
const BAD_DATA = new Set([
  6, // CANNOT_PARSE_TEXT
  16, // NO_SUCH_COLUMN_IN_TABLE
  25, // CANNOT_PARSE_ESCAPE_SEQUENCE
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  53, // TYPE_MISMATCH
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  117, // INCORRECT_DATA
  131, // TOO_LARGE_STRING_SIZE
  190, // SIZES_OF_ARRAYS_DONT_MATCH
  321, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  349, // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
  407, // DECIMAL_OVERFLOW
  691, // UNKNOWN_ELEMENT_OF_ENUM
]);

/** Node's socket errors have a string code and no ClickHouse code: the server was not reached. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

/**
 * - retriable: back off and try the same insert again;
 * - bad_data: never succeeds; dead-letter the rows with the code;
 * - unknown: everything else (unknown table or column of the query itself, syntax, access): a
 *   defect or a configuration to fix, so retry a little, then stop without committing.
 */
export type ClickHouseErrorClass = 'retriable' | 'bad_data' | 'unknown';

/** The numeric ClickHouse error code of a failed query or insert, if it has one. */
export function clickHouseErrorCode(err: unknown): number | undefined {
  for (let e: unknown = err, depth = 0; e !== null && e !== undefined && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (typeof e !== 'object') break;
    const { clickhouseCode, code, message } = e as { clickhouseCode?: unknown; code?: unknown; message?: unknown };
    if (typeof clickhouseCode === 'number' && Number.isInteger(clickhouseCode)) return clickhouseCode;
    // ClickHouseError's code is the number as text; Node's error codes ('ECONNRESET') are not numbers.
    if (typeof code === 'string' && /^\d+$/.test(code)) return Number(code);
    const inText = typeof message === 'string' ? /\bCode: (\d+)\. DB::Exception/.exec(message) : null;
    if (inText) return Number(inText[1]);
  }
  return undefined;
}

export function classifyClickHouseError(err: unknown): ClickHouseErrorClass {
  if (err instanceof InvalidRowError) return 'bad_data';
  if (err instanceof ServiceUnavailableError) return 'retriable';
  const code = clickHouseErrorCode(err);
  if (code !== undefined) return RETRIABLE.has(code) ? 'retriable' : BAD_DATA.has(code) ? 'bad_data' : 'unknown';
  for (let e: unknown = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return 'retriable';
    // The HTTP client's request timeout is the one failure it gives no code at all.
    if (e instanceof Error && e.message === 'Timeout error.') return 'retriable';
  }
  return 'unknown';
}

/** Whether the same insert may succeed if tried again later. Bad data and unknown errors: no. */
export function isRetriableClickHouseError(err: unknown): boolean {
  return classifyClickHouseError(err) === 'retriable';
}
