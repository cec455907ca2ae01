// CRM measures (客户关系管理指标) at #/crm: per segment of a dimension and per business month,
// customers, revenue, predicted CLTV, repeat-purchase, churn and win-back rates, satisfaction, NPS,
// complaints per 100 shipments and on-time delivery (GET /api/crm-measures; docs/bi.md §10), with a
// small trend chart of one chosen measure.

import { addWords, t, dimensionName, segmentName, formatNumber, formatPercent } from '../i18n.js';
import { errorText, loadPage } from '../lib/api.js';
import { $, h, fill, fillSelect, cardMessage } from '../lib/dom.js';
import { CHART_COLOURS, lineChart } from '../lib/line-chart.js';
import { state, orderedSegments } from '../lib/state.js';

addWords({
  'nav.crm': ['客户关系管理指标', 'CRM measures'],
  'crm.title': ['客户关系管理指标', 'CRM measures'],
  'crm.intro': [
    '各细分每个业务月的客户忠诚度、流失与服务指标。客户在一个月内计入月初所在的细分（月内新进入的计入首个细分）。',
    'Loyalty, churn and service measures per segment and business month. A customer counts under the segment they began the month in (or first entered in it).',
  ],
  'crm.dimension': ['维度', 'Dimension'],
  'crm.segment': ['细分', 'Segment'],
  'crm.from': ['从', 'From'],
  'crm.to': ['到', 'To'],
  'crm.measure': ['趋势指标', 'Trend of'],
  'crm.chartTitle': ['{measure}：按月', '{measure} by month'],
  'crm.xAxis': ['月份', 'month'],
  'crm.empty': ['所选月份没有该维度的客户。', 'No customers of this dimension in the chosen months.'],
  'crm.col.month': ['月份', 'Month'],
  'crm.col.segment': ['细分', 'Segment'],
  'crm.customers': ['客户数', 'Customers'],
  'crm.revenue': ['收入', 'Revenue'],
  'crm.cltvSum': ['预测CLTV合计', 'Predicted CLTV (sum)'],
  'crm.cltvMean': ['预测CLTV均值', 'Predicted CLTV (mean)'],
  'crm.repeatPurchaseRate': ['重复购买率', 'Repeat-purchase rate'],
  'crm.churnRate': ['流失率', 'Churn rate'],
  'crm.winBackRate': ['流失挽回率', 'Win-back rate'],
  'crm.satisfaction': ['满意度（1–5）', 'Satisfaction (1–5)'],
  'crm.nps': ['净推荐值 NPS', 'NPS'],
  'crm.complaintsPer100Shipments': ['每百票投诉', 'Complaints per 100 shipments'],
  'crm.onTimeRate': ['准时交付率', 'On-time delivery rate'],
});

/** The measures in the table's order: the API's field, how it reads, and whether it is a share. */
const MEASURES = [
  { key: 'customers', format: (v) => formatNumber(v) },
  { key: 'revenue', format: (v) => formatNumber(Number(v), 2), value: (v) => Number(v) },
  { key: 'cltvSum', format: (v) => formatNumber(v, 0) },
  { key: 'cltvMean', format: (v) => formatNumber(v, 0) },
  { key: 'repeatPurchaseRate', format: (v) => formatPercent(v, 1) },
  { key: 'churnRate', format: (v) => formatPercent(v, 1) },
  { key: 'winBackRate', format: (v) => formatPercent(v, 1) },
  { key: 'satisfaction', format: (v) => formatNumber(v, 2) },
  { key: 'nps', format: (v) => formatNumber(v, 1) },
  { key: 'complaintsPer100Shipments', format: (v) => formatNumber(v, 1) },
  { key: 'onTimeRate', format: (v) => formatPercent(v, 1) },
];

const page = {
  filters: { dimension: 'value_tier', segment: '', from: '', to: '' },
  measure: 'revenue',
  data: null,
  error: null,
  loading: false,
  seq: 0,
};

/** The page is shown: load it once a token is given. */
export function showCrm() {
  renderCrm();
  if (state.running && page.data === null && !page.loading) loadCrm();
}

function loadCrm() {
  // Rules without the default dimension: start with their first one.
  if (state.dimensions.length > 0 && !state.dimensions.some((d) => d.name === page.filters.dimension))
    page.filters.dimension = state.dimensions[0].name;
  const params = new URLSearchParams();
  for (const key of ['dimension', 'from', 'to', 'segment']) if (page.filters[key]) params.set(key, page.filters[key]);
  return loadPage(page, `/api/crm-measures?${params}`, renderCrm);
}

function onFilters(event) {
  const form = event.currentTarget;
  if (event.target.name === 'measure') {
    page.measure = form.elements.measure.value; // drawn from what is loaded: no new request
    renderCrm();
    return;
  }
  const dimension = form.elements.dimension.value;
  page.filters = {
    dimension,
    segment: dimension === page.filters.dimension ? form.elements.segment.value : '', // a segment belongs to its dimension
    from: form.elements.from.value,
    to: form.elements.to.value,
  };
  loadCrm();
}

