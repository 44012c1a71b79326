/** The sampling-distribution chart: pick a run and an epoch; one line per kind across popularity deciles. */
import uPlot from 'uplot';
import { toCsv } from '../model/csv';
import type { RunRecord } from '../model/runStore';
import { pickSnapshot, runsWithSampling, samplingChartData, type SamplingChartData } from '../model/samplingData';
import { formatValue } from './chartView';
import { chartToPngDataUrl } from './exportImage';
import type { Theme } from './theme';

const KIND_COLOURS = ['#2ca02c', '#d62728', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f'];

export class SamplingView {
  readonly root: HTMLElement;
  private readonly runSelect: HTMLSelectElement;
  private readonly epochSelect: HTMLSelectElement;
  private readonly plotHost: HTMLElement;
  /** The share of hard slots that fell back to easy negatives, under the chart. */
  private readonly note: HTMLElement;
  private plot: uPlot | null = null;
  private shapeKey = '';
  data: SamplingChartData | null = null;
  /** What the user picked; until then the view follows the first run and its latest epoch as they arrive. */
  private pinnedRun: string | null = null;
  private pinnedEpoch: number | null = null;

  constructor(private readonly onExport: (format: 'png' | 'csv') => void, private readonly onChange: () => void) {
    this.root = document.createElement('section');
    this.root.className = 'chart-card sampling-card';
    this.root.dataset.chartId = 'sampling';
    const header = document.createElement('header');
    const title = document.createElement('h3');
    title.className = 'chart-title';
    title.textContent = 'sampling by item-popularity decile';
    this.runSelect = document.createElement('select');
    this.runSelect.title = 'Run';
    this.epochSelect = document.createElement('select');
    this.epochSelect.title = 'Epoch (0 = as announced at start)';
    this.runSelect.addEventListener('change', () => {
      this.pinnedRun = this.runSelect.value;
      this.pinnedEpoch = null;
      this.onChange();
    });
    this.epochSelect.addEventListener('change', () => {
      this.pinnedEpoch = Number(this.epochSelect.value);
      this.onChange();
    });
    const actions = document.createElement('span');
    actions.className = 'chart-actions';
    for (const format of ['png', 'csv'] as const) {
      const button = document.createElement('button');
      button.textContent = format.toUpperCase();
      button.dataset.export = format;
      button.addEventListener('click', () => this.onExport(format));
      actions.append(button);
    }
    header.append(title, this.runSelect, this.epochSelect, actions);
    this.plotHost = document.createElement('div');
    this.plotHost.className = 'chart-plot';
    this.note = document.createElement('p');
    this.note.className = 'chart-note';
    this.note.hidden = true;
    this.root.append(header, this.plotHost, this.note);
  }

  /** Hides itself when no shown run has sampling data. */
  update(runs: RunRecord[], theme: Theme): void {
    const candidates = runsWithSampling(runs);
    this.root.hidden = candidates.length === 0;
    if (candidates.length === 0) {
      this.plot?.destroy();
      this.plot = null;
      this.shapeKey = '';
      this.data = null;
      return;
    }
    fillSelect(this.runSelect, candidates.map((r) => [r.ref.runId, r.ref.label ?? r.ref.runId]));
    const run = candidates.find((r) => r.ref.runId === this.pinnedRun) ?? candidates[0];
    this.runSelect.value = run.ref.runId;
    fillSelect(this.epochSelect, run.sampling.map((s) => [String(s.epoch), s.epoch === 0 ? 'at start' : `epoch ${s.epoch}`]));
    const snapshot = pickSnapshot(run, this.pinnedEpoch ?? undefined);
    if (!snapshot) return;
    this.epochSelect.value = String(snapshot.epoch);
    this.data = samplingChartData(run.ref.runId, snapshot);
    this.note.textContent = this.data.hardFallback ?? '';
    this.note.hidden = this.data.hardFallback === undefined;
    const key = JSON.stringify([this.data.series.map((s) => s.label), theme]);
    const aligned = [this.data.x, ...this.data.series.map((s) => s.values)] as uPlot.AlignedData;
    if (this.plot && key === this.shapeKey) {
      this.plot.setData(aligned);
      return;
    }
    this.shapeKey = key;
    this.build(this.data, aligned, theme);
  }

  private build(data: SamplingChartData, aligned: uPlot.AlignedData, theme: Theme): void {
    this.plot?.destroy();
    // Keys left out, not set to undefined: uPlot's defaults (scale 'x', side) only fill missing keys.
    const axis = (label: string, scale?: string, side?: number): uPlot.Axis => ({
      label,
      ...(scale ? { scale } : {}),
      ...(side !== undefined ? { side } : {}),
      stroke: theme.foreground,
      grid: { stroke: theme.grid, width: 1, show: side !== 1 },
      ticks: { stroke: theme.grid, width: 1 },
      font: theme.font,
      labelFont: theme.font,
    });
    const hasLogq = data.series.some((s) => s.kind === 'logq');
    this.plotHost.replaceChildren();
    this.plot = new uPlot(
      {
        width: Math.max(240, this.plotHost.clientWidth || this.root.clientWidth || 480),
        height: 200,
        scales: { x: { time: false, range: [0.5, 10.5] }, share: { range: [0, null] }, p: { auto: true } },
        axes: [
          { ...axis('popularity decile (1 = most popular)'), splits: () => data.x },
          { ...axis('share', 'share'), size: 60 },
          ...(hasLogq ? [{ ...axis('logQ p', 'p', 1), size: 60 }] : []),
        ],
        series: [
          { label: 'decile' },
          ...data.series.map((s, i): uPlot.Series => ({
            label: s.label,
            scale: s.kind === 'logq' ? 'p' : 'share',
            stroke: KIND_COLOURS[i % KIND_COLOURS.length],
            width: s.kind === 'positives' ? 2.5 : 1.75,
            ...(s.kind === 'logq' ? { dash: [6, 4] } : {}),
            points: { show: true, size: 6 },
            value: (_u, v) => (v == null ? '–' : formatValue(v)),
          })),
        ],
      },
      aligned,
      this.plotHost,
    );
  }

  resize(width: number): void {
    this.plot?.setSize({ width: Math.max(240, width), height: 200 });
  }

  toPngDataUrl(theme: Theme): string {
    if (!this.plot || !this.data) throw new Error('No sampling distribution is shown, so there is nothing to export.');
    const legend = this.data.series.map((s, i) => ({ label: s.label, colour: KIND_COLOURS[i % KIND_COLOURS.length], dashed: s.kind === 'logq' }));
    return chartToPngDataUrl(this.plot.ctx.canvas, `sampling · ${this.data.runId} · epoch ${this.data.epoch}`, legend, theme);
  }

  toCsv(): string {
    if (!this.data) throw new Error('No sampling distribution is shown, so there is nothing to export.');
    return toCsv({ xLabel: 'decile', x: this.data.x, columns: this.data.series.map((s) => ({ label: s.label, values: s.values })) });
  }
}

function fillSelect(select: HTMLSelectElement, options: [string, string][]): void {
  const same = select.options.length === options.length && options.every(([value], i) => select.options[i].value === value);
  if (same) return;
  select.replaceChildren(...options.map(([value, label]) => new Option(label, value)));
}
