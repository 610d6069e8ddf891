// Incidents: a list by status, and a detail with notes, timeline, status/assignee and a note form.
import { api, itemsOf } from './api.js';
import { clear, h, severityBadge, text, time, timeNode } from './dom.js';
import { keyValues, panel, showError, showStatus, table } from './ui.js';

export const STATUSES = ['open', 'acknowledged', 'in_progress', 'resolved', 'closed'];

export function render(main, { params, navigate }) {
  const status = params.get('status') ?? '';
  const selected = params.get('id');
  const tabs = h('div', { class: 'tabs', role: 'tablist' },
    ['', ...STATUSES].map((name) => h('a', {
      href: `?view=incidents&status=${name}`, class: name === status ? 'active' : undefined,
      onclick: (event) => { event.preventDefault(); navigate({ view: 'incidents', status: name }); },
    }, name || 'all')));
  const list = h('div', { id: 'incidents' });
  const detail = h('aside', { id: 'incident-detail', class: 'detail wide', hidden: true });
  main.append(tabs, h('div', { class: 'split' }, h('div', { class: 'results' }, list), detail));

  async function load() {
    try {
      const rows = itemsOf(await api('/mdr/incidents', { params: { status, limit: 100 } }), 'incidents');
      clear(list).append(table(
        [
          { label: 'ID', value: (incident) => text(incident.id) },
          { label: 'Title', value: (incident) => text(incident.title) },
          { label: 'Severity', value: (incident) => severityBadge(incident.severity) },
          { label: 'Status', value: (incident) => text(incident.status) },
          { label: 'Assignee', value: (incident) => text(incident.assigned_to) },
          { label: 'Updated', class: 'nowrap', value: (incident) => timeNode(incident.updated_at ?? incident.created_at) },
        ],
        rows,
        { onRow: (incident) => navigate({ view: 'incidents', status, id: incident.id }), empty: 'No incidents.' },
      ));
    } catch (error) {
      showError(error);
    }
  }

  async function open(id) {
    try {
      const payload = await api(`/mdr/incidents/${encodeURIComponent(id)}`);
      drawDetail(detail, payload, id, () => open(id), load);
    } catch (error) {
      showError(error);
    }
  }

  load();
  if (selected) open(selected);
  return { refresh: load };
}

function drawDetail(detail, payload, id, reload, reloadList) {
  const incident = payload?.incident ?? payload ?? {};
  const notes = payload?.notes ?? incident.notes ?? [];
  const timeline = payload?.timeline ?? incident.timeline ?? payload?.events ?? [];
  const alerts = payload?.alerts ?? incident.alerts ?? [];
  const { notes: _n, timeline: _t, alerts: _a, events: _e, ...summary } = incident;

  const statusSelect = h('select', { name: 'status', 'aria-label': 'Status' },
    STATUSES.map((name) => h('option', { value: name, selected: name === incident.status }, name)));
  const assignee = h('input', { name: 'assigned_to', value: incident.assigned_to ?? '', placeholder: 'assignee' });
  const update = h('form', { class: 'inline', id: 'incident-update' }, statusSelect, assignee, h('button', { type: 'submit' }, 'Update'));
  update.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const actor = sessionStorage.getItem('siem.author') || undefined; // the timeline's "who"
      await api(`/mdr/incidents/${encodeURIComponent(id)}`, { method: 'PATCH', body: { status: statusSelect.value, assigned_to: assignee.value.trim() || null, actor } });
      showStatus(`Incident ${id} updated.`, 'ok');
      reload();
      reloadList();
    } catch (error) {
      showError(error);
    }
  });

  const author = h('input', { name: 'author', placeholder: 'author', value: sessionStorage.getItem('siem.author') ?? '' });
  const note = h('textarea', { name: 'note', rows: 3, placeholder: 'Add a note', required: true });
  const noteForm = h('form', { class: 'stack', id: 'note-form' }, note, h('div', { class: 'inline' }, author, h('button', { type: 'submit' }, 'Add note')));
  noteForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!note.value.trim()) return;
    sessionStorage.setItem('siem.author', author.value.trim());
    try {
      await api(`/mdr/incidents/${encodeURIComponent(id)}/notes`, { method: 'POST', body: { author: author.value.trim() || 'analyst', note: note.value } });
      showStatus('Note added.', 'ok');
      reload();
    } catch (error) {
      showError(error);
    }
  });

  detail.hidden = false;
  clear(detail).append(
    h('header', {}, h('h2', {}, `Incident ${text(incident.id ?? id)}: ${text(incident.title)}`),
      h('button', { type: 'button', class: 'close', 'aria-label': 'Close', onclick: () => { detail.hidden = true; } }, '×')),
    keyValues(Object.entries(summary).map(([key, value]) => [key, key.endsWith('_at') && typeof value === 'string' ? time(value) : value])),
    update,
    panel('Notes', h('ul', { class: 'notes', id: 'notes' },
      notes.length === 0 ? h('li', { class: 'empty' }, 'No notes yet.') : notes.map((entry) => h('li', {},
        h('span', { class: 'meta' }, `${text(entry.author)} · ${time(entry.created_at ?? entry.ts)}`),
        h('p', { class: 'note-text' }, text(entry.note ?? entry.text ?? entry.body))))),
      noteForm),
    panel('Timeline', h('ul', { class: 'timeline' },
      timeline.length === 0 ? h('li', { class: 'empty' }, 'No timeline entries.') : timeline.map(timelineEntry))),
    // Element.append would print `false`: an empty string adds nothing.
    alerts.length === 0 ? '' : panel('Alerts', table(
      [
        { label: 'ID', value: (alert) => text(alert.id) },
        { label: 'Severity', value: (alert) => severityBadge(alert.severity) },
        { label: 'Rule', value: (alert) => text(alert.rule_id) },
        { label: 'Title', value: (alert) => text(alert.title) },
      ],
      alerts,
    )),
  );
}

/** A timeline entry: when and who, the action, and for a change the field and from → to. */
function timelineEntry(entry) {
  const change = entry.field
    ? h('span', { class: 'change' }, ' ', h('span', { class: 'mono' }, text(entry.field)), ': ',
      h('span', { class: 'from' }, entry.from === null || entry.from === undefined ? '(none)' : text(entry.from)), ' → ',
      h('span', { class: 'to' }, entry.to === null || entry.to === undefined ? '(none)' : text(entry.to)))
    : null;
  return h('li', {},
    h('span', { class: 'meta' }, `${time(entry.at ?? entry.ts ?? entry.created_at)} · ${text(entry.actor) || 'unknown'}`),
    h('div', {}, h('strong', {}, text(entry.action ?? entry.message ?? entry.type)), change));
}
