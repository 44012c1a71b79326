/**
 * The front door of a run whose torch workers start elsewhere (several nodes, `two-tower-lab launch`):
 *
 * - `two-tower-lab prepare <file> --run-id ID --runs-dir DIR [--nodes N] [--processes P] [--device cpu|cuda]
 *   [--threads T] [--pid PID] [--set path=value]…` does what `train --engine torch` does before it spawns
 *   torchrun (validate, make the run folder with config.yaml, load the data once, write `prepared/` and the
 *   `started` event), and exits. The job then starts torchrun on every node. `--pid` names the process that
 *   lives as long as the run on this node (the job script's shell), so readers of this host follow the run;
 *   readers on other hosts take it as alive until its `ended` (the event names its host).
 * - `two-tower-lab prepare --resume ID --runs-dir DIR [options]` does the same for a stopped or failed torch run
 *   that continues from its checkpoint (`launch --resume`): refused while the run is live, without a torch
 *   checkpoint, or with no epochs left (resumableRun.ts); its `started` says `resumedFromEpoch`.
 * - `two-tower-lab close-run <run-id> --runs-dir DIR --exit-code N` runs after the workers exited non-zero:
 *   when they left no `ended` (a node died, a rank lost its peers), it records `ended` `failed` with the exit
 *   code, so a launched run is never left running. Its exit code is the run's: 0 when it completed or
 *   stopped (a stop makes torchrun's agent exit non-zero), 1 when it failed.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

import { formatDiagnostic } from '../core/config/diagnostics';
import { ConfigError, loadExperiment, withAbsoluteDataPaths } from '../core/config/load';
import { stringifyResolvedConfig } from '../core/config/overrides';
import { loadDataset } from '../core/data/load';
import { RunStoreRefusal } from '../core/runs/runFiles';
import type { Experiment } from '../core/config/schema';
import type { RunLock } from '../core/runs/runLock';
import { writeFileAtomic } from '../core/train/atomicWrite';
import type { CheckpointState } from '../core/train/checkpoint';
import { EventWriter } from '../core/train/events';
import { createRunFolder, openRunFolder, runPaths, type RunPaths } from '../core/train/runFolder';
import { parseEventLines, type TrainerEvent } from '../shared/events';
import { DEFAULT_RUNS_DIR, UsageError } from './args';
import { oneOfFlag, parseFlags, positiveIntFlag, runIdArg, stringFlag } from './cliFlags';
import { flattenParams } from './params';
import type { ProgressSink } from './progress';
import { checkEpochsLeft, ResumeRefusal, resumableTorchRun } from './resumableRun';
import { writePrepared } from './torch/prepare';
import { startedEvent, threadsPerProcess } from './torch/trainTorch';
import { EXIT_FAILED, EXIT_INVALID, EXIT_OK, errorText, firstStartedExperiment } from './train';

export const PREPARE_USAGE = `usage: two-tower-lab prepare <file.tower.yaml> --run-id ID [--runs-dir DIR] [options]
       two-tower-lab prepare --resume ID [--runs-dir DIR] [options]

Prepares a torch run for workers started elsewhere (two-tower-lab launch writes the job that calls this):
validates the experiment, makes the run folder (config.yaml), loads the data once and writes the prepared
arrays and the started event, then exits. Start torchrun on every node afterwards.
With --resume: continues a stopped or failed torch run from its checkpoint (its own config.yaml, with the
options and --set applied); start the workers with --resume afterwards.

options:
  --nodes N             nodes taking part (training.engine_options.nodes)
  --processes P         worker processes per node (training.engine_options.processes)
  --device cpu|cuda     where the workers train (training.engine_options.device)
  --threads T           threads per process (training.engine_options.threads)
  --pid PID             the process that lives as long as the run on this host (default: this one)
  --set path=value      override any field of the file; repeatable
`;

export const CLOSE_RUN_USAGE = `usage: two-tower-lab close-run <run-id> --exit-code N [--runs-dir DIR]

After the torch workers of a launched run exited: records \`ended\` \`failed\` when they wrote no \`ended\`.
`;

export interface PrepareArgs {
  /** The experiment of a new run; absent when `resume` is set (the run's own config.yaml). */
  file?: string;
  runId: string;
  /** Continue run `runId` from its checkpoint instead of making a new one. */
  resume: boolean;
  runsDir: string;
  nodes?: number;
  processes?: number;
  device?: 'cpu' | 'cuda';
  threads?: number;
  pid?: number;
  set: string[];
}

