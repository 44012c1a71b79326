/**
 * The one rule for run ids, used by `--run-id`, `--resume`, `eval`, `export`, the runs-folder reader and
 * the extension: a run id is a plain folder name inside the runs folder, never a path. Letters, digits,
 * `_`, `-` and `.`, starting with a letter, a digit or `_` (so never `.`, `..`, a hidden name or an
 * option-like `-x`), at most 200 characters.
 */
import * as path from 'node:path';
import { RunStoreRefusal, SWEEPS_DIR } from './runFiles';

const RUN_ID = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
export const MAX_RUN_ID_LENGTH = 200;
export const RUN_ID_RULE = "letters, digits, '_', '-' and '.', starting with a letter, a digit or '_' (no '/', '\\', '.' or '..')";

export class RunIdError extends RunStoreRefusal {}

/** Why `id` is not a valid run id, or undefined when it is one. */
export function runIdProblem(id: string): string | undefined {
  if (id === '') return 'it is empty';
  if (id === '.' || id === '..') return `'${id}' names a folder, not a run`;
  if (id.includes('/') || id.includes('\\')) return 'it holds a path separator';
  if (id.length > MAX_RUN_ID_LENGTH) return `it is ${id.length} characters long (at most ${MAX_RUN_ID_LENGTH})`;
  if (!RUN_ID.test(id)) return `it may hold only ${RUN_ID_RULE}`;
  if (id === SWEEPS_DIR) return `'${SWEEPS_DIR}' is the folder of the sweeps`;
  return undefined;
}

export function isRunId(id: string): boolean {
  return runIdProblem(id) === undefined;
}

/** `id` when it is a valid run id; else a RunIdError saying why, with `what` naming where it came from (e.g. `--resume`). */
export function checkRunId(id: string, what = 'run id'): string {
  const problem = runIdProblem(id);
  if (problem !== undefined) throw new RunIdError(`${what} '${id}' is not a run id: ${problem}. A run id is the name of a folder inside the runs folder: ${RUN_ID_RULE}.`);
  return id;
}

/**
 * The absolute folder of run `runId` in `runsDir`: the id is checked, and the resolved folder must lie
 * directly inside the resolved runs folder (a second guard against a path escaping it).
 */
export function runDirIn(runsDir: string, runId: string, what = 'run id'): string {
  checkRunId(runId, what);
  const root = path.resolve(runsDir);
  const dir = path.resolve(root, runId);
  if (path.dirname(dir) !== root) throw new RunIdError(`${what} '${runId}' resolves to ${dir}, which is not a folder of the runs folder ${root}.`);
  return dir;
}
