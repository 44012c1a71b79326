/**
 * Which model of a run the commands that use one (`eval`, `export`, `compare`, `recommend`) mean: the
 * best epoch by the headline metric when the run kept it (`checkpoint/best/`, `embeddings/best/`:
 * runs that evaluate more than once), else the last checkpoint; `--last` asks for the last one anyway.
 * One function, so that every command picks the same model and says the same thing about it.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';

import { existingFolder } from './atomicWrite';
import { BEST_DIR, STATE_FILE } from './checkpoint';
import { readJsonFile } from './checkpointError';
import type { RunPaths } from './runFolder';

export interface RunModel {
  which: 'best' | 'last';
  /** The checkpoint folder to load (undefined: the run has no checkpoint yet). */
  checkpointDir?: string;
  /** The item embeddings of that model, when written (the last ones only once the run completed). */
  embeddingsDir?: string;
  /** Epochs completed when that checkpoint was saved. */
  epoch?: number;
  /** Why this one, for the command's first line: "best epoch 3 of 8 (checkpoint/best)". */
  describe: string;
}

export function resolveRunModel(paths: RunPaths, options: { last?: boolean } = {}): RunModel {
  const checkpoint = existingFolder(paths.checkpoint);
  const lastEpoch = checkpoint !== undefined ? epochOf(checkpoint) : undefined;
  const best = checkpoint !== undefined && !options.last ? existingFolder(path.join(checkpoint, BEST_DIR)) : undefined;
  if (best !== undefined) {
    const epoch = epochOf(best);
    return {
      which: 'best',
      checkpointDir: best,
      embeddingsDir: existingFolder(path.join(paths.embeddings, BEST_DIR)),
      epoch,
      describe: `best epoch ${epoch}${lastEpoch !== undefined ? ` of ${lastEpoch}` : ''} (checkpoint/best; --last for the last)`,
    };
  }
  const items = path.join(paths.embeddings, 'items.bin');
  return {
    which: 'last',
    checkpointDir: checkpoint,
    embeddingsDir: existsSync(items) ? paths.embeddings : undefined,
    epoch: lastEpoch,
    describe: lastEpoch === undefined ? 'no checkpoint yet' : `last checkpoint, epoch ${lastEpoch}`,
  };
}

function epochOf(dir: string): number {
  const state = readJsonFile(path.join(dir, STATE_FILE)) as { epoch?: unknown };
  return typeof state.epoch === 'number' ? state.epoch : 0;
}
