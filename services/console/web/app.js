// The operations console (运营控制台): one page, plain ES module, no framework, no build step.
//
// Data flows one way: the API and the live stream fill `state`, and small render functions draw
// each card from it. Every piece of text from the server goes into the DOM through textContent
// (the `h` helper), never through innerHTML, so a customer id or a rule text cannot inject markup.
// Nothing the API returns is written to the browser console: payloads carry customer data.

import {
  LANGUAGES, getLanguage, setLanguage, locale, t,
  dimensionName, segmentName, featureName, levelName, reasonCodeName, causeName, timelineKindName, episodeEventName,
  profileValue, FEATURE_ORDER, formatNumber, formatPercent, formatDateTime, formatShortTime,
} from './i18n.js';

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

const TOKEN_KEY = 'console.accessToken'; // sessionStorage: gone when the browser session ends
const LANGUAGE_KEY = 'console.language'; // localStorage: a preference, not a secret
const FEED_MAX = 200; // items kept in the live feed
const SEEN_MAX = 5000; // ids remembered for de-duplication: more than the feed, so a reconnect's backlog is recognised
const SIZES_REFRESH_MS = 10_000;
const ALERTS_REFRESH_MS = 15_000;
const TREND_REFRESH_MS = 5 * 60_000;
const ALERTS_PER_LEVEL = 200;
const STREAM_STALE_MS = 45_000; // the server sends a heartbeat every 15 s; three missed ones mean a dead connection
const BACKOFF_MIN_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;
const SEARCH_DEBOUNCE_MS = 250;
const ALERT_TABS = ['critical', 'warning', 'watch', 'closed']; // open episodes by their level now, then closed ones
const FEED_LEVELS = ['critical', 'warning', 'watch', 'cleared'];
const TREND_RANGES = [30, 90, 180];
const CHART_COLOURS = ['#2563eb', '#16a34a', '#dc2626', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#ea580c', '#475569', '#0d9488', '#9333ea'];

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

const state = {
  running: false,
  dimensions: [], // [{ name, segments }] in the rules' order
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

const timers = { sizes: 0, alerts: 0, trend: 0, dimensions: 0, reconnect: 0, countdown: 0, stale: 0, alertsSoon: 0, detailSoon: 0, render: 0 };
let stream = null; // { controller, stale }

// ---------------------------------------------------------------------------------------------
// DOM helpers
// ---------------------------------------------------------------------------------------------

const $ = (selector, root = document) => root.querySelector(selector);

/**
 * Creates an element. Attributes go through setAttribute, `on*` keys become listeners, and
 * children that are strings or numbers become text nodes: data never becomes markup.
 */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttributes(el, attrs);
  appendChildren(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The same for SVG elements (the trend chart). */
function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttributes(el, attrs);
  appendChildren(el, children);
  return el;
}

function setAttributes(el, attrs) {
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
}

/** Replaces an element's children; absent parts (null, false) are skipped, not written as "null". */
function fill(el, ...children) {
  el.replaceChildren();
  appendChildren(el, children);
}

/** A label before a value: "建议措施：" in Chinese, "Recommended action: " in English. */
const labelText = (key) => `${t(key)}${getLanguage() === 'zh' ? '：' : ': '}`;

function appendChildren(el, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** A link to a customer's drill-down: a real link, so middle-click and the back button work. */
function customerLink(customerId) {
  return h('a', { class: 'customer-link', 'data-testid': 'customer-link', href: customerHref(customerId) }, customerId);
}

const customerHref = (customerId) => `#/customer/${encodeURIComponent(customerId)}`;

function levelBadge(level) {
  return h('span', { class: `badge level-${level ?? 'none'}` }, levelName(level));
}

/** A message inside a card: loading, empty or an error with a retry button. */
function cardMessage(text, { error = false, retry } = {}) {
  return h('div', { class: error ? 'card-message error' : 'card-message', role: error ? 'alert' : undefined },
    h('span', {}, text),
    retry ? h('button', { type: 'button', class: 'link-button', onclick: retry }, t('common.retry')) : null);
}

function debounce(fn, ms) {
  let timer = 0;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

// ---------------------------------------------------------------------------------------------
// Formatting of values in words
// ---------------------------------------------------------------------------------------------

/** How a feature's value reads: money, a share, a time or a plain number. */
function featureKind(name) {
  if (/_at$/.test(name)) return 'time';
  if (name === 'value_trend_30d') return 'trend';
  if (/^(return_rate|cancellation_rate|share_|on_time_rate)/.test(name) || ['p_alive', 'churn_risk', 'silence_probability'].includes(name)) return 'share';
  if (/^(order_value_|lifetime_value|avg_order_value|expected_order_value|clv_)/.test(name)) return 'money';
  return 'number';
}

function formatFeatureValue(name, value) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return value === undefined || value === null ? '—' : String(value);
  switch (featureKind(name)) {
    case 'time': return formatDateTime(value, { seconds: false });
    case 'share': return formatPercent(value);
    case 'trend': return new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 0, signDisplay: 'exceptZero' }).format(value);
    case 'money': return formatNumber(value, 0);
    default: return formatNumber(value, 2);
  }
}

const OPERATOR_SYMBOLS = { '>=': '≥', '<=': '≤', '==': '=', '!=': '≠', '>': '>', '<': '<' };
const MIRRORED = { '>=': '<=', '<=': '>=', '>': '<', '<': '>', '==': '==', '!=': '!=' };

/**
 * A rule reason in an operations manager's words: {condition: "order_value_365d >= 500",
 * feature, value: 1000, threshold: 500} → "近365天订单金额 1,000 ≥ 500". The operator comes from the
 * condition text; when the feature is on its right-hand side the comparison is mirrored so the
 * sentence still starts with the feature.
 */
function reasonInWords(reason) {
  const feature = reason.feature ?? '';
  const match = /^(.*?)\s*(>=|<=|==|!=|>|<)\s*(.*)$/.exec(reason.condition ?? '');
  const value = formatFeatureValue(feature, reason.value);
  if (!match) return `${featureName(feature)} ${value}${reason.condition ? ` (${reason.condition})` : ''}`;
  const operator = match[1].trim() === feature ? match[2] : MIRRORED[match[2]];
  const words = `${featureName(feature)} ${value} ${OPERATOR_SYMBOLS[operator]} ${formatFeatureValue(feature, reason.threshold)}`;
  // A move into a fallback segment is explained by the entry conditions of the others that failed:
  // say so, or "0 ≥ 20" reads as a false statement.
  return holds(reason.value, operator, reason.threshold) ? words : `${words}${t('reason.notMet')}`;
}

function holds(value, operator, threshold) {
  switch (operator) {
    case '>=': return value >= threshold;
    case '<=': return value <= threshold;
    case '>': return value > threshold;
    case '<': return value < threshold;
    case '==': return value === threshold;
    default: return value !== threshold;
  }
}

/** A churn reason: the server's text (already bilingual) under the cause's name in this language. */
function churnReasonNode(reason) {
  return h('span', { class: 'churn-reason' },
    h('span', { class: 'reason-code' }, reasonCodeName(reason.code)),
    reason.text ? ` ${reason.text}` : reason.value !== null && reason.value !== undefined ? ` ${formatNumber(reason.value)}` : '');
}

/** "C-123: 客户价值 中价值客户 → 高价值客户" without the customer: the words after the id. */
function changeInWords(change) {
  const to = segmentName(change.dimension, change.toSegment);
  const what = change.fromSegment === null || change.fromSegment === undefined
    ? t('feed.firstSegment', { to })
    : `${segmentName(change.dimension, change.fromSegment)} → ${to}`;
  return [h('span', { class: 'feed-dimension' }, dimensionName(change.dimension)), ' ', what];
}

function alertInWords(alert) {
  const was = alert.previousLevel ? t('feed.alertWas', { level: levelName(alert.previousLevel) }) : '';
  // What the alert did to its episode (升级, 降级 …): alerts from before episodes have none.
  const episode = alert.episodeEvent ? ` · ${t('feed.episode', { event: episodeEventName(alert.episodeEvent) })}` : '';
  if (alert.level === 'cleared') return `${t('feed.alertCleared')}${was}${episode}`;
  return `${t('feed.alert', { level: levelName(alert.level) })}${was}${episode}`;
}

// ---------------------------------------------------------------------------------------------
// Access token (访问令牌) and API calls
// ---------------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function readToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

function showTokenForm(message = '') {
  const overlay = $('#token-overlay');
  overlay.hidden = false;
  $('#token-message').textContent = message;
  const input = $('#token-input');
  input.value = '';
  input.focus();
}

/** A 401 anywhere: the token is wrong or expired. Forget it, stop all traffic, ask again. */
function onUnauthorized() {
  try {
    sessionStorage.removeItem(TOKEN_KEY);
  } catch { /* storage unavailable: nothing to forget */ }
  stopApp();
  showTokenForm(t('token.rejected'));
}

function onTokenSubmit(event) {
  event.preventDefault();
  const token = $('#token-input').value.trim();
  if (!token) {
    $('#token-message').textContent = t('token.empty');
    return;
  }
  try {
    sessionStorage.setItem(TOKEN_KEY, token);
  } catch { /* private mode without storage: the token then lives only until reload */ }
  memoryToken = token;
  $('#token-input').value = '';
  $('#token-overlay').hidden = true;
  startApp();
}

// Fallback when sessionStorage is unavailable; normally the token is read from sessionStorage.
let memoryToken = '';
const currentToken = () => readToken() || memoryToken;

/** GET a JSON resource of the API with the token; throws ApiError (401 also asks for a new token). */
async function api(path, { signal } = {}) {
  const token = currentToken();
  if (!token) {
    onUnauthorized();
    throw new ApiError(401, t('token.rejected'));
  }
  let response;
  try {
    response = await fetch(path, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' }, cache: 'no-store', signal });
  } catch (err) {
    if (err?.name === 'AbortError') throw err;
    throw new ApiError(0, t('error.network'));
  }
  if (response.status === 401) {
    memoryToken = '';
    onUnauthorized();
    throw new ApiError(401, t('token.rejected'));
  }
  if (!response.ok) {
    let message = '';
    try {
      message = (await response.json()).error ?? '';
    } catch { /* not JSON: the status says enough */ }
    throw new ApiError(response.status, message || (response.status === 503 ? t('error.unavailable') : `HTTP ${response.status}`));
  }
  return response.json();
}

const errorText = (err) => t('common.error', { message: err?.message || String(err) });

// ---------------------------------------------------------------------------------------------
// Language (中文 / English)
// ---------------------------------------------------------------------------------------------

function initialLanguage() {
  let saved = null;
  try {
    saved = localStorage.getItem(LANGUAGE_KEY);
  } catch { /* no storage: fall back to the browser's language */ }
  if (LANGUAGES.includes(saved)) return saved;
  return /^zh\b/i.test(navigator.language || '') ? 'zh' : 'en';
}

function switchLanguage() {
  const next = getLanguage() === 'zh' ? 'en' : 'zh';
  setLanguage(next);
  try {
    localStorage.setItem(LANGUAGE_KEY, next);
  } catch { /* the choice then lasts until reload */ }
  renderAll();
}

/** The static text of index.html: elements carry data-i18n keys. */
function applyStaticText() {
  const lang = getLanguage();
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  document.title = t('app.title');
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of document.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of document.querySelectorAll('.lang-switch [data-lang]')) el.classList.toggle('active', el.dataset.lang === lang);
}

/** Everything again, in the language now in force. */
function renderAll() {
  applyStaticText();
  renderConnection();
  renderFilterOptions();
  for (const item of state.feed) item.el = null; // cached feed rows hold the old language
  renderFeed();
  renderSizes();
  renderAlerts();
  renderTrendControls();
  renderTrend();
  if (state.detail.id) renderDetail();
}

// ---------------------------------------------------------------------------------------------
// Connection status (connected / connecting / disconnected)
// ---------------------------------------------------------------------------------------------

function setConnection(next, retryAt = 0) {
  state.conn.state = next;
  state.conn.retryAt = retryAt;
  clearInterval(timers.countdown);
  // While waiting to reconnect, count down so the manager sees the page is still trying.
  if (next === 'disconnected' && retryAt) timers.countdown = setInterval(renderConnection, 1000);
  renderConnection();
}

function renderConnection() {
  const el = $('[data-testid="connection-status"]');
  const { state: now, retryAt } = state.conn;
  el.dataset.state = now;
  let label;
  if (now === 'connected') label = t('conn.connected');
  else if (now === 'connecting') label = t('conn.connecting');
  else if (!state.running) label = t('conn.idle');
  else {
    const seconds = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
    label = retryAt && seconds > 0 ? t('conn.disconnected', { seconds }) : t('conn.disconnectedNow');
  }
  $('.conn-label', el).textContent = label;
}

// ---------------------------------------------------------------------------------------------
// Live stream: fetch() + ReadableStream, SSE framing parsed here (EventSource cannot send headers)
// ---------------------------------------------------------------------------------------------

/**
 * A Server-Sent Events parser. Lines end with CRLF, LF or CR; `event:` names the event, `data:`
 * lines are joined with newlines, a blank line dispatches, a line starting with ':' is a comment
 * (the server's heartbeat). `id:` and `retry:` are not needed: de-duplication uses the ids in the
 * payload and the reconnect delay is this page's own backoff.
 */
function createSseParser(onEvent, onComment) {
  let buffer = '';
  let eventName = '';
  let data = [];

  function line(text) {
    if (text === '') {
      if (data.length > 0) onEvent(eventName || 'message', data.join('\n'));
      eventName = '';
      data = [];
      return;
    }
    if (text[0] === ':') {
      onComment();
      return;
    }
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value[0] === ' ') value = value.slice(1);
    if (field === 'event') eventName = value;
    else if (field === 'data') data.push(value);
  }

  return {
    push(chunk) {
      buffer += chunk;
      const newline = /\r\n|\r|\n/g;
      let start = 0;
      let match;
      while ((match = newline.exec(buffer)) !== null) {
        // A CR at the very end may be the first half of a CRLF split across chunks: wait for more.
        if (match[0] === '\r' && match.index === buffer.length - 1) break;
        line(buffer.slice(start, match.index));
        start = newline.lastIndex;
      }
      buffer = buffer.slice(start);
    },
  };
}

