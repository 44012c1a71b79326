/**
 * Reads the runs folder (`.two-tower-lab/runs/` by default): every subfolder with an `events.jsonl`
 * is a run. Used by the experiments tree and by the CLI's `eval`/`export` to find a run by id.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { parseEventLines } from '../../shared/events';
import { isProcessAlive, summarizeRun, type RunSummary } from './runSummary';

export const DEFAULT_RUNS_DIR = path.join('.two-tower-lab', 'runs');
export const EVENTS_FILE = 'events.jsonl';

export interface RunFolder {
  runId: string;
  dir: string;
  summary: RunSummary;
}

/** Reads one run folder. A missing or empty `events.jsonl` gives a `queued` run. */
export async function readRunFolder(dir: string, options: { isAlive?: (pid: number) => boolean } = {}): Promise<RunFolder> {
  const runId = path.basename(dir);
  let text = '';
  try {
    text = await readFile(path.join(dir, EVENTS_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { events } = parseEventLines(text);
  return { runId, dir, summary: summarizeRun(runId, events, { isAlive: options.isAlive ?? isProcessAlive }) };
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
    const dir = path.join(runsDir, name);
    const info = await stat(dir).catch(() => undefined);
    if (!info?.isDirectory()) continue;
    runs.push(await readRunFolder(dir, options));
  }
  return runs.sort((a, b) => (b.summary.startedAt ?? 0) - (a.summary.startedAt ?? 0) || b.runId.localeCompare(a.runId));
}
