// Alerts: grouped by rule or by rule and group key (open alerts by default) with counts, first and
// last seen and an hourly sparkline; a click on a group opens its alerts and the events behind
// them, and a group is triaged in one request (PATCH /alerts with the group's filter). "All
// alerts" lists them one by one with their rule (author, format, references, false positives),
// their event, their triage and one-click incidents.
import { api, itemsOf } from './api.js';
import { clear, h, severityBadge, text, timeNode } from './dom.js';
import { sparkline } from './charts.js';
import { term } from './query.js';
import { alertRule, facts, formatBadge } from './rulemeta.js';
import { showDetail } from './search.js';
import { showError, showStatus, table } from './ui.js';

const SEVERITIES = ['critical', 'high', 'medium', 'low'];
const FORMATS = ['native', 'sigma', 'ti'];
export const STATUSES = ['open', 'acknowledged', 'closed', 'false_positive'];
const KINDS = ['event', 'threshold', 'correlation'];
const MODES = [['rule', 'By rule'], ['group', 'By group key'], ['list', 'All alerts']];
const HOURS = [1, 6, 24, 72, 168, 720];
const TRIAGE = [['acknowledged', 'Acknowledge'], ['closed', 'Close'], ['false_positive', 'False positive']];
const EVIDENCE_ALERTS = 20;
const EVIDENCE_PER_ALERT = 50;

export function statusLabel(status) {
  return status === 'false_positive' ? 'false positive' : text(status);
}

export function statusBadge(status) {
  const known = STATUSES.includes(status) ? status : 'unknown';
  return h('span', { class: `status-badge status-${known}` }, statusLabel(status));
}

/** What a triage change did, in words: `closed`, `assigned to alice`. */
function describeChange(change) {
  const parts = [];
  if (change.status) parts.push(`marked ${statusLabel(change.status)}`);
  if ('assigned_to' in change) parts.push(change.assigned_to ? `assigned to ${change.assigned_to}` : 'unassigned');
  return parts.join(' and ');
}

/** `source.ip=203.0.113.45` chips for an alert's or a group's values. */
function groupChips(group) {
  const entries = Object.entries(group ?? {});
  if (entries.length === 0) return h('span', { class: 'empty' }, '—');
  return h('span', { class: 'chips group-values' },
    entries.map(([key, value]) => h('span', { class: 'chip', dataset: { key } }, `${key}=${text(value)}`)));
}

function pick(params, name, allowed, fallback) {
  const value = params.get(name);
  return allowed.includes(value) ? value : fallback;
}

