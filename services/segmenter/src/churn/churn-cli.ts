// The churn model's commands:
//   pnpm churn evaluate [--generator independent|simulator] [--seeds 1,2,3] [--customers 600] [--days 548] [--fit-days 365] [--rules FILE]
// Generates histories with known churn truth, fits the model on the first --fit-days, and scores
// the rest (see churn-evaluation.ts and docs/churn.md), printing every seed's figures.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseConfig, runCommand } from '@segmentation/runtime';
import { compileRules } from '@segmentation/segmentation';
import type { DetectionFigures } from '../quality/quality-metrics.ts';
import { evaluateChurn } from './churn-evaluation.ts';
import { GENERATORS, scoredHistory } from './scored-histories.ts';

const DEFAULT_RULES = join(import.meta.dirname, '..', '..', '..', '..', 'config', 'rules.yaml');
const START = '2025-01-01'; // fixed, so a seed always gives the same figures

await runCommand('churn', async () => {
  const [command] = process.argv.slice(2);
  if (command !== 'evaluate') throw new Error('usage: pnpm churn evaluate [--generator independent|simulator] [--seeds 1,2,3] [--customers N] [--days D] [--fit-days F] [--rules FILE]');
  const { values } = parseArgs({
    args: process.argv.slice(3),
    options: {
      generator: { type: 'string', default: 'independent' }, seeds: { type: 'string', default: '1,2,3' }, customers: { type: 'string', default: '600' },
      days: { type: 'string', default: '548' }, 'fit-days': { type: 'string', default: '365' }, rules: { type: 'string', default: DEFAULT_RULES },
    },
  });
  const opts = parseConfig(z.object({
    generator: z.enum(GENERATORS),
    seeds: z.string().transform((s) => s.split(',').map(Number)).pipe(z.array(z.number().int().min(0)).min(1)),
    customers: z.coerce.number().int().min(10).max(100_000),
    days: z.coerce.number().int().min(200).max(3650),
    'fit-days': z.coerce.number().int().min(150),
    rules: z.string(),
  }).refine((o) => o['fit-days'] < o.days - 90, { message: 'leave at least 90 days after the fit to score', path: ['fit-days'] }), values);
  const rules = compileRules(readFileSync(opts.rules, 'utf8'), opts.rules);
  for (const seed of opts.seeds) {
    const began = performance.now();
    const history = await scoredHistory(opts.generator, { seed, customers: opts.customers, days: opts.days, start: START });
    const e = await evaluateChurn(history, rules, opts['fit-days']);
    const churners = history.truth.filter((t) => t.churnedAt !== null).length;
    console.log(`\n${opts.generator} seed ${seed}: ${opts.customers} customers, ${opts.days} days from ${START}, ${history.events.length} events, ${churners} churners; fit on the first ${opts['fit-days']} days, scored after`);
    console.log(`fit: ${e.fit.trainSamples} samples of ${e.fit.trainCustomers} customers; held-out log-loss ${e.fit.candidate.logLoss.toFixed(4)} (in force ${e.fit.inForce.logLoss.toFixed(4)}), AUC ${e.fit.candidate.auc?.toFixed(3)}; ${e.fit.accepted ? 'accepted' : 'REFUSED'}`);
    console.log(`priors: pooled r=${e.fit.pooledPrior.r} α=${e.fit.pooledPrior.alpha}; ${Object.entries(e.fit.industryPriors).map(([k, p]) => `${k} r=${p.r} α=${p.alpha}`).join(', ')}`);
    console.log(`coefficients: intercept ${e.fit.model.intercept}, ${Object.entries(e.fit.model.coefficients).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    console.log(`calibration (held out, by decile): ${e.fit.candidate.calibration.map((b) => `${b.meanPredicted.toFixed(2)}→${b.observed.toFixed(2)}`).join(' ')}`);
    printTable(e.detectors);
    console.log(`non-churners put in lifecycle 'churned' after the fit, by kind: ${JSON.stringify(e.nonChurnersChurnedByKind)}`);
    console.log(`run time ${((performance.now() - began) / 1000).toFixed(1)} s`);
    console.log(JSON.stringify({ generator: opts.generator, seed, detectors: Object.fromEntries(e.detectors.map(([n, f]) => [n, roundAll(f)])), fit: { accepted: e.fit.accepted, logLoss: e.fit.candidate.logLoss, inForceLogLoss: e.fit.inForce.logLoss, auc: e.fit.candidate.auc } }));
  }
});

function printTable(detectors: ReadonlyArray<[string, DetectionFigures]>): void {
  const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(0)}%`);
  const num = (x: number | null, d = 1) => (x === null ? '—' : x.toFixed(d));
  const head = ['detector', 'episodes', 'precision', 'recall', 'F1', 'delay d', 'delay<21', 'in 1.5×p90', 'lead svc', 'nonchurn', 'ep/cust-yr'];
  const widths = [20, 9, 10, 8, 6, 9, 9, 11, 9, 9, 11];
  const line = (cells: string[]) => console.log(cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(''));
  line(head);
  for (const [name, f] of detectors) {
    line([name, String(f.episodes), pct(f.precision), pct(f.recall), num(f.f1, 2), num(f.medianDelayDays), num(f.medianDelayFrequentDays), pct(f.infrequentWithinGaps),
      num(f.medianLeadServiceDays), pct(f.nonChurnersAlertedShare), num(f.episodesPerNonChurnerYear, 2)]);
  }
}

function roundAll(f: DetectionFigures) {
  return Object.fromEntries(Object.entries(f).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 1000) / 1000 : v]));
}
