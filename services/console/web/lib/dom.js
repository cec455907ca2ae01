// Building the page's DOM. Every piece of text from the server goes in through text nodes (`h`),
// never through innerHTML, so a customer id or a rule text cannot inject markup.

import { getLanguage, levelName, t, formatPercent } from '../i18n.js';

export const $ = (selector, root = document) => root.querySelector(selector);

/**
 * Creates an element. Attributes go through setAttribute, `on*` keys become listeners, and
 * children that are strings or numbers become text nodes: data never becomes markup.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttributes(el, attrs);
  appendChildren(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The same for SVG elements (the charts). */
export function s(tag, attrs = {}, ...children) {
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

function appendChildren(el, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children; absent parts (null, false) are skipped, not written as "null". */
export function fill(el, ...children) {
  el.replaceChildren();
  appendChildren(el, children);
}

/** A <select>'s options as [value, label] pairs, keeping `value` when it is still offered. */
export function fillSelect(select, options, value) {
  fill(select, ...options.map(([v, label]) => h('option', { value: v }, label)));
  select.value = options.some(([v]) => v === value) ? value : '';
}

/** A label before a value: "建议措施：" in Chinese, "Recommended action: " in English. */
export const labelText = (key) => `${t(key)}${getLanguage() === 'zh' ? '：' : ': '}`;

export const customerHref = (customerId) => `#/customer/${encodeURIComponent(customerId)}`;

/** A link to a customer's drill-down: a real link, so middle-click and the back button work. */
export function customerLink(customerId) {
  return h('a', { class: 'customer-link', 'data-testid': 'customer-link', href: customerHref(customerId) }, customerId);
}

export function levelBadge(level) {
  return h('span', { class: `badge level-${level ?? 'none'}` }, levelName(level));
}

export function riskMeter(score, level) {
  const bar = h('span', { class: `meter-fill level-${level}` });
  bar.style.width = `${Math.round(Math.min(1, Math.max(0, score ?? 0)) * 100)}%`;
  return h(
    'span',
    { class: 'risk-meter' },
    h('span', { class: 'meter-track' }, bar),
    h('span', { class: 'meter-value' }, formatPercent(score, 0)),
  );
}

/** A message inside a card: loading, empty or an error with a retry button. */
export function cardMessage(text, { error = false, retry } = {}) {
  return h(
    'div',
    { class: error ? 'card-message error' : 'card-message', role: error ? 'alert' : undefined },
    h('span', {}, text),
    retry ? h('button', { type: 'button', class: 'link-button', onclick: retry }, t('common.retry')) : null,
  );
}

/** A card of the drill-down: a titled section. */
export function card(titleKey, attrs, ...children) {
  return h('section', { class: 'card', ...attrs }, h('header', { class: 'card-head' }, h('h3', {}, t(titleKey))), ...children);
}

export function debounce(fn, ms) {
  let timer = 0;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
