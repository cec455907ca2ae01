// The alert inbox (预警处理): churn alert episodes to work, per account manager or for the whole team,
// with an episode's timeline (alerts and work) and its steps: acknowledge, assign, record an action,
// close with an outcome. A module of its own beside app.js (no build step); it shares the page's
// token (sessionStorage) and language (i18n.js), and like app.js it writes server data into the DOM
// through textContent only. The API: docs/console.md, "Alert workflow".

import { getLanguage, levelName, reasonCodeName, episodeEventName, profileValue, segmentName, formatDateTime } from './i18n.js';

const TOKEN_KEY = 'console.accessToken'; // the same key app.js keeps the token under
const REFRESH_MS = 15_000;
const LEVELS = ['critical', 'warning', 'watch'];
const VALUE_TIERS = ['high', 'medium', 'low'];
const INDUSTRIES = ['MANUFACTURING', 'RETAIL', 'E_COMMERCE', 'OTHER'];
const STATES = ['open', 'new', 'acknowledged', 'acting', 'closed', 'all'];
const OUTCOMES = ['retained', 'won_back', 'lost', 'not_a_churn_risk'];
// Episodes left lying: open longer than a week, a month, a quarter.
const AGES = [7, 30, 90];
const DAY_MS = 86_400_000;
const OTHER_ACTION = '__other__';

// The inbox's words; names from data (levels, tiers, industries, reasons) come from i18n.js.
const WORDS = {
  title: ['预警处理', 'Alert inbox'],
  scope: ['范围', 'Inbox of'],
  team: ['全队', 'Whole team'],
  mine: ['我的', 'Mine'],
  level: ['预警级别', 'Level'],
  valueTier: ['客户价值', 'Value tier'],
  industry: ['行业', 'Industry'],
  region: ['地区', 'Region'],
  state: ['处理状态', 'State'],
  age: ['已开启', 'Open for'],
  olderThan: ['超过 {days} 天', 'Over {days} days'],
  days: ['{days} 天', '{days} d'],
  risk: ['流失风险', 'Churn risk'],
  riskScore: ['风险分 {score}', 'risk {score}'],
  riskTrend: ['各次预警的流失风险（0–1）', 'Churn risk of each alert (0–1)'],
  any: ['全部', 'All'],
  customer: ['客户', 'Customer'],
  cause: ['主要原因', 'Main cause'],
  assignee: ['负责人', 'Assignee'],
  fromProfile: ['（客户资料）', '(profile)'],
  stage: ['状态', 'State'],
  alerted: ['预警时间', 'Alerted'],
  actions: ['措施', 'Actions'],
  empty: ['没有符合条件的预警事件。', 'No alert episodes match.'],
  error: ['加载失败：{message}', 'Could not load: {message}'],
  'state.open': ['未结案', 'Not closed'],
  'state.new': ['待处理', 'New'],
  'state.acknowledged': ['已确认', 'Acknowledged'],
  'state.acting': ['处理中', 'Acting'],
  'state.closed': ['已结案', 'Closed'],
  'state.all': ['全部', 'All'],
  'outcome.retained': ['留住', 'Retained'],
  'outcome.won_back': ['挽回', 'Won back'],
  'outcome.lost': ['流失', 'Lost'],
  'outcome.not_a_churn_risk': ['非流失风险', 'Not a churn risk'],
  'kind.acknowledged': ['确认', 'Acknowledged'],
  'kind.assigned': ['分配', 'Assigned'],
  'kind.action_taken': ['措施', 'Action'],
  'kind.closed_with_outcome': ['结案', 'Closed'],
  'kind.alert': ['预警', 'Alert'],
  episode: ['预警事件', 'Alert episode'],
  close: ['关闭', 'Close'],
  recommended: ['建议措施', 'Recommended actions'],
  acknowledge: ['确认', 'Acknowledge'],
  assignTo: ['分配给', 'Assign to'],
  assign: ['分配', 'Assign'],
  action: ['措施', 'Action'],
  otherAction: ['其他措施…', 'Another action…'],
  otherActionText: ['措施说明', 'The action'],
  takenAt: ['执行时间（默认现在）', 'Taken at (default now)'],
  note: ['备注', 'Note'],
  recordAction: ['记录措施', 'Record action'],
  outcome: ['结果', 'Outcome'],
  closeEpisode: ['结案', 'Close with outcome'],
  timeline: ['时间线', 'Timeline'],
  by: ['{who}', 'by {who}'],
  recorded: ['已记录。', 'Recorded.'],
  replayed: ['此前已记录，未重复记录。', 'Already recorded; nothing new written.'],
  readOnly: ['查看角色只能查看；处理预警需要 operator 角色。', 'Viewers can only read; working alerts needs the operator role.'],
  notRecommended: ['（非建议措施）', '(not recommended)'],
};

