// Win-back outcomes (流失挽回效果) at #/outcomes: which actions on churn alert episodes win customers
// back, per value tier × main cause × industry, each group's episodes without any action beside
// them as the comparison (GET /api/alert-outcomes; docs/bi.md §9). Filters: the period the episodes
// opened in, value tier, industry, and whether to count episodes a rules change opened.

import { addWords, t, segmentName, reasonCodeName, formatNumber, formatPercent } from '../i18n.js';
import { errorText, loadPage } from '../lib/api.js';
import { $, h, fill, fillSelect, cardMessage } from '../lib/dom.js';
import { state } from '../lib/state.js';

addWords({
  'nav.outcomes': ['流失挽回效果', 'Win-back outcomes'],
  'outcomes.title': ['流失挽回效果', 'Win-back outcomes'],
  'outcomes.intro': [
    '各项措施对流失预警事件的效果：按客户价值 × 主要原因 × 行业分组，每组以未采取措施的预警事件作对照。',
    'What each action on churn alert episodes achieved, per value tier × main cause × industry, beside the episodes of the group where no action was taken.',
  ],
  'outcomes.running': [
    '开启不足 90 天的预警事件仍在进行中：结果以 90 天前为止的时段为准，挽回收入以 180 天前为止为准。',
    'Episodes opened less than 90 days ago are still running: rates are final for periods ending 90 days ago, revenue recovered for periods ending 180 days ago.',
  ],
  'outcomes.from': ['开启自', 'Opened from'],
  'outcomes.to': ['至', 'to'],
  'outcomes.valueTier': ['客户价值', 'Value tier'],
  'outcomes.industry': ['行业', 'Industry'],
  'outcomes.rulesChanged': ['含规则变更开启的预警事件', 'Include episodes opened by a rules change'],
  'outcomes.col.action': ['措施', 'Action'],
  'outcomes.col.episodes': ['预警事件', 'Episodes'],
  'outcomes.col.acknowledged': ['已确认', 'Acknowledged'],
  'outcomes.col.hoursToAcknowledge': ['平均确认时长（小时）', 'Time to acknowledge (h)'],
  'outcomes.col.hoursToAct': ['平均处理时长（小时）', 'Time to act (h)'],
  'outcomes.col.wonBack': ['90 天内留住/挽回', 'Retained / won back in 90 d'],
  'outcomes.col.wonBackRate': ['挽回率', 'Win-back rate'],
  'outcomes.col.lost': ['流失', 'Lost'],
  'outcomes.col.ordered': ['90 天内再下单', 'Ordered in 90 d'],
  'outcomes.col.orderedRate': ['再下单率', 'Order rate'],
  'outcomes.col.revenue': ['挽回收入（90 天）', 'Revenue recovered (90 d)'],
  'outcomes.noAction': ['未采取措施（对照）', 'No action (comparison)'],
  'outcomes.noActionNone': ['本组每个预警事件都采取了措施，无对照。', 'Every episode of this group had an action: no comparison.'],
  'outcomes.group': ['{tier} · {cause} · {industry}', '{tier} · {cause} · {industry}'],
  'outcomes.unknown': ['未知', 'Unknown'],
  'outcomes.empty': ['该时段没有开启的预警事件。', 'No alert episodes opened in this period.'],
});

const VALUE_TIERS = ['high', 'medium', 'low'];
const INDUSTRIES = ['MANUFACTURING', 'RETAIL', 'E_COMMERCE', 'OTHER'];

const page = {
  filters: { from: '', to: '', valueTier: '', industry: '', includeRulesChanged: false },
  data: null,
  error: null,
  loading: false,
  seq: 0,
};

/** The page is shown: load it once a token is given (again when the filters change). */
export function showOutcomes() {
  renderOutcomes();
  if (state.running && page.data === null && !page.loading) loadOutcomes();
}

function loadOutcomes() {
  const params = new URLSearchParams();
  for (const key of ['from', 'to', 'valueTier', 'industry']) if (page.filters[key]) params.set(key, page.filters[key]);
  if (page.filters.includeRulesChanged) params.set('includeRulesChanged', 'true');
  return loadPage(page, `/api/alert-outcomes${params.size ? `?${params}` : ''}`, renderOutcomes);
}

function onFilters(event) {
  const form = event.currentTarget;
  page.filters = {
    from: form.elements.from.value,
    to: form.elements.to.value,
    valueTier: form.elements.valueTier.value,
    industry: form.elements.industry.value,
    includeRulesChanged: form.elements.includeRulesChanged.checked,
  };
  loadOutcomes();
}

