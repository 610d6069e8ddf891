// The dashboard shell: views by ?view=…, the query in the URL, the API key field, the theme,
// keyboard shortcuts and live polling.
import { api, apiKey, setAPIKey } from './api.js';
import { setUpThemeToggle } from './theme.js';
import { clear } from './dom.js';
import { showError, showStatus } from './ui.js';
import * as overview from './overview.js';
import * as search from './search.js';
import * as alerts from './alerts.js';
import * as attack from './attack.js';
import * as rules from './rules.js';
import * as incidents from './incidents.js';
import * as intel from './intel.js';
import * as endpoints from './endpoints.js';
import * as audit from './audit.js';

// A Map, so `?view=constructor` or `?view=__proto__` finds nothing and falls back to search.
const VIEWS = new Map(Object.entries({ overview, search, alerts, attack, rules, incidents, intel, endpoints, audit }));
const POLL_MS = 5000;
let current = null;

function params() {
  return new URLSearchParams(location.search);
}

/** Changes the URL (so a view and its query can be shared and reloaded) and renders. */
export function navigate(next, { replace = false } = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(next)) {
    if (value !== undefined && value !== null && value !== '') query.set(name, String(value));
  }
  const url = `${location.pathname}?${query}`;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  render();
}

function render() {
  const state = params();
  const name = VIEWS.has(state.get('view')) ? state.get('view') : 'search';
  for (const link of document.querySelectorAll('#nav a[data-view]')) {
    link.classList.toggle('active', link.dataset.view === name);
  }
  showStatus('');
  const main = clear(document.getElementById('main'));
  current = VIEWS.get(name).render(main, { params: state, navigate }) ?? null;
}

async function poll() {
  if (!document.getElementById('live').checked || document.hidden) return;
  try {
    const health = await api('/health');
    const badge = document.getElementById('alert-badge');
    badge.textContent = String(health?.alerts ?? '');
    badge.hidden = !health?.alerts;
    await current?.refresh?.();
  } catch (error) {
    if (error.status === 401) showError(error);
  }
}

function setUpTheme() {
  setUpThemeToggle('theme');
}

function setUpKey() {
  const input = document.getElementById('api-key');
  input.value = apiKey();
  document.getElementById('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    setAPIKey(input.value.trim());
    showStatus(input.value.trim() ? 'API key saved for this browser session.' : 'API key cleared.');
    render();
  });
}

function setUpNavigation() {
  document.getElementById('nav').addEventListener('click', (event) => {
    const link = event.target.closest('a[data-view]');
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    navigate({ view: link.dataset.view });
  });
  addEventListener('popstate', render);
  document.addEventListener('keydown', (event) => {
    if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest?.('input, textarea, select, [contenteditable]')) return;
    event.preventDefault();
    if (!document.getElementById('query')) navigate({ view: 'search' });
    document.getElementById('query')?.focus();
  });
}

setUpTheme();
setUpKey();
setUpNavigation();
render();
poll();
setInterval(poll, POLL_MS);
