/**
 * Shapes the runs into the charts of the panel: training loss, examples/s, and one chart per eval
 * metric with the popularity baseline. Pure: the view hands the result to uPlot as it is.
 */
import type { XAxisKind } from '../../shared/webviewProtocol';
import { alignSeries, type XYSeries } from './align';
import { EmaCache } from './ema';
import type { Column } from '../../shared/column';
import { headlineOf, metricFamilies, metricKeyOf, shownK, type SectionId } from './metricFamilies';
import { metricKeys, runLabelOf as runLabel, type RunRecord } from './runStore';

export interface SeriesSpec {
  /** The run this series belongs to (baselines too, so that hiding a run hides its baseline). */
  runId: string;
  label: string;
  colourIndex: number;
  kind: 'run' | 'baseline';
}

export interface ChartSpec {
  /**
   * Stable id: `loss` (or `loss:<kind>` when runs of several loss kinds are shown), `throughput`,
   * `eval:<metric>` (the family's chart at the K shown). Also the export file name.
   */
  id: string;
  section: SectionId;
  /** A metric family's chart: its K toggle offers `ks`, and shows `k`. */
  family?: { name: string; ks: number[]; k?: number };
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
  /** The K chosen per metric family (`recall` → 50); a family not listed shows its smallest K. */
  chosenK?: Record<string, number>;
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


/** A run with its colour: its place among all shown runs, so a run has one colour in every chart. */
interface ColouredRun {
  run: RunRecord;
  colourIndex: number;
}

function coloured(runs: RunRecord[]): ColouredRun[] {
  return runs.map((run, colourIndex) => ({ run, colourIndex }));
}

function perRunChart(id: string, section: SectionId, title: string, yLabel: string, runs: ColouredRun[], pick: (run: RunRecord) => XYSeries, logScale: boolean): ChartSpec {
  const parts = runs.map(({ run }) => pick(run));
  const aligned = alignSeries(parts.map((p) => ({ x: p.x, y: positiveOnly(p.y, logScale) })));
  return {
    id,
    section,
    title,
    yLabel,
    x: aligned.x,
    ys: aligned.ys,
    series: runs.map(({ run, colourIndex }) => ({ runId: run.ref.runId, label: runLabel(run), colourIndex, kind: 'run' })),
  };
}

const emaCache = new EmaCache();

/** The loss a run trains with (`softmax`, `hinge`, …), which sets the scale of its loss values. */
export function lossKindOf(run: RunRecord): string {
  return run.started?.loss ?? 'loss';
}

function smoothedLoss(run: RunRecord, options: ChartOptions): XYSeries {
  return { x: xValues(run, options.xAxis, run.steps), y: emaCache.smooth(run.steps.loss, run.steps.loss.values(), options.smoothing, run.stepsGeneration) };
}

/** One chart of all runs' loss (the runs of one loss kind, when `runs` is a subset). */
export function lossChart(runs: RunRecord[], options: ChartOptions): ChartSpec {
  const title = options.smoothing > 0 ? `training loss (EMA ${options.smoothing.toFixed(2)})` : 'training loss';
  return perRunChart('loss', 'loss', title, 'loss', coloured(runs), (run) => smoothedLoss(run, options), options.logScale);
}

/**
 * A loss chart per loss kind: softmax (≈ 5) and hinge (≈ 0.1) on one y axis would flatten the hinge
 * runs to a line at the bottom. One kind gives the single chart `loss`; several give `loss:<kind>`.
 */
export function lossCharts(runs: RunRecord[], options: ChartOptions): ChartSpec[] {
  const byKind = new Map<string, ColouredRun[]>();
  for (const entry of coloured(runs)) {
    const kind = lossKindOf(entry.run);
    if (!byKind.has(kind)) byKind.set(kind, []);
    byKind.get(kind)!.push(entry);
  }
  const smoothing = options.smoothing > 0 ? ` (EMA ${options.smoothing.toFixed(2)})` : '';
  if (byKind.size <= 1) {
    const kind = [...byKind.keys()][0];
    const title = `training loss${kind && kind !== 'loss' ? ` · ${kind}` : ''}${smoothing}`;
    return [perRunChart('loss', 'loss', title, 'loss', coloured(runs), (run) => smoothedLoss(run, options), options.logScale)];
  }
  return [...byKind].map(([kind, members]) => perRunChart(`loss:${kind}`, 'loss', `training loss · ${kind}${smoothing}`, `${kind} loss`, members, (run) => smoothedLoss(run, options), options.logScale));
}

export function throughputChart(runs: RunRecord[], options: ChartOptions): ChartSpec {
  return perRunChart('throughput', 'system', 'examples / s', 'examples/s', coloured(runs), (run) => ({ x: xValues(run, options.xAxis, run.steps), y: run.steps.examplesPerSec.values() }), options.logScale);
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
  const [family] = metricFamilies([metric]);
  return { id: `eval:${metric}`, section: family.section, title: metric, yLabel: metric, x: aligned.x, ys: aligned.ys, series };
}

/** One chart per metric family (recall@10/@50/@100 is one chart with a K toggle), at the K chosen, else the headline's. */
export function familyCharts(runs: RunRecord[], options: ChartOptions): ChartSpec[] {
  const keys = metricKeys(runs);
  const headline = headlineOf(runs.map((r) => r.ended?.best?.metric), keys);
  return metricFamilies(keys).map((family) => {
    const k = shownK(family, options.chosenK ?? {}, headline);
    const chart = evalChart(metricKeyOf(family.family, k), runs, options);
    return { ...chart, title: family.ks.length > 1 ? family.family : chart.title, family: { name: family.family, ks: family.ks, k } };
  });
}

/** Every chart, in page order: losses, metric families, throughput (the view puts each in its section). */
export function allCharts(runs: RunRecord[], options: ChartOptions): ChartSpec[] {
  return [...lossCharts(runs, options), ...familyCharts(runs, options), throughputChart(runs, options)];
}
