// Builds DOM nodes. Text is always inserted with text nodes, never parsed as HTML: everything that
// comes from logs goes through here.

/** h('tr', {class: 'x', onclick: fn}, child, 'text', [more]) */
export function h(tag, attributes = {}, ...children) {
  const svg = SVG_TAGS.has(tag);
  const element = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'dataset') {
      Object.assign(element.dataset, value);
    } else if (name === 'href' && !/^(\?|\/|#)/.test(String(value))) {
      // Only same-origin links: a log value can never become a javascript: URL.
      continue;
    } else if (name === 'value' && !svg) {
      element.value = value;
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

export function clear(element) {
  element.replaceChildren();
  return element;
}

export function text(value) {
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

const pad = (number) => String(number).padStart(2, '0');

/** The browser's zone at `date` as an offset: `UTC`, `UTC+02:00`, `UTC-05:00`. */
export function zone(date = new Date()) {
  const offset = -date.getTimezoneOffset();
  if (offset === 0) return 'UTC';
  const minutes = Math.abs(offset);
  return `UTC${offset > 0 ? '+' : '-'}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** Every time on the dashboard: local time with its zone, `2024-05-01 14:03:07 UTC+02:00`. */
export function time(value) {
  if (!value) return '';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} `
    + `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())} ${zone(date)}`;
}

/** A <time> element for a table cell: the local time with its zone, the API's UTC text as title. */
export function timeNode(value) {
  if (!value) return '';
  return h('time', { datetime: String(value), title: String(value) }, time(value));
}

export function severityBadge(severity) {
  return h('span', { class: `sev sev-${['low', 'medium', 'high', 'critical'].includes(severity) ? severity : 'unknown'}` }, text(severity));
}

const SVG_TAGS = new Set(['svg', 'rect', 'g', 'text', 'line', 'title', 'path']);
