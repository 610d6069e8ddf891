// Rules: every loaded and skipped rule, native and Sigma, with what it has matched since siemd
// started. Columns sort by a click on their header (the order is kept in the URL); a text filter
// and format/status selects ask the API; skipped rules, rules that see no events and rules that
// never matched are marked; a row opens the rule; admins reload the rules from disk.
import { api, itemsOf } from './api.js';
import { append, clear, h, text, timeNode } from './dom.js';
import { facts, formatBadge, reference, valueList } from './rulemeta.js';
import { keyValues, showError, showStatus } from './ui.js';

const PAGE = 1000;
const MOST_PAGES = 50;
const REFRESH_MS = 30000;
const LEVELS = { informational: 0, low: 1, medium: 2, high: 3, critical: 4 };

// Each sortable column: how a row compares, and which way a first click sorts.
const COLUMNS = [
  { key: 'id', label: 'ID', first: 'asc', value: (rule) => text(rule.id).toLowerCase() },
  { key: 'title', label: 'Title', first: 'asc', value: (rule) => text(rule.title).toLowerCase() },
  { key: 'format', label: 'Format', first: 'asc', value: (rule) => text(rule.format) },
  { key: 'level', label: 'Level', first: 'desc', value: (rule) => LEVELS[rule.level] ?? LEVELS[rule.severity] ?? -1 },
  { key: 'status', label: 'Status', first: 'asc', value: (rule) => `${text(rule.status)} ${rule.reason ? 1 : 0}` },
  { key: 'matches', label: 'Matches', first: 'desc', value: (rule) => Number(rule.matches ?? 0) },
  { key: 'last_match', label: 'Last match', first: 'desc', value: (rule) => (rule.last_match ? Date.parse(rule.last_match) || 0 : -1) },
  { key: 'cost', label: 'Cost', first: 'desc', value: (rule) => (typeof rule.cost_ns_per_event === 'number' ? rule.cost_ns_per_event : -1) },
];
const BY_KEY = new Map(COLUMNS.map((column) => [column.key, column]));

/** Nanoseconds per event as `850 ns` or `12.3 µs`; `—` when never timed. */
export function cost(nanoseconds) {
  if (typeof nanoseconds !== 'number' || !Number.isFinite(nanoseconds)) return '—';
  return nanoseconds < 1000 ? `${Math.round(nanoseconds)} ns` : `${(nanoseconds / 1000).toFixed(1)} µs`;
}

