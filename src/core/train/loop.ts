/**
 * The training loop: epochs over the (rebalanced) training positives in a seeded order, batches
 * shaped by the training mode, negatives from the sampler factory, evaluation every N epochs and
 * after the last, early stopping, a checkpoint after every epoch (and on stop), and the event stream.
 *
 * Exact resume: every random choice comes from one of four Rng streams whose states are saved, and
 * the order of an epoch is rebuilt from the streams' states at the start of that epoch, so a run
 * stopped in the middle of an epoch continues with the very next batch.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';

import type { BackendName, EndedEvent, TrainingMode } from '../../shared/events';
import type { Experiment } from '../config/schema';
import type { Dataset, PositivePairs } from '../data/dataset';
import {
  batchColumns,
  buildUserPositiveIndex,
  createInBatchCorrection,
  createNegativeSampler,
  minedSamplerOf,
  rebalancePositives,
  SamplingCounters,
  samplingDistribution,
  targetSamplingDistribution,
  type InBatchCorrection,
  type NegativeSampler,
} from '../sampling';
import { hardNegativesReport } from '../sampling/hardReport';
import { writePerUserEval } from '../eval/perUser';
import { jsDotKernel } from '../eval/scorers';
import { topK } from '../eval/topk';
import { CHECKPOINT_DIR } from '../runs/runFiles';
import { Rng } from '../util/rng';
import { backendThreads } from './backend';
import { batchSamplersFor, TrainBatchBuilder } from './batchBuilder';
import { datasetSummary } from './datasetSummary';
import { BEST_DIR, CHECKPOINT_FORMAT, saveCheckpoint, type BestCheckpoint, type CheckpointState, type EpochPosition } from './checkpoint';
import type { EventWriter } from './events';
import { StepThrottle } from './events';
import { EpochBatches } from './runBatches';
import { initialEarlyStopping, updateEarlyStopping } from './runEarlyStopping';
import { writeItemIndex } from '../serving/annIndex';
import { scoreMetric } from '../serving/scoreMetric';
import { replaceItemEmbeddings, writeEmbeddings } from './runEmbeddings';
import { RunEvaluator, type EvalScope, type RetrievalModel } from './runEval';
import type { RunPaths } from './runFolder';
import type { TrainBatch } from './step';
import type { WeightMap } from './weightsFile';

/** One batch as the model's train step takes it; defined once, beside the step. */
export type { TrainBatch } from './step';

/** What the loop needs from the model. */
export interface TrainableModel extends RetrievalModel {
  trainStep(batch: TrainBatch): number;
  getWeights(): Promise<WeightMap>;
  setWeights(weights: WeightMap): void;
}

export interface LoopOptions {
  config: Experiment;
  dataset: Dataset;
  model: TrainableModel;
  writer: EventWriter;
  paths: RunPaths;
  backend: BackendName;
  /** Absolute path of the experiment file, for the `started` event. */
  experimentFile: string;
  /** Flattened resolved parameters for the `started` event. */
  params: Record<string, string | number | boolean>;
  /** State of the checkpoint to continue from (its weights are already in the model). */
  resume?: CheckpointState;
  /** Polled after every step: true once a stop was asked for (SIGTERM). */
  shouldStop: () => boolean;
  /** Called after every step, for a progress bar. */
  onStep?: (p: { epoch: number; step: number; stepInEpoch: number; stepsPerEpoch: number; totalSteps: number; examples: number }) => void;
  /** Rng stream states to start from (fresh runs): defaults derive from training.seed. */
  now?: () => number;
}

export interface LoopResult {
  status: EndedEvent['status'];
  epoch: number;
  step: number;
  error?: string;
  metrics?: Record<string, number>;
  baseline: Record<string, number>;
  best?: EndedEvent['best'];
}

/** Thrown when the loss is NaN or infinite: the run cannot continue from there. */
export class NonFiniteLossError extends Error {}

interface Streams {
  shuffle: Rng;
  rebalance: Rng;
  sampler: Rng;
}

type EpochStart = EpochPosition['start'];

export function freshStreams(seed: number): Streams {
  // Independent streams per concern, so that changing one (e.g. the number of negatives) does not
  // change the order of the positives.
  const root = new Rng(seed);
  return { shuffle: root.fork(), rebalance: root.fork(), sampler: root.fork() };
}

