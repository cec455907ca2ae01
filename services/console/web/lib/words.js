// Values and events in an operations manager's words: feature values by their kind (money, share,
// time), rule reasons, churn reasons, segment changes and alerts.

import {
  t,
  locale,
  featureName,
  segmentName,
  dimensionName,
  levelName,
  reasonCodeName,
  episodeEventName,
  formatNumber,
  formatPercent,
  formatDateTime,
} from '../i18n.js';
import { h } from './dom.js';

/** How a feature's value reads: money, a share, a time or a plain number. */
function featureKind(name) {
  if (/_at$/.test(name)) return 'time';
  if (name === 'value_trend_30d') return 'trend';
  if (/^(return_rate|cancellation_rate|share_|on_time_rate)/.test(name) || ['p_alive', 'churn_risk', 'silence_probability'].includes(name))
    return 'share';
  if (/^(order_value_|lifetime_value|avg_order_value|expected_order_value|clv_)/.test(name)) return 'money';
  return 'number';
}

export function formatFeatureValue(name, value) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return value === undefined || value === null ? '—' : String(value);
  switch (featureKind(name)) {
    case 'time':
      return formatDateTime(value, { seconds: false });
    case 'share':
      return formatPercent(value);
    case 'trend':
      return new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 0, signDisplay: 'exceptZero' }).format(value);
    case 'money':
      return formatNumber(value, 0);
    default:
      return formatNumber(value, 2);
  }
}

const OPERATOR_SYMBOLS = { '>=': '≥', '<=': '≤', '==': '=', '!=': '≠', '>': '>', '<': '<' };

/**
 * A rule reason in words, from the structure the API computed with the rules engine's own parser:
 * {feature: "order_value_365d", operator: ">=", value: 21300, threshold: 20000, holds: true} →
 * "近365天订单金额 21,300 ≥ 20,000". The operator already reads from the feature (mirrored by the
 * server when the condition had the feature on its right).
 */
export function reasonInWords(reason) {
  const feature = reason.feature ?? '';
  const value = formatFeatureValue(feature, reason.value);
  const symbol = OPERATOR_SYMBOLS[reason.operator];
  if (!symbol) return `${featureName(feature)} ${value}${reason.condition ? ` (${reason.condition})` : ''}`;
  const words = `${featureName(feature)} ${value} ${symbol} ${formatFeatureValue(feature, reason.threshold)}`;
  // A move into a fallback segment is explained by the entry conditions of the others that failed:
  // say so, or "0 ≥ 20" reads as a false statement.
  return reason.holds === false ? `${words}${t('reason.notMet')}` : words;
}

/** A churn reason: the server's text (already bilingual) under the cause's name in this language. */
export function churnReasonNode(reason) {
  return h(
    'span',
    { class: 'churn-reason' },
    h('span', { class: 'reason-code' }, reasonCodeName(reason.code)),
    reason.text ? ` ${reason.text}` : reason.value !== null && reason.value !== undefined ? ` ${formatNumber(reason.value)}` : '',
  );
}

/** "C-123: 客户价值 中价值客户 → 高价值客户" without the customer: the words after the id. */
export function changeInWords(change) {
  const to = segmentName(change.dimension, change.toSegment);
  const what =
    change.fromSegment === null || change.fromSegment === undefined
      ? t('feed.firstSegment', { to })
      : `${segmentName(change.dimension, change.fromSegment)} → ${to}`;
  return [h('span', { class: 'feed-dimension' }, dimensionName(change.dimension)), ' ', what];
}

export function alertInWords(alert) {
  const was = alert.previousLevel ? t('feed.alertWas', { level: levelName(alert.previousLevel) }) : '';
  // What the alert did to its episode (升级, 降级 …): alerts from before episodes have none.
  const episode = alert.episodeEvent ? ` · ${t('feed.episode', { event: episodeEventName(alert.episodeEvent) })}` : '';
  if (alert.level === 'cleared') return `${t('feed.alertCleared')}${was}${episode}`;
  return `${t('feed.alert', { level: levelName(alert.level) })}${was}${episode}`;
}
