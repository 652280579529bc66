// chart.js: errors per hour as stacked SVG bars, built element by element
// (no markup strings), one colour class per error type.

import { s, h, replace } from './dom.js';

const W = 800, H = 220, PAD = { l: 40, r: 10, t: 10, b: 30 };

// drawHourly renders counts ([{hour, error_type, count}]) for the hours
// from start (a Date on the hour) for n hours into el, and the legend.
export function drawHourly(el, legend, counts, start, n) {
  const types = [...new Set(counts.map((c) => c.error_type))].sort();
  const byHour = new Map();
  for (const c of counts) {
    const k = new Date(c.hour).getTime();
    if (!byHour.has(k)) byHour.set(k, []);
    byHour.get(k).push(c);
  }
  let max = 1;
  for (const list of byHour.values()) max = Math.max(max, list.reduce((a, c) => a + c.count, 0));
  const bw = (W - PAD.l - PAD.r) / n;
  const y = (v) => H - PAD.b - (v / max) * (H - PAD.t - PAD.b);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'errors per hour' },
    s('line', { x1: PAD.l, y1: H - PAD.b, x2: W - PAD.r, y2: H - PAD.b, stroke: '#999' }),
    s('text', { x: PAD.l - 4, y: PAD.t + 8, 'text-anchor': 'end' }, String(max)),
    s('text', { x: PAD.l - 4, y: H - PAD.b, 'text-anchor': 'end' }, '0'));
  for (let i = 0; i < n; i++) {
    const t = start.getTime() + i * 3600e3;
    const x = PAD.l + i * bw;
    let base = 0;
    for (const c of (byHour.get(t) || []).sort((a, b) => a.error_type.localeCompare(b.error_type))) {
      const top = y(base + c.count);
      svg.appendChild(s('rect', { class: `bar c${types.indexOf(c.error_type) % 8}`, x: x + 1, y: top,
        width: Math.max(1, bw - 2), height: y(base) - top },
        s('title', {}, `${new Date(t).toLocaleString()}: ${c.count} ${c.error_type}`)));
      base += c.count;
    }
    if (i % Math.ceil(n / 12) === 0) {
      const d = new Date(t);
      svg.appendChild(s('text', { x: x + bw / 2, y: H - PAD.b + 14, 'text-anchor': 'middle' },
        n > 24 ? `${d.getMonth() + 1}/${d.getDate()} ${d.getHours()}h` : `${d.getHours()}:00`));
    }
  }
  replace(el, svg);
  replace(legend, types.map((t, i) => h('span', {}, h('span', { class: `swatch c${i % 8}` }), t)));
  if (!types.length) replace(legend, h('span', { class: 'muted' }, 'No errors in this window.'));
}
