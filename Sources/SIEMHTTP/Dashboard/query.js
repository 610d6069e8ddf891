// The search box language: free text plus `field:value` terms. Known filters map to the API's
// parameters; dotted normalized keys (user.name, source.ip) are passed through as-is, `-key:value`
// leaves a value out (`key!=value`) and `fields.program:sshd` searches the raw fields as text.

export const FILTER_KEYS = ['host', 'source', 'ip', 'agent_id', 'rule_id'];

export const RANGES = { '15m': 15 * 60, '1h': 3600, '24h': 86400, '7d': 7 * 86400 };

/** Splits on whitespace, keeping "quoted phrases" (and key:"quoted values") together. */
export function tokenize(input) {
  const tokens = [];
  const pattern = /(?:[^\s"]+(?:"[^"]*"?)?|"[^"]*"?)+/g;
  for (const match of String(input ?? '').matchAll(pattern)) tokens.push(match[0]);
  return tokens;
}

function unquote(value) {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

/** Keys a `-key:value` term can leave out on the server: `host`, `source`, normalized keys. */
export function isExcludable(key) {
  return key === 'host' || key === 'source' || (key.includes('.') && !key.startsWith('fields.'));
}

/** A value of the raw `fields` as full-text: `fields:value` (the fields column), or a phrase. */
function fieldsText(value) {
  const text = String(value);
  if (/^[^\s"()]+$/.test(text)) return `fields:${text}`;
  return `"${text.replaceAll('"', '')}"`;
}

/**
 * {text, filters: {key: value}} from the query box. `key:value` filters on a known key or a
 * normalized key; `-key:value` leaves the value out (`key!=value`, several allowed); `fields.x:v`
 * searches the raw fields as text (`fields:v`), and `-fields.x:v` as `NOT fields:v` after the
 * other words (FTS5 needs a word before NOT).
 */
export function parseQuery(input) {
  const words = [];
  const negated = [];
  const filters = {};
  for (const token of tokenize(input)) {
    const out = /^-([A-Za-z_][\w.]*):(.+)$/.exec(token);
    if (out && isExcludable(out[1])) {
      const name = `${out[1]}!`;
      filters[name] = [...(filters[name] ?? []), unquote(out[2])];
      continue;
    }
    if (out && out[1].startsWith('fields.') && out[1].length > 7) {
      negated.push(`NOT ${fieldsText(unquote(out[2]))}`);
      continue;
    }
    const match = /^([A-Za-z_][\w.]*):(.+)$/.exec(token);
    if (match && match[1].startsWith('fields.') && match[1].length > 7) {
      words.push(fieldsText(unquote(match[2])));
    } else if (match && (FILTER_KEYS.includes(match[1]) || match[1].includes('.'))) {
      filters[match[1]] = unquote(match[2]);
    } else {
      words.push(token);
    }
  }
  const text = words.join(' ').trim();
  return { text: text && negated.length ? `${text} ${negated.join(' ')}` : text, filters };
}

/** A `key:value` term for the box, quoted when the value has spaces or quotes. */
export function term(key, value) {
  const text = String(value);
  return /[\s"]/.test(text) ? `${key}:"${text.replaceAll('"', '')}"` : `${key}:${text}`;
}

/** Adds (or replaces) a filter term in the query text; a `-key:value` for the same value goes. */
export function withTerm(input, key, value) {
  const added = term(key, value);
  const kept = tokenize(input).filter((token) => !token.startsWith(`${key}:`) && token !== `-${added}`);
  return [...kept, added].join(' ');
}

/** Adds a `-key:value` term (leaving the value out); a `key:value` for the same value goes. */
export function withoutTerm(input, key, value) {
  const added = term(key, value);
  const kept = tokenize(input).filter((token) => token !== added && token !== `-${added}`);
  return [...kept, `-${added}`].join(' ');
}

/** Whether `input` has free text (FTS5 can only exclude after a word). */
export function hasText(input) {
  return parseQuery(input).text !== '';
}

/** A range name from the URL: one of RANGES (own keys only, so `constructor` is no range) or custom. */
export function rangeName(value) {
  return value === 'custom' || Object.hasOwn(RANGES, value ?? '') ? value : '24h';
}

/** since/until (ISO strings) for a range name, or the custom bounds. */
export function timeBounds(range, custom = {}, now = Date.now()) {
  if (range === 'custom') {
    return {
      since: custom.since ? new Date(custom.since).toISOString() : undefined,
      until: custom.until ? new Date(custom.until).toISOString() : undefined,
    };
  }
  const seconds = RANGES[rangeName(range)] ?? RANGES['24h'];
  return { since: new Date(now - seconds * 1000).toISOString(), until: undefined };
}

/** The API call for a search: /search when there is free text, else /events. */
export function searchRequest(input, bounds, extra = {}) {
  const { text, filters } = parseQuery(input);
  const params = { ...filters, since: bounds.since, until: bounds.until, ...extra };
  if (text) params.q = text;
  return { path: text ? '/search' : '/events', params };
}
