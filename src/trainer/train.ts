/**
 * `two-tower-lab train`: validate the experiment (an invalid one never starts a run: exit 2), make
 * the run folder, load the data, build the model, run the loop, and report. Once the run folder
 * exists every failure ends in an `ended` event with status `failed` and the error, and a non-zero
 * exit; SIGTERM/SIGINT finish the step, checkpoint, write `ended` `stopped` and exit 0.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ConfigError, loadExperiment, withAbsoluteDataPaths } from '../core/config/load';
import { formatDiagnostic } from '../core/config/diagnostics';
import { stringifyResolvedConfig } from '../core/config/overrides';
import type { Experiment } from '../core/config/schema';
import type { Dataset } from '../core/data/dataset';
import { loadDataset } from '../core/data/load';
import { loadCheckpoint } from '../core/train/checkpoint';
import { readEmbeddings } from '../core/train/runEmbeddings';
import { writeItemIndex } from '../core/serving/annIndex';
import { scoreMetric } from '../core/serving/scoreMetric';
import { writeFileAtomic } from '../core/train/atomicWrite';
import { EventWriter } from '../core/train/events';
import { runTrainingLoop, type LoopResult, type TrainableModel } from '../core/train/loop';
import type { WeightMap } from '../core/train/weightsFile';
import { createRunFolder, experimentName, makeRunId, openRunFolder, runPaths, type RunPaths } from '../core/train/runFolder';
import { RunStoreRefusal } from '../core/runs/runFiles';
import type { RunLock } from '../core/runs/runLock';
import { parseEventLines, type BackendName, type TrainerEvent } from '../shared/events';
import { DEFAULT_RUNS_DIR, flagOverrides, taggedParams, type TrainArgs } from './args';
import { HardNegativeNotes } from './hardNegatives';
import { flattenParams } from './params';
import { changedParams, writeRunMeta, type ParamValue } from '../core/runs/runMeta';
import { writtenLoss } from '../core/config/writtenLoss';
import { Progress, type ProgressSink } from './progress';
import { formatMetricsTable } from './table';
import { belowPopularityNote } from './belowPopularityNote';
import { checkTorchEngine, EngineUnavailable, type TorchReady } from './torch/engineCheck';
import { trainWithTorch } from './torch/trainTorch';

/** How the trainer gets a model and a backend; the CLI passes the tfjs ones, tests may pass others. */
export interface Engine {
  /** `threads`: training.threads, the wasm backend's pool size. */
  initBackend(preferred?: BackendName, threads?: number): Promise<BackendName>;
  createModel(config: Experiment, dataset: Dataset): Promise<TrainableModel & { dispose(): void; setModelWeights(w: WeightMap): void }>;
  numTensors(): number;
  /** The model's own tensors among a checkpoint's weights (without optimiser state), for export. */
  modelWeights(all: WeightMap): WeightMap;
}

export interface TrainIo {
  stdout: ProgressSink;
  stderr: ProgressSink;
  /** Registers the stop request handler (SIGTERM/SIGINT); returns a function that unregisters it. */
  onStopSignal(handler: (signal: string) => void): () => void;
}

