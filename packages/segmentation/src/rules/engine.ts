import type { ChurnAlert, ChurnReason, FeatureSnapshot, OutputCause, SegmentChange } from '@segmentation/contracts';
import { stepEpisode, type EpisodeState } from '../churn/alert-episode.ts';
import { rateOf, type CadenceBase, type CadenceSettings } from '../churn/cadence.ts';
import {
  assessChurn,
  churnHorizonDays,
  churnInputs,
  ORDERING_CAUSES,
  timeRiskReaches,
  usualGapDays,
  type ChurnAssessment,
  type ChurnDriver,
  type ChurnInputs,
} from '../churn/churn-model.ts';
import type { BusinessCalendar } from '../features/buckets.ts';
import { featureValues, profileAttributes } from '../features/customer-features.ts';
import type { CustomerRecord, Membership } from '../features/feature-record.ts';
import { nextEvaluationTime } from '../features/next-evaluation.ts';
import { decideSegment, evaluateDimension } from './dimension.ts';
import { featureOf, type Values } from './expression.ts';
import type { AttributeDimensionRules, CompiledRules } from './rules-file.ts';
import { predictValue, type PredictedValue, type ValueSettings } from '../value/customer-value.ts';

// Evaluating one customer at one point of the log (after an event, or at a timer): every dimension,
// the churn risk and its alert level, and the periodic feature snapshot. Pure: the outputs and the
// new record depend only on the record, the time and the rules, so replays and other instances
// decide the same, with the same ids (customer/dimension/sequence, customer/churn/sequence,
// customer/snapshot/sequence).

/** Entries of `record.memberships` that are not dimensions: the alert level, the alert episode, the
 *  snapshot count and the last rules control record the customer was re-evaluated at (customer-state.ts, applyRules). */
export const CHURN_ALERT_KEY = 'churn_alert';
export const CHURN_EPISODE_KEY = 'churn_episode';
export const SNAPSHOT_KEY = 'feature_snapshot';
export const RULES_KEY = 'rules';
const NO_ALERT = 'none';
const DAY_MS = 86_400_000;

export interface EvaluationCause {
  kind: OutputCause;
  eventId: string | null;
}

export interface CustomerOutputs {
  changes: Array<Omit<SegmentChange, 'detectedAt'>>;
  alerts: Array<Omit<ChurnAlert, 'detectedAt'>>;
  snapshots: Array<Omit<FeatureSnapshot, 'detectedAt'>>;
}

export interface Evaluated {
  record: CustomerRecord;
  outputs: CustomerOutputs;
}

/** Features, profile attributes and the derived scores the rules read, at event time `at`. */
function valuesAt(rules: CompiledRules, record: CustomerRecord, at: number, calendar: BusinessCalendar) {
  const features: Record<string, number> = featureValues(record.features, at, calendar);
  const attributes = profileAttributes(record.features);
  const file = rules.file;
  const parameters = parametersFor(rules, attributes.industry);
  if (features.days_since_last_order !== undefined)
    features.r_score = 5 - countBelowOrAt(file.rfm.recency_days, features.days_since_last_order);
  features.f_score = 1 + countBelowOrAt(file.rfm.frequency_orders_365d, features.orders_365d ?? 0);
  features.m_score = 1 + countBelowOrAt(file.rfm.monetary_value_365d, features.order_value_365d ?? 0);
  const cadence = rules.churn.cadenceFor(attributes.industry);
  const inputs = churnInputs(features, record.features, at, calendar.dayOf, cadence);
  const churn = assessChurn(inputs, rules.churn.model, features);
  features.churn_risk = churn.risk;
  if (inputs.cadence) {
    features.silence_probability = Math.round(Math.exp(-inputs.cadence.silence.surprise) * 10_000) / 10_000;
    if (rules.value) {
      // Stored one by one: Object.assign's keyed stores turned the ~70-key object into a slow dictionary.
      const value = predictedValue(rules.value, rules, record, features, inputs.cadence.base);
      features.expected_orders_12m = value.expected_orders_12m;
      features.expected_order_value = value.expected_order_value;
      features.clv_12m = value.clv_12m;
    }
  }
  return { features, attributes, parameters, churn, inputs, cadence };
}

