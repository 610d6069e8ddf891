// Small SVG charts: bar series over time (with click and drag to zoom) and ranked bars.
import { h, time } from './dom.js';

const WIDTH = 800;

/**
 * Bars over time. buckets: [{start, count}], interval in seconds, until the range's end (else the
 * last bucket's end). onZoom(sinceISO, untilISO) is called on a bar click (that bucket) or a drag
 * (the selected span).
 */
export function timeBars(buckets, { interval, until, height = 100, onZoom, label = 'events' } = {}) {
  const max = Math.max(1, ...buckets.map((bucket) => bucket.count));
  const step = WIDTH / Math.max(1, buckets.length);
  const plot = height;
  const bars = buckets.map((bucket, index) => {
    const barHeight = bucket.count === 0 ? 0 : Math.max(2, (bucket.count / max) * (plot - 4));
    return h(
      'rect',
      {
        class: 'bar',
        x: (index * step + 0.5).toFixed(2),
        y: (plot - barHeight).toFixed(2),
        width: Math.max(1, step - 1).toFixed(2),
        height: barHeight.toFixed(2),
        dataset: { index: String(index), count: String(bucket.count) },
      },
      h('title', {}, `${time(bucket.start)} – ${time(new Date(new Date(bucket.start).getTime() + (interval ?? 0) * 1000))}: ${bucket.count} ${label}`),
    );
  });
  const hit = h('rect', { class: 'hit', x: 0, y: 0, width: WIDTH, height: plot });
  const selection = h('rect', { class: 'selection', x: 0, y: 0, width: 0, height: plot, visibility: 'hidden' });
  const svg = h(
    'svg',
    { class: 'chart timebars', viewBox: `0 0 ${WIDTH} ${height}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': `${label} over time` },
    hit,
    ...bars,
    selection,
    h('line', { class: 'axis', x1: 0, x2: WIDTH, y1: height - 0.5, y2: height - 0.5 }),
  );
  // Labels as HTML under the chart, so the stretched SVG never distorts text.
  const first = buckets[0]?.start;
  const lastStart = buckets.at(-1)?.start;
  const end = until ?? (lastStart && new Date(new Date(lastStart).getTime() + (interval ?? 0) * 1000).toISOString());
  const legend = h('div', { class: 'chart-legend' },
    h('time', { class: 'since', datetime: first }, time(first)),
    h('span', {}, `max ${max} ${label} per ${describe(interval)}`),
    h('time', { class: 'until', datetime: end }, time(end)));
  if (onZoom && buckets.length > 0) attachZoom(svg, selection, buckets, interval, step, onZoom);
  return h('div', { class: 'chart-box' }, svg, legend);
}

function describe(seconds) {
  if (!seconds) return 'bucket';
  if (seconds >= 86400) return `${+(seconds / 86400).toFixed(1)} d`;
  if (seconds >= 3600) return `${+(seconds / 3600).toFixed(1)} h`;
  if (seconds >= 60) return `${+(seconds / 60).toFixed(1)} min`;
  return `${+seconds.toFixed(1)} s`;
}

function attachZoom(svg, selection, buckets, interval, step, onZoom) {
  let start = null;
  const xOf = (event) => {
    const box = svg.getBoundingClientRect();
    return Math.min(WIDTH, Math.max(0, ((event.clientX - box.left) / box.width) * WIDTH));
  };
  const timeAt = (x) => new Date(new Date(buckets[0].start).getTime() + (x / step) * interval * 1000);
  svg.addEventListener('pointerdown', (event) => {
    start = xOf(event);
    svg.setPointerCapture?.(event.pointerId);
  });
  svg.addEventListener('pointermove', (event) => {
    if (start === null) return;
    const x = xOf(event);
    selection.setAttribute('x', String(Math.min(start, x)));
    selection.setAttribute('width', String(Math.abs(x - start)));
    selection.setAttribute('visibility', 'visible');
  });
  svg.addEventListener('pointerup', (event) => {
    if (start === null) return;
    const x = xOf(event);
    const from = Math.min(start, x);
    const to = Math.max(start, x);
    start = null;
    selection.setAttribute('visibility', 'hidden');
    if (to - from < 4) {
      const index = Math.min(buckets.length - 1, Math.floor(from / step));
      const since = new Date(buckets[index].start);
      onZoom(since.toISOString(), new Date(since.getTime() + interval * 1000).toISOString());
    } else {
      onZoom(timeAt(from).toISOString(), timeAt(to).toISOString());
    }
  });
}

/** A small bar sparkline of counts (oldest first), drawn with SVG nodes; its title says the total. */
export function sparkline(counts, { width = 120, height = 22, label = 'per bucket' } = {}) {
  const max = Math.max(1, ...counts);
  const step = width / Math.max(1, counts.length);
  const total = counts.reduce((sum, count) => sum + count, 0);
  const bars = counts.map((count, index) => {
    if (count === 0) return null;
    const barHeight = Math.max(1.5, (count / max) * (height - 2));
    return h('rect', {
      class: 'spark-bar', x: (index * step).toFixed(2), y: (height - barHeight).toFixed(2),
      width: Math.max(0.8, step - 0.4).toFixed(2), height: barHeight.toFixed(2), dataset: { index: String(index), count: String(count) },
    });
  });
  return h('svg', {
    class: 'sparkline', viewBox: `0 0 ${width} ${height}`, width, height, preserveAspectRatio: 'none', role: 'img',
    'aria-label': `${total} ${label}, max ${max}`, dataset: { counts: counts.join(',') },
  },
  h('title', {}, `${total} in ${counts.length} buckets (max ${max} ${label})`),
  h('line', { class: 'spark-axis', x1: 0, x2: width, y1: height - 0.5, y2: height - 0.5 }),
  ...bars);
}

/** Ranked horizontal bars: rows [{key, count}]. */
export function rankBars(rows, { onSelect } = {}) {
  const max = Math.max(1, ...rows.map((row) => row.count));
  const rowHeight = 20;
  const height = Math.max(rowHeight, rows.length * rowHeight);
  const svg = h('svg', { class: 'chart rankbars', viewBox: `0 0 400 ${height}`, role: 'img' });
  rows.forEach((row, index) => {
    const y = index * rowHeight;
    const group = h(
      'g',
      { class: onSelect ? 'rank clickable' : 'rank' },
      h('rect', { class: 'bar', x: 160, y: y + 3, width: Math.max(1, (row.count / max) * 200).toFixed(1), height: rowHeight - 6 }),
      h('text', { class: 'label', x: 154, y: y + 14, 'text-anchor': 'end' }, shorten(String(row.key), 24)),
      h('text', { class: 'value', x: 366, y: y + 14 }, String(row.count)),
      h('title', {}, `${row.key}: ${row.count}`),
    );
    if (onSelect) group.addEventListener('click', () => onSelect(row));
    svg.append(group);
  });
  return svg;
}

function shorten(value, length) {
  return value.length > length ? `${value.slice(0, length - 1)}…` : value;
}
