/**
 * Checkpoints: everything `--resume` needs to continue a run exactly: model weights with the
 * optimiser state (from the model's getWeights), every Rng's state, the samplers' states, and the
 * loop's own state (epoch, step, early stopping). Written to `<run>/checkpoint.tmp-<pid>/` and then
 * swapped in, so `<run>/checkpoint/` is always a complete checkpoint even after kill -9.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import type { RngState } from '../util/rng';
import { existingFolder, replaceFolder, writeFileAtomic } from './atomicWrite';
import { readWeights, writeWeights, type WeightMap } from './weightsFile';

export const CHECKPOINT_FORMAT = 'two-tower-lab/checkpoint@1';
export const STATE_FILE = 'state.json';

export interface EarlyStoppingState {
  best: number | null;
  bestEpoch: number;
  evalsWithoutImprovement: number;
}

export interface CheckpointState {
  format: typeof CHECKPOINT_FORMAT;
  /** Epochs completed. */
  epoch: number;
  /** Global steps completed. */
  step: number;
  /** Training seconds so far, so elapsed time continues across resumes. */
  elapsedSec: number;
  rng: Record<string, RngState>;
  samplers: Record<string, unknown>;
  earlyStopping: EarlyStoppingState;
  /** True when early stopping ended the run (a resume then has nothing left to do). */
  stoppedEarly: boolean;
  /** The engine that wrote the checkpoint (absent: tfjs); a run resumes on the same engine. */
  engine?: 'tfjs' | 'torch';
  /** Set when the run stopped inside an epoch: where to continue. */
  epochPosition?: EpochPosition;
}

/** Where a run stopped inside an epoch; `start` holds the order streams as the epoch began. */
export interface EpochPosition {
  stepInEpoch: number;
  start: { shuffle: RngState; rebalance: RngState };
  /** Sums of the epoch so far, so the epoch's mean loss is the same as without the stop. */
  lossSum: number;
  steps: number;
  examples: number;
}

export function saveCheckpoint(target: string, weights: WeightMap, state: CheckpointState): void {
  const staged = `${target}.tmp-${process.pid}`;
  rmSync(staged, { recursive: true, force: true });
  mkdirSync(staged, { recursive: true });
  writeWeights(staged, weights, { format: CHECKPOINT_FORMAT, epoch: state.epoch, step: state.step });
  writeFileAtomic(path.join(staged, STATE_FILE), JSON.stringify(state));
  replaceFolder(staged, target);
}

/** The last complete checkpoint of a run, or undefined when it has none yet. */
export function loadCheckpoint(target: string): { weights: WeightMap; state: CheckpointState; dir: string } | undefined {
  const dir = existingFolder(target);
  if (dir === undefined) return undefined;
  const stateFile = path.join(dir, STATE_FILE);
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as CheckpointState;
  if (state.format !== CHECKPOINT_FORMAT) throw new Error(`${stateFile}: format '${String(state.format)}' is not ${CHECKPOINT_FORMAT}; this checkpoint was written by another version. Start a fresh run.`);
  return { weights: readWeights(dir).weights, state, dir };
}
