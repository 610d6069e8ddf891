// Search: one query box, a time range, the events-over-time histogram (by event time), results
// newest first by arrival (the API's id order) with paging, a field sidebar with the top values
// of the fields in the events shown (click to filter in, − to leave out), and an event detail
// whose values add filters.
import { api, itemsOf } from './api.js';
import { clear, h, text, time, timeNode, zone } from './dom.js';
import { timeBars } from './charts.js';
import { RANGES, hasText, isExcludable, rangeName, searchRequest, timeBounds, withTerm, withoutTerm } from './query.js';
import { keyValues, showError, showStatus } from './ui.js';

const PAGE = 50;
const TOP_VALUES = 5;
const MOST_FIELDS = 60;
const OPEN_FIELDS = 12;

export function render(main, { params, navigate }) {
  const state = {
    q: params.get('q') ?? '',
    range: rangeName(params.get('range')),
    since: params.get('since') ?? '',
    until: params.get('until') ?? '',
  };
  const go = (changes) => navigate({ view: 'search', ...state, ...changes });

  const box = h('input', {
    id: 'query', type: 'search', value: state.q, autocomplete: 'off', spellcheck: 'false',
    placeholder: 'Search: text, host:web1 ip:10.0.0.5 user.name:root   (press / to focus)',
    'aria-label': 'Search query',
  });
  const range = h('select', { id: 'range', 'aria-label': 'Time range' },
    [...Object.keys(RANGES), 'custom'].map((name) => h('option', { value: name, selected: name === state.range }, name === 'custom' ? 'custom…' : `last ${name}`)));
  const sinceInput = h('input', { id: 'since', type: 'datetime-local', step: 1, value: toLocalInput(state.since), 'aria-label': 'From' });
  const untilInput = h('input', { id: 'until', type: 'datetime-local', step: 1, value: toLocalInput(state.until), 'aria-label': 'To' });
  const custom = h('span', { class: 'custom', hidden: state.range !== 'custom' }, sinceInput, ' – ', untilInput,
    h('span', { class: 'zone', title: 'The range is in the browser\'s local time' }, ` ${zone()}`));
  range.addEventListener('change', () => { custom.hidden = range.value !== 'custom'; });
  const form = h('form', { id: 'search-form', class: 'searchbar', role: 'search' }, box, range, custom, h('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    go({
      q: box.value.trim(),
      range: range.value,
      since: range.value === 'custom' && sinceInput.value ? new Date(sinceInput.value).toISOString() : '',
      until: range.value === 'custom' && untilInput.value ? new Date(untilInput.value).toISOString() : '',
    });
  });

  const histogram = h('div', { id: 'histogram', class: 'histogram' });
  const summary = h('div', { class: 'summary' });
  const results = h('tbody', { id: 'results' });
  const more = h('button', { type: 'button', id: 'more', hidden: true }, 'Older events');
  const detail = h('aside', { id: 'detail', class: 'detail', hidden: true });
  const sidebar = h('aside', { id: 'field-sidebar', class: 'fields-sidebar', 'aria-label': 'Fields of the events shown' });
  main.append(
    form,
    histogram,
    h('div', { class: 'split' },
      sidebar,
      h('div', { class: 'results' }, summary,
        h('table', { class: 'grid events' },
          h('thead', {}, h('tr', {},
            h('th', { title: 'When siemd received the event; the list is ordered by this, newest first' }, 'Received ↓'),
            h('th', { title: 'The time the event itself carries (ts); the histogram counts by this' }, 'Event time'),
            h('th', {}, 'Host'), h('th', {}, 'Source'), h('th', {}, 'Message'))),
          results),
        more),
      detail));

  const bounds = timeBounds(state.range, { since: state.since, until: state.until });
  let cursor = null;
  let newest = 0;

  const addFilter = (key, value) => go({ q: withTerm(state.q, key, value) });
  const leaveOut = (key, value) => go({ q: withoutTerm(state.q, key, value) });
  const shown = [];

  function valueRow(field, value, count, canLeaveOut) {
    return h('li', { class: 'field-value-row', dataset: { value } },
      h('button', { type: 'button', class: 'field-value', title: `Only events with ${field} = ${value}`, onclick: () => addFilter(field, value) },
        value.length > 80 ? `${value.slice(0, 79)}…` : value || '(empty)'),
      h('span', { class: 'field-count', title: `${count} of ${shown.length} events` }, String(count)),
      canLeaveOut
        ? h('button', { type: 'button', class: 'field-out', title: `Leave out events with ${field} = ${value}`,
          'aria-label': `Leave out ${field} = ${value}`, onclick: () => leaveOut(field, value) }, '−')
        : h('span', { class: 'field-out-none', title: 'Add a search word first: raw fields are left out by full-text NOT, which needs a word before it' }));
  }

  function fieldEntry([field, stat], index) {
    const top = [...stat.values.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, TOP_VALUES);
    const canLeaveOut = isExcludable(field) || (field.startsWith('fields.') && hasText(state.q));
    return h('details', { class: 'field', dataset: { field }, open: index < OPEN_FIELDS },
      h('summary', { title: `${stat.events} of ${shown.length} events have ${field}` },
        h('span', { class: 'field-name' }, field), h('span', { class: 'field-coverage' }, String(stat.events))),
      h('ol', { class: 'field-values' }, top.map(([value, count]) => valueRow(field, value, count, canLeaveOut))));
  }

  function drawSidebar() {
    clear(sidebar).append(
      h('h2', {}, 'Fields'),
      h('p', { class: 'meta' }, shown.length === 0 ? 'No events shown.'
        : `Top values in the ${shown.length} event${shown.length === 1 ? '' : 's'} shown`),
      ...fieldStats(shown).slice(0, MOST_FIELDS).map(fieldEntry));
  }
  const zoom = (since, until) => go({ range: 'custom', since, until });

  function row(event, { fresh = false } = {}) {
    const tr = h('tr', { class: fresh ? 'clickable fresh' : 'clickable', dataset: { id: String(event.id) } },
      h('td', { class: 'nowrap received' }, timeNode(event.received_at)),
      h('td', { class: 'nowrap event-time' }, timeNode(event.ts)),
      h('td', {}, text(event.host)),
      h('td', {}, text(event.source)),
      h('td', { class: 'message' }, text(event.message)));
    tr.addEventListener('click', () => {
      for (const selected of results.querySelectorAll('tr.selected')) selected.classList.remove('selected');
      tr.classList.add('selected');
      showDetail(detail, event, addFilter);
    });
    return tr;
  }

  async function load() {
    const { path, params: query } = searchRequest(state.q, bounds, { limit: PAGE, cursor: cursor ?? undefined });
    try {
      const page = await api(path, { params: query });
      const items = itemsOf(page);
      if (!cursor) newest = items[0]?.id ?? newest;
      results.append(...items.map((event) => row(event)));
      shown.push(...items);
      drawSidebar();
      cursor = page?.next_cursor ?? null;
      more.hidden = !cursor;
      summary.textContent = shown.length === 0 ? 'No events match.'
        : `${shown.length} event${shown.length === 1 ? '' : 's'} shown${cursor ? '' : ' (all)'}, newest first by arrival (received time); the histogram counts by event time`;
    } catch (error) {
      showError(error);
    }
  }

  async function drawHistogram() {
    const { params: query } = searchRequest(state.q, bounds, { buckets: 60 });
    if (!query.until) query.until = new Date().toISOString();
    try {
      const result = await api('/events/histogram', { params: query });
      clear(histogram).append(timeBars(result.buckets ?? [], { interval: result.interval_seconds, until: result.until, onZoom: zoom }));
    } catch (error) {
      clear(histogram).append(h('p', { class: 'empty' }, `Histogram unavailable: ${error.message}`));
    }
  }

  more.addEventListener('click', load);
  load();
  drawHistogram();

  return {
    // Live: prepend events newer than the newest shown, when the range is open-ended.
    async refresh() {
      if (state.range === 'custom' && state.until) return;
      const { path, params: query } = searchRequest(state.q, timeBounds(state.range), { limit: PAGE });
      const items = itemsOf(await api(path, { params: query })).filter((event) => event.id > newest);
      if (items.length === 0) return;
      newest = items[0].id;
      results.querySelector('td.empty')?.closest('tr')?.remove();
      results.prepend(...items.map((event) => row(event, { fresh: true })));
      shown.unshift(...items);
      drawSidebar();
      showStatus(`${items.length} new event${items.length === 1 ? '' : 's'}`);
      drawHistogram();
    },
  };
}

