// Calls siemd's JSON API. Basic auth is handled by the browser (same origin); an API key, when the
// user saved one, is kept in sessionStorage and sent as x-api-key.

const KEY = 'siem.apiKey';

export function apiKey() {
  return sessionStorage.getItem(KEY) ?? '';
}

export function setAPIKey(value) {
  if (value) sessionStorage.setItem(KEY, value);
  else sessionStorage.removeItem(KEY);
}

export class APIError extends Error {
  constructor(status, code, detail) {
    super(detail || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

export async function api(path, { method = 'GET', body, params } = {}) {
  let url = path;
  if (params) {
    // Percent-encoded, not URLSearchParams: that writes a space as `+`, which siemd (RFC 3986)
    // reads as a plus, so `q=failed password` or `action=POST /ti/iocs` would match nothing.
    // An array value repeats the parameter (`user.name!=a&user.name!=b`).
    const query = Object.entries(params)
      .flatMap(([name, value]) => (Array.isArray(value) ? value.map((item) => [name, item]) : [[name, value]]))
      .filter(([, value]) => value !== undefined && value !== null && value !== '')
      .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`)
      .join('&');
    if (query) url += (url.includes('?') ? '&' : '?') + query;
  }
  const headers = { accept: 'application/json' };
  const key = apiKey();
  if (key) headers['x-api-key'] = key;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = response.headers.get('content-type') ?? '';
  const payload = type.includes('json') ? await response.json().catch(() => null) : null;
  if (!response.ok) {
    if (response.status === 401) {
      throw new APIError(401, 'unauthorized', 'Authentication required: enter the API key (top right) or sign in.');
    }
    throw new APIError(response.status, payload?.error, payload?.detail ?? payload?.error ?? response.statusText);
  }
  return payload;
}

/** The items of a listing, whether the server answers {items: [...]} or a bare array. */
export function itemsOf(payload, ...keys) {
  if (Array.isArray(payload)) return payload;
  for (const key of ['items', ...keys]) {
    if (Array.isArray(payload?.[key])) return payload[key];
  }
  return [];
}
