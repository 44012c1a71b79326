/**
 * One run's trainer events as columns (step, loss, one column per metric …), and the chunks in which the
 * plots panel host sends them to the webview: typed arrays of only the points that changed since the
 * last chunk, so neither side holds per-event objects and a message costs a memory copy, not a clone
 * of 100k objects. The host folds events (`RunColumnsFeed`); the webview applies chunks (`applyChunk`)
 * and gets the same columns. Pure: no DOM, no Node, no vscode.
 *
 * A resumed run re-emits steps after its checkpoint; those replace what followed the checkpoint, so
 * every column stays sorted by step (uPlot needs ascending x). A chunk says where its points start:
 * what the receiver holds from there on is replaced.
 */
import { Column, lowerBound } from './column';
import type { EndedEvent, SamplingDistribution, StartedEvent, TrainerEvent } from './events';

export interface SamplingSnapshot {
  /** 0 for the distribution announced in `started`, else the epoch of the `sampling` event. */
  epoch: number;
  distribution: SamplingDistribution;
}

export interface StepColumns {
  step: Column;
  epoch: Column;
  loss: Column;
  examplesPerSec: Column;
  elapsedSec: Column;
}

export interface EvalColumns {
  step: Column;
  epoch: Column;
  elapsedSec: Column;
  /** Metric key → one value per eval (NaN where an eval lacked the key). */
  metrics: Map<string, Column>;
  baseline: Map<string, Column>;
}

export interface RunColumns {
  started?: StartedEvent;
  ended?: EndedEvent;
  steps: StepColumns;
  evals: EvalColumns;
  /** Mean training loss of each epoch (the `epoch` events): "final loss" is the last one, as in the tree and the CLI. */
  epochLoss: { epoch: Column; loss: Column };
  sampling: SamplingSnapshot[];
  /** Events seen, including ignored ones (checkpoints). */
  eventCount: number;
  /** Bumped when earlier steps were replaced (a resume), so caches of derived series start over. */
  stepsGeneration: number;
}

export function emptyRunColumns(): RunColumns {
  return {
    steps: { step: new Column(), epoch: new Column(), loss: new Column(), examplesPerSec: new Column(), elapsedSec: new Column() },
    evals: { step: new Column(), epoch: new Column(), elapsedSec: new Column(), metrics: new Map(), baseline: new Map() },
    epochLoss: { epoch: new Column(), loss: new Column() },
    sampling: [],
    eventCount: 0,
    stepsGeneration: 0,
  };
}

// ── The wire format (see docs/protocol.md) ──────────────────────────────────────────────────────────

/** Points of one table from index `from` on; every array has the same length. */
export interface StepChunk {
  from: number;
  step: Float64Array;
  epoch: Float64Array;
  loss: Float64Array;
  examplesPerSec: Float64Array;
  elapsedSec: Float64Array;
}

export interface EvalChunk {
  from: number;
  step: Float64Array;
  epoch: Float64Array;
  elapsedSec: Float64Array;
  /** Every metric the run has (a key new to the receiver is NaN before `from`). */
  metrics: Record<string, Float64Array>;
  baseline: Record<string, Float64Array>;
}

export interface EpochChunk {
  from: number;
  epoch: Float64Array;
  loss: Float64Array;
}

/** What changed in a run since the previous chunk; a table or field left out did not change. */
export interface RunChunk {
  steps?: StepChunk;
  evals?: EvalChunk;
  epochs?: EpochChunk;
  started?: StartedEvent;
  /** `null`: the run was resumed (a new `started`) and is no longer ended. */
  ended?: EndedEvent | null;
  /** The whole list, when it changed (a few small snapshots per run). */
  sampling?: SamplingSnapshot[];
  /** Events folded into this chunk, including ignored ones. */
  events: number;
}

/** The buffers of a chunk, for `postMessage(message, transfer)`: each array owns its buffer (see Column.copyFrom). */
export function chunkBuffers(chunk: RunChunk): ArrayBuffer[] {
  const arrays: Float64Array[] = [];
  if (chunk.steps) arrays.push(chunk.steps.step, chunk.steps.epoch, chunk.steps.loss, chunk.steps.examplesPerSec, chunk.steps.elapsedSec);
  if (chunk.evals) arrays.push(chunk.evals.step, chunk.evals.epoch, chunk.evals.elapsedSec, ...Object.values(chunk.evals.metrics), ...Object.values(chunk.evals.baseline));
  if (chunk.epochs) arrays.push(chunk.epochs.epoch, chunk.epochs.loss);
  return arrays.map((a) => a.buffer as ArrayBuffer);
}