export function render(main, { params, navigate }) {
  const state = {
    q: params.get('q') ?? '',
    format: ['native', 'sigma'].includes(params.get('format')) ? params.get('format') : '',
    status: ['loaded', 'skipped'].includes(params.get('status')) ? params.get('status') : '',
    tag: params.get('tag') ?? '',
  };
  const sort = {
    key: BY_KEY.has(params.get('sort')) ? params.get('sort') : '',
    dir: params.get('dir') === 'desc' ? 'desc' : 'asc',
  };
  const go = (changes) => navigate({ view: 'rules', ...state, sort: sort.key, dir: sort.key ? sort.dir : '', ...changes });

  const box = h('input', {
    id: 'rule-query', type: 'search', name: 'q', value: state.q, autocomplete: 'off', spellcheck: 'false',
    placeholder: 'Filter: id, title, author, file or tag', 'aria-label': 'Filter rules',
  });
  const format = h('select', { id: 'rule-format', name: 'format', 'aria-label': 'Format' },
    h('option', { value: '' }, 'any format'),
    ['native', 'sigma'].map((name) => h('option', { value: name, selected: name === state.format }, name)));
  const status = h('select', { id: 'rule-status', name: 'status', 'aria-label': 'Status' },
    h('option', { value: '' }, 'loaded and skipped'),
    ['loaded', 'skipped'].map((name) => h('option', { value: name, selected: name === state.status }, name)));
  const tag = state.tag
    ? h('button', { type: 'button', class: 'tag-filter', title: 'Remove this tag filter', onclick: () => go({ tag: '' }) }, `tag: ${state.tag} ×`)
    : null;
  const reload = h('button', { type: 'button', id: 'rules-reload', title: 'Read the rules files again (admins)' }, 'Reload rules');
  const form = h('form', { id: 'rules-form', class: 'searchbar', role: 'search' },
    box, format, status, tag, h('button', { type: 'submit' }, 'Filter'), reload);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    go({ q: box.value.trim(), format: format.value, status: status.value });
  });
  // A select applies at once, like a click.
  for (const select of [format, status]) select.addEventListener('change', () => form.requestSubmit());

  const summary = h('div', { class: 'summary', id: 'rules-summary' });
  const head = h('tr', {});
  const rows = h('tbody', { id: 'rule-rows' });
  const grid = h('table', { class: 'grid rules', id: 'rules-table' }, h('thead', {}, head), rows);
  const detail = h('aside', { id: 'rule-detail', class: 'detail wide', hidden: true });
  main.append(form, h('div', { class: 'split' }, h('div', { class: 'results', id: 'rules' }, summary, grid), detail));

  let rules = [];
  let totals = null;
  let selected = null;
  let loadedAt = 0;

  function drawHead() {
    clear(head).append(...COLUMNS.map((column) => {
      const active = sort.key === column.key;
      const arrow = active ? (sort.dir === 'asc' ? ' ↑' : ' ↓') : '';
      return h('th', { 'aria-sort': active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none', dataset: { sort: column.key } },
        h('button', { type: 'button', class: 'sort', title: `Sort by ${column.label.toLowerCase()}`, onclick: () => sortBy(column.key) }, column.label, arrow));
    }));
  }

  /** A click on the active column reverses it; on another, sorts by that one its natural way. */
  function sortBy(key) {
    if (sort.key === key) sort.dir = sort.dir === 'asc' ? 'desc' : 'asc';
    else Object.assign(sort, { key, dir: BY_KEY.get(key).first });
    const query = new URLSearchParams(location.search);
    query.set('sort', sort.key);
    query.set('dir', sort.dir);
    history.replaceState(null, '', `${location.pathname}?${query}`);
    draw();
  }

  function sorted() {
    const column = BY_KEY.get(sort.key);
    if (!column) return rules;
    const sign = sort.dir === 'asc' ? 1 : -1;
    // Stable: equal rows keep their load order.
    return rules.map((rule, index) => ({ rule, index, value: column.value(rule) }))
      .sort((a, b) => (a.value < b.value ? -sign : a.value > b.value ? sign : a.index - b.index))
      .map((entry) => entry.rule);
  }

  function marks(rule) {
    const skipped = rule.status === 'skipped';
    return {
      skipped,
      noEvents: !skipped && Boolean(rule.reason),
      neverMatched: !skipped && Number(rule.matches ?? 0) === 0,
    };
  }

  function row(rule) {
    const mark = marks(rule);
    const classes = ['rule-row', 'clickable', mark.skipped ? 'skipped' : '', mark.noEvents ? 'no-events' : '',
      mark.neverMatched ? 'no-matches' : '', selected === rule ? 'selected' : ''];
    const tr = h('tr', { class: classes.filter(Boolean).join(' '), dataset: { id: text(rule.id), status: text(rule.status) } },
      h('td', { class: 'mono rule-id' }, rule.id ? text(rule.id) : h('span', { class: 'empty' }, '(no id)')),
      h('td', { class: 'rule-title' }, text(rule.title) || h('span', { class: 'empty' }, '(untitled)'),
        rule.reason ? h('div', { class: mark.skipped ? 'rule-reason' : 'rule-reason muted' }, text(rule.reason)) : null),
      h('td', {}, formatBadge(rule.format)),
      h('td', { class: 'rule-level' }, level(rule)),
      h('td', { class: 'rule-status nowrap' },
        mark.skipped ? h('span', { class: 'rule-badge skipped-badge', title: text(rule.reason) }, 'skipped') : text(rule.status),
        mark.noEvents ? [' ', h('span', { class: 'rule-badge no-events-badge', title: text(rule.reason) }, 'no events')] : null),
      h('td', { class: 'rule-matches' }, matches(rule, mark)),
      h('td', { class: 'nowrap rule-last-match' }, rule.last_match ? timeNode(rule.last_match) : h('span', { class: 'empty' }, 'never')),
      h('td', { class: 'nowrap rule-cost', title: `${text(rule.evaluations ?? 0)} evaluations since start` }, cost(rule.cost_ns_per_event)));
    tr.addEventListener('click', (event) => {
      if (event.target.closest('button, a')) return;
      selected = rule;
      for (const other of rows.querySelectorAll('tr.selected')) other.classList.remove('selected');
      tr.classList.add('selected');
      show(rule);
    });
    return tr;
  }

  function level(rule) {
    if (!rule.level && !rule.severity) return h('span', { class: 'empty' }, '—');
    const severity = ['low', 'medium', 'high', 'critical'].includes(rule.severity) ? rule.severity : 'unknown';
    return h('span', { class: `sev sev-${severity}`, title: rule.severity ? `severity ${rule.severity}` : undefined }, text(rule.level || rule.severity));
  }

  function matches(rule, mark) {
    if (mark.skipped) return h('span', { class: 'empty' }, '—');
    if (mark.neverMatched) return h('span', { class: 'rule-badge zero-badge', title: 'No alerts since siemd started' }, '0');
    return h('button', { type: 'button', class: 'value', title: 'Show its alerts', onclick: () => navigate({ view: 'alerts', by: 'list', status: 'any', rule_id: rule.id }) }, text(rule.matches));
  }

  function show(rule) {
    detail.hidden = false;
    const tags = rule.tags ?? [];
    append(clear(detail), [
      h('header', {}, h('h2', {}, text(rule.title) || text(rule.id) || 'Rule'),
        h('button', { type: 'button', class: 'close', 'aria-label': 'Close', onclick: () => { detail.hidden = true; } }, '×')),
      facts([
        ['id', rule.id, 'mono rule-id'],
        ['format', formatBadge(rule.format), 'rule-format'],
        ['level', rule.level, 'rule-level'],
        ['status', rule.status, 'rule-status'],
        ['reason', rule.reason, 'rule-reason'],
        ['author', rule.author, 'rule-author'],
        ['file', rule.file, 'mono rule-file'],
        ['matches', String(rule.matches ?? 0), 'rule-matches'],
        ['evaluations', String(rule.evaluations ?? 0), 'rule-evaluations'],
        ['cost', cost(rule.cost_ns_per_event), 'rule-cost'],
      ]),
      rule.description ? [h('h3', {}, 'Description'), h('p', { class: 'rule-description' }, text(rule.description))] : null,
      h('h3', {}, 'Tags'),
      tags.length ? h('div', { class: 'chips' }, tags.map((name) => h('button', { type: 'button', class: 'value', title: `Only rules tagged ${text(name)}`, onclick: () => go({ tag: text(name) }) }, text(name))))
        : h('p', { class: 'empty' }, '(none)'),
      rule.format === 'sigma' ? [h('h3', {}, 'Log source'), keyValues(rule.logsource ?? {})] : null,
      h('h3', {}, 'References'),
      valueList(rule.references, { render: reference, className: 'rule-references' }),
      h('h3', {}, 'False positives'),
      valueList(rule.falsepositives, { className: 'rule-falsepositives' })]);
  }

  function draw() {
    drawHead();
    const list = sorted();
    rows.replaceChildren(...list.map(row));
    if (list.length === 0) {
      const filtered = state.q || state.format || state.status || state.tag;
      rows.append(h('tr', {}, h('td', { colspan: COLUMNS.length, class: 'empty' }, filtered ? 'No rules match.' : 'No rules are loaded.')));
    }
    if (!totals) return;
    const neverMatched = rules.filter((rule) => marks(rule).neverMatched).length;
    summary.textContent = `${rules.length} rule${rules.length === 1 ? '' : 's'} shown of ${totals.total} matching`
      + ` · ${totals.loaded} loaded, ${totals.skipped} skipped in all · ${neverMatched} shown never matched since start`;
  }

  /** Every page of the filtered catalog. */
  async function fetchAll() {
    const filters = { q: state.q, format: state.format, status: state.status, tag: state.tag, limit: PAGE };
    let cursor;
    let all = [];
    let page = null;
    for (let count = 0; count < MOST_PAGES; count += 1) {
      page = await api('/rules', { params: { ...filters, cursor } });
      all = all.concat(itemsOf(page));
      cursor = page?.next_cursor ?? undefined;
      if (!cursor) break;
    }
    return { items: all, totals: { loaded: page?.loaded ?? 0, skipped: page?.skipped ?? 0, total: page?.total ?? all.length } };
  }

  async function load() {
    try {
      const result = await fetchAll();
      const previous = selected && `${selected.file}\u0000${selected.id}`;
      rules = result.items;
      totals = result.totals;
      selected = previous ? rules.find((rule) => `${rule.file}\u0000${rule.id}` === previous) ?? null : null;
      loadedAt = Date.now();
      draw();
    } catch (error) {
      showError(error);
    }
  }

  reload.addEventListener('click', async () => {
    reload.disabled = true;
    try {
      const report = await api('/rules/reload', { method: 'POST' });
      const changes = [['added', report?.added], ['removed', report?.removed], ['changed', report?.changed]]
        .map(([name, ids]) => `${(ids ?? []).length} ${name}`).join(', ');
      const failed = report?.failed_files ?? [];
      const failures = failed.length
        ? `; ${failed.length} file${failed.length === 1 ? '' : 's'} kept their previous rules: `
          + failed.map((file) => `${text(file.path)} (${text(file.reason)})`).join('; ')
        : '';
      showStatus(`Rules reloaded: ${text(report?.loaded)} loaded, ${text(report?.skipped)} skipped; ${changes}${failures}.`, failed.length ? 'error' : 'ok');
      await load();
    } catch (error) {
      showError(error);
    } finally {
      reload.disabled = false;
    }
  });

  drawHead();
  load();
  return {
    // Live: counts change as events arrive; the catalog is re-read at most every REFRESH_MS.
    async refresh() {
      if (Date.now() - loadedAt < REFRESH_MS) return;
      await load();
    },
  };
}
