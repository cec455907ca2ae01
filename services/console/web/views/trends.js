// Trends (趋势): customers per segment of one dimension at the end of each business day, as a line
// chart with a legend that hides or shows a segment.

import { t, dimensionName, segmentName, formatNumber } from '../i18n.js';
import { api, errorText, isSilent } from '../lib/api.js';
import { $, h, fill, fillSelect, cardMessage } from '../lib/dom.js';
import { CHART_COLOURS, lineChart } from '../lib/line-chart.js';
import { state, orderedSegments } from '../lib/state.js';

const TREND_RANGES = [30, 90, 180];

export function renderTrendControls() {
  const form = $('#trend-controls');
  fillSelect(
    form.elements.dimension,
    state.dimensions.map((d) => [d.name, dimensionName(d.name)]),
    state.trend.dimension,
  );
  fillSelect(
    form.elements.days,
    TREND_RANGES.map((n) => [String(n), t('trend.days', { days: n })]),
    String(state.trend.days),
  );
}

/** YYYY-MM-DD of the browser's calendar, `daysAgo` days back. */
function isoDay(daysAgo) {
  const d = new Date(Date.now() - daysAgo * 86_400_000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export async function loadTrend() {
  const { dimension, days } = state.trend;
  if (!dimension) return;
  // 30 days is the server's own default (its business day, its time zone): send no dates then.
  const range = days === 30 ? '' : `&from=${isoDay(days - 1)}`;
  state.trend.loading = true;
  renderTrend();
  try {
    const body = await api(`/api/trends?dimension=${encodeURIComponent(dimension)}${range}`);
    if (dimension !== state.trend.dimension || days !== state.trend.days) return; // changed meanwhile
    state.trend.data = body;
    state.trend.error = null;
  } catch (err) {
    if (isSilent(err)) return;
    state.trend.error = err;
  } finally {
    state.trend.loading = false;
  }
  renderTrend();
}

/** The dimensions are known (or changed): pick one still offered and load it. */
export function trendAfterDimensions() {
  if (!state.trend.dimension || (state.dimensions.length > 0 && !state.dimensions.some((d) => d.name === state.trend.dimension))) {
    state.trend.dimension = state.dimensions[0]?.name ?? '';
    state.trend.data = null;
  }
  if (state.trend.dimension && !state.trend.data && !state.trend.loading) loadTrend();
  renderTrendControls();
}

function onTrendControls() {
  const form = $('#trend-controls');
  const dimension = form.elements.dimension.value;
  if (dimension !== state.trend.dimension) {
    state.trend.hidden = new Set();
    state.trend.data = null;
  }
  state.trend.dimension = dimension;
  state.trend.days = Number(form.elements.days.value) || 30;
  loadTrend();
}

export function bindTrendControls() {
  $('#trend-controls').addEventListener('change', onTrendControls);
  $('#trend-controls').addEventListener('submit', (e) => e.preventDefault());
}

/** The trend as series: one per segment, one value per day present in the answer. */
function trendSeries(data) {
  const days = [...new Set((data.days ?? []).map((d) => d.day))].sort();
  const values = new Map();
  const seen = [];
  for (const d of data.days ?? []) {
    values.set(`${d.day}\u0000${d.segment}`, d.customers);
    if (!seen.includes(d.segment)) seen.push(d.segment);
  }
  // Rules' order where the rules name the segments; attribute dimensions (regions …) by latest size.
  const latest = Object.fromEntries(seen.map((seg) => [seg, values.get(`${days.at(-1)}\u0000${seg}`) ?? 0]));
  const order = orderedSegments(data.dimension, latest).filter((seg) => seen.includes(seg));
  const series = order.map((segment, i) => ({
    key: segment,
    label: segmentName(data.dimension, segment),
    colour: CHART_COLOURS[i % CHART_COLOURS.length],
    values: days.map((day) => values.get(`${day}\u0000${segment}`) ?? 0),
  }));
  return { days, series };
}

export function renderTrend() {
  const box = $('[data-testid="trend-chart"]');
  const legend = $('#trend-legend');
  const { data, error, loading } = state.trend;
  box.dataset.dimension = state.trend.dimension;
  if (!data || data.dimension !== state.trend.dimension) {
    fill(legend);
    fill(
      box,
      error
        ? cardMessage(errorText(error), { error: true, retry: loadTrend })
        : cardMessage(loading || state.running ? t('common.loading') : ''),
    );
    return;
  }
  const { days, series } = trendSeries(data);
  if (days.length === 0) {
    fill(legend);
    fill(box, cardMessage(t('trend.empty')));
    return;
  }
  if (box.offsetParent === null) return; // hidden (drill-down open): drawn when shown again
  const chart = lineChart({
    width: box.clientWidth,
    labels: days,
    series,
    hidden: state.trend.hidden,
    format: (v, where) => formatNumber(v, where === 'axis' ? 1 : 2),
    tick: (day) => day.slice(5),
    ariaLabel: `${t('trend.title')}: ${dimensionName(state.trend.dimension)}`,
    xTitle: t('trend.xAxis'),
    yTitle: t('trend.yAxis'),
  });
  fill(box, chart, error ? cardMessage(errorText(error), { error: true }) : null);
  renderLegend(legend, series);
}

function renderLegend(legend, series) {
  legend.title = t('trend.legendHint');
  fill(
    legend,
    ...series.map((sr) => {
      const hidden = state.trend.hidden.has(sr.key);
      const swatch = h('span', { class: 'swatch' });
      swatch.style.background = sr.colour;
      return h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: hidden ? 'legend-item off' : 'legend-item',
            'aria-pressed': String(!hidden),
            onclick: () => {
              if (hidden) state.trend.hidden.delete(sr.key);
              else state.trend.hidden.add(sr.key);
              renderTrend();
            },
          },
          swatch,
          sr.label,
          h('span', { class: 'muted' }, formatNumber(sr.values.at(-1) ?? 0)),
        ),
      );
    }),
  );
}