// ── The host side: events in, chunks out ───────────────────────────────────────────────────────────

/**
 * The columns of one run as the host builds them from its events, remembering from which index each
 * table changed since the last chunk taken, so the next chunk carries only those points.
 */
export class RunColumnsFeed {
  readonly columns = emptyRunColumns();
  private stepsFrom = 0;
  private evalsFrom = 0;
  private epochsFrom = 0;
  private startedChanged = false;
  private endedChanged = false;
  private samplingChanged = false;
  private eventsSince = 0;

  add(events: readonly TrainerEvent[]): void {
    const c = this.columns;
    for (const e of events) {
      c.eventCount++;
      this.eventsSince++;
      switch (e.type) {
        case 'started':
          c.started = e;
          c.ended = undefined;
          this.startedChanged = this.endedChanged = true;
          if (e.sampling?.distribution) {
            c.sampling = [{ epoch: 0, distribution: e.sampling.distribution }, ...c.sampling.filter((s) => s.epoch !== 0)];
            this.samplingChanged = true;
          }
          break;
        case 'step': {
          const s = c.steps;
          const keep = lowerBound(s.step, e.step);
          if (keep < s.step.length) {
            for (const column of Object.values(s)) column.truncate(keep);
            c.stepsGeneration++;
            this.stepsFrom = Math.min(this.stepsFrom, keep);
          }
          s.step.push(e.step);
          s.epoch.push(e.epoch);
          s.loss.push(e.loss);
          s.examplesPerSec.push(e.examplesPerSec);
          s.elapsedSec.push(e.elapsedSec);
          break;
        }
        case 'eval':
          this.evalsFrom = Math.min(this.evalsFrom, foldEval(c.evals, e));
          break;
        case 'sampling':
          c.sampling = [...c.sampling.filter((s) => s.epoch !== e.epoch), { epoch: e.epoch, distribution: e.distribution }].sort((a, b) => a.epoch - b.epoch);
          this.samplingChanged = true;
          break;
        case 'ended':
          c.ended = e;
          this.endedChanged = true;
          break;
        case 'epoch': {
          // A re-run epoch (after a resume) replaces the old one and everything after it.
          const keep = lowerBound(c.epochLoss.epoch, e.epoch);
          c.epochLoss.epoch.truncate(keep);
          c.epochLoss.loss.truncate(keep);
          this.epochsFrom = Math.min(this.epochsFrom, keep);
          c.epochLoss.epoch.push(e.epoch);
          c.epochLoss.loss.push(e.loss);
          break;
        }
        case 'checkpoint':
          // Checkpoints are not plotted.
          break;
      }
    }
  }

  /** Everything that changed since the previous chunk (or since the start), and starts counting afresh. */
  takeChunk(): RunChunk {
    const c = this.columns;
    const chunk: RunChunk = { events: this.eventsSince };
    if (this.stepsFrom < c.steps.step.length) {
      const from = this.stepsFrom;
      const s = c.steps;
      chunk.steps = { from, step: s.step.copyFrom(from), epoch: s.epoch.copyFrom(from), loss: s.loss.copyFrom(from), examplesPerSec: s.examplesPerSec.copyFrom(from), elapsedSec: s.elapsedSec.copyFrom(from) };
    }
    if (this.evalsFrom < c.evals.epoch.length) {
      const from = this.evalsFrom;
      const e = c.evals;
      const record = (columns: Map<string, Column>) => Object.fromEntries([...columns].map(([key, column]) => [key, column.copyFrom(from)]));
      chunk.evals = { from, step: e.step.copyFrom(from), epoch: e.epoch.copyFrom(from), elapsedSec: e.elapsedSec.copyFrom(from), metrics: record(e.metrics), baseline: record(e.baseline) };
    }
    if (this.epochsFrom < c.epochLoss.epoch.length) {
      const from = this.epochsFrom;
      chunk.epochs = { from, epoch: c.epochLoss.epoch.copyFrom(from), loss: c.epochLoss.loss.copyFrom(from) };
    }
    if (this.startedChanged && c.started) chunk.started = c.started;
    if (this.endedChanged) chunk.ended = c.ended ?? null;
    if (this.samplingChanged) chunk.sampling = c.sampling;
    this.stepsFrom = c.steps.step.length;
    this.evalsFrom = c.evals.epoch.length;
    this.epochsFrom = c.epochLoss.epoch.length;
    this.startedChanged = this.endedChanged = this.samplingChanged = false;
    this.eventsSince = 0;
    return chunk;
  }

