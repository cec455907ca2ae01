import { createHash } from 'node:crypto';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { FEATURE_NAMES } from '../features/customer-features.ts';
import { churnSchema, compileChurn, type CompiledChurn } from './churn-rules.ts';
import type { DimensionRules, SegmentRule } from './dimension.ts';
import { ExpressionError, namesIn, parseExpression, type Expression, type Operand } from './expression.ts';
import { compileValue, VALUE_FEATURES, valueSchema } from './value-rules.ts';
import type { ValueSettings } from '../value/customer-value.ts';

// The segmentation and churn rules are data (DESIGN.md invariant 9): one YAML file, validated in
// full at start-up with errors that name the line and the field, and versioned by a hash of its
// content (so reformatting or comments do not make a new version).

/** Scores and values the engine derives before evaluating rules, usable in conditions beside the features. */
export const DERIVED_NAMES = [
  'r_score',
  'f_score',
  'm_score',
  'churn_risk',
  'silence_probability',
  'days_in_segment',
  ...VALUE_FEATURES,
] as const;

/** The dimensions every rules file defines, in the order changes are decided and listed. */
export const DIMENSIONS = ['value_tier', 'rfm', 'rfm_group', 'lifecycle', 'behaviour', 'needs', 'loyalty', 'industry', 'region'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** Profile attributes a dimension may take its segment from. */
export const ATTRIBUTES = ['industry', 'region', 'country', 'customer_type', 'account_manager'] as const;

const name = z.string().regex(/^[a-z][a-z0-9_]*$/, 'use lower_snake_case');
const condition = z.string().trim().min(1, 'write a condition, e.g. "orders_90d >= 6"');
const strategy = z.string().trim().min(1, 'say what the business does for these customers');
const cuts = z
  .array(z.number())
  .length(4, 'give four cut points (scores 1–5)')
  .refine((c) => c.every((v, i) => i === 0 || v > c[i - 1]!), 'cut points must increase');
/** industry: quantiles within each industry; all: across every customer of the population. */
export const POPULATION_SCOPES = ['industry', 'all'] as const;
export type PopulationScope = (typeof POPULATION_SCOPES)[number];
const between = 'a quantile is strictly between 0 and 1 (0.9: the value 90% of the industry is below)';
const quantile = z.number().gt(0, between).lt(1, between);

/** Thresholds computed from the whole population by a batch command and published as a new rules
 *  version (DESIGN.md invariant 9). Evaluation never reads this section: it reads what was published. */
const populationSchema = z
  .object({
    /** Recompute and publish the thresholds on their own after an import or the demo's first history
     *  load (services/app population-calibration.ts). Absent means true; optional without a default so
     *  that rules written before it keep their version. */
    auto: z.boolean().optional(),
    /** Where a customer's share is counted: within their industry (`industry_parameters`) or across the
     *  whole customer base (the defaults under `parameters`). Absent means industry, for the same reason. */
    scope: z.enum(POPULATION_SCOPES, `write ${POPULATION_SCOPES.join(' or ')}`).optional(),
    /** The population: customers whose last order is fewer than this many days ago. */
    active_days: z.number().int('a whole number of days').positive(),
    /** Recompute the rfm cut points as quintiles of the population. */
    rfm_quintiles: z.boolean().default(false),
    /** An industry with fewer members keeps the default parameters, and a smaller population the rfm cut points. */
    min_customers: z.number().int('a whole number of customers').min(1),
    /** Per industry, a parameter as a quantile of a feature among the industry's members. */
    parameters: z.record(name, z.object({ feature: name, quantile }).strict()).default({}),
  })
  .strict();

const segmentSchema = z
  .object({ name, strategy, enter: condition, exit: condition.optional(), from: z.array(name).min(1).optional() })
  .strict();
const ruleDimension = z
  .object({
    min_dwell_days: z.number().min(0).default(0),
    segments: z.array(segmentSchema).min(1),
    fallback: z.object({ name, strategy }).strict(),
  })
  .strict();
const attributeDimension = z
  .object({ attribute: z.enum(ATTRIBUTES), unknown: name.default('unknown'), strategy: strategy.optional() })
  .strict();

export const rulesFileSchema = z
  .object({
    description: z.string().optional(),
    /** The currency of every money threshold (the pipeline's base currency). */
    currency: z.string().regex(/^[A-Z]{3}$/, 'a three-letter currency code such as CNY'),
    /** Thresholds referenced in conditions as `$name`. */
    parameters: z.record(name, z.number()).default({}),
    /** Per-industry values of some parameters (population-relative thresholds). */
    industry_parameters: z.record(z.string(), z.record(name, z.number())).default({}),
    rfm: z
      .object({
        /** Days since the last order below each cut give scores 5, 4, 3, 2; at or above the last, 1. */
        recency_days: cuts,
        /** Orders in 365 days at or above each cut give scores 2, 3, 4, 5; below the first, 1. */
        frequency_orders_365d: cuts,
        monetary_value_365d: cuts,
      })
      .strict(),
    population: populationSchema.optional(),
    dimensions: z
      .object(
        Object.fromEntries(DIMENSIONS.map((d) => [d, z.union([ruleDimension, attributeDimension])])) as Record<
          Dimension,
          z.ZodUnion<[typeof ruleDimension, typeof attributeDimension]>
        >,
      )
      .strict(),
    churn: churnSchema,
    /** Predicted customer lifetime value (value-rules.ts). Optional: rules written before it keep their version. */
    value: valueSchema.optional(),
    snapshots: z
      .object({ interval_days: z.number().positive().default(7) })
      .strict()
      .default({ interval_days: 7 }),
  })
  .strict();

export type RulesFile = z.output<typeof rulesFileSchema>;
export type PopulationSettings = z.output<typeof populationSchema>;

/** Whether the rules ask for the automatic calibration after an import or the demo's first load (absent: yes). */
export const populationAuto = (file: Pick<RulesFile, 'population'>): boolean =>
  file.population !== undefined && file.population.auto !== false;

/** Where the population's shares are counted (absent: within each industry). */
export const populationScope = (settings: Pick<PopulationSettings, 'scope'>): PopulationScope => settings.scope ?? 'industry';

export interface AttributeDimensionRules {
  name: string;
  attribute: (typeof ATTRIBUTES)[number];
  unknown: string;
  strategy: string;
}

export interface CompiledRules {
  /** Content hash of the validated rules: the same rules written differently keep their version. */
  version: string;
  /** The file as written, kept with every version applied. */
  source: string;
  file: RulesFile;
  dimensions: Array<DimensionRules | AttributeDimensionRules>;
  /** Per dimension, the features and scores its conditions read: what a change reports. */
  reads: Record<string, readonly string[]>;
  /** The points in time at which the rules can decide differently for a silent customer. */
  timers: TimerPoints;
  churn: CompiledChurn;
  /** Absent without a `value` section: then no customer has the predicted-value features. */
  value: ValueSettings | undefined;
}

/** When to wake a silent customer: only where something the rules read can change (timers are not free). */
export interface TimerPoints {
  /** Day windows (7/30/90/365) read by some condition: a bucket leaving one may change a segment. */
  windows: number[];
  /** Days since the last order compared in some condition (lifecycle, recency score). */
  inactivityDays: number[];
  tenureDays: number[];
  /** Days in the current segment compared in some condition. */
  segmentDays: number[];
  /** Churn risks compared in some condition. */
  riskLevels: number[];
}

export class RulesError extends Error {
  override name = 'RulesError';
}

/**
 * Parses, validates and compiles a rules file. Throws a RulesError listing every problem as
 * `<where>:<line>: <field path>: <what is wrong>`.
 */
export function compileRules(text: string, where = 'rules'): CompiledRules {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new RulesError(
      `${where} is not valid YAML:\n${doc.errors.map((e) => `  ${where}:${lines.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`).join('\n')}`,
    );
  }
  const problems: string[] = [];
  const report = (path: ReadonlyArray<string | number>, message: string) =>
    problems.push(`  ${where}:${lineOf(doc, lines, path)}: ${path.join('.') || '(top)'}: ${message}`);
  const parsed = rulesFileSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    for (const issue of parsed.error.issues.flatMap(branchIssues))
      report(
        issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
        issue.message,
      );
    throw new RulesError(`${where} has ${problems.length} problem(s):\n${problems.join('\n')}`);
  }
  const file = parsed.data;
  const known = new Set<string>([...FEATURE_NAMES, ...DERIVED_NAMES]);
  const valueFeatures = new Set<string>(VALUE_FEATURES);
  for (const [industry, values] of Object.entries(file.industry_parameters)) {
    for (const p of Object.keys(values))
      if (!(p in file.parameters)) report(['industry_parameters', industry, p], `"${p}" is not in parameters; give its default there`);
  }
  checkPopulation(file, known, report);
  const compileCondition = (path: Array<string | number>, source: string): Expression | undefined => {
    try {
      const expression = parseExpression(source);
      const { features, parameters } = namesIn(expression);
      for (const f of features)
        if (!known.has(f)) report(path, `unknown feature "${f}" (see FEATURES.md; derived: ${DERIVED_NAMES.join(', ')})`);
      for (const f of features)
        if (file.value === undefined && valueFeatures.has(f))
          report(path, `"${f}" is predicted from the value section: add one (value: horizon_months, discount_rate, gamma_gamma)`);
      for (const p of parameters) if (!(p in file.parameters)) report(path, `unknown parameter "$${p}" (define it under parameters)`);
      return expression;
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
      report(path, err.message);
      return undefined;
    }
  };

  const dimensions: CompiledRules['dimensions'] = [];
  for (const dimension of DIMENSIONS) {
    const d = file.dimensions[dimension];
    if ('attribute' in d) {
      dimensions.push({ name: dimension, attribute: d.attribute, unknown: d.unknown, strategy: d.strategy ?? '' });
      continue;
    }
    const names = new Set<string>();
    const segments: SegmentRule[] = [];
    d.segments.forEach((s, i) => {
      const path = ['dimensions', dimension, 'segments', i];
      if (names.has(s.name) || s.name === d.fallback.name) report([...path, 'name'], `segment "${s.name}" appears twice`);
      names.add(s.name);
      const enter = compileCondition([...path, 'enter'], s.enter);
      const exit = s.exit === undefined ? undefined : compileCondition([...path, 'exit'], s.exit);
      if (enter) segments.push({ name: s.name, strategy: s.strategy, enter, exit, from: s.from });
    });
    names.add(d.fallback.name);
    d.segments.forEach((s, i) => {
      for (const from of s.from ?? [])
        if (!names.has(from)) report(['dimensions', dimension, 'segments', i, 'from'], `"${from}" is not a segment of ${dimension}`);
    });
    dimensions.push({ name: dimension, segments, fallback: d.fallback, minDwellDays: d.min_dwell_days });
  }
  if (problems.length > 0) throw new RulesError(`${where} has ${problems.length} problem(s):\n${problems.join('\n')}`);
  const reads: Record<string, string[]> = {};
  for (const d of dimensions) {
    if ('segments' in d)
      reads[d.name] = [
        ...new Set(d.segments.flatMap((s) => [s.enter, ...(s.exit ? [s.exit] : [])]).flatMap((e) => [...namesIn(e).features])),
      ].sort();
  }
  const timers = timerPoints(file, dimensions);
  return {
    version: versionOf(file),
    source: text,
    file,
    dimensions,
    reads,
    timers,
    churn: compileChurn(file.churn, timers.riskLevels),
    value: file.value === undefined ? undefined : compileValue(file.value),
  };
}

