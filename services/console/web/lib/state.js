// What the page knows, filled by the API and the live stream and drawn by the views. One object per
// view, so each view module reads and writes its own part; `dimensions` is shared (the rules' order).

export const state = {
  running: false,
  dimensions: [], // [{ name, segments }] in the rules' order
  churnModelFitted: undefined,
  filters: { dimension: '', segment: '', level: '', valueTier: '' },
  feed: [], // newest first: { key, kind, data, el, live }
  seen: new Set(), // changeId / alertId already shown
  conn: { state: 'disconnected', retryAt: 0, attempt: 0, connectedAt: 0 },
  sizes: { data: null, asOfMs: 0, error: null },
  alerts: { byLevel: null, error: null, tab: 'critical', expanded: new Set() }, // expanded: episodes whose timeline is open
  trend: { dimension: '', days: 30, data: null, error: null, hidden: new Set(), loading: false },
  detail: { id: null, data: null, error: null, notFound: false, seq: 0 },
  search: { seq: 0, results: [], active: -1 },
};

/** Timer handles, so stopping the page clears every one of them. */
export const timers = {
  sizes: 0,
  alerts: 0,
  trend: 0,
  dimensions: 0,
  reconnect: 0,
  countdown: 0,
  stale: 0,
  alertsSoon: 0,
  detailSoon: 0,
  render: 0,
};

/** Dimensions in the rules' order, then any the data knows that the rules list does not. */
export function orderedDimensions(extraNames) {
  const names = state.dimensions.map((d) => d.name);
  for (const name of extraNames) if (!names.includes(name)) names.push(name);
  return names;
}

/** Segments in the rules' order, then the rest by size (attribute dimensions: industries, regions). */
export function orderedSegments(dimension, counts) {
  const defined = state.dimensions.find((d) => d.name === dimension)?.segments ?? [];
  const rest = Object.keys(counts)
    .filter((seg) => !defined.includes(seg))
    .sort((a, b) => counts[b] - counts[a] || a.localeCompare(b));
  return [...defined, ...rest];
}
