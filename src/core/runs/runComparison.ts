/**
 * Two runs' per-user evaluations paired for the paired bootstrap (src/core/stats/bootstrap.ts), with
 * `compare`'s checks: the same split (splitIdentity), the same test users in the same order, the
 * metrics both kept per user. Pure TypeScript (no engine), so the plots panel's host uses it too: the
 * runs table shows each run against a reference run with these intervals.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { checkExperimentTextSync } from '../config/check';
import type { Experiment } from '../config/schema';
import { readPerUserEval, type PerUserValues } from '../eval/perUser';
import { mean, pairedBootstrap, type BootstrapOptions, type DifferenceInterval } from '../stats/bootstrap';
import { resolveRunModel } from '../train/runModel';
import type { RunPaths } from '../train/runFolder';
import type { StartedEvent } from '../../shared/events';
import { CHECKPOINT_DIR, CONFIG_FILE, EMBEDDINGS_DIR, EVENTS_FILE } from './runFiles';
import { splitDifferences, splitIdentity } from './splitIdentity';

/** Two runs that cannot be compared user by user, or a run with nothing to compare yet; the message says why. */
export class NotComparable extends Error {}

/** One side of a comparison: a run's split settings and the per-user values of the model it keeps. */
export interface ComparableRun {
  runId: string;
  config: Experiment;
  started?: Pick<StartedEvent, 'dataset'>;
  model: { which: 'best' | 'last'; epoch: number; file: string };
  perUser: PerUserValues;
}

export interface MetricComparison extends DifferenceInterval {
  metric: string;
  a: number;
  b: number;
}

export interface PairedComparison {
  users: number;
  metrics: MetricComparison[];
}

/** The files of the run folder `runDir` (the folder as given, whatever the runs folder around it). */
function pathsOf(runDir: string, runId: string): RunPaths {
  return { runId, dir: runDir, config: path.join(runDir, CONFIG_FILE), events: path.join(runDir, EVENTS_FILE), checkpoint: path.join(runDir, CHECKPOINT_DIR), embeddings: path.join(runDir, EMBEDDINGS_DIR) };
}

/** The resolved config a run was trained with (its config.yaml); a NotComparable when it does not check. */
export function readRunConfig(runDir: string, runId: string): Experiment {
  const file = pathsOf(runDir, runId).config;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new NotComparable(`Run ${runId} has no readable config.yaml (${file}: ${error instanceof Error ? error.message : String(error)}), so its split is not known.`);
  }
  const config = checkExperimentTextSync(text, { filePath: file }).config;
  if (config === undefined) throw new NotComparable(`Run ${runId}'s config.yaml (${file}) does not check any more, so its split is not known.`);
  return config;
}

/**
 * The side of run `runId` in `runDir`: the model `eval` and `export` use (the best epoch when kept,
 * unless `last`) and that epoch's `eval/epoch-N.bin`. `config` and `started` as read by the caller.
 */
export function readComparableRun(runDir: string, runId: string, config: Experiment, started: Pick<StartedEvent, 'dataset'> | undefined, options: { last?: boolean } = {}): ComparableRun {
  const paths = pathsOf(runDir, runId);
  const model = resolveRunModel(paths, { last: options.last });
  if (model.epoch === undefined) throw new NotComparable(`Run ${runId} has no checkpoint yet, so it has no evaluated model to compare.`);
  const perUser = readPerUserEval(paths.dir, model.epoch);
  if (perUser === undefined) {
    throw new NotComparable(`Run ${runId} has no per-user values for epoch ${model.epoch} (${paths.dir}/eval/epoch-${model.epoch}.bin): it was trained before they were kept. Write them with: two-tower-lab eval ${runId}${options.last ? ' --last' : ''}`);
  }
  return { runId, config, started, model: { which: model.which, epoch: model.epoch, file: perUser.file }, perUser };
}

/** Why two runs cannot be paired (different splits, different users, no shared metric), or undefined when they can. */
export function whyNotPaired(a: ComparableRun, b: ComparableRun): string | undefined {
  const differences = splitDifferences(splitIdentity(a.config, a.started), splitIdentity(b.config, b.started));
  if (differences.length > 0) {
    return `Runs ${a.runId} and ${b.runId} were evaluated on different splits, so their users cannot be paired:\n  ${differences.join('\n  ')}\nCompare runs of the same data, split and data.seed.`;
  }
  const usersA = a.perUser.users;
  const usersB = b.perUser.users;
  if (usersA.length !== usersB.length || usersA.some((u, i) => u !== usersB[i])) {
    return `Runs ${a.runId} and ${b.runId} were evaluated on different test users (${usersA.length} and ${usersB.length}) although their split settings agree: the data changed between them. Evaluate both again on the same data (two-tower-lab eval <run-id>).`;
  }
  if (!a.perUser.columns.some((c) => b.perUser.columns.includes(c))) return `Runs ${a.runId} and ${b.runId} share no per-user metric (${a.perUser.columns.join(', ')} vs ${b.perUser.columns.join(', ')}).`;
  return undefined;
}

/** Each shared per-user metric's a − b with its paired bootstrap interval; throws NotComparable with whyNotPaired's reason. */
export function pairRuns(a: ComparableRun, b: ComparableRun, options: BootstrapOptions = {}): PairedComparison {
  const why = whyNotPaired(a, b);
  if (why !== undefined) throw new NotComparable(why);
  const columns = a.perUser.columns.filter((c) => b.perUser.columns.includes(c));
  const pick = (side: ComparableRun): Float64Array[] => columns.map((c) => side.perUser.values[side.perUser.columns.indexOf(c)]);
  const intervals = pairedBootstrap(pick(a), pick(b), options);
  return {
    users: a.perUser.users.length,
    metrics: columns.map((metric, i) => ({ metric, a: mean(pick(a)[i]), b: mean(pick(b)[i]), ...intervals[i] })),
  };
}
