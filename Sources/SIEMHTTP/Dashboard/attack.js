// ATT&CK: the MITRE ATT&CK Enterprise tactics as columns, each with the techniques the recent
// alerts' rules are tagged with and how many alerts each has; a technique lists its alerts
// (GET /alerts?tag=attack.tNNNN) and leads to them in the Alerts view.
import { api, itemsOf } from './api.js';
import { clear, h, severityBadge, text, timeNode } from './dom.js';
import { STATUSES, statusBadge, statusLabel } from './alerts.js';
import { showError, table } from './ui.js';

const HOURS = [1, 6, 24, 72, 168, 720];

/** 1–4: how hot a technique is next to the hottest one. */
function level(count, max) {
  if (!count) return 0;
  return Math.min(4, 1 + Math.floor((count / Math.max(1, max)) * 3.999));
}

export function render(main, { params, navigate }) {
  const status = [...STATUSES, 'any'].includes(params.get('status')) ? params.get('status') : 'open';
  const hours = HOURS.map(String).includes(params.get('hours')) ? Number(params.get('hours')) : 24;
  let selectedTag = params.get('tag') ?? '';
  const statusFilter = status === 'any' ? undefined : status;
  const go = (changes) => navigate({ view: 'attack', status, hours, ...changes });

  const statusSelect = h('select', { id: 'attack-status', 'aria-label': 'Status' },
    STATUSES.map((name) => h('option', { value: name, selected: name === status }, statusLabel(name))),
    h('option', { value: 'any', selected: status === 'any' }, 'any status'));
  const hoursSelect = h('select', { id: 'attack-hours', 'aria-label': 'Window' },
    HOURS.map((value) => h('option', { value: String(value), selected: value === hours }, value < 48 ? `last ${value} h` : `last ${value / 24} d`)));
  for (const select of [statusSelect, hoursSelect]) {
    select.addEventListener('change', () => go({ status: statusSelect.value, hours: hoursSelect.value }));
  }
  const summary = h('div', { class: 'summary', id: 'attack-summary' });
  const matrix = h('div', { id: 'attack-matrix', class: 'attack-matrix' });
  const detail = h('aside', { id: 'attack-detail', class: 'detail', hidden: true });
  main.append(h('div', { class: 'searchbar' }, statusSelect, hoursSelect), summary,
    h('div', { class: 'split' }, h('div', { class: 'results' }, matrix), detail));

  let drawn = '';
  let since = '';
  let opened = 0;

  function draw(result) {
    const tactics = (result?.tactics ?? []).filter((tactic) => tactic.id !== 'unmapped' || tactic.techniques.length > 0);
    const max = Math.max(1, ...tactics.flatMap((tactic) => tactic.techniques.map((technique) => technique.alerts)));
    clear(matrix).append(...tactics.map((tactic) => h('section', {
      class: `tactic${tactic.alerts ? ' hit' : ''}`, dataset: { tactic: text(tactic.id) },
    },
    h('header', { class: 'tactic-head', title: tactic.attack_id ? `${tactic.name} (${tactic.attack_id})` : 'Techniques of alerts whose rules name no tactic' },
      h('span', { class: 'tactic-name' }, text(tactic.name)),
      h('span', { class: 'tactic-meta' }, h('span', { class: 'tactic-id' }, text(tactic.attack_id ?? '')),
        h('span', { class: 'tactic-count' }, String(tactic.alerts)))),
    tactic.techniques.length === 0
      ? h('p', { class: 'empty' }, '—')
      : h('ul', { class: 'techniques' }, tactic.techniques.map((technique) => h('li', {},
        h('button', {
          type: 'button', class: `technique level-${level(technique.alerts, max)}${technique.tag === selectedTag ? ' selected' : ''}`,
          dataset: { tag: text(technique.tag), technique: text(technique.id) },
          title: `${technique.id}: ${technique.alerts} alert${technique.alerts === 1 ? '' : 's'} under ${tactic.name}`,
          onclick: (event) => openTechnique(technique, tactic, event.currentTarget),
        }, h('span', { class: 'technique-id' }, text(technique.id)), h('span', { class: 'technique-count' }, String(technique.alerts)))))))));
    summary.textContent = `${result?.alerts ?? 0} alert${result?.alerts === 1 ? '' : 's'} with ATT&CK tags raised in the last ${hours} h`
      + (statusFilter ? `, status ${statusLabel(statusFilter)}` : '')
      + '; an alert counts under every tactic and technique its rule names';
  }

  async function openTechnique(technique, tactic, button) {
    const token = ++opened;
    for (const selected of matrix.querySelectorAll('button.technique.selected')) selected.classList.remove('selected');
    button?.classList.add('selected');
    selectedTag = technique.tag;
    const query = new URLSearchParams(location.search);
    query.set('tag', technique.tag);
    history.replaceState(null, '', `${location.pathname}?${query}`);
    detail.hidden = false;
    const box = h('div', { id: 'technique-alerts' }, h('p', { class: 'empty' }, 'Loading…'));
    const link = h('a', {
      href: `?view=alerts&by=list&tag=${encodeURIComponent(technique.tag)}&status=${status}`, id: 'technique-link',
      onclick: (event) => { event.preventDefault(); navigate({ view: 'alerts', by: 'list', tag: technique.tag, status }); },
    }, 'Open in Alerts');
    clear(detail).append(
      h('header', {}, h('h2', { id: 'technique-title' }, `${text(technique.id)} · ${text(tactic.name)}`),
        h('button', { type: 'button', class: 'close', 'aria-label': 'Close', onclick: () => { detail.hidden = true; } }, '×')),
      h('p', { class: 'meta' }, `Alerts tagged ${text(technique.tag)} (newest first). `, link),
      box);
    try {
      const alerts = itemsOf(await api('/alerts', { params: { tag: technique.tag, status: statusFilter, since, limit: 50 } }));
      if (token !== opened) return;
      clear(box).append(table(
        [
          { label: 'Time', class: 'nowrap', value: (alert) => timeNode(alert.created_at) },
          { label: 'Severity', value: (alert) => severityBadge(alert.severity) },
          { label: 'Rule', class: 'mono', value: (alert) => text(alert.rule_id) },
          { label: 'Title', value: (alert) => text(alert.title) },
          { label: 'Status', value: (alert) => statusBadge(alert.status) },
        ],
        alerts,
        { empty: 'No alerts.', rowClass: () => 'alert-row' },
      ));
    } catch (error) {
      if (token === opened) showError(error);
    }
  }

  async function load() {
    const result = await api('/attack', { params: { hours, status: statusFilter } });
    since = result?.since ?? '';
    const key = JSON.stringify(result?.tactics ?? []);
    if (key === drawn) return;
    drawn = key;
    draw(result);
  }

  load().then(() => {
    if (!selectedTag) return;
    const button = [...matrix.querySelectorAll('button.technique')].find((element) => element.dataset.tag === selectedTag);
    const column = button?.closest('section.tactic');
    if (button) {
      const tactic = { name: column.querySelector('.tactic-name').textContent };
      openTechnique({ id: button.dataset.technique, tag: selectedTag }, tactic, button);
    }
  }).catch(showError);
  return { refresh: () => load() };
}
