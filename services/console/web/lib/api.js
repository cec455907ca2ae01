// The access token (访问令牌) and calls to the console's API. The token lives in sessionStorage
// (gone when the browser session ends; the alert inbox reads it under the same key) and is sent
// as a Bearer header, never in a URL. Nothing the API returns is written to the browser console:
// payloads carry customer data.

import { t } from '../i18n.js';

export const TOKEN_KEY = 'console.accessToken';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// Fallback when sessionStorage is unavailable; normally the token is read from sessionStorage.
let memoryToken = '';
let unauthorizedHandler = () => {};

function readToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

export const currentToken = () => readToken() || memoryToken;

export function saveToken(token) {
  try {
    sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    /* private mode without storage: the token then lives only until reload */
  }
  memoryToken = token;
}

export function forgetToken() {
  try {
    sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    /* storage unavailable: nothing to forget */
  }
  memoryToken = '';
}

/** What the page does on a 401 anywhere (stop all traffic, ask for a token): set once by app.js. */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

/** A 401: the token is wrong or expired. Forget it and let the page ask again. */
export function unauthorized() {
  forgetToken();
  unauthorizedHandler();
}

/** GET a JSON resource of the API with the token; throws ApiError (401 also asks for a new token). */
export async function api(path, { signal } = {}) {
  const token = currentToken();
  if (!token) {
    unauthorized();
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
    unauthorized();
    throw new ApiError(401, t('token.rejected'));
  }
  if (!response.ok) {
    let message = '';
    try {
      message = (await response.json()).error ?? '';
    } catch {
      /* not JSON: the status says enough */
    }
    throw new ApiError(response.status, message || (response.status === 503 ? t('error.unavailable') : `HTTP ${response.status}`));
  }
  return response.json();
}

export const errorText = (err) => t('common.error', { message: err?.message || String(err) });

/** A refresh that failed because the token was refused or the request aborted says nothing itself. */
export const isSilent = (err) => err?.status === 401 || err?.name === 'AbortError';

/**
 * Loads a page of measures (outcomes, CRM) into its `page` record ({data, error, loading, seq,
 * filters}), redrawing before and after: a newer load supersedes one still under way, and the
 * period the server chose (from, to) is shown in the filters.
 */
export async function loadPage(page, path, render) {
  const seq = ++page.seq;
  page.loading = true;
  render();
  try {
    const body = await api(path);
    if (seq !== page.seq) return; // the filters changed meanwhile
    Object.assign(page.filters, { from: body.from, to: body.to });
    page.data = body;
    page.error = null;
  } catch (err) {
    if (seq !== page.seq || isSilent(err)) return;
    page.error = err;
  } finally {
    if (seq === page.seq) page.loading = false;
  }
  render();
}
