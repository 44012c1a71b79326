/**
 * The sweep view of the plots panel, shown when the runs belong to a sweep: the sweep's metric against
 * each swept parameter (a dot per run, the mean with its 95% interval across the runs of each value),
 * a parallel-coordinates chart of all runs (an axis per parameter and the metric, a line per run
 * coloured by the metric), and the points sorted by the metric with mean ± interval across seeds. Plain SVG and a table: no
 * inline styles (the webview's CSP), colours from the theme through attributes.
 */
import { parallelCoordinates } from '../model/parallelCoordinates';
import { parameterSeries, type SweepData } from '../model/sweepData';
import { rampColour, runColour } from '../model/colors';
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
/** The parallel-coordinates chart: axes at least `axisGap` apart, labels under them. */
const PC = { minWidth: 420, axisGap: 170, height: 240, left: 85, right: 85, top: 12, bottom: 34 };

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
    this.root.append(title, charts, ...(data.parameters.length > 0 ? [this.parallel(data, theme)] : []), this.table(data));
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

  /** Every run as a line across the swept parameters to its metric: which combinations lead where. */
  private parallel(data: SweepData, theme: Theme): HTMLElement {
    const pc = parallelCoordinates(data);
    const card = document.createElement('figure');
    card.className = 'sweep-chart sweep-parallel';
    const caption = document.createElement('figcaption');
    caption.textContent = `All runs: ${data.parameters.join(', ')} → ${data.metric} (colour: ${data.metric}, low dark, high yellow)${pc.missing > 0 ? ` · ${pc.missing} run${pc.missing === 1 ? '' : 's'} without a value left out` : ''}`;
    const width = Math.max(PC.minWidth, pc.axes.length * PC.axisGap);
    const x = (i: number): number => PC.left + (pc.axes.length > 1 ? (i / (pc.axes.length - 1)) * (width - PC.left - PC.right) : (width - PC.left - PC.right) / 2);
    const y = (at: number): number => PC.top + (1 - at) * (PC.height - PC.top - PC.bottom);
    const svg = el('svg', { viewBox: `0 0 ${width} ${PC.height}`, width, height: PC.height, role: 'img', 'aria-label': caption.textContent });
    const [lo, hi] = pc.metricRange;
    // Worst first, so the best runs' lines are drawn on top.
    for (const line of [...pc.lines].sort((a, b) => a.value - b.value)) {
      const points = line.positions.map((at, i) => (Number.isFinite(at) ? `${x(i).toFixed(1)},${y(at).toFixed(1)}` : undefined)).filter((p) => p !== undefined);
      const polyline = el('polyline', { class: 'parallel-line', points: points.join(' '), fill: 'none', stroke: rampColour(hi > lo ? (line.value - lo) / (hi - lo) : 1), 'stroke-width': 1.6, 'stroke-opacity': 0.85, 'data-run-id': line.runId });
      const tip = el('title', {});
      tip.textContent = `${line.runId} · point ${line.point} · ${data.metric} ${line.value.toFixed(4)}`;
      polyline.append(tip);
      svg.append(polyline);
    }
    pc.axes.forEach((axis, i) => {
      const g = el('g', { class: 'parallel-axis', 'data-axis': axis.key });
      g.append(el('line', { x1: x(i), x2: x(i), y1: y(0), y2: y(1), stroke: theme.foreground, 'stroke-opacity': 0.6 }));
      for (const tick of axis.ticks) {
        const t = el('text', { class: 'parallel-tick', x: x(i) + 4, y: y(tick.at) + 3, 'font-size': 10, fill: theme.foreground });
        t.textContent = tick.label.length > 14 ? `${tick.label.slice(0, 13)}…` : tick.label;
        g.append(t);
      }
      const name = el('text', { class: 'parallel-axis-label', x: x(i), y: PC.height - 8, 'text-anchor': 'middle', 'font-size': 10, 'font-weight': axis.key === data.metric ? 600 : 400, fill: theme.foreground });
      name.textContent = `${axis.key}${axis.scale === 'log' ? ' (log)' : ''}`;
      g.append(name);
      svg.append(g);
    });
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