function w(key, params = {}) {
  const pair = WORDS[key];
  const text = pair ? pair[getLanguage() === 'zh' ? 0 : 1] : key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));
}

const state = {
  me: null,
  filters: { assignee: '', level: '', valueTier: '', industry: '', region: '', openLongerThanDays: '', state: 'open' },
  data: null,
  error: '',
  episode: null, // the open panel: the answer of GET /api/episodes/<id>
  message: '',
};

// ---------------------------------------------------------------------------------------------
// DOM and API
// ---------------------------------------------------------------------------------------------

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name === 'value') el.value = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
  return el;
}

const token = () => {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
};

async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: {
      Authorization: `Bearer ${token()}`,
      Accept: 'application/json',
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  let data = {};
  try {
    data = await response.json();
  } catch {
    /* no body */
  }
  return { status: response.status, data };
}

const episodePath = (id) => `/api/episodes/${encodeURIComponent(id)}`;
const canWork = () => state.me !== null && state.me.role !== 'viewer';

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

async function load() {
  if (!token()) return;
  const q = new URLSearchParams(Object.entries(state.filters).filter(([, v]) => v !== ''));
  const r = await call('GET', `/api/inbox?${q}`).catch((err) => ({ status: 0, data: { error: err.message } }));
  if (r.status === 200) {
    state.data = r.data;
    state.error = '';
  } else if (r.status !== 401) {
    // app.js asks for a new token on a 401
    state.error = r.data.error || `HTTP ${r.status}`;
  }
  renderList();
}

async function openEpisode(id) {
  const r = await call('GET', episodePath(id));
  state.episode = r.status === 200 ? r.data : null;
  state.message = r.status === 200 ? '' : r.data.error || `HTTP ${r.status}`;
  renderPanel();
}

/** Sends one step; the answer carries the episode as it now stands (or, on 409, why not). */
async function step(path, body, form) {
  const r = await call('POST', `${episodePath(state.episode.episodeId)}/${path}`, body).catch((err) => ({
    status: 0,
    data: { error: err.message },
  }));
  if (r.status === 200 || r.status === 201) {
    const { result, record, ...episode } = r.data;
    state.episode = episode;
    state.message = w(result === 'replayed' ? 'replayed' : 'recorded');
    if (form) delete form.dataset.requestId; // done: the next action is a new request
    patchRow(episode);
  } else {
    // A network failure keeps the form's request id: sending again is recognised as the same action.
    state.message = r.data.error || `HTTP ${r.status}`;
  }
  renderPanel();
}

/**
 * The inbox reads ClickHouse, a sink flush behind the step just recorded: its row takes the
 * episode's workflow from the answer, and the next refresh reads it back from ClickHouse.
 */
