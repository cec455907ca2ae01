import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { promisify } from 'node:util';
import { brotliCompress, deflate, gunzip, gzip, inflate, brotliDecompress, zstdCompress, zstdDecompress } from 'node:zlib';
import type { Logger } from '@segmentation/runtime';
import { openBiEngine, type BiEngine, type BiLimits } from './bi-engine.ts';
import { ClickHouseException, describeError, exceptionText, httpStatusOf } from './clickhouse-exceptions.ts';
import { checkReadOnlyStatement } from './read-only-statement.ts';
import { nativeCompressed } from './native-compression.ts';

// A read-only ClickHouse-compatible HTTP endpoint in the process that owns the embedded engine, so
// BI tools (DBeaver, Metabase, Superset, Grafana, anything with the official JDBC driver or an HTTP
// client) reach the history the way they reach a ClickHouse server: GET or POST on /, the query in
// `query=` and/or the body, `FORMAT`/`default_format`, `param_name=` values for `{name:Type}`,
// `database=`, basic auth or X-ClickHouse-User/-Key, and the server's headers and error format.
// Results are produced whole by the engine (chdb has no incremental HTTP output), so they are sent
// with a length, after the query finished: an error is never half-way through a body.

export interface BiEndpointSettings {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The embedded engine's data folder, already opened by this process. */
  dataPath: string;
  limits: BiLimits;
  /** Queries run at once; one more is refused, not queued (TOO_MANY_SIMULTANEOUS_QUERIES). */
  maxConcurrentQueries: number;
  /** The database a request without `database=` reads. */
  defaultDatabase?: string;
  /** Checks a BI user's name and personal token (cached by the caller: scrypt is slow on purpose). */
  authenticate(name: string, secret: string): Promise<boolean>;
  logger?: Logger;
}

export interface BiEndpoint {
  port: number;
  url: string;
  isListening(): boolean;
  close(): Promise<void>;
}

/** Bytes of query text (URL parameter plus body) accepted at most; a BI query is a few KiB. */
const MAX_QUERY_BYTES = 1024 * 1024;

/** URL parameters the HTTP layer reads itself; every other one is a setting, as on a server. */
const HTTP_PARAMETERS = new Set([
  'query',
  'database',
  'default_format',
  'user',
  'password',
  'quota_key',
  'query_id',
  'session_id',
  'session_timeout',
  'session_check',
  'compress',
  'decompress',
  'buffer_size',
  'wait_end_of_query',
  'role',
  'client_protocol_version',
  'enable_http_compression',
  'http_zlib_compression_level',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'add_http_cors_header',
  'http_response_buffer_size',
  'cancel_http_readonly_queries_on_client_close',
  'http_wait_end_of_query',
  'extremes_mode',
]);

const compressors: Record<string, (b: Uint8Array) => Promise<Buffer>> = {
  gzip: promisify(gzip),
  deflate: promisify(deflate),
  br: promisify(brotliCompress),
  zstd: promisify(zstdCompress),
};
// A compressed body may not unpack beyond the query size limit (a small gzip can hold gigabytes).
const unpackLimit = { maxOutputLength: MAX_QUERY_BYTES };
const decompressors: Record<string, (b: Uint8Array) => Promise<Buffer>> = {
  gzip: (b) => promisify(gunzip)(b, unpackLimit),
  deflate: (b) => promisify(inflate)(b, unpackLimit),
  br: (b) => promisify(brotliDecompress)(b, unpackLimit),
  zstd: (b) => promisify(zstdDecompress)(b, unpackLimit),
};

function contentType(format: string): string {
  const f = format.toLowerCase();
  if (f.startsWith('json') || f === 'ndjson' || f === 'jsonl') return 'application/json; charset=UTF-8';
  if (f.startsWith('tabseparated') || f.startsWith('tsv')) return 'text/tab-separated-values; charset=UTF-8';
  if (f.startsWith('csv')) return 'text/csv; charset=UTF-8';
  if (
    f.startsWith('rowbinary') ||
    f === 'native' ||
    f.startsWith('arrow') ||
    f === 'parquet' ||
    f === 'orc' ||
    f === 'avro' ||
    f === 'msgpack'
  ) {
    return 'application/octet-stream';
  }
  return 'text/plain; charset=UTF-8';
}