function streamUrl() {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(state.filters)) if (value) params.set(key, value);
  const query = params.toString();
  return `/api/stream${query ? `?${query}` : ''}`;
}

/** (Re)connects the stream now, closing any open one. */
function connectStream() {
  closeStream();
  if (!state.running) return;
  const controller = new AbortController();
  const current = { controller, stale: false };
  stream = current;
  readStream(current)
    .catch(() => { /* network failure or abort: handled below, no payload logged */ })
    .finally(() => {
      clearTimeout(timers.stale);
      // A deliberate close (filters changed, token cleared) was already replaced by its caller;
      // anything else (server closed, network dropped, heartbeat missed) reconnects with backoff.
      if (stream !== current || !state.running) return;
      if (controller.signal.aborted && !current.stale) return;
      scheduleReconnect();
    });
}

function closeStream() {
  clearTimeout(timers.reconnect);
  clearTimeout(timers.stale);
  if (stream) {
    const old = stream;
    stream = null;
    old.controller.abort();
  }
}

async function readStream(current) {
  const token = currentToken();
  if (!token) {
    onUnauthorized();
    return;
  }
  setConnection('connecting');
  const response = await fetch(streamUrl(), {
    headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' },
    cache: 'no-store',
    signal: current.controller.signal,
  });
  if (response.status === 401) {
    onUnauthorized();
    return;
  }
  if (!response.ok || !response.body) throw new ApiError(response.status, `HTTP ${response.status}`);

  setConnection('connected');
  state.conn.attempt = 0;
  state.conn.connectedAt = Date.now();
  const parser = createSseParser(onStreamEvent, () => {});
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  armStaleTimer(current);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    armStaleTimer(current); // any bytes, heartbeats included, prove the connection alive
    parser.push(value);
  }
}

