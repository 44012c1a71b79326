/**
 * The run manager: queues runs (at most `maxConcurrentRuns` at once), starts the trainer for each as a
 * child process, follows live runs through their run folder, stops them, and keeps the RunRegistry the
 * tree reads. Re-attaches to runs that are still running after a window reload. No `vscode` import: the
 * extension passes its settings and paths in, and listens to `onDidChangeRun`.
 */
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { isRunId, runDirIn } from '../../core/runs/runId';
import { liveLockHolder, lockedMessage } from '../../core/runs/runLock';
import { listRunFolders, readRunFolder } from '../../core/runs/runsDir';
import { summarizeRun, type RunSummary } from '../../core/runs/runSummary';
import { experimentName as experimentRunName, makeRunId } from '../../core/train/runFolder';
import type { LossName, TrainingMode } from '../../shared/events';
import { LiveRun } from './liveRun';
import { RunQueue } from './queue';
import { RunRegistry, type RunEntry } from './runRegistry';
import { trainerCommandLine, type EngineRequest, type TrainerRequest } from './trainerCommand';

export interface RunManagerOptions {
  /** `<extension>/dist/trainer.js`. */
  trainerScript: string;
  /** The host's executable (`process.execPath`). */
  hostExecPath: string;
  /** Where the trainers' stderr logs live while they run (outside the run folder, which the trainer creates). */
  logDir: string;
  settings(): { nodePath?: string; maxConcurrentRuns: number };
  /** How long a stopped trainer may take to checkpoint and write `ended` before it is killed. */
  stopTimeoutMs: number;
  onError(what: string, error: unknown): void;
  pollMs?: number;
}

export interface LaunchRequest {
  experiment: string;
  runsDir: string;
  /** The trainer's working folder (the workspace folder). */
  cwd: string;
  /** The experiment's `name:` when it has one: run ids start with it, as the CLI's do (core/train/runFolder experimentName). */
  name?: string;
  mode?: TrainingMode;
  loss?: LossName;
  set?: readonly string[];
  /** `--engine`, `--processes`, `--python` (the Run pick's engine, twoTowerLab.pythonPath). */
  engine?: EngineRequest;
}

type Listener = (runId: string) => void;

/** A new run id for an experiment: its `name:` when it has one, else its file name, as the CLI makes them. */
export function newRunId(experiment: string, name?: string): string {
  return makeRunId(experimentRunName(experiment, name));
}

export class RunManager {
  readonly registry = new RunRegistry();
  private readonly live = new Map<string, LiveRun>();
  private readonly stderrListeners = new Set<(runId: string, text: string) => void>();
  private readonly listeners = new Set<Listener>();
  private readonly queue: RunQueue;
  /** Settles per run when its process is gone (for runs started or re-attached by this window). */
  private readonly endings = new Map<string, Promise<RunSummary>>();
  private readonly endingResolvers = new Map<string, (s: RunSummary) => void>();

  constructor(private readonly options: RunManagerOptions) {
    this.queue = new RunQueue(options.settings().maxConcurrentRuns, (id, error) => options.onError(`Run ${id} could not be started`, error));
    mkdirSync(options.logDir, { recursive: true });
  }