  /** The whole run as one chunk (for a webview that (re)loaded); later chunks continue from it. */
  fullChunk(): RunChunk {
    this.stepsFrom = this.evalsFrom = this.epochsFrom = 0;
    this.startedChanged = this.endedChanged = this.samplingChanged = true;
    this.eventsSince = this.columns.eventCount;
    return this.takeChunk();
  }
}

/** Folds one eval into the columns; returns the first index it changed. */
function foldEval(evals: EvalColumns, e: Extract<TrainerEvent, { type: 'eval' }>): number {
  // A re-evaluated epoch (after a resume) replaces the old one and everything after it.
  const keep = lowerBound(evals.epoch, e.epoch);
  truncateEvals(evals, keep);
  const n = evals.epoch.length;
  evals.step.push(e.step);
  evals.epoch.push(e.epoch);
  evals.elapsedSec.push(e.elapsedSec);
  const put = (target: Map<string, Column>, source: Record<string, number>): void => {
    for (const key of Object.keys(source)) {
      if (!target.has(key)) {
        const column = new Column();
        column.fillTo(n);
        target.set(key, column);
      }
    }
    for (const [key, values] of target) values.push(typeof source[key] === 'number' ? source[key] : NaN);
  };
  put(evals.metrics, e.metrics);
  put(evals.baseline, e.baseline ?? {});
  return keep;
}

function truncateEvals(evals: EvalColumns, length: number): void {
  evals.step.truncate(length);
  evals.epoch.truncate(length);
  evals.elapsedSec.truncate(length);
  for (const values of evals.metrics.values()) values.truncate(length);
  for (const values of evals.baseline.values()) values.truncate(length);
}

// ── The webview side: chunks in ────────────────────────────────────────────────────────────────────

function checkFrom(table: string, from: number, length: number): void {
  if (!(Number.isInteger(from) && from >= 0 && from <= length)) {
    throw new Error(`A chunk of ${table} starts at point ${from} but the run has ${length}; the host must send the whole run again (showRuns).`);
  }
}

/** Applies a chunk the host took with RunColumnsFeed: each table keeps its points before `from` and takes the chunk's after them. */
export function applyChunk(c: RunColumns, chunk: RunChunk): void {
  if (chunk.steps) {
    const { from } = chunk.steps;
    checkFrom('steps', from, c.steps.step.length);
    if (from < c.steps.step.length) c.stepsGeneration++;
    for (const key of ['step', 'epoch', 'loss', 'examplesPerSec', 'elapsedSec'] as const) {
      c.steps[key].truncate(from);
      c.steps[key].appendAll(chunk.steps[key]);
    }
  }
  if (chunk.evals) {
    const { from } = chunk.evals;
    checkFrom('evals', from, c.evals.epoch.length);
    truncateEvals(c.evals, from);
    for (const key of ['step', 'epoch', 'elapsedSec'] as const) c.evals[key].appendAll(chunk.evals[key]);
    const put = (target: Map<string, Column>, source: Record<string, Float64Array>): void => {
      for (const [key, values] of Object.entries(source)) {
        let column = target.get(key);
        if (!column) target.set(key, (column = new Column()));
        column.fillTo(from);
        column.appendAll(values);
      }
      // A key this chunk lacks (cannot happen with RunColumnsFeed, which sends every key) stays NaN.
      for (const column of target.values()) column.fillTo(c.evals.epoch.length);
    };
    put(c.evals.metrics, chunk.evals.metrics);
    put(c.evals.baseline, chunk.evals.baseline);
  }
  if (chunk.epochs) {
    const { from } = chunk.epochs;
    checkFrom('epochs', from, c.epochLoss.epoch.length);
    c.epochLoss.epoch.truncate(from);
    c.epochLoss.loss.truncate(from);
    c.epochLoss.epoch.appendAll(chunk.epochs.epoch);
    c.epochLoss.loss.appendAll(chunk.epochs.loss);
  }
  if (chunk.started) c.started = chunk.started;
  if (chunk.ended !== undefined) c.ended = chunk.ended ?? undefined;
  if (chunk.sampling) c.sampling = chunk.sampling;
  c.eventCount += chunk.events;
}
