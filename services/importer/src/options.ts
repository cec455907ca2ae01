import { existsSync, readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { checkCurrencySettings, sharedSettings } from '@segmentation/contracts';
import { ConfigError, intSetting, parseConfig } from '@segmentation/runtime';
import { IMPORT_KINDS, isTimeZone, mappingFileSchema, type ImportKind, type MappingFile } from '@segmentation/mapping';
import { DEFAULT_SORT_RUN_ROWS, type ImportFile } from './importer.ts';
import { FILE_FORMATS, formatOf, knownEncoding } from './read-rows.ts';

// The import command's settings: where the pipeline is, from the same environment variables as
// the pipeline process (so an import goes to the log the pipeline reads), and what to import,
// from the command line. Both are checked in full before anything is read or written.

const timeZone = z
  .string()
  .refine(isTimeZone, { error: (issue) => `unknown time zone ${JSON.stringify(issue.input)}; use an IANA name such as Asia/Shanghai` });

export const envSchema = z
  .object({
    // Kafka, registry, topic prefix, currencies and future skew: the pipeline's own settings.
    ...sharedSettings,
    /** The zone in which times without an offset were written, and the segmenter cuts days. */
    BUSINESS_TIME_ZONE: timeZone.default('Asia/Shanghai'),
    /** Logs go to stderr; warn by default, so the progress bar stays readable. */
    LOG_LEVEL: z.enum(['info', 'warn', 'error', 'silent']).default('warn'),
    /** Where the run's spill folder goes (sorted runs, the ledger index): the system's temporary folder when unset. */
    IMPORT_TEMP_DIR: z
      .string()
      .min(1)
      .refine((path) => existsSync(path) && statSync(path).isDirectory(), { error: (issue) => `${String(issue.input)}: no such folder` })
      .optional(),
    /** Rows per sorted run held in memory before it is spilled: the memory of the sorts. */
    IMPORT_SORT_RUN_ROWS: intSetting(1, 10_000_000).default(DEFAULT_SORT_RUN_ROWS),
  })
  .superRefine(
    (c, ctx) => {
      checkCurrencySettings(c, ctx);
      // Checked even when another setting is bad too, so one run names every problem.
    },
    { when: () => true },
  );

export type ImportEnv = z.output<typeof envSchema>;

export const loadEnv = (env: Record<string, string | undefined> = process.env): ImportEnv => parseConfig(envSchema, env);

const fileOption = (kind: ImportKind) =>
  z.string().superRefine((path, ctx) => {
    if (!existsSync(path) || !statSync(path).isFile()) {
      ctx.addIssue({ code: 'custom', message: `${path}: no such file` });
    } else if (formatOf(path) === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `${path}: cannot tell the format of a ${kind} file from its extension; use ${Object.keys(FILE_FORMATS).join(', ')} (save Excel sheets as "CSV UTF-8")`,
      });
    }
  });

const mappingOption = z.string().transform((path, ctx): MappingFile => {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    ctx.addIssue({
      code: 'custom',
      message: `${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not valid JSON (${(err as Error).message})`}`,
    });
    return z.NEVER;
  }
  const parsed = mappingFileSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues)
    ctx.addIssue({ code: 'custom', message: `${path}: ${issue.path.join('.') || '(top level)'}: ${issue.message}` });
  return z.NEVER;
});

const encodingOption = z
  .string()
  .refine(knownEncoding, { error: (issue) => `unknown text encoding ${JSON.stringify(issue.input)}; use utf-8, gbk or gb18030` });

export const optionsSchema = z
  .object({
    orders: z.array(fileOption('orders')).default([]),
    shipments: z.array(fileOption('shipments')).default([]),
    complaints: z.array(fileOption('complaints')).default([]),
    profiles: z.array(fileOption('profiles')).default([]),
    mapping: mappingOption.optional(),
    report: z.string().min(1).optional(),
    'time-zone': timeZone.optional(),
    encoding: encodingOption.default('utf-8'),
    /** Records per send: bigger is faster, and is also the most a crash can import twice. */
    'batch-size': intSetting(1, 10_000).default(500),
    'dry-run': z.boolean().default(false),
    json: z.boolean().default(false),
    quiet: z.boolean().default(false),
  })
  .superRefine((o, ctx) => {
    if (IMPORT_KINDS.every((k) => o[k].length === 0))
      ctx.addIssue({
        code: 'custom',
        path: ['orders'],
        message: 'no file to import: give at least one of --orders, --shipments, --complaints, --profiles',
      });
  });

export interface ImportOptions {
  files: ImportFile[];
  mapping: MappingFile;
  /** null: the environment's BUSINESS_TIME_ZONE. */
  timeZone: string | null;
  encoding: string;
  batchSize: number;
  reportFile: string;
  dryRun: boolean;
  json: boolean;
  quiet: boolean;
}

export const usage = `Usage: pnpm import-history [--orders FILE]... [--shipments FILE]... [--complaints FILE]... [--profiles FILE]...
                           [--mapping mapping.json] [--report rejects.jsonl] [--time-zone Asia/Shanghai]
                           [--encoding utf-8|gbk] [--batch-size 500] [--dry-run] [--json] [--quiet]
Files are CSV (.csv), TSV (.tsv) or JSON Lines (.jsonl, .ndjson). See docs/import.md.`;

/** Parses the command line; throws ConfigError naming the bad option or file. */
export function parseOptions(args: string[], now: Date = new Date()): ImportOptions | 'help' {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        ...(Object.fromEntries(IMPORT_KINDS.map((k) => [k, { type: 'string', multiple: true }])) as Record<
          ImportKind,
          { type: 'string'; multiple: true }
        >),
        mapping: { type: 'string' },
        report: { type: 'string' },
        'time-zone': { type: 'string' },
        encoding: { type: 'string' },
        'batch-size': { type: 'string' },
        'dry-run': { type: 'boolean' },
        json: { type: 'boolean' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\n${usage}`);
  }
  if (values.help === true) return 'help';
  delete values.help;
  const parsed = optionsSchema.safeParse(values);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `--${String(i.path[0] ?? '?')}: ${i.message}`);
    throw new ConfigError(`invalid options:\n  ${problems.join('\n  ')}`);
  }
  const o = parsed.data;
  return {
    files: IMPORT_KINDS.flatMap((kind) => o[kind].map((path) => ({ kind, path, format: formatOf(path)! }))),
    mapping: o.mapping ?? {},
    timeZone: o['time-zone'] ?? null,
    encoding: o.encoding,
    batchSize: o['batch-size'],
    reportFile: o.report ?? `import-rejects-${now.toISOString().replace(/[:.]/g, '-')}.jsonl`,
    dryRun: o['dry-run'],
    json: o.json,
    quiet: o.quiet,
  };
}