export async function runTrainingLoop(opts: LoopOptions): Promise<LoopResult> {
  const { config, dataset, model, writer, paths } = opts;
  const now = opts.now ?? (() => performance.now());
  const training = config.training;
  const mode: TrainingMode = training.mode;
  const epochs = training.epochs;
  const inBatch = batchColumns(training);

  const userPositives = buildUserPositiveIndex(dataset);
  const streams = freshStreams(training.seed);
  const sampler: NegativeSampler | undefined = createNegativeSampler(training, dataset, streams.sampler, userPositives);
  // logQ's p_i must come from what is batched: the rebalanced pairs when rebalancing (set below,
  // once the epoch's pairs are known), the train pairs otherwise.
  let correction: InBatchCorrection | undefined = createInBatchCorrection(training, dataset);
  const rebalancing = training.positives.rebalance.method !== 'none';
  const countsPerEpoch = rebalancing && correction !== undefined && training.negatives.logq_estimate !== 'streaming';
  const counters = new SamplingCounters(dataset.itemClicks, sampler);
  const evaluator = new RunEvaluator(dataset, config.evaluation, config.data.seed, { serving: config.serving, metric: scoreMetric(config) });
  const headline = RunEvaluator.headline(config.evaluation, training.early_stopping?.metric);
  if (!(headline in evaluator.baseline)) {
    throw new Error(
      `training.early_stopping.metric is '${headline}', which evaluation does not compute. Computed: ${Object.keys(evaluator.baseline).join(', ')}. Use one of them, or add its K to evaluation.k.`,
    );
  }

  let epoch = 0;
  let step = 0;
  let stepInEpoch = 0;
  let elapsedBefore = 0;
  let early = initialEarlyStopping();
  let stoppedEarly = false;
  let position: EpochPosition | undefined;
  const resume = opts.resume;
  if (resume) {
    epoch = resume.epoch;
    step = resume.step;
    elapsedBefore = resume.elapsedSec;
    early = resume.earlyStopping;
    stoppedEarly = resume.stoppedEarly;
    streams.shuffle.setState(resume.rng.shuffle);
    streams.rebalance.setState(resume.rng.rebalance);
    streams.sampler.setState(resume.rng.sampler);
    if (resume.samplers.negatives !== undefined) sampler?.restoreState?.(resume.samplers.negatives);
    if (resume.samplers.logq !== undefined) correction?.restoreState?.(resume.samplers.logq);
    position = resume.epochPosition;
    stepInEpoch = position?.stepInEpoch ?? 0;
  }

  const firstPairs = dataset.train;
  const stepsPerEpoch = Math.ceil(firstPairs.users.length / training.batch_size);
  const started = now();
  const elapsed = (): number => elapsedBefore + (now() - started) / 1000;
  // What sampling aims at, for the started event: rebalanced on a copy of the stream, so the run's
  // own draws are untouched.
  const rebalanced = rebalancing ? rebalancePositives(dataset.train, dataset.itemClicks, training.positives.rebalance, new Rng(streams.rebalance.getState())) : undefined;
  if (countsPerEpoch && rebalanced) correction = createInBatchCorrection(training, dataset, rebalanced.pairs);
  const targetDistribution = targetSamplingDistribution(rebalanced?.pairs ?? dataset.train, dataset.itemClicks, { sampler, inBatch, correction });
  const hardNegatives = hardNegativesReport({ sampler, hard: training.negatives.hard, userPositives, pairs: rebalanced?.pairs ?? dataset.train, rankingLog: dataset.rankingLog, epoch });
  writer.write({
    type: 'started',
    experiment: opts.experimentFile,
    mode,
    loss: training.loss,
    backend: opts.backend,
    ...(opts.backend === 'wasm' ? { threads: backendThreads(opts.backend) } : {}),
    pid: process.pid,
    host: hostname(),
    epochs,
    stepsPerEpoch,
    batchSize: training.batch_size,
    resumedFromEpoch: resume ? resume.epoch : 0,
    dataset: datasetSummary(dataset),
    params: opts.params,
    sampling: rebalanced ? { distribution: targetDistribution, rebalance: rebalanced.stats } : { distribution: targetDistribution },
    ...(hardNegatives ? { hardNegatives } : {}),
  });

  let lastMetrics: Record<string, number> | undefined;
  let lastBaseline = evaluator.baseline;
  const best = (): EndedEvent['best'] =>
    early.best === null ? undefined : { metric: headline, value: early.best, epoch: early.bestEpoch, ...(existsSync(path.join(paths.checkpoint, BEST_DIR)) ? { checkpoint: `${CHECKPOINT_DIR}/${BEST_DIR}` } : {}) };

  // What a failed write (a full disk) tells the user to do once there is room.
  const resumeHint = `then continue the run with: two-tower-lab train --resume ${paths.runId}`;
  // A run that evaluates more than once keeps its best epoch's model (checkpoint/best, embeddings/best).
  const keepsBest = epochs > config.evaluation.every;
  const checkpoint = async (mid?: EpochPosition, bestCheckpoint: BestCheckpoint = 'keep'): Promise<void> => {
    const weights = await model.getWeights();
    const samplers: Record<string, unknown> = {};
    const negState = sampler?.saveState?.();
    if (negState !== undefined) samplers.negatives = negState;
    const logqState = correction?.saveState?.();
    if (logqState !== undefined) samplers.logq = logqState;
    const state: CheckpointState = {
      format: CHECKPOINT_FORMAT,
      epoch,
      step,
      elapsedSec: elapsed(),
      rng: {
        // Mid-epoch, the order streams are saved as they were when the epoch began (see EpochStart).
        shuffle: mid ? mid.start.shuffle : streams.shuffle.getState(),
        rebalance: mid ? mid.start.rebalance : streams.rebalance.getState(),
        sampler: streams.sampler.getState(),
      },
      samplers,
      earlyStopping: early,
      stoppedEarly,
    };
    if (mid) state.epochPosition = mid;
    saveCheckpoint(paths.checkpoint, weights, state, bestCheckpoint);
    writer.write({ type: 'checkpoint', epoch, step, path: 'checkpoint' });
  };

  const throttle = new StepThrottle(250, 100, now);
  const batchBuilder = new TrainBatchBuilder(training, userPositives, batchSamplersFor(training, dataset, userPositives, sampler), counters, streams.sampler);
  let stopped = false;
  let improved = false;
  let lastYield = now();

  while (epoch < epochs && !stoppedEarly) {
    const start: EpochStart = position?.start ?? { shuffle: streams.shuffle.getState(), rebalance: streams.rebalance.getState() };
    streams.shuffle.setState(start.shuffle);
    streams.rebalance.setState(start.rebalance);
    let pairs: PositivePairs = dataset.train;
    if (rebalancing) {
      pairs = rebalancePositives(dataset.train, dataset.itemClicks, training.positives.rebalance, streams.rebalance).pairs;
      // Counts-based p_i of this epoch's rebalanced positives (the streaming estimator sees the batches themselves).
      if (countsPerEpoch) correction = createInBatchCorrection(training, dataset, pairs);
    }
    const batches = new EpochBatches(pairs, training.batch_size, streams.shuffle);
    const mined = minedSamplerOf(sampler);
    // Freshly mined pools are reported with the epoch's sampling event.
    let minedReport: ReturnType<typeof hardNegativesReport>;
    if (stepInEpoch === 0 && mined?.needsRefresh(epoch)) {
      mined.refresh(mineWith(model, dataset.items.size));
      minedReport = hardNegativesReport({ sampler, hard: training.negatives.hard, userPositives, pairs, epoch });
    }
    counters.reset();
    throttle.startWindow();
    const epochBegan = now();
    let epochLoss = position?.lossSum ?? 0;
    let epochSteps = position?.steps ?? 0;
    let epochExamples = position?.examples ?? 0;
    position = undefined;
    for (; stepInEpoch < batches.steps; stepInEpoch++) {
      const batch = batches.batch(stepInEpoch);
      const trainBatch = batchBuilder.build(batch, step, correction);
      const loss = model.trainStep(trainBatch);
      step++;
      if (!Number.isFinite(loss)) {
        throw new NonFiniteLossError(
          `The loss became ${loss} at step ${step} (epoch ${epoch + 1}, batch ${stepInEpoch + 1} of ${batches.steps}): training diverged. Try a lower training.learning_rate (now ${training.learning_rate})${
            training.loss === 'softmax' || training.loss === 'bce' ? ` or a higher score.temperature (now ${config.score.temperature})` : ''
          }.`,
        );
      }
      epochLoss += loss;
      epochSteps++;
      epochExamples += batch.users.length;
      const due = throttle.add(loss, batch.users.length);
      if (due) writer.write({ type: 'step', step, epoch: epoch + 1, loss: due.loss, examplesPerSec: due.examplesPerSec, numTensors: numTensors(), elapsedSec: elapsed() });
      opts.onStep?.({ epoch, step, stepInEpoch: stepInEpoch + 1, stepsPerEpoch: batches.steps, totalSteps: batches.steps * epochs, examples: batch.users.length });
      // Steps are synchronous: give signal handlers (SIGTERM → stop) and stdout a turn now and then.
      if (now() - lastYield > YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = now();
      }
      if (opts.shouldStop() && stepInEpoch + 1 < batches.steps) {
        stopped = true;
        stepInEpoch++;
        break;
      }
    }
    if (stopped) {
      await checkpoint({ stepInEpoch, start, lossSum: epochLoss, steps: epochSteps, examples: epochExamples });
      break;
    }
    stepInEpoch = 0;
    epoch++;
    const pending = throttle.flush();
    if (pending) writer.write({ type: 'step', step, epoch, loss: pending.loss, examplesPerSec: pending.examplesPerSec, numTensors: numTensors(), elapsedSec: elapsed() });
    const durationSec = (now() - epochBegan) / 1000;
    writer.write({ type: 'epoch', epoch, step, loss: epochSteps > 0 ? epochLoss / epochSteps : 0, examplesPerSec: epochExamples / Math.max(1e-9, durationSec), durationSec, elapsedSec: elapsed() });
    writer.write({ type: 'sampling', epoch, distribution: samplingDistribution(counters, correction), ...(minedReport ? { hardNegatives: minedReport } : {}) });
    if (epoch % config.evaluation.every === 0 || epoch === epochs) {
      const evaluate = (scope: EvalScope): Record<string, number> => {
        const result = evaluator.evaluate(model, scope);
        // The per-user values first: an `eval` event always has its side file (compare reads both).
        writePerUserEval(paths.dir, epoch, result.perUser, resumeHint);
        writer.write({ type: 'eval', epoch, step, metrics: result.metrics, baseline: result.baseline, users: result.users, ...(result.sampled ? { sampled: true } : {}), ...(result.index ? { index: result.index } : {}), elapsedSec: elapsed() });
        lastBaseline = result.baseline;
        return result.metrics;
      };
      lastMetrics = evaluate(epoch === epochs ? 'final' : 'epoch');
      const es = training.early_stopping;
      stoppedEarly = updateEarlyStopping(early, lastMetrics[headline], epoch, es?.patience, es?.min_delta ?? 0);
      // Stopping early after a sampled evaluation: the run's final metrics are still taken on every test user.
      if (stoppedEarly && epoch < epochs && evaluator.samples) lastMetrics = evaluate('final');
      improved = keepsBest && early.bestEpoch === epoch;
      if (improved) replaceItemEmbeddings(path.join(paths.embeddings, BEST_DIR), model.itemVectors(), dataset.items.ids, model.outputDim, resumeHint);
    }
    await checkpoint(undefined, improved ? 'this' : 'keep');
    improved = false;
    if (opts.shouldStop() && epoch < epochs && !stoppedEarly) {
      stopped = true;
      break;
    }
  }

  if (!stopped) {
    const items = model.itemVectors();
    writeEmbeddings(paths.embeddings, 'items', items, dataset.items.ids, model.outputDim, resumeHint);
    if (config.serving.index) writeItemIndex(paths.embeddings, items, model.outputDim, scoreMetric(config), config.serving);
  }
  const status: EndedEvent['status'] = stopped ? 'stopped' : 'completed';
  writer.write({ type: 'ended', status, epoch, step, elapsedSec: elapsed(), best: best() });
  return { status, epoch, step, metrics: lastMetrics, baseline: lastBaseline, best: best() };
}