/** A connection that stays silent past the heartbeat interval is dead even if TCP has not noticed. */
function armStaleTimer(current) {
  clearTimeout(timers.stale);
  timers.stale = setTimeout(() => {
    current.stale = true;
    current.controller.abort();
  }, STREAM_STALE_MS);
}

/** Exponential backoff with jitter, so many consoles do not reconnect in step after a restart. */
function scheduleReconnect() {
  const attempt = state.conn.attempt++;
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempt);
  const delay = Math.round(base * (0.8 + Math.random() * 0.4));
  setConnection('disconnected', Date.now() + delay);
  clearTimeout(timers.reconnect);
  timers.reconnect = setTimeout(connectStream, delay);
}

function onStreamEvent(name, text) {
  if (name !== 'segment_change' && name !== 'churn_alert') return;
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    return; // a malformed event is skipped; the next ones still count
  }
  const key = name === 'segment_change' ? data.changeId : data.alertId;
  if (!key || state.seen.has(key)) return; // backlog after a reconnect repeats what we have
  remember(key);
  addFeedItem({ key, kind: name, data, el: null, live: Date.now() - state.conn.connectedAt > 2000 });
  if (name === 'segment_change') adjustSizes(data);
  else scheduleAlertsRefresh();
  if (state.detail.id && data.customerId === state.detail.id) scheduleDetailRefresh();
}

function remember(key) {
  state.seen.add(key);
  if (state.seen.size > SEEN_MAX) state.seen.delete(state.seen.values().next().value);
}

// ---------------------------------------------------------------------------------------------
// Live feed (实时动态)
// ---------------------------------------------------------------------------------------------

/** Newest first: the backlog arrives oldest first and live items after it, so each goes on top. */
function addFeedItem(item) {
  state.feed.unshift(item);
  if (state.feed.length > FEED_MAX) state.feed.length = FEED_MAX;
  scheduleRender();
}

/** Bursts (the backlog) are drawn once per frame rather than once per event. */
function scheduleRender() {
  if (timers.render) return;
  timers.render = requestAnimationFrame(() => {
    timers.render = 0;
    renderFeed();
    renderSizes();
  });
}

function renderFeed() {
  const list = $('[data-testid="feed"]');
  // Rows are built once and reused: a new event moves nodes instead of rebuilding 200 rows.
  fill(list, ...state.feed.map((item) => (item.el ??= buildFeedItem(item))));
  $('.feed-empty').hidden = state.feed.length > 0;
  $('#feed-count').textContent = state.feed.length > 0 ? t('feed.count', { count: formatNumber(state.feed.length) }) : '';
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

  const time = h('time', {
    class: 'feed-time',
    datetime: Number.isFinite(d.eventTime) ? new Date(d.eventTime).toISOString() : undefined,
    title: `${t('common.eventTime')} ${formatDateTime(d.eventTime)} · ${t('common.detectedAt')} ${formatDateTime(d.detectedAt)}`,
  }, formatShortTime(d.eventTime));

  const kindBadge = isAlert ? levelBadge(d.level) : h('span', { class: 'badge kind' }, t('feed.kind.segment_change'));
  const headline = h('div', { class: 'feed-line' },
    customerLink(d.customerId), ': ',
    h('span', { class: 'feed-what' }, isAlert ? alertInWords(d) : changeInWords(d)),
    isAlert && d.level !== 'cleared' ? h('span', { class: 'risk-chip' }, t('feed.risk', { value: formatPercent(d.riskScore, 0) })) : null);

  const reasons = isAlert
    ? (d.reasons ?? []).map((r) => h('li', {}, churnReasonNode(r)))
    : (d.reasons ?? []).map((r) => h('li', { title: r.condition ?? '' }, reasonInWords(r)));

  const meta = h('div', { class: 'feed-meta' },
    d.valueTier ? h('span', {}, segmentName('value_tier', d.valueTier)) : null,
    !isAlert && d.cause ? h('span', {}, `${labelText('common.cause')}${causeName(d.cause)}`) : null);

  li.append(
    h('div', { class: 'feed-head' }, time, kindBadge),
    h('div', { class: 'feed-body' },
      headline,
      reasons.length ? h('ul', { class: 'reasons' }, reasons) : null,
      isAlert && d.action ? h('div', { class: 'feed-advice' }, h('strong', {}, labelText('common.action')), d.action) : null,
      !isAlert && d.strategy ? h('div', { class: 'feed-advice' }, h('strong', {}, labelText('common.strategy')), d.strategy) : null,
      meta.childNodes.length ? meta : null));
  return li;
}

