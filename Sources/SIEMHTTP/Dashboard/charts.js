// Small SVG charts: bar series over time (with click and drag to zoom) and ranked bars.
import { h } from './dom.js';

const WIDTH = 800;

/**
 * Bars over time. buckets: [{start, count}], interval in seconds. onZoom(sinceISO, untilISO) is
 * called on a bar click (that bucket) or a drag (the selected span).
 */
export function timeBars(buckets, { interval, height = 120, onZoom, label = 'events' } = {}) {
  const max = Math.max(1, ...buckets.map((bucket) => bucket.count));
  const step = WIDTH / Math.max(1, buckets.length);
  const plot = height - 18;
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
      h('title', {}, `${new Date(bucket.start).toLocaleString()}: ${bucket.count} ${label}`),
    );
  });
  const hit = h('rect', { class: 'hit', x: 0, y: 0, width: WIDTH, height: plot });
  const selection = h('rect', { class: 'selection', x: 0, y: 0, width: 0, height: plot, visibility: 'hidden' });
  const first = buckets[0]?.start;
  const last = buckets.at(-1)?.start;
  const axis = [
    h('line', { class: 'axis', x1: 0, x2: WIDTH, y1: plot + 0.5, y2: plot + 0.5 }),
    first && h('text', { class: 'tick', x: 2, y: height - 4 }, new Date(first).toLocaleString()),
    last && h('text', { class: 'tick', x: WIDTH - 2, y: height - 4, 'text-anchor': 'end' }, new Date(last).toLocaleString()),
    h('text', { class: 'tick', x: WIDTH - 2, y: 10, 'text-anchor': 'end' }, `max ${max}`),
  ];
  const svg = h(
    'svg',
    { class: 'chart timebars', viewBox: `0 0 ${WIDTH} ${height}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': `${label} over time` },
    hit,
    ...bars,
    selection,
    ...axis,
  );
  if (onZoom && buckets.length > 0) attachZoom(svg, selection, buckets, interval, step, onZoom);
  return svg;
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
