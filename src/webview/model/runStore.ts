/**
 * The runs the panel shows, each as the columns the host sent (src/shared/runColumns.ts): typed arrays
 * per series that charts read directly. Pure: no DOM, no uPlot. No per-event objects: the host folds
 * events and sends chunks of new points, which `applyChunk` appends (or puts after a resume point).
 */
import { applyChunk, emptyRunColumns, type RunChunk, type RunColumns } from '../../shared/runColumns';
import type { RunRef } from '../../shared/webviewProtocol';
import { compareMetricKeys } from './metricFamilies';

export type { EvalColumns, SamplingSnapshot, StepColumns } from '../../shared/runColumns';

export interface RunRecord extends RunColumns {
  ref: RunRef;
}

export class RunStore {
  private readonly runs = new Map<string, RunRecord>();
  /** Bumped on every change so views can tell cheaply whether to redraw. */
  revision = 0;

  /** Runs in the order they were first shown (stable colours). */
  list(): RunRecord[] {
    return [...this.runs.values()];
  }

  get(runId: string): RunRecord | undefined {
    return this.runs.get(runId);
  }

  /** Adds a run (or resets it when already shown: the host re-sent the whole run). */
  setRun(ref: RunRef, data: RunChunk): RunRecord {
    const record: RunRecord = { ref, ...emptyRunColumns() };
    applyChunk(record, data);
    this.runs.set(ref.runId, record);
    this.revision++;
    return record;
  }

  remove(runId: string): boolean {
    const removed = this.runs.delete(runId);
    if (removed) this.revision++;
    return removed;
  }

  /** Keeps only the listed run ids, in their order of first appearance. */
  retain(runIds: Set<string>): void {
    for (const id of [...this.runs.keys()]) if (!runIds.has(id)) this.runs.delete(id);
    this.revision++;
  }

  /**
   * Applies new points of a shown run. Data for a run that is not shown is refused with an error that
   * names the run, because silently dropping it would hide a wiring bug in the host.
   */
  append(runId: string, data: RunChunk): RunRecord {
    const record = this.runs.get(runId);
    if (!record) throw new Error(`Data arrived for run "${runId}", which the plots panel does not show; send it with showRuns first.`);
    applyChunk(record, data);
    this.revision++;
    return record;
  }
}

export function runLabelOf(run: RunRecord): string {
  return run.ref.label ?? run.ref.runId;
}

/** Every metric key seen in any run's evals, in a stable order: headline-like keys first, then by name and K. */
export function metricKeys(runs: RunRecord[]): string[] {
  const keys = new Set<string>();
  for (const run of runs) for (const key of run.evals.metrics.keys()) keys.add(key);
  return [...keys].sort(compareMetricKeys);
}