// The rules' parameters with an industry's overrides, merged once per rules version and industry
// (read only by the conditions): merging them at every evaluation showed in the segmenter's profile.
const mergedParameters = new WeakMap<CompiledRules, Map<string, Readonly<Record<string, number>>>>();
function parametersFor(rules: CompiledRules, industry: string | undefined): Readonly<Record<string, number>> {
  let byIndustry = mergedParameters.get(rules);
  if (byIndustry === undefined) mergedParameters.set(rules, (byIndustry = new Map<string, Readonly<Record<string, number>>>()));
  const key = industry ?? '';
  let merged = byIndustry.get(key);
  if (merged === undefined) {
    merged = Object.freeze({ ...rules.file.parameters, ...(industry ? rules.file.industry_parameters[industry] : undefined) });
    byIndustry.set(key, merged);
  }
  return merged;
}

/** Expected orders, order value and CLTV (value/customer-value.ts) from the churn model's own cadence and risk. */
function predictedValue(
  settings: ValueSettings,
  rules: CompiledRules,
  record: CustomerRecord,
  features: Record<string, number>,
  base: CadenceBase,
): PredictedValue {
  const orders = features.orders_365d ?? 0;
  const orderingDays = record.features.orderDays.length;
  return predictValue(settings, {
    orderingDaysPerDay: rateOf(base),
    ordersPerOrderingDay: orderingDays > 0 ? Math.max(1, orders / orderingDays) : 1,
    churnRisk: features.churn_risk ?? 0,
    churnHorizonDays: churnHorizonDays(rules.churn.model.horizon, base),
    orders,
    meanOrderValue: orders > 0 ? (features.order_value_365d ?? 0) / orders : 0,
  });
}

/**
 * A customer's features with the derived scores the rules read (RFM scores, churn risk, predicted
 * value), as the engine computes them at `at`: for readers that show a customer (the console).
 */
export function customerValues(
  rules: CompiledRules,
  record: CustomerRecord,
  at: number,
  calendar: BusinessCalendar,
): { features: Record<string, number>; attributes: Record<string, string> } {
  const { features, attributes } = valuesAt(rules, record, at, calendar);
  return { features, attributes };
}

/** How many cut points are at or below the value (0–4). */
function countBelowOrAt(cuts: readonly number[], value: number): number {
  let n = 0;
  for (const c of cuts) if (c <= value) n += 1;
  return n;
}

export function evaluateCustomer(
  rules: CompiledRules,
  customerId: string,
  record: CustomerRecord,
  at: number,
  cause: EvaluationCause,
  calendar: BusinessCalendar,
): Evaluated {
  const { features, attributes, parameters, churn, inputs, cadence } = valuesAt(rules, record, at, calendar);
  const memberships: Record<string, Membership> = { ...record.memberships };
  const outputs: CustomerOutputs = { changes: [], alerts: [], snapshots: [] };
  const wakeUps: number[] = [];
  const common = { customerId, cause: cause.kind, causeEventId: cause.eventId, ruleVersion: rules.version, eventTime: at };

  const values: Values = { features, parameters };
  for (const dimension of rules.dimensions) {
    const current = memberships[dimension.name];
    // One shared object, the time in segment set per dimension: copying ~60 features nine times per
    // evaluation was the largest cost of the segmenter.
    values.daysInSegment = current ? Math.floor((at - current.since) / DAY_MS) : 0;
    const decided =
      'attribute' in dimension
        ? { segment: attributeSegment(dimension, attributes), heldUntil: null }
        : decideSegment(dimension, values, current, at);
    if (decided.heldUntil !== null) wakeUps.push(decided.heldUntil);
    if (current) for (const days of rules.timers.segmentDays) wakeUps.push(current.since + days * DAY_MS);
    if (decided.segment === current?.segment) continue;
    // Explained only when it changes (dimension.ts, decideSegment, says why); deciding again is cheap.
    const verdict = 'attribute' in dimension ? attributeVerdict(dimension, attributes) : evaluateDimension(dimension, values, current, at);
    const sequence = (current?.sequence ?? 0) + 1;
    memberships[dimension.name] = { segment: verdict.segment, sequence, rule: verdict.rule, since: at };
    outputs.changes.push({
      ...common,
      changeId: `${customerId}/${dimension.name}/${sequence}`,
      dimension: dimension.name,
      fromSegment: current?.segment ?? null,
      toSegment: verdict.segment,
      sequence,
      rule: verdict.rule,
      features: pick(values, rules.reads[dimension.name] ?? []),
      strategy: verdict.strategy,
      reasons: verdict.reasons,
      flags: verdict.flags,
    });
  }

  const alert = decideAlert(rules, customerId, memberships, churn, features, at);
  if (alert.message) outputs.alerts.push({ ...common, ...alert.message });
  if (alert.wakeAt !== null) wakeUps.push(alert.wakeAt);

  const snapshotState = memberships[SNAPSHOT_KEY];
  const due = snapshotState === undefined || at - snapshotState.since >= rules.file.snapshots.interval_days * DAY_MS;
  if (due || outputs.changes.length > 0 || outputs.alerts.length > 0) {
    const sequence = (snapshotState?.sequence ?? 0) + 1;
    memberships[SNAPSHOT_KEY] = { segment: '', sequence, rule: '', since: at };
    outputs.snapshots.push({
      snapshotId: `${customerId}/snapshot/${sequence}`,
      customerId,
      features,
      attributes,
      segments: segmentsOf(rules, memberships),
      ruleVersion: rules.version,
      eventTime: at,
    });
  }

  const windows = nextEvaluationTime(record.features, at, calendar, rules.timers);
  let earliest = windows ?? Number.POSITIVE_INFINITY;
  for (const t of wakeUps) if (t > at && t < earliest) earliest = t;
  // The time the risk reaches its next level matters only if it comes first; its search stops as
  // soon as it knows it does not (it ran to the end at every evaluation, the most costly step).
  const riskChange = nextRiskLevelTime(rules, inputs, cadence, churn.risk, at, calendar, earliest);
  const next = riskChange !== null && riskChange < earliest ? riskChange : earliest;
  return { record: { ...record, memberships, nextEvaluationAt: Number.isFinite(next) ? next : null }, outputs };
}

