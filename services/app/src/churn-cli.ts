// The churn model's commands (docs/churn.md):
//   pnpm churn fit [--holdout-days 180] [--out FILE] [--publish] [--by NAME] [--note TEXT]
//       fits the cadence priors and the risk's coefficients on the company's own history (every
//       record of customer-events, through the segmenter's fold), prints the diagnostics, and with
//       --publish puts the fitted rules in force as a new version (refused when the candidate
//       predicts the held-out months worse than the model in force)
//   pnpm churn backtest [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--rules CANDIDATE] [--min-days 90] [--gaps 3]
//       replays customer-events as the segmenter does (nothing written) and scores the alert
//       episodes of the rules in force, and of a candidate beside them, against churn as the
//       history shows it: what the account managers would have received, and how often it was right
//   pnpm churn evaluate [--generator independent|simulator] [--seeds 1,2,3] [--customers 600] [--days 548] [--fit-days 365] [--rules FILE]
//       the scored protocol on generated histories with known churn: fit on the first --fit-days,
//       score the alert episodes of the rest, every seed printed
// Settings from the environment as for the pipeline (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, TOPIC_PREFIX, BUSINESS_TIME_ZONE).
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { topicNames } from '@segmentation/contracts';
import { AvroCodec, createKafka, kafkaSecurity, ReliableProducer } from '@segmentation/kafka';
import { ConfigError, createLogger, parseConfig, runCommand } from '@segmentation/runtime';
import { calendarFor, compileRules, type CompiledRules } from '@segmentation/segmentation';
import {
  applyRulesVersion,
  backtest,
  cutoffsOf,
  evaluateChurn,
  fitChurn,
  fitSpanOf,
  fittedRulesText,
  GENERATORS,
  historySpan,
  readLogHistory,
  readLogPartitions,
  replayLog,
  scoredHistory,
  type BacktestFigures,
  type ChurnFit,
  type DetectionFigures,
  type TimelinessCeiling,
} from '@segmentation/segmenter';
import { readRulesHistory } from '@segmentation/readers';
import { loadConfig, loadRulesFile } from './config.ts';

const DEFAULT_RULES = join(import.meta.dirname, '..', '..', '..', 'config', 'rules.yaml');
const START = '2025-01-01'; // generated histories start here, so a seed always gives the same figures
const USAGE =
  'usage: pnpm churn fit [--holdout-days N] [--out FILE] [--publish] [--by NAME] [--note TEXT] | backtest [--from D] [--to D] [--rules FILE] [--min-days N] [--gaps G] | evaluate [--generator independent|simulator] [--seeds 1,2,3] [--customers N] [--days D] [--fit-days F] [--rules FILE]';

await runCommand('churn', async () => {
  const [command] = process.argv.slice(2);
  if (command === 'fit') return fit(process.argv.slice(3));
  if (command === 'evaluate') return evaluate(process.argv.slice(3));
  if (command === 'backtest') return backtestCommand(process.argv.slice(3));
  throw new ConfigError(USAGE);
});

