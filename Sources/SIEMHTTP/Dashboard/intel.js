// Threat intel: list (severity, hits, expiry; expired ones marked), add and delete IOCs.
import { api, itemsOf } from './api.js';
import { clear, h, severityBadge, text, timeNode } from './dom.js';
import { showError, showStatus, table } from './ui.js';

export function render(main) {
  const type = h('select', { name: 'type', 'aria-label': 'IOC type' }, ['ip', 'domain', 'sha256'].map((name) => h('option', { value: name }, name)));
  const value = h('input', { name: 'value', placeholder: 'value', required: true, id: 'ioc-value' });
  const source = h('input', { name: 'source', placeholder: 'source (feed, analyst)' });
  const note = h('input', { name: 'note', placeholder: 'note' });
  const form = h('form', { class: 'searchbar', id: 'ioc-form' }, type, value, source, note, h('button', { type: 'submit' }, 'Add IOC'));
  const list = h('div', { id: 'iocs' });
  main.append(form, list);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await api('/ti/iocs', { method: 'POST', body: { type: type.value, value: value.value.trim(), source: source.value.trim() || undefined, note: note.value.trim() || undefined } });
      showStatus(`IOC ${value.value.trim()} added.`, 'ok');
      value.value = '';
      note.value = '';
      load();
    } catch (error) {
      showError(error);
    }
  });

  async function remove(ioc, button) {
    button.disabled = true;
    try {
      await api(`/ti/iocs/${encodeURIComponent(ioc.id)}`, { method: 'DELETE' });
      showStatus(`IOC ${ioc.value} deleted.`, 'ok');
      load();
    } catch (error) {
      button.disabled = false;
      showError(error);
    }
  }

  async function load() {
    try {
      const rows = itemsOf(await api('/ti/iocs', { params: { limit: 500 } }), 'iocs');
      clear(list).append(table(
        [
          { label: 'Type', value: (ioc) => text(ioc.type) },
          { label: 'Value', class: 'mono', value: (ioc) => text(ioc.value) },
          { label: 'Source', value: (ioc) => text(ioc.source) },
          { label: 'Note', value: (ioc) => text(ioc.note) },
          { label: 'Severity', value: (ioc) => severityBadge(ioc.severity) },
          { label: 'Hits', class: 'hits', value: (ioc) => text(ioc.hit_count ?? 0) },
          { label: 'Last hit', class: 'nowrap', value: (ioc) => (ioc.last_hit_at ? timeNode(ioc.last_hit_at) : h('span', { class: 'empty' }, 'never')) },
          { label: 'Expires', class: 'nowrap expiry', value: (ioc) => [
            ioc.expires_at ? timeNode(ioc.expires_at) : h('span', { class: 'empty' }, 'never'),
            ioc.expired ? h('span', { class: 'expired-badge' }, 'expired') : null] },
          { label: 'Added', class: 'nowrap', value: (ioc) => timeNode(ioc.created_at) },
          { label: '', value: (ioc) => h('button', { type: 'button', class: 'danger delete-ioc', dataset: { value: text(ioc.value) }, onclick: (event) => remove(ioc, event.currentTarget) }, 'Delete') },
        ],
        rows,
        { empty: 'No IOCs yet.', rowClass: (ioc) => (ioc.expired ? 'ioc-row expired' : 'ioc-row') },
      ));
    } catch (error) {
      showError(error);
    }
  }

  load();
  return { refresh: () => {} };
}
