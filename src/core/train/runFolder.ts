/**
 * A run folder (DESIGN.md): `<runs-dir>/<run-id>/` with config.yaml, events.jsonl, checkpoint/,
 * embeddings/, and run.lock while a trainer writes it. The run id is
 * `<experiment-name>-<yyyymmdd-hhmmss>-<4 hex>`: sortable by time, and unique even when a sweep starts
 * several runs in the same second; any id must pass the one run-id rule (core/runs/runId.ts).
 *
 * A fresh run folder appears whole: it is made under a hidden temporary name holding its lock and
 * config.yaml, then renamed into place, so no reader ever sees a run folder without its trainer's pid.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { setAsidePartialLine } from '../runs/eventsFile';
import { CHECKPOINT_DIR, CONFIG_FILE, EMBEDDINGS_DIR, EVENTS_FILE, LOCK_FILE, RunStoreRefusal, tempName, tempOwner } from '../runs/runFiles';
import { runDirIn } from '../runs/runId';
import { acquireRunLock, liveLockHolder, lockedMessage, readRunLock, type RunLock } from '../runs/runLock';
import { isProcessAlive } from '../runs/runSummary';
import { writeFileAtomic } from './atomicWrite';
import { writeError, WriteError } from './writeError';

export interface RunPaths {
  runId: string;
  dir: string;
  config: string;
  events: string;
  checkpoint: string;
  embeddings: string;
}

/** The paths of run `runId` in `runsDir`; throws a RunIdError when the id is not a run id (or escapes the runs folder). */
export function runPaths(runsDir: string, runId: string): RunPaths {
  const dir = runDirIn(runsDir, runId);
  return {
    runId,
    dir,
    config: path.join(dir, CONFIG_FILE),
    events: path.join(dir, EVENTS_FILE),
    checkpoint: path.join(dir, CHECKPOINT_DIR),
    embeddings: path.join(dir, EMBEDDINGS_DIR),
  };
}

/** A file-name-safe form of the experiment name: letters, digits, `-`, `_`, `.` (others become `-`; no leading `.` or `-`). */
export function slugName(name: string): string {
  const slug = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '');
  return slug === '' ? 'experiment' : slug.slice(0, 60);
}

export function makeRunId(experimentName: string, date = new Date(), hex = randomBytes(2).toString('hex')): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
  return `${slugName(experimentName)}-${stamp}-${hex}`;
}

/** The experiment's name: its `name` field, else the file name without `.tower.yaml`. */
export function experimentName(file: string, name?: string): string {
  if (name !== undefined && name.trim() !== '') return name;
  return path.basename(file).replace(/\.tower\.ya?ml$/i, '').replace(/\.ya?ml$/i, '');
}

/** The run id is taken by a run that exists (or is being written). */
export class RunFolderError extends RunStoreRefusal {}

/** A run folder opened for writing: its paths and its lock (held until the trainer exits; release it in the trainer's last `finally`). */
export type OpenedRun = RunPaths & { lock: RunLock };

export interface OpenOptions {
  /** Things worth a line on stderr: a stale lock taken over, leftovers removed, a cut line set aside. */
  onNote?: (message: string) => void;
  isAlive?: (pid: number) => boolean;
}

/**
 * Creates a fresh run folder holding its lock and `config` (the resolved config.yaml). Refuses to reuse
 * a run folder that holds a run; a folder of the same id that never got a run (no events, no checkpoint,
 * no live trainer: e.g. left by a full disk with only `.config.yaml.tmp-<pid>`) is cleared and reused.
 */
export function createRunFolder(runsDir: string, runId: string, options: OpenOptions & { config?: string } = {}): OpenedRun {
  const paths = runPaths(runsDir, runId);
  const root = path.dirname(paths.dir);
  const isAlive = options.isAlive ?? isProcessAlive;
  try {
    mkdirSync(root, { recursive: true });
  } catch (error) {
    throw writeError(root, error);
  }
  // Hidden folders of dead creators (a run id never starts with '.', so no run is touched).
  removeDeadWriterTemps(root, { isAlive, hiddenOnly: true });
  const staging = path.join(root, tempName(`.${runId}`));
  rmSync(staging, { recursive: true, force: true });
  let lock: RunLock | undefined;
  try {
    mkdirSync(staging);
    lock = acquireRunLock(staging, runId, { isAlive });
    if (options.config !== undefined) writeFileAtomic(path.join(staging, CONFIG_FILE), options.config);
    for (let attempt = 0; ; attempt++) {
      try {
        renameSync(staging, paths.dir);
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || attempt > 0) throw error;
        const why = notReusable(paths.dir, isAlive);
        if (why !== undefined) throw new RunFolderError(why);
        options.onNote?.(`run folder ${paths.dir} held no run (${describeContents(paths.dir)}); it was cleared for this run.`);
        rmSync(paths.dir, { recursive: true, force: true });
      }
    }
  } catch (error) {
    lock?.release();
    rmSync(staging, { recursive: true, force: true });
    if (error instanceof RunStoreRefusal) throw error;
    const why = error instanceof WriteError ? error : writeError(paths.dir, error);
    throw new WriteError(`Run ${runId} could not be created in ${root} (nothing of it is left there). ${why.message}`, paths.dir, why.code);
  }
  return { ...paths, lock: lock.movedTo(path.join(paths.dir, LOCK_FILE)) };
}