async function fit(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      'holdout-days': { type: 'string', default: '180' },
      out: { type: 'string' },
      publish: { type: 'boolean' },
      by: { type: 'string' },
      note: { type: 'string' },
    },
  });
  const holdoutDays = parseConfig(z.object({ 'holdout-days': z.coerce.number().int().min(30).max(730) }), {
    'holdout-days': values['holdout-days'],
  })['holdout-days'];
  const { config, topics, kafka, codec, inForce } = await pipelineHistory();
  const calendar = calendarFor(config.BUSINESS_TIME_ZONE);

  const history = await readLogHistory(kafka, codec, topics);
  if (history.events.length === 0)
    throw new ConfigError(
      `${topics.customerEvents} holds no customer events yet: import history (pnpm import-history) or let the pipeline run first`,
    );
  const start = history.events[0]!.eventTime;
  const end = history.events.at(-1)!.eventTime + 1;
  if (end - start < (holdoutDays + 150) * 86_400_000) {
    throw new ConfigError(
      `the history spans ${Math.floor((end - start) / 86_400_000)} days: the fit needs at least ${holdoutDays + 150} (a warm-up, months to train on and ${holdoutDays} held out; --holdout-days sets the last)`,
    );
  }
  const span = fitSpanOf(start, end, holdoutDays);
  const replay = await replayLog([history.events], { rules: inForce, options: { calendar }, end, cutoffs: cutoffsOf(span) });
  const result = fitChurn(replay, inForce, span, calendar);
  console.log(
    `history: ${history.events.length} events of ${replay.orders.size} ordering customers, ${iso(start)} to ${iso(end)} (${history.undecodable} undecodable left out); rules in force ${inForce.version}`,
  );
  printFit(result);
  const text = fittedRulesText(inForce, result, span, Date.now());
  const candidate = compileRules(text, 'fitted rules');
  if (values.out) writeFileSync(values.out, text);
  if (!values.publish) return;
  if (!result.accepted) {
    throw new ConfigError(
      `not published: the fitted model predicts the held-out ${holdoutDays} days ${result.converged ? `worse than the model in force (log-loss ${result.candidate.logLoss.toFixed(4)} against ${result.inForce.logLoss.toFixed(4)})` : 'without converging'}`,
    );
  }
  const producer = new ReliableProducer(kafka);
  await producer.connect();
  try {
    const by = {
      appliedBy: values.by ?? `${userInfo().username}@${hostname()}`,
      appliedAt: Date.now(),
      note:
        values.note ??
        `churn model fitted on ${result.trainSamples} samples of ${result.trainCustomers} customers (base ${inForce.version})`,
    };
    const record = await applyRulesVersion({ kafka, producer, codec }, topics, candidate, { ...by, basedOn: inForce.version });
    console.log(
      `rules version ${record.version} applied: each segmenter re-evaluates its partitions' customers when it reaches the control record (cause rules_changed)`,
    );
  } finally {
    await producer.disconnect();
  }
}

/** The running pipeline's settings, its Kafka and registry, and the rules version in force. */
async function pipelineHistory() {
  const config = loadConfig();
  const topics = topicNames(config.TOPIC_PREFIX);
  const kafka = createKafka(
    { brokers: config.KAFKA_BROKERS, clientId: 'churn', security: kafkaSecurity(config) },
    createLogger({ service: 'churn' }, 'warn'),
  );
  const codec = new AvroCodec(config.SCHEMA_REGISTRY_URL);
  const record = (await readRulesHistory({ kafka, codec }, topics.rulesVersions)).at(-1);
  if (!record)
    throw new ConfigError('no rules version is in force yet: start the segmenter (it applies RULES_FILE) or `pnpm rules publish <file>`');
  return { config, topics, kafka, codec, inForce: compileRules(record.content, `rules version ${record.version}`) };
}