// ---------------------------------------------------------------------------------------------
// Feed filters (dimension, segment, alert level, value tier): they restart the stream
// ---------------------------------------------------------------------------------------------

function fillSelect(select, options, value) {
  fill(select, ...options.map(([v, label]) => h('option', { value: v }, label)));
  select.value = options.some(([v]) => v === value) ? value : '';
}

function renderFilterOptions() {
  const form = $('#feed-filters');
  const { filters } = state;
  const all = [['', t('filter.all')]];
  fillSelect(form.elements.dimension, [...all, ...state.dimensions.map((d) => [d.name, dimensionName(d.name)])], filters.dimension);
  const dimension = state.dimensions.find((d) => d.name === filters.dimension);
  const segmentOptions = dimension ? [...all, ...dimension.segments.map((seg) => [seg, segmentName(dimension.name, seg)])] : [['', t('filter.pickDimension')]];
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

// ---------------------------------------------------------------------------------------------
// Segment sizes (细分规模)
// ---------------------------------------------------------------------------------------------

async function refreshSizes() {
  try {
    const body = await api('/api/segment-sizes');
    state.sizes.data = body.dimensions ?? {};
    state.sizes.asOfMs = Date.parse(body.asOf) || Date.now();
    state.sizes.error = null;
  } catch (err) {
    if (err.status === 401 || err.name === 'AbortError') return;
    state.sizes.error = err;
  }
  renderSizes();
}

/**
 * A change moves one customer: −1 from the old segment, +1 to the new. Changes detected before the
 * sizes were computed are already in them (the backlog on connect), so they are not counted twice.
 */
function adjustSizes(change) {
  const sizes = state.sizes.data;
  if (!sizes || !(change.detectedAt > state.sizes.asOfMs)) return;
  const counts = (sizes[change.dimension] ??= {});
  if (change.fromSegment !== null && change.fromSegment !== undefined && counts[change.fromSegment] !== undefined) {
    counts[change.fromSegment] = Math.max(0, counts[change.fromSegment] - 1);
  }
  counts[change.toSegment] = (counts[change.toSegment] ?? 0) + 1;
}

/** Dimensions in the rules' order, then any the sizes know that the rules list does not. */
function orderedDimensions(extraNames) {
  const names = state.dimensions.map((d) => d.name);
  for (const name of extraNames) if (!names.includes(name)) names.push(name);
  return names;
}

/** Segments in the rules' order, then the rest by size (attribute dimensions: industries, regions). */
function orderedSegments(dimension, counts) {
  const defined = state.dimensions.find((d) => d.name === dimension)?.segments ?? [];
  const rest = Object.keys(counts).filter((seg) => !defined.includes(seg)).sort((a, b) => counts[b] - counts[a] || a.localeCompare(b));
  return [...defined, ...rest];
}

function renderSizes() {
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
    const fill = h('span', { class: 'bar-fill' });
    fill.style.width = `${(count / max) * 100}%`;
    return h('div', { class: 'bar-row', title: `${segmentName(dimension, seg)} (${seg}): ${formatNumber(count)}` },
      h('span', { class: 'bar-label' }, segmentName(dimension, seg)),
      h('span', { class: 'bar-track' }, fill),
      h('span', { class: 'bar-count' }, formatNumber(count)),
      h('span', { class: 'bar-share' }, total ? formatPercent(count / total, 0) : ''));
  });
  return h('section', { class: 'size-block', 'data-dimension': dimension },
    h('h3', {}, h('span', {}, dimensionName(dimension)), h('span', { class: 'muted' }, t('sizes.total', { count: formatNumber(total) }))),
    rows.length ? rows : h('p', { class: 'empty' }, t('sizes.empty')));
}

// ---------------------------------------------------------------------------------------------
// Churn alert episodes (流失预警事件): open ones by their level now, and the latest closed ones
// ---------------------------------------------------------------------------------------------

async function refreshAlerts() {
  try {
    // One call per tab, so each tab's count is right even when another level is crowded.
    const lists = await Promise.all(ALERT_TABS.map((tab) => api(tab === 'closed'
      ? `/api/episodes?state=closed&limit=${ALERTS_PER_LEVEL}`
      : `/api/episodes?state=open&level=${tab}&limit=${ALERTS_PER_LEVEL}`)));
    state.alerts.byLevel = Object.fromEntries(ALERT_TABS.map((tab, i) => [tab, lists[i].episodes ?? []]));
    state.alerts.error = null;
  } catch (err) {
    if (err.status === 401 || err.name === 'AbortError') return;
    state.alerts.error = err;
  }
  renderAlerts();
}

/** A burst of alert events (the backlog) triggers one refresh, not one per event. */
function scheduleAlertsRefresh() {
  clearTimeout(timers.alertsSoon);
  timers.alertsSoon = setTimeout(refreshAlerts, 1000);
}

function renderAlerts() {
  const { byLevel, error, tab } = state.alerts;
  const tabs = $('#alert-tabs');
  fill(tabs, ...ALERT_TABS.map((level) => {
    const count = byLevel?.[level]?.length;
    const label = count === undefined ? '' : count >= ALERTS_PER_LEVEL ? `${formatNumber(count)}+` : formatNumber(count);
    return h('button', {
      type: 'button', role: 'tab', class: `tab level-${level}`, 'aria-selected': String(level === tab), 'data-level': level,
      onclick: () => { state.alerts.tab = level; renderAlerts(); },
    }, h('span', { class: 'tab-dot', 'aria-hidden': 'true' }), level === 'closed' ? t('alerts.tab.closed') : levelName(level), h('span', { class: 'tab-count' }, label));
  }));

  const box = $('[data-testid="alert-list"]');
  box.dataset.level = tab;
  if (!byLevel) {
    fill(box, error ? cardMessage(errorText(error), { error: true, retry: refreshAlerts }) : cardMessage(t('common.loading')));
    return;
  }
  const episodes = byLevel[tab] ?? [];
  // Until the company's own history has been fitted, the risks come from the documented prior: say so.
  const notFitted = state.churnModelFitted === false ? h('p', { class: 'muted small', 'data-testid': 'churn-model-not-fitted' }, t('alerts.notFitted')) : null;
  if (episodes.length === 0) {
    fill(box, notFitted, cardMessage(t(tab === 'closed' ? 'alerts.emptyClosed' : 'alerts.empty')), error ? cardMessage(errorText(error), { error: true }) : null);
    return;
  }
  const head = h('thead', {}, h('tr', {},
    ['alerts.col.customer', 'alerts.col.level', 'alerts.col.risk', 'alerts.col.reason', 'alerts.col.action', 'alerts.col.episode', 'alerts.col.timeline']
      .map((k) => h('th', { scope: 'col' }, t(k)))));
  const body = h('tbody', {}, episodes.flatMap(episodeRows));
  fill(box,
    notFitted,
    error ? cardMessage(errorText(error), { error: true }) : null,
    h('table', { class: 'alert-table' }, head, body),
    episodes.length >= ALERTS_PER_LEVEL ? h('p', { class: 'muted small' }, t('alerts.more', { count: ALERTS_PER_LEVEL })) : null);
}