/**
 * Opens an existing run folder for writing (`--resume`): takes its lock (a stale one of a dead trainer is
 * taken over; a live holder → RunLockedError), removes the temporaries of dead writers, and sets aside a
 * cut last line of events.jsonl, so the resumed run starts on a clean folder.
 */
export function openRunFolder(runsDir: string, runId: string, options: OpenOptions = {}): OpenedRun {
  const paths = runPaths(runsDir, runId);
  const note = options.onNote ?? (() => undefined);
  const lock = acquireRunLock(paths.dir, runId, {
    isAlive: options.isAlive,
    onTakeOver: (stale) => note(`took over the lock of run ${runId} left by trainer pid ${stale.pid} on ${stale.host} (started ${stale.startedAt}), which is no longer running.`),
  });
  try {
    const removed = removeDeadWriterTemps(paths.dir, { isAlive: options.isAlive });
    if (removed.length > 0) note(`removed what dead writers left in ${paths.dir}: ${removed.join(', ')}.`);
    const aside = setAsidePartialLine(paths.events);
    if (aside) note(`${paths.events} ended with a cut line (${aside.bytes} bytes, from a writer that was killed or ran out of disk); it was moved to ${path.basename(aside.sideFile)} so the resumed run starts on a whole line.`);
  } catch (error) {
    lock.release();
    throw error;
  }
  return { ...paths, lock };
}

/**
 * Removes the temporaries (`*.tmp-<pid>`, files and folders) of writers that are no longer running, in
 * `dir` and in its checkpoint and embeddings folders, and a `checkpoint.prev` made obsolete by a
 * complete `checkpoint`. Returns the names removed (relative to `dir`).
 */
export function removeDeadWriterTemps(dir: string, options: { isAlive?: (pid: number) => boolean; hiddenOnly?: boolean } = {}): string[] {
  const isAlive = options.isAlive ?? isProcessAlive;
  const removed: string[] = [];
  const sweep = (folder: string, prefix: string): void => {
    for (const name of listNames(folder)) {
      const owner = tempOwner(name);
      if (owner === undefined || owner === process.pid || (options.hiddenOnly && !name.startsWith('.')) || isAlive(owner)) continue;
      rmSync(path.join(folder, name), { recursive: true, force: true });
      removed.push(`${prefix}${name}`);
    }
  };
  sweep(dir, '');
  if (options.hiddenOnly) return removed;
  for (const sub of [CHECKPOINT_DIR, `${CHECKPOINT_DIR}.prev`, EMBEDDINGS_DIR]) sweep(path.join(dir, sub), `${sub}/`);
  if (existsSync(path.join(dir, CHECKPOINT_DIR)) && existsSync(path.join(dir, `${CHECKPOINT_DIR}.prev`))) {
    rmSync(path.join(dir, `${CHECKPOINT_DIR}.prev`), { recursive: true, force: true });
    removed.push(`${CHECKPOINT_DIR}.prev`);
  }
  return removed;
}

function listNames(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
}

/** Why the existing folder `dir` cannot be taken by a new run, or undefined when it holds no run. */
function notReusable(dir: string, isAlive: (pid: number) => boolean): string | undefined {
  const runId = path.basename(dir);
  const live = liveLockHolder(dir, { isAlive });
  if (live) return lockedMessage(runId, live.lockFile, live.holder);
  const hasEvents = (statSync(path.join(dir, EVENTS_FILE), { throwIfNoEntry: false })?.size ?? 0) > 0;
  const hasCheckpoint = existsSync(path.join(dir, CHECKPOINT_DIR)) || existsSync(path.join(dir, `${CHECKPOINT_DIR}.prev`));
  if (hasEvents || hasCheckpoint) return `Run folder ${dir} already holds run ${runId}; pick another run id, or continue that run with: two-tower-lab train --resume ${runId}.`;
  if (readRunLock(dir) === 'unreadable') return `Run folder ${dir} has an unreadable ${LOCK_FILE}; if no trainer is writing it, delete that folder and try again.`;
  return undefined;
}

function describeContents(dir: string): string {
  const names = listNames(dir);
  return names.length === 0 ? 'it was empty' : `only ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}`;
}
