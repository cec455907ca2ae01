import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';

export const MIGRATIONS_DIR = join(import.meta.dirname, '..', '..', '..', 'schemas', 'clickhouse');

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

/** Numbered files `NNN_name.sql`; statements end with `;` at the end of a line. */
export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    // By version number, not file name text: "10_x.sql" sorts before "9_x.sql" as text.
    .sort((a, b) => Number(a.split('_')[0]) - Number(b.split('_')[0]) || (a < b ? -1 : 1))
    .map((file) => {
      const sql = readFileSync(join(dir, file), 'utf8').replace(/^\s*--.*$/gm, '');
      return {
        version: Number(file.split('_')[0]),
        name: file.replace(/\.sql$/, ''),
        statements: sql
          .split(/;\s*$/m)
          .map((s) => s.trim())
          .filter(Boolean),
      };
    });
  // Two files with one number: the second would never run once the first is recorded.
  const seen = new Set<number>();
  for (const m of migrations) {
    if (seen.has(m.version)) throw new Error(`two ClickHouse migrations share version ${m.version} in ${dir}: renumber one`);
    seen.add(m.version);
  }
  return migrations;
}

/**
 * Applies the migrations not applied yet, in order, and records each in `schema_migrations`.
 * Safe to run twice and from every start; the same files serve the embedded engine and a server.
 * Each statement is written to be idempotent (IF NOT EXISTS), so a crash mid-migration is repaired
 * by running it again.
 */
export async function migrate(client: ClickHouseClient, dir = MIGRATIONS_DIR): Promise<Migration[]> {
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS schema_migrations (
      version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = ReplacingMergeTree ORDER BY version`,
  });
  const rows = await (
    await client.query({ query: 'SELECT version FROM schema_migrations FINAL', format: 'JSONEachRow' })
  ).json<{ version: number }>();
  const applied = new Set(rows.map((r) => Number(r.version)));
  const done: Migration[] = [];
  for (const m of readMigrations(dir)) {
    if (applied.has(m.version)) continue;
    for (const statement of m.statements) await client.command({ query: statement });
    await client.insert({ table: 'schema_migrations', values: [{ version: m.version, name: m.name }], format: 'JSONEachRow' });
    done.push(m);
  }
  return done;
}
