/**
 * One uPlot chart of the panel (a card with its title, export buttons and plot). Live data goes through
 * `setData` without rebuilding; the chart is rebuilt only when its shape changes (series added, log
 * scale or x axis switched), because uPlot fixes series and scale kinds at construction.
 * A chart out of view is not drawn (as TensorBoard and W&B do with off-screen panels): it keeps its
 * latest spec and draws when it scrolls near the viewport, so twenty runs' worth of charts below the
 * fold cost nothing when the panel opens or a live run appends.
 */
import uPlot from 'uplot';
import type { XAxisKind } from '../../shared/webviewProtocol';
import { X_AXIS_LABELS, type ChartSpec, type SeriesSpec } from '../model/chartData';
import { runColour, withAlpha } from '../model/colors';
import { toCsv } from '../model/csv';
import { decimateAligned } from '../model/decimate';
import { lineWidth, valuedPoints } from '../model/lineWidth';
import { linearTicks } from '../model/linearRange';
import { logDecadeRange } from '../model/logRange';
import { chartToPngDataUrl, type LegendEntry } from './exportImage';
import type { Theme } from './theme';

export interface ChartViewContext {
  theme: Theme;
  xAxis: XAxisKind;
  logScale: boolean;
  syncKey: string;
  isHidden(runId: string): boolean;
  /** True when some runs are selected in the table and this one is not. */
  isDimmed(runId: string): boolean;
  onToggleRun(runId: string, show: boolean): void;
  onExport(view: ChartView, format: 'png' | 'csv'): void;
  /** The user picked another K for a metric family's chart. */
  onChooseK(family: string, k: number): void;
}

export interface ChartPlacement {
  /** Within the margin of the viewport, so worth drawing now. */
  inView: boolean;
  /** The plot's width in CSS pixels. */
  width: number;
}

const CHART_HEIGHT = 200;
/**
 * Height held by a chart not drawn yet: the plot and one legend row. Its legend may be taller, so the
 * page's guess of what is in view errs towards drawing a chart too many, never one too few.
 */
const UNDRAWN_HEIGHT = CHART_HEIGHT + 24;

export function formatSeconds(sec: number): string {
  if (sec < 60) return `${+sec.toFixed(1)}s`;
  if (sec < 3600) return `${Math.floor(sec / 60)}m${String(Math.round(sec % 60)).padStart(2, '0')}s`;
  return `${Math.floor(sec / 3600)}h${String(Math.floor((sec % 3600) / 60)).padStart(2, '0')}m`;
}

export class ChartView {
  readonly root: HTMLElement;
  private readonly plotHost: HTMLElement;
  private plot: uPlot | null = null;
  private shapeKey = '';
  private zoomed = false;
  /** Set while this view itself shows/hides series, so its own hook does not echo the change back. */
  private applying = false;
  /** Near the viewport (set by the page's IntersectionObserver and by its own check at a render). */
  private inView = false;
  /** The spec changed while the chart was out of view: draw it when it comes into view. */
  private stale = true;
  /** A width the page asked for while the chart was out of view, applied when it draws again. */
  private pendingWidth: number | null = null;
  spec: ChartSpec;

  constructor(spec: ChartSpec, private ctx: ChartViewContext) {
    this.spec = spec;
    this.root = document.createElement('section');
    this.root.className = 'chart-card';
    this.root.dataset.chartId = spec.id;
    const header = document.createElement('header');
    const title = document.createElement('h3');
    title.className = 'chart-title';
    const buttons = document.createElement('span');
    buttons.className = 'chart-actions';
    for (const format of ['png', 'csv'] as const) {
      const button = document.createElement('button');
      button.textContent = format.toUpperCase();
      button.title = format === 'png' ? 'Export this chart as a PNG image' : 'Export the data of this chart as CSV';
      button.dataset.export = format;
      button.addEventListener('click', () => this.ctx.onExport(this, format));
      buttons.append(button);
    }
    header.append(title);
    if (spec.family && spec.family.ks.length > 1) {
      // One chart per family: K is a toggle, as in TensorBoard's and W&B's grouped charts.
      const family = spec.family;
      const select = document.createElement('select');
      select.className = 'k-select';
      select.dataset.family = family.name;
      select.title = `Which cut-off K of ${family.name} to show`;
      for (const k of family.ks) select.append(new Option(`@${k}`, String(k), false, k === family.k));
      select.addEventListener('change', () => this.ctx.onChooseK(family.name, Number(select.value)));
      header.append(select);
    }
    header.append(buttons);
    this.plotHost = document.createElement('div');
    this.plotHost.className = 'chart-plot';
    this.plotHost.style.minHeight = `${UNDRAWN_HEIGHT}px`;
    this.root.append(header, this.plotHost);
  }

  /** Where the chart is, read by the page in one layout pass; see `update`. */
  measure(viewportHeight: number, marginPx: number): ChartPlacement {
    const rect = this.root.getBoundingClientRect();
    return { inView: rect.bottom > -marginPx && rect.top < viewportHeight + marginPx, width: this.plotHost.clientWidth };
  }

