import { mkdirSync } from 'node:fs';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { ServiceUnavailableError } from '@segmentation/runtime';

export type ClickHouseTarget =
  /** A ClickHouse server over HTTP. */
  | { kind: 'server'; url: string; database: string; username?: string; password?: string }
  /** The embedded engine (chdb) with its data in a folder that one process at a time may open. */
  | { kind: 'embedded'; path: string };

export type { ClickHouseClient } from '@clickhouse/client';

/** Rows already in JSONCompactEachRow, one per line, for `columns` of `table`. */
export type RawInsert = (table: string, columns: readonly string[], body: Buffer) => Promise<void>;

/**
 * The embedded engine's own insert, by client. The client's insert turns the rows into a stream
 * of JSON objects, which the embedded connection gathers into one string and appends to the SQL
 * text: every row is copied three times and the engine parses every key. The raw insert takes
 * the bytes as they are, and positional rows spare the parser the keys (table-row.ts).
 */
const embeddedInserts = new WeakMap<ClickHouseClient, RawInsert>();

export function embeddedInsert(client: ClickHouseClient): RawInsert | undefined {
  return embeddedInserts.get(client);
}

/** One client API and one SQL dialect for both targets. */
export async function connectClickHouse(target: ClickHouseTarget): Promise<ClickHouseClient> {
  if (target.kind === 'server') {
    await ensureDatabase(target);
    const client = createClient({ url: target.url, database: target.database, username: target.username, password: target.password });
    try {
      await client.query({ query: 'SELECT 1', format: 'JSONEachRow' });
    } catch (err) {
      await client.close();
      throw new ServiceUnavailableError('ClickHouse', target.url, err);
    }
    return client;
  }
  mkdirSync(target.path, { recursive: true });
  // Loaded only when the embedded engine is opened: its library adds about 170 MiB to the resident
  // memory of every process that imports it, and most roles (segmenter, ingest, notifier) never open it.
  const { createChdbConnection } = await import('chdb/connection');
  try {
    const connection = createChdbConnection({ path: target.path });
    const client = createClient({ connection } as Parameters<typeof createClient>[0]);
    await client.query({ query: 'SELECT 1', format: 'JSONEachRow' });
    embeddedInserts.set(client, async (table, columns, body) => {
      await connection.chdb.rawInsert({ table, columns, values: body, format: 'JSONCompactEachRow' });
    });
    return client;
  } catch (err) {
    throw new Error(
      `cannot open the embedded ClickHouse data folder ${target.path}: ${(err as Error).message}. ` +
        'The embedded engine locks its folder: only one process at a time may open it. Stop the process ' +
        'that holds it (the all-in-one pipeline), send the work through that process, or set CLICKHOUSE_PATH to another folder.',
      { cause: err },
    );
  }
}

async function ensureDatabase(target: Extract<ClickHouseTarget, { kind: 'server' }>): Promise<void> {
  const admin = createClient({ url: target.url, username: target.username, password: target.password });
  try {
    await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(target.database)}` });
  } catch (err) {
    throw new ServiceUnavailableError('ClickHouse', target.url, err);
  } finally {
    await admin.close();
  }
}

export function quoteIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid ClickHouse identifier: ${name}`);
  return `\`${name}\``;
}