export function showDetail(detail, event, addFilter) {
  detail.hidden = false;
  const filterable = ['host', 'source', 'agent_id', 'log_type'];
  clear(detail).append(
    h('header', {}, h('h2', {}, `Event ${text(event.id)}`),
      h('button', { type: 'button', class: 'close', 'aria-label': 'Close', onclick: () => { detail.hidden = true; } }, '×')),
    h('h3', {}, 'Message'),
    h('pre', { class: 'raw', id: 'detail-message' }, text(event.message)),
    h('h3', {}, 'Event'),
    keyValues(
      [['ts', time(event.ts)], ['received_at', time(event.received_at)], ...filterable.map((key) => [key, event[key]]).filter(([, value]) => value)],
      { onValue: (key, value) => (filterable.includes(key) ? addFilter(key, value) : undefined) },
    ),
    h('h3', {}, 'IPs'),
    h('div', { class: 'chips' }, (event.ips ?? []).map((ip) => h('button', { type: 'button', class: 'value', onclick: () => addFilter('ip', ip) }, ip))),
    h('h3', {}, 'Normalized'),
    keyValues(event.normalized, { onValue: addFilter }),
    h('h3', {}, 'Fields'),
    keyValues(flatten(event.fields), { prefix: 'fields.', onValue: addFilter }),
  );
}

