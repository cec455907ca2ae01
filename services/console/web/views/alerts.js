// Churn alert episodes (流失预警事件): open ones by their level now, and the latest closed ones, each
// row opening its messages as a timeline.

import {
  t,
  segmentName,
  levelName,
  reasonCodeName,
  causeName,
  episodeEventName,
  formatNumber,
  formatPercent,
  formatDateTime,
  formatShortTime,
} from '../i18n.js';
import { api, errorText, isSilent } from '../lib/api.js';
import { $, h, fill, cardMessage, customerLink, levelBadge, riskMeter } from '../lib/dom.js';
import { state, timers } from '../lib/state.js';
import { churnReasonNode } from '../lib/words.js';

const ALERT_TABS = ['critical', 'warning', 'watch', 'closed']; // open episodes by their level now, then closed ones
const ALERTS_PER_LEVEL = 200;

export async function refreshAlerts() {
  try {
    // One call per tab, so each tab's count is right even when another level is crowded.
    const lists = await Promise.all(
      ALERT_TABS.map((tab) =>
        api(
          tab === 'closed'
            ? `/api/episodes?state=closed&limit=${ALERTS_PER_LEVEL}`
            : `/api/episodes?state=open&level=${tab}&limit=${ALERTS_PER_LEVEL}`,
        ),
      ),
    );
    state.alerts.byLevel = Object.fromEntries(ALERT_TABS.map((tab, i) => [tab, lists[i].episodes ?? []]));
    state.alerts.error = null;
  } catch (err) {
    if (isSilent(err)) return;
    state.alerts.error = err;
  }
  renderAlerts();
}

/** A burst of alert events (the backlog) triggers one refresh, not one per event. */
export function scheduleAlertsRefresh() {
  clearTimeout(timers.alertsSoon);
  timers.alertsSoon = setTimeout(refreshAlerts, 1000);
}

export function renderAlerts() {
  const { byLevel, error, tab } = state.alerts;
  const tabs = $('#alert-tabs');
  fill(
    tabs,
    ...ALERT_TABS.map((level) => {
      const count = byLevel?.[level]?.length;
      const label = count === undefined ? '' : count >= ALERTS_PER_LEVEL ? `${formatNumber(count)}+` : formatNumber(count);
      return h(
        'button',
        {
          type: 'button',
          role: 'tab',
          class: `tab level-${level}`,
          'aria-selected': String(level === tab),
          'data-level': level,
          onclick: () => {
            state.alerts.tab = level;
            renderAlerts();
          },
        },
        h('span', { class: 'tab-dot', 'aria-hidden': 'true' }),
        level === 'closed' ? t('alerts.tab.closed') : levelName(level),
        h('span', { class: 'tab-count' }, label),
      );
    }),
  );

  const box = $('[data-testid="alert-list"]');
  box.dataset.level = tab;
  if (!byLevel) {
    fill(box, error ? cardMessage(errorText(error), { error: true, retry: refreshAlerts }) : cardMessage(t('common.loading')));
    return;
  }
  const episodes = byLevel[tab] ?? [];
  // Until the company's own history has been fitted, the risks come from the documented prior: say so.
  const notFitted =
    state.churnModelFitted === false
      ? h('p', { class: 'muted small', 'data-testid': 'churn-model-not-fitted' }, t('alerts.notFitted'))
      : null;
  if (episodes.length === 0) {
    fill(
      box,
      notFitted,
      cardMessage(t(tab === 'closed' ? 'alerts.emptyClosed' : 'alerts.empty')),
      error ? cardMessage(errorText(error), { error: true }) : null,
    );
    return;
  }
  const head = h(
    'thead',
    {},
    h(
      'tr',
      {},
      [
        'alerts.col.customer',
        'alerts.col.level',
        'alerts.col.risk',
        'alerts.col.reason',
        'alerts.col.action',
        'alerts.col.episode',
        'alerts.col.timeline',
      ].map((k) => h('th', { scope: 'col' }, t(k))),
    ),
  );
  const body = h('tbody', {}, episodes.flatMap(episodeRows));
  fill(
    box,
    notFitted,
    error ? cardMessage(errorText(error), { error: true }) : null,
    h('table', { class: 'alert-table' }, head, body),
    episodes.length >= ALERTS_PER_LEVEL ? h('p', { class: 'muted small' }, t('alerts.more', { count: ALERTS_PER_LEVEL })) : null,
  );
}

