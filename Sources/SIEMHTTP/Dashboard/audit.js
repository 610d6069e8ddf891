// Audit: who changed what, newest first — time, actor, role, address, action (METHOD + route),
// target, status (refusals marked) and details; filters for actor, action and a time range, paging
// by next_cursor, and live prepending. Only an admin may read it when authentication is on.
import { api, itemsOf } from './api.js';
import { clear, h, text, timeNode, zone } from './dom.js';
import { RANGES, timeBounds } from './query.js';
import { toLocalInput } from './search.js';
import { showError, showStatus } from './ui.js';

const PAGE = 50;

/** A range name from the URL: `all` (the default), one of RANGES (own keys only) or custom. */
function auditRange(value) {
  return value === 'custom' || Object.hasOwn(RANGES, value ?? '') ? value : 'all';
}

export function render(main, { params, navigate }) {
  const state = {
    actor: params.get('actor') ?? '',
    action: params.get('action') ?? '',
    range: auditRange(params.get('range')),
    since: params.get('since') ?? '',
    until: params.get('until') ?? '',
  };
  const go = (changes) => navigate({ view: 'audit', ...state, range: state.range === 'all' ? '' : state.range, ...changes });

  const actor = h('input', { id: 'audit-actor', name: 'actor', value: state.actor, placeholder: 'actor (exact)', autocomplete: 'off', spellcheck: 'false', 'aria-label': 'Actor' });
  const actions = h('datalist', { id: 'audit-actions' });
  const action = h('input', { id: 'audit-action', name: 'action', value: state.action, list: 'audit-actions', placeholder: 'action, e.g. POST /mdr/incidents (exact)', autocomplete: 'off', spellcheck: 'false', class: 'mono', 'aria-label': 'Action' });
  const range = h('select', { id: 'audit-range', 'aria-label': 'Time range' },
    ['all', ...Object.keys(RANGES), 'custom'].map((name) => h('option', { value: name, selected: name === state.range },
      name === 'all' ? 'any time' : name === 'custom' ? 'custom…' : `last ${name}`)));
  const sinceInput = h('input', { id: 'audit-since', type: 'datetime-local', step: 1, value: toLocalInput(state.since), 'aria-label': 'From' });
  const untilInput = h('input', { id: 'audit-until', type: 'datetime-local', step: 1, value: toLocalInput(state.until), 'aria-label': 'To' });
  const custom = h('span', { class: 'custom', hidden: state.range !== 'custom' }, sinceInput, ' – ', untilInput,
    h('span', { class: 'zone', title: 'The range is in the browser\'s local time' }, ` ${zone()}`));
  range.addEventListener('change', () => { custom.hidden = range.value !== 'custom'; });
  const clearButton = h('button', { type: 'button', id: 'audit-clear', onclick: () => navigate({ view: 'audit' }) }, 'Clear');
  const form = h('form', { id: 'audit-form', class: 'searchbar' }, actor, action, actions, range, custom, h('button', { type: 'submit' }, 'Filter'), clearButton);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    go({
      actor: actor.value.trim(),
      action: action.value.trim(),
      range: range.value === 'all' ? '' : range.value,
      since: range.value === 'custom' && sinceInput.value ? new Date(sinceInput.value).toISOString() : '',
      until: range.value === 'custom' && untilInput.value ? new Date(untilInput.value).toISOString() : '',
    });
  });

  const notice = h('div', { id: 'audit-notice', class: 'notice', role: 'alert', hidden: true });
  const summary = h('div', { class: 'summary', id: 'audit-summary' });
  const rows = h('tbody', { id: 'audit-rows' });
  const grid = h('table', { class: 'grid audit' },
    h('thead', {}, h('tr', {},
      h('th', { title: 'When siemd answered the request; newest first' }, 'Time ↓'),
      h('th', {}, 'Actor'), h('th', {}, 'Role'), h('th', {}, 'Address'),
      h('th', { title: 'The method and route template' }, 'Action'),
      h('th', { title: 'The request path' }, 'Target'),
      h('th', { title: 'The HTTP status answered; 400 and above are refusals or failures' }, 'Status'),
      h('th', {}, 'Details'))),
    rows);
  const more = h('button', { type: 'button', id: 'audit-more', hidden: true }, 'Older entries');
  const results = h('div', { class: 'results', id: 'audit' }, summary, grid, more);
  main.append(form, notice, results);

  const bounds = state.range === 'all' ? {} : timeBounds(state.range, { since: state.since, until: state.until });
  const filters = { actor: state.actor, action: state.action };
  let cursor = null;
  let newest = 0;
  let shown = 0;
  let blocked = false;
  let ready = false; // live refresh waits for the first page, so no entry is shown twice
  const seenActions = new Set();

  const filterButton = (name, value, label = text(value)) => (value === undefined || value === null || value === ''
    ? ''
    : h('button', { type: 'button', class: 'value', title: `Only ${name} ${text(value)}`, onclick: () => go({ [name]: text(value) }) }, label));
  const none = () => h('span', { class: 'empty' }, '—');

  function row(entry, { fresh = false } = {}) {
    const status = Number(entry.status);
    const refused = Number.isFinite(status) && status >= 400;
    const details = entry.details && typeof entry.details === 'object' && Object.keys(entry.details).length === 0 ? '' : text(entry.details);
    const tr = h('tr', { class: ['audit-row', refused ? 'refused' : '', fresh ? 'fresh' : ''].join(' ').trim(), dataset: { id: text(entry.id) } },
      h('td', { class: 'nowrap audit-time' }, timeNode(entry.at)),
      h('td', { class: 'audit-actor' }, filterButton('actor', entry.actor)),
      h('td', { class: 'audit-role' }, entry.role ? text(entry.role) : none()),
      h('td', { class: 'mono audit-address' }, entry.address ? text(entry.address) : none()),
      h('td', { class: 'mono audit-action' }, filterButton('action', entry.action)),
      h('td', { class: 'mono audit-target' }, text(entry.target)),
      h('td', { class: 'nowrap audit-status' },
        h('span', { class: refused ? 'status-code refused' : 'status-code', title: refused ? 'Refused or failed' : undefined }, text(entry.status)),
        refused ? [' ', h('span', { class: 'refused-badge' }, 'refused')] : null),
      h('td', { class: 'mono audit-details', title: details || undefined }, details));
    return tr;
  }

  function remember(items) {
    for (const entry of items) {
      if (typeof entry.action !== 'string' || seenActions.has(entry.action) || seenActions.size >= 200) continue;
      seenActions.add(entry.action);
      actions.append(h('option', { value: entry.action }));
    }
  }

  function describe() {
    const filtered = state.actor || state.action || state.range !== 'all';
    summary.textContent = shown === 0 ? (filtered ? 'No audit entries match.' : 'No audit entries yet: state changes are recorded as they happen.')
      : `${shown} entr${shown === 1 ? 'y' : 'ies'} shown${cursor ? '' : ' (all)'}, newest first`;
  }

  /** A refusal to read the log replaces the table with a message that says what is needed. */
  function refuse(error) {
    blocked = true;
    results.hidden = true;
    notice.hidden = false;
    clear(notice);
    if (error.status === 403 && error.code === 'insufficient_role') {
      notice.append(h('strong', {}, 'The audit log needs an admin key.'),
        ' Enter an API key with the admin role in the box at the top right. ',
        h('span', { class: 'meta' }, `(${text(error.message)})`));
    } else if (error.status === 401) {
      notice.append(h('strong', {}, 'Authentication required.'), ' The audit log needs an admin key: enter it in the box at the top right, or sign in.');
    } else {
      notice.append(h('strong', {}, 'The audit log cannot be read here.'), ' ', text(error.message));
    }
  }

  async function load() {
    try {
      const page = await api('/audit', { params: { ...filters, ...bounds, limit: PAGE, cursor: cursor ?? undefined } });
      const items = itemsOf(page);
      if (!cursor) newest = Number(items[0]?.id ?? newest);
      rows.append(...items.map((entry) => row(entry)));
      shown += items.length;
      remember(items);
      cursor = page?.next_cursor ?? null;
      more.hidden = !cursor;
      ready = true;
      describe();
    } catch (error) {
      if (error.status === 401 || error.status === 403) refuse(error);
      else showError(error);
    }
  }

  more.addEventListener('click', load);
  load();

  return {
    // Live: prepend entries newer than the newest shown, unless the range has a fixed end.
    async refresh() {
      if (!ready || blocked || (state.range === 'custom' && state.until)) return;
      const live = state.range === 'all' ? {} : timeBounds(state.range, { since: state.since });
      const items = itemsOf(await api('/audit', { params: { ...filters, ...live, limit: PAGE } }))
        .filter((entry) => Number(entry.id) > newest);
      if (items.length === 0) return;
      newest = Number(items[0].id);
      rows.prepend(...items.map((entry) => row(entry, { fresh: true })));
      shown += items.length;
      remember(items);
      describe();
      showStatus(`${items.length} new audit entr${items.length === 1 ? 'y' : 'ies'}`);
    },
  };
}