/**
 * A population parameter overrides a default, from a feature the customers have. A parameter and
 * its `_exit` twin are population-relative together, from one feature: otherwise an industry could
 * get its enter from its population and its exit from the defaults (or another feature) and find the
 * exit above the enter. From one feature, thresholds keep the order of their quantiles.
 */
function checkPopulation(
  file: RulesFile,
  known: ReadonlySet<string>,
  report: (path: ReadonlyArray<string | number>, message: string) => void,
): void {
  const configured = file.population?.parameters ?? {};
  for (const [p, { feature }] of Object.entries(configured)) {
    const path = ['population', 'parameters', p];
    if (!(p in file.parameters)) report(path, `"${p}" is not in parameters; give its default there`);
    if (!known.has(feature))
      report([...path, 'feature'], `unknown feature "${feature}" (see FEATURES.md; derived: ${DERIVED_NAMES.join(', ')})`);
    else if (file.value === undefined && (VALUE_FEATURES as readonly string[]).includes(feature))
      report(
        [...path, 'feature'],
        `"${feature}" is predicted from the value section: add one (value: horizon_months, discount_rate, gamma_gamma)`,
      );
    const twin = p.endsWith('_exit') ? p.slice(0, -'_exit'.length) : `${p}_exit`;
    const other = configured[twin];
    if (other === undefined && twin in file.parameters)
      report(path, `"${twin}" must be population-relative too, or an industry's exit could pass its enter`);
    else if (other !== undefined && other.feature !== feature && p.endsWith('_exit'))
      report([...path, 'feature'], `"${p}" must read the feature of "${twin}" (${other.feature})`);
  }
}