function filterForm() {
  const all = [['', t('filter.all')]];
  const form = h(
    'form',
    { class: 'filters', id: 'outcome-filters', 'data-testid': 'outcome-filters', onchange: onFilters, onsubmit: (e) => e.preventDefault() },
    h('label', {}, h('span', {}, t('outcomes.from')), h('input', { type: 'date', name: 'from', value: page.filters.from, required: true })),
    h('label', {}, h('span', {}, t('outcomes.to')), h('input', { type: 'date', name: 'to', value: page.filters.to, required: true })),
    h('label', {}, h('span', {}, t('outcomes.valueTier')), h('select', { name: 'valueTier' })),
    h('label', {}, h('span', {}, t('outcomes.industry')), h('select', { name: 'industry' })),
    h(
      'label',
      { class: 'check' },
      h('input', { type: 'checkbox', name: 'includeRulesChanged', checked: page.filters.includeRulesChanged }),
      h('span', {}, t('outcomes.rulesChanged')),
    ),
  );
  fillSelect(form.elements.valueTier, [...all, ...VALUE_TIERS.map((v) => [v, segmentName('value_tier', v)])], page.filters.valueTier);
  fillSelect(form.elements.industry, [...all, ...INDUSTRIES.map((v) => [v, segmentName('industry', v)])], page.filters.industry);
  return form;
}

const COLUMNS = [
  'episodes',
  'acknowledged',
  'hoursToAcknowledge',
  'hoursToAct',
  'wonBack',
  'wonBackRate',
  'lost',
  'ordered',
  'orderedRate',
  'revenue',
];

/** One row of measures: an action's, or the comparison's (no action). */
function measuresRow(m, label, className) {
  const cells = [
    formatNumber(m.episodes),
    formatNumber(m.acknowledged),
    formatNumber(m.avgHoursToAcknowledge),
    formatNumber(m.avgHoursToAct),
    formatNumber(m.wonBack90d),
    formatPercent(m.wonBackRate90d, 0),
    formatNumber(m.lost),
    formatNumber(m.ordered90d),
    formatPercent(m.orderedRate90d, 0),
    formatNumber(Number(m.revenueRecovered90d), 2),
  ];
  return h(
    'tr',
    { class: className, 'data-testid': 'outcome-row', 'data-action': m.action ?? '' },
    h('th', { scope: 'row' }, label),
    cells.map((c, i) => h('td', { class: 'num', 'data-column': COLUMNS[i] }, c)),
  );
}

function groupRows(group) {
  const unknown = t('outcomes.unknown');
  const title = t('outcomes.group', {
    tier: group.valueTier ? segmentName('value_tier', group.valueTier) : unknown,
    cause: group.mainCause ? reasonCodeName(group.mainCause) : unknown,
    industry: group.industry ? segmentName('industry', group.industry) : unknown,
  });
  return h(
    'tbody',
    {
      'data-testid': 'outcome-group',
      'data-value-tier': group.valueTier ?? '',
      'data-industry': group.industry ?? '',
      'data-main-cause': group.mainCause ?? '',
    },
    h('tr', { class: 'group-head' }, h('th', { scope: 'rowgroup', colspan: COLUMNS.length + 1 }, title)),
    group.noAction
      ? measuresRow(group.noAction, t('outcomes.noAction'), 'no-action')
      : h(
          'tr',
          { class: 'no-action' },
          h('th', { scope: 'row' }, t('outcomes.noAction')),
          h('td', { class: 'muted', colspan: COLUMNS.length }, t('outcomes.noActionNone')),
        ),
    group.actions.map((m) => measuresRow(m, m.action, 'action')),
  );
}

export function renderOutcomes() {
  const view = $('#view-outcomes');
  if (view.hidden) return;
  const { data, error, loading } = page;
  let body;
  if (error && !data) body = cardMessage(errorText(error), { error: true, retry: loadOutcomes });
  else if (!data) body = cardMessage(loading || state.running ? t('common.loading') : '');
  else if (data.groups.length === 0) body = cardMessage(t('outcomes.empty'));
  else {
    body = h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'measures-table outcome-table', 'data-testid': 'outcome-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, t('outcomes.col.action')),
            COLUMNS.map((c) => h('th', { scope: 'col', class: 'num' }, t(`outcomes.col.${c}`))),
          ),
        ),
        data.groups.map(groupRows),
      ),
    );
  }
  fill(
    view,
    h(
      'section',
      { class: 'card measures-page', 'data-testid': 'outcomes-page' },
      h('header', { class: 'card-head' }, h('h2', {}, t('outcomes.title'))),
      h('p', { class: 'muted' }, t('outcomes.intro')),
      filterForm(),
      h('p', { class: 'muted small' }, t('outcomes.running')),
      error && data ? cardMessage(errorText(error), { error: true }) : null,
      body,
    ),
  );
}