/** Name and secret from basic auth or the X-ClickHouse-User/-Key headers (never from the URL: URLs end up in logs). */
function credentials(req: IncomingMessage, url: URL): { name: string; secret: string } {
  if (url.searchParams.has('password')) {
    throw new ClickHouseException(
      'AUTHENTICATION_FAILED',
      'a password in the URL is not accepted (URLs end up in logs): send it with basic auth or the X-ClickHouse-Key header',
    );
  }
  const header = req.headers.authorization;
  const basic = header === undefined ? null : /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (basic !== null) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { name: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
  }
  const name = headerValue(req, 'x-clickhouse-user') ?? url.searchParams.get('user') ?? 'default';
  return { name, secret: headerValue(req, 'x-clickhouse-key') ?? '' };
}

const headerValue = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_QUERY_BYTES)
      throw new ClickHouseException('QUERY_IS_TOO_LARGE', `Query is too large (more than ${MAX_QUERY_BYTES} bytes)`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Starts the endpoint; resolves once it listens. */
export async function startBiEndpoint(settings: BiEndpointSettings): Promise<BiEndpoint> {
  const engine: BiEngine = await openBiEngine(settings.dataPath, settings.limits);
  const displayName = hostname();
  let running = 0;

  async function answerQuery(req: IncomingMessage, res: ServerResponse, url: URL, queryId: string): Promise<void> {
    const { name, secret } = credentials(req, url);
    if (secret === '' || !(await settings.authenticate(name, secret))) {
      throw new ClickHouseException(
        'AUTHENTICATION_FAILED',
        `${name}: Authentication failed: password is incorrect, or there is no user with such name (the BI endpoint takes the users of role bi: pnpm console-user add NAME --role bi)`,
      );
    }
    let body = req.method === 'POST' ? await readBody(req) : Buffer.alloc(0);
    const encoding = headerValue(req, 'content-encoding')?.toLowerCase();
    if (body.length > 0 && encoding !== undefined && encoding !== 'identity') {
      const decompress = decompressors[encoding];
      if (decompress === undefined)
        throw new ClickHouseException('UNKNOWN_COMPRESSION_METHOD', `Unknown Content-Encoding ${encoding}: use gzip, deflate, br or zstd`);
      body = await decompress(body).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ERR_BUFFER_TOO_LARGE')
          throw new ClickHouseException('QUERY_IS_TOO_LARGE', `Query is too large (more than ${MAX_QUERY_BYTES} bytes unpacked)`);
        throw new ClickHouseException(
          { code: 271, name: 'CANNOT_DECOMPRESS' },
          `Cannot decompress the ${encoding} request body: ${err.message}`,
        );
      });
    }
    if (url.searchParams.get('decompress') === '1' && body.length > 0) {
      throw new ClickHouseException(
        'NOT_IMPLEMENTED',
        'decompress=1 (ClickHouse-compressed request bodies) is not supported by the BI endpoint: send the query uncompressed or with Content-Encoding',
      );
    }
    const sql = [url.searchParams.get('query') ?? '', body.toString('utf8')].filter((s) => s.length > 0).join('\n');
    if (Buffer.byteLength(sql) > MAX_QUERY_BYTES)
      throw new ClickHouseException('QUERY_IS_TOO_LARGE', `Query is too large (more than ${MAX_QUERY_BYTES} bytes)`);
    const statement = checkReadOnlyStatement(sql, engine.refusedFunctions);
    const defaultFormat = url.searchParams.get('default_format') ?? headerValue(req, 'x-clickhouse-format') ?? 'TabSeparated';
    const format = statement.format ?? defaultFormat;
    const params: Array<[string, string]> = [];
    const requestSettings: Array<[string, string]> = [];
    for (const [key, value] of url.searchParams) {
      if (key.startsWith('param_')) params.push([key.slice('param_'.length), value]);
      else if (key === 'readonly' && (value === '1' || value === '2'))
        continue; // asks for no more than it has
      else if (!HTTP_PARAMETERS.has(key)) requestSettings.push([key, value]);
    }
    if (running >= settings.maxConcurrentQueries) {
      throw new ClickHouseException(
        'TOO_MANY_SIMULTANEOUS_QUERIES',
        `Too many simultaneous queries. Maximum: ${settings.maxConcurrentQueries} (BI_MAX_CONCURRENT_QUERIES)`,
      );
    }
    running++;
    let result;
    try {
      result = await engine.run({
        sql,
        defaultFormat,
        database: url.searchParams.get('database') ?? headerValue(req, 'x-clickhouse-database') ?? settings.defaultDatabase,
        settings: requestSettings,
        params,
      });
    } finally {
      running--;
    }
    let out: Uint8Array = result.body;
    let compression = 'none';
    const headers: Record<string, string> = {
      'Content-Type': contentType(format),
      'X-ClickHouse-Format': format,
      // The engine reports rows and bytes read, not rows sent: the summary gives what it knows.
      'X-ClickHouse-Summary': JSON.stringify({
        read_rows: String(result.rowsRead),
        read_bytes: String(result.bytesRead),
        written_rows: '0',
        written_bytes: '0',
        total_rows_to_read: String(result.rowsRead),
        result_rows: String(result.rowsRead),
        result_bytes: String(result.body.byteLength),
        elapsed_ns: String(Math.round(result.elapsedSeconds * 1e9)),
      }),
    };
    if (url.searchParams.get('compress') === '1') {
      // ClickHouse's own block compression (what the JDBC driver asks for by default).
      out = await nativeCompressed(out);
      compression = 'native';
      headers['Content-Type'] = 'application/octet-stream';
    } else if (url.searchParams.get('enable_http_compression') === '1') {
      const accepted = (headerValue(req, 'accept-encoding') ?? '').split(',').map((s) => s.trim().split(';')[0]!.toLowerCase());
      const method = ['gzip', 'br', 'zstd', 'deflate'].find((m) => accepted.includes(m));
      if (method !== undefined) {
        out = await compressors[method]!(out);
        headers['Content-Encoding'] = method;
        compression = method;
      }
    }
    res.writeHead(200, { ...headers, 'Content-Length': String(out.byteLength) });
    res.end(out);
    settings.logger?.info('bi_query', {
      user: name,
      queryId,
      format,
      compression,
      rows: result.rowsRead,
      bytes: result.body.byteLength,
      ms: Math.round(result.elapsedSeconds * 1000),
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://bi.local');
    const queryId = url.searchParams.get('query_id') ?? randomUUID();
    res.setHeader('X-ClickHouse-Server-Display-Name', displayName);
    res.setHeader('X-ClickHouse-Query-Id', queryId);
    res.setHeader('X-ClickHouse-Timezone', engine.timezone);
    try {
      const hasQuery = url.searchParams.has('query') || (req.method === 'POST' && req.headers['content-length'] !== '0');
      if (
        (url.pathname === '/ping' || url.pathname === '/replicas_status' || (url.pathname === '/' && !hasQuery)) &&
        (req.method === 'GET' || req.method === 'HEAD')
      ) {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8', 'Content-Length': '4' });
        res.end(req.method === 'HEAD' ? undefined : 'Ok.\n');
        return;
      }
      if (url.pathname !== '/' && url.pathname !== '/query') {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=UTF-8' });
        res.end(`There is no handle ${url.pathname}\n\nUse / or /ping.\n`);
        return;
      }
      if (req.method !== 'GET' && req.method !== 'POST') {
        throw new ClickHouseException(
          { code: 1, name: 'UNSUPPORTED_METHOD' },
          `HTTP method ${req.method} is not supported: use GET or POST`,
        );
      }
      await answerQuery(req, res, url, queryId);
    } catch (err) {
      const e = describeError(err);
      if (e.code === 1001) settings.logger?.error('bi_query_failed', { queryId, error: e.message });
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const text = exceptionText(e, engine.version);
      res.writeHead(httpStatusOf(e.code), {
        'Content-Type': 'text/plain; charset=UTF-8',
        'X-ClickHouse-Exception-Code': String(e.code),
        'Content-Length': String(Buffer.byteLength(text)),
      });
      res.end(text);
    }
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  settings.logger?.info('bi_endpoint_listening', { host: settings.host, port });
  return {
    port,
    url: `http://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${port}`,
    isListening: () => server.listening,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
