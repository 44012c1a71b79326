/**
 * Whether a torch run can be continued by a job (`two-tower-lab launch --resume`, `prepare --resume`): it
 * exists, it is not running (here, or on a host this machine cannot check), the torch engine wrote its
 * checkpoint, and its config leaves something to train. Checked when the job is written and again when it
 * runs, so that a job written for a stopped run never starts a second writer into a live one.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

import { readRunFolder } from '../core/runs/runsDir';
import { loadCheckpoint, type CheckpointState } from '../core/train/checkpoint';
import { runPaths, type RunPaths } from '../core/train/runFolder';
import { parseEventLines } from '../shared/events';

/** A run that cannot be continued now, with what to do instead (exit 2: nothing was written). */
export class ResumeRefusal extends Error {}

export interface ResumableRun {
  paths: RunPaths;
  state: CheckpointState;
  /** `started` and `ended` events in the folder now: a job's other nodes wait for one `started` more. */
  startedCount: number;
  endedCount: number;
}

/** The run's folder, its liveness and its checkpoint; the config's epochs are checked by `checkEpochsLeft`. */
export async function resumableTorchRun(runsDir: string, runId: string): Promise<ResumableRun> {
  const paths = runPaths(runsDir, runId);
  if (!existsSync(paths.config)) {
    throw new ResumeRefusal(`no run '${runId}' in ${path.resolve(runsDir)} (looked for ${paths.config}). Give --runs-dir as this machine sees the runs folder.`);
  }
  const events = existsSync(paths.events) ? parseEventLines(readFileSync(paths.events, 'utf8')).events : [];
  const { summary } = await readRunFolder(paths.dir);
  if (summary.status === 'running' || summary.status === 'queued') {
    const started = events.filter((e) => e.type === 'started').at(-1);
    const host = started?.type === 'started' && started.host !== undefined ? ` on ${started.host}` : '';
    const where = summary.pid !== undefined ? ` (its process ${summary.pid}${host})` : '';
    throw new ResumeRefusal(
      `run ${runId} is still ${summary.status}${where}: a second job would write into the same folder. Stop it first (scancel, kubectl delete job, or Stop in the editor); ` +
        `if its job is gone but no end was recorded (a node died), record it with: two-tower-lab close-run ${runId} --runs-dir ${runsDir} --exit-code 1`,
    );
  }
  const checkpoint = loadCheckpoint(paths.checkpoint);
  if (checkpoint === undefined) {
    throw new ResumeRefusal(`run ${runId} has no checkpoint yet (it ended before its first epoch did), so there is nothing to continue. Launch the experiment again as a new run.`);
  }
  const trainedBy = checkpoint.state.engine ?? 'tfjs';
  if (trainedBy !== 'torch') {
    throw new ResumeRefusal(`run ${runId} was trained by the ${trainedBy} engine; a job continues it on torch workers, whose checkpoints hold different optimiser and sampler state. Continue it with: two-tower-lab train --resume ${runId} --runs-dir ${runsDir}`);
  }
  const types = events.map((e) => e.type);
  return { paths, state: checkpoint.state, startedCount: types.filter((t) => t === 'started').length, endedCount: types.filter((t) => t === 'ended').length };
}

/** A resumed run must have epochs left: the workers would end at once otherwise. */
export function checkEpochsLeft(run: Pick<ResumableRun, 'paths' | 'state'>, epochs: number): void {
  const { state, paths } = run;
  if (state.stoppedEarly) {
    throw new ResumeRefusal(`run ${paths.runId} stopped early after epoch ${state.epoch} (its metric stopped improving), so it has nothing left to train. Start a new run to train it differently.`);
  }
  if (state.epoch >= epochs) {
    throw new ResumeRefusal(`run ${paths.runId} has trained all ${epochs} of its epochs (checkpoint after epoch ${state.epoch}). To train further, raise them: --set training.epochs=${state.epoch + Math.max(1, epochs)}`);
  }
}
