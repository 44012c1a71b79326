/**
 * The runs table: the run's status, its engine when a torch run is among them, the final loss, the
 * parameters that differ between the shown runs, and the headline metrics (or, on demand, every
 * parameter and every metric's final and best value); the popularity baseline as a row of its own.
 * Pure and sortable.
 */
import { engineLabel } from '../../shared/engines';
import type { RunStatus } from '../../shared/events';
import type { ComparisonsMessage, RunComparison } from '../../shared/webviewProtocol';
import { headlineOf, metricFamilies, metricKeyOf, shownK } from './metricFamilies';
import { metricKeys, runLabelOf, type RunRecord } from './runStore';

export type Cell = string | number | boolean | null;

export interface TableColumn {
  key: string;
  label: string;
  group: 'run' | 'param' | 'final' | 'best' | 'delta';
}

export interface TableRow {
  runId: string;
  colourIndex: number;
  cells: Record<string, Cell>;
  /** The run against the reference run (with comparisons); its `delta:<metric>` cells hold the differences. */
  comparison?: RunComparison;
}

export interface RunsTable {
  columns: TableColumn[];
  rows: TableRow[];
  /** The popularity baseline on the runs' split, as a row of its own (metric cells only); null without one. */
  baseline: Record<string, Cell> | null;
  /** The comparisons the `delta:` columns show (the host's paired bootstrap); null without them. */
  comparisons: ComparisonsMessage | null;
}

export interface RunsTableOptions {
  /** Every parameter (for one run: all of them) and every metric's final and best value. */
  allColumns?: boolean;
  /** The K shown per metric family (the compact table shows each family at that K). */
  chosenK?: Record<string, number>;
  /** The host's comparisons with the reference run: a `Δ metric` column for each shown metric they cover. */
  comparisons?: ComparisonsMessage | null;
}

export function runStatus(run: RunRecord): RunStatus {
  if (run.ended) return run.ended.status;
  return run.started ? 'running' : 'queued';
}

/** Parameter keys whose value is not the same in every run (a key missing from a run counts as different). */
export function differingParams(runs: RunRecord[]): string[] {
  const params = runs.map((r) => r.started?.params ?? {});
  const keys = new Set<string>();
  for (const p of params) for (const k of Object.keys(p)) keys.add(k);
  const all = [...keys].sort();
  if (runs.length === 1) return all;
  return all.filter((k) => params.some((p) => !(k in p) || p[k] !== params[0][k]));
}

function lastFinite(values: ArrayLike<number>): number | null {
  for (let i = values.length - 1; i >= 0; i--) if (Number.isFinite(values[i])) return values[i];
  return null;
}

function maxFinite(values: ArrayLike<number>): number | null {
  let best: number | null = null;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v) && (best === null || v > best)) best = v;
  }
  return best;
}

/** Whether a run trained on torch: then the table shows every run's engine (`torch · cpu × 2`, `tfjs · wasm`). */
function isTorchRun(run: RunRecord): boolean {
  return run.started?.engine === 'torch' || run.started?.backend === 'torch';
}

/** The shown runs' headline metric (see headlineOf). */
export function headlineMetric(runs: RunRecord[], metrics: string[]): string | undefined {
  return headlineOf(runs.map((r) => r.ended?.best?.metric), metrics);
}

/** Compact: each metric family at the K shown in its chart. */
function compactMetrics(metrics: string[], chosenK: Record<string, number>, headline: string | undefined): string[] {
  return metricFamilies(metrics)
    .filter((f) => f.section === 'retrieval' || f.section === 'headTail')
    .map((f) => metricKeyOf(f.family, shownK(f, chosenK, headline)));
}

function lastBaseline(runs: RunRecord[], metric: string): number | null {
  for (const run of runs) {
    const values = run.evals.baseline.get(metric)?.values();
    const last = values ? lastFinite(values) : null;
    if (last !== null) return last;
  }
  return null;
}

/**
 * The table: compact by default (differing parameters, the final value of each metric family at its
 * chart's K and the best of the headline metric), everything with `allColumns`.
 */
