// Quality against the simulator's ground truth:
//   pnpm quality [--seed 101] [--customers 3000] [--days 365] [--generator simulator|independent] [--calibrated]
// Replays a simulated span through the segmenter's fold in process (no Kafka, no Redis) with
// config/rules.yaml as it is, then scores churn alert episodes, the lifecycle `churned` segment and
// a recency-only baseline against the true churn times, and the final value tier against the true
// tier. With --calibrated, the value tier also after the automatic calibration: the population
// thresholds computed from the replayed state at the span's end (the code path of the calibration
// after an import) and every customer re-evaluated under them. --generator independent replays the
// independent generator (services/simulator/src/independent) instead, whose value truth is the top
// 20% / next 50% / rest of expected annual value. The churn model's scored protocol (fit on one span, judge a later one, on a second,
// independent generator too) is `pnpm churn evaluate` (docs/churn.md).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseConfig, runCommand } from '@segmentation/runtime';
import { calendarFor, compileRules } from '@segmentation/segmentation';
import { generateIndependentHistory, Simulation } from '@segmentation/simulator';
import { GENERATORS, scoredHistory } from '../churn/scored-histories.ts';
import { calibratedTiers } from './calibrated-tiers.ts';
import { recencyAlerts, scoreDetector, tierAgreement, type DetectionFigures, type DetectionWindow } from './quality-metrics.ts';
import { episodeRaises, lifecycleChurned, replayLog } from './replay.ts';

const RULES_FILE = join(import.meta.dirname, '..', '..', '..', '..', 'config', 'rules.yaml');
const START = '2025-01-01'; // fixed, so a seed always gives the same figures
const MIN_OBSERVED_DAYS = 60; // a churn later than this before the span's end cannot be judged yet
const EARLY_GRACE_DAYS = 14; // an alert this close before the last order still counts as catching the churn
const BASELINE_DAYS = [60, 90] as const;

