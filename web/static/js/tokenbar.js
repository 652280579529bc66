// tokenbar.js: the analyst pages' sign-in: a pasted token kept in
// sessionStorage under ANALYST_KEY, shared by /console and /incident.

import { $ } from './dom.js';
import { getToken, setToken, clearToken, claims } from './auth.js';
import { ANALYST_KEY } from './api.js';

// setupTokenBar wires #signin-form / #signout and calls onReady once a
// token is present (now or after sign-in).
export function setupTokenBar(onReady) {
  const show = () => {
    const tok = getToken(ANALYST_KEY);
    const c = tok ? claims(tok) : null;
    $('#signin').hidden = !!tok;
    $('#app').hidden = !tok;
    $('#signout').hidden = !tok;
    $('#me').textContent = c ? `${c.sub}${(c.roles || []).includes('analyst') ? ' (analyst)' : ' (no analyst role)'}` : '';
    if (tok) onReady();
  };
  $('#signin-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const tok = $('#token').value.trim();
    if (!tok) return;
    setToken(ANALYST_KEY, tok);
    $('#token').value = '';
    show();
  });
  $('#signout').addEventListener('click', () => { clearToken(ANALYST_KEY); show(); });
  show();
}

// showAuthError sends the reader back to sign-in on 401.
export function handleAuth(err) {
  if (err && err.status === 401) {
    clearToken(ANALYST_KEY);
    $('#signin').hidden = false;
    $('#app').hidden = true;
    $('#signin-error').textContent = 'The token was refused (401): paste a valid analyst token.';
    return true;
  }
  return false;
}
