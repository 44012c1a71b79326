/**
 * The sweep view's data: the shown runs of one sweep (their params carry `sweep.id`), grouped by point
 * (`sweep.point`), each run's value of the sweep's metric at the model it keeps (the best epoch when it
 * kept one, else its last evaluation), and each point's mean with its 95% interval across seeds. The
 * swept parameters are the params that differ between the sweep's runs (not the seed). Pure.
 */
import { meanInterval } from '../../shared/meanInterval';
import type { RunRecord } from './runStore';

export type SweepCell = string | number | boolean;

export interface SweepRunValue {
  runId: string;
  seed?: number;
  value?: number;
}

export interface SweepPointRow {
  point: number;
  values: Record<string, SweepCell>;
  runs: SweepRunValue[];
  mean?: number;
  halfWidth?: number;
}

export interface SweepData {
  sweepId: string;
  metric: string;
  parameters: string[];
  /** Best mean first (higher is better for every metric the evaluation computes); points without a value last. */
  points: SweepPointRow[];
}

const NOT_SWEPT = new Set(['training.seed', 'sweep.id', 'sweep.point']);

/** A run's value of `metric` at the model it keeps. */
export function keptValue(run: RunRecord, metric: string): number | undefined {
  const best = run.ended?.best;
  const epochs = run.evals.epoch.values();
  const epoch = best?.checkpoint !== undefined ? best.epoch : epochs[epochs.length - 1];
  const at = epochs.lastIndexOf(epoch);
  const v = at >= 0 ? run.evals.metrics.get(metric)?.at(at) : undefined;
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

export function sweepData(runs: readonly RunRecord[]): SweepData | undefined {
  const bySweep = new Map<string, RunRecord[]>();
  for (const run of runs) {
    const id = run.started?.params['sweep.id'];
    if (typeof id === 'string') bySweep.set(id, [...(bySweep.get(id) ?? []), run]);
  }
  // The sweep with the most shown runs (a comparison may hold runs of several).
  const [sweepId, members] = [...bySweep.entries()].sort((a, b) => b[1].length - a[1].length)[0] ?? [];
  if (sweepId === undefined || members === undefined) return undefined;
  const metric = members.map((r) => r.ended?.best?.metric).find((m) => m !== undefined) ?? [...(members[0].evals.metrics.keys())].find((k) => k.startsWith('recall@'));
  if (metric === undefined) return undefined;
  const params = members.map((r) => r.started?.params ?? {});
  const keys = [...new Set(params.flatMap((p) => Object.keys(p)))].filter((k) => !NOT_SWEPT.has(k));
  const parameters = keys.filter((k) => new Set(params.map((p) => JSON.stringify(p[k]))).size > 1).sort();
  const byPoint = new Map<number, RunRecord[]>();
  for (const run of members) {
    const point = Number(run.started?.params['sweep.point']);
    byPoint.set(point, [...(byPoint.get(point) ?? []), run]);
  }
  const points: SweepPointRow[] = [...byPoint.entries()].map(([point, rs]) => {
    const first = rs[0].started?.params ?? {};
    const values: Record<string, SweepCell> = {};
    for (const k of parameters) if (first[k] !== undefined) values[k] = first[k];
    const runValues = rs
      .map((r) => ({ runId: r.ref.runId, seed: typeof r.started?.params['training.seed'] === 'number' ? (r.started.params['training.seed'] as number) : undefined, value: keptValue(r, metric) }))
      .sort((a, b) => (a.seed ?? 0) - (b.seed ?? 0));
    const finite = runValues.map((r) => r.value).filter((v): v is number => v !== undefined);
    const interval = finite.length > 0 ? meanInterval(finite) : undefined;
    return { point, values, runs: runValues, ...(interval ? { mean: interval.mean, ...(interval.halfWidth !== undefined ? { halfWidth: interval.halfWidth } : {}) } : {}) };
  });
  points.sort((a, b) => (b.mean ?? -Infinity) - (a.mean ?? -Infinity) || a.point - b.point);
  return { sweepId, metric, parameters, points };
}

/** For the chart of one parameter: its distinct values in order, and every run's (value index, metric) point. */
export function parameterSeries(data: SweepData, parameter: string): { labels: string[]; dots: { x: number; y: number }[]; means: { x: number; mean: number; halfWidth?: number }[] } {
  const raw = [...new Set(data.points.map((p) => p.values[parameter]).filter((v) => v !== undefined))];
  raw.sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b))));
  const labels = raw.map(String);
  const dots: { x: number; y: number }[] = [];
  const perValue = labels.map(() => [] as number[]);
  for (const p of data.points) {
    const x = labels.indexOf(String(p.values[parameter]));
    if (x < 0) continue;
    for (const r of p.runs) {
      if (r.value === undefined) continue;
      dots.push({ x, y: r.value });
      perValue[x].push(r.value);
    }
  }
  const means = perValue.flatMap((vs, x) => {
    if (vs.length === 0) return [];
    const m = meanInterval(vs);
    return [{ x, mean: m.mean, ...(m.halfWidth !== undefined ? { halfWidth: m.halfWidth } : {}) }];
  });
  return { labels, dots, means };
}