function filterForm() {
  const { filters } = page;
  const form = h(
    'form',
    { class: 'filters', id: 'crm-filters', 'data-testid': 'crm-filters', onchange: onFilters, onsubmit: (e) => e.preventDefault() },
    h('label', {}, h('span', {}, t('crm.dimension')), h('select', { name: 'dimension' })),
    h('label', {}, h('span', {}, t('crm.segment')), h('select', { name: 'segment' })),
    h('label', {}, h('span', {}, t('crm.from')), h('input', { type: 'month', name: 'from', value: filters.from, required: true })),
    h('label', {}, h('span', {}, t('crm.to')), h('input', { type: 'month', name: 'to', value: filters.to, required: true })),
    h('label', {}, h('span', {}, t('crm.measure')), h('select', { name: 'measure', 'data-testid': 'crm-measure' })),
  );
  const dimensions = state.dimensions.length > 0 ? state.dimensions.map((d) => d.name) : [filters.dimension];
  fillSelect(
    form.elements.dimension,
    dimensions.map((d) => [d, dimensionName(d)]),
    filters.dimension,
  );
  const segments = page.data?.dimension === filters.dimension ? segmentsInOrder(page.data) : [];
  fillSelect(
    form.elements.segment,
    [['', t('filter.all')], ...segments.map((seg) => [seg, segmentName(filters.dimension, seg)])],
    filters.segment,
  );
  fillSelect(
    form.elements.measure,
    MEASURES.map((m) => [m.key, t(`crm.${m.key}`)]),
    page.measure,
  );
  return form;
}

/** The rules' order for the segments the rules name; the rest (industries, regions) by name. */
function segmentsInOrder(data) {
  return orderedSegments(data.dimension, Object.fromEntries(data.segments.map((seg) => [seg, 0]))).filter((seg) =>
    data.segments.includes(seg),
  );
}

function chart(data, width) {
  const measure = MEASURES.find((m) => m.key === page.measure) ?? MEASURES[0];
  const months = [...new Set(data.months.map((r) => r.month))].sort();
  const series = segmentsInOrder(data)
    .filter((seg) => data.months.some((r) => r.segment === seg))
    .map((segment, i) => ({
      key: segment,
      label: segmentName(data.dimension, segment),
      colour: CHART_COLOURS[i % CHART_COLOURS.length],
      values: months.map((month) => {
        const v = data.months.find((r) => r.month === month && r.segment === segment)?.[measure.key];
        return v === null || v === undefined ? null : (measure.value ?? Number)(v);
      }),
    }));
  const label = t(`crm.${measure.key}`);
  return h(
    'div',
    { class: 'crm-chart', 'data-testid': 'crm-chart', 'data-measure': measure.key },
    h('h3', {}, t('crm.chartTitle', { measure: label })),
    lineChart({
      width,
      labels: months,
      series,
      right: 32,
      format: (v) => measure.format(v),
      ariaLabel: t('crm.chartTitle', { measure: label }),
      xTitle: t('crm.xAxis'),
      yTitle: label,
    }),
    h(
      'ul',
      { class: 'legend' },
      series.map((sr) => {
        const swatch = h('span', { class: 'swatch' });
        swatch.style.background = sr.colour;
        return h('li', {}, h('span', { class: 'legend-item' }, swatch, sr.label));
      }),
    ),
  );
}

function table(data) {
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'measures-table crm-table', 'data-testid': 'crm-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, t('crm.col.month')),
          h('th', { scope: 'col' }, t('crm.col.segment')),
          MEASURES.map((m) => h('th', { scope: 'col', class: 'num' }, t(`crm.${m.key}`))),
        ),
      ),
      h(
        'tbody',
        {},
        data.months.map((r) =>
          h(
            'tr',
            { 'data-testid': 'crm-row', 'data-month': r.month, 'data-segment': r.segment },
            h('td', { class: 'nowrap' }, r.month),
            h('th', { scope: 'row' }, segmentName(data.dimension, r.segment)),
            MEASURES.map((m) => h('td', { class: 'num', 'data-measure': m.key }, r[m.key] === null ? '—' : m.format(r[m.key]))),
          ),
        ),
      ),
    ),
  );
}

export function renderCrm() {
  const view = $('#view-crm');
  if (view.hidden) return;
  const { data, error, loading } = page;
  const root = h(
    'section',
    { class: 'card measures-page', 'data-testid': 'crm-page' },
    h('header', { class: 'card-head' }, h('h2', {}, t('crm.title'))),
    h('p', { class: 'muted' }, t('crm.intro')),
    filterForm(),
    error && data ? cardMessage(errorText(error), { error: true }) : null,
  );
  fill(view, root);
  if (error && !data) root.append(cardMessage(errorText(error), { error: true, retry: loadCrm }));
  else if (!data) root.append(cardMessage(loading || state.running ? t('common.loading') : ''));
  else if (data.months.length === 0) root.append(cardMessage(t('crm.empty')));
  else root.append(chart(data, root.clientWidth - 24), table(data)); // the chart's width is the card's (less its padding), measured once it is on the page
}
