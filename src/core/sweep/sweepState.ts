/**
 * A sweep's own folder, `<runs-dir>/sweeps/<sweep-id>/`: `sweep.json` (the plan: every run with its
 * point, seed and overrides, the skipped combinations with why, and each run's last known status),
 * written whole to a temporary name and renamed, and `logs/<run-id>.log` (each run's stderr). The run
 * folders stay the source of truth of each run; `sweep.json` says which runs make the sweep, so a
 * killed sweep resumes: finished runs are kept, dead ones resumed, unstarted ones launched.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

import { parseEventLines, type EndedEvent, type EvalEvent, type TrainerEvent } from '../../shared/events';
import { CHECKPOINT_DIR, EVENTS_FILE, SWEEPS_DIR } from '../runs/runFiles';
import { checkRunId } from '../runs/runId';
import { readRunFolder } from '../runs/runsDir';
import { writeFileAtomic } from '../train/atomicWrite';
import type { SweepValue } from './expand';

export const SWEEP_FORMAT = 'two-tower-lab/sweep@1';
export const SWEEP_FILE = 'sweep.json';
export const SWEEP_LOGS_DIR = 'logs';

export type SweepRunStatus = 'unstarted' | 'running' | 'completed' | 'failed' | 'dead';

export interface SweepRunEntry {
  /** The run folder of the current attempt (the last of `attempts`). */
  runId: string;
  attempts: string[];
  point: number;
  seed: number;
  values: Record<string, SweepValue>;
  overrides: string[];
  /** Last known, for readers that do not open the run folders (the editor's tree); the run folder decides. */
  status: SweepRunStatus;
}

export interface SkippedCombination {
  point: number;
  /** The seeds the point would have been repeated with. */
  seeds: number[];
  values: Record<string, SweepValue>;
  /** What the experiment's check said, `file:line:col: error code: message` lines. */
  reasons: string[];
}

export interface SweepState {
  format: typeof SWEEP_FORMAT;
  sweepId: string;
  /** Absolute path of the experiment file the runs are trained from, and the sha256 of its text then. */
  experiment: string;
  experimentSha256: string;
  createdAt: string;
  updatedAt: string;
  metric: string;
  goal: 'max' | 'min';
  parallel: number;
  /** Points of the sweep (grid × random trials), before seeds and skips. */
  points: number;
  runs: SweepRunEntry[];
  skipped: SkippedCombination[];
  /**
   * The `two-tower-lab sweep` process driving the runs while one does (removed when it ends): Stop Sweep
   * signals it, and it stops its runs (each checkpoints first) and launches no more.
   */
  driver?: { pid: number; host: string; startedAt: string };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function sweepDir(runsDir: string, sweepId: string): string {
  checkRunId(sweepId, 'sweep id');
  return path.join(path.resolve(runsDir), SWEEPS_DIR, sweepId);
}

export function writeSweepState(runsDir: string, state: SweepState): void {
  const dir = sweepDir(runsDir, state.sweepId);
  mkdirSync(path.join(dir, SWEEP_LOGS_DIR), { recursive: true });
  writeFileAtomic(path.join(dir, SWEEP_FILE), `${JSON.stringify({ ...state, updatedAt: new Date().toISOString() }, null, 1)}\n`);
}

export class SweepNotFound extends Error {}

export function readSweepState(runsDir: string, sweepId: string): SweepState {
  const file = path.join(sweepDir(runsDir, sweepId), SWEEP_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new SweepNotFound(`no sweep '${sweepId}' in ${path.resolve(runsDir)} (looked for ${file}). Give --runs-dir if it lives elsewhere.`);
    throw error;
  }
  let state: SweepState;
  try {
    state = JSON.parse(text) as SweepState;
  } catch (error) {
    throw new SweepNotFound(`${file} is not valid JSON (${(error as Error).message}); it is written whole, so it was edited. Start the sweep again.`);
  }
  if (state.format !== SWEEP_FORMAT || !Array.isArray(state.runs)) throw new SweepNotFound(`${file} is not a sweep state (${SWEEP_FORMAT}).`);
  return state;
}

/** The events of a run since its last `started` (a resumed run's earlier ones are history). */
function currentEvents(events: readonly TrainerEvent[]): readonly TrainerEvent[] {
  return events.slice(Math.max(0, events.map((e) => e.type).lastIndexOf('started')));
}

export interface SweepRunFacts {
  status: SweepRunStatus;
  /** Whether a dead run left a checkpoint to resume from. */
  resumable: boolean;
  pid?: number;
  ended?: EndedEvent;
  events: readonly TrainerEvent[];
  durationSec?: number;
}

/**
 * What the run folder says about a run of the sweep: not made yet, running (its trainer lives), completed,
 * failed on its own (an `ended` failed: launching it again would fail again), or dead (killed, or stopped:
 * no `ended` of its last start, or `ended` stopped), then resumable when it has a checkpoint.
 */
export async function sweepRunFacts(runsDir: string, runId: string): Promise<SweepRunFacts> {
  const dir = path.join(path.resolve(runsDir), runId);
  if (!existsSync(dir)) return { status: 'unstarted', resumable: false, events: [] };
  const folder = await readRunFolder(dir);
  let text = '';
  try {
    text = readFileSync(path.join(dir, EVENTS_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const events = parseEventLines(text).events;
  const ended = currentEvents(events).find((e): e is EndedEvent => e.type === 'ended');
  const resumable = existsSync(path.join(dir, CHECKPOINT_DIR)) || existsSync(path.join(dir, `${CHECKPOINT_DIR}.prev`));
  const s = folder.summary;
  const base = { resumable, pid: s.pid, ended, events, durationSec: s.durationSec };
  if (s.status === 'running' || (s.status === 'queued' && s.startingSince !== undefined)) return { ...base, status: 'running' };
  if (s.status === 'completed') return { ...base, status: 'completed' };
  if (ended?.status === 'failed') return { ...base, status: 'failed' };
  return { ...base, status: 'dead' };
}

/** A run's value of `metric` at the model it keeps (the best epoch when kept, else its last evaluation). */
export function runMetricValue(events: readonly TrainerEvent[], metric: string): number | undefined {
  const evals = events.filter((e): e is EvalEvent => e.type === 'eval');
  const ended = events.filter((e): e is EndedEvent => e.type === 'ended').at(-1);
  const epoch = ended?.best?.checkpoint !== undefined ? ended.best.epoch : evals.at(-1)?.epoch;
  const chosen = evals.filter((e) => e.epoch === epoch).at(-1);
  return chosen?.metrics[metric];
}