/** Scores and what they are computed from, for the timer points. */
const SCORE_INPUTS: Record<string, readonly string[]> = {
  r_score: ['days_since_last_order'],
  f_score: ['orders_365d'],
  m_score: ['order_value_365d'],
  // The cadence reads the order history (its own timer: timeRiskReaches); the other signals read 90-day windows.
  churn_risk: ['orders_90d', 'complaints_opened_90d', 'shipments_delivered_90d', 'value_trend_30d'],
  value_trend_30d: ['order_value_90d'],
  // The predicted value: the cadence and churn risk (above) and the orders of the last 365 days. Between
  // those timers it drifts with the silence; the window edges re-evaluate a silent customer often.
  expected_orders_12m: ['orders_365d', 'churn_risk'],
  expected_order_value: ['order_value_365d'],
  clv_12m: ['expected_orders_12m', 'expected_order_value'],
};

function timerPoints(file: RulesFile, dimensions: CompiledRules['dimensions']): TimerPoints {
  const windows = new Set<number>();
  const days = {
    days_since_last_order: new Set<number>(),
    tenure_days: new Set<number>(),
    days_in_segment: new Set<number>(),
    churn_risk: new Set<number>(),
  };
  const valuesOf = (o: Operand): number[] =>
    o.kind === 'number'
      ? [o.value]
      : o.kind === 'parameter'
        ? [file.parameters[o.name], ...Object.values(file.industry_parameters).map((p) => p[o.name])].filter(
            (v): v is number => v !== undefined,
          )
        : [];
  const feature = (name: string): void => {
    const w = /_(7|30|90|365)d$/.exec(name);
    if (w) windows.add(Number(w[1]));
    for (const input of SCORE_INPUTS[name] ?? []) feature(input);
  };
  const visit = (e: Expression): void => {
    if (e.kind === 'not') return visit(e.term);
    if (e.kind !== 'compare') return e.terms.forEach(visit);
    for (const [side, other] of [
      [e.left, e.right],
      [e.right, e.left],
    ] as const) {
      if (side.kind !== 'feature') continue;
      feature(side.name);
      const target = days[side.name as keyof typeof days] as Set<number> | undefined;
      for (const v of valuesOf(other)) target?.add(side.name === 'churn_risk' ? v : Math.ceil(v));
    }
  };
  for (const d of dimensions)
    if ('segments' in d)
      for (const s of d.segments) {
        visit(s.enter);
        if (s.exit) visit(s.exit);
      }
  for (const cut of file.rfm.recency_days) days.days_since_last_order.add(cut);
  const sorted = (set: Set<number>) => [...set].filter((n) => n > 0).sort((a, b) => a - b);
  return {
    windows: sorted(windows),
    inactivityDays: sorted(days.days_since_last_order),
    tenureDays: sorted(days.tenure_days),
    segmentDays: sorted(days.days_in_segment),
    riskLevels: sorted(days.churn_risk),
  };
}