/**
 * Per field (`host`, `source`, every normalized key, every `fields.` path of the raw fields): how
 * many of `events` have it and how often each value occurs (array items count one by one), most
 * common fields first.
 */
export function fieldStats(events) {
  const stats = new Map();
  const add = (field, value) => {
    if (value === undefined || value === null || (typeof value === 'object' && !Array.isArray(value))) return false;
    const items = Array.isArray(value) ? value.filter((item) => item === null || typeof item !== 'object') : [value];
    if (items.length === 0) return false;
    let stat = stats.get(field);
    if (!stat) stats.set(field, (stat = { events: 0, values: new Map() }));
    for (const item of items) {
      const key = text(item);
      stat.values.set(key, (stat.values.get(key) ?? 0) + 1);
    }
    return true;
  };
  for (const event of events) {
    const seen = new Set();
    const entries = [['host', event.host], ['source', event.source],
      ...Object.entries(event.normalized ?? {}), ...flatten(event.fields, 'fields.')];
    for (const [field, value] of entries) {
      if (value === '' || seen.has(field)) continue;
      if (add(field, value)) seen.add(field);
    }
    for (const field of seen) stats.get(field).events += 1;
  }
  return [...stats.entries()].sort((a, b) => b[1].events - a[1].events || (a[0] < b[0] ? -1 : 1));
}

/** [dotted key, value] entries of nested objects: a list, not an object, so a key named
 * `__proto__` (JSON.parse keeps it as an own key) stays a key. Empty objects show as {}. */
function flatten(object, prefix = '', out = []) {
  for (const [key, value] of Object.entries(object ?? {})) {
    if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) flatten(value, `${prefix}${key}.`, out);
    else out.push([prefix + key, value]);
  }
  return out;
}

/** An ISO time as a datetime-local input's value, in the browser's zone. */
export function toLocalInput(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 19);
}
