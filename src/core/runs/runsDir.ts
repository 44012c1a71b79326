/**
 * Reads the runs folder (`.two-tower-lab/runs/` by default): every subfolder whose name is a run id is
 * a run (hidden folders are run folders being made). Used by the experiments tree and by the CLI's
 * `eval`/`export` to find a run by id.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { parseEventLines } from '../../shared/events';
import { EVENTS_FILE } from './runFiles';
import { isRunId } from './runId';
import { holderAlive, readRunLock } from './runLock';
import { isProcessAlive, summarizeRun, type FolderFacts, type RunSummary } from './runSummary';

export const DEFAULT_RUNS_DIR = path.join('.two-tower-lab', 'runs');
export { EVENTS_FILE } from './runFiles';

export interface RunFolder {
  runId: string;
  dir: string;
  summary: RunSummary;
}

/**
 * Reads one run folder: its events, and its lock (the pid of the trainer writing it). Without events it is
 * `queued` while its trainer lives, and `failed` when that trainer died during start-up or no trainer owns it.
 */
export async function readRunFolder(dir: string, options: { isAlive?: (pid: number) => boolean } = {}): Promise<RunFolder> {
  const runId = path.basename(dir);
  const isAlive = options.isAlive ?? isProcessAlive;
  let text = '';
  try {
    text = await readFile(path.join(dir, EVENTS_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { events } = parseEventLines(text);
  return { runId, dir, summary: summarizeRun(runId, events, { isAlive, folder: await folderFacts(dir, isAlive) }) };
}

async function folderFacts(dir: string, isAlive: (pid: number) => boolean): Promise<FolderFacts> {
  const holder = readRunLock(dir);
  const lock = holder === undefined ? undefined : holder === 'unreadable' ? { alive: true } : { pid: holder.pid, startedAt: holder.startedAt, alive: holderAlive(holder, { isAlive }) };
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  return { lock, entries };
}

/** All runs under `runsDir`, newest first (by start time, then by id). A missing folder has no runs. */
export async function listRunFolders(runsDir: string, options: { isAlive?: (pid: number) => boolean } = {}): Promise<RunFolder[]> {
  let names: string[];
  try {
    names = await readdir(runsDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const runs: RunFolder[] = [];
  for (const name of names) {
    // Not a run id (a hidden folder being made, a folder someone put there): not a run.
    if (!isRunId(name)) continue;
    const dir = path.join(runsDir, name);
    const info = await stat(dir).catch(() => undefined);
    if (!info?.isDirectory()) continue;
    runs.push(await readRunFolder(dir, options));
  }
  return runs.sort((a, b) => (b.summary.startedAt ?? 0) - (a.summary.startedAt ?? 0) || b.runId.localeCompare(a.runId));
}
