// Fitting the churn model on the company's own history (DESIGN.md invariant 9: from
// `customer-events` through the segmenter's own fold, published as rules content):
// 1. the cadence priors, per industry (pooled where an industry is small), by maximum likelihood
//    from the customers' ordering days at the end of the training span;
// 2. the logistic coefficients on a time split: every customer's signals at cut-off dates every
//    `cutoffDays`, labelled by what happened after (an order within the churn horizon or not);
//    cut-offs before `split` train, those after it (with their whole horizon observed) judge.
// The candidate is refused when it predicts the held-out outcomes worse (log-loss) than the model
// in force.
import {
  areaUnderCurve,
  calibrationByDecile,
  churnInputs,
  compileRules,
  featureValues,
  fitCadencePrior,
  fitLogistic,
  linearScore,
  logLoss,
  MODEL_SIGNALS,
  churnHorizonDays,
  effectiveDays,
  profileAttributes,
  rulesWithChurnFit,
  silenceAt,
  type BusinessCalendar,
  type CadencePrior,
  type CalibrationBin,
  type CompiledRules,
  type ChurnModel,
  type ExposureSample,
  type SignalValues,
} from '@segmentation/segmentation';
import type { LogReplay, Snapshot } from '../quality/replay.ts';

const DAY_MS = 86_400_000;

export interface FitSpan {
  /** Cut-offs are taken from here... */
  from: number;
  /** ...train before this... */
  split: number;
  /** ...and judge after it, up to the span's end (outcomes must be observed by then). */
  to: number;
  cutoffDays: number;
}

/** The cut-off times of a span. */
export function cutoffsOf(span: FitSpan): number[] {
  const out: number[] = [];
  for (let t = span.from; t < span.to; t += span.cutoffDays * DAY_MS) out.push(t);
  return out;
}

export interface Sample {
  customerId: string;
  at: number;
  industry: string | undefined;
  signals: SignalValues;
  /** 1: no order within the churn horizon after `at`. */
  outcome: 0 | 1;
}

export interface ModelFigures {
  samples: number;
  logLoss: number;
  auc: number | null;
  calibration: CalibrationBin[];
}

export interface ChurnFit {
  pooledPrior: CadencePrior;
  industryPriors: Record<string, CadencePrior>;
  priorCustomers: Record<string, number>;
  model: ChurnModel;
  converged: boolean;
  trainSamples: number;
  trainCustomers: number;
  /** On the held-out cut-offs. */
  candidate: ModelFigures;
  inForce: ModelFigures;
  accepted: boolean;
}

/**
 * Signals and outcomes of the snapshots whose outcome the span observed, under `rules`' cadence
 * settings. The outcome (what churn_risk predicts): a churn starts within the horizon, that is the
 * silence the customer is in, or one that begins within the next horizon days, lasts the churn
 * horizon (lull days counted by their activity). So a customer fading out while still ordering is a
 * positive before the last order, and an alert in the decline is learnt as right. Customers
 * already silent that long are churned by definition (risk 1) and teach nothing; outcomes the span
 * ends before deciding are left out.
 */
export function samplesOf(
  snapshots: readonly Snapshot[],
  orders: ReadonlyMap<string, readonly number[]>,
  rules: CompiledRules,
  end: number,
  calendar: BusinessCalendar,
): Sample[] {
  const samples: Sample[] = [];
  for (const s of snapshots) {
    const last = s.features.lifetime.lastOrderAt;
    if (last === null || s.at - last > 365 * DAY_MS) continue;
    const f = featureValues(s.features, s.at, calendar);
    const industry = profileAttributes(s.features).industry;
    const cadence = rules.churn.cadenceFor(industry);
    const inputs = churnInputs(f, s.features, s.at, calendar.dayOf, cadence);
    const base = inputs.cadence!.base;
    const horizon = churnHorizonDays(rules.churn.model.horizon, base);
    if (inputs.cadence!.silence.effectiveDays >= horizon) continue;
    const outcome = churnStartsWithin(
      s.at,
      horizon,
      (orders.get(s.customerId) ?? []).filter((t) => t > s.at),
      end,
      (from, to) =>
        from === last ? silenceAt(base, to, calendar.dayOf, cadence).effectiveDays : effectiveDays(from, to, calendar.dayOf, cadence.lulls),
      last,
    );
    if (outcome !== undefined) samples.push({ customerId: s.customerId, at: s.at, industry, signals: inputs.signals, outcome });
  }
  return samples;
}

/**
 * 1 when a gap between orders of at least `horizon` effective days starts (at `lastOrder` or a
 * later order) within `horizon` days of `at`; 0 when every such gap ended sooner; undefined when
 * the span's `end` comes first.
 */
