/**
 * Checkpoints: everything `--resume` needs to continue a run exactly: model weights with the
 * optimiser state (from the model's getWeights), every Rng's state, the samplers' states, and the
 * loop's own state (epoch, step, early stopping). Written to `<run>/checkpoint.tmp-<pid>/` and then
 * swapped in, so `<run>/checkpoint/` is always a complete checkpoint even after kill -9 (the staged
 * folder of a killed writer is removed by the next trainer of the run: removeDeadWriterTemps).
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { RngState } from '../util/rng';
import { tempName } from '../runs/runFiles';
import { existingFolder, replaceFolder, writeFileAtomic } from './atomicWrite';
import { CheckpointError, readJsonFile } from './checkpointError';
import { readWeights, writeWeights, type WeightMap } from './weightsFile';
import { writeError, WriteError } from './writeError';

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

/** The checkpoint of the best epoch by the headline metric, inside the run's checkpoint folder. */
export const BEST_DIR = 'best';

/**
 * What becomes of `<checkpoint>/best/` when a checkpoint is saved: `this` (this epoch is the new best)
 * makes it this checkpoint; `keep` carries the previous best over (a checkpoint replaces the whole
 * folder, so the best must move into the new one).
 */
export type BestCheckpoint = 'this' | 'keep';

/**
 * Writes a checkpoint beside `target` and swaps it in; a failed write (a full disk) leaves `target` as it
 * was and no staged folder. The best epoch's checkpoint lives in `<target>/best/` as hard links (no copy:
 * the files of a checkpoint are never written in place), swapped in with the rest in one rename.
 */
export function saveCheckpoint(target: string, weights: WeightMap, state: CheckpointState, best: BestCheckpoint = 'keep'): void {
  const staged = tempName(target);
  try {
    rmSync(staged, { recursive: true, force: true });
    mkdirSync(staged, { recursive: true });
    writeWeights(staged, weights, { format: CHECKPOINT_FORMAT, epoch: state.epoch, step: state.step });
    writeFileAtomic(path.join(staged, STATE_FILE), JSON.stringify(state));
    const current = existingFolder(target);
    const bestSource = best === 'this' ? staged : current !== undefined && existsSync(path.join(current, BEST_DIR)) ? path.join(current, BEST_DIR) : undefined;
    if (bestSource !== undefined) linkFolderFiles(bestSource, path.join(staged, BEST_DIR));
    replaceFolder(staged, target);
  } catch (error) {
    const why = error instanceof WriteError ? error : writeError(staged, error);
    rmSync(staged, { recursive: true, force: true });
    const kept = existingFolder(target) !== undefined ? `${target} still holds the previous one` : 'the run has no checkpoint yet';
    // The run folder's name is its run id.
    const resume = `Once there is room, continue the run with: two-tower-lab train --resume ${path.basename(path.dirname(target))}.`;
    throw new WriteError(`The checkpoint after epoch ${state.epoch} (step ${state.step}) was not saved; ${kept}. ${why.message} ${resume}`, target, why.code);
  }
}

/** Hard-links (or, where the file system has no hard links, copies) the files of `from` into a new folder `to`. */
function linkFolderFiles(from: string, to: string): void {
  mkdirSync(to);
  for (const name of readdirSync(from)) {
    const source = path.join(from, name);
    if (!statSync(source).isFile()) continue;
    try {
      linkSync(source, path.join(to, name));
    } catch {
      copyFileSync(source, path.join(to, name));
    }
  }
}

/**
 * The last complete checkpoint of a run, or undefined when it has none yet. A damaged one (broken JSON, a
 * state without its RNG streams, a weights.bin of the wrong size) is refused with a CheckpointError that
 * names the file and what is wrong, before anything of it is used.
 */
