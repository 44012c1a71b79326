/**
 * The names inside a run folder, defined once: the trainer writes them, the readers and the extension
 * find them here. A leaf module (no imports of its own), so every other run-folder module can use it.
 */

export const EVENTS_FILE = 'events.jsonl';
export const CONFIG_FILE = 'config.yaml';
export const CHECKPOINT_DIR = 'checkpoint';
export const EMBEDDINGS_DIR = 'embeddings';
/** The folder of the sweeps inside the runs folder (`<runs-dir>/sweeps/<sweep-id>/`): never a run. */
export const SWEEPS_DIR = 'sweeps';
/** Held by the one trainer that writes the run folder (see runLock.ts). */
export const LOCK_FILE = 'run.lock';
/** The bytes of a cut last line of events.jsonl, set aside by the next writer: `events.jsonl.partial-<time>`. */
export const PARTIAL_LINE_PREFIX = `${EVENTS_FILE}.partial-`;

/**
 * Every temporary name of a writer ends in `.tmp-<pid>` (`.config.yaml.tmp-41`, `checkpoint.tmp-41/`,
 * a run folder being made `.<run-id>.tmp-41/`), so leftovers of a dead writer are recognised by one rule.
 */
export function tempName(name: string, pid = process.pid): string {
  return `${name}.tmp-${pid}`;
}

/** The pid of the writer that owns a temporary name, or undefined when `name` is not one. */
export function tempOwner(name: string): number | undefined {
  const m = /\.tmp-(\d+)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/**
 * A request the run store refuses before writing anything (a bad run id, a run folder in use or
 * already taken): the CLI says why and exits 2, as for an invalid command line.
 */
export class RunStoreRefusal extends Error {}
