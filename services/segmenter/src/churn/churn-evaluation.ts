// The scored run of the churn model on a history with known truth, in the protocol that cannot be
// tuned to: fit on the first `fitDays` of the span (the fit never sees what comes after), then
// replay the whole span and score only the episodes raised after the fit's span, for the model in
// force (as shipped), the fitted model, and the recency-only baselines.
import { calendarFor, compileRules, type CompiledRules } from '@segmentation/segmentation';
import {
  recencyAlerts,
  scoreDetector,
  timelinessCeiling,
  type DetectionFigures,
  type DetectionWindow,
  type TimelinessCeiling,
} from '../quality/quality-metrics.ts';
import { episodeRaises, lifecycleChurned, replayLog } from '../quality/replay.ts';
import { cutoffsOf, FIT_CUTOFF_DAYS, FIT_WARM_UP_DAYS, fitChurn, fittedRulesText, type ChurnFit, type FitSpan } from './churn-fit.ts';
import type { ScoredHistory } from './scored-histories.ts';

const DAY_MS = 86_400_000;
/** A churn later than this before the span's end cannot be judged yet. */
const MIN_OBSERVED_DAYS = 60;
const EARLY_GRACE_DAYS = 14;
/** Inside the fit's span, the last cut-offs hold out time for the fit's own check. */
const HOLD_OUT_DAYS = 120;
const BASELINE_DAYS = [60, 90] as const;
const calendar = calendarFor('Asia/Shanghai');

export interface Evaluation {
  fit: ChurnFit;
  fittedRules: CompiledRules;
  /** Detector name → figures on the scored span. */
  detectors: Array<[string, DetectionFigures]>;
  /** Non-churning customers the lifecycle put in `churned` during the scored span, by the generator's kind. */
  nonChurnersChurnedByKind: Record<string, number>;
  /** What the scored span allows any detector. */
  ceiling: TimelinessCeiling;
}

export async function evaluateChurn(history: ScoredHistory, inForce: CompiledRules, fitDays: number): Promise<Evaluation> {
  const split = history.start + fitDays * DAY_MS;
  const span: FitSpan = {
    from: history.start + FIT_WARM_UP_DAYS * DAY_MS,
    split: split - HOLD_OUT_DAYS * DAY_MS,
    to: split,
    cutoffDays: FIT_CUTOFF_DAYS,
  };
  const options = { calendar };
  const fitReplay = await replayLog([history.events.filter((e) => e.eventTime < split)], {
    rules: inForce,
    options,
    end: split,
    cutoffs: cutoffsOf(span),
  });
  const fit = fitChurn(fitReplay, inForce, span, calendar);
  const fittedRules = compileRules(fittedRulesText(inForce, fit, span, split), 'fitted rules');

  const window: DetectionWindow = { start: split, end: history.end, minObservedDays: MIN_OBSERVED_DAYS, earlyGraceDays: EARLY_GRACE_DAYS };
  const detectors: Array<[string, DetectionFigures]> = [];
  const nonChurnersChurnedByKind: Record<string, number> = {};
  const nonChurners = new Set(history.truth.filter((t) => t.churnedAt === null).map((t) => t.customerId));
  for (const [name, rules] of [
    ['shipped', inForce],
    ['fitted', fittedRules],
  ] as const) {
    const replay = await replayLog([history.events], { rules, options, end: history.end, keepOutputs: true });
    detectors.push([`${name} ≥ warning`, scoreDetector(episodeRaises(replay.outputs, 'warning'), history.truth, window)]);
    detectors.push([`${name} ≥ watch`, scoreDetector(episodeRaises(replay.outputs, 'watch'), history.truth, window)]);
    if (name === 'fitted') {
      for (const [id, times] of lifecycleChurned(replay.outputs)) {
        if (!nonChurners.has(id) || !times.some(([t]) => t! >= split)) continue;
        const kind = history.kinds.get(id) ?? 'unknown';
        nonChurnersChurnedByKind[kind] = (nonChurnersChurnedByKind[kind] ?? 0) + 1;
      }
    }
  }
  const orders = new Map<string, number[]>();
  for (const e of history.events) {
    const order = (e.body as Record<string, { kind?: string } | undefined>)['segmentation.log.OrderRecorded'];
    if (order?.kind !== 'PLACED') continue;
    const list = orders.get(e.customerId);
    if (list) list.push(e.eventTime);
    else orders.set(e.customerId, [e.eventTime]);
  }
  for (const days of BASELINE_DAYS) {
    const alerts = new Map([...orders].map(([id, times]) => [id, recencyAlerts(times, days, history.end)]));
    detectors.push([`recency ≥ ${days} days`, scoreDetector(alerts, history.truth, window)]);
  }
  return { fit, fittedRules, detectors, nonChurnersChurnedByKind, ceiling: timelinessCeiling(orders, history.truth, window) };
}