const YIELD_EVERY_MS = 50;
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Users scored per block when mining: the same blocked kernel and top-K as evaluation. */
const MINE_BLOCK = 128;

/** The model's top-K retrieval, for mining hard negatives (seen items are dropped by the miner). */
function mineWith(model: RetrievalModel, numItems: number): (users: Int32Array, k: number) => Int32Array {
  return (users, k) => {
    const items = model.itemVectors();
    const prepared = model.dotKernel?.(items);
    const kernel = prepared?.kernel ?? jsDotKernel(items, model.outputDim);
    const out = new Int32Array(users.length * k);
    const scores = new Float32Array(MINE_BLOCK * numItems);
    const top = new Int32Array(k);
    try {
      for (let start = 0; start < users.length; start += MINE_BLOCK) {
        const block = users.subarray(start, Math.min(users.length, start + MINE_BLOCK));
        kernel(model.userVectors(block), block.length, scores);
        for (let r = 0; r < block.length; r++) {
          const row = scores.subarray(r * numItems, (r + 1) * numItems);
          row[0] = -Infinity;
          const found = topK(row, k, top);
          out.set(top.subarray(0, found), (start + r) * k);
        }
      }
    } finally {
      prepared?.dispose();
    }
    return out;
  };
}

let tensorCounter: (() => number) | undefined;
/** Lets the trainer report tfjs `memory().numTensors` without the loop importing tfjs. */
export function setTensorCounter(counter: () => number): void {
  tensorCounter = counter;
}
function numTensors(): number | undefined {
  return tensorCounter?.();
}
