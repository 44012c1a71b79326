/**
 * Accumulates the trainer events of each shown run into column arrays that charts read directly.
 * Pure: no DOM, no uPlot. A resumed run re-emits steps after its checkpoint; those replace what
 * followed the checkpoint, so every column stays sorted by step (uPlot needs ascending x).
 */
import { ANN_METRIC_PREFIX, ANN_RECALL_METRIC, type EndedEvent, type SamplingDistribution, type StartedEvent, type TrainerEvent } from '../../shared/events';
import type { RunRef } from '../../shared/webviewProtocol';

export interface StepColumns {
  step: number[];
  epoch: number[];
  loss: number[];
  examplesPerSec: number[];
  elapsedSec: number[];
}

export interface EvalColumns {
  step: number[];
  epoch: number[];
  elapsedSec: number[];
  /** Metric key → one value per eval (NaN where an eval lacked the key). */
  metrics: Map<string, number[]>;
  baseline: Map<string, number[]>;
}

export interface SamplingSnapshot {
  /** 0 for the distribution announced in `started`, else the epoch of the `sampling` event. */
  epoch: number;
  distribution: SamplingDistribution;
}

export interface RunRecord {
  ref: RunRef;
  started?: StartedEvent;
  ended?: EndedEvent;
  steps: StepColumns;
  evals: EvalColumns;
  /** Mean training loss of each epoch (the `epoch` events): "final loss" is the last one, as in the tree and the CLI. */
  epochLoss: { epoch: number[]; loss: number[] };
  sampling: SamplingSnapshot[];
  /** Events seen, including ignored ones; the debug hook and tests read it. */
  eventCount: number;
  /** Bumped when earlier steps were replaced (a resume), so caches of derived series start over. */
  stepsGeneration: number;
}

function emptyRecord(ref: RunRef): RunRecord {
  return {
    ref,
    steps: { step: [], epoch: [], loss: [], examplesPerSec: [], elapsedSec: [] },
    evals: { step: [], epoch: [], elapsedSec: [], metrics: new Map(), baseline: new Map() },
    epochLoss: { epoch: [], loss: [] },
    sampling: [],
    eventCount: 0,
    stepsGeneration: 0,
  };
}

/** Index of the first element >= value in an ascending array (its length when none is). */
function lowerBound(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function truncateColumns(columns: Record<string, number[]>, length: number): void {
  for (const column of Object.values(columns)) column.length = length;
}

function appendEval(evals: EvalColumns, e: Extract<TrainerEvent, { type: 'eval' }>): void {
  // A re-evaluated epoch (after a resume) replaces the old one and everything after it.
  const keep = lowerBound(evals.epoch, e.epoch);
  if (keep < evals.epoch.length) {
    truncateColumns({ step: evals.step, epoch: evals.epoch, elapsedSec: evals.elapsedSec }, keep);
    for (const values of evals.metrics.values()) values.length = keep;
    for (const values of evals.baseline.values()) values.length = keep;
  }
  const n = evals.epoch.length;
  evals.step.push(e.step);
  evals.epoch.push(e.epoch);
  evals.elapsedSec.push(e.elapsedSec);
  const put = (target: Map<string, number[]>, source: Record<string, number>): void => {
    for (const key of Object.keys(source)) {
      if (!target.has(key)) target.set(key, new Array<number>(n).fill(NaN));
    }
    for (const [key, values] of target) values.push(typeof source[key] === 'number' ? source[key] : NaN);
  };
  put(evals.metrics, e.metrics);
  put(evals.baseline, e.baseline ?? {});
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

  /** Adds a run (or resets it when already shown: the host re-sent all its events). */
  setRun(ref: RunRef, events: TrainerEvent[]): RunRecord {
    const record = emptyRecord(ref);
    this.runs.set(ref.runId, record);
    this.apply(record, events);
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
   * Appends events to a shown run. Events for a run that is not shown are refused with an error that
   * names the run, because silently dropping them would hide a wiring bug in the host.
   */
  append(runId: string, events: TrainerEvent[]): RunRecord {
    const record = this.runs.get(runId);
    if (!record) throw new Error(`Events arrived for run "${runId}", which the plots panel does not show; send it with showRuns first.`);
    this.apply(record, events);
    return record;
  }

  private apply(record: RunRecord, events: TrainerEvent[]): void {
    for (const e of events) {
      record.eventCount++;
      switch (e.type) {
        case 'started':
          record.started = e;
          record.ended = undefined;
          if (e.sampling?.distribution) {
            record.sampling = record.sampling.filter((s) => s.epoch !== 0);
            record.sampling.unshift({ epoch: 0, distribution: e.sampling.distribution });
          }
          break;
        case 'step': {
          const s = record.steps;
          const keep = lowerBound(s.step, e.step);
          if (keep < s.step.length) {
            truncateColumns({ ...s }, keep);
            record.stepsGeneration++;
          }
          s.step.push(e.step);
          s.epoch.push(e.epoch);
          s.loss.push(e.loss);
          s.examplesPerSec.push(e.examplesPerSec);
          s.elapsedSec.push(e.elapsedSec);
          break;
        }
        case 'eval':
          appendEval(record.evals, e);
          break;
        case 'sampling':
          record.sampling = record.sampling.filter((s) => s.epoch !== e.epoch);
          record.sampling.push({ epoch: e.epoch, distribution: e.distribution });
          record.sampling.sort((a, b) => a.epoch - b.epoch);
          break;
        case 'ended':
          record.ended = e;
          break;
        case 'epoch': {
          // A re-run epoch (after a resume) replaces the old one and everything after it.
          const keep = lowerBound(record.epochLoss.epoch, e.epoch);
          record.epochLoss.epoch.length = keep;
          record.epochLoss.loss.length = keep;
          record.epochLoss.epoch.push(e.epoch);
          record.epochLoss.loss.push(e.loss);
          break;
        }
        case 'checkpoint':
          // Checkpoints are not plotted.
          break;
      }
    }
    this.revision++;
  }
}

export function runLabelOf(run: RunRecord): string {
  return run.ref.label ?? run.ref.runId;
}

/** Every metric key seen in any run's evals, in a stable order: headline-like keys first, then by name. */
export function metricKeys(runs: RunRecord[]): string[] {
  const keys = new Set<string>();
  for (const run of runs) for (const key of run.evals.metrics.keys()) keys.add(key);
  return [...keys].sort(compareMetricKeys);
}

const METRIC_ORDER = ['recall', 'ndcg', 'hit_rate', 'mrr', 'coverage', 'recall_head', 'recall_tail', 'recall_cold', ANN_RECALL_METRIC];

/** Exact metrics first, then `ann_recall@K`, then the metrics through the ANN index (`ann/…`) in the same order. */
function compareMetricKeys(a: string, b: string): number {
  const [nameA, kA] = a.split('@');
  const [nameB, kB] = b.split('@');
  const rank = (name: string): number => {
    const viaIndex = name.startsWith(ANN_METRIC_PREFIX);
    const i = METRIC_ORDER.indexOf(viaIndex ? name.slice(ANN_METRIC_PREFIX.length) : name);
    return (viaIndex ? METRIC_ORDER.length + 1 : 0) + (i === -1 ? METRIC_ORDER.length : i);
  };
  return rank(nameA) - rank(nameB) || nameA.localeCompare(nameB) || Number(kA ?? 0) - Number(kB ?? 0);
}
