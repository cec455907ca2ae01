import type { ChurnAlert, ChurnReason, FeatureSnapshot, OutputCause, SegmentChange } from '@segmentation/contracts';
import { nextAlertLevel, type AlertLevel } from '../churn/alert-level.ts';
import { assessChurn, type ChurnDriver } from '../churn/churn-risk.ts';
import type { BusinessCalendar } from '../features/buckets.ts';
import { featureValues, profileAttributes } from '../features/customer-features.ts';
import type { CustomerRecord, Membership } from '../features/feature-record.ts';
import { nextEvaluationTime } from '../features/next-evaluation.ts';
import { evaluateDimension } from './dimension.ts';
import type { AttributeDimensionRules, CompiledRules } from './rules-file.ts';

// Evaluating one customer at one point of the log (after an event, or at a timer): every dimension,
// the churn risk and its alert level, and the periodic feature snapshot. Pure: the outputs and the
// new record depend only on the record, the time and the rules, so replays and other instances
// decide the same, with the same ids (customer/dimension/sequence, customer/churn/sequence,
// customer/snapshot/sequence).

/** Entries of `record.memberships` that are not dimensions: the alert level, the snapshot count and
 *  the last rules control record the customer was re-evaluated at (customer-state.ts, applyRules). */
export const CHURN_ALERT_KEY = 'churn_alert';
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
  const parameters = { ...file.parameters, ...(attributes.industry ? file.industry_parameters[attributes.industry] : undefined) };
  if (features.days_since_last_order !== undefined) features.r_score = 5 - countBelowOrAt(file.rfm.recency_days, features.days_since_last_order);
  features.f_score = 1 + countBelowOrAt(file.rfm.frequency_orders_365d, features.orders_365d ?? 0);
  features.m_score = 1 + countBelowOrAt(file.rfm.monetary_value_365d, features.order_value_365d ?? 0);
  const churn = assessChurn(features, at, {
    timeUnitDays: file.churn.time_unit_days,
    bgnbd: file.churn.bgnbd,
    serviceWeights: file.churn.service_weights,
  });
  if (churn.pAlive !== undefined) features.p_alive = churn.pAlive;
  features.churn_risk = churn.risk;
  return { features, attributes, parameters, churn };
}

/** How many cut points are at or below the value (0–4). */
const countBelowOrAt = (cuts: readonly number[], value: number): number => cuts.filter((c) => c <= value).length;

