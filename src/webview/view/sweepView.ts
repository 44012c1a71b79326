/**
 * The sweep view of the plots panel, shown when the runs belong to a sweep: the sweep's metric against
 * each swept parameter (a dot per run, the mean with its 95% interval across the runs of each value),
 * and the points sorted by the metric with mean ± interval across seeds. Plain SVG and a table: no
 * inline styles (the webview's CSP), colours from the theme through attributes.
 */
import { parameterSeries, type SweepData } from '../model/sweepData';
import { runColour } from '../model/colors';
import type { Theme } from './theme';

const SVG = 'http://www.w3.org/2000/svg';
const W = 320;
const H = 200;
const PAD = { left: 48, right: 12, top: 12, bottom: 36 };

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

const fmt = (v: number): string => v.toFixed(4);

export class SweepView {
  readonly root = document.createElement('section');
  data: SweepData | undefined;
  private key = '';

  constructor() {
    this.root.className = 'sweep';
    this.root.hidden = true;
  }

  update(data: SweepData | undefined, theme: Theme): void {
    const key = JSON.stringify(data ?? null) + theme.foreground;
    if (key === this.key) return;
    this.key = key;
    this.data = data;
    this.root.hidden = data === undefined;
    this.root.replaceChildren();
    if (!data) return;
    const title = document.createElement('h2');
    title.textContent = `Sweep ${data.sweepId} · ${data.metric}`;
    const charts = document.createElement('div');
    charts.className = 'sweep-charts';
    for (const parameter of data.parameters) charts.append(this.chart(data, parameter, theme));
    this.root.append(title, charts, this.table(data));
  }

  private chart(data: SweepData, parameter: string, theme: Theme): HTMLElement {
    const card = document.createElement('figure');
    card.className = 'sweep-chart';
    card.dataset.parameter = parameter;
    const caption = document.createElement('figcaption');
    caption.textContent = `${data.metric} by ${parameter}`;
    const { labels, dots, means } = parameterSeries(data, parameter);
    const ys = [...dots.map((d) => d.y), ...means.flatMap((m) => [m.mean - (m.halfWidth ?? 0), m.mean + (m.halfWidth ?? 0)])];
    let lo = Math.min(...ys);
    let hi = Math.max(...ys);
    if (!(hi > lo)) {
      lo -= 0.01;
      hi += 0.01;
    }
    const x = (i: number): number => PAD.left + ((i + 0.5) / Math.max(1, labels.length)) * (W - PAD.left - PAD.right);
    const y = (v: number): number => PAD.top + (1 - (v - lo) / (hi - lo)) * (H - PAD.top - PAD.bottom);
    const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': caption.textContent });
    svg.append(el('line', { x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: H - PAD.bottom, stroke: theme.grid }), el('line', { x1: PAD.left, y1: H - PAD.bottom, x2: W - PAD.right, y2: H - PAD.bottom, stroke: theme.grid }));
    for (const v of [lo, (lo + hi) / 2, hi]) {
      const t = el('text', { x: PAD.left - 4, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 10, fill: theme.foreground });
      t.textContent = v.toFixed(3);
      svg.append(t);
    }
    labels.forEach((label, i) => {
      const t = el('text', { x: x(i), y: H - PAD.bottom + 16, 'text-anchor': 'middle', 'font-size': 10, fill: theme.foreground });
      t.textContent = label.length > 14 ? `${label.slice(0, 13)}…` : label;
      svg.append(t);
    });
    dots.forEach((d, k) => svg.append(el('circle', { class: 'sweep-dot', cx: x(d.x) + ((k % 5) - 2) * 3, cy: y(d.y), r: 3, fill: runColour(d.x), 'fill-opacity': 0.6 })));
    for (const m of means) {
      const cx = x(m.x);
      if (m.halfWidth !== undefined) svg.append(el('line', { class: 'sweep-interval', x1: cx + 12, x2: cx + 12, y1: y(m.mean - m.halfWidth), y2: y(m.mean + m.halfWidth), stroke: theme.foreground, 'stroke-width': 1.5 }));
      svg.append(el('rect', { class: 'sweep-mean', x: cx + 8, y: y(m.mean) - 1.5, width: 8, height: 3, fill: theme.foreground }));
    }
    card.append(svg, caption);
    return card;
  }

  private table(data: SweepData): HTMLTableElement {
    const table = document.createElement('table');
    table.className = 'sweep-table';
    const head = table.createTHead().insertRow();
    for (const h of ['#', ...data.parameters, 'seeds', `${data.metric} mean ± 95%`, 'per seed']) {
      const th = document.createElement('th');
      th.textContent = h;
      head.append(th);
    }
    const body = table.createTBody();
    data.points.forEach((p, i) => {
      const row = body.insertRow();
      const finite = p.runs.filter((r) => r.value !== undefined).length;
      const cells = [
        String(i + 1),
        ...data.parameters.map((k) => (p.values[k] === undefined ? '–' : String(p.values[k]))),
        `${finite}/${p.runs.length}`,
        p.mean === undefined ? '–' : `${fmt(p.mean)}${p.halfWidth !== undefined ? ` ± ${fmt(p.halfWidth)}` : ''}`,
        p.runs.map((r) => (r.value === undefined ? '–' : fmt(r.value))).join(' '),
      ];
      for (const c of cells) row.insertCell().textContent = c;
    });
    return table;
  }
}