/** An episode is known by its id; an alert from before episodes by its customer (one such row each). */
const episodeKey = (episode) => episode.episodeId ?? `${episode.customerId}/before-episodes`;

/** The episode's row, and below it its timeline when opened (kept open across refreshes). */
function episodeRows(episode) {
  const key = episodeKey(episode);
  const expanded = state.alerts.expanded.has(key);
  const main = episode.reasons?.[0];
  const toggle = h('button', {
    type: 'button', class: 'link-button', 'data-testid': 'episode-toggle', 'aria-expanded': String(expanded),
    onclick: () => {
      if (expanded) state.alerts.expanded.delete(key);
      else state.alerts.expanded.add(key);
      renderAlerts();
    },
  }, t('alerts.timeline', { count: formatNumber(episode.messageCount) }));
  const row = h('tr', { 'data-customer-id': episode.customerId, 'data-episode-id': episode.episodeId ?? undefined, 'data-state': episode.state, class: `level-${episode.level}` },
    h('td', { class: 'nowrap' }, customerLink(episode.customerId),
      episode.valueTier ? h('div', { class: 'muted small' }, segmentName('value_tier', episode.valueTier)) : null),
    h('td', { class: 'nowrap' }, levelBadge(episode.level),
      episode.peakLevel !== episode.level ? h('div', { class: 'muted small' }, t('alerts.peak', { level: levelName(episode.peakLevel) })) : null),
    h('td', { class: 'nowrap' }, episode.state === 'open' ? riskMeter(episode.riskScore, episode.level) : '—'),
    // Long texts are cut to two lines to keep the list dense; the full text is in the tooltip.
    h('td', { title: main ? `${reasonCodeName(main.code)} ${main.text ?? ''}` : undefined }, h('div', { class: 'clamp' }, main ? churnReasonNode(main) : '—')),
    h('td', { title: episode.action || undefined }, h('div', { class: 'clamp' }, episode.action || '—')),
    h('td', { class: 'nowrap', title: episode.episodeId ?? t('alerts.beforeEpisodes') },
      h('div', {}, t(`alerts.state.${episode.state}`), episode.openingCause === 'rules_changed' ? h('span', { class: 'muted' }, ` · ${causeName('rules_changed')}`) : null),
      h('div', { class: 'muted small' }, t('alerts.opened', { time: formatShortTime(episode.openedAt) })),
      episode.closedAt !== null ? h('div', { class: 'muted small' }, t('alerts.closed', { time: formatShortTime(episode.closedAt) })) : null),
    h('td', { class: 'nowrap' }, toggle));
  if (!expanded) return [row];
  return [row, h('tr', { class: 'episode-timeline-row' }, h('td', { colspan: 7 }, episodeTimeline(episode)))];
}

/** The episode's messages, newest first: what each did to the episode, its level, risk and main reason. */
function episodeTimeline(episode) {
  const items = episode.messages.map((m) => h('li', { class: 'episode-message', 'data-testid': 'episode-message', 'data-episode-event': m.episodeEvent ?? undefined },
    h('time', { title: formatDateTime(m.eventTime) }, formatShortTime(m.eventTime)),
    h('span', { class: 'episode-event' }, m.episodeEvent ? episodeEventName(m.episodeEvent) : t('alerts.beforeEpisodes')),
    levelBadge(m.level),
    m.level !== 'cleared' ? h('span', { class: 'muted' }, formatPercent(m.riskScore, 0)) : null,
    m.reasons?.[0] ? churnReasonNode(m.reasons[0]) : null,
    m.cause === 'rules_changed' ? h('span', { class: 'muted' }, causeName(m.cause)) : null));
  return h('div', { class: 'episode-timeline' },
    h('ol', { 'data-testid': 'episode-timeline' }, items),
    episode.messageCount > episode.messages.length ? h('p', { class: 'muted small' }, t('alerts.timelineMore', { count: formatNumber(episode.messageCount), shown: episode.messages.length })) : null);
}

function riskMeter(score, level) {
  const fill = h('span', { class: `meter-fill level-${level}` });
  fill.style.width = `${Math.round(Math.min(1, Math.max(0, score ?? 0)) * 100)}%`;
  return h('span', { class: 'risk-meter' }, h('span', { class: 'meter-track' }, fill), h('span', { class: 'meter-value' }, formatPercent(score, 0)));
}

// ---------------------------------------------------------------------------------------------
// Customer search (客户查询)
// ---------------------------------------------------------------------------------------------

const runSearch = debounce(async (prefix) => {
  const seq = ++state.search.seq;
  if (!prefix) {
    showSearchResults([]);
    return;
  }
  try {
    const body = await api(`/api/customers?q=${encodeURIComponent(prefix)}&limit=20`);
    if (seq !== state.search.seq) return; // a newer keystroke already asked again
    showSearchResults(body.customers ?? [], prefix);
  } catch (err) {
    if (seq === state.search.seq && err.status !== 401) showSearchResults([], prefix, err);
  }
}, SEARCH_DEBOUNCE_MS);

function showSearchResults(customers, prefix = '', error = null) {
  const list = $('#search-results');
  const input = $('[data-testid="search-input"]');
  state.search.results = customers;
  state.search.active = -1;
  if (!prefix) {
    list.hidden = true;
    fill(list);
    input.setAttribute('aria-expanded', 'false');
    return;
  }
  const items = customers.map((id, i) => h('li', {
    role: 'option', id: `search-option-${i}`, class: 'search-option', 'data-customer-id': id,
    // mousedown, not click: it fires before the input's blur hides the list
    onmousedown: (e) => { e.preventDefault(); chooseCustomer(id); },
  }, id));
  if (items.length === 0) items.push(h('li', { class: 'search-none' }, error ? errorText(error) : t('search.none')));
  fill(list, ...items);
  list.hidden = false;
  input.setAttribute('aria-expanded', 'true');
}

function chooseCustomer(customerId) {
  const input = $('[data-testid="search-input"]');
  input.value = '';
  state.search.seq++;
  showSearchResults([]);
  input.blur();
  location.hash = customerHref(customerId);
}

function onSearchKey(event) {
  const { results } = state.search;
  if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
    if (results.length === 0) return;
    event.preventDefault();
    const step = event.key === 'ArrowDown' ? 1 : -1;
    state.search.active = (state.search.active + step + results.length) % results.length;
    for (const [i, el] of [...document.querySelectorAll('.search-option')].entries()) el.classList.toggle('active', i === state.search.active);
    event.target.setAttribute('aria-activedescendant', `search-option-${state.search.active}`);
  } else if (event.key === 'Enter') {
    event.preventDefault();
    const typed = event.target.value.trim();
    const picked = results[state.search.active] ?? (results.length === 1 ? results[0] : typed);
    if (picked) chooseCustomer(picked);
  } else if (event.key === 'Escape') {
    showSearchResults([]);
  }
}