export function buildRunsTable(runs: RunRecord[], options: RunsTableOptions = { allColumns: true }): RunsTable {
  const allMetrics = metricKeys(runs);
  const all = options.allColumns === true;
  const params = all || runs.length > 1 ? differingParams(runs) : [];
  const headline = headlineMetric(runs, allMetrics);
  const metrics = all ? allMetrics : compactMetrics(allMetrics, options.chosenK ?? {}, headline);
  const comparisons = usableComparisons(runs, options.comparisons ?? null);
  const compared = new Set(comparisons?.runs.flatMap((c) => (c.status === 'compared' ? Object.keys(c.metrics) : [])) ?? []);
  // The shown metrics (the headline among them) that the comparisons have per-user values of.
  const deltaMetrics = (all ? metrics : [...new Set([...metrics, ...(headline ? [headline] : [])])]).filter((m) => compared.has(m));
  const deltaColumn = (m: string): TableColumn[] => (deltaMetrics.includes(m) ? [{ key: `delta:${m}`, label: `Δ ${m}`, group: 'delta' }] : []);
  // Each Δ column right after its metric's value, so the two read together however wide the table is.
  const metricColumns = all
    ? metrics.flatMap((m): TableColumn[] => [
        { key: `final:${m}`, label: `${m} final`, group: 'final' },
        // Every metric reported here (recall, NDCG, hit rate, MRR, coverage) is better when higher.
        { key: `best:${m}`, label: `${m} best`, group: 'best' },
        ...deltaColumn(m),
      ])
    : [...metrics.flatMap((m): TableColumn[] => [{ key: `final:${m}`, label: m, group: 'final' }, ...deltaColumn(m)]), ...(headline && !metrics.includes(headline) ? deltaColumn(headline) : []), ...(headline ? [{ key: `best:${headline}`, label: `${headline} best`, group: 'best' } satisfies TableColumn] : [])];
  const showEngine = runs.some(isTorchRun);
  const columns: TableColumn[] = [
    { key: 'run', label: 'run', group: 'run' },
    { key: 'status', label: 'status', group: 'run' },
    ...(showEngine ? [{ key: 'engine', label: 'engine', group: 'run' } satisfies TableColumn] : []),
    { key: 'epoch', label: 'epoch', group: 'run' },
    // The last epoch's mean loss: the loss the tree, the CLI and the log report (a step's loss is a partial batch's).
    { key: 'loss', label: 'final loss', group: 'final' },
    ...params.map((p): TableColumn => ({ key: `param:${p}`, label: p, group: 'param' })),
    ...metricColumns,
  ];
  const shownMetrics = new Set([...metrics, ...(headline ? [headline] : [])]);
  const rows = runs.map((run, colourIndex): TableRow => {
    const cells: Record<string, Cell> = {
      run: runLabelOf(run),
      status: runStatus(run),
      ...(showEngine ? { engine: run.started ? engineLabel(run.started) : null } : {}),
      epoch: run.ended?.epoch ?? run.steps.epoch.at(-1) ?? null,
      loss: lastFinite(run.epochLoss.loss.values()),
    };
    const p = run.started?.params ?? {};
    for (const key of params) cells[`param:${key}`] = key in p ? p[key] : null;
    for (const m of shownMetrics) {
      const values = run.evals.metrics.get(m)?.values() ?? [];
      cells[`final:${m}`] = lastFinite(values);
      cells[`best:${m}`] = maxFinite(values);
    }
    const comparison = comparisons?.runs.find((c) => c.runId === run.ref.runId);
    for (const m of deltaMetrics) cells[`delta:${m}`] = comparison?.status === 'compared' ? (comparison.metrics[m]?.difference ?? null) : comparison?.status === 'reference' ? 0 : null;
    return { runId: run.ref.runId, colourIndex, cells, ...(comparison ? { comparison } : {}) };
  });
  const baselineCells: Record<string, Cell> = { run: 'popularity baseline' };
  let hasBaseline = false;
  for (const m of shownMetrics) {
    const value = lastBaseline(runs, m);
    if (value === null) continue;
    hasBaseline = true;
    baselineCells[`final:${m}`] = value;
    baselineCells[`best:${m}`] = value;
  }
  return { columns, rows, baseline: hasBaseline ? baselineCells : null, comparisons };
}

/** The comparisons when they are about the shown runs (two or more, the reference among them); stale ones are ignored. */
function usableComparisons(runs: RunRecord[], comparisons: ComparisonsMessage | null): ComparisonsMessage | null {
  if (comparisons === null || runs.length < 2 || !runs.some((r) => r.ref.runId === comparisons.referenceRunId)) return null;
  return comparisons;
}

const signed = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`;

/** A difference as `compare` prints it: `+0.0123` and its interval `[−0.0040, +0.0280]`; `*` when the interval excludes zero. */
export function formatDifference(d: { difference: number; low: number; high: number; excludesZero: boolean }): { difference: string; interval: string; mark: string } {
  return { difference: signed(d.difference), interval: `[${signed(d.low)}, ${signed(d.high)}]`, mark: d.excludesZero ? '*' : '' };
}

/** Numbers compare as numbers, everything else as text; empty cells go last in either direction. */
export function sortRows(rows: TableRow[], column: string, descending: boolean): TableRow[] {
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = a.cells[column] ?? null;
    const y = b.cells[column] ?? null;
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    if (typeof x === 'number' && typeof y === 'number') return sign * (x - y);
    return sign * String(x).localeCompare(String(y), undefined, { numeric: true });
  });
}

export function formatCell(value: Cell): string {
  if (value === null) return '–';
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return String(value);
    const abs = Math.abs(value);
    return abs !== 0 && (abs < 1e-3 || abs >= 1e5) ? value.toExponential(3) : value.toPrecision(4);
  }
  return String(value);
}
