import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// The command as a process, in dry runs (no services): what scripts that parse its output rely on.
const cli = join(import.meta.dirname, 'import-history-cli.ts');
const messy = join(import.meta.dirname, '../../../test/fixtures/import/messy');
const dir = mkdtempSync(join(tmpdir(), 'importer-cli-'));

async function importHistory(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [cli, ...args, '--report', join(dir, 'rejects.jsonl')], {
    env: { ...process.env, LOG_LEVEL: 'warn' },
  })
    .then((r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }))
    .catch((err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }));
}

describe('import-history --json', () => {
  it('prints one JSON document on stdout, with the pre-flight and the summary per file', async () => {
    const { code, stdout } = await importHistory([
      '--orders',
      join(messy, 'orders.jsonl'),
      '--shipments',
      join(messy, 'shipments.jsonl'),
      '--dry-run',
      '--json',
    ]);
    expect(code).toBe(3);
    const summary = JSON.parse(stdout) as {
      dryRun: boolean;
      preflight: { files: unknown[] };
      files: Array<{ events: Record<string, number>; rejectedByReason: Record<string, number> }>;
    };
    expect(summary.dryRun).toBe(true);
    expect(summary.preflight.files).toHaveLength(2);
    expect(summary.files[0]).toMatchObject({
      events: { PLACED: 3, RETURNED: 1, CANCELLED: 1 },
      rejectedByReason: { no_earlier_row: 1, invalid_value: 1 },
    });
  });

  it('prints the refusal and the pre-flight as JSON too, and exits 2', async () => {
    const path = join(dir, 'no-kind.jsonl');
    writeFileSync(path, JSON.stringify({ cust_no: 'C-1', order_no: 'O-1', occurred_at: '2024-03-01' }) + '\n');
    const { code, stdout, stderr } = await importHistory(['--orders', path, '--dry-run', '--json']);
    expect(code).toBe(2);
    const refused = JSON.parse(stdout) as {
      refused: string;
      preflight: { files: Array<{ missing: string[]; fromEarlierImports: string[] }> };
    };
    expect(refused.preflight.files[0]).toMatchObject({
      missing: ['kind'],
      fromEarlierImports: ['amount', 'currency', 'serviceLevel', 'originCountry', 'destinationCountry'],
    });
    expect(stderr).toContain('has no column for: kind (looked for kind, order_kind');
  });

  it('prints the pre-flight table before the summary in a dry run', async () => {
    const { stdout } = await importHistory(['--complaints', join(messy, 'complaints.jsonl'), '--dry-run']);
    expect(stdout.indexOf('Pre-flight')).toBe(0);
    expect(stdout).toMatch(/severity +priority +1 +2/);
    expect(stdout).toContain('Dry run: nothing was written.');
  });
});
