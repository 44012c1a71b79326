/**
 * Every run the tree knows, by run id: read from the run folders (the source of truth), plus the runs
 * this window has queued but not started yet, with each run's meta.json (name, what it changes). The tree
 * model and the run manager share it.
 */
import * as path from 'node:path';
import { readRunMeta, type RunMeta } from '../../core/runs/runMeta';
import type { RunSummary } from '../../core/runs/runSummary';

export interface RunEntry {
  readonly runId: string;
  /** Absolute path of the run folder (it may not exist yet for a queued run). */
  readonly dir: string;
  /** The experiment file the run belongs to: its `started` event, else what this window launched it from. */
  readonly experiment?: string;
  readonly summary: RunSummary;
  /** Its name and what it changes from its experiment file (the run folder's meta.json). */
  readonly meta: RunMeta;
}

export class RunRegistry {
  private readonly runs = new Map<string, RunEntry>();
  /** Experiment files of the runs this window launched, for runs that fail before their `started` event. */
  private readonly launchedFrom = new Map<string, string>();
  /** meta.json of each run, read once it has something (the trainer writes it as the run starts). */
  private readonly metas = new Map<string, RunMeta>();

  /** `readMeta` reads a run folder's meta.json (tests give their own). */
  constructor(private readonly readMeta: (dir: string) => RunMeta = readRunMeta) {}

  private metaOf(runId: string, dir: string): RunMeta {
    let meta = this.metas.get(runId);
    if (meta === undefined || (meta.name === undefined && meta.changed === undefined)) {
      meta = this.readMeta(dir);
      this.metas.set(runId, meta);
    }
    return meta;
  }

  /** Records a new meta.json of a run (after "Rename Run" wrote it). */
  setMeta(runId: string, meta: RunMeta): void {
    this.metas.set(runId, meta);
    const entry = this.runs.get(runId);
    if (entry) this.runs.set(runId, { ...entry, meta });
  }

  /** Records that this window launched `runId` from `experiment` (kept across refreshes of the folder). */
  noteLaunch(runId: string, experiment: string): void {
    this.launchedFrom.set(runId, experiment);
  }

  /** Adds or replaces a run; returns the experiment it belongs to before and after (to refresh both). */
  upsert(runId: string, dir: string, summary: RunSummary): { before?: string; after?: string } {
    const before = this.runs.get(runId)?.experiment;
    const experiment = summary.experiment ?? this.launchedFrom.get(runId) ?? before;
    this.runs.set(runId, { runId, dir, experiment: experiment === undefined ? undefined : path.resolve(experiment), summary, meta: this.metaOf(runId, dir) });
    return { before, after: this.runs.get(runId)?.experiment };
  }

  /** Forgets a run (its folder was deleted); returns the experiment it belonged to. */
  remove(runId: string): { found: boolean; experiment?: string } {
    const entry = this.runs.get(runId);
    this.runs.delete(runId);
    this.metas.delete(runId);
    return { found: entry !== undefined, experiment: entry?.experiment };
  }

  get(runId: string): RunEntry | undefined {
    return this.runs.get(runId);
  }

  all(): RunEntry[] {
    return sortNewestFirst([...this.runs.values()]);
  }

  /** Runs of one experiment file, newest first. */
  runsOf(experiment: string): RunEntry[] {
    const key = path.resolve(experiment);
    return sortNewestFirst([...this.runs.values()].filter((r) => r.experiment === key));
  }

  /** Runs whose experiment is not among `experiments` (deleted, renamed, or outside the workspace). */
  orphans(experiments: Iterable<string>): RunEntry[] {
    const known = new Set([...experiments].map((e) => path.resolve(e)));
    return sortNewestFirst([...this.runs.values()].filter((r) => r.experiment === undefined || !known.has(r.experiment)));
  }

  /** Replaces every run read from folders under `runsDir`, keeping runs that are only queued in this window. */
  resetFolders(runsDir: string, folders: readonly { runId: string; dir: string; summary: RunSummary }[]): void {
    const prefix = path.resolve(runsDir) + path.sep;
    for (const [id, entry] of this.runs) {
      if (entry.dir.startsWith(prefix) && entry.summary.status !== 'queued') this.runs.delete(id);
    }
    for (const f of folders) this.upsert(f.runId, f.dir, f.summary);
  }
}

/** Newest first: by start time (a queued run counts as now), then by id (ids start with a timestamp). */
export function sortNewestFirst(entries: RunEntry[]): RunEntry[] {
  const time = (r: RunEntry): number => r.summary.startedAt ?? (r.summary.status === 'queued' ? Number.MAX_SAFE_INTEGER : 0);
  return entries.sort((a, b) => time(b) - time(a) || b.runId.localeCompare(a.runId));
}
