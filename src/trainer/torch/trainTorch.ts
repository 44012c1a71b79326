/**
 * The torch Runner behind the front door: the run folder, config.yaml and the data are already there
 * (src/trainer/train.ts); this writes the prepared arrays and the `started` event, hands the training
 * to the torch workers (answering their evaluations' index requests, annEvalService.ts), and turns
 * their end into the trainer's exit code. The `started` event is the
 * tfjs engine's (the same sampling targets and hard-negative report, from the same data) plus the
 * engine, device, processes and world size.
 */
import { cpus, hostname } from 'node:os';

import type { Experiment } from '../../core/config/schema';
import type { Dataset } from '../../core/data/dataset';
import { batchColumns, buildUserPositiveIndex, createInBatchCorrection, createNegativeSampler, rebalancePositives, targetSamplingDistribution } from '../../core/sampling';
import { hardNegativesReport } from '../../core/sampling/hardReport';
import type { CheckpointState } from '../../core/train/checkpoint';
import type { EventWriter } from '../../core/train/events';
import { datasetSummary } from '../../core/train/datasetSummary';
import { freshStreams } from '../../core/train/loop';
import type { RunPaths } from '../../core/train/runFolder';
import { Rng } from '../../core/util/rng';
import type { TrainerEvent } from '../../shared/events';
import { AnnEvalService } from './annEvalService';
import { writePrepared } from './prepare';
import type { TorchProbe } from '../../core/engines/torchProbe';
import { findPackageDir, runTorchWorkers, type TorchOutcome } from './runner';

export interface TorchRunInputs {
  config: Experiment;
  dataset: Dataset;
  paths: RunPaths;
  writer: EventWriter;
  probe: TorchProbe;
  device: 'cpu' | 'cuda';
  experimentFile: string;
  params: Record<string, string | number | boolean>;
  resume?: CheckpointState;
  onEvent(event: TrainerEvent): void;
  /** Things worth a warning line: an evaluation that could not go through the ANN index. */
  onWarning?(message: string): void;
  onStopSignal(handler: (signal: string) => void): () => void;
}

/**
 * Threads per worker: engine_options.threads, else 1 on CPU (scale with processes: at B = 512 on these
 * 2 cores, one process with 2 intra-op threads trained at 25k examples/s against 54k with 1 thread,
 * docs/benchmarks.md) and the cores shared among the processes on CUDA, where they only feed the GPU.
 */
export function threadsPerProcess(config: Experiment, device: 'cpu' | 'cuda'): number {
  const o = config.training.engine_options;
  if (o.threads !== undefined) return o.threads;
  return device === 'cpu' ? 1 : Math.max(1, Math.floor(cpus().length / o.processes));
}

export async function trainWithTorch(x: TorchRunInputs): Promise<TorchOutcome> {
  const { config, dataset, paths, writer } = x;
  const training = config.training;
  const { evaluator } = writePrepared(paths.dir, paths.runId, config, dataset);
  const processes = training.engine_options.processes;
  const threads = threadsPerProcess(config, x.device);
  writer.write(startedEvent(x, processes, threads));
  return runTorchWorkers({
    python: x.probe.python,
    device: x.device,
    processes,
    threads,
    runDir: paths.dir,
    resume: x.resume !== undefined,
    packageDir: findPackageDir(),
    ...(config.serving.index ? { annEval: new AnnEvalService(paths.dir, evaluator, x.onWarning) } : {}),
    onEvent: x.onEvent,
    onStopSignal: x.onStopSignal,
  });
}

/** What the torch `started` event is made of; `pid` (default: this process) is the process a reader checks for liveness. */
export type StartedInputs = Pick<TorchRunInputs, 'config' | 'dataset' | 'device' | 'experimentFile' | 'params' | 'resume'> & { probe?: Pick<TorchProbe, 'torch'>; pid?: number };

/**
 * The front door's `started` event of a torch run (also written by `two-tower-lab prepare` for a run of
 * several nodes, whose workers start elsewhere): the tfjs engine's, plus engine, device, ranks, threads.
 */
export function startedEvent(x: StartedInputs, processes: number, threads: number): Parameters<EventWriter['write']>[0] {
  const { config, dataset } = x;
  const training = config.training;
  const userPositives = buildUserPositiveIndex(dataset);
  const sampler = createNegativeSampler(training, dataset, new Rng(training.seed), userPositives);
  const rebalanced =
    training.positives.rebalance.method !== 'none' ? rebalancePositives(dataset.train, dataset.itemClicks, training.positives.rebalance, freshStreams(training.seed).rebalance) : undefined;
  const pairs = rebalanced?.pairs ?? dataset.train;
  const correction = createInBatchCorrection(training, dataset, pairs);
  const distribution = targetSamplingDistribution(pairs, dataset.itemClicks, { sampler, inBatch: batchColumns(training), correction });
  const hardNegatives = hardNegativesReport({ sampler, hard: training.negatives.hard, userPositives, pairs, rankingLog: dataset.rankingLog, epoch: x.resume?.epoch ?? 0 });
  return {
    type: 'started',
    experiment: x.experimentFile,
    mode: training.mode,
    loss: training.loss,
    backend: 'torch',
    engine: 'torch',
    device: x.device,
    processes,
    worldSize: processes * training.engine_options.nodes,
    threads,
    ...(x.probe?.torch !== undefined ? { torch: x.probe.torch } : {}),
    pid: x.pid ?? process.pid,
    host: hostname(),
    epochs: training.epochs,
    stepsPerEpoch: Math.ceil(dataset.train.users.length / training.batch_size),
    batchSize: training.batch_size,
    resumedFromEpoch: x.resume?.epoch ?? 0,
    dataset: datasetSummary(dataset),
    params: x.params,
    sampling: rebalanced ? { distribution, rebalance: rebalanced.stats } : { distribution },
    ...(hardNegatives ? { hardNegatives } : {}),
  };
}