  /** True once uPlot has drawn this chart. */
  get drawn(): boolean {
    return this.plot !== null;
  }

  /** The chart came near the viewport or left it; coming in, it draws what changed while it was away. */
  setInView(inView: boolean): void {
    this.inView = inView;
    if (inView && this.stale) this.update(this.spec, this.ctx);
  }

  get id(): string {
    return this.spec.id;
  }

  /**
   * Shows new data; rebuilds the uPlot instance only when the shape changed. Keeps a zoom the user made.
   * `placement`: whether the chart is in view and its plot's width, when the page has measured them
   * (one layout for all charts before any draws, not one forced layout per chart).
   */
  update(spec: ChartSpec, ctx: ChartViewContext, placement?: ChartPlacement): void {
    this.spec = spec;
    this.ctx = ctx;
    if (placement) this.inView = placement.inView;
    const width = placement?.width;
    (this.root.querySelector('.chart-title') as HTMLElement).textContent = spec.title;
    if (!this.inView) {
      this.stale = true;
      return;
    }
    this.stale = false;
    const key = JSON.stringify([spec.series.map((s) => [s.runId, s.kind, s.label, s.colourIndex]), ctx.xAxis, ctx.logScale, ctx.theme]);
    if (!this.plot || key !== this.shapeKey) {
      this.build(width);
      this.shapeKey = key;
      return;
    }
    if (this.pendingWidth !== null && this.pendingWidth !== this.plot.width) this.plot.setSize({ width: this.pendingWidth, height: CHART_HEIGHT });
    this.pendingWidth = null;
    this.setData(!this.zoomed);
    this.applyVisibility();
  }

  /** New data, and each line's width for its new number of points (uPlot reads `width` at every draw). */
  private setData(resetScales: boolean): void {
    const plot = this.plot!;
    const data = this.data(plot.width);
    const widths = this.lineWidths(data, plot.width);
    widths.forEach((w, i) => (plot.series[i + 1].width = w));
    plot.setData(data, resetScales);
  }

  private lineWidths(data: uPlot.AlignedData, plotWidth: number): number[] {
    const pxRatio = window.devicePixelRatio || 1;
    return this.spec.series.map((s, i) => lineWidth(s.kind, valuedPoints(data[i + 1] as (number | null)[]), plotWidth, pxRatio));
  }

  /** What uPlot draws: at most about two x values per horizontal pixel. */
  private data(width: number): uPlot.AlignedData {
    const drawn = decimateAligned({ x: this.spec.x, ys: this.spec.ys }, Math.max(2, Math.round(width * 2)));
    return [drawn.x, ...drawn.ys] as uPlot.AlignedData;
  }

  private colour(s: SeriesSpec): string {
    const base = runColour(s.colourIndex);
    const colour = s.kind === 'baseline' ? withAlpha(base, 0.8) : base;
    return this.ctx.isDimmed(s.runId) ? withAlpha(base, 0.15) : colour;
  }

  private build(measuredWidth?: number): void {
    this.plot?.destroy();
    const { theme } = this.ctx;
    const width = Math.max(240, measuredWidth || this.plotHost.clientWidth || this.root.clientWidth || 480);
    const axis = (label: string): uPlot.Axis => ({
      label,
      stroke: theme.foreground,
      grid: { stroke: theme.grid, width: 1 },
      ticks: { stroke: theme.grid, width: 1 },
      font: theme.font,
      labelFont: theme.font,
    });
    const xAxis: uPlot.Axis = { ...axis(X_AXIS_LABELS[this.ctx.xAxis]) };
    if (this.ctx.xAxis === 'time') xAxis.values = (_u, splits) => splits.map(formatSeconds);
    const data = this.data(width);
    const widths = this.lineWidths(data, width);
    // uPlot computes the y range, then the axis's labels: the labels come from that same computation.
    let linear = linearTicks(null, null);
    const opts: uPlot.Options = {
      width,
      height: CHART_HEIGHT,
      scales: {
        x: { time: false },
        y: this.ctx.logScale
          ? { distr: 3, log: 10, range: (_u, min, max) => logDecadeRange(min, max) }
          : {
              auto: true,
              range: (_u, min, max) => {
                linear = linearTicks(min, max);
                return linear.range;
              },
            },
      },
      // Linear: the labels of the range just computed (at least two; uPlot's own could leave one on a short chart).
      axes: [xAxis, { ...axis(this.spec.yLabel), size: 60, ...(this.ctx.logScale ? {} : { splits: () => linear.ticks }) }],
      cursor: {
        sync: { key: this.ctx.syncKey, setSeries: false },
        drag: { x: true, y: false, setScale: true },
        points: { size: 6 },
      },
      legend: { live: true },
      series: [
        { label: X_AXIS_LABELS[this.ctx.xAxis], ...(this.ctx.xAxis === 'time' ? { value: (_u: uPlot, v: number | null) => (v == null ? '–' : formatSeconds(v)) } : {}) },
        ...this.spec.series.map((s, index): uPlot.Series => ({
          label: s.label,
          stroke: (u, i) => this.colour(this.spec.series[i - 1] ?? s),
          width: widths[index],
          ...(s.kind === 'baseline' ? { dash: [6, 4] } : {}),
          spanGaps: true,
          show: !this.ctx.isHidden(s.runId),
          points: { show: s.kind === 'run' && this.spec.id.startsWith('eval:') },
          value: (_u, v) => (v == null ? '–' : formatValue(v)),
        })),
      ],
      hooks: {
        setSeries: [
          (_u, index, options) => {
            if (this.applying || index === null || options.show === undefined) return;
            const s = this.spec.series[index - 1];
            if (s) this.ctx.onToggleRun(s.runId, options.show);
          },
        ],
        // Zoomed is read off the x scale whenever it changes, however it changed: a drag here or in a synced
        // chart, a double-click here or in a synced chart, Reset zoom, or live data that rescales.
        setScale: [
          (u, key) => {
            if (key === 'x') this.zoomed = showsLessThanData(u);
          },
        ],
      },
    };
    this.plotHost.replaceChildren();
    this.plotHost.style.minHeight = '';
    this.pendingWidth = null;
    this.plot = new uPlot(opts, data, this.plotHost);
    this.zoomed = false;
    this.followSyncedZoom();
  }