/** The segment of every dimension, '' where there is none yet, in the rules' order. */
function segmentsOf(rules: CompiledRules, memberships: Readonly<Record<string, Membership>>): Record<string, string> {
  const segments: Record<string, string> = {};
  for (const d of rules.dimensions) segments[d.name] = memberships[d.name]?.segment ?? '';
  return segments;
}

/** The named values that exist (a change reports what its dimension's rules read). */
function pick(values: Values, names: readonly string[]): Record<string, number> {
  const picked: Record<string, number> = {};
  for (const n of names) {
    const v = featureOf(values, n);
    if (v !== undefined) picked[n] = v;
  }
  return picked;
}

function attributeSegment(d: AttributeDimensionRules, attributes: Record<string, string>): string {
  const value = attributes[d.attribute];
  return value === undefined || value === '' ? d.unknown : value;
}

function attributeVerdict(d: AttributeDimensionRules, attributes: Record<string, string>) {
  return { segment: attributeSegment(d, attributes), strategy: d.strategy, rule: `${d.name}.${d.attribute}`, reasons: [], flags: [] };
}

/** The episode's step at this evaluation, kept in the record, and the alert message it sends, if any. */
function decideAlert(
  rules: CompiledRules,
  customerId: string,
  memberships: Record<string, Membership>,
  churn: ChurnAssessment,
  features: Record<string, number>,
  at: number,
) {
  const alertState = memberships[CHURN_ALERT_KEY];
  const previous = episodeOf(memberships);
  const step = stepEpisode(previous, churn.risk, at, rules.churn.episode);
  if (step.event === null) {
    if (previous?.open || step.state.open) memberships[CHURN_EPISODE_KEY] = episodeMembership(step.state);
    return { message: undefined, wakeAt: step.wakeAt };
  }
  const sequence = (alertState?.sequence ?? 0) + 1;
  const level = step.state.level;
  memberships[CHURN_ALERT_KEY] = { segment: level ?? NO_ALERT, sequence, rule: `churn.${level ?? 'cleared'}`, since: at };
  memberships[CHURN_EPISODE_KEY] = episodeMembership(step.state);
  const valueTier = memberships.value_tier?.segment ?? null;
  const mainCause = churn.drivers[0]?.code;
  const actions = valueTier === null ? undefined : rules.file.churn.actions[valueTier];
  const message = {
    alertId: `${customerId}/churn/${sequence}`,
    level: level ?? ('cleared' as const),
    previousLevel: previous?.open ? previous.level : null,
    riskScore: churn.risk,
    sequence,
    reasons: churn.drivers.map((d) => churnReason(d, features, churn)),
    valueTier,
    action:
      level === null || actions === undefined
        ? ''
        : mainCause !== undefined && ORDERING_CAUSES.has(mainCause)
          ? actions.inactivity
          : actions.service,
    episodeId: `${customerId}/episode/${step.state.number}`,
    episodeEvent: step.event,
  };
  return { message, wakeAt: step.wakeAt };
}

