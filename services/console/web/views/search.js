// Customer search (客户查询) in the top bar: ids by prefix as the manager types, arrow keys and
// Enter to pick one, which opens its drill-down.

import { t } from '../i18n.js';
import { api, errorText } from '../lib/api.js';
import { $, h, fill, debounce, customerHref } from '../lib/dom.js';
import { state } from '../lib/state.js';

const SEARCH_DEBOUNCE_MS = 250;

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
  const items = customers.map((id, i) =>
    h(
      'li',
      {
        role: 'option',
        id: `search-option-${i}`,
        class: 'search-option',
        'data-customer-id': id,
        // mousedown, not click: it fires before the input's blur hides the list
        onmousedown: (e) => {
          e.preventDefault();
          chooseCustomer(id);
        },
      },
      id,
    ),
  );
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
    for (const [i, el] of [...document.querySelectorAll('.search-option')].entries())
      el.classList.toggle('active', i === state.search.active);
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

export function bindSearch() {
  const search = $('[data-testid="search-input"]');
  search.addEventListener('input', () => runSearch(search.value.trim()));
  search.addEventListener('keydown', onSearchKey);
  search.addEventListener('blur', () => setTimeout(() => showSearchResults([]), 150));
}