export function loadCheckpoint(target: string): { weights: WeightMap; state: CheckpointState; dir: string } | undefined {
  const dir = existingFolder(target);
  if (dir === undefined) return undefined;
  const stateFile = path.join(dir, STATE_FILE);
  const state = checkState(readJsonFile(stateFile), stateFile);
  return { weights: readWeights(dir).weights, state, dir };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isRngState = (v: unknown): v is RngState => Array.isArray(v) && v.length === 4 && v.every((w) => typeof w === 'number' && Number.isInteger(w) && w >= 0 && w <= 0xffffffff);

/**
 * The state of a checkpoint, checked field by field against what saveCheckpoint writes. The torch engine
 * keeps its RNG streams and samplers in torch_state.pt (python/two_tower_lab/checkpoint.py checks those),
 * so for its checkpoints only the fields the TypeScript side reads are checked.
 */
export function checkState(raw: unknown, stateFile: string): CheckpointState {
  const fail = (problem: string): never => {
    throw new CheckpointError(stateFile, problem);
  };
  if (!isObject(raw)) return fail(`holds ${Array.isArray(raw) ? 'a list' : raw === null ? 'null' : `a ${typeof raw}`}, not the checkpoint state (an object)`);
  if (raw.format !== CHECKPOINT_FORMAT) {
    throw new Error(`${stateFile}: format '${String(raw.format)}' is not ${CHECKPOINT_FORMAT}; this checkpoint was written by another version. Start a fresh run.`);
  }
  for (const key of ['epoch', 'step'] as const) if (!isCount(raw[key])) fail(`\`${key}\` is ${describe(raw[key])}, expected a whole number ≥ 0`);
  if (raw.engine === 'torch') return raw as unknown as CheckpointState;
  if (raw.engine !== undefined && raw.engine !== 'tfjs') fail(`\`engine\` is ${describe(raw.engine)}, expected tfjs or torch`);
  if (typeof raw.elapsedSec !== 'number' || !Number.isFinite(raw.elapsedSec)) fail(`\`elapsedSec\` is ${describe(raw.elapsedSec)}, expected a number of seconds`);
  if (!isObject(raw.rng)) fail(`has no \`rng\` (the states of the shuffle, rebalance and sampler random streams; it is ${describe(raw.rng)}), without which the run would not continue as it would have`);
  const rng = raw.rng as Record<string, unknown>;
  for (const stream of ['shuffle', 'rebalance', 'sampler']) {
    if (!isRngState(rng[stream])) fail(`\`rng.${stream}\` is ${describe(rng[stream])}, expected the random stream's state (4 integers in 0..2^32−1)`);
  }
  if (!isObject(raw.samplers)) fail(`\`samplers\` is ${describe(raw.samplers)}, expected an object (the samplers' states)`);
  const early = raw.earlyStopping;
  if (!isObject(early) || !(early.best === null || typeof early.best === 'number') || !Number.isInteger(early.bestEpoch) || !isCount(early.evalsWithoutImprovement)) {
    fail(`\`earlyStopping\` is ${describe(early)}, expected { best, bestEpoch, evalsWithoutImprovement }`);
  }
  if (typeof raw.stoppedEarly !== 'boolean') fail(`\`stoppedEarly\` is ${describe(raw.stoppedEarly)}, expected true or false`);
  if (raw.epochPosition !== undefined) {
    const at = raw.epochPosition;
    const start = isObject(at) ? at.start : undefined;
    if (!isObject(at) || !isCount(at.stepInEpoch) || !isObject(start) || !isRngState(start.shuffle) || !isRngState(start.rebalance) || typeof at.lossSum !== 'number' || !isCount(at.steps) || !isCount(at.examples)) {
      fail('`epochPosition` (where the run stopped inside an epoch) is incomplete: expected { stepInEpoch, start: { shuffle, rebalance }, lossSum, steps, examples }');
    }
  }
  return raw as unknown as CheckpointState;
}

/** A value for a message: its type, and the value itself when it is short. */
function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  const text = JSON.stringify(v);
  return text.length <= 24 ? `the ${typeof v} ${text}` : `a ${typeof v}`;
}