/** An episode is known by its id; an alert from before episodes by its customer (one such row each). */
const episodeKey = (episode) => episode.episodeId ?? `${episode.customerId}/before-episodes`;

/** The episode's row, and below it its timeline when opened (kept open across refreshes). */
function episodeRows(episode) {
  const key = episodeKey(episode);
  const expanded = state.alerts.expanded.has(key);
  const main = episode.reasons?.[0];
  const toggle = h(
    'button',
    {
      type: 'button',
      class: 'link-button',
      'data-testid': 'episode-toggle',
      'aria-expanded': String(expanded),
      onclick: () => {
        if (expanded) state.alerts.expanded.delete(key);
        else state.alerts.expanded.add(key);
        renderAlerts();
      },
    },
    t('alerts.timeline', { count: formatNumber(episode.messageCount) }),
  );
  const row = h(
    'tr',
    {
      'data-customer-id': episode.customerId,
      'data-episode-id': episode.episodeId ?? undefined,
      'data-state': episode.state,
      class: `level-${episode.level}`,
    },
    h(
      'td',
      { class: 'nowrap' },
      customerLink(episode.customerId),
      episode.valueTier ? h('div', { class: 'muted small' }, segmentName('value_tier', episode.valueTier)) : null,
    ),
    h(
      'td',
      { class: 'nowrap' },
      levelBadge(episode.level),
      episode.peakLevel !== episode.level
        ? h('div', { class: 'muted small' }, t('alerts.peak', { level: levelName(episode.peakLevel) }))
        : null,
    ),
    h('td', { class: 'nowrap' }, episode.state === 'open' ? riskMeter(episode.riskScore, episode.level) : '—'),
    // Long texts are cut to two lines to keep the list dense; the full text is in the tooltip.
    h(
      'td',
      { title: main ? `${reasonCodeName(main.code)} ${main.text ?? ''}` : undefined },
      h('div', { class: 'clamp' }, main ? churnReasonNode(main) : '—'),
    ),
    h('td', { title: episode.action || undefined }, h('div', { class: 'clamp' }, episode.action || '—')),
    h(
      'td',
      { class: 'nowrap', title: episode.episodeId ?? t('alerts.beforeEpisodes') },
      h(
        'div',
        {},
        t(`alerts.state.${episode.state}`),
        episode.openingCause === 'rules_changed' ? h('span', { class: 'muted' }, ` · ${causeName('rules_changed')}`) : null,
      ),
      h('div', { class: 'muted small' }, t('alerts.opened', { time: formatShortTime(episode.openedAt) })),
      episode.closedAt !== null
        ? h('div', { class: 'muted small' }, t('alerts.closed', { time: formatShortTime(episode.closedAt) }))
        : null,
    ),
    h('td', { class: 'nowrap' }, toggle),
  );
  if (!expanded) return [row];
  return [row, h('tr', { class: 'episode-timeline-row' }, h('td', { colspan: 7 }, episodeTimeline(episode)))];
}

/** The episode's messages, newest first: what each did to the episode, its level, risk and main reason. */
function episodeTimeline(episode) {
  const items = episode.messages.map((m) =>
    h(
      'li',
      { class: 'episode-message', 'data-testid': 'episode-message', 'data-episode-event': m.episodeEvent ?? undefined },
      h('time', { title: formatDateTime(m.eventTime) }, formatShortTime(m.eventTime)),
      h('span', { class: 'episode-event' }, m.episodeEvent ? episodeEventName(m.episodeEvent) : t('alerts.beforeEpisodes')),
      levelBadge(m.level),
      m.level !== 'cleared' ? h('span', { class: 'muted' }, formatPercent(m.riskScore, 0)) : null,
      m.reasons?.[0] ? churnReasonNode(m.reasons[0]) : null,
      m.cause === 'rules_changed' ? h('span', { class: 'muted' }, causeName(m.cause)) : null,
    ),
  );
  return h(
    'div',
    { class: 'episode-timeline' },
    h('ol', { 'data-testid': 'episode-timeline' }, items),
    episode.messageCount > episode.messages.length
      ? h(
          'p',
          { class: 'muted small' },
          t('alerts.timelineMore', { count: formatNumber(episode.messageCount), shown: episode.messages.length }),
        )
      : null,
  );
}
