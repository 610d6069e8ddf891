// Alerts: counts per severity, filters, the rule (author, format, references, false positives)
// and the event behind each alert, and one-click incidents.
import { api, itemsOf } from './api.js';
import { clear, h, severityBadge, text, timeNode } from './dom.js';
import { term } from './query.js';
import { alertRule, formatBadge } from './rulemeta.js';
import { showDetail } from './search.js';
import { showError, showStatus, table } from './ui.js';

const SEVERITIES = ['critical', 'high', 'medium', 'low'];
const FORMATS = ['native', 'sigma', 'ti'];

export function render(main, { params, navigate }) {
  const filters = {
    severity: params.get('severity') ?? '',
    rule_id: params.get('rule_id') ?? '',
    ip: params.get('ip') ?? '',
    agent_id: params.get('agent_id') ?? '',
    tag: params.get('tag') ?? '',
    rule_format: FORMATS.includes(params.get('rule_format')) ? params.get('rule_format') : '',
  };
  const go = (changes) => navigate({ view: 'alerts', ...filters, ...changes });

  const counts = h('div', { class: 'cards', id: 'severity-counts' });
  const severity = h('select', { name: 'severity', 'aria-label': 'Severity' },
    h('option', { value: '' }, 'any severity'), SEVERITIES.map((name) => h('option', { value: name, selected: name === filters.severity }, name)));
  const rule = h('input', { name: 'rule_id', value: filters.rule_id, placeholder: 'rule_id' });
  const ip = h('input', { name: 'ip', value: filters.ip, placeholder: 'ip' });
  const agent = h('input', { name: 'agent_id', value: filters.agent_id, placeholder: 'agent_id' });
  const tag = h('input', { name: 'tag', value: filters.tag, placeholder: 'tag' });
  const format = h('select', { name: 'rule_format', 'aria-label': 'Rule format' },
    h('option', { value: '' }, 'any format'), FORMATS.map((name) => h('option', { value: name, selected: name === filters.rule_format }, name === 'ti' ? 'ti (threat intel)' : name)));
  const form = h('form', { class: 'searchbar', id: 'alerts-form' }, severity, format, rule, tag, ip, agent, h('button', { type: 'submit' }, 'Filter'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    go({
      severity: severity.value, rule_format: format.value, rule_id: rule.value.trim(), tag: tag.value.trim(),
      ip: ip.value.trim(), agent_id: agent.value.trim(),
    });
  });
  const list = h('div', { id: 'alerts' });
  const more = h('button', { type: 'button', hidden: true }, 'Older alerts');
  const detail = h('aside', { id: 'detail', class: 'detail', hidden: true });
  main.append(counts, form, h('div', { class: 'split' }, h('div', { class: 'results' }, list, more), detail));

  let cursor = null;
  let rows = [];
  let newest = 0;

  async function createIncident(alert, button) {
    button.disabled = true;
    try {
      const incident = await api('/mdr/incidents', { method: 'POST', body: { alert_id: alert.id } });
      const id = incident?.id ?? incident?.incident?.id;
      showStatus(`Incident ${id ?? ''} created from alert ${alert.id}.`, 'ok');
      button.replaceWith(h('a', { href: `?view=incidents&id=${encodeURIComponent(id ?? '')}`, class: 'incident-link',
        onclick: (event) => { event.preventDefault(); navigate({ view: 'incidents', id }); } }, `Incident ${id ?? ''}`));
    } catch (error) {
      button.disabled = false;
      showError(error);
    }
  }

  function draw() {
    clear(list).append(table(
      [
        { label: 'Time', class: 'nowrap', value: (alert) => timeNode(alert.created_at ?? alert.ts) },
        { label: 'Severity', value: (alert) => severityBadge(alert.severity) },
        { label: 'Rule', value: (alert) => h('button', { type: 'button', class: 'value', onclick: () => go({ rule_id: alert.rule_id }) }, text(alert.rule_id)) },
        { label: 'Format', value: (alert) => formatBadge(alert.rule_format) },
        { label: 'Title', value: (alert) => text(alert.title) },
        { label: 'Host', value: (alert) => text(alert.host) },
        { label: 'Event', value: (alert) => (alert.event ? h('button', { type: 'button', class: 'value event-link', onclick: () => showAlert(alert) }, `event ${alert.event_id}`) : text(alert.event_id)) },
        { label: '', value: (alert) => h('button', { type: 'button', class: 'create-incident', dataset: { alert: String(alert.id) }, onclick: (event) => createIncident(alert, event.currentTarget) }, 'Create incident') },
      ],
      rows,
      { onRow: (alert, tr) => showAlert(alert, tr), empty: 'No alerts match.', rowClass: (alert) => `alert-row sev-row-${alert.severity}` },
    ));
  }

  /** The alert's rule first, then its event (when stored). */
  function showAlert(alert, tr) {
    for (const selected of list.querySelectorAll('tr.selected')) selected.classList.remove('selected');
    tr?.classList.add('selected');
    if (alert.event) {
      showDetail(detail, alert.event, (key, value) => navigate({ view: 'search', q: term(key, value) }));
    } else {
      detail.hidden = false;
      clear(detail).append(h('header', {}, h('h2', {}, `Alert ${text(alert.id)}`),
        h('button', { type: 'button', class: 'close', 'aria-label': 'Close', onclick: () => { detail.hidden = true; } }, '×')));
    }
    detail.querySelector('header').after(alertRule(alert));
  }

  async function load({ reset = false } = {}) {
    try {
      const query = { ...filters, limit: 50 };
      if (!reset && cursor) query.cursor = cursor;
      const page = await api('/alerts', { params: query });
      const items = itemsOf(page);
      rows = reset || !cursor ? items : rows.concat(items);
      if (reset || newest === 0) newest = items[0]?.id ?? 0;
      cursor = page?.next_cursor ?? null;
      more.hidden = !cursor;
      draw();
    } catch (error) {
      showError(error);
    }
  }

  async function loadCounts() {
    try {
      const stats = await api('/stats', { params: { hours: 24 * 7 } });
      const bySeverity = Object.fromEntries((stats?.alerts_by_severity ?? []).map((bucket) => [bucket.severity, bucket.count]));
      clear(counts).append(...SEVERITIES.map((name) => h('button', { type: 'button', class: `card sev-card level-${name}`, onclick: () => go({ severity: name }) },
        h('span', { class: 'card-value' }, String(bySeverity[name] ?? 0)), h('span', { class: 'card-label' }, `${name} (7 d)`))));
    } catch (error) {
      showError(error);
    }
  }

  more.addEventListener('click', () => load());
  load();
  loadCounts();
  return {
    async refresh() {
      const items = itemsOf(await api('/alerts', { params: { ...filters, limit: 50 } })).filter((alert) => alert.id > newest);
      if (items.length === 0) return;
      newest = items[0].id;
      rows = items.concat(rows);
      draw();
      loadCounts();
      showStatus(`${items.length} new alert${items.length === 1 ? '' : 's'}`);
    },
  };
}
