// The drill-down (客户详情) at #/customer/<id>: the customer's profile, churn risk, predicted value
// (CLTV), segments with why, features and timeline.

import {
  t,
  dimensionName,
  segmentName,
  featureName,
  levelName,
  reasonCodeName,
  timelineKindName,
  episodeEventName,
  profileValue,
  FEATURE_ORDER,
  formatDateTime,
} from '../i18n.js';
import { api, errorText } from '../lib/api.js';
import { $, h, fill, card, cardMessage, labelText, levelBadge, riskMeter } from '../lib/dom.js';
import { state, timers } from '../lib/state.js';
import { formatFeatureValue, reasonInWords, churnReasonNode } from '../lib/words.js';

/** Shows the customer `id`, or nothing (null) when the drill-down closes. */
export function openDetail(id) {
  if (id === null) {
    state.detail = { id: null, data: null, error: null, notFound: false, seq: state.detail.seq + 1 };
    fill($('#view-customer')); // the drill-down root exists only while a customer is shown
    return;
  }
  if (id !== state.detail.id) {
    state.detail = { id, data: null, error: null, notFound: false, seq: state.detail.seq + 1 };
    window.scrollTo(0, 0);
  }
  renderDetail();
  if (state.running) loadDetail();
}

export async function loadDetail() {
  const { id } = state.detail;
  if (!id) return;
  const seq = ++state.detail.seq;
  try {
    const data = await api(`/api/customers/${encodeURIComponent(id)}`);
    if (seq !== state.detail.seq) return; // the manager has moved on to another customer
    Object.assign(state.detail, { data, error: null, notFound: false });
  } catch (err) {
    if (seq !== state.detail.seq || err.status === 401) return;
    Object.assign(state.detail, { error: err, notFound: err.status === 404 });
  }
  renderDetail();
}

/** A change or alert for the customer on screen: reload it, once per burst. */
export function scheduleDetailRefresh() {
  clearTimeout(timers.detailSoon);
  timers.detailSoon = setTimeout(loadDetail, 1500);
}

export function renderDetail() {
  const { id, data, error, notFound } = state.detail;
  const view = $('#view-customer');
  if (!id) return;
  const root = h('section', { class: 'detail', 'data-testid': 'customer-detail', 'data-customer-id': id });
  const header = h(
    'header',
    { class: 'detail-head' },
    h('a', { href: '#/', class: 'back-link' }, t('detail.back')),
    h('h2', {}, t('detail.title', { id })),
    data?.asOf ? h('span', { class: 'muted' }, t('detail.asOf', { time: formatDateTime(data.asOf) })) : null,
    h('button', { type: 'button', class: 'link-button', onclick: loadDetail }, t('detail.refresh')),
  );
  root.append(header);

  if (!data) {
    if (notFound) root.append(cardMessage(t('detail.notFound', { id }), { error: true }));
    else if (error) root.append(cardMessage(errorText(error), { error: true, retry: loadDetail }));
    else root.append(cardMessage(t('detail.loading', { id })));
    fill(view, root);
    return;
  }
  if (error) root.append(cardMessage(errorText(error), { error: true, retry: loadDetail }));
  root.append(
    h(
      'div',
      { class: 'detail-grid' },
      h(
        'div',
        { class: 'detail-col' },
        profileCard(data.profile ?? {}),
        churnCard(data.churn),
        valueCard(data.features ?? {}),
        explanationCard(data.segments ?? []),
      ),
      h('div', { class: 'detail-col' }, featuresCard(data.features ?? {}), timelineCard(data.timeline ?? [])),
    ),
  );
  fill(view, root);
}

// The profile comes from the live state (snake_case keys) or the API contract (camelCase): accept both.
const PROFILE_FIELDS = [
  ['industry', ['industry']],
  ['customerType', ['customerType', 'customer_type']],
  ['country', ['country']],
  ['region', ['region']],
  ['accountManager', ['accountManager', 'account_manager']],
];

function profileCard(profile) {
  const rows = PROFILE_FIELDS.map(([field, keys]) => [
    field,
    keys.map((k) => profile[k]).find((v) => v !== undefined && v !== null && v !== ''),
  ])
    .filter(([, value]) => value !== undefined)
    .map(([field, value]) => h('div', { class: 'kv' }, h('dt', {}, t(`detail.profile.${field}`)), h('dd', {}, profileValue(field, value))));
  return card(
    'detail.profile',
    { class: 'card profile-card' },
    rows.length ? h('dl', { class: 'kv-list' }, rows) : h('p', { class: 'empty' }, t('detail.profile.none')),
  );
}

function churnCard(churn) {
  if (!churn) return card('detail.churn', { class: 'card churn-card' }, h('p', { class: 'empty' }, t('detail.churn.none')));
  return card(
    'detail.churn',
    { class: `card churn-card level-${churn.level}` },
    h(
      'div',
      { class: 'churn-summary' },
      levelBadge(churn.level),
      h('span', { class: 'muted' }, t('detail.churn.score')),
      riskMeter(churn.riskScore, churn.level),
      churn.eventTime ? h('span', { class: 'muted' }, `${t('detail.churn.since')} ${formatDateTime(churn.eventTime)}`) : null,
      churn.episodeId
        ? h('span', { class: 'muted', title: churn.episodeId }, `${labelText('alerts.col.episode')}${episodeEventName(churn.episodeEvent)}`)
        : null,
    ),
    churn.reasons?.length
      ? h(
          'div',
          {},
          h('h4', {}, t('detail.churn.reasons')),
          h(
            'ul',
            { class: 'reasons' },
            churn.reasons.map((r) => h('li', {}, churnReasonNode(r))),
          ),
        )
      : null,
    churn.action ? h('p', { class: 'feed-advice' }, h('strong', {}, labelText('common.action')), churn.action) : null,
  );
}

