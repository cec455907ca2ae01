// Signing in (访问令牌): the form over the page that asks for the access token, and the button that
// changes it. The token itself is kept by lib/api.js.

import { t } from '../i18n.js';
import { forgetToken, saveToken } from '../lib/api.js';
import { $ } from '../lib/dom.js';

export function showTokenForm(message = '') {
  const overlay = $('#token-overlay');
  overlay.hidden = false;
  $('#token-message').textContent = message;
  const input = $('#token-input');
  input.value = '';
  input.focus();
}

/** `start` runs once a token is given; `stop` when the manager asks to change it. */
export function bindTokenForm({ start, stop }) {
  $('#token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = $('#token-input').value.trim();
    if (!token) {
      $('#token-message').textContent = t('token.empty');
      return;
    }
    saveToken(token);
    $('#token-input').value = '';
    $('#token-overlay').hidden = true;
    start();
  });
  $('#change-token').addEventListener('click', () => {
    forgetToken();
    stop();
    showTokenForm('');
  });
}