function printFit(f: ChurnFit): void {
  console.log(
    `fit: ${f.trainSamples} samples of ${f.trainCustomers} customers${f.converged ? '' : ' (DID NOT CONVERGE)'}; held out: ${f.candidate.samples} samples`,
  );
  console.log(
    `held-out log-loss ${f.candidate.logLoss.toFixed(4)} (model in force ${f.inForce.logLoss.toFixed(4)}), AUC ${f.candidate.auc?.toFixed(3) ?? '—'} (in force ${f.inForce.auc?.toFixed(3) ?? '—'}): ${f.accepted ? 'better, can be published' : 'NOT better: would be refused'}`,
  );
  console.log(
    `priors (customers): pooled r=${f.pooledPrior.r} α=${f.pooledPrior.alpha} (${f.priorCustomers.pooled}); ${Object.entries(
      f.priorCustomers,
    )
      .filter(([k]) => k !== 'pooled')
      .map(([k, n]) =>
        f.industryPriors[k] ? `${k} r=${f.industryPriors[k].r} α=${f.industryPriors[k].alpha} (${n})` : `${k} pooled (${n})`,
      )
      .join(', ')}`,
  );
  console.log(
    `coefficients: intercept ${f.model.intercept}, ${Object.entries(f.model.coefficients)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  console.log('calibration on the held-out cut-offs, by decile (predicted → observed):');
  console.log(`  fitted    ${f.candidate.calibration.map((b) => `${b.meanPredicted.toFixed(2)}→${b.observed.toFixed(2)}`).join(' ')}`);
  console.log(`  in force  ${f.inForce.calibration.map((b) => `${b.meanPredicted.toFixed(2)}→${b.observed.toFixed(2)}`).join(' ')}`);
}

async function evaluate(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      generator: { type: 'string', default: 'independent' },
      seeds: { type: 'string', default: '1,2,3' },
      customers: { type: 'string', default: '600' },
      days: { type: 'string', default: '548' },
      'fit-days': { type: 'string', default: '365' },
      rules: { type: 'string', default: DEFAULT_RULES },
    },
  });
  const opts = parseConfig(
    z
      .object({
        generator: z.enum(GENERATORS),
        seeds: z
          .string()
          .transform((s) => s.split(',').map(Number))
          .pipe(z.array(z.number().int().min(0)).min(1)),
        customers: z.coerce.number().int().min(10).max(100_000),
        days: z.coerce.number().int().min(200).max(3650),
        'fit-days': z.coerce.number().int().min(150),
        rules: z.string(),
      })
      .refine((o) => o['fit-days'] < o.days - 90, { message: 'leave at least 90 days after the fit to score', path: ['fit-days'] }),
    values,
  );
  const rules: CompiledRules = compileRules(readFileSync(opts.rules, 'utf8'), opts.rules);
  for (const seed of opts.seeds) {
    const began = performance.now();
    const history = await scoredHistory(opts.generator, { seed, customers: opts.customers, days: opts.days, start: START });
    const e = await evaluateChurn(history, rules, opts['fit-days']);
    const churners = history.truth.filter((t) => t.churnedAt !== null).length;
    console.log(
      `\n${opts.generator} seed ${seed}: ${opts.customers} customers, ${opts.days} days from ${START}, ${history.events.length} events, ${churners} churners; fit on the first ${opts['fit-days']} days, scored after; rules ${rules.version}`,
    );
    printFit(e.fit);
    printTable(e.detectors);
    console.log(`non-churners put in lifecycle 'churned' after the fit, by kind: ${JSON.stringify(e.nonChurnersChurnedByKind)}`);
    printCeiling(e.ceiling);
    console.log(`run time ${((performance.now() - began) / 1000).toFixed(1)} s`);
    console.log(
      JSON.stringify({
        generator: opts.generator,
        seed,
        rules: rules.version,
        detectors: Object.fromEntries(e.detectors.map(([n, f]) => [n, roundAll(f)])),
        ceiling: e.ceiling,
        fit: {
          accepted: e.fit.accepted,
          logLoss: e.fit.candidate.logLoss,
          inForceLogLoss: e.fit.inForce.logLoss,
          auc: e.fit.candidate.auc,
        },
      }),
    );
  }
}

/** The ceilings the timeliness targets meet on this history, whatever the detector. */
function printCeiling(c: TimelinessCeiling): void {
  const share = (n: number, d: number) => (d === 0 ? '—' : `${n} of ${d} (${((100 * n) / d).toFixed(0)}%)`);
  console.log(
    `what the history allows: silences of 21 days (customers ordering more often than every 21 days) that were a churn: ${share(c.frequentChurnSilences, c.frequentSilences)}; ` +
      `silences of 1.5 × the own 90th-percentile gap (the others) that were a churn: ${share(c.otherChurnSilences, c.otherSilences)}; ` +
      `service-driven churners' trouble first showed a median ${c.serviceFirstSignLeadDays === null ? '—' : c.serviceFirstSignLeadDays.toFixed(1)} days before their last order`,
  );
}

