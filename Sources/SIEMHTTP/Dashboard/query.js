// The search box language: free text plus `field:value` terms. Known filters map to the API's
// parameters; dotted keys (user.name, source.ip, fields.program) are passed through as-is.

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

/** {text, filters: {key: value}} from the query box. */
export function parseQuery(input) {
  const words = [];
  const filters = {};
  for (const token of tokenize(input)) {
    const match = /^([A-Za-z_][\w.]*):(.+)$/.exec(token);
    if (match && (FILTER_KEYS.includes(match[1]) || match[1].includes('.'))) {
      filters[match[1]] = unquote(match[2]);
    } else {
      words.push(token);
    }
  }
  return { text: words.join(' ').trim(), filters };
}

/** A `key:value` term for the box, quoted when the value has spaces or quotes. */
export function term(key, value) {
  const text = String(value);
  return /[\s"]/.test(text) ? `${key}:"${text.replaceAll('"', '')}"` : `${key}:${text}`;
}

/** Adds (or replaces) a filter term in the query text. */
export function withTerm(input, key, value) {
  const kept = tokenize(input).filter((token) => !token.startsWith(`${key}:`));
  return [...kept, term(key, value)].join(' ');
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
