// What a rule says about itself, for an alert's detail and the Rules view: author, format, file,
// references and known false positives. Everything is text; a reference becomes a link only when
// it is an http(s) URL, and that link opens without a handle on this page (rel=noopener).
import { h, text } from './dom.js';

/** A reference: an http(s) URL as an external link, anything else as text. */
export function reference(value) {
  const shown = text(value);
  let url = null;
  try {
    url = new URL(shown);
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return h('span', { class: 'reference' }, shown);
  // Built here, not with h(): h() keeps to same-origin links on purpose.
  const link = document.createElement('a');
  link.href = url.href;
  link.rel = 'noopener noreferrer';
  link.target = '_blank';
  link.className = 'reference external';
  link.textContent = shown;
  return link;
}

/** A list of values (text, or as `render` draws them), or a muted `empty` line. */
export function valueList(values, { render = (value) => text(value), empty = '(none)', className = '' } = {}) {
  const items = (Array.isArray(values) ? values : []).filter((value) => text(value) !== '');
  if (items.length === 0) return h('p', { class: `empty ${className}`.trim() }, empty);
  return h('ul', { class: `plain ${className}`.trim() }, items.map((value) => h('li', {}, render(value))));
}

/** A definition list of [label, value, class] rows; empty values are left out. */
export function facts(rows) {
  const list = h('dl', { class: 'kv facts' });
  for (const [label, value, className] of rows) {
    if (value === undefined || value === null || value === '') continue;
    list.append(h('dt', {}, label), h('dd', { class: className }, value instanceof Node ? value : text(value)));
  }
  return list;
}

export function formatBadge(format) {
  const name = text(format) || 'native';
  const known = ['native', 'sigma', 'ti'].includes(name) ? name : 'other';
  return h('span', { class: `format-badge format-${known}`, title: name === 'ti' ? 'threat-intel match' : `${name} rule` }, name);
}

/** The rule behind an alert: who wrote it and what it warns about (DRL 1.1: a SigmaHQ rule's
 * author is shown on the alerts it raises). */
export function alertRule(alert) {
  return h('section', { id: 'alert-rule', class: 'rule-meta' },
    h('h3', {}, 'Alert'),
    facts([
      ['title', alert.title, 'alert-title'],
      ['rule', alert.rule_id, 'mono rule-id'],
      ['format', formatBadge(alert.rule_format), 'rule-format'],
      ['author', alert.author || h('span', { class: 'empty' }, '(none)'), 'rule-author'],
      ['file', alert.rule_file, 'mono rule-file'],
      ['tags', (alert.tags ?? []).length ? (alert.tags ?? []).map(text).join(', ') : '', 'rule-tags'],
      ['description', alert.description, 'rule-description'],
    ]),
    h('h3', {}, 'References'),
    valueList(alert.references, { render: reference, className: 'rule-references' }),
    h('h3', {}, 'False positives'),
    valueList(alert.falsepositives, { className: 'rule-falsepositives' }));
}