function iso(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

async function backtestCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      rules: { type: 'string' },
      'min-days': { type: 'string', default: '90' },
      gaps: { type: 'string', default: '3' },
    },
  });
  const date = z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
    .optional();
  const opts = parseConfig(
    z.object({
      from: date,
      to: date,
      rules: z.string().optional(),
      'min-days': z.coerce.number().positive(),
      gaps: z.coerce.number().positive(),
    }),
    { ...values },
  );
  const { config, topics, kafka, codec, inForce } = await pipelineHistory();
  const candidate = opts.rules === undefined ? undefined : loadRulesFile(opts.rules, config.BASE_CURRENCY, '--rules');
  const calendar = calendarFor(config.BUSINESS_TIME_ZONE);
  const log = await readLogPartitions(kafka, codec, topics);
  const span = historySpan(log.partitions);
  if (span === undefined)
    throw new ConfigError(
      `${topics.customerEvents} holds no customer events yet: import history (pnpm import-history) or let the pipeline run first`,
    );
  const to = opts.to === undefined ? span.end : Date.parse(`${opts.to}T00:00:00Z`);
  // By default the first half year warms the model up on the history and is not scored.
  const from = opts.from === undefined ? Math.min(to, span.start + 182 * 86_400_000) : Date.parse(`${opts.from}T00:00:00Z`);
  const definition = { minDays: opts['min-days'], gaps: opts.gaps };
  const partitions = new Map([...log.partitions].map(([p, events]) => [p, events.filter((e) => e.eventTime < to)]));
  const reports = [await backtest(partitions, inForce, calendar, { from, to }, definition)];
  if (candidate) reports.push(await backtest(partitions, candidate, calendar, { from, to }, definition));
  console.log(
    `backtest of ${iso(from)} to ${iso(to)} (history from ${iso(span.start)}); churn = no order for max(${definition.minDays} days, ${definition.gaps} × the customer's own 90th-percentile gap); alerts at warning or above, per episode`,
  );
  printBacktest(reports, candidate === undefined ? ['in force'] : ['in force', 'candidate']);
  console.log(JSON.stringify(reports.map((r) => ({ ...r, warning: roundAll(r.warning), watch: roundAll(r.watch) }))));
}

function printBacktest(reports: BacktestFigures[], names: string[]): void {
  const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(0)}%`);
  const num = (x: number | null, d = 1) => (x === null ? '—' : x.toFixed(d));
  const row = (label: string, f: DetectionFigures, per100?: number) =>
    console.log(
      `${label.padEnd(34)}${String(f.episodes).padStart(9)}${pct(f.precision).padStart(10)}${pct(f.recall).padStart(8)}${num(f.f1, 2).padStart(6)}${num(f.medianDelayDays === null ? null : -f.medianDelayDays).padStart(10)}${(per100 === undefined ? '' : per100.toFixed(2)).padStart(12)}${num(f.episodesPerNonChurnerYear, 2).padStart(12)}`,
    );
  console.log(
    `${''.padEnd(34)}${'episodes'.padStart(9)}${'precision'.padStart(10)}${'recall'.padStart(8)}${'F1'.padStart(6)}${'lead d'.padStart(10)}${'per 100/mo'.padStart(12)}${'ep/cust-yr'.padStart(12)}`,
  );
  reports.forEach((r, i) => {
    row(`${names[i]} ${r.rulesVersion} (${r.customers})`, r.warning, r.warningEpisodesPer100CustomerMonths);
    for (const [tier, f] of Object.entries(r.byValueTier)) row(`  value tier ${tier}`, f);
    for (const [industry, f] of Object.entries(r.byIndustry)) row(`  industry ${industry}`, f);
  });
  console.log(
    "lead d: median days the first right alert came before the customer's last order (negative: after; an undetected churner counts as never)",
  );
}

function printTable(detectors: ReadonlyArray<[string, DetectionFigures]>): void {
  const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(0)}%`);
  const num = (x: number | null, d = 1) => (x === null ? '—' : x.toFixed(d));
  const head = [
    'detector',
    'episodes',
    'precision',
    'recall',
    'F1',
    'delay d',
    'delay<21',
    'in 1.5×p90',
    'lead svc',
    'nonchurn',
    'ep/cust-yr',
  ];
  const widths = [20, 9, 10, 8, 6, 9, 9, 11, 9, 9, 11];
  const line = (cells: string[]) => console.log(cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(''));
  line(head);
  for (const [name, f] of detectors) {
    line([
      name,
      String(f.episodes),
      pct(f.precision),
      pct(f.recall),
      num(f.f1, 2),
      num(f.medianDelayDays),
      num(f.medianDelayFrequentDays),
      pct(f.infrequentWithinGaps),
      num(f.medianLeadServiceDays),
      pct(f.nonChurnersAlertedShare),
      num(f.episodesPerNonChurnerYear, 2),
    ]);
  }
}

function roundAll(f: DetectionFigures) {
  return Object.fromEntries(Object.entries(f).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 1000) / 1000 : v]));
}
