/**
 * What a run folder says about its run: status, mode/loss, progress, best headline metric, duration,
 * last error. The run folder is the single source of truth (DESIGN.md): runs started from a terminal
 * and runs started by the editor are read the same way. Pure: no `vscode`, no tfjs.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

import { engineLabel } from '../../shared/engines';
import { headlineMetricOf } from '../../shared/headline';
import type { EndedEvent, EvalEvent, RunStatus, StartedEvent, TrainerEvent } from '../../shared/events';

export interface RunSummary {
  runId: string;
  status: RunStatus;
  /** Absolute path of the experiment file the run was launched from, when known. */
  experiment?: string;
  mode?: string;
  loss?: string;
  backend?: string;
  /** How the run trains, for display: `tfjs · wasm`, `torch · cpu × 2` (shared/engines.ts engineLabel). */
  engine?: string;
  pid?: number;
  /** Epochs finished so far and planned. */
  epoch: number;
  epochs?: number;
  step: number;
  lastLoss?: number;
  examplesPerSec?: number;
  /** Best value of the headline metric, and the popularity baseline's value of the same metric. */
  headline?: { metric: string; value: number; epoch: number; baseline?: number };
  /**
   * The run's best epoch by its own headline metric (early stopping's, else recall at the smallest K), from
   * its `ended` event; `checkpoint` set when that epoch's model was kept (eval/export/compare use it).
   */
  bestModel?: EndedEvent['best'];
  /** Latest evaluation metrics. */
  lastMetrics?: Record<string, number>;
  startedAt?: number;
  endedAt?: number;
  durationSec?: number;
  error?: string;
  params: Record<string, string | number | boolean>;
  /**
   * Set while a trainer that holds the run's lock has not written its own `started` yet (a fresh run
   * loading its data, or a `--resume` starting up): when it took the lock (ms since the epoch). Events
   * before that time are an earlier process's.
   */
  startingSince?: number;
}

export interface SummarizeOptions {
  /** Whether the trainer process of a run that has not ended is still alive (default: assume alive). */
  isAlive?: (pid: number) => boolean;
  /** Wall time now, for the duration of a live run. */
  now?: number;
  /** This machine's name (default os.hostname()): a run whose `started` names another host cannot have its pid checked here. */
  host?: string;
  /** What the run folder holds besides its events (readRunFolder fills it in); absent for a run only queued in the editor. */
  folder?: FolderFacts;
}

export interface FolderFacts {
  /** The trainer holding run.lock: its pid and start when readable, and whether it is alive (one on another host counts as alive). */
  lock?: { pid?: number; startedAt?: string; alive: boolean };
  /** The folder's entries, to say what a folder without a run holds. */
  entries: string[];
}

/**
 * Folds a run's events into its summary. A run that started but never ended whose process is gone is
 * `failed` with an error that says so, never left `running`.
 */