function patchRow(episode) {
  const row = state.data?.episodes.find((e) => e.episodeId === episode.episodeId);
  if (!row) return;
  const wf = episode.workflow;
  Object.assign(row, {
    stage: wf.stage,
    assignee: wf.assignee,
    assigneeSource: wf.assigneeSource,
    outcome: wf.closed?.outcome ?? null,
    closedAt: wf.closed?.at ?? null,
    actions: [...new Set(wf.actions.map((a) => a.action))],
  });
  renderList();
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

const levelBadge = (level) => h('span', { class: `badge level-${level}` }, levelName(level));
const tierName = (tier) => (tier ? segmentName('value_tier', tier) : '—');
const select = (name, values, label, current, testid) =>
  h(
    'label',
    {},
    h('span', {}, w(label)),
    h(
      'select',
      { name, 'data-testid': testid },
      h('option', { value: '' }, w('any')),
      values.map(([value, text]) => h('option', { value, selected: value === current }, text)),
    ),
  );

function renderFilters() {
  const form = document.querySelector('#inbox-filters');
  const f = state.filters;
  const assignees = state.data?.assignees ?? [];
  const scope = h(
    'label',
    {},
    h('span', {}, w('scope')),
    h(
      'select',
      { name: 'assignee', 'data-testid': 'inbox-scope' },
      h('option', { value: '' }, w('team')),
      state.me ? h('option', { value: state.me.name, selected: f.assignee === state.me.name }, `${w('mine')} (${state.me.name})`) : null,
      assignees
        .filter((a) => a.assignee !== state.me?.name)
        .map((a) => h('option', { value: a.assignee, selected: f.assignee === a.assignee }, `${a.assignee} (${a.open})`)),
    ),
  );
  form.replaceChildren(
    scope,
    select(
      'level',
      LEVELS.map((l) => [l, levelName(l)]),
      'level',
      f.level,
      'inbox-level',
    ),
    select(
      'valueTier',
      VALUE_TIERS.map((t) => [t, tierName(t)]),
      'valueTier',
      f.valueTier,
      'inbox-value-tier',
    ),
    select(
      'industry',
      INDUSTRIES.map((i) => [i, profileValue('industry', i)]),
      'industry',
      f.industry,
      'inbox-industry',
    ),
    h('label', {}, h('span', {}, w('region')), h('input', { name: 'region', value: f.region, size: 10, 'data-testid': 'inbox-region' })),
    select(
      'openLongerThanDays',
      AGES.map((d) => [String(d), w('olderThan', { days: d })]),
      'age',
      f.openLongerThanDays,
      'inbox-age',
    ),
    h(
      'label',
      {},
      h('span', {}, w('state')),
      h(
        'select',
        { name: 'state', 'data-testid': 'inbox-state' },
        STATES.map((s) => h('option', { value: s, selected: s === f.state }, w(`state.${s}`))),
      ),
    ),
  );
}

function renderList() {
  const list = document.querySelector('[data-testid="inbox-list"]');
  document.querySelector('#inbox-title').textContent = w('title');
  renderFilters();
  if (state.error) {
    list.replaceChildren(h('p', { class: 'card-message error' }, w('error', { message: state.error })));
    return;
  }
  const episodes = state.data?.episodes ?? [];
  if (episodes.length === 0) {
    list.replaceChildren(h('p', { class: 'empty inbox-empty' }, w('empty')));
    return;
  }
  const head = ['customer', 'level', 'valueTier', 'industry', 'region', 'cause', 'assignee', 'stage', 'alerted', 'age', 'actions'];
  list.replaceChildren(
    h(
      'table',
      { class: 'inbox-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          head.map((k) => h('th', {}, w(k))),
        ),
      ),
      h(
        'tbody',
        {},
        episodes.map((e) =>
          h(
            'tr',
            {
              'data-testid': 'inbox-row',
              'data-episode': e.episodeId,
              tabindex: 0,
              onclick: () => openEpisode(e.episodeId),
              onkeydown: (ev) => {
                if (ev.key === 'Enter') openEpisode(e.episodeId);
              },
            },
            h('td', {}, h('code', {}, e.customerId)),
            h('td', {}, levelBadge(e.level)),
            h('td', {}, tierName(e.valueTier)),
            h('td', {}, profileValue('industry', e.industry)),
            h('td', {}, profileValue('region', e.region)),
            h('td', {}, e.mainCause ? reasonCodeName(e.mainCause) : '—'),
            h('td', {}, e.assignee ?? '—', e.assigneeSource === 'profile' ? h('span', { class: 'muted' }, w('fromProfile')) : null),
            h(
              'td',
              {},
              h('span', { class: `stage stage-${e.stage}`, 'data-testid': 'inbox-stage' }, w(`state.${e.stage}`)),
              e.outcome ? ` · ${w(`outcome.${e.outcome}`)}` : '',
            ),
            h('td', {}, formatDateTime(e.alertedAt, { seconds: false })),
            h('td', { 'data-testid': 'inbox-age-days' }, w('days', { days: openDays(e) })),
            h('td', {}, String(e.actions.length)),
          ),
        ),
      ),
    ),
  );
}