/** The predicted value (客户终身价值, CLTV) the value tier reads beside the realised one: absent without an order. */
const CLTV_FEATURES = ['clv_12m', 'expected_orders_12m', 'expected_order_value'];

function valueCard(features) {
  if (typeof features.clv_12m !== 'number')
    return card('detail.cltv', { class: 'card value-card', 'data-testid': 'cltv' }, h('p', { class: 'empty' }, t('detail.cltv.none')));
  return card(
    'detail.cltv',
    { class: 'card value-card', 'data-testid': 'cltv' },
    h(
      'dl',
      { class: 'kv-list' },
      CLTV_FEATURES.map((name) =>
        h(
          'div',
          { class: 'kv', 'data-feature': name },
          h('dt', { title: name }, featureName(name)),
          h('dd', { class: 'num' }, formatFeatureValue(name, features[name])),
        ),
      ),
    ),
    h('p', { class: 'muted small' }, t('detail.cltv.note')),
  );
}

/** Current segments with since-time, strategy and why (reasons in words and the flags). */
function explanationCard(segments) {
  const blocks = segments.map((seg) =>
    h(
      'div',
      { class: 'explain-block', 'data-dimension': seg.dimension },
      h(
        'div',
        { class: 'explain-head' },
        h('span', { class: 'explain-dimension' }, dimensionName(seg.dimension)),
        h('span', { class: 'badge segment' }, segmentName(seg.dimension, seg.segment)),
        h('span', { class: 'muted small' }, t('detail.since', { time: formatDateTime(seg.since, { seconds: false }) })),
      ),
      seg.strategy ? h('div', { class: 'explain-line' }, h('strong', {}, labelText('detail.strategy')), seg.strategy) : null,
      h(
        'div',
        { class: 'explain-line' },
        h('strong', {}, labelText('detail.reasons')),
        seg.reasons?.length
          ? h(
              'ul',
              { class: 'reasons inline' },
              seg.reasons.map((r) => h('li', { title: r.condition ?? '' }, reasonInWords(r))),
            )
          : h('span', { class: 'muted' }, t('detail.noReasons')),
      ),
      seg.flags?.length
        ? h(
            'div',
            { class: 'explain-line' },
            h('strong', {}, labelText('detail.flags')),
            seg.flags.map((f) => h('span', { class: 'badge flag' }, segmentName(seg.dimension, f))),
          )
        : null,
      seg.rule ? h('div', { class: 'explain-rule muted small' }, labelText('detail.rule'), h('code', {}, seg.rule)) : null,
    ),
  );
  return card(
    'detail.segments',
    { class: 'card explanation-card', 'data-testid': 'explanation' },
    blocks.length ? blocks : h('p', { class: 'empty' }, t('detail.segments.none')),
  );
}

function featuresCard(features) {
  const names = Object.keys(features);
  const rank = (name) => {
    const i = FEATURE_ORDER.indexOf(name);
    return i < 0 ? FEATURE_ORDER.length : i;
  };
  names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const rows = names.map((name) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row', title: name, class: featureName(name) === name ? 'raw-name' : undefined }, featureName(name)),
      h('td', { class: 'num' }, formatFeatureValue(name, features[name])),
    ),
  );
  return card(
    'detail.features',
    { class: 'card features-card' },
    rows.length
      ? h(
          'table',
          { class: 'kv-table' },
          h(
            'thead',
            {},
            h('tr', {}, h('th', { scope: 'col' }, t('detail.feature')), h('th', { scope: 'col', class: 'num' }, t('detail.value'))),
          ),
          h('tbody', {}, rows),
        )
      : h('p', { class: 'empty' }, t('detail.features.none')),
  );
}

/** The timeline's times are UTC text ("2026-11-23 08:01:02.345"): shown in the browser's zone. */
function parseUtcText(text) {
  const ms = Date.parse(`${String(text).replace(' ', 'T')}Z`);
  return Number.isFinite(ms) ? ms : null;
}

/** The server's detail text, in words where its shape is known (changes and alerts). */
function timelineDetail(entry) {
  const detail = typeof entry.detail === 'string' ? entry.detail : JSON.stringify(entry.detail ?? '');
  if (entry.kind === 'segment_change') {
    const m = /^([^:]+): (.+) -> (.+)$/.exec(detail);
    if (m) return `${dimensionName(m[1])}: ${m[2] === 'none' ? '—' : segmentName(m[1], m[2])} → ${segmentName(m[1], m[3])}`;
  }
  if (entry.kind === 'churn_alert') {
    const m = /^(\w+) \((.*)\)$/.exec(detail);
    if (m) return `${levelName(m[1])}${m[2] ? ` (${m[2].split(', ').map(reasonCodeName).join('、')})` : ''}`;
  }
  return detail;
}

function timelineCard(timeline) {
  const entries = [...timeline].sort((a, b) => String(b.time).localeCompare(String(a.time)));
  const items = entries.map((e) => {
    const ms = parseUtcText(e.time);
    return h(
      'li',
      { class: `timeline-item kind-${e.kind}` },
      h('time', { class: 'muted nowrap', title: `${e.time} UTC` }, ms === null ? String(e.time) : formatDateTime(ms)),
      h('span', { class: `badge tl-${e.kind}` }, timelineKindName(e.kind)),
      h('span', { class: 'timeline-detail' }, timelineDetail(e)),
      h('code', { class: 'timeline-id muted small' }, e.id ?? ''),
    );
  });
  return card(
    'detail.timeline',
    { class: 'card timeline-card' },
    items.length ? h('ol', { class: 'timeline' }, items) : h('p', { class: 'empty' }, t('detail.timeline.none')),
  );
}
