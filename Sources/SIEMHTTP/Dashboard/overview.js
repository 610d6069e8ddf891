// Overview: /stats as small charts.
import { api } from './api.js';
import { clear, h } from './dom.js';
import { rankBars, timeBars } from './charts.js';
import { term } from './query.js';
import { panel, showError } from './ui.js';

export function render(main, { params, navigate }) {
  const hours = Number(params.get('hours')) || 24;
  const picker = h('select', { 'aria-label': 'Window' }, [1, 6, 24, 72, 168].map((value) => h('option', { value, selected: value === hours }, `last ${value} h`)));
  picker.addEventListener('change', () => navigate({ view: 'overview', hours: picker.value }));
  const body = h('div', { id: 'overview', class: 'overview' });
  main.append(h('div', { class: 'searchbar' }, picker), body);

  async function load() {
    try {
      const stats = await api('/stats', { params: { hours } });
      const until = new Date();
      const since = new Date(until.getTime() - hours * 3600 * 1000);
      const hourly = { interval: 3600, until: until.toISOString(), height: 100 };
      const perHour = (buckets) => fillHours(buckets ?? [], since, hours);
      const toSearch = (key) => (row) => navigate({ view: 'search', q: term(key, row.key), range: hours <= 24 ? '24h' : '7d' });
      clear(body).append(
        h('div', { class: 'cards' },
          card(stats.events, `events (${hours} h)`), card(stats.alerts, `alerts (${hours} h)`),
          card(stats.totals?.events, 'events stored'), card(stats.totals?.alerts, 'alerts stored')),
        h('div', { class: 'grid2' },
          panel('Events per hour', timeBars(perHour(stats.events_per_hour), hourly)),
          panel('Alerts per hour', timeBars(perHour(stats.alerts_per_hour), { ...hourly, label: 'alerts' })),
          panel('Top hosts', rankBars((stats.top_hosts ?? []).map((row) => ({ key: row.host, count: row.count })), { onSelect: toSearch('host') })),
          panel('Top rules', rankBars((stats.top_rules ?? []).map((row) => ({ key: row.rule_id, count: row.count })), { onSelect: (row) => navigate({ view: 'alerts', by: 'list', status: 'any', rule_id: row.key }) })),
          panel('Events by source', rankBars((stats.events_by_source ?? []).map((row) => ({ key: row.source, count: row.count })), { onSelect: toSearch('source') })),
          panel('Alerts by severity', rankBars((stats.alerts_by_severity ?? []).map((row) => ({ key: row.severity, count: row.count })), { onSelect: (row) => navigate({ view: 'alerts', by: 'list', status: 'any', severity: row.key }) })),
        ),
      );
    } catch (error) {
      showError(error);
    }
  }

  load();
  return { refresh: load };
}

function card(value, label) {
  return h('div', { class: 'card' }, h('span', { class: 'card-value' }, String(value ?? 0)), h('span', { class: 'card-label' }, label));
}

/** Hourly buckets with the empty hours filled in, oldest first. */
function fillHours(buckets, since, hours) {
  const counts = new Map(buckets.map((bucket) => [new Date(bucket.hour).getTime(), bucket.count]));
  const start = Math.floor(since.getTime() / 3600000) * 3600000;
  return Array.from({ length: hours + 1 }, (_, index) => {
    const at = start + index * 3600000;
    return { start: new Date(at).toISOString(), count: counts.get(at) ?? 0 };
  });
}
