// The live stream (/api/stream) and the connection status at the top (connected / connecting /
// disconnected): fetch() + ReadableStream with the SSE framing parsed in lib/sse-parser.js,
// reconnecting with backoff. What an event does to the page is app.js's handler (onStreamEvent).

import { t } from '../i18n.js';
import { ApiError, currentToken, unauthorized } from '../lib/api.js';
import { $ } from '../lib/dom.js';
import { createSseParser } from '../lib/sse-parser.js';
import { state, timers } from '../lib/state.js';

const STREAM_STALE_MS = 45_000; // the server sends a heartbeat every 15 s; three missed ones mean a dead connection
const BACKOFF_MIN_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;

let stream = null; // { controller, stale }
let eventHandler = () => {};

/** Where the stream's events go: (name, parsed data) for segment_change and churn_alert. */
export function onStreamEvent(handler) {
  eventHandler = handler;
}

export function setConnection(next, retryAt = 0) {
  state.conn.state = next;
  state.conn.retryAt = retryAt;
  clearInterval(timers.countdown);
  // While waiting to reconnect, count down so the manager sees the page is still trying.
  if (next === 'disconnected' && retryAt) timers.countdown = setInterval(renderConnection, 1000);
  renderConnection();
}

export function renderConnection() {
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

function streamUrl() {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(state.filters)) if (value) params.set(key, value);
  const query = params.toString();
  return `/api/stream${query ? `?${query}` : ''}`;
}

/** (Re)connects the stream now, closing any open one. */
export function connectStream() {
  closeStream();
  if (!state.running) return;
  const controller = new AbortController();
  const current = { controller, stale: false };
  stream = current;
  readStream(current)
    .catch(() => {
      /* network failure or abort: handled below, no payload logged */
    })
    .finally(() => {
      clearTimeout(timers.stale);
      // A deliberate close (filters changed, token cleared) was already replaced by its caller;
      // anything else (server closed, network dropped, heartbeat missed) reconnects with backoff.
      if (stream !== current || !state.running) return;
      if (controller.signal.aborted && !current.stale) return;
      scheduleReconnect();
    });
}

export function closeStream() {
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
    unauthorized();
    return;
  }
  setConnection('connecting');
  const response = await fetch(streamUrl(), {
    headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' },
    cache: 'no-store',
    signal: current.controller.signal,
  });
  if (response.status === 401) {
    unauthorized();
    return;
  }
  if (!response.ok || !response.body) throw new ApiError(response.status, `HTTP ${response.status}`);

  setConnection('connected');
  state.conn.attempt = 0;
  state.conn.connectedAt = Date.now();
  const parser = createSseParser(dispatch, () => {});
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

function dispatch(name, text) {
  if (name !== 'segment_change' && name !== 'churn_alert') return;
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    return; // a malformed event is skipped; the next ones still count
  }
  eventHandler(name, data);
}