/**
 * A dimension is either rules or an attribute; when it is neither, zod says only "Invalid input" at
 * the dimension. Report instead the problems of the kind it was meant to be: the branch that knows
 * all its keys, then the one with the fewest problems.
 */
function branchIssues(issue: z.core.$ZodIssue): Array<{ path: PropertyKey[]; message: string }> {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
  const foreignKeys = (branch: z.core.$ZodIssue[]): number =>
    branch.some((i) => i.code === 'unrecognized_keys' && i.path.length === 0) ? 1 : 0;
  const best = issue.errors.reduce((a, b) => ((foreignKeys(b) - foreignKeys(a) || b.length - a.length) < 0 ? b : a));
  return best.flatMap(branchIssues).map((i) => ({ path: [...issue.path, ...i.path], message: i.message }));
}

/** The line of the deepest node of `path` that exists (the parent of a missing field). */
function lineOf(doc: Document, lines: LineCounter, path: ReadonlyArray<string | number>): number {
  for (let n = path.length; n >= 0; n -= 1) {
    const node: unknown = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (node && typeof node === 'object' && 'range' in node && Array.isArray(node.range))
      return lines.linePos(node.range[0] as number).line;
    if (n > 0 && (isMap(node) || isSeq(node))) break;
  }
  return 1;
}

/** sha256 of the canonical JSON of the validated rules (keys sorted), first 12 hex digits. */
export function versionOf(file: RulesFile): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
          )
        : v;
  return createHash('sha256')
    .update(JSON.stringify(canonical(file)))
    .digest('hex')
    .slice(0, 12);
}
