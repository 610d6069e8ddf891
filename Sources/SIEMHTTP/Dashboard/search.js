// Search: one query box, a time range, the events-over-time histogram (by event time), results
// newest first by arrival (the API's id order) with paging, and an event detail whose values add
// filters.
import { api, itemsOf } from './api.js';
import { clear, h, text, time, timeNode, zone } from './dom.js';
import { timeBars } from './charts.js';
import { RANGES, rangeName, searchRequest, timeBounds, withTerm } from './query.js';
import { keyValues, showError, showStatus } from './ui.js';

const PAGE = 50;

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
  main.append(
    form,
    histogram,
    h('div', { class: 'split' },
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
  let shown = 0;

  const addFilter = (key, value) => go({ q: withTerm(state.q, key, value) });
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
      shown += items.length;
      cursor = page?.next_cursor ?? null;
      more.hidden = !cursor;
      summary.textContent = shown === 0 ? 'No events match.'
        : `${shown} event${shown === 1 ? '' : 's'} shown${cursor ? '' : ' (all)'}, newest first by arrival (received time); the histogram counts by event time`;
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
      shown += items.length;
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