/** Whole days from the opening alert to the close, or to now while not closed: what the age filter counts. */
const openDays = (e) => Math.floor(((e.closedAt ?? Date.now()) - e.alertedAt) / DAY_MS);

const riskText = (score) => (typeof score === 'number' ? score.toFixed(2) : '—');

function timelineItem(item) {
  if (item.kind === 'alert') {
    return h(
      'li',
      { class: 'inbox-tl-item', 'data-testid': 'inbox-timeline-alert' },
      h('time', {}, formatDateTime(item.time)),
      h('span', { class: 'badge tl-churn_alert' }, w('kind.alert')),
      h(
        'span',
        {},
        `${episodeEventName(item.episodeEvent)} · `,
        levelBadge(item.level),
        ` ${w('riskScore', { score: riskText(item.riskScore) })}`,
        item.reasons?.[0] ? ` · ${reasonCodeName(item.reasons[0].code)}` : '',
      ),
    );
  }
  const detail =
    item.kind === 'assigned'
      ? item.assignee
      : item.kind === 'action_taken'
        ? `${item.action}${item.recommended ? '' : ` ${w('notRecommended')}`} · ${formatDateTime(item.actionAt, { seconds: false })}`
        : item.kind === 'closed_with_outcome'
          ? w(`outcome.${item.outcome}`)
          : '';
  return h(
    'li',
    { class: 'inbox-tl-item', 'data-testid': 'inbox-timeline-work' },
    h('time', {}, formatDateTime(item.time)),
    h('span', { class: 'badge tl-work' }, w(`kind.${item.kind}`)),
    h('span', {}, [detail, w('by', { who: item.by }), item.note].filter(Boolean).join(' · ')),
  );
}

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  el.append(...children);
  return el;
}

/**
 * The churn risk of each alert of the episode over time, oldest left: a line through one dot per
 * alert (its level's colour; hover for time, level and risk), on a fixed 0–1 scale so two episodes
 * read alike. Drawn with SVG elements and text nodes, no markup from data.
 */