export function render(main, { params, navigate }) {
  const by = pick(params, 'by', MODES.map(([name]) => name), 'rule');
  const status = pick(params, 'status', [...STATUSES, 'any'], 'open');
  const hours = Number(pick(params, 'hours', HOURS.map(String), '24'));
  const filters = {
    severity: pick(params, 'severity', SEVERITIES, ''),
    rule_id: params.get('rule_id') ?? '',
    ip: params.get('ip') ?? '',
    agent_id: params.get('agent_id') ?? '',
    tag: params.get('tag') ?? '',
    rule_format: pick(params, 'rule_format', FORMATS, ''),
    kind: pick(params, 'kind', KINDS, ''),
    assigned_to: params.get('assigned_to') ?? '',
  };
  const state = { by, status, hours, ...filters };
  const go = (changes) => navigate({ view: 'alerts', ...state, ...changes });
  const statusFilter = status === 'any' ? undefined : status;

  const modes = h('div', { class: 'tabs', id: 'alerts-by', role: 'tablist' },
    MODES.map(([name, label]) => h('a', {
      href: `?view=alerts&by=${name}`, class: name === by ? 'active' : undefined, dataset: { by: name },
      onclick: (event) => { event.preventDefault(); go({ by: name }); },
    }, label)));
  const counts = h('div', { class: 'cards', id: 'severity-counts' });
  const option = (value, label, selected) => h('option', { value, selected: value === selected }, label);
  const statusSelect = h('select', { id: 'alert-status', name: 'status', 'aria-label': 'Status' },
    STATUSES.map((name) => option(name, statusLabel(name), status)), option('any', 'any status', status));
  const hoursSelect = h('select', { id: 'alert-hours', name: 'hours', 'aria-label': 'Window', hidden: by === 'list' },
    HOURS.map((value) => option(String(value), value < 48 ? `last ${value} h` : `last ${value / 24} d`, String(hours))));
  const severity = h('select', { name: 'severity', 'aria-label': 'Severity' },
    option('', 'any severity', filters.severity), SEVERITIES.map((name) => option(name, name, filters.severity)));
  const format = h('select', { name: 'rule_format', 'aria-label': 'Rule format' },
    option('', 'any format', filters.rule_format),
    FORMATS.map((name) => option(name, name === 'ti' ? 'ti (threat intel)' : name, filters.rule_format)));
  const kind = h('select', { name: 'kind', 'aria-label': 'Kind' },
    option('', 'any kind', filters.kind), KINDS.map((name) => option(name, name, filters.kind)));
  const input = (name) => h('input', { name, value: filters[name], placeholder: name });
  const [rule, tag, ip, agent, assignee] = ['rule_id', 'tag', 'ip', 'agent_id', 'assigned_to'].map(input);
  const form = h('form', { class: 'searchbar', id: 'alerts-form' },
    statusSelect, hoursSelect, severity, format, kind, rule, tag, ip, agent, assignee, h('button', { type: 'submit' }, 'Filter'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    go({
      status: statusSelect.value, hours: hoursSelect.value, severity: severity.value, rule_format: format.value,
      kind: kind.value, rule_id: rule.value.trim(), tag: tag.value.trim(), ip: ip.value.trim(),
      agent_id: agent.value.trim(), assigned_to: assignee.value.trim(),
    });
  });
  for (const select of [statusSelect, hoursSelect, severity, format, kind]) {
    select.addEventListener('change', () => form.requestSubmit());
  }
  const list = h('div', { id: by === 'list' ? 'alerts' : 'alert-groups' });
  const more = h('button', { type: 'button', hidden: true }, 'Older alerts');
  const summary = h('div', { class: 'summary', id: 'alerts-summary' });
  const detail = h('aside', { id: 'detail', class: 'detail', hidden: true });
  main.append(modes, counts, form, h('div', { class: 'split' }, h('div', { class: 'results' }, summary, list, more), detail));

  let opened = 0;

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

  function closeButton() {
    return h('button', { type: 'button', class: 'close', 'aria-label': 'Close', onclick: () => { detail.hidden = true; } }, '×');
  }

  /** Buttons that send `change` (status buttons, and an assign form) through `send(change, button)`. */
  function triageControls(send, { current, id }) {
    const buttons = TRIAGE.map(([name, label]) => h('button', {
      type: 'button', class: `triage triage-${name}`, dataset: { status: name }, disabled: current === name,
      onclick: (event) => send({ status: name }, event.currentTarget),
    }, label));
    const reopen = h('button', { type: 'button', class: 'triage triage-open', dataset: { status: 'open' }, hidden: current === 'open',
      onclick: (event) => send({ status: 'open' }, event.currentTarget) }, 'Reopen');
    const who = h('input', { name: 'assignee', placeholder: 'analyst', 'aria-label': 'Assign to', autocomplete: 'off' });
    const assign = h('form', { class: 'inline assign-form', id }, who, h('button', { type: 'submit' }, 'Assign'),
      h('button', { type: 'button', class: 'unassign', onclick: (event) => send({ assigned_to: null }, event.currentTarget) }, 'Unassign'));
    assign.addEventListener('submit', (event) => {
      event.preventDefault();
      const name = who.value.trim();
      if (name) send({ assigned_to: name }, assign.querySelector('button[type="submit"]'));
    });
    return [h('div', { class: 'inline triage-buttons' }, buttons, reopen), assign];
  }

  /** The events behind `alerts` (each alert's evidence, newest first, without repeats) as a table. */
  async function evidenceInto(box, alerts, total) {
    const pages = await Promise.all(alerts.slice(0, EVIDENCE_ALERTS).map((alert) =>
      api(`/alerts/${encodeURIComponent(alert.id)}/events`, { params: { limit: EVIDENCE_PER_ALERT } })));
    const byID = new Map();
    for (const page of pages) for (const event of itemsOf(page)) byID.set(event.id, event);
    const events = [...byID.values()].sort((a, b) => b.id - a.id);
    const rows = h('tbody', { id: 'evidence' }, events.map((event) => {
      const tr = h('tr', { class: 'evidence-row clickable', dataset: { id: String(event.id) } },
        h('td', { class: 'nowrap' }, timeNode(event.ts)), h('td', {}, text(event.host)),
        h('td', { class: 'message' }, text(event.message)));
      tr.addEventListener('click', () => {
        showDetail(detail, event, (key, value) => navigate({ view: 'search', q: term(key, value) }));
      });
      return tr;
    }));
    if (events.length === 0) rows.append(h('tr', {}, h('td', { colspan: 3, class: 'empty' }, 'No events stored for these alerts.')));
    clear(box).append(
      h('p', { class: 'summary', id: 'evidence-summary' },
        `${events.length} event${events.length === 1 ? '' : 's'} shown`
          + (total > events.length ? ` of ${total} behind ${alerts.length === 1 ? 'this alert' : 'these alerts'}` : '')),
      h('table', { class: 'grid events' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Event time'), h('th', {}, 'Host'), h('th', {}, 'Message'))), rows));
  }

  // ---- one alert ----------------------------------------------------------------------------

  function alertTriage(alert, redraw) {
    const send = async (change, button) => {
      if (button) button.disabled = true;
      try {
        const changed = await api(`/alerts/${encodeURIComponent(alert.id)}`, { method: 'PATCH', body: change });
        showStatus(`Alert ${alert.id} ${describeChange(change)}.`, 'ok');
        redraw?.(changed);
      } catch (error) {
        if (button) button.disabled = false;
        showError(error);
      }
    };
    return h('section', { id: 'alert-triage', class: 'rule-meta' },
      h('h3', {}, 'Triage'),
      facts([
        ['status', statusBadge(alert.status), 'alert-status'],
        ['assigned to', alert.assigned_to || h('span', { class: 'empty' }, '(nobody)'), 'alert-assignee'],
        ['kind', alert.kind, 'alert-kind'],
        ['count', String(alert.count ?? 1), 'alert-count'],
        ['first seen', timeNode(alert.first_seen), 'alert-first-seen'],
        ['last seen', timeNode(alert.last_seen), 'alert-last-seen'],
        ['group', groupChips(alert.group), 'alert-group'],
      ]),
      triageControls(send, { current: alert.status, id: 'alert-assign' }));
  }

  /** The alert's rule and triage first, then its event (when stored) and the events behind it. */
  function showAlert(alert, tr) {
    const token = ++opened;
    for (const selected of list.querySelectorAll('tr.selected')) selected.classList.remove('selected');
    tr?.classList.add('selected');
    if (alert.event) {
      showDetail(detail, alert.event, (key, value) => navigate({ view: 'search', q: term(key, value) }));
    } else {
      detail.hidden = false;
      clear(detail).append(h('header', {}, h('h2', {}, `Alert ${text(alert.id)}`), closeButton()));
    }
    const redraw = (changed) => {
      const index = rows.findIndex((row) => row.id === changed.id);
      if (index >= 0) rows[index] = { ...rows[index], ...changed };
      if (by === 'list') drawList();
      else loadGroups().catch(showError);
      showAlert({ ...alert, ...changed });
    };
    detail.querySelector('header').after(alertRule(alert), alertTriage(alert, redraw));
    if ((alert.count ?? 1) > 1 || (alert.kind && alert.kind !== 'event')) {
      const box = h('div', { id: 'alert-evidence' }, h('p', { class: 'empty' }, 'Loading the events behind it…'));
      detail.querySelector('#alert-triage').after(h('h3', {}, 'Events behind it'), box);
      evidenceInto(box, [alert], alert.count ?? 1).catch((error) => { if (token === opened) showError(error); });
    }
  }

  // ---- all alerts -----------------------------------------------------------------------------

  let cursor = null;
  let rows = [];
  let newest = 0;

  function drawList() {
    clear(list).append(table(
      [
        { label: 'Time', class: 'nowrap', value: (alert) => timeNode(alert.created_at ?? alert.ts) },
        { label: 'Severity', value: (alert) => severityBadge(alert.severity) },
        { label: 'Rule', value: (alert) => h('button', { type: 'button', class: 'value', onclick: () => go({ rule_id: alert.rule_id }) }, text(alert.rule_id)) },
        { label: 'Format', value: (alert) => formatBadge(alert.rule_format) },
        { label: 'Title', value: (alert) => text(alert.title) },
        { label: 'Count', class: 'alert-count', value: (alert) => String(alert.count ?? 1) },
        { label: 'Status', class: 'alert-status', value: (alert) => statusBadge(alert.status) },
        { label: 'Assignee', class: 'alert-assignee', value: (alert) => text(alert.assigned_to) },
        { label: 'Host', value: (alert) => text(alert.host) },
        { label: 'Event', value: (alert) => (alert.event ? h('button', { type: 'button', class: 'value event-link', onclick: () => showAlert(alert) }, `event ${alert.event_id}`) : text(alert.event_id)) },
        { label: '', value: (alert) => h('button', { type: 'button', class: 'create-incident', dataset: { alert: String(alert.id) }, onclick: (event) => createIncident(alert, event.currentTarget) }, 'Create incident') },
      ],
      rows,
      { onRow: (alert, tr) => showAlert(alert, tr), empty: 'No alerts match.', rowClass: (alert) => `alert-row sev-row-${alert.severity}` },
    ));
  }

  const listQuery = () => ({ ...filters, status: statusFilter, limit: 50 });

  async function loadList({ reset = false } = {}) {
    try {
      const query = listQuery();
      if (!reset && cursor) query.cursor = cursor;
      const page = await api('/alerts', { params: query });
      const items = itemsOf(page);
      rows = reset || !cursor ? items : rows.concat(items);
      if (reset || newest === 0) newest = items[0]?.id ?? 0;
      cursor = page?.next_cursor ?? null;
      more.hidden = !cursor;
      summary.textContent = `${rows.length} alert${rows.length === 1 ? '' : 's'} shown${cursor ? '' : ' (all)'}, newest first`
        + (statusFilter ? `; status ${statusLabel(statusFilter)}` : '');
      drawList();
    } catch (error) {
      showError(error);
    }
  }

  // ---- groups ---------------------------------------------------------------------------------

  let groups = [];
  let drawn = '';
  let windowStart = '';

  /** The filter that selects a group's alerts (the view's filters, its rule and group values, the window). */
  function groupFilter(group) {
    const query = { ...filters, rule_id: group.rule_id, status: statusFilter, since: windowStart };
    for (const [key, value] of Object.entries(group.group ?? {})) {
      query[`group.${key}`] = typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
    }
    return query;
  }

  async function triageGroup(group, change, button) {
    if (button) button.disabled = true;
    try {
      const result = await api('/alerts', { method: 'PATCH', params: groupFilter(group), body: change });
      showStatus(`${result.updated} alert${result.updated === 1 ? '' : 's'} of ${group.rule_id} ${describeChange(change)}`
        + `${result.capped ? ' (the newest 10,000; repeat for the rest)' : ''}.`, 'ok');
      await loadGroups();
      loadCounts();
    } catch (error) {
      if (button) button.disabled = false;
      showError(error);
    }
  }

  function statusCounts(statuses) {
    const shown = STATUSES.filter((name) => (statuses?.[name] ?? 0) > 0);
    if (shown.length === 0) return h('span', { class: 'empty' }, '—');
    return h('span', { class: 'status-counts' },
      shown.map((name) => h('span', { class: `status-count status-${name}`, dataset: { status: name } }, `${statusLabel(name)} ${statuses[name]}`)));
  }

  function groupRow(group) {
    const tr = h('tr', {
      class: `group-row clickable sev-row-${group.severity}`,
      dataset: { rule: text(group.rule_id), group: JSON.stringify(group.group ?? {}) },
    },
    h('td', {}, severityBadge(group.severity)),
    h('td', { class: 'group-rule' }, h('div', { class: 'group-title' }, text(group.title)),
      h('div', { class: 'mono muted rule-id' }, text(group.rule_id), group.kind && group.kind !== 'event' ? h('span', { class: 'kind-badge' }, text(group.kind)) : null)),
    by === 'group' ? h('td', { class: 'group-key' }, groupChips(group.group)) : null,
    h('td', { class: 'num group-alerts' }, String(group.alerts)),
    h('td', { class: 'num group-events' }, String(group.events)),
    h('td', { class: 'nowrap group-first' }, timeNode(group.first_seen)),
    h('td', { class: 'nowrap group-last' }, timeNode(group.last_seen)),
    h('td', { class: 'group-statuses' }, statusCounts(group.statuses)),
    h('td', { class: 'group-trend' }, sparkline(group.sparkline ?? [], { label: 'alerts per hour' })),
    h('td', { class: 'group-triage nowrap' }, TRIAGE.map(([name, label]) => h('button', {
      type: 'button', class: `triage triage-${name}`, dataset: { status: name }, title: `${label}: every alert of this group`,
      onclick: (event) => triageGroup(group, { status: name }, event.currentTarget),
    }, label))));
    tr.addEventListener('click', (event) => {
      if (event.target.closest('button, a')) return;
      openGroup(group, tr);
    });
    return tr;
  }

  function drawGroups() {
    const head = h('tr', {}, h('th', {}, 'Severity'), h('th', {}, 'Rule'), by === 'group' ? h('th', {}, 'Group') : null,
      h('th', { class: 'num' }, 'Alerts'), h('th', { class: 'num' }, 'Events'), h('th', {}, 'First seen'), h('th', {}, 'Last seen'),
      h('th', {}, 'Status'), h('th', { title: `Alerts raised per hour over the last ${hours} h` }, 'Trend'), h('th', {}, 'Triage'));
    const body = h('tbody', { id: 'group-rows' }, groups.map(groupRow));
    if (groups.length === 0) {
      body.append(h('tr', {}, h('td', { colspan: by === 'group' ? 10 : 9, class: 'empty' }, 'No alerts match.')));
    }
    clear(list).append(h('table', { class: 'grid groups' }, h('thead', {}, head), body));
    const alerts = groups.reduce((sum, group) => sum + group.alerts, 0);
    summary.textContent = `${groups.length} ${by === 'group' ? 'group' : 'rule'}${groups.length === 1 ? '' : 's'}, `
      + `${alerts} alert${alerts === 1 ? '' : 's'} raised in the last ${hours} h`
      + (statusFilter ? `, status ${statusLabel(statusFilter)}` : '') + '; newest last seen first';
  }

  async function loadGroups() {
    const result = await api('/alerts/groups', { params: { by, hours, ...filters, status: statusFilter, limit: 200 } });
    windowStart = result?.since ?? '';
    groups = result?.items ?? [];
    const key = JSON.stringify(groups);
    if (key === drawn) return false;
    drawn = key;
    drawGroups();
    return true;
  }

  /** A group's facts, its triage, its alerts and the events behind them. */
  async function openGroup(group, tr) {
    const token = ++opened;
    for (const selected of list.querySelectorAll('tr.selected')) selected.classList.remove('selected');
    tr?.classList.add('selected');
    detail.hidden = false;
    const alertsBox = h('div', { id: 'group-alerts' }, h('p', { class: 'empty' }, 'Loading…'));
    const evidenceBox = h('div', { id: 'group-evidence' });
    clear(detail).append(
      h('header', {}, h('h2', { id: 'group-title' }, text(group.title)), closeButton()),
      facts([
        ['rule', group.rule_id, 'mono rule-id'],
        ['kind', group.kind, 'group-kind'],
        ['group', by === 'group' ? groupChips(group.group) : '', 'group-values'],
        ['alerts', String(group.alerts), 'group-alert-count'],
        ['events', String(group.events), 'group-event-count'],
        ['first seen', timeNode(group.first_seen), 'group-first-seen'],
        ['last seen', timeNode(group.last_seen), 'group-last-seen'],
        ['statuses', statusCounts(group.statuses), 'group-statuses'],
      ]),
      h('h3', {}, 'Triage every alert of this group'),
      ...triageControls((change, button) => triageGroup(group, change, button), { current: statusFilter, id: 'group-assign' }),
      h('h3', {}, 'Alerts'), alertsBox,
      h('h3', {}, 'Evidence'), evidenceBox);
    try {
      const alerts = itemsOf(await api('/alerts', { params: { ...groupFilter(group), limit: EVIDENCE_ALERTS } }));
      if (token !== opened) return;
      clear(alertsBox).append(table(
        [
          { label: 'Time', class: 'nowrap', value: (alert) => timeNode(alert.created_at) },
          { label: 'Count', class: 'alert-count', value: (alert) => String(alert.count ?? 1) },
          { label: 'Status', class: 'alert-status', value: (alert) => statusBadge(alert.status) },
          { label: 'Assignee', class: 'alert-assignee', value: (alert) => text(alert.assigned_to) },
          { label: 'Group', value: (alert) => groupChips(alert.group) },
        ],
        alerts,
        { onRow: (alert) => showAlert(alert), empty: 'No alerts.', rowClass: () => 'group-alert-row' },
      ));
      if (group.alerts > alerts.length) {
        alertsBox.append(h('p', { class: 'summary' }, `The newest ${alerts.length} of ${group.alerts}.`));
      }
      await evidenceInto(evidenceBox, alerts, group.events);
    } catch (error) {
      if (token === opened) showError(error);
    }
  }

  // ---- counts and refresh ---------------------------------------------------------------------

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

  if (by === 'list') {
    more.addEventListener('click', () => loadList());
    loadList();
  } else {
    loadGroups().catch(showError);
  }
  loadCounts();
  return {
    async refresh() {
      if (by !== 'list') {
        if (await loadGroups()) loadCounts();
        return;
      }
      const items = itemsOf(await api('/alerts', { params: listQuery() })).filter((alert) => alert.id > newest);
      if (items.length === 0) return;
      newest = items[0].id;
      rows = items.concat(rows);
      drawList();
      loadCounts();
      showStatus(`${items.length} new alert${items.length === 1 ? '' : 's'}`);
    },
  };
}