await runCommand('quality', async () => {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '101' },
      customers: { type: 'string', default: '3000' },
      days: { type: 'string', default: '365' },
      generator: { type: 'string', default: 'simulator' },
      calibrated: { type: 'boolean', default: false },
    },
  });
  const opts = parseConfig(
    z.object({
      seed: z.coerce.number().int().min(0),
      customers: z.coerce.number().int().min(1).max(1_000_000),
      days: z.coerce.number().int().min(1).max(3650),
      generator: z.enum(GENERATORS),
    }),
    { seed: values.seed, customers: values.customers, days: values.days, generator: values.generator },
  );
  const withCalibration = values.calibrated;
  const began = performance.now();
  const rules = compileRules(readFileSync(RULES_FILE, 'utf8'), RULES_FILE);
  const history = await scoredHistory(opts.generator, { seed: opts.seed, customers: opts.customers, days: opts.days, start: START });
  const replay = await replayLog([history.events], {
    rules,
    options: { calendar: calendarFor('Asia/Shanghai') },
    end: history.end,
    keepOutputs: true,
  });

  const window: DetectionWindow = {
    start: history.start,
    end: history.end,
    minObservedDays: MIN_OBSERVED_DAYS,
    earlyGraceDays: EARLY_GRACE_DAYS,
  };
  const detectors: Array<[string, DetectionFigures]> = [
    ['churn alert ≥ warning', scoreDetector(episodeRaises(replay.outputs, 'warning'), history.truth, window)],
    ['churn alert ≥ watch', scoreDetector(episodeRaises(replay.outputs, 'watch'), history.truth, window)],
    ['lifecycle = churned', scoreDetector(lifecycleChurned(replay.outputs), history.truth, window)],
    ...BASELINE_DAYS.map((n): [string, DetectionFigures] => [
      `recency ≥ ${n} days`,
      scoreDetector(new Map([...replay.orders].map(([id, times]) => [id, recencyAlerts(times, n, history.end)])), history.truth, window),
    ]),
  ];
  // The simulator's customers acquired during the span have less than a year behind them; the
  // independent generator's truth is each customer's expected annual value, so all are compared.
  const valueTruth =
    opts.generator === 'simulator'
      ? new Simulation({ seed: opts.seed, customers: opts.customers, days: opts.days, start: START })
          .groundTruth()
          .filter((t) => !t.acquiredDuringSpan)
      : generateIndependentHistory({ seed: opts.seed, customers: opts.customers, days: opts.days, start: START }).truth;
  const tiers = tierAgreement(
    valueTruth.map((t) => ({ truth: t.valueTier, segment: replay.finals.get(t.customerId)?.memberships.value_tier?.segment ?? 'none' })),
  );
  const calibrated = withCalibration ? await calibratedTiers(rules, replay.finals, replay.end, 'Asia/Shanghai') : undefined;
  const calibratedAgreement =
    calibrated && tierAgreement(valueTruth.map((t) => ({ truth: t.valueTier, segment: calibrated.tiers.get(t.customerId) ?? 'none' })));
  const seconds = (performance.now() - began) / 1000;

  const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)}%`);
  const days = (x: number | null) => (x === null ? '—' : x.toFixed(1));
  console.log(
    `seed ${opts.seed}, ${opts.customers} customers, ${opts.days} days from ${START}; rules ${rules.version}; ${replay.events} events, ${replay.timersFired} timers fired`,
  );
  console.log(
    `truly churned: last order ≥ ${MIN_OBSERVED_DAYS} days before the span's end; an episode is right from the start of the decline (or ${EARLY_GRACE_DAYS} days before the last order) until a return; precision per episode; an undetected churner's delay counts as never`,
  );
  console.log('');
  console.log(
    `${'detector'.padEnd(24)}${'episodes'.padStart(9)}${'churned'.padStart(9)}${'detected'.padStart(10)}${'recall'.padStart(9)}${'precision'.padStart(11)}${'median delay d'.padStart(16)}${'non-churners'.padStart(14)}`,
  );
  for (const [name, f] of detectors) {
    console.log(
      `${name.padEnd(24)}${String(f.episodes).padStart(9)}${String(f.trulyChurned).padStart(9)}${String(f.detected).padStart(10)}${pct(f.recall).padStart(9)}${pct(f.precision).padStart(11)}${days(f.medianDelayDays).padStart(16)}${pct(f.nonChurnersAlertedShare).padStart(14)}`,
    );
  }
  console.log('');
  const compared = opts.generator === 'simulator' ? 'customers present the whole span' : 'customers';
  const printTiers = (label: string, t: typeof tiers) => {
    console.log(`value tier agreement${label}: ${pct(t.share)} of ${t.customers} ${compared} (${t.agreeing} agree)`);
    const segments = [...new Set(Object.values(t.confusion).flatMap((row) => Object.keys(row)))].sort();
    console.log(`${'truth \\ segmenter'.padEnd(20)}${segments.map((s) => s.padStart(8)).join('')}`);
    for (const row of Object.keys(t.confusion).sort())
      console.log(`${row.padEnd(20)}${segments.map((s) => String(t.confusion[row]?.[s] ?? 0).padStart(8)).join('')}`);
  };
  printTiers(calibratedAgreement ? ' with the thresholds of the rules file' : '', tiers);
  if (calibrated && calibratedAgreement) {
    console.log('');
    const scope = calibrated.thresholds.scope === 'all' ? 'the whole base' : 'each industry';
    console.log(
      `after the automatic calibration (rules ${calibrated.rules.version}: quantiles within ${scope} from ${calibrated.thresholds.counts.customers} customers; ${JSON.stringify(calibrated.thresholds.scope === 'all' ? calibrated.thresholds.parameters : calibrated.thresholds.industryParameters)})`,
    );
    printTiers(' after calibration', calibratedAgreement);
  }
  console.log(`run time ${seconds.toFixed(1)} s`);
  const round = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);
  console.log(
    JSON.stringify({
      seed: opts.seed,
      customers: opts.customers,
      days: opts.days,
      start: START,
      rulesVersion: rules.version,
      events: replay.events,
      detectors: Object.fromEntries(
        detectors.map(([name, f]) => [
          name,
          { ...f, recall: round(f.recall), precision: round(f.precision), medianDelayDays: round(f.medianDelayDays) },
        ]),
      ),
      generator: opts.generator,
      valueTier: { ...tiers, share: round(tiers.share) },
      ...(calibrated && calibratedAgreement
        ? {
            valueTierCalibrated: {
              ...calibratedAgreement,
              share: round(calibratedAgreement.share),
              rulesVersion: calibrated.rules.version,
            },
          }
        : {}),
      seconds: Math.round(seconds * 10) / 10,
    }),
  );
});