function riskChart(timeline) {
  const alerts = timeline.filter((t) => t.kind === 'alert' && typeof t.riskScore === 'number').sort((a, b) => a.time - b.time);
  if (alerts.length === 0) return null;
  const width = 260,
    height = 56,
    pad = 6;
  const first = alerts[0].time,
    span = alerts.at(-1).time - first;
  const x = (a, i) => pad + (width - 2 * pad) * (span > 0 ? (a.time - first) / span : alerts.length > 1 ? i / (alerts.length - 1) : 0.5);
  const y = (a) => pad + (height - 2 * pad) * (1 - Math.min(1, Math.max(0, a.riskScore)));
  const points = alerts.map((a, i) => `${x(a, i).toFixed(1)},${y(a).toFixed(1)}`).join(' ');
  const chart = svg(
    'svg',
    { class: 'inbox-risk-chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'data-testid': 'inbox-risk-chart' },
    svg('title', {}, w('riskTrend')),
    svg('line', { x1: pad, x2: width - pad, y1: height / 2, y2: height / 2, class: 'risk-mid' }),
    svg('polyline', { points, class: 'risk-line' }),
    ...alerts.map((a, i) =>
      svg(
        'circle',
        {
          cx: x(a, i).toFixed(1),
          cy: y(a).toFixed(1),
          r: 3.5,
          class: `risk-dot risk-${a.level}`,
          'data-testid': 'inbox-risk-point',
          'data-risk': riskText(a.riskScore),
        },
        svg('title', {}, `${formatDateTime(a.time, { seconds: false })} · ${levelName(a.level)} · ${riskText(a.riskScore)}`),
      ),
    ),
  );
  const latest = alerts.at(-1);
  return h(
    'div',
    { class: 'inbox-risk' },
    h('span', { class: 'muted' }, w('risk')),
    chart,
    h(
      'span',
      { 'data-testid': 'inbox-risk-latest' },
      alerts.length > 1 ? `${riskText(alerts[0].riskScore)} → ${riskText(latest.riskScore)}` : riskText(latest.riskScore),
    ),
  );
}

function stepForms(e) {
  const stage = e.workflow.stage;
  if (!canWork()) return [h('p', { class: 'muted' }, w('readOnly'))];
  if (stage === 'closed') return [];
  const forms = [];
  if (stage === 'new')
    forms.push(
      h(
        'button',
        { type: 'button', class: 'primary', 'data-testid': 'inbox-acknowledge', onclick: () => step('acknowledge', {}) },
        w('acknowledge'),
      ),
    );
  forms.push(
    h(
      'form',
      {
        class: 'inbox-step',
        'data-testid': 'inbox-assign-form',
        onsubmit: (ev) => {
          ev.preventDefault();
          const assignee = ev.target.elements.assignee.value.trim();
          step('assign', assignee ? { assignee } : {});
        },
      },
      h(
        'label',
        {},
        w('assignTo'),
        h('input', { name: 'assignee', size: 12, placeholder: e.accountManager ?? '', value: e.workflow.assigned?.assignee ?? '' }),
      ),
      h('button', { type: 'submit' }, w('assign')),
    ),
  );
  if (stage === 'new') return forms;
  forms.push(
    h(
      'form',
      {
        class: 'inbox-step',
        'data-testid': 'inbox-action-form',
        onsubmit: (ev) => {
          ev.preventDefault();
          const f = ev.target.elements;
          const action = f.action.value === OTHER_ACTION ? f.other.value.trim() : f.action.value;
          if (!action) return;
          const form = ev.target;
          form.dataset.requestId ||= crypto.randomUUID();
          const body = { action, note: f.note.value.trim(), requestId: form.dataset.requestId };
          if (f.takenAt.value) body.takenAt = new Date(f.takenAt.value).toISOString();
          step('actions', body, form);
        },
      },
      h(
        'label',
        {},
        w('action'),
        h(
          'select',
          { name: 'action', 'data-testid': 'inbox-action' },
          e.recommendedActions.map((a) => h('option', { value: a }, a)),
          h('option', { value: OTHER_ACTION }, w('otherAction')),
        ),
      ),
      h('input', { name: 'other', size: 16, placeholder: w('otherActionText') }),
      h('label', {}, w('takenAt'), h('input', { name: 'takenAt', type: 'datetime-local' })),
      h('input', { name: 'note', size: 20, placeholder: w('note'), 'data-testid': 'inbox-action-note' }),
      h('button', { type: 'submit' }, w('recordAction')),
    ),
  );
  forms.push(
    h(
      'form',
      {
        class: 'inbox-step',
        'data-testid': 'inbox-close-form',
        onsubmit: (ev) => {
          ev.preventDefault();
          step('close', { outcome: ev.target.elements.outcome.value, note: ev.target.elements.note.value.trim() });
        },
      },
      h(
        'label',
        {},
        w('outcome'),
        h(
          'select',
          { name: 'outcome', 'data-testid': 'inbox-outcome' },
          OUTCOMES.map((o) => h('option', { value: o }, w(`outcome.${o}`))),
        ),
      ),
      h('input', { name: 'note', size: 20, placeholder: w('note') }),
      h('button', { type: 'submit' }, w('closeEpisode')),
    ),
  );
  return forms;
}

function renderPanel() {
  const panel = document.querySelector('[data-testid="inbox-panel"]');
  const e = state.episode;
  if (!e) {
    panel.hidden = !state.message;
    panel.replaceChildren(state.message ? h('p', { class: 'card-message error' }, state.message) : '');
    return;
  }
  panel.hidden = false;
  const wf = e.workflow;
  panel.replaceChildren(
    h(
      'header',
      { class: 'card-head' },
      h('h3', {}, `${w('episode')} `, h('code', {}, e.episodeId)),
      e.level ? levelBadge(e.level) : null,
      h(
        'span',
        { class: `stage stage-${wf.stage}`, 'data-testid': 'inbox-panel-stage' },
        w(`state.${wf.stage}`),
        wf.closed ? ` · ${w(`outcome.${wf.closed.outcome}`)}` : '',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'link-button',
          onclick: () => {
            state.episode = null;
            state.message = '';
            renderPanel();
          },
        },
        w('close'),
      ),
    ),
    h(
      'div',
      { class: 'inbox-panel-body' },
      h('p', {}, `${w('assignee')}: ${wf.assignee ?? '—'}`, wf.assigneeSource === 'profile' ? ` ${w('fromProfile')}` : ''),
      h('p', {}, `${w('recommended')}: `, e.recommendedActions.join(' / ') || '—'),
      state.message ? h('p', { class: 'inbox-message', role: 'status', 'data-testid': 'inbox-message' }, state.message) : null,
      h('div', { class: 'inbox-steps' }, stepForms(e)),
      h('h4', {}, w('timeline')),
      riskChart(e.timeline),
      h('ol', { class: 'inbox-timeline', 'data-testid': 'inbox-timeline' }, e.timeline.map(timelineItem)),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Start: once the page has a token (app.js asks for it), and again in the other language
// ---------------------------------------------------------------------------------------------

let refresh = 0;

/** Who signs in (a changed token can be another person, with another role), then the inbox. */
async function start() {
  if (!token()) return;
  const me = await call('GET', '/api/me').catch(() => ({ status: 0, data: {} }));
  state.me = me.status === 200 ? me.data : null;
  await load();
  openLinkedEpisode();
  refresh ||= setInterval(() => {
    if (!document.hidden && token()) load();
  }, REFRESH_MS);
}

/** A link from a notification (`#/episode/<id>`, the notifier's consoleUrl) opens that episode here. */
function openLinkedEpisode() {
  const match = /^#\/episode\/(.+)$/.exec(location.hash);
  if (!match || !token()) return;
  let id;
  try {
    id = decodeURIComponent(match[1]);
  } catch {
    return;
  }
  openEpisode(id).then(() => document.querySelector('[data-testid="alert-inbox"]').scrollIntoView());
}

function boot() {
  window.addEventListener('hashchange', openLinkedEpisode);
  const form = document.querySelector('#inbox-filters');
  form.addEventListener('change', (ev) => {
    const { name, value } = ev.target;
    if (name in state.filters) state.filters[name] = value.trim();
    load();
  });
  form.addEventListener('submit', (ev) => ev.preventDefault());
  // app.js sets <html lang> whenever the language changes: draw everything again.
  new MutationObserver(() => {
    renderList();
    renderPanel();
  }).observe(document.documentElement, { attributes: true, attributeFilter: ['lang'] });
  // The token form hides once a token is given.
  const overlay = document.querySelector('#token-overlay');
  new MutationObserver(() => {
    if (overlay.hidden) start();
  }).observe(overlay, { attributes: true, attributeFilter: ['hidden'] });
  renderList();
  start();
}

boot();
