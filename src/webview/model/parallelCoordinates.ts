/**
 * The sweep view's parallel-coordinates chart as data: one axis per swept parameter, then the sweep's
 * metric; one line per run with a value, its place on each axis from 0 (bottom) to 1 (top). A number
 * parameter gets a linear axis, or a logarithmic one when its values are positive and span more than
 * a factor of 10 (learning rates, temperatures); any other parameter (a choice, a mix) puts its values
 * evenly apart in the order the per-parameter charts use. Pure.
 */
import type { SweepCell, SweepData } from './sweepData';

export interface ParallelTick {
  /** 0 (bottom) .. 1 (top). */
  at: number;
  label: string;
}

export interface ParallelAxis {
  key: string;
  scale: 'linear' | 'log' | 'category';
  ticks: ParallelTick[];
}

export interface ParallelLine {
  runId: string;
  point: number;
  /** The sweep metric of the run (its kept model's), which also colours the line. */
  value: number;
  /** Its place on each axis, in axis order (0 bottom .. 1 top). */
  positions: number[];
}

export interface ParallelCoordinates {
  axes: ParallelAxis[];
  lines: ParallelLine[];
  /** Runs of the sweep without a value yet (running, failed): left out of the lines. */
  missing: number;
  /** The metric's range over the lines (bottom and top of its axis). */
  metricRange: [number, number];
}

const label = (v: number): string => (Number.isInteger(v) ? String(v) : Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5 ? v.toExponential(1) : String(Number(v.toPrecision(3))));

/** A scale mapping values onto 0..1; a single value sits in the middle. */
function numberAxis(key: string, values: number[], allowLog: boolean): { axis: ParallelAxis; place(v: number): number } {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const log = allowLog && lo > 0 && hi / lo > 10;
  const f = (v: number): number => (log ? Math.log10(v) : v);
  const place = (v: number): number => (hi > lo ? (f(v) - f(lo)) / (f(hi) - f(lo)) : 0.5);
  // A grid's few values are labelled each; a random search's many by the ends and the middle.
  const distinct = [...new Set(values)].sort((a, b) => a - b);
  const tickValues = distinct.length <= 6 ? distinct : [lo, log ? Math.sqrt(lo * hi) : (lo + hi) / 2, hi];
  return { axis: { key, scale: log ? 'log' : 'linear', ticks: tickValues.map((v) => ({ at: place(v), label: label(v) })) }, place };
}

function categoryAxis(key: string, values: SweepCell[]): { axis: ParallelAxis; place(v: SweepCell): number } {
  const distinct = [...new Set(values)].sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b))));
  const labels = distinct.map(String);
  const place = (v: SweepCell): number => (labels.length > 1 ? labels.indexOf(String(v)) / (labels.length - 1) : 0.5);
  return { axis: { key, scale: 'category', ticks: labels.map((l, i) => ({ at: labels.length > 1 ? i / (labels.length - 1) : 0.5, label: l })) }, place };
}

export function parallelCoordinates(data: SweepData): ParallelCoordinates {
  const runs = data.points.flatMap((p) => p.runs.filter((r) => r.value !== undefined).map((r) => ({ runId: r.runId, point: p.point, value: r.value!, values: p.values })));
  const missing = data.points.reduce((n, p) => n + p.runs.filter((r) => r.value === undefined).length, 0);
  const places: ((values: Record<string, SweepCell>, metric: number) => number)[] = [];
  const axes: ParallelAxis[] = [];
  for (const parameter of data.parameters) {
    const values = runs.map((r) => r.values[parameter]).filter((v): v is SweepCell => v !== undefined);
    if (values.length > 0 && values.every((v) => typeof v === 'number')) {
      const { axis, place } = numberAxis(parameter, values as number[], true);
      axes.push(axis);
      places.push((values) => (typeof values[parameter] === 'number' ? place(values[parameter] as number) : NaN));
    } else {
      const { axis, place } = categoryAxis(parameter, values);
      axes.push(axis);
      places.push((values) => (values[parameter] === undefined ? NaN : place(values[parameter])));
    }
  }
  const metricValues = runs.map((r) => r.value);
  const metricRange: [number, number] = metricValues.length > 0 ? [Math.min(...metricValues), Math.max(...metricValues)] : [0, 0];
  if (metricValues.length > 0) {
    const { axis, place } = numberAxis(data.metric, metricValues, false);
    // The metric axis says its ends only, to four places as the sweep table does.
    axes.push({ ...axis, ticks: [...new Set(metricRange)].map((v) => ({ at: place(v), label: v.toFixed(4) })) });
    places.push((_, metric) => place(metric));
  }
  const lines = runs.map((r) => ({ runId: r.runId, point: r.point, value: r.value, positions: places.map((p) => p(r.values, r.value)) }));
  return { axes, lines, missing, metricRange };
}