// ---------------------------------------------------------------------------------------------
// Routing: #/ is the overview, #/customer/<id> the drill-down (so the back button works)
// ---------------------------------------------------------------------------------------------

function currentRoute() {
  const match = /^#\/customer\/(.+)$/.exec(location.hash);
  if (!match) return { view: 'overview' };
  try {
    return { view: 'customer', id: decodeURIComponent(match[1]) };
  } catch {
    return { view: 'overview' };
  }
}

function onRoute() {
  const route = currentRoute();
  const overview = $('#view-overview');
  const customer = $('#view-customer');
  if (route.view === 'customer') {
    overview.hidden = true;
    customer.hidden = false;
    if (route.id !== state.detail.id) {
      state.detail = { id: route.id, data: null, error: null, notFound: false, seq: state.detail.seq + 1 };
      window.scrollTo(0, 0);
    }
    renderDetail();
    if (state.running) loadDetail();
  } else {
    state.detail = { id: null, data: null, error: null, notFound: false, seq: state.detail.seq + 1 };
    customer.hidden = true;
    fill(customer); // the drill-down root exists only while a customer is shown
    overview.hidden = false;
    renderTrend(); // the chart's width is measured: redraw now that it is visible
  }
}

// ---------------------------------------------------------------------------------------------
// Drill-down (客户详情)
// ---------------------------------------------------------------------------------------------

async function loadDetail() {
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
function scheduleDetailRefresh() {
  clearTimeout(timers.detailSoon);
  timers.detailSoon = setTimeout(loadDetail, 1500);
}

function renderDetail() {
  const { id, data, error, notFound } = state.detail;
  const view = $('#view-customer');
  if (!id) return;
  const root = h('section', { class: 'detail', 'data-testid': 'customer-detail', 'data-customer-id': id });
  const header = h('header', { class: 'detail-head' },
    h('a', { href: '#/', class: 'back-link' }, t('detail.back')),
    h('h2', {}, t('detail.title', { id })),
    data?.asOf ? h('span', { class: 'muted' }, t('detail.asOf', { time: formatDateTime(data.asOf) })) : null,
    h('button', { type: 'button', class: 'link-button', onclick: loadDetail }, t('detail.refresh')));
  root.append(header);

  if (!data) {
    if (notFound) root.append(cardMessage(t('detail.notFound', { id }), { error: true }));
    else if (error) root.append(cardMessage(errorText(error), { error: true, retry: loadDetail }));
    else root.append(cardMessage(t('detail.loading', { id })));
    fill(view, root);
    return;
  }
  if (error) root.append(cardMessage(errorText(error), { error: true, retry: loadDetail }));
  root.append(h('div', { class: 'detail-grid' },
    h('div', { class: 'detail-col' }, profileCard(data.profile ?? {}), churnCard(data.churn), valueCard(data.features ?? {}), explanationCard(data.segments ?? [])),
    h('div', { class: 'detail-col' }, featuresCard(data.features ?? {}), timelineCard(data.timeline ?? []))));
  fill(view, root);
}

function card(titleKey, attrs, ...children) {
  return h('section', { class: 'card', ...attrs }, h('header', { class: 'card-head' }, h('h3', {}, t(titleKey))), ...children);
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
  const rows = PROFILE_FIELDS
    .map(([field, keys]) => [field, keys.map((k) => profile[k]).find((v) => v !== undefined && v !== null && v !== '')])
    .filter(([, value]) => value !== undefined)
    .map(([field, value]) => h('div', { class: 'kv' }, h('dt', {}, t(`detail.profile.${field}`)), h('dd', {}, profileValue(field, value))));
  return card('detail.profile', { class: 'card profile-card' },
    rows.length ? h('dl', { class: 'kv-list' }, rows) : h('p', { class: 'empty' }, t('detail.profile.none')));
}

function churnCard(churn) {
  if (!churn) return card('detail.churn', { class: 'card churn-card' }, h('p', { class: 'empty' }, t('detail.churn.none')));
  return card('detail.churn', { class: `card churn-card level-${churn.level}` },
    h('div', { class: 'churn-summary' },
      levelBadge(churn.level),
      h('span', { class: 'muted' }, t('detail.churn.score')),
      riskMeter(churn.riskScore, churn.level),
      churn.eventTime ? h('span', { class: 'muted' }, `${t('detail.churn.since')} ${formatDateTime(churn.eventTime)}`) : null,
      churn.episodeId ? h('span', { class: 'muted', title: churn.episodeId }, `${labelText('alerts.col.episode')}${episodeEventName(churn.episodeEvent)}`) : null),
    churn.reasons?.length ? h('div', {}, h('h4', {}, t('detail.churn.reasons')), h('ul', { class: 'reasons' }, churn.reasons.map((r) => h('li', {}, churnReasonNode(r))))) : null,
    churn.action ? h('p', { class: 'feed-advice' }, h('strong', {}, labelText('common.action')), churn.action) : null);
}

/** The predicted value (客户终身价值, CLTV) the value tier reads beside the realised one: absent without an order. */
const CLTV_FEATURES = ['clv_12m', 'expected_orders_12m', 'expected_order_value'];

function valueCard(features) {
  if (typeof features.clv_12m !== 'number') return card('detail.cltv', { class: 'card value-card', 'data-testid': 'cltv' }, h('p', { class: 'empty' }, t('detail.cltv.none')));
  return card('detail.cltv', { class: 'card value-card', 'data-testid': 'cltv' },
    h('dl', { class: 'kv-list' }, CLTV_FEATURES.map((name) => h('div', { class: 'kv', 'data-feature': name },
      h('dt', { title: name }, featureName(name)), h('dd', { class: 'num' }, formatFeatureValue(name, features[name]))))),
    h('p', { class: 'muted small' }, t('detail.cltv.note')));
}

/** Current segments with since-time, strategy and why (reasons in words and the flags). */
function explanationCard(segments) {
  const blocks = segments.map((seg) => h('div', { class: 'explain-block', 'data-dimension': seg.dimension },
    h('div', { class: 'explain-head' },
      h('span', { class: 'explain-dimension' }, dimensionName(seg.dimension)),
      h('span', { class: 'badge segment' }, segmentName(seg.dimension, seg.segment)),
      h('span', { class: 'muted small' }, t('detail.since', { time: formatDateTime(seg.since, { seconds: false }) }))),
    seg.strategy ? h('div', { class: 'explain-line' }, h('strong', {}, labelText('detail.strategy')), seg.strategy) : null,
    h('div', { class: 'explain-line' }, h('strong', {}, labelText('detail.reasons')),
      seg.reasons?.length ? h('ul', { class: 'reasons inline' }, seg.reasons.map((r) => h('li', { title: r.condition ?? '' }, reasonInWords(r)))) : h('span', { class: 'muted' }, t('detail.noReasons'))),
    seg.flags?.length ? h('div', { class: 'explain-line' }, h('strong', {}, labelText('detail.flags')),
      seg.flags.map((f) => h('span', { class: 'badge flag' }, segmentName(seg.dimension, f)))) : null,
    seg.rule ? h('div', { class: 'explain-rule muted small' }, labelText('detail.rule'), h('code', {}, seg.rule)) : null));
  return card('detail.segments', { class: 'card explanation-card', 'data-testid': 'explanation' },
    blocks.length ? blocks : h('p', { class: 'empty' }, t('detail.segments.none')));
}

function featuresCard(features) {
  const names = Object.keys(features);
  const rank = (name) => { const i = FEATURE_ORDER.indexOf(name); return i < 0 ? FEATURE_ORDER.length : i; };
  names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const rows = names.map((name) => h('tr', {},
    h('th', { scope: 'row', title: name, class: featureName(name) === name ? 'raw-name' : undefined }, featureName(name)),
    h('td', { class: 'num' }, formatFeatureValue(name, features[name]))));
  return card('detail.features', { class: 'card features-card' },
    rows.length
      ? h('table', { class: 'kv-table' }, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('detail.feature')), h('th', { scope: 'col', class: 'num' }, t('detail.value')))), h('tbody', {}, rows))
      : h('p', { class: 'empty' }, t('detail.features.none')));
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
    return h('li', { class: `timeline-item kind-${e.kind}` },
      h('time', { class: 'muted nowrap', title: `${e.time} UTC` }, ms === null ? String(e.time) : formatDateTime(ms)),
      h('span', { class: `badge tl-${e.kind}` }, timelineKindName(e.kind)),
      h('span', { class: 'timeline-detail' }, timelineDetail(e)),
      h('code', { class: 'timeline-id muted small' }, e.id ?? ''));
  });
  return card('detail.timeline', { class: 'card timeline-card' },
    items.length ? h('ol', { class: 'timeline' }, items) : h('p', { class: 'empty' }, t('detail.timeline.none')));
}

