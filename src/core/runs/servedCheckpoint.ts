/**
 * Which checkpoint of a run `recommend` (and what else serves a run) loads: the last one, or the best
 * one when the run keeps it (`checkpoint/best/`, written when the headline metric improves) and it is
 * asked for. One small function, so that the choice is made in one place.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { CHECKPOINT_DIR } from './runFiles';

export type CheckpointChoice = 'last' | 'best';

/** The BEST_CHECKPOINT_DIR inside `checkpoint/`: the best epoch's weights, when the run keeps them. */
export const BEST_CHECKPOINT_DIR = 'best';

/**
 * The checkpoint folder of run folder `runDir` to load for `choice`, and what it is. `best` falls back to
 * the last checkpoint (saying so) when the run has no best one.
 */
export function servedCheckpoint(runDir: string, choice: CheckpointChoice = 'last'): { dir: string; which: CheckpointChoice; note?: string } {
  const last = path.join(runDir, CHECKPOINT_DIR);
  if (choice === 'best') {
    const best = path.join(last, BEST_CHECKPOINT_DIR);
    if (existsSync(best)) return { dir: best, which: 'best' };
    return { dir: last, which: 'last', note: `run ${path.basename(runDir)} keeps no best checkpoint (${best}); using its last one.` };
  }
  return { dir: last, which: 'last' };
}