  /** A chart drawn late (scrolled into view) shows the x range the user zoomed the others to. */
  private followSyncedZoom(): void {
    const plot = this.plot!;
    const zoomedPeer = uPlot.sync(this.ctx.syncKey).plots.find((p) => p !== plot && showsLessThanData(p));
    const { min, max } = zoomedPeer?.scales.x ?? {};
    if (min != null && max != null) plot.setScale('x', { min, max });
  }

  /** Follows the run toggles made in any chart's legend. */
  applyVisibility(): void {
    const plot = this.plot;
    if (!plot) return;
    this.applying = true;
    try {
      this.spec.series.forEach((s, i) => {
        const show = !this.ctx.isHidden(s.runId);
        if (plot.series[i + 1].show !== show) plot.setSeries(i + 1, { show });
      });
    } finally {
      this.applying = false;
    }
  }

  resetZoom(): void {
    this.zoomed = false;
    if (this.plot && !this.stale) this.setData(true);
  }

  resize(width: number): void {
    const wanted = Math.max(240, width);
    if (!this.inView) {
      this.pendingWidth = wanted;
      this.stale = true;
      return;
    }
    // The page's resize observer fires whenever a section grows (new charts, a section expanded): a chart
    // whose width did not change is not redrawn.
    if (this.plot && this.plot.width !== wanted) this.plot.setSize({ width: wanted, height: CHART_HEIGHT });
  }

  toPngDataUrl(): string {
    if (!this.plot) throw new Error(`Chart "${this.spec.title}" is not drawn yet, so it cannot be exported.`);
    const legend: LegendEntry[] = this.spec.series
      .filter((s) => !this.ctx.isHidden(s.runId))
      .map((s) => ({ label: s.label, colour: runColour(s.colourIndex), dashed: s.kind === 'baseline' }));
    return chartToPngDataUrl(this.plot.ctx.canvas, this.spec.title, legend, this.ctx.theme);
  }

  toCsv(): string {
    return toCsv({
      xLabel: X_AXIS_LABELS[this.ctx.xAxis],
      x: this.spec.x,
      columns: this.spec.series.map((s, i) => ({ label: s.label, values: this.spec.ys[i] })),
    });
  }

  /** What the debug hook reports: the series as drawn, with their visibility. */
  snapshot(): { id: string; title: string; drawn: boolean; x: number[]; series: { label: string; runId: string; kind: string; show: boolean; lineWidth: number; y: (number | null)[] }[] } {
    return {
      id: this.spec.id,
      title: this.spec.title,
      drawn: this.drawn,
      x: this.spec.x,
      series: this.spec.series.map((s, i) => ({ label: s.label, runId: s.runId, kind: s.kind, show: this.plot?.series[i + 1]?.show ?? false, lineWidth: this.plot?.series[i + 1]?.width ?? NaN, y: this.spec.ys[i] })),
    };
  }

  destroy(): void {
    this.plot?.destroy();
    this.plot = null;
    this.root.remove();
  }
}

/**
 * True when the x scale leaves out some of the data (the user zoomed). A synced chart zooms and resets
 * with the one the user dragged or double-clicked, but gets no DOM event of its own, so the scale is
 * the only thing that tells.
 */
function showsLessThanData(u: uPlot): boolean {
  const xs = u.data[0];
  const { min, max } = u.scales.x;
  if (xs.length < 2 || min == null || max == null) return false;
  return min > xs[0] || max < xs[xs.length - 1];
}

export function formatValue(v: number): string {
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return v.toExponential(3);
  return String(+v.toPrecision(4));
}