/** The alert episode kept in two memberships: the level (churn_alert) and the episode (churn_episode:
 *  segment open, calm (open, recovering since `since`) or closed (since the close); rule = the peak). */
function episodeOf(memberships: Record<string, Membership>): EpisodeState | undefined {
  const alert = memberships[CHURN_ALERT_KEY];
  const episode = memberships[CHURN_EPISODE_KEY];
  const level = alert && alert.segment !== NO_ALERT ? (alert.segment as EpisodeState['level']) : null;
  if (episode === undefined) {
    // Kept before episodes existed: an alert level still up is an open episode, the first.
    return level === null
      ? undefined
      : { number: 1, open: true, level, peak: level, levelSince: alert!.since, calmSince: null, closedAt: null };
  }
  const open = episode.segment !== 'closed';
  return {
    number: episode.sequence,
    open,
    level,
    peak: (episode.rule || null) as EpisodeState['peak'],
    levelSince: alert?.since ?? episode.since,
    calmSince: episode.segment === 'calm' ? episode.since : null,
    closedAt: open ? null : episode.since,
  };
}

function episodeMembership(e: EpisodeState): Membership {
  if (!e.open) return { segment: 'closed', sequence: e.number, rule: e.peak ?? '', since: e.closedAt ?? e.levelSince };
  return { segment: e.calmSince === null ? 'open' : 'calm', sequence: e.number, rule: e.peak ?? '', since: e.calmSince ?? e.levelSince };
}

/** When the silence alone next takes the risk to a level some decision switches at. */
function nextRiskLevelTime(
  rules: CompiledRules,
  inputs: ChurnInputs,
  cadence: CadenceSettings,
  risk: number,
  at: number,
  calendar: BusinessCalendar,
  before: number,
): number | null {
  const level = rules.churn.riskLevels.find((l) => l > risk);
  if (level === undefined) return null;
  return timeRiskReaches(level, inputs, rules.churn.model, at, calendar.dayOf, cadence, before);
}

const percent = (v: number): string => `${Math.round(v * 100)}%`;

/** A reason an operations manager reads in the alert (流失原因分析), with the value behind it. */
function churnReason(d: ChurnDriver, f: Record<string, number>, churn: ChurnAssessment): ChurnReason {
  const base = churn.cadence?.base;
  switch (d.code) {
    case 'inactivity': {
      const usual = base === undefined ? '' : `, usually every ${Math.max(1, Math.round(usualGapDays(base)))} days (平常间隔)`;
      return {
        code: d.code,
        value: d.value,
        text: `No order for ${d.value} days (${d.value}天未下单)${usual}; a silence this long while ordering as usual: ${percent(f.silence_probability ?? 1)}`,
      };
    }
    case 'declining_orders':
      return { code: d.code, value: d.value, text: `Ordering at ${percent(d.value)} of the customer's usual rate (下单频率下降)` };
    case 'declining_value':
      return {
        code: d.code,
        value: d.value,
        text: `Order value of the last 30 days ${percent(-d.value)} below the 60 days before (下单金额下降)`,
      };
    case 'detractor':
      return { code: d.code, value: d.value, text: `Recent NPS answers are detractors (${percent(d.value)}, 贬损者)` };
    case 'late_deliveries':
      return { code: d.code, value: d.value, text: `${percent(d.value)} of deliveries late in the last 90 days (延误)` };
    case 'damage_or_loss':
      return {
        code: d.code,
        value: d.value,
        text: `${d.value} shipment(s) damaged or lost in the last 90 days, ${percent(churn.signals.damage_loss_share)} of its shipments (货物损坏或丢失)`,
      };
    case 'complaints':
      return {
        code: d.code,
        value: d.value,
        text: `${d.value} complaint(s) in the last 90 days, ${Math.round(churn.signals.complaint_rate * 100)} per 100 orders (投诉)`,
      };
    case 'open_complaints':
      return { code: d.code, value: d.value, text: `A complaint unresolved for ${d.value} days (未解决投诉)` };
    case 'low_satisfaction':
      return { code: d.code, value: d.value, text: `Low satisfaction recently: ${d.value} of 5, recent answers weighing more (满意度低)` };
  }
}
