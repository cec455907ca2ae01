// Segment sizes (细分规模): one bar per segment of every dimension, from the API and moved by each
// change on the live stream.

import { t, dimensionName, segmentName, formatNumber, formatPercent, formatShortTime } from '../i18n.js';
import { api, errorText, isSilent } from '../lib/api.js';
import { $, h, fill, cardMessage } from '../lib/dom.js';
import { state, orderedDimensions, orderedSegments } from '../lib/state.js';

export async function refreshSizes() {
  try {
    const body = await api('/api/segment-sizes');
    state.sizes.data = body.dimensions ?? {};
    state.sizes.asOfMs = Date.parse(body.asOf) || Date.now();
    state.sizes.error = null;
  } catch (err) {
    if (isSilent(err)) return;
    state.sizes.error = err;
  }
  renderSizes();
}

/**
 * A change moves one customer: −1 from the old segment, +1 to the new. Changes detected before the
 * sizes were computed are already in them (the backlog on connect), so they are not counted twice.
 */
export function adjustSizes(change) {
  const sizes = state.sizes.data;
  if (!sizes || !(change.detectedAt > state.sizes.asOfMs)) return;
  const counts = (sizes[change.dimension] ??= {});
  if (change.fromSegment !== null && change.fromSegment !== undefined && counts[change.fromSegment] !== undefined) {
    counts[change.fromSegment] = Math.max(0, counts[change.fromSegment] - 1);
  }
  counts[change.toSegment] = (counts[change.toSegment] ?? 0) + 1;
}

export function renderSizes() {
  const box = $('[data-testid="segment-sizes"]');
  const { data, error, asOfMs } = state.sizes;
  $('#sizes-asof').textContent = data ? t('sizes.asOf', { time: formatShortTime(asOfMs) }) : '';
  if (!data) {
    fill(box, error ? cardMessage(errorText(error), { error: true, retry: refreshSizes }) : cardMessage(t('common.loading')));
    return;
  }
  const blocks = orderedDimensions(Object.keys(data)).map((dimension) => sizeBlock(dimension, data[dimension] ?? {}));
  fill(box, ...blocks, error ? cardMessage(errorText(error), { error: true }) : null);
}

function sizeBlock(dimension, counts) {
  const segments = orderedSegments(dimension, counts);
  const total = segments.reduce((sum, seg) => sum + (counts[seg] ?? 0), 0);
  const max = Math.max(1, ...segments.map((seg) => counts[seg] ?? 0));
  const rows = segments.map((seg) => {
    const count = counts[seg] ?? 0;
    const bar = h('span', { class: 'bar-fill' });
    bar.style.width = `${(count / max) * 100}%`;
    return h(
      'div',
      { class: 'bar-row', title: `${segmentName(dimension, seg)} (${seg}): ${formatNumber(count)}` },
      h('span', { class: 'bar-label' }, segmentName(dimension, seg)),
      h('span', { class: 'bar-track' }, bar),
      h('span', { class: 'bar-count' }, formatNumber(count)),
      h('span', { class: 'bar-share' }, total ? formatPercent(count / total, 0) : ''),
    );
  });
  return h(
    'section',
    { class: 'size-block', 'data-dimension': dimension },
    h('h3', {}, h('span', {}, dimensionName(dimension)), h('span', { class: 'muted' }, t('sizes.total', { count: formatNumber(total) }))),
    rows.length ? rows : h('p', { class: 'empty' }, t('sizes.empty')),
  );
}
