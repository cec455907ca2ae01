// A line chart in inline SVG (no chart library, no build step): the trend of segment sizes and the
// trend of one CRM measure. A hover guide shows every visible series' value at the nearest point.

import { h, s, fill } from './dom.js';

export const CHART_COLOURS = [
  '#2563eb',
  '#16a34a',
  '#dc2626',
  '#d97706',
  '#7c3aed',
  '#0891b2',
  '#db2777',
  '#65a30d',
  '#ea580c',
  '#475569',
  '#0d9488',
  '#9333ea',
];

/** Round axis steps (1, 2, 2.5, 5 × 10ⁿ) covering [low, high] (low ≤ 0 ≤ high) in about `count` gridlines. */
export function niceScale(low, high, count = 4) {
  const span = high - low;
  if (span <= 0) return { bottom: 0, top: 1, step: 1 };
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(
    [1, 2, 2.5, 5, 10].map((m) => m * power).find((m) => m >= raw),
    Number.EPSILON,
  );
  return { bottom: Math.floor(low / step) * step, top: Math.ceil(high / step) * step, step };
}

/**
 * The chart: `labels` along the x axis (one per point), `series` [{ key, label, colour, values }]
 * where a null value leaves a gap, `hidden` the keys not drawn, `format` for axis and tooltip values,
 * `right` the room right of the plot (the last x label is centred on the last point).
 */
export function lineChart({
  width: wanted,
  labels,
  series,
  hidden = new Set(),
  format,
  tick = (l) => l,
  ariaLabel,
  xTitle,
  yTitle,
  right = 16,
}) {
  const width = Math.max(320, wanted || 800);
  const height = 260;
  const m = { left: 56, right, top: 12, bottom: 44 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const visible = series.filter((sr) => !hidden.has(sr.key));
  const values = visible.flatMap((sr) => sr.values).filter((v) => typeof v === 'number');
  const { bottom, top, step } = niceScale(Math.min(0, ...values), Math.max(0, ...values));
  const x = (i) => m.left + (labels.length === 1 ? plotW / 2 : (i * plotW) / (labels.length - 1));
  const y = (v) => m.top + plotH - ((v - bottom) / (top - bottom)) * plotH;

  const svg = s('svg', { class: 'chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': ariaLabel });

  // Horizontal gridlines with the values.
  for (let v = bottom; v <= top + step / 2; v += step) {
    svg.append(s('line', { class: 'grid', x1: m.left, x2: width - m.right, y1: y(v), y2: y(v) }));
    svg.append(s('text', { class: 'tick', x: m.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, format(v, 'axis')));
  }
  // Labels along the x axis, thinned so they never overlap.
  const every = Math.max(1, Math.ceil(labels.length / Math.max(1, Math.floor(plotW / 56))));
  labels.forEach((label, i) => {
    if (i % every !== 0 && i !== labels.length - 1) return;
    if (i === labels.length - 1 && i % every !== 0 && i % every < every / 2) return; // too close to the previous label
    svg.append(s('line', { class: 'axis', x1: x(i), x2: x(i), y1: m.top + plotH, y2: m.top + plotH + 4 }));
    svg.append(s('text', { class: 'tick', x: x(i), y: m.top + plotH + 16, 'text-anchor': 'middle' }, tick(label)));
  });
  svg.append(s('line', { class: 'axis', x1: m.left, x2: width - m.right, y1: y(0), y2: y(0) }));
  svg.append(s('text', { class: 'axis-title', x: m.left + plotW / 2, y: height - 6, 'text-anchor': 'middle' }, xTitle));
  svg.append(
    s(
      'text',
      { class: 'axis-title', x: 14, y: m.top + plotH / 2, 'text-anchor': 'middle', transform: `rotate(-90 14 ${m.top + plotH / 2})` },
      yTitle,
    ),
  );

  for (const sr of visible) {
    // One polyline per run of known values: a month without a rate is a gap, not a zero.
    let run = [];
    const flush = () => {
      if (run.length > 1) svg.append(s('polyline', { class: 'series', points: run.join(' '), stroke: sr.colour }));
      run = [];
    };
    sr.values.forEach((v, i) => (typeof v === 'number' ? run.push(`${x(i).toFixed(1)},${y(v).toFixed(1)}`) : flush()));
    flush();
    if (labels.length <= 45) {
      sr.values.forEach((v, i) => {
        if (typeof v === 'number') svg.append(s('circle', { class: 'point', cx: x(i), cy: y(v), r: 2.5, fill: sr.colour }));
      });
    }
  }

  // Hover: a guide line and a tooltip with every visible series' value at that point.
  const guide = s('line', { class: 'guide', x1: 0, x2: 0, y1: m.top, y2: m.top + plotH, visibility: 'hidden' });
  const overlay = s('rect', { class: 'overlay', x: m.left, y: m.top, width: plotW, height: plotH });
  svg.append(guide, overlay);
  const tip = h('div', { class: 'chart-tip', hidden: true });
  overlay.addEventListener('mousemove', (event) => {
    const bounds = svg.getBoundingClientRect();
    const px = ((event.clientX - bounds.left) / bounds.width) * width;
    const i = labels.length === 1 ? 0 : Math.round(((px - m.left) / plotW) * (labels.length - 1));
    const index = Math.min(labels.length - 1, Math.max(0, i));
    guide.setAttribute('x1', x(index));
    guide.setAttribute('x2', x(index));
    guide.setAttribute('visibility', 'visible');
    const rows = [...visible]
      .sort((a, b) => (b.values[index] ?? -Infinity) - (a.values[index] ?? -Infinity))
      .map((sr) => {
        const swatch = h('span', { class: 'swatch' });
        swatch.style.background = sr.colour;
        return h('div', { class: 'tip-row' }, swatch, h('span', {}, sr.label), h('strong', {}, format(sr.values[index], 'tip')));
      });
    fill(tip, h('div', { class: 'tip-day' }, labels[index]), ...rows);
    tip.hidden = false;
    const left = (x(index) / width) * bounds.width;
    tip.style.left = `${Math.min(bounds.width - 180, left + 12)}px`;
    tip.style.top = `${m.top}px`;
  });
  overlay.addEventListener('mouseleave', () => {
    guide.setAttribute('visibility', 'hidden');
    tip.hidden = true;
  });
  return h('div', { class: 'chart-wrap' }, svg, tip);
}