// ---------------------------------------------------------------------------------------------
// Trend chart (趋势): customers per segment per day, inline SVG drawn here
// ---------------------------------------------------------------------------------------------

function renderTrendControls() {
  const form = $('#trend-controls');
  fillSelect(form.elements.dimension, state.dimensions.map((d) => [d.name, dimensionName(d.name)]), state.trend.dimension);
  fillSelect(form.elements.days, TREND_RANGES.map((n) => [String(n), t('trend.days', { days: n })]), String(state.trend.days));
}

/** YYYY-MM-DD of the browser's calendar, `daysAgo` days back. */
function isoDay(daysAgo) {
  const d = new Date(Date.now() - daysAgo * 86_400_000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

async function loadTrend() {
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
    if (err.status === 401 || err.name === 'AbortError') return;
    state.trend.error = err;
  } finally {
    state.trend.loading = false;
  }
  renderTrend();
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

/** Round axis steps (1, 2, 2.5, 5 × 10ⁿ) for about `count` gridlines. */
function niceScale(max, count = 4) {
  if (max <= 0) return { top: 1, step: 1 };
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((m) => m >= raw);
  const top = Math.ceil(max / step) * step;
  return { top, step: Math.max(step, Number.EPSILON) };
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
    segment,
    colour: CHART_COLOURS[i % CHART_COLOURS.length],
    values: days.map((day) => values.get(`${day}\u0000${segment}`) ?? 0),
  }));
  return { days, series };
}

function renderTrend() {
  const box = $('[data-testid="trend-chart"]');
  const legend = $('#trend-legend');
  const { data, error, loading } = state.trend;
  box.dataset.dimension = state.trend.dimension;
  if (!data || data.dimension !== state.trend.dimension) {
    fill(legend);
    fill(box, error ? cardMessage(errorText(error), { error: true, retry: loadTrend }) : cardMessage(loading || state.running ? t('common.loading') : ''));
    return;
  }
  const { days, series } = trendSeries(data);
  if (days.length === 0) {
    fill(legend);
    fill(box, cardMessage(t('trend.empty')));
    return;
  }
  if (box.offsetParent === null) return; // hidden (drill-down open): drawn when shown again
  fill(box, drawChart(box, days, series), error ? cardMessage(errorText(error), { error: true }) : null);
  renderLegend(legend, data.dimension, series);
}

