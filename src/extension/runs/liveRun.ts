/**
 * One live trainer process seen from the extension: started here (a child process) or re-attached after a
 * window reload (only its pid is known). Its events come from the host's one follower of the run folder
 * (runFolderFollower.ts, shared with the plots), never from stdout, so both cases read the same way; its
 * stderr goes to a log file that survives a reload. A process that dies without an `ended` event gets one
 * appended (status `failed`, exit code, last stderr lines), and its stderr is copied to `trainer.log` in
 * the run folder, so every later reader knows what happened.
 * No `vscode` import.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { appendFile, readFile, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { setAsidePartialLine } from '../../core/runs/eventsFile';
import { EVENTS_FILE } from '../../core/runs/runFiles';
import { liveLockHolder } from '../../core/runs/runLock';
import { isProcessAlive, startedElsewhere, summarizeRun, type RunSummary } from '../../core/runs/runSummary';
import { EVENTS_SCHEMA_VERSION, type EndedEvent, type TrainerEvent } from '../../shared/events';
import { runFolders, type RunFolderFeed } from './runFolderFollower';
import { lastLines, TextTail } from './textTail';

export const TRAINER_LOG = 'trainer.log';
/** How many stderr lines a failure message quotes. */
const STDERR_LINES_IN_ERROR = 8;

export interface LiveRunHandlers {
  /** The summary changed (new events, or the process ended). */
  onSummary(summary: RunSummary): void;
  /** Text the trainer wrote to stderr since the last call. */
  onStderr(text: string): void;
  /** A reading error that does not end the run (shown, not swallowed). */
  onError(error: Error): void;
}

export interface SpawnSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The process could not be started at all. */
  spawnError?: Error;
}

export class LiveRun {
  /** The run folder's events, shared with every other reader of the folder in this window. */
  private readonly feed: RunFolderFeed;
  /** An `ended` this window recorded but could not write to the folder (deleted, unwritable). */
  private readonly unwritten: TrainerEvent[] = [];
  /** How many events the current summary was made from. */
  private summarizedCount = 0;
  private readonly stderrTail: TextTail;
  private stderrText = '';
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private exit: Exit | undefined;
  private finished = false;
  private killedAfterTimeout: number | undefined;
  private stopRequested = false;
  /** For a resumed run: when this process was started; until it writes its own `started`, the old `ended` is history. */
  private resumedAt: number | undefined;
  private resolveEnded!: (summary: RunSummary) => void;
  /** Settles once the process is gone and the run folder says how it ended. */
  readonly ended: Promise<RunSummary>;
  summary: RunSummary;

  private constructor(
    readonly runId: string,
    readonly runDir: string,
    readonly logFile: string,
    private readonly handlers: LiveRunHandlers,
    private readonly child: ChildProcess | undefined,
    private pid: number | undefined,
    pollMs: number,
  ) {
    this.feed = runFolders.follow(runDir, { onError: (error) => handlers.onError(error) });
    this.stderrTail = new TextTail(logFile);
    this.summary = summarizeRun(runId, []);
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    this.timer = setInterval(() => void this.tick(), pollMs);
  }