export function parsePrepareArgs(argv: string[]): PrepareArgs {
  const { values: v, positionals } = parseFlags(argv, {
    'run-id': { type: 'string' },
    resume: { type: 'string' },
    'runs-dir': { type: 'string' },
    nodes: { type: 'string' },
    processes: { type: 'string' },
    device: { type: 'string' },
    threads: { type: 'string' },
    pid: { type: 'string' },
    set: { type: 'string', multiple: true },
  });
  const resume = stringFlag(v, 'resume');
  if (resume !== undefined) {
    if (positionals.length > 0 || stringFlag(v, 'run-id') !== undefined) throw new UsageError('prepare --resume ID continues that run from its own config.yaml: give no experiment file and no --run-id.');
  } else if (positionals.length !== 1) {
    throw new UsageError(`prepare takes one experiment file (two-tower-lab prepare <file.tower.yaml> --run-id ID), got ${positionals.length}.`);
  }
  const runId = resume ?? stringFlag(v, 'run-id');
  if (runId === undefined) throw new UsageError('prepare needs --run-id: the job names the run folder that the workers of every node open.');
  return {
    ...(resume === undefined ? { file: positionals[0] } : {}),
    runId: runIdArg(resume !== undefined ? '--resume' : '--run-id', runId),
    resume: resume !== undefined,
    runsDir: stringFlag(v, 'runs-dir') ?? DEFAULT_RUNS_DIR,
    nodes: positiveIntFlag(v, 'nodes'),
    processes: positiveIntFlag(v, 'processes'),
    device: oneOfFlag(v, 'device', ['cpu', 'cuda'] as const),
    threads: positiveIntFlag(v, 'threads'),
    pid: positiveIntFlag(v, 'pid'),
    set: (v.set as string[] | undefined) ?? [],
  };
}

/** The --set overrides a prepared run stands for: the torch engine with the job's shape. */
export function prepareOverrides(a: Pick<PrepareArgs, 'nodes' | 'processes' | 'device' | 'threads' | 'set'>): string[] {
  return [
    'training.engine=torch',
    ...(a.nodes !== undefined ? [`training.engine_options.nodes=${a.nodes}`] : []),
    ...(a.processes !== undefined ? [`training.engine_options.processes=${a.processes}`] : []),
    ...(a.device !== undefined ? [`training.engine_options.device=${a.device}`] : []),
    ...(a.threads !== undefined ? [`training.engine_options.threads=${a.threads}`] : []),
    ...a.set,
  ];
}

export async function prepareCommand(args: PrepareArgs, stdout: ProgressSink, stderr: ProgressSink): Promise<number> {
  let opened: Pick<RunPaths, 'dir' | 'runId' | 'events'> & { lock: RunLock };
  let config: Experiment;
  let experimentFile: string;
  let resume: CheckpointState | undefined;
  const note = (m: string): void => stderr.write(`two-tower-lab: ${m}\n`);
  try {
    if (args.resume) {
      const run = await resumableTorchRun(args.runsDir, args.runId);
      const loaded = await loadExperiment(run.paths.config, prepareOverrides(args));
      for (const w of loaded.warnings) if (w.severity === 'warning') stderr.write(`${formatDiagnostic(loaded.filePath, w)}\n`);
      checkEpochsLeft(run, loaded.config.training.epochs);
      config = loaded.config;
      // The run keeps the experiment it was first prepared from (its `started` events name it).
      experimentFile = firstStartedExperiment(run.paths.events) ?? run.paths.config;
      resume = run.state;
      opened = openRunFolder(args.runsDir, args.runId, { onNote: note });
      writeFileAtomic(run.paths.config, stringifyResolvedConfig(config));
    } else {
      const loaded = await loadExperiment(args.file ?? '', prepareOverrides(args));
      for (const w of loaded.warnings) if (w.severity === 'warning') stderr.write(`${formatDiagnostic(loaded.filePath, w)}\n`);
      config = withAbsoluteDataPaths(loaded.config, loaded.filePath);
      experimentFile = loaded.filePath;
      opened = createRunFolder(args.runsDir, args.runId, { config: stringifyResolvedConfig(config), onNote: note });
    }
  } catch (e) {
    if (e instanceof ConfigError || e instanceof RunStoreRefusal || e instanceof ResumeRefusal) {
      stderr.write(`${e instanceof ConfigError ? '' : 'two-tower-lab: '}${e.message}\n`);
      return EXIT_INVALID;
    }
    throw e;
  }
  // The run exists from here: a failure is recorded in it, so the waiting nodes and the editor see it.
  const writer = new EventWriter(opened.events, opened.runId);
  const began = performance.now();
  try {
    const dataset = await loadDataset(config, experimentFile, { onWarning: (m) => stderr.write(`warning: ${m}\n`) });
    writePrepared(opened.dir, opened.runId, config, dataset);
    const options = config.training.engine_options;
    const device = options.device === 'cuda' ? 'cuda' : 'cpu';
    const threads = threadsPerProcess(config, device);
    writer.write(startedEvent({ config, dataset, device, experimentFile, params: flattenParams(config), pid: args.pid, resume }, options.processes, threads));
    stdout.write(`${opened.dir}\n`);
    return EXIT_OK;
  } catch (e) {
    const error = `${resume ? 'Preparing to resume' : 'Preparing'} run ${opened.runId} failed: ${errorText(e)}`;
    writer.write({ type: 'ended', status: 'failed', error, epoch: resume?.epoch ?? 0, step: resume?.step ?? 0, elapsedSec: (performance.now() - began) / 1000 });
    stderr.write(`two-tower-lab: ${error}\n`);
    return EXIT_FAILED;
  } finally {
    writer.close();
    // The workers write the folder from here on (rank 0): the job's shell, not this process, stands for the run.
    opened.lock.release();
  }
}