export function churnStartsWithin(
  at: number,
  horizon: number,
  laterOrders: readonly number[],
  end: number,
  gapDays: (from: number, to: number) => number,
  lastOrder: number,
): 0 | 1 | undefined {
  let from = lastOrder;
  for (let k = 0; ; k += 1) {
    if (from > at + horizon * DAY_MS) return 0;
    const to = laterOrders[k];
    if (gapDays(from, to ?? end) >= horizon) return 1;
    if (to === undefined) return undefined;
    from = to;
  }
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
// Held-out samples are never silent for the horizon (left out above), so the logistic part is the whole risk.
const rowOf = (s: Sample): number[] => MODEL_SIGNALS.map((k) => s.signals[k]);

function figures(model: ChurnModel, samples: readonly Sample[]): ModelFigures {
  const p = samples.map((s) => sigmoid(linearScore(model, s.signals)));
  const y = samples.map((s) => s.outcome);
  return { samples: samples.length, logLoss: logLoss(p, y), auc: areaUnderCurve(p, y), calibration: calibrationByDecile(p, y) };
}

/** Ordering days after the origin and days observed, at a cut-off, for customers still ordering. */
function exposureOf(s: Snapshot, calendar: BusinessCalendar): ExposureSample | undefined {
  const { firstOrderAt, lastOrderAt } = s.features.lifetime;
  if (firstOrderAt === null || lastOrderAt === null || s.at - lastOrderAt > 90 * DAY_MS) return undefined;
  const today = calendar.dayOf(s.at);
  const origin = Math.max(calendar.dayOf(firstOrderAt), today - 364);
  const x = s.features.orderDays.filter((d) => d > origin).length;
  return { x, T: today - origin + 1 };
}

export interface FitOptions {
  /** An industry with fewer customers takes the pooled prior. */
  minCustomers: number;
  ridge: number;
}

export function fitChurn(
  replay: LogReplay,
  inForce: CompiledRules,
  span: FitSpan,
  calendar: BusinessCalendar,
  options: FitOptions = { minCustomers: 30, ridge: 1 },
): ChurnFit {
  // 1. Priors from the last training cut-off.
  const lastTrainCutoff = Math.max(...cutoffsOf(span).filter((t) => t < span.split));
  const byIndustry = new Map<string, ExposureSample[]>();
  const pooled: ExposureSample[] = [];
  for (const s of replay.snapshots) {
    if (s.at !== lastTrainCutoff) continue;
    const e = exposureOf(s, calendar);
    if (e === undefined) continue;
    pooled.push(e);
    const industry = profileAttributes(s.features).industry;
    if (industry !== undefined) byIndustry.set(industry, [...(byIndustry.get(industry) ?? []), e]);
  }
  const pooledPrior = fitCadencePrior(pooled).prior;
  const industryPriors: Record<string, CadencePrior> = {};
  const priorCustomers: Record<string, number> = { pooled: pooled.length };
  for (const [industry, samples] of [...byIndustry].sort(([a], [b]) => (a < b ? -1 : 1))) {
    priorCustomers[industry] = samples.length;
    if (samples.length >= options.minCustomers) industryPriors[industry] = roundPrior(fitCadencePrior(samples).prior);
  }

  // 2. Coefficients on the time split, signals read under the candidate's priors.
  const withPriors = compileRules(rulesWithChurnFit(inForce.source, { pooledPrior: roundPrior(pooledPrior), industryPriors }), 'candidate');
  const candidateSamples = samplesOf(replay.snapshots, replay.orders, withPriors, replay.end, calendar);
  const train = candidateSamples.filter((s) => s.at < span.split);
  const test = candidateSamples.filter((s) => s.at >= span.split);
  if (train.length === 0) throw new RangeError('no training samples: the span is too short for the churn horizon');
  const fit = fitLogistic(
    train.map(rowOf),
    train.map((s) => s.outcome),
    options.ridge,
  );
  const model: ChurnModel = {
    intercept: round(fit.intercept),
    coefficients: Object.fromEntries(MODEL_SIGNALS.map((k, i) => [k, round(fit.coefficients[i]!)])) as SignalValues,
    horizon: inForce.churn.model.horizon,
  };
  const inForceTest = samplesOf(replay.snapshots, replay.orders, inForce, replay.end, calendar).filter((s) => s.at >= span.split);
  const candidate = figures(model, test);
  const current = figures(inForce.churn.model, inForceTest);
  return {
    pooledPrior: roundPrior(pooledPrior),
    industryPriors,
    priorCustomers,
    model,
    converged: fit.converged,
    trainSamples: train.length,
    trainCustomers: new Set(train.map((s) => s.customerId)).size,
    candidate,
    inForce: current,
    accepted: fit.converged && test.length > 0 && candidate.logLoss <= current.logLoss,
  };
}

const round = (v: number): number => Math.round(v * 10_000) / 10_000;

const roundPrior = (p: CadencePrior): CadencePrior => ({ r: round(p.r), alpha: round(p.alpha) });

/** Cut-offs start after a warm-up (customers need some history to be judged) and come every two weeks. */
export const FIT_WARM_UP_DAYS = 60;
export const FIT_CUTOFF_DAYS = 14;

/** The span of a fit on a whole history: cut-offs from the warm-up on, the last `holdoutDays` held out. */
export function fitSpanOf(start: number, end: number, holdoutDays: number): FitSpan {
  return { from: start + FIT_WARM_UP_DAYS * DAY_MS, split: end - holdoutDays * DAY_MS, to: end, cutoffDays: FIT_CUTOFF_DAYS };
}

/** The rules text of an accepted fit, saying where it came from. */
export function fittedRulesText(inForce: CompiledRules, fit: ChurnFit, span: FitSpan, at: number): string {
  const iso = (t: number): string => new Date(t).toISOString().slice(0, 10);
  return rulesWithChurnFit(inForce.source, {
    ...fit,
    fitted: { at: iso(at), samples: fit.trainSamples, customers: fit.trainCustomers, from: iso(span.from), to: iso(span.to) },
  });
}
