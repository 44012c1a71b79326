/**
 * Shapes the runs into the charts of the panel: training loss, examples/s, and one chart per eval
 * metric with the popularity baseline. Pure: the view hands the result to uPlot as it is.
 */
import type { XAxisKind } from '../../shared/webviewProtocol';
import { alignSeries, type XYSeries } from './align';
import { EmaCache } from './ema';
import type { Column } from '../../shared/column';
import { metricKeys, runLabelOf as runLabel, type RunRecord } from './runStore';

export interface SeriesSpec {
  /** The run this series belongs to (baselines too, so that hiding a run hides its baseline). */
  runId: string;
  label: string;
  colourIndex: number;
  kind: 'run' | 'baseline';
}

export interface ChartSpec {
  /** Stable id: `loss`, `throughput`, `eval:<metric>`. Also the export file name. */
  id: string;
  title: string;
  yLabel: string;
  x: number[];
  ys: (number | null)[][];
  series: SeriesSpec[];
}

export interface ChartOptions {
  xAxis: XAxisKind;
  smoothing: number;
  /** On a log scale, values <= 0 cannot be drawn: they become gaps. */
  logScale: boolean;
}

export const X_AXIS_LABELS: Record<XAxisKind, string> = { step: 'step', epoch: 'epoch', time: 'wall time (s)' };

/**
 * The x of a point logged at `step`. In epoch units the step is divided by the steps per epoch (so
 * steps and evals share one axis, and mid-epoch steps fall between epochs); without that figure the
 * event's own epoch is used.
 */
function xValues(run: RunRecord, axis: XAxisKind, cols: { step: Column; epoch: Column; elapsedSec: Column }): Float64Array {
  if (axis === 'step') return cols.step.values();
  if (axis === 'time') return cols.elapsedSec.values();
  const perEpoch = run.started?.stepsPerEpoch;
  if (perEpoch && perEpoch > 0) return epochCache.scaled(cols.step, perEpoch);
  return cols.epoch.values();
}

/** Step ÷ steps per epoch, extended as points are appended instead of recomputed on every render. */
class ScaledColumns {
  private readonly entries = new WeakMap<Column, { divisor: number; truncations: number; out: Float64Array; filled: number }>();

  scaled(column: Column, divisor: number): Float64Array {
    const values = column.values();
    let entry = this.entries.get(column);
    // A truncated column (a resume) starts over.
    if (!entry || entry.divisor !== divisor || entry.truncations !== column.truncations) entry = { divisor, truncations: column.truncations, out: new Float64Array(0), filled: 0 };
    if (entry.out.length < values.length) {
      const grown = new Float64Array(Math.max(values.length, entry.out.length * 2));
      grown.set(entry.out.subarray(0, entry.filled));
      entry.out = grown;
    }
    for (let i = entry.filled; i < values.length; i++) entry.out[i] = values[i] / divisor;
    entry.filled = values.length;
    this.entries.set(column, entry);
    return entry.out.subarray(0, values.length);
  }
}

const epochCache = new ScaledColumns();

function positiveOnly(values: ArrayLike<number>, logScale: boolean): ArrayLike<number> {
  return logScale ? Array.from(values, (v) => (v > 0 ? v : NaN)) : values;
}


function perRunChart(id: string, title: string, yLabel: string, runs: RunRecord[], pick: (run: RunRecord) => XYSeries, logScale: boolean): ChartSpec {
  const parts = runs.map(pick);
  const aligned = alignSeries(parts.map((p) => ({ x: p.x, y: positiveOnly(p.y, logScale) })));
  return {
    id,
    title,
    yLabel,
    x: aligned.x,
    ys: aligned.ys,
    series: runs.map((run, i) => ({ runId: run.ref.runId, label: runLabel(run), colourIndex: i, kind: 'run' })),
  };
}

const emaCache = new EmaCache();

export function lossChart(runs: RunRecord[], options: ChartOptions): ChartSpec {
  const title = options.smoothing > 0 ? `training loss (EMA ${options.smoothing.toFixed(2)})` : 'training loss';
  return perRunChart('loss', title, 'loss', runs, (run) => ({ x: xValues(run, options.xAxis, run.steps), y: emaCache.smooth(run.steps.loss, run.steps.loss.values(), options.smoothing, run.stepsGeneration) }), options.logScale);
}

export function throughputChart(runs: RunRecord[], options: ChartOptions): ChartSpec {
  return perRunChart('throughput', 'examples / s', 'examples/s', runs, (run) => ({ x: xValues(run, options.xAxis, run.steps), y: run.steps.examplesPerSec.values() }), options.logScale);
}

/**
 * Two baselines are one line when they agree wherever both have a point: runs on the same split get
 * the same baseline each epoch, and a run that stopped early simply has fewer of them.
 */
function samePrefix(a: { x: ArrayLike<number>; y: ArrayLike<number> }, b: { x: ArrayLike<number>; y: ArrayLike<number> }): boolean {
  const n = Math.min(a.x.length, b.x.length);
  for (let i = 0; i < n; i++) {
    if (a.x[i] !== b.x[i]) return false;
    if (a.y[i] !== b.y[i] && !(Number.isNaN(a.y[i]) && Number.isNaN(b.y[i]))) return false;
  }
  return true;
}

/** One chart for one metric: a line per run, plus a dashed popularity baseline per distinct split. */
export function evalChart(metric: string, runs: RunRecord[], options: ChartOptions): ChartSpec {
  const withMetric = runs.map((run, colourIndex) => ({ run, colourIndex })).filter(({ run }) => run.evals.metrics.has(metric));
  const parts: XYSeries[] = [];
  const series: SeriesSpec[] = [];
  for (const { run, colourIndex } of withMetric) {
    parts.push({ x: xValues(run, options.xAxis, run.evals), y: run.evals.metrics.get(metric)?.values() ?? [] });
    series.push({ runId: run.ref.runId, label: runLabel(run), colourIndex, kind: 'run' });
  }
  // Runs evaluated on the same split share one baseline line (the longest) instead of stacking copies.
  const baselines: { x: ArrayLike<number>; y: ArrayLike<number>; spec: SeriesSpec }[] = [];
  for (const { run, colourIndex } of withMetric) {
    const y = run.evals.baseline.get(metric)?.values();
    if (!y || y.every((v) => Number.isNaN(v))) continue;
    const line = { x: xValues(run, options.xAxis, run.evals), y };
    const same = baselines.find((b) => samePrefix(b, line));
    if (same) {
      if (line.x.length > same.x.length) Object.assign(same, line, { spec: { ...same.spec, runId: run.ref.runId, colourIndex, label: `popularity baseline (${runLabel(run)})` } });
      continue;
    }
    baselines.push({ ...line, spec: { runId: run.ref.runId, label: `popularity baseline (${runLabel(run)})`, colourIndex, kind: 'baseline' } });
  }
  for (const b of baselines) {
    parts.push({ x: b.x, y: b.y });
    series.push(baselines.length === 1 ? { ...b.spec, label: 'popularity baseline' } : b.spec);
  }
  const aligned = alignSeries(parts.map((p) => ({ x: p.x, y: positiveOnly(p.y, options.logScale) })));
  return { id: `eval:${metric}`, title: metric, yLabel: metric, x: aligned.x, ys: aligned.ys, series };
}

export function allCharts(runs: RunRecord[], options: ChartOptions): ChartSpec[] {
  return [lossChart(runs, options), ...metricKeys(runs).map((m) => evalChart(m, runs, options)), throughputChart(runs, options)];
}
