// The live feed (实时动态): segment changes and churn alerts from the stream, newest first, each in
// words with its reasons, and its filters (dimension, segment, alert level, value tier), which
// restart the stream.

import {
  t,
  dimensionName,
  segmentName,
  levelName,
  causeName,
  formatNumber,
  formatPercent,
  formatDateTime,
  formatShortTime,
} from '../i18n.js';
import { $, h, fill, fillSelect, labelText, customerLink, levelBadge } from '../lib/dom.js';
import { state } from '../lib/state.js';
import { reasonInWords, churnReasonNode, changeInWords, alertInWords } from '../lib/words.js';
import { connectStream } from './stream.js';

const FEED_MAX = 200; // items kept in the live feed
const SEEN_MAX = 5000; // ids remembered for de-duplication: more than the feed, so a reconnect's backlog is recognised
const FEED_LEVELS = ['critical', 'warning', 'watch', 'cleared'];

/**
 * Takes a stream event into the feed, newest first (the backlog arrives oldest first and live
 * items after it, so each goes on top). False when it was already shown (a reconnect's backlog).
 */
export function addToFeed(kind, data) {
  const key = kind === 'segment_change' ? data.changeId : data.alertId;
  if (!key || state.seen.has(key)) return false;
  state.seen.add(key);
  if (state.seen.size > SEEN_MAX) state.seen.delete(state.seen.values().next().value);
  state.feed.unshift({ key, kind, data, el: null, live: Date.now() - state.conn.connectedAt > 2000 });
  if (state.feed.length > FEED_MAX) state.feed.length = FEED_MAX;
  return true;
}

export function renderFeed() {
  const list = $('[data-testid="feed"]');
  // Rows are built once and reused: a new event moves nodes instead of rebuilding 200 rows.
  fill(list, ...state.feed.map((item) => (item.el ??= buildFeedItem(item))));
  $('.feed-empty').hidden = state.feed.length > 0;
  $('#feed-count').textContent = state.feed.length > 0 ? t('feed.count', { count: formatNumber(state.feed.length) }) : '';
}

/** The language changed: cached rows hold the old one. */
export function forgetFeedRows() {
  for (const item of state.feed) item.el = null;
}

function buildFeedItem(item) {
  const d = item.data;
  const isAlert = item.kind === 'churn_alert';
  const li = h('li', {
    class: `feed-item kind-${item.kind}${isAlert ? ` level-${d.level}` : ''}${item.live ? ' fresh' : ''}`,
    'data-testid': 'feed-item',
    'data-customer-id': d.customerId,
    'data-kind': item.kind,
  });
  item.live = false; // the highlight plays once, not again when the language changes

  const time = h(
    'time',
    {
      class: 'feed-time',
      datetime: Number.isFinite(d.eventTime) ? new Date(d.eventTime).toISOString() : undefined,
      title: `${t('common.eventTime')} ${formatDateTime(d.eventTime)} · ${t('common.detectedAt')} ${formatDateTime(d.detectedAt)}`,
    },
    formatShortTime(d.eventTime),
  );

  const kindBadge = isAlert ? levelBadge(d.level) : h('span', { class: 'badge kind' }, t('feed.kind.segment_change'));
  const headline = h(
    'div',
    { class: 'feed-line' },
    customerLink(d.customerId),
    ': ',
    h('span', { class: 'feed-what' }, isAlert ? alertInWords(d) : changeInWords(d)),
    isAlert && d.level !== 'cleared' ? h('span', { class: 'risk-chip' }, t('feed.risk', { value: formatPercent(d.riskScore, 0) })) : null,
  );

  const reasons = isAlert
    ? (d.reasons ?? []).map((r) => h('li', {}, churnReasonNode(r)))
    : (d.reasons ?? []).map((r) => h('li', { title: r.condition ?? '' }, reasonInWords(r)));

  const meta = h(
    'div',
    { class: 'feed-meta' },
    d.valueTier ? h('span', {}, segmentName('value_tier', d.valueTier)) : null,
    !isAlert && d.cause ? h('span', {}, `${labelText('common.cause')}${causeName(d.cause)}`) : null,
  );

  li.append(
    h('div', { class: 'feed-head' }, time, kindBadge),
    h(
      'div',
      { class: 'feed-body' },
      headline,
      reasons.length ? h('ul', { class: 'reasons' }, reasons) : null,
      isAlert && d.action ? h('div', { class: 'feed-advice' }, h('strong', {}, labelText('common.action')), d.action) : null,
      !isAlert && d.strategy ? h('div', { class: 'feed-advice' }, h('strong', {}, labelText('common.strategy')), d.strategy) : null,
      meta.childNodes.length ? meta : null,
    ),
  );
  return li;
}

export function renderFilterOptions() {
  const form = $('#feed-filters');
  const { filters } = state;
  const all = [['', t('filter.all')]];
  fillSelect(form.elements.dimension, [...all, ...state.dimensions.map((d) => [d.name, dimensionName(d.name)])], filters.dimension);
  const dimension = state.dimensions.find((d) => d.name === filters.dimension);
  const segmentOptions = dimension
    ? [...all, ...dimension.segments.map((seg) => [seg, segmentName(dimension.name, seg)])]
    : [['', t('filter.pickDimension')]];
  fillSelect(form.elements.segment, segmentOptions, filters.segment);
  form.elements.segment.disabled = !dimension;
  fillSelect(form.elements.level, [...all, ...FEED_LEVELS.map((l) => [l, levelName(l)])], filters.level);
  const tiers = state.dimensions.find((d) => d.name === 'value_tier')?.segments ?? ['high', 'medium', 'low'];
  fillSelect(form.elements.valueTier, [...all, ...tiers.map((v) => [v, segmentName('value_tier', v)])], filters.valueTier);
}

function onFilterChange() {
  const form = $('#feed-filters');
  const next = {
    dimension: form.elements.dimension.value,
    segment: form.elements.segment.value,
    level: form.elements.level.value,
    valueTier: form.elements.valueTier.value,
  };
  if (next.dimension !== state.filters.dimension) next.segment = ''; // a segment belongs to its dimension
  applyFilters(next);
}

function applyFilters(next) {
  const changed = Object.keys(next).some((k) => next[k] !== state.filters[k]);
  state.filters = next;
  renderFilterOptions();
  if (!changed) return;
  // The server re-sends its backlog for the new filter: start from an empty feed.
  state.feed = [];
  state.seen.clear();
  state.conn.attempt = 0;
  renderFeed();
  connectStream();
}

export function bindFeedFilters() {
  const filters = $('#feed-filters');
  filters.addEventListener('change', onFilterChange);
  filters.addEventListener('reset', (e) => {
    e.preventDefault();
    applyFilters({ dimension: '', segment: '', level: '', valueTier: '' });
  });
  filters.addEventListener('submit', (e) => e.preventDefault());
}