/** The `training.loss` written in an experiment file, if it can be read (errors surface later, with positions). */
function fileLossOf(file: string | undefined): unknown {
  if (file === undefined || !existsSync(file)) return undefined;
  return writtenLoss(readFileSync(file, 'utf8'));
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_INVALID = 2;

/** What the run sets differently from its experiment file (its label in the tree); unknown when the file alone does not load. */
async function changedFromFile(file: string, overrides: readonly string[], config: Experiment): Promise<Record<string, ParamValue>> {
  if (overrides.length === 0) return {};
  try {
    const alone = await loadExperiment(file, []);
    return changedParams(flattenParams(withAbsoluteDataPaths(alone.config, alone.filePath)), flattenParams(config));
  } catch {
    return {};
  }
}

export async function trainCommand(args: TrainArgs, engine: Engine, io: TrainIo): Promise<number> {
  const progress = new Progress(io.stderr, args.quiet);
  const overrides = flagOverrides(args, fileLossOf(args.resume !== undefined ? runPaths(args.runsDir, args.resume).config : args.file));

  // 1. The experiment: from the file, or from the run's own config.yaml when resuming.
  let paths: RunPaths;
  let experimentFile: string;
  let config: Experiment;
  let originalExperiment: string;
  let torch: TorchReady | undefined;
  // One writer per run folder: held from here to the last `finally` (runLock.ts; refusal = exit 2, nothing written).
  let lock: RunLock | undefined;
  const note = (message: string): void => io.stderr.write(`two-tower-lab: ${message}\n`);
  try {
    if (args.resume !== undefined) {
      paths = runPaths(args.runsDir, args.resume);
      if (!existsSync(paths.config)) {
        io.stderr.write(`two-tower-lab: no run '${args.resume}' in ${path.resolve(args.runsDir)} (looked for ${paths.config}). Give --runs-dir if the run lives elsewhere.\n`);
        return EXIT_INVALID;
      }
      lock = openRunFolder(args.runsDir, args.resume, { onNote: note }).lock;
      const loaded = await loadExperiment(paths.config, overrides);
      config = loaded.config;
      torch = config.training.engine === 'torch' ? await checkTorchEngine(config, args.resume) : undefined;
      experimentFile = paths.config;
      originalExperiment = firstStartedExperiment(paths.events) ?? paths.config;
      printWarnings(loaded.filePath, loaded.warnings, progress);
    } else {
      const loaded = await loadExperiment(args.file ?? '', overrides);
      config = withAbsoluteDataPaths(loaded.config, loaded.filePath);
      experimentFile = loaded.filePath;
      originalExperiment = loaded.filePath;
      printWarnings(loaded.filePath, loaded.warnings, progress);
      // Before the run folder exists: an engine that cannot start writes nothing.
      torch = config.training.engine === 'torch' ? await checkTorchEngine(config) : undefined;
      const runId = args.runId ?? makeRunId(experimentName(loaded.filePath, loaded.config.name));
      const opened = createRunFolder(args.runsDir, runId, { config: stringifyResolvedConfig(config), onNote: note });
      paths = opened;
      lock = opened.lock;
      writeRunMeta(paths.dir, { ...(args.name !== undefined ? { name: args.name } : {}), changed: await changedFromFile(loaded.filePath, overrides, config) });
    }
  } catch (e) {
    lock?.release();
    if (e instanceof RunStoreRefusal) {
      io.stderr.write(`two-tower-lab: ${e.message}\n`);
      return EXIT_INVALID;
    }
    if (e instanceof ConfigError || e instanceof EngineUnavailable) {
      io.stderr.write(`${e instanceof EngineUnavailable ? 'two-tower-lab: ' : ''}${e.message}\n`);
      return EXIT_INVALID;
    }
    throw e;
  }

  // 2. From here on the run exists: every outcome is recorded in its events.
  writeFileAtomic(paths.config, stringifyResolvedConfig(config));
  const mirrorOn = args.eventsStdout === 'on' || (args.eventsStdout === 'auto' && io.stdout.isTTY !== true);
  let epochs = config.training.epochs;
  const hardNotes = new HardNegativeNotes();
  const writer = new EventWriter(paths.events, paths.runId, mirrorOn ? (line) => io.stdout.write(line) : undefined, (event) => report(event, progress, epochs, hardNotes));
  let stopSignal: string | undefined;
  const unregister = io.onStopSignal((signal) => {
    if (stopSignal !== undefined) {
      // A second signal (Ctrl-C twice) means now: the last complete checkpoint stays valid.
      io.stderr.write(`${signal} again: exiting at once; the last complete checkpoint of run ${paths.runId} is kept.\n`);
      process.exit(130);
    }
    progress.line(`${signal}: finishing the current step, then checkpointing and stopping (run ${paths.runId}); press Ctrl-C again to exit at once.`);
    stopSignal = signal;
  });
  let position = { epoch: 0, step: 0 };
  const began = performance.now();
  let phase = 'starting';
  // If a promise of the run never settles, Node drains its event loop and would exit 0 silently;
  // record the stall as a failure instead (and exit non-zero).
  const onStall = (): void => {
    const error = `The trainer stalled while ${phase}: an operation never completed (this is a bug of two-tower-lab; please report it with the experiment file).`;
    writer.write({ type: 'ended', status: 'failed', error, epoch: position.epoch, step: position.step, elapsedSec: (performance.now() - began) / 1000 });
    io.stderr.write(`two-tower-lab: run ${paths.runId} failed: ${error}\n`);
    process.exitCode = EXIT_FAILED;
    process.off('beforeExit', onStall);
  };
  process.on('beforeExit', onStall);
  // An exception thrown outside the awaited chain (a callback, a timer) still ends the run as failed.
  const onCrash = (e: unknown): void => {
    const error = `The trainer crashed while ${phase}: ${errorText(e)}`;
    try {
      writer.write({ type: 'ended', status: 'failed', error, epoch: position.epoch, step: position.step, elapsedSec: (performance.now() - began) / 1000 });
    } finally {
      io.stderr.write(`two-tower-lab: run ${paths.runId} failed: ${error}\n`);
      process.exit(EXIT_FAILED);
    }
  };
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  let model: (TrainableModel & { dispose(): void }) | undefined;
  progress.line(`run ${paths.runId}  (${paths.dir})`);
  try {
    const checkpoint = args.resume !== undefined ? loadCheckpoint(paths.checkpoint) : undefined;
    if (args.resume !== undefined && checkpoint === undefined) {
      throw new Error(`Run ${paths.runId} has no checkpoint yet (it stopped before the end of its first epoch), so it cannot be resumed. Start it again: two-tower-lab train <file>.`);
    }
    if (checkpoint) position = { epoch: checkpoint.state.epoch, step: checkpoint.state.step };
    if (checkpoint) refuseEngineSwitch(checkpoint.state, config.training.engine, paths.runId);
    // Both engines train on the one data preparation of src/core/data.
    const loadData = (): Promise<Dataset> => {
      phase = `loading the data of ${experimentFile}`;
      return loadDataset(config, experimentFile, { onWarning: (m) => progress.line(`warning: ${m}`) });
    };
    const totalStepsOf = (dataset: Dataset): number => Math.ceil(dataset.train.users.length / config.training.batch_size) * epochs;
    const stoppedLine = (epoch: number, step: number): string =>
      `stopped at epoch ${epoch}, step ${step}; continue with: two-tower-lab train --resume ${paths.runId}${args.runsDir !== DEFAULT_RUNS_DIR ? ` --runs-dir ${args.runsDir}` : ''}`;
    if (torch) {
      const dataset = await loadData();
      phase = 'training on torch';
      const totalSteps = totalStepsOf(dataset);
      let lastEval: { metrics: Record<string, number>; baseline: Record<string, number> } | undefined;
      const outcome = await trainWithTorch({
        config,
        dataset,
        paths,
        writer,
        probe: torch.probe,
        device: torch.device,
        experimentFile: originalExperiment,
        params: taggedParams(flattenParams(config), args.sweepTag),
        resume: checkpoint?.state,
        onEvent: (event) => {
          // Rank 0 writes events.jsonl; the front door shows them as if it had written them.
          if (mirrorOn) io.stdout.write(`${JSON.stringify(event)}\n`);
          if (event.type === 'step') {
            position = { epoch: event.epoch, step: event.step };
            progress.step({ epoch: event.epoch, epochs, step: event.step, totalSteps, examples: event.step * config.training.batch_size });
          } else {
            if (event.type === 'eval') lastEval = event;
            report(event, progress, epochs, hardNotes);
          }
        },
        onWarning: (m) => progress.line(`warning: ${m}`),
        onStopSignal: io.onStopSignal,
      });
      if (lastEval) progress.line(`\n${formatMetricsTable(lastEval.metrics, lastEval.baseline)}`);
      if (outcome.failure !== undefined) throw new Error(outcome.failure);
      if (outcome.ended?.status === 'failed') {
        io.stderr.write(`two-tower-lab: run ${paths.runId} failed: ${outcome.ended.error ?? 'see events.jsonl'}\n`);
        return EXIT_FAILED;
      }
      if (outcome.ended?.status === 'stopped') progress.line(stoppedLine(outcome.ended.epoch, outcome.ended.step));
      printBelowPopularity(paths, progress);
      if (outcome.ended?.status === 'completed' && config.serving.index) {
        // The workers wrote the item vectors; the index is built here, where usearch lives.
        const items = readEmbeddings(paths.embeddings, 'items');
        writeItemIndex(paths.embeddings, items.vectors, items.dim, scoreMetric(config), config.serving);
      }
      return EXIT_OK;
    }
    phase = 'starting the tfjs backend';
    const backend = await engine.initBackend(args.backend, config.training.threads);
    const dataset = await loadData();
    phase = 'building the model';
    model = await engine.createModel(config, dataset);
    if (checkpoint) model.setWeights(checkpoint.weights);
    epochs = config.training.epochs;
    const totalSteps = totalStepsOf(dataset);
    phase = 'training';
    const result: LoopResult = await runTrainingLoop({
      config,
      dataset,
      model,
      writer,
      paths,
      backend,
      experimentFile: originalExperiment,
      params: taggedParams(flattenParams(config), args.sweepTag),
      resume: checkpoint?.state,
      shouldStop: () => stopSignal !== undefined,
      onStep: (p) => {
        position = { epoch: p.epoch, step: p.step };
        progress.step({ epoch: p.epoch, epochs, step: p.step, totalSteps, examples: p.examples });
      },
    });
    if (result.metrics) progress.line(`\n${formatMetricsTable(result.metrics, result.baseline)}`);
    if (result.status === 'stopped') progress.line(stoppedLine(result.epoch, result.step));
    printBelowPopularity(paths, progress);
    return EXIT_OK;
  } catch (e) {
    const message = errorText(e);
    try {
      writer.write({ type: 'ended', status: 'failed', error: message, epoch: position.epoch, step: position.step, elapsedSec: (performance.now() - began) / 1000 });
    } catch (writeError) {
      io.stderr.write(`two-tower-lab: could not record the failure in ${paths.events}: ${errorText(writeError)}\n`);
    }
    io.stderr.write(`two-tower-lab: run ${paths.runId} failed: ${message}\n`);
    return EXIT_FAILED;
  } finally {
    process.off('beforeExit', onStall);
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    unregister();
    writer.close();
    model?.dispose();
    lock?.release();
  }
}

/** A run continues on the engine that trained it: the checkpoints of tfjs and torch hold different optimiser state. */
function refuseEngineSwitch(state: { engine?: string }, engine: string, runId: string): void {
  const trainedBy = state.engine ?? 'tfjs';
  if (trainedBy === engine) return;
  throw new Error(`Run ${runId} was trained by the ${trainedBy} engine, and --resume asks for ${engine}: a run continues on the engine that trained it (their checkpoints hold different optimiser and sampler state). Resume without --engine, or start a new run on ${engine}.`);
}

function printWarnings(file: string, warnings: Parameters<typeof formatDiagnostic>[1][], progress: Progress): void {
  for (const w of warnings) if (w.severity === 'warning') progress.line(formatDiagnostic(file, w));
}

/** The experiment file a run was first launched from (its first `started` event), to keep in resumed runs. */
export function firstStartedExperiment(eventsFile: string): string | undefined {
  if (!existsSync(eventsFile)) return undefined;
  const started = parseEventLines(readFileSync(eventsFile, 'utf8')).events.find((e) => e.type === 'started');
  return started?.type === 'started' ? started.experiment : undefined;
}

export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** Plain progress lines: one per epoch and per evaluation, and what the hard negatives yield. */
function report(event: TrainerEvent, progress: Progress, epochs: number, hardNotes: HardNegativeNotes): void {
  switch (event.type) {
    case 'started':
      if ((event.dataset.droppedTestUnseen ?? 0) > 0) {
        progress.line(
          `note: ${event.dataset.droppedTestUnseen} held-out positives were dropped because their user or item never appears in the training split (no model can retrieve an item it never saw); evaluation uses the remaining ${event.dataset.testPositives}.`,
        );
      }
      progress.line(
        `${event.mode}/${event.loss} on ${event.backend}: ${event.dataset.users} users, ${event.dataset.items} items, ${event.dataset.trainPositives} train / ${event.dataset.testPositives} test positives, ${event.stepsPerEpoch} steps × ${event.epochs} epochs${event.resumedFromEpoch > 0 ? `, resumed after epoch ${event.resumedFromEpoch}` : ''}`,
      );
      for (const line of hardNotes.started(event)) progress.line(line);
      break;
    case 'epoch':
      progress.line(`epoch ${event.epoch}/${epochs}  loss ${event.loss.toFixed(4)}  ${Math.round(event.examplesPerSec)} ex/s  ${event.durationSec.toFixed(1)}s`);
      break;
    case 'sampling':
      for (const line of hardNotes.sampling(event)) progress.line(line);
      break;
    case 'ended':
      if (event.best?.checkpoint !== undefined) {
        progress.line(`best: epoch ${event.best.epoch} by ${event.best.metric} ${event.best.value.toFixed(4)}; its model is kept in ${event.best.checkpoint} and embeddings/best (eval, export and compare use it; --last for the last epoch)`);
      }
      break;
    case 'eval': {
      const keys = Object.keys(event.metrics).filter((k) => /^(recall|ndcg)@/.test(k));
      const on = event.users === undefined ? '' : event.sampled ? `  [sample of ${event.users} users]` : `  [${event.users} users]`;
      progress.line(`  eval  ${keys.map((k) => `${k} ${event.metrics[k].toFixed(4)} (pop ${event.baseline[k].toFixed(4)})`).join('  ')}${on}`);
      break;
    }
    default:
      break;
  }
}

/** After the end-of-run table: the below-popularity line, when the run's kept model is below it. */
function printBelowPopularity(paths: RunPaths, progress: Pick<Progress, 'line'>): void {
  const note = belowPopularityNote(paths);
  if (note !== undefined) progress.line(note);
}