export function summarizeRun(runId: string, events: readonly TrainerEvent[], options: SummarizeOptions = {}): RunSummary {
  const summary: RunSummary = { runId, status: 'queued', epoch: 0, step: 0, params: {} };
  let started: StartedEvent | undefined;
  let ended: EndedEvent | undefined;
  let lastTime: number | undefined;
  // Time spent training, summed over the run's processes (a resumed run has one per start): the time a run
  // sat stopped between an `ended` and the next `started` is not part of its duration.
  let activeMs = 0;
  let processStart: number | undefined;
  for (const event of events) {
    const time = Date.parse(event.time);
    if (event.type === 'started') {
      // A process that died without `ended` trained until its last event.
      if (processStart !== undefined && lastTime !== undefined) activeMs += Math.max(0, lastTime - processStart);
      processStart = time;
    } else if (event.type === 'ended' && processStart !== undefined) {
      activeMs += Math.max(0, time - processStart);
      processStart = undefined;
    }
    lastTime = time;
    switch (event.type) {
      case 'started':
        started = event;
        ended = undefined; // a resumed run writes a new `started` after an earlier `ended`
        summary.experiment = event.experiment;
        summary.mode = event.mode;
        summary.loss = event.loss;
        summary.backend = event.backend;
        summary.engine = engineLabel(event);
        summary.pid = event.pid;
        summary.epochs = event.epochs;
        summary.params = event.params;
        summary.startedAt ??= Date.parse(event.time);
        break;
      case 'step':
        summary.step = event.step;
        summary.lastLoss = event.loss;
        summary.examplesPerSec = event.examplesPerSec;
        break;
      case 'epoch':
        summary.epoch = event.epoch;
        summary.step = event.step;
        summary.lastLoss = event.loss;
        summary.examplesPerSec = event.examplesPerSec;
        break;
      case 'eval':
        summary.lastMetrics = event.metrics;
        updateHeadline(summary, event, started);
        break;
      case 'ended':
        ended = event;
        summary.bestModel = event.best;
        summary.epoch = Math.max(summary.epoch, event.epoch);
        summary.step = Math.max(summary.step, event.step);
        break;
      default:
        break;
    }
  }
  const lock = options.folder?.lock;
  if (lock?.alive && lock.pid !== undefined && lock.pid !== started?.pid) {
    // A trainer holds the folder but has not written its `started` yet: a fresh run or a resume, starting up.
    summary.status = 'queued';
    summary.pid = lock.pid;
    summary.startingSince = lock.startedAt !== undefined ? Date.parse(lock.startedAt) : undefined;
  } else if (ended) {
    summary.status = ended.status;
    summary.error = ended.error;
    summary.endedAt = Date.parse(ended.time);
  } else if (!started && options.folder) {
    if (lock?.pid !== undefined && !lock.alive) {
      summary.status = 'failed';
      summary.pid = lock.pid;
      summary.error = `The trainer (pid ${lock.pid}) of run ${runId} died during start-up, before its 'started' event (killed, crashed or out of memory while it loaded the data or built the model). Nothing was trained; start the experiment again, or delete this run.`;
    } else if (lock === undefined) {
      const names = options.folder.entries;
      const holds = names.length === 0 ? 'it is empty' : `it holds only ${names.slice(0, 4).join(', ')}${names.length > 4 ? ', …' : ''}`;
      summary.status = 'failed';
      summary.error = `The folder of run ${runId} holds no run: no events, and no trainer owns it (${holds}). Its trainer stopped before the run began (its output says why, e.g. a full disk). Delete it, or start again with --run-id ${runId}.`;
    }
  } else if (started) {
    const alive = startedElsewhere(started, options.host) || (options.isAlive ? options.isAlive(started.pid) : true);
    if (alive) {
      summary.status = 'running';
    } else {
      summary.status = 'failed';
      summary.error = `The trainer process (pid ${started.pid}) of run ${runId} exited without writing an 'ended' event (killed, crashed or out of memory). Its last checkpoint can be resumed.`;
      summary.endedAt = lastTime;
    }
  }
  if (summary.startedAt !== undefined) {
    if (processStart !== undefined) {
      const end = summary.status === 'running' ? (options.now ?? Date.now()) : (lastTime ?? processStart);
      activeMs += Math.max(0, end - processStart);
    }
    summary.durationSec = activeMs / 1000;
  }
  return summary;
}

function updateHeadline(summary: RunSummary, event: EvalEvent, started: StartedEvent | undefined): void {
  const watched = started?.params['training.early_stopping.metric'];
  const metric = summary.headline?.metric ?? headlineMetricOf(event.metrics, typeof watched === 'string' ? watched : undefined);
  if (metric === undefined) return;
  const value = event.metrics[metric];
  if (value === undefined || !Number.isFinite(value)) return;
  if (summary.headline === undefined || value > summary.headline.value) {
    summary.headline = { metric, value, epoch: event.epoch, baseline: event.baseline[metric] };
  }
}

/** The run's trainer runs on another machine (its `started` says so): its pid means nothing here. */
export function startedElsewhere(started: Pick<StartedEvent, 'host'>, host = hostname()): boolean {
  return started.host !== undefined && started.host !== host;
}

/**
 * Whether a process id is alive on this machine (signal 0 tests without sending anything). A zombie (it
 * exited, its parent has not reaped it: e.g. a trainer whose sweep was killed, reparented to an init
 * that does not reap) answers signal 0 too, but runs nothing: on Linux its /proc state says so.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  try {
    // `pid (comm) S …`: the state follows the last ')' (comm may hold spaces and parentheses).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    // No /proc (macOS, Windows) or the process is gone since: signal 0 had the last word.
    return false;
  }
}
