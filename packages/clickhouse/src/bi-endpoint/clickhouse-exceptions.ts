// The error answers of the BI endpoint, as a ClickHouse server gives them: BI tools and drivers read
// the code from the body (`Code: N. DB::Exception: … (NAME)`) or from the X-ClickHouse-Exception-Code
// header, and some of them (the JDBC driver among them) decide what to show from the HTTP status.

/** The ClickHouse error codes this endpoint answers with itself (numbers from the engine's errorCodeToName). */
export const ERROR_CODES = {
  BAD_ARGUMENTS: 36,
  NOT_IMPLEMENTED: 48,
  SYNTAX_ERROR: 62,
  UNKNOWN_TYPE_OF_QUERY: 78,
  UNKNOWN_COMPRESSION_METHOD: 89,
  READONLY: 164,
  TOO_MANY_SIMULTANEOUS_QUERIES: 202,
  QUERY_IS_TOO_LARGE: 229,
  INTO_OUTFILE_NOT_ALLOWED: 358,
  TOO_MANY_ROWS_OR_BYTES: 396,
  ACCESS_DENIED: 497,
  AUTHENTICATION_FAILED: 516,
} as const;
export type ErrorName = keyof typeof ERROR_CODES;

/** An answer the endpoint refuses with, in ClickHouse's terms. */
export class ClickHouseException extends Error {
  readonly code: number;
  readonly errorName: string;
  constructor(name: ErrorName | { code: number; name: string }, message: string) {
    super(message);
    this.code = typeof name === 'string' ? ERROR_CODES[name] : name.code;
    this.errorName = typeof name === 'string' ? name : name.name;
  }
}

// HTTP statuses by error code, as ClickHouse's own server maps them (src/Server/HTTP/exceptionCodeToHTTPStatus.cpp).
const STATUS_GROUPS: Array<[number, readonly number[]]> = [
  [401, [194]], // REQUIRED_PASSWORD
  [403, [192, 193, 497, 512, 516]], // UNKNOWN_USER, WRONG_PASSWORD, ACCESS_DENIED, SET_NON_GRANTED_ROLE, AUTHENTICATION_FAILED
  // BAD_ARGUMENTS, parse errors, AST errors, SYNTAX_ERROR, INCORRECT_DATA, TYPE_MISMATCH, VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  [400, [36, 427, 6, 25, 26, 38, 41, 72, 441, 675, 676, 27, 376, 15, 44, 37, 123, 8, 167, 168, 223, 62, 117, 53, 321]],
  // UNKNOWN_TABLE, _FUNCTION, _IDENTIFIER, _TYPE, _STORAGE, _DATABASE, _SETTING, _DIRECTION_OF_SORTING, _AGGREGATE_FUNCTION, _FORMAT, _DATABASE_ENGINE, _TYPE_OF_QUERY, _ROLE
  [404, [60, 46, 47, 50, 56, 81, 115, 152, 63, 73, 336, 78, 511]],
  [413, [229]], // QUERY_IS_TOO_LARGE
  [501, [48]], // NOT_IMPLEMENTED
  [503, [209, 76, 439]], // SOCKET_TIMEOUT, CANNOT_OPEN_FILE, CANNOT_SCHEDULE_TASK
  [411, [381]], // HTTP_LENGTH_REQUIRED
  [408, [159]], // TIMEOUT_EXCEEDED
];
const STATUS_BY_CODE = new Map(STATUS_GROUPS.flatMap(([status, codes]) => codes.map((c) => [c, status] as const)));

/** The HTTP status a ClickHouse server answers an error of `code` with (500 for the rest, READONLY included). */
export const httpStatusOf = (code: number): number => STATUS_BY_CODE.get(code) ?? 500;

const ENGINE_MESSAGE = /^Code: (\d+)\. DB::Exception: ([\s\S]*?) \(([A-Z][A-Z0-9_]*)\)(?: \(version [^)]*\))?\.?\s*$/;

/**
 * Code, name and text of an error thrown by the engine (chdb speaks the server's format already) or
 * by the endpoint; anything else is an internal error (code 1001, STD_EXCEPTION, as the server says).
 */
export function describeError(err: unknown): { code: number; name: string; message: string } {
  if (err instanceof ClickHouseException) return { code: err.code, name: err.errorName, message: err.message };
  const text = err instanceof Error ? err.message : String(err);
  const m = ENGINE_MESSAGE.exec(text);
  if (m !== null) return { code: Number(m[1]), name: m[3]!, message: m[2]! };
  return { code: 1001, name: 'STD_EXCEPTION', message: text };
}

/** The body a ClickHouse server sends with an error: one line, ending in the name and the version. */
export const exceptionText = (e: { code: number; name: string; message: string }, version: string): string =>
  `Code: ${e.code}. DB::Exception: ${e.message}. (${e.name}) (version ${version})\n`;
