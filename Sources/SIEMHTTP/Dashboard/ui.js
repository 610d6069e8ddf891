// Shared pieces: status line, tables, key/value lists with clickable values.
import { h, text } from './dom.js';

export function showStatus(message, kind = 'info') {
  const status = document.getElementById('status');
  status.textContent = message ?? '';
  status.className = `status ${kind}`;
  status.hidden = !message;
}

export function showError(error) {
  showStatus(error?.message ?? String(error), 'error');
}

/** A table: columns [{label, value(row) -> Node|string}], rows; onRow(row, tr) on click. */
export function table(columns, rows, { onRow, empty = 'Nothing here yet.', rowClass } = {}) {
  const body = h('tbody');
  for (const row of rows) {
    const tr = h('tr', { class: [onRow ? 'clickable' : '', rowClass?.(row) ?? ''].join(' ').trim() || undefined });
    for (const column of columns) tr.append(h('td', { class: column.class }, column.value(row)));
    if (onRow) tr.addEventListener('click', (event) => {
      if (event.target.closest('button, a, .value')) return;
      onRow(row, tr);
    });
    body.append(tr);
  }
  if (rows.length === 0) body.append(h('tr', {}, h('td', { colspan: columns.length, class: 'empty' }, empty)));
  return h('table', { class: 'grid' }, h('thead', {}, h('tr', {}, columns.map((column) => h('th', {}, column.label)))), body);
}

/**
 * A definition list of key/value: an object (its own keys, `__proto__` included, as JSON.parse
 * keeps it) or a list of [key, value] entries; onValue(key, value) makes values clickable filters.
 */
export function keyValues(object, { prefix = '', onValue } = {}) {
  const list = h('dl', { class: 'kv' });
  for (const [key, value] of Array.isArray(object) ? object : Object.entries(object ?? {})) {
    const name = prefix + key;
    const shown = text(value);
    const valueNode = onValue && (typeof value !== 'object' || value === null)
      ? h('button', { type: 'button', class: 'value', title: `Filter on ${name}`, onclick: () => onValue(name, value) }, shown)
      : h('span', {}, shown);
    list.append(h('dt', {}, name), h('dd', {}, valueNode));
  }
  if (list.childElementCount === 0) list.append(h('dd', { class: 'empty' }, '(none)'));
  return list;
}

export function panel(title, ...children) {
  return h('section', { class: 'panel' }, h('h2', {}, title), ...children);
}