  /** Called with a run id whenever that run's entry changed (added, progressed, ended, removed). */
  onDidChangeRun(listener: Listener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Called with each piece of a live run's stderr. */
  onStderr(listener: (runId: string, text: string) => void): { dispose(): void } {
    this.stderrListeners.add(listener);
    return { dispose: () => this.stderrListeners.delete(listener) };
  }

  private changed(runId: string): void {
    for (const l of this.listeners) l(runId);
  }

  logFileOf(runId: string): string {
    return path.join(this.options.logDir, `${runId}.log`);
  }

  liveRun(runId: string): LiveRun | undefined {
    return this.live.get(runId);
  }

  /** Resolves with the final summary once the run ended; undefined for a run this window does not follow. */
  whenEnded(runId: string): Promise<RunSummary> | undefined {
    return this.endings.get(runId);
  }

  settingsChanged(): void {
    this.queue.setMaxConcurrent(this.options.settings().maxConcurrentRuns);
  }

  /** Queues a new run of an experiment; returns its run id at once (the run shows as queued until it starts). */
  launch(request: LaunchRequest): string {
    const runId = newRunId(request.experiment, request.name);
    const dir = path.join(request.runsDir, runId);
    this.registry.noteLaunch(runId, request.experiment);
    const queued = summarizeRun(runId, []);
    this.registry.upsert(runId, dir, { ...queued, experiment: path.resolve(request.experiment), mode: request.mode, loss: request.loss });
    this.trackEnding(runId);
    const trainer: TrainerRequest = { kind: 'train', experiment: request.experiment, mode: request.mode, loss: request.loss, set: request.set, engine: request.engine };
    this.queue.enqueue({ id: runId, start: () => this.start(runId, dir, request.runsDir, request.cwd, trainer) });
    this.changed(runId);
    return runId;
  }

  /** Queues the continuation of a stopped or failed run from its last checkpoint (same run folder). */
  resume(entry: RunEntry, runsDir: string, cwd: string): void {
    if (this.live.has(entry.runId) || this.queue.isWaiting(entry.runId)) throw new Error(`Run ${entry.runId} is already running or queued.`);
    if (entry.summary.status !== 'stopped' && entry.summary.status !== 'failed') {
      throw new Error(`Run ${entry.runId} is ${entry.summary.status}; only a stopped or failed run can be resumed.`);
    }
    const refusal = whyNotWritable(entry, runsDir);
    if (refusal !== undefined) throw new Error(refusal);
    if (entry.experiment) this.registry.noteLaunch(entry.runId, entry.experiment);
    this.registry.upsert(entry.runId, entry.dir, { ...entry.summary, status: 'queued', error: undefined });
    this.trackEnding(entry.runId);
    this.queue.enqueue({ id: entry.runId, start: () => this.start(entry.runId, entry.dir, runsDir, cwd, { kind: 'resume' }) });
    this.changed(entry.runId);
  }

  private trackEnding(runId: string): void {
    this.endings.set(runId, new Promise((resolve) => this.endingResolvers.set(runId, resolve)));
  }

  private settle(runId: string, summary: RunSummary): void {
    this.endingResolvers.get(runId)?.(summary);
    this.endingResolvers.delete(runId);
  }

  private start(runId: string, dir: string, runsDir: string, cwd: string, request: TrainerRequest): Promise<void> {
    const settings = this.options.settings();
    const line = trainerCommandLine(
      { trainerScript: this.options.trainerScript, nodePath: settings.nodePath, hostExecPath: this.options.hostExecPath, runsDir, runId },
      request,
    );
    const run = LiveRun.spawn({ ...line, cwd }, runId, dir, this.logFileOf(runId), this.handlersFor(runId, dir), this.options.pollMs, request.kind === 'resume');
    return this.follow(runId, run);
  }

  private follow(runId: string, run: LiveRun): Promise<void> {
    this.live.set(runId, run);
    return run.ended.then((summary) => {
      this.live.delete(runId);
      this.registry.upsert(runId, run.runDir, summary);
      this.changed(runId);
      this.settle(runId, summary);
    });
  }

  private handlersFor(runId: string, dir: string) {
    return {
      onSummary: (summary: RunSummary) => {
        // A resumed run keeps its queued look until its new `started` arrives.
        this.registry.upsert(runId, dir, summary);
        this.changed(runId);
      },
      onStderr: (text: string) => {
        for (const l of this.stderrListeners) l(runId, text);
      },
      onError: (error: Error) => this.options.onError(`Following run ${runId}`, error),
    };
  }

  /** Stops a running run (SIGTERM, then SIGKILL after the timeout) or drops a queued one. */
  async stop(runId: string): Promise<RunSummary> {
    if (this.queue.cancel(runId)) {
      const entry = this.registry.get(runId);
      const summary: RunSummary = { ...(entry?.summary ?? summarizeRun(runId, [])), status: 'stopped', error: 'Removed from the queue before it started.' };
      if (entry) this.registry.upsert(runId, entry.dir, summary);
      this.changed(runId);
      this.settle(runId, summary);
      return summary;
    }
    const run = this.live.get(runId);
    if (!run) throw new Error(`Run ${runId} is not running in this window, so it cannot be stopped from here.`);
    return run.stop(this.options.stopTimeoutMs);
  }

  /** Reads every run folder under `runsDir` (initial scan) and re-attaches to the runs still running. */
  async loadAll(runsDir: string): Promise<void> {
    // Every run that has not ended is followed: a live one is tailed, a dead one gets its failure recorded.
    const folders = await listRunFolders(runsDir, { isAlive: () => true });
    this.registry.resetFolders(runsDir, folders);
    for (const f of folders) {
      if (isFollowable(f.summary) && !this.live.has(f.runId)) this.attach(f.runId, f.dir, f.summary);
      this.changed(f.runId);
    }
  }

  /** Follows a run a trainer of another window or a terminal writes (running, or starting up under its lock). */
  private attach(runId: string, dir: string, summary: RunSummary): void {
    if (summary.pid === undefined) return;
    this.trackEnding(runId);
    void this.follow(runId, LiveRun.attach(runId, dir, summary.pid, this.logFileOf(runId), this.handlersFor(runId, dir), this.options.pollMs, summary.startingSince));
  }

  /** Re-reads one run folder after a file-system event (a run started from a terminal, or changed). */
  async refreshFolder(dir: string): Promise<void> {
    const runId = path.basename(dir);
    // A hidden `.<run-id>.tmp-<pid>` is a run folder being made (it is renamed into place whole): not a run.
    if (!isRunId(runId) || this.live.has(runId)) return;
    const folder = await readRunFolder(dir, { isAlive: () => true });
    this.registry.upsert(runId, dir, folder.summary);
    if (isFollowable(folder.summary)) this.attach(runId, dir, folder.summary);
    this.changed(runId);
  }

  /** Forgets a run whose folder was deleted (unless it is only queued, or live in this window). */
  forgetFolder(dir: string): void {
    const runId = path.basename(dir);
    if (this.live.has(runId) || this.queue.isWaiting(runId)) return;
    if (this.registry.remove(runId).found) this.changed(runId);
  }

  isActive(runId: string): boolean {
    return this.live.has(runId) || this.queue.isWaiting(runId);
  }

  liveRunIds(): string[] {
    return [...this.live.keys()];
  }

  /** Stops following (the trainers keep running: a reload re-attaches to them). */
  dispose(): void {
    for (const run of this.live.values()) run.dispose();
    this.live.clear();
    this.listeners.clear();
    this.stderrListeners.clear();
  }
}

/**
 * Runs a LiveRun follows: running, or queued with a trainer's pid (its lock: starting up). A dead one is
 * recorded once as failed by that LiveRun (the folder is read with every pid taken as alive).
 */
function isFollowable(summary: RunSummary): boolean {
  return (summary.status === 'running' || summary.status === 'queued') && summary.pid !== undefined;
}

/**
 * Why the extension must not start a trainer on (or delete) a run folder: its id is not a run id or it
 * lies outside the runs folder, or a live trainer holds its lock (a terminal's `--resume`, another window).
 */
export function whyNotWritable(entry: Pick<RunEntry, 'runId' | 'dir'>, runsDir: string): string | undefined {
  let dir: string;
  try {
    dir = runDirIn(runsDir, entry.runId);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  if (path.resolve(entry.dir) !== dir) return `Run ${entry.runId} is listed at ${entry.dir}, which is not ${dir} in the runs folder ${path.resolve(runsDir)}.`;
  const live = liveLockHolder(dir);
  return live ? lockedMessage(entry.runId, live.lockFile, live.holder) : undefined;
}
