// The operations console (运营控制台): one page, plain ES modules, no framework, no build step.
//
// Data flows one way: the API and the live stream fill `state` (lib/state.js), and each view
// module (views/) draws its part of the page from it. This module starts and stops the page,
// routes between its pages (#/ overview, #/customer/<id>, #/outcomes, #/crm) and redraws
// everything when the language changes. The alert inbox is a module of its own (alert-inbox.js).

import { LANGUAGES, getLanguage, setLanguage, t } from './i18n.js';
import { api, currentToken, onUnauthorized } from './lib/api.js';
import { $, debounce } from './lib/dom.js';
import { state, timers } from './lib/state.js';
import { refreshAlerts, renderAlerts, scheduleAlertsRefresh } from './views/alerts.js';
import { showCrm, renderCrm } from './views/crm.js';
import { openDetail, renderDetail, scheduleDetailRefresh } from './views/customer.js';
import { addToFeed, bindFeedFilters, forgetFeedRows, renderFeed, renderFilterOptions } from './views/feed.js';
import { showOutcomes, renderOutcomes } from './views/outcomes.js';
import { bindSearch } from './views/search.js';
import { adjustSizes, refreshSizes, renderSizes } from './views/sizes.js';
import { closeStream, connectStream, onStreamEvent, renderConnection, setConnection } from './views/stream.js';
import { bindTokenForm, showTokenForm } from './views/token.js';
import { bindTrendControls, loadTrend, renderTrend, renderTrendControls, trendAfterDimensions } from './views/trends.js';

const LANGUAGE_KEY = 'console.language'; // localStorage: a preference, not a secret
const SIZES_REFRESH_MS = 10_000;
const ALERTS_REFRESH_MS = 15_000;
const TREND_REFRESH_MS = 5 * 60_000;

// ---------------------------------------------------------------------------------------------
// Language (中文 / English)
// ---------------------------------------------------------------------------------------------

function initialLanguage() {
  let saved = null;
  try {
    saved = localStorage.getItem(LANGUAGE_KEY);
  } catch {
    /* no storage: fall back to the browser's language */
  }
  if (LANGUAGES.includes(saved)) return saved;
  return /^zh\b/i.test(navigator.language || '') ? 'zh' : 'en';
}

function switchLanguage() {
  const next = getLanguage() === 'zh' ? 'en' : 'zh';
  setLanguage(next);
  try {
    localStorage.setItem(LANGUAGE_KEY, next);
  } catch {
    /* the choice then lasts until reload */
  }
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
  forgetFeedRows();
  renderFeed();
  renderSizes();
  renderAlerts();
  renderTrendControls();
  renderTrend();
  renderOutcomes();
  renderCrm();
  if (state.detail.id) renderDetail();
}

// ---------------------------------------------------------------------------------------------
// Live stream events: into the feed, the sizes, the alerts and the customer on screen
// ---------------------------------------------------------------------------------------------

onStreamEvent((kind, data) => {
  if (!addToFeed(kind, data)) return; // backlog after a reconnect repeats what we have
  scheduleRender();
  if (kind === 'segment_change') adjustSizes(data);
  else scheduleAlertsRefresh();
  if (state.detail.id && data.customerId === state.detail.id) scheduleDetailRefresh();
});

/** Bursts (the backlog) are drawn once per frame rather than once per event. */
function scheduleRender() {
  if (timers.render) return;
  timers.render = requestAnimationFrame(() => {
    timers.render = 0;
    renderFeed();
    renderSizes();
  });
}

// ---------------------------------------------------------------------------------------------
// Routing: #/ is the overview, #/customer/<id> the drill-down, #/outcomes and #/crm the measures
// pages (so the back button works)
// ---------------------------------------------------------------------------------------------

const PAGES = ['overview', 'customer', 'outcomes', 'crm'];

function currentRoute() {
  if (/^#\/outcomes\/?$/.test(location.hash)) return { view: 'outcomes' };
  if (/^#\/crm\/?$/.test(location.hash)) return { view: 'crm' };
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
  for (const page of PAGES) $(`#view-${page}`).hidden = page !== route.view;
  for (const link of document.querySelectorAll('.nav a[data-page]'))
    link.setAttribute('aria-current', link.dataset.page === route.view ? 'page' : 'false');
  openDetail(route.view === 'customer' ? route.id : null);
  if (route.view === 'overview') renderTrend(); // the chart's width is measured: redraw now that it is visible
  if (route.view === 'outcomes') showOutcomes();
  if (route.view === 'crm') showCrm();
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
    timers.dimensions = setTimeout(() => {
      if (state.running) loadDimensions().catch(() => {});
    }, 5000);
  }
  trendAfterDimensions();
  renderFilterOptions();
  renderSizes();
  renderCrm();
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
  timers.sizes = setInterval(() => {
    if (!document.hidden) refreshSizes();
  }, SIZES_REFRESH_MS);
  timers.alerts = setInterval(() => {
    if (!document.hidden) refreshAlerts();
  }, ALERTS_REFRESH_MS);
  // Days are closed once a day, but today's point moves: an occasional refresh keeps it honest.
  timers.trend = setInterval(() => {
    if (!document.hidden && !state.detail.id) loadTrend();
  }, TREND_REFRESH_MS);
  onRoute(); // the page the address names (a customer, a measures page) loads now that a token is given
}

function stopApp() {
  state.running = false;
  closeStream();
  for (const key of ['sizes', 'alerts', 'trend', 'countdown']) clearInterval(timers[key]);
  for (const key of ['alertsSoon', 'detailSoon', 'dimensions']) clearTimeout(timers[key]);
  setConnection('disconnected');
}

function bindEvents() {
  bindTokenForm({ start: startApp, stop: stopApp });
  onUnauthorized(() => {
    stopApp();
    showTokenForm(t('token.rejected'));
  });
  $('[data-testid="lang-switch"]').addEventListener('click', switchLanguage);
  bindFeedFilters();
  bindTrendControls();
  bindSearch();

  window.addEventListener('hashchange', onRoute);
  window.addEventListener(
    'resize',
    debounce(() => {
      renderTrend();
      renderCrm();
    }, 200),
  );
  // Back online: do not wait for the backoff to run out.
  window.addEventListener('online', () => {
    if (state.running && state.conn.state === 'disconnected') connectStream();
  });
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
