// Import benchmark (docs/import.md, "Memory and speed"), against the services of `./dev stack up`:
//   pnpm bench:import [--rows 200000,1000000] [--seed 1] [--run-rows 50000] [--batch-size 5000] [--dir /tmp] [--dry-run] [--lock FILE]
// For each row count, in processes of their own:
//   1. export-files.ts writes that many rows of CRM/TMS exports drawn from the simulator's model
//      (orders CSV, a TMS shipment feed listed waybill by waybill, complaints, profiles) under a
//      fresh folder of --dir;
//   2. import-run.ts imports them into topics of a private prefix (bench-import-<time>-<rows>.),
//      with IMPORT_SORT_RUN_ROWS=--run-rows;
//      under `flock FILE` when --lock is given (the Kafka-heavy step, on a machine whose Kafka is
//      shared: writing the exports needs no lock);
// and prints rows/s and the peak RSS of each process (its own maxRSS, as the kernel counts it),
// then deletes the topics, their schema subjects and the files, also when a step failed.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createKafka, deleteTopics, topicsWithPrefix } from '@segmentation/kafka';
import { ConfigError, createLogger, runCommand } from '@segmentation/runtime';
import { loadEnv } from '../options.ts';

const here = import.meta.dirname;
const repoRoot = join(here, '..', '..', '..', '..');

interface Measured {
  rows: number;
  bytes: number;
  generateSeconds: number;
  generatePeakRssMiB: number;
  importSeconds: number;
  rowsPerSecond: number;
  importPeakRssMiB: number;
  imported: number;
  rejected: number;
}

await runCommand('bench:import', async () => {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '200000,1000000' },
      seed: { type: 'string', default: '1' },
      'run-rows': { type: 'string', default: '50000' },
      'batch-size': { type: 'string', default: '5000' },
      dir: { type: 'string', default: tmpdir() },
      'dry-run': { type: 'boolean', default: false },
      lock: { type: 'string' },
    },
  });
  const sizes = values.rows.split(',').map(Number);
  const seed = Number(values.seed);
  const runRows = Number(values['run-rows']);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1))
    throw new ConfigError(`--rows: a comma-separated list of positive integers, not ${values.rows}`);
  if (!Number.isInteger(seed) || !Number.isInteger(runRows) || runRows < 1)
    throw new ConfigError('--seed and --run-rows must be integers (--run-rows at least 1)');
  const env = loadEnv();
  const results: Measured[] = [];
  for (const rows of sizes) {
    const dir = await mkdtemp(join(values.dir, `import-bench-${rows}-`));
    const prefix = `bench-import-${Date.now()}-${rows}.`;
    try {
      process.stderr.write(`${rows} rows: writing exports under ${dir}\n`);
      const generated = JSON.parse(
        await node([join(here, 'export-files.ts'), '--rows', String(rows), '--dir', dir, '--seed', String(seed)], {}),
      ) as { rows: number; bytes: number; seconds: number; peakRssMiB: number; files: Record<string, string> };
      process.stderr.write(`${rows} rows: importing into ${prefix}customer-events${values['dry-run'] ? ' (dry run)' : ''}\n`);
      const args = [
        join(here, 'import-run.ts'),
        ...Object.entries(generated.files).flatMap(([kind, path]) => [`--${kind}`, path]),
        '--report',
        join(dir, 'rejects.jsonl'),
        '--batch-size',
        values['batch-size'],
        '--quiet',
        ...(values['dry-run'] ? ['--dry-run'] : []),
      ];
      const imported = JSON.parse(
        await node(args, { TOPIC_PREFIX: prefix, IMPORT_SORT_RUN_ROWS: String(runRows), IMPORT_TEMP_DIR: dir }, values.lock),
      ) as { summary: { rowsRead: number; imported: number; newEvents: number; rejected: number }; seconds: number; peakRssMiB: number };
      // As the import process timed itself: waiting for the lock is not importing.
      const importSeconds = imported.seconds;
      results.push({
        rows: generated.rows,
        bytes: generated.bytes,
        generateSeconds: generated.seconds,
        generatePeakRssMiB: generated.peakRssMiB,
        importSeconds,
        rowsPerSecond: imported.summary.rowsRead / importSeconds,
        importPeakRssMiB: imported.peakRssMiB,
        imported: values['dry-run'] ? imported.summary.newEvents : imported.summary.imported,
        rejected: imported.summary.rejected,
      });
      process.stderr.write(`${JSON.stringify(results.at(-1))}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      if (!values['dry-run']) await deleteBenchTopics(env, prefix);
    }
  }
  console.log(
    ['rows', 'export MiB', 'import s', 'rows/s', 'import peak RSS MiB', 'export-writer peak RSS MiB', 'events written', 'rejected'].join(
      ' | ',
    ),
  );
  for (const r of results) {
    console.log(
      [
        r.rows,
        (r.bytes / 1_048_576).toFixed(0),
        r.importSeconds.toFixed(1),
        Math.round(r.rowsPerSecond),
        r.importPeakRssMiB.toFixed(0),
        r.generatePeakRssMiB.toFixed(0),
        r.imported,
        r.rejected,
      ].join(' | '),
    );
  }
  console.log(JSON.stringify({ seed, runRows, batchSize: Number(values['batch-size']), dryRun: values['dry-run'], results }));
});

/**
 * Runs a script of this folder in a Node process of its own (under `flock lock` when given: flock
 * execs it, so the peak RSS it reports is still the script's own); resolves with its stdout.
 */
function node(args: string[], extraEnv: Record<string, string>, lock?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const [command, argv] = lock === undefined ? [process.execPath, args] : ['flock', [lock, process.execPath, ...args]];
    const child = spawn(command, argv, { cwd: repoRoot, env: { ...process.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      // 3: the import finished with rejected rows, which the table shows.
      if (code === 0 || code === 3) resolve(out.trim().split('\n').at(-1) ?? '');
      else reject(new Error(`${args[0]} exited with ${code}`));
    });
  });
}

/** The topics of the run's prefix, and their schema subjects in the registry. */
async function deleteBenchTopics(env: ReturnType<typeof loadEnv>, prefix: string): Promise<void> {
  const kafka = createKafka({ brokers: env.KAFKA_BROKERS, clientId: 'bench-import' }, createLogger({ service: 'bench-import' }, 'error'));
  await deleteTopics(kafka, await topicsWithPrefix(kafka, prefix));
  const registry = env.SCHEMA_REGISTRY_URL.replace(/\/$/, '');
  const subjects = (await (await fetch(`${registry}/subjects`)).json()) as string[];
  for (const subject of subjects.filter((s) => s.startsWith(prefix))) {
    await fetch(`${registry}/subjects/${encodeURIComponent(subject)}`, { method: 'DELETE' });
    await fetch(`${registry}/subjects/${encodeURIComponent(subject)}?permanent=true`, { method: 'DELETE' });
  }
}