function drawChart(box, days, series) {
  const width = Math.max(320, box.clientWidth || 800);
  const height = 260;
  const m = { left: 56, right: 16, top: 12, bottom: 44 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const visible = series.filter((sr) => !state.trend.hidden.has(sr.segment));
  const { top, step } = niceScale(Math.max(0, ...visible.flatMap((sr) => sr.values)));
  const x = (i) => m.left + (days.length === 1 ? plotW / 2 : (i * plotW) / (days.length - 1));
  const y = (v) => m.top + plotH - (v / top) * plotH;

  const svg = s('svg', {
    class: 'chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': `${t('trend.title')}: ${dimensionName(state.trend.dimension)}`,
  });

  // Horizontal gridlines with the customer counts.
  for (let v = 0; v <= top + step / 2; v += step) {
    svg.append(s('line', { class: 'grid', x1: m.left, x2: width - m.right, y1: y(v), y2: y(v) }));
    svg.append(s('text', { class: 'tick', x: m.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, formatNumber(v, 1)));
  }
  // Day labels, thinned so they never overlap.
  const every = Math.max(1, Math.ceil(days.length / Math.max(1, Math.floor(plotW / 56))));
  days.forEach((day, i) => {
    if (i % every !== 0 && i !== days.length - 1) return;
    if (i === days.length - 1 && i % every !== 0 && (i % every) < every / 2) return; // too close to the previous label
    svg.append(s('line', { class: 'axis', x1: x(i), x2: x(i), y1: m.top + plotH, y2: m.top + plotH + 4 }));
    svg.append(s('text', { class: 'tick', x: x(i), y: m.top + plotH + 16, 'text-anchor': 'middle' }, day.slice(5)));
  });
  svg.append(s('line', { class: 'axis', x1: m.left, x2: width - m.right, y1: m.top + plotH, y2: m.top + plotH }));
  svg.append(s('text', { class: 'axis-title', x: m.left + plotW / 2, y: height - 6, 'text-anchor': 'middle' }, t('trend.xAxis')));
  svg.append(s('text', { class: 'axis-title', x: 14, y: m.top + plotH / 2, 'text-anchor': 'middle', transform: `rotate(-90 14 ${m.top + plotH / 2})` }, t('trend.yAxis')));

  for (const sr of visible) {
    const points = sr.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    svg.append(s('polyline', { class: 'series', points, stroke: sr.colour }));
    if (days.length <= 45) {
      sr.values.forEach((v, i) => svg.append(s('circle', { class: 'point', cx: x(i), cy: y(v), r: 2.5, fill: sr.colour })));
    }
  }

  // Hover: a guide line and a tooltip with every visible segment's count that day.
  const guide = s('line', { class: 'guide', x1: 0, x2: 0, y1: m.top, y2: m.top + plotH, visibility: 'hidden' });
  const overlay = s('rect', { class: 'overlay', x: m.left, y: m.top, width: plotW, height: plotH });
  svg.append(guide, overlay);
  const tip = h('div', { class: 'chart-tip', hidden: true });
  overlay.addEventListener('mousemove', (event) => {
    const bounds = svg.getBoundingClientRect();
    const px = ((event.clientX - bounds.left) / bounds.width) * width;
    const i = days.length === 1 ? 0 : Math.round(((px - m.left) / plotW) * (days.length - 1));
    const index = Math.min(days.length - 1, Math.max(0, i));
    guide.setAttribute('x1', x(index));
    guide.setAttribute('x2', x(index));
    guide.setAttribute('visibility', 'visible');
    const rows = [...visible].sort((a, b) => b.values[index] - a.values[index]).map((sr) => {
      const swatch = h('span', { class: 'swatch' });
      swatch.style.background = sr.colour;
      return h('div', { class: 'tip-row' }, swatch, h('span', {}, segmentName(state.trend.dimension, sr.segment)), h('strong', {}, formatNumber(sr.values[index])));
    });
    fill(tip, h('div', { class: 'tip-day' }, days[index]), ...rows);
    tip.hidden = false;
    const left = (x(index) / width) * bounds.width;
    tip.style.left = `${Math.min(bounds.width - 180, left + 12)}px`;
    tip.style.top = `${m.top}px`;
  });
  overlay.addEventListener('mouseleave', () => {
    guide.setAttribute('visibility', 'hidden');
    tip.hidden = true;
  });
  const wrap = h('div', { class: 'chart-wrap' }, svg, tip);
  return wrap;
}

function renderLegend(legend, dimension, series) {
  legend.title = t('trend.legendHint');
  fill(legend, ...series.map((sr) => {
    const hidden = state.trend.hidden.has(sr.segment);
    const swatch = h('span', { class: 'swatch' });
    swatch.style.background = sr.colour;
    return h('li', {}, h('button', {
      type: 'button', class: hidden ? 'legend-item off' : 'legend-item', 'aria-pressed': String(!hidden),
      onclick: () => {
        if (hidden) state.trend.hidden.delete(sr.segment);
        else state.trend.hidden.add(sr.segment);
        renderTrend();
      },
    }, swatch, segmentName(dimension, sr.segment), h('span', { class: 'muted' }, formatNumber(sr.values.at(-1) ?? 0))));
  }));
}

// ---------------------------------------------------------------------------------------------
// Start and stop
// ---------------------------------------------------------------------------------------------

async function loadDimensions() {
  try {
    const body = await api('/api/dimensions');
    state.dimensions = (body.dimensions ?? []).map((d) => ({ name: d.name, segments: d.segments ?? [] }));
    state.churnModelFitted = body.churnModel?.fitted ?? true;
    renderAlerts();
  } catch (err) {
    if (err.status === 401) throw err;
    // Without the list the page still works (names come from the sizes); try again shortly.
    timers.dimensions = setTimeout(() => { if (state.running) loadDimensions().catch(() => {}); }, 5000);
  }
  afterDimensions();
}

function afterDimensions() {
  if (!state.trend.dimension || (state.dimensions.length > 0 && !state.dimensions.some((d) => d.name === state.trend.dimension))) {
    state.trend.dimension = state.dimensions[0]?.name ?? '';
    state.trend.data = null;
  }
  if (state.trend.dimension && !state.trend.data && !state.trend.loading) loadTrend();
  renderFilterOptions();
  renderTrendControls();
  renderSizes();
}

async function startApp() {
  stopApp();
  state.running = true;
  $('#token-overlay').hidden = true;
  connectStream();
  try {
    await loadDimensions();
  } catch {
    return; // 401: the token form is showing
  }
  if (!state.running) return;
  refreshSizes();
  refreshAlerts();
  timers.sizes = setInterval(() => { if (!document.hidden) refreshSizes(); }, SIZES_REFRESH_MS);
  timers.alerts = setInterval(() => { if (!document.hidden) refreshAlerts(); }, ALERTS_REFRESH_MS);
  // Days are closed once a day, but today's point moves: an occasional refresh keeps it honest.
  timers.trend = setInterval(() => { if (!document.hidden && !state.detail.id) loadTrend(); }, TREND_REFRESH_MS);
  if (state.detail.id) loadDetail();
}

function stopApp() {
  state.running = false;
  closeStream();
  for (const key of ['sizes', 'alerts', 'trend', 'countdown']) clearInterval(timers[key]);
  for (const key of ['alertsSoon', 'detailSoon', 'dimensions']) clearTimeout(timers[key]);
  setConnection('disconnected');
}

function bindEvents() {
  $('#token-form').addEventListener('submit', onTokenSubmit);
  $('[data-testid="lang-switch"]').addEventListener('click', switchLanguage);
  $('#change-token').addEventListener('click', () => {
    try { sessionStorage.removeItem(TOKEN_KEY); } catch { /* nothing stored */ }
    memoryToken = '';
    stopApp();
    showTokenForm('');
  });
  const filters = $('#feed-filters');
  filters.addEventListener('change', onFilterChange);
  filters.addEventListener('reset', (e) => {
    e.preventDefault();
    applyFilters({ dimension: '', segment: '', level: '', valueTier: '' });
  });
  filters.addEventListener('submit', (e) => e.preventDefault());
  $('#trend-controls').addEventListener('change', onTrendControls);
  $('#trend-controls').addEventListener('submit', (e) => e.preventDefault());

  const search = $('[data-testid="search-input"]');
  search.addEventListener('input', () => runSearch(search.value.trim()));
  search.addEventListener('keydown', onSearchKey);
  search.addEventListener('blur', () => setTimeout(() => showSearchResults([]), 150));

  window.addEventListener('hashchange', onRoute);
  window.addEventListener('resize', debounce(renderTrend, 200));
  // Back online: do not wait for the backoff to run out.
  window.addEventListener('online', () => { if (state.running && state.conn.state === 'disconnected') connectStream(); });
  document.addEventListener('visibilitychange', () => {
    if (document.hidden || !state.running) return;
    refreshSizes();
    refreshAlerts();
  });
}

function boot() {
  setLanguage(initialLanguage());
  bindEvents();
  renderAll();
  onRoute();
  if (currentToken()) startApp();
  else showTokenForm('');
}

boot();