export function evaluateCustomer(rules: CompiledRules, customerId: string, record: CustomerRecord, at: number, cause: EvaluationCause, calendar: BusinessCalendar): Evaluated {
  const { features, attributes, parameters, churn } = valuesAt(rules, record, at, calendar);
  const memberships: Record<string, Membership> = { ...record.memberships };
  const outputs: CustomerOutputs = { changes: [], alerts: [], snapshots: [] };
  const wakeUps: number[] = [];
  const common = { customerId, cause: cause.kind, causeEventId: cause.eventId, ruleVersion: rules.version, eventTime: at };

  const values = { features: features as Record<string, number | undefined>, parameters };
  for (const dimension of rules.dimensions) {
    const current = memberships[dimension.name];
    // One shared object, the time in segment set per dimension: copying ~60 features nine times per
    // evaluation was the largest cost of the segmenter.
    values.features.days_in_segment = current ? Math.floor((at - current.since) / DAY_MS) : 0;
    const verdict = 'attribute' in dimension
      ? attributeVerdict(dimension, attributes)
      : evaluateDimension(dimension, values, current, at);
    if ('heldUntil' in verdict && verdict.heldUntil !== null) wakeUps.push(verdict.heldUntil);
    if (current) for (const days of rules.timers.segmentDays) wakeUps.push(current.since + days * DAY_MS);
    if (verdict.segment === current?.segment) continue;
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
      features: pick(features, rules.reads[dimension.name] ?? []),
      strategy: verdict.strategy,
      reasons: verdict.reasons,
      flags: verdict.flags,
    });
  }

  delete values.features.days_in_segment;

  const alertState = memberships[CHURN_ALERT_KEY];
  const currentLevel = alertState && alertState.segment !== NO_ALERT ? (alertState.segment as AlertLevel) : null;
  const decision = nextAlertLevel(currentLevel, alertState?.since ?? null, churn.risk, at, rules.file.churn.levels, rules.file.churn.cooldown_days);
  if (decision.heldUntil !== null) wakeUps.push(decision.heldUntil);
  if (decision.level !== currentLevel) {
    const sequence = (alertState?.sequence ?? 0) + 1;
    memberships[CHURN_ALERT_KEY] = { segment: decision.level ?? NO_ALERT, sequence, rule: `churn.${decision.level ?? 'cleared'}`, since: at };
    const valueTier = memberships.value_tier?.segment ?? null;
    const mainCause = churn.drivers[0]?.code;
    const actions = valueTier === null ? undefined : rules.file.churn.actions[valueTier];
    outputs.alerts.push({
      ...common,
      alertId: `${customerId}/churn/${sequence}`,
      level: decision.level ?? 'cleared',
      previousLevel: currentLevel,
      riskScore: churn.risk,
      sequence,
      reasons: churn.drivers.map((d) => churnReason(d, features)),
      valueTier,
      action: decision.level === null || actions === undefined ? '' : mainCause === 'inactivity' ? actions.inactivity : actions.service,
    });
  }

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
      segments: Object.fromEntries(rules.dimensions.map((d) => [d.name, memberships[d.name]?.segment ?? ''])),
      ruleVersion: rules.version,
      eventTime: at,
    });
  }

  const windows = nextEvaluationTime(record.features, at, calendar, rules.timers);
  const next = Math.min(windows ?? Number.POSITIVE_INFINITY, ...wakeUps.filter((t) => t > at));
  return { record: { ...record, memberships, nextEvaluationAt: Number.isFinite(next) ? next : null }, outputs };
}

/** The named values that exist (a change reports what its dimension's rules read). */
function pick(features: Record<string, number>, names: readonly string[]): Record<string, number> {
  const picked: Record<string, number> = {};
  for (const n of names) { const v = features[n]; if (v !== undefined) picked[n] = v; }
  return picked;
}

function attributeVerdict(d: AttributeDimensionRules, attributes: Record<string, string>) {
  const value = attributes[d.attribute];
  const segment = value === undefined || value === '' ? d.unknown : value;
  return { segment, strategy: d.strategy, rule: `${d.name}.${d.attribute}`, reasons: [], flags: [] };
}

const percent = (v: number): string => `${Math.round(v * 100)}%`;

/** A reason an operations manager reads in the alert (流失原因分析), with the value behind it. */
function churnReason(d: ChurnDriver, f: Record<string, number>): ChurnReason {
  switch (d.code) {
    case 'inactivity':
      return { code: d.code, value: d.value, text: `No order for ${d.value} days (${d.value}天未下单); chance the customer still orders: ${percent(f.p_alive ?? 1)}` };
    case 'late_deliveries':
      return { code: d.code, value: d.value, text: `${percent(d.value)} of deliveries late in the last 90 days (延误)` };
    case 'damage_or_loss':
      return { code: d.code, value: d.value, text: `${d.value} shipment(s) damaged or lost in the last 90 days (货物损坏或丢失)` };
    case 'complaints':
      return { code: d.code, value: d.value, text: `${d.value} complaint(s) in the last 30 days (投诉)` };
    case 'open_complaints':
      return { code: d.code, value: d.value, text: `${d.value} complaint(s) still unresolved (未解决投诉)` };
    case 'low_satisfaction':
      return { code: d.code, value: d.value, text: `Low satisfaction: ${f.satisfaction_score_mean !== undefined ? `mean score ${f.satisfaction_score_mean} of 5` : `NPS ${f.nps_latest}`} (满意度低)` };
  }
}

