/**
 * The error of a checkpoint file that cannot be used (checkpoint.ts, weightsFile.ts): the file, what is
 * wrong with it, and what to do, instead of what JSON.parse or a typed array says ("Unexpected token",
 * "offset is out of bounds").
 */
import { readFileSync } from 'node:fs';

/** What to do about a damaged checkpoint, the end of every CheckpointError about one. */
export const DAMAGED_CHECKPOINT_HINT =
  'The checkpoint is damaged (edited, or cut short by a kill or a full disk while it was written), so the run cannot continue from it. Start a fresh run of the experiment (two-tower-lab train <file>.tower.yaml).';

/** A checkpoint file that cannot be used; `file` is the file at fault. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}. ${DAMAGED_CHECKPOINT_HINT}`);
  }
}

/** The parsed JSON of a checkpoint file; a file that is not JSON is named, not left to "Unexpected token". */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new CheckpointError(file, 'is missing from the checkpoint folder');
    throw error;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CheckpointError(file, `is not valid JSON (${text.trim() === '' ? 'the file is empty' : (error as Error).message})`);
  }
}
