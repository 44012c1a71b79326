/**
 * Runs of a sweep (`two-tower-lab sweep`) grouped under one node of the tree, with the sweep's
 * progress: `7/12 done · best recall@50 0.341`. A run belongs to a sweep when its `started` params
 * carry `sweep.id`; the number of runs and the metric come from the sweep's own `sweep.json`
 * (`<runs-dir>/sweeps/<id>/`, beside the run folders). Pure data, no `vscode`.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { SWEEPS_DIR } from '../../core/runs/runFiles';
import type { RunSummary } from '../../core/runs/runSummary';
import { SWEEP_FILE } from '../../core/sweep/sweepState';
import type { RunEntry } from '../runs/runRegistry';

export interface SweepNode {
  readonly kind: 'sweep';
  readonly sweepId: string;
  /** The experiment node it is shown under; undefined under "Other runs". */
  readonly experiment?: string;
}

/** The sweep a run belongs to, from its params. */
export function sweepIdOf(summary: RunSummary): string | undefined {
  const id = summary.params['sweep.id'];
  return typeof id === 'string' ? id : undefined;
}

/** What the sweep's own file says: how many runs it has, and what it is judged by. */
export interface SweepPlanFacts {
  total: number;
  metric: string;
  goal: 'max' | 'min';
}

/** Reads `sweep.json` of the sweep whose run folder is `runDir` (it lives beside the run folders); undefined when unreadable. */
export function readSweepPlan(runDir: string, sweepId: string): SweepPlanFacts | undefined {
  try {
    const state = JSON.parse(readFileSync(path.join(path.dirname(runDir), SWEEPS_DIR, sweepId, SWEEP_FILE), 'utf8')) as { runs?: unknown[]; metric?: unknown; goal?: unknown };
    if (!Array.isArray(state.runs) || typeof state.metric !== 'string') return undefined;
    return { total: state.runs.length, metric: state.metric, goal: state.goal === 'min' ? 'min' : 'max' };
  } catch {
    // Not there yet (the sweep is writing it), or not ours: the node shows what the runs say.
    return undefined;
  }
}

/** A run's value of the metric at its kept model: its best epoch's (when the metric is its headline), else its last evaluation's. */
function metricOf(summary: RunSummary, metric: string): number | undefined {
  if (summary.bestModel?.metric === metric) return summary.bestModel.value;
  return summary.lastMetrics?.[metric];
}

/** `7/12 done · best recall@50 0.3410`: finished runs (completed or failed) of all, and the best finished value. */
export function sweepProgress(runs: readonly RunEntry[], plan: SweepPlanFacts | undefined): { description: string; done: number; total: number; running: number } {
  const finished = runs.filter((r) => r.summary.status === 'completed' || r.summary.status === 'failed');
  const total = Math.max(plan?.total ?? 0, runs.length);
  const metric = plan?.metric ?? runs.map((r) => r.summary.headline?.metric).find((m) => m !== undefined);
  const values = metric === undefined ? [] : finished.map((r) => metricOf(r.summary, metric)).filter((v): v is number => v !== undefined && Number.isFinite(v));
  const best = values.length === 0 ? undefined : plan?.goal === 'min' ? Math.min(...values) : Math.max(...values);
  const running = runs.filter((r) => r.summary.status === 'running').length;
  const parts = [`${finished.length}/${total} done`, ...(running > 0 ? [`${running} running`] : []), ...(best !== undefined && metric !== undefined ? [`best ${metric} ${best.toFixed(4)}`] : [])];
  return { description: parts.join(' · '), done: finished.length, total, running };
}