export interface CloseRunArgs {
  runId: string;
  runsDir: string;
  exitCode: number;
  /** How long to wait for rank 0 (perhaps on another node, still tearing down) to write its own `ended`. */
  graceSec: number;
}

export const CLOSE_RUN_GRACE_SEC = 30;

export function parseCloseRunArgs(argv: string[]): CloseRunArgs {
  const { values: v, positionals } = parseFlags(argv, { 'runs-dir': { type: 'string' }, 'exit-code': { type: 'string' }, 'grace-sec': { type: 'string' } });
  if (positionals.length !== 1) throw new UsageError(`close-run takes one run id, got ${positionals.length}.`);
  const code = stringFlag(v, 'exit-code');
  if (code === undefined || !/^\d+$/.test(code)) throw new UsageError(`close-run needs --exit-code N (the exit code of torchrun on this node), got '${code ?? ''}'.`);
  const grace = stringFlag(v, 'grace-sec');
  if (grace !== undefined && !/^\d+$/.test(grace)) throw new UsageError(`--grace-sec takes whole seconds, got '${grace}'.`);
  return { runId: runIdArg('close-run', positionals[0]), runsDir: stringFlag(v, 'runs-dir') ?? DEFAULT_RUNS_DIR, exitCode: Number(code), graceSec: grace === undefined ? CLOSE_RUN_GRACE_SEC : Number(grace) };
}

/** What torchrun's exit code says, for the failure message. */
function exitMeaning(code: number): string {
  if (code > 128) return `exit code ${code}: killed by signal ${code - 128}`;
  return `exit code ${code}`;
}

/** The events since the run's last `started` (a resumed run's earlier ones are history). */
function currentEvents(eventsFile: string): TrainerEvent[] {
  const { events } = parseEventLines(readFileSync(eventsFile, 'utf8'));
  return events.slice(Math.max(0, events.map((e) => e.type).lastIndexOf('started')));
}

export async function closeRunCommand(args: CloseRunArgs, stderr: ProgressSink): Promise<number> {
  const paths = runPaths(args.runsDir, args.runId);
  if (!existsSync(paths.events)) {
    stderr.write(`two-tower-lab: run ${args.runId} has no events in ${paths.dir}: it was never prepared, so there is nothing to close.\n`);
    return EXIT_INVALID;
  }
  // Rank 0 may be on another node, writing its own `ended` while this node's torchrun already exited.
  let since = currentEvents(paths.events);
  for (let waited = 0; !since.some((e) => e.type === 'ended') && waited < args.graceSec; waited++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    since = currentEvents(paths.events);
  }
  const ended = since.filter((e) => e.type === 'ended').at(-1);
  // The job's exit code says how the run ended: a stop (scancel, a time limit) that checkpointed is not a failure.
  if (ended) return ended.status === 'failed' ? EXIT_FAILED : EXIT_OK;
  let position = { epoch: 0, step: 0, elapsedSec: 0 };
  for (const e of since) if (e.type === 'step' || e.type === 'epoch') position = { epoch: e.epoch, step: e.step, elapsedSec: e.elapsedSec };
  const logs = path.join(paths.dir, 'torchrun');
  const error =
    `The torch workers of run ${args.runId} exited (${exitMeaning(args.exitCode)}) without recording how the run ended: a node died or was stopped, or a rank lost its peers. ` +
    `Each node's torchrun wrote its ranks' output under ${logs}/. The last complete checkpoint is kept.`;
  const writer = new EventWriter(paths.events, args.runId);
  try {
    writer.write({ type: 'ended', status: 'failed', error, ...position });
  } finally {
    writer.close();
  }
  stderr.write(`two-tower-lab: run ${args.runId} failed: ${error}\n`);
  return EXIT_FAILED;
}
