import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMigrations } from './migrations.ts';

const dirs: string[] = [];

/** A temporary migrations folder holding `files` (name → SQL). */
function aMigrationsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'migrations-test-'));
  dirs.push(dir);
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('readMigrations', () => {
  it('reads numbered .sql files in version order, with the version parsed and the name without .sql', () => {
    const dir = aMigrationsDir({
      '010_add_index.sql': 'SELECT 10;',
      '001_create_table.sql': 'SELECT 1;',
      '002_add_column.sql': 'SELECT 2;',
    });
    expect(readMigrations(dir).map((m) => [m.version, m.name])).toEqual([
      [1, '001_create_table'],
      [2, '002_add_column'],
      [10, '010_add_index'],
    ]);
  });

  it('orders by version number, not by file name text, when numbers are not zero-padded', () => {
    const dir = aMigrationsDir({ '10_later.sql': 'SELECT 10;', '9_earlier.sql': 'SELECT 9;', '1000_much_later.sql': 'SELECT 1000;' });
    expect(readMigrations(dir).map((m) => m.version)).toEqual([9, 10, 1000]);
  });

  it('ignores files that are not NNN_name.sql', () => {
    const dir = aMigrationsDir({
      '001_create.sql': 'SELECT 1;',
      'README.md': '# notes',
      'notes.sql': 'SELECT 0;',
      '002-dash.sql': 'SELECT 2;',
      '003_backup.sql.bak': 'SELECT 3;',
      '004_.sql': 'SELECT 4;',
    });
    expect(readMigrations(dir).map((m) => m.name)).toEqual(['001_create']);
  });

  it('is empty for an empty folder', () => {
    expect(readMigrations(aMigrationsDir({}))).toEqual([]);
  });

  it('splits statements on a semicolon at the end of a line, and trims them', () => {
    const sql = [
      'CREATE TABLE a (x UInt8)',
      'ENGINE = Memory;',
      '',
      "INSERT INTO a SELECT length('x;y');   ",
      'CREATE TABLE b (y UInt8) ENGINE = Memory',
    ].join('\n');
    expect(readMigrations(aMigrationsDir({ '001_tables.sql': sql }))[0]?.statements).toEqual([
      'CREATE TABLE a (x UInt8)\nENGINE = Memory',
      "INSERT INTO a SELECT length('x;y')",
      'CREATE TABLE b (y UInt8) ENGINE = Memory',
    ]);
  });

  it('strips whole-line comments, including indented ones, and drops statements that were only comments', () => {
    const sql = ['-- why this table exists', 'CREATE TABLE a', '(', '    -- the customer', '    x UInt8', ');', '-- trailing note;'].join(
      '\n',
    );
    const [migration] = readMigrations(aMigrationsDir({ '001_a.sql': sql }));
    expect(migration?.statements).toHaveLength(1);
    expect(migration?.statements[0]).not.toContain('--');
    expect(migration?.statements[0]?.replace(/\s+/g, ' ')).toBe('CREATE TABLE a ( x UInt8 )');
  });

  it('parses the real schemas/clickhouse folder: unique increasing versions, comment-free statements', () => {
    const migrations = readMigrations();
    expect(migrations.length).toBeGreaterThan(0);
    expect(migrations[0]).toMatchObject({ version: 1, name: '001_segment_changes' });
    expect(migrations[0]?.statements[0]).toMatch(/^CREATE TABLE IF NOT EXISTS segment_changes\b/);
    const versions = migrations.map((m) => m.version);
    expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
    for (const m of migrations) {
      expect(m.statements.length).toBeGreaterThan(0);
      for (const s of m.statements) {
        expect(s).not.toMatch(/^\s*--/m);
        expect(s).not.toMatch(/;\s*$/);
      }
    }
  });
});