  /** Starts the trainer as a detached child (it outlives a window reload), stderr appended to `logFile`. */
  static spawn(spec: SpawnSpec, runId: string, runDir: string, logFile: string, handlers: LiveRunHandlers, pollMs = 300, resumed = false): LiveRun {
    const spawnedAt = Date.now();
    const fd = openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: { ...process.env, ...spec.env }, detached: true, stdio: ['ignore', 'ignore', fd] });
    } finally {
      closeSync(fd);
    }
    const run = new LiveRun(runId, runDir, logFile, handlers, child, child.pid, pollMs);
    if (resumed) run.resumedAt = spawnedAt;
    child.once('error', (error) => run.onExit({ code: null, signal: null, spawnError: error }));
    child.once('exit', (code, signal) => run.onExit({ code, signal }));
    // The host does not wait for the trainer: a run continues across a window reload.
    child.unref();
    void run.tick();
    return run;
  }

  /**
   * Follows a run another window (or a terminal) started; `pid` comes from its `started` event, or from its
   * lock while it starts up. `since` (the lock's time) is set for a trainer that has not written its own
   * `started` yet: earlier events of the folder (a resumed run's old `ended`) are then history.
   */
  static attach(runId: string, runDir: string, pid: number, logFile: string, handlers: LiveRunHandlers, pollMs = 500, since?: number): LiveRun {
    const run = new LiveRun(runId, runDir, logFile, handlers, undefined, pid, pollMs);
    run.resumedAt = since;
    void run.tick();
    return run;
  }

  private get events(): readonly TrainerEvent[] {
    return this.unwritten.length === 0 ? this.feed.events : [...this.feed.events, ...this.unwritten];
  }

  get isFinished(): boolean {
    return this.finished;
  }

  /** Everything the trainer wrote to stderr so far (what this window has read of it). */
  get stderr(): string {
    return this.stderrText;
  }

  /**
   * Asks the trainer to stop (SIGTERM: it finishes the step, checkpoints and writes `ended` `stopped`).
   * If it has not ended after `timeoutMs`, it is killed and the run is recorded as failed.
   */
  async stop(timeoutMs: number): Promise<RunSummary> {
    if (this.finished) return this.summary;
    const host = this.elsewhere();
    // Its pid is another machine's: signalling it here would hit whatever process has that number on this one.
    if (host !== undefined) throw new Error(`Run ${this.runId} trains on ${host}, not on this machine: stop it there (scancel for a Slurm job, kubectl delete job for Kubernetes, or Ctrl-C in its terminal). Its workers checkpoint and record the stop, which this window then shows.`);
    this.stopRequested = true;
    this.signal('SIGTERM');
    const timer = setTimeout(() => {
      this.killedAfterTimeout = timeoutMs;
      this.signal('SIGKILL');
    }, timeoutMs);
    try {
      return await this.ended;
    } finally {
      clearTimeout(timer);
    }
  }

  private signal(signal: NodeJS.Signals): void {
    try {
      if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
      else if (!this.child && this.pid !== undefined) process.kill(this.pid, signal);
    } catch (error) {
      // ESRCH: it is already gone, which the next tick records.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') this.handlers.onError(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private onExit(exit: Exit): void {
    if (this.exit) return;
    this.exit = exit;
    void this.tick();
  }

  /** The other machine a followed (not spawned) run's trainer runs on, from its latest `started`; undefined when it is this one. */
  private elsewhere(): string | undefined {
    if (this.child) return undefined;
    const started = this.events.filter((e) => e.type === 'started').at(-1);
    return started?.type === 'started' && startedElsewhere(started) ? started.host : undefined;
  }

  private alive(): boolean {
    if (this.child) return this.exit === undefined;
    return this.pid !== undefined && isProcessAlive(this.pid);
  }

  /** One read of events and stderr; serialised, so a burst of triggers never reads twice at once. */
  private tick(): Promise<void> {
    if (this.finished) return Promise.resolve();
    this.ticking ??= this.readOnce().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async readOnce(): Promise<void> {
    // Decide liveness before reading, so an `ended` written just before exit is always read first.
    const alive = this.alive();
    try {
      const text = await this.stderrTail.read();
      if (text !== '') {
        this.stderrText += text;
        this.handlers.onStderr(text);
      }
      // Also what other readers of the folder (a plots panel's watch) read since the last tick.
      await this.feed.read();
      const count = this.events.length;
      const previous = this.summary;
      this.summary = summarizeRun(this.runId, this.events, { isAlive: () => true });
      if (this.resumedAt !== undefined && !this.events.some((e) => (e.type === 'started' || e.type === 'ended') && this.isOwn(e))) {
        // The folder still ends with the previous process's `ended`: show the resumed run as starting, not as stopped.
        // (Its own `ended` without a `started`, e.g. "no checkpoint yet", is how it ended.)
        this.summary = { ...this.summary, status: 'queued', error: undefined };
      }
      if (this.pid === undefined && this.summary.pid !== undefined) this.pid = this.summary.pid;
      if (count !== this.summarizedCount || previous.status !== this.summary.status) this.handlers.onSummary(this.summary);
      this.summarizedCount = count;
    } catch (error) {
      this.handlers.onError(error instanceof Error ? error : new Error(String(error)));
    }
    const hasEnded = this.events.some((e) => e.type === 'ended' && this.isOwn(e));
    // A run whose trainer is on another machine (a cluster job, its folder on a share) ends only with its `ended`.
    const elsewhere = this.elsewhere() !== undefined;
    // A child is done when it has exited; a re-attached run when its pid is gone or it wrote `ended`.
    if (this.child ? !alive : (!alive && !elsewhere) || hasEnded) await this.finish(hasEnded);
  }

  private async finish(hasEnded: boolean): Promise<void> {
    this.finished = true;
    clearInterval(this.timer);
    this.timer = undefined;
    const folderExists = existsSync(this.runDir);
    if (!hasEnded) {
      // Our SIGTERM reached a trainer before it set up its stop handler: still the stop the user asked for.
      const stoppedEarly = this.stopRequested && this.killedAfterTimeout === undefined && this.exit?.signal === 'SIGTERM';
      const ended: EndedEvent = {
        schemaVersion: EVENTS_SCHEMA_VERSION,
        time: new Date().toISOString(),
        runId: this.runId,
        type: 'ended',
        status: stoppedEarly ? 'stopped' : 'failed',
        error: stoppedEarly ? undefined : this.deathMessage(),
        epoch: this.summary.epoch,
        step: this.summary.step,
        elapsedSec: this.summary.durationSec ?? 0,
      };
      // A trainer that now holds the folder's lock (another resume) writes it: never append behind its back.
      const holder = folderExists ? liveLockHolder(this.runDir) : undefined;
      const ownedByAnother = holder !== undefined && holder.holder?.pid !== this.pid;
      if (folderExists && !ownedByAnother) {
        try {
          await appendEvent(path.join(this.runDir, EVENTS_FILE), ended);
          // Read back like any other event, so every reader of the folder (a plots panel) has it too.
          await this.feed.read();
        } catch (e) {
          this.handlers.onError(new Error(`Could not record the failure of run ${this.runId} in its events.jsonl: ${e instanceof Error ? e.message : String(e)}`));
        }
      }
      if (!this.feed.events.some((e) => e.type === 'ended' && e.time === ended.time)) this.unwritten.push(ended);
      this.summary = summarizeRun(this.runId, this.events, { isAlive: () => false });
      this.handlers.onSummary(this.summary);
    }
    // A re-attached run has a log only when this workspace started it (the log file outlives the window).
    if (folderExists && (this.child || existsSync(this.logFile))) {
      try {
        await copyLog(this.logFile, path.join(this.runDir, TRAINER_LOG));
      } catch (e) {
        this.handlers.onError(new Error(`Could not copy the trainer's stderr of run ${this.runId} to ${TRAINER_LOG}: ${e instanceof Error ? e.message : String(e)}`));
      }
    }
    this.feed.dispose();
    this.resolveEnded(this.summary);
  }

  /** Why a run ended without an `ended` event: exit code or signal, and the last lines the trainer printed. */
  private deathMessage(): string {
    const exit = this.exit;
    let what: string;
    if (exit?.spawnError) what = `The trainer could not be started (${exit.spawnError.message}); check the twoTowerLab.nodePath setting.`;
    else if (this.killedAfterTimeout !== undefined) what = `The trainer did not stop within ${Math.round(this.killedAfterTimeout / 1000)} s of SIGTERM, so it was killed (SIGKILL).`;
    else if (exit) what = `The trainer exited ${exit.signal ? `on signal ${exit.signal}` : `with code ${exit.code}`}${this.startingUp() ? " during start-up, before its 'started' event," : ''} without writing an 'ended' event.`;
    else if (this.startingUp()) what = `The trainer (pid ${this.pid ?? '?'}) died during start-up, before its 'started' event (killed, crashed or out of memory while it loaded the data or built the model).`;
    else what = `The trainer process (pid ${this.pid ?? '?'}) is gone without writing an 'ended' event (killed, crashed or out of memory).`;
    const tail = lastLines(this.stderrText, STDERR_LINES_IN_ERROR);
    return tail.length > 0 ? `${what} Last lines of its stderr:\n${tail.join('\n')}` : what;
  }

  /** No `started` of this process was seen: it ended while loading the data or building the model. */
  private startingUp(): boolean {
    return !this.events.some((e) => e.type === 'started' && this.isOwn(e));
  }

  /** Whether an event was written by this process (a resumed run's folder also holds the earlier ones). */
  private isOwn(event: TrainerEvent): boolean {
    return this.resumedAt === undefined || Date.parse(event.time) >= this.resumedAt;
  }

  /** Stops reading (the process keeps running); used when the window closes. */
  dispose(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.feed.dispose();
  }
}

/** Appends one event on a line of its own: a cut last line a killed writer left is set aside first (eventsFile.ts). */
async function appendEvent(file: string, event: TrainerEvent): Promise<void> {
  setAsidePartialLine(file);
  await appendFile(file, `${JSON.stringify(event)}\n`);
}

/** Copies the stderr log into the run folder whole (temp name, then rename). */
async function copyLog(from: string, to: string): Promise<void> {
  let text = '';
  try {
    text = await readFile(from, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await writeFile(`${to}.partial`, text);
  await rename(`${to}.partial`, to);
}
