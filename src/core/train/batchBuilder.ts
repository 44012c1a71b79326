/**
 * The per-batch sampling work of the loop: count the positives, and add what the training mode
 * needs to a batch of positives — for listwise batch columns (`in_batch`, `mixed`) the logQ column
 * correction and the accidental-hit mask, for `mixed` the B′ extra items shared by every row (with
 * their logQ and mask), and the sampler's per-row negatives with, for the listwise softmax under logQ,
 * the log-probability of each slot under its own proposal (kept in buffers reused from batch to batch).
 * The sampling study times this very code (bench/sampling-study.ts).
 */
import type { TrainingConfig } from '../config/schema';
import type { Dataset } from '../data/dataset';
import type { ExtraColumnSampler, InBatchCorrection, NegativeSampler, PositiveBatch, RowColumnCorrection, SamplingCounters, UserPositiveIndex } from '../sampling';
import { accidentalHitMask, batchColumns, createExtraColumnSampler, createRowColumnCorrection } from '../sampling';
import type { Rng } from '../util/rng';
import type { TrainBatch } from './step';

/** Samplers and corrections of a run, as the loop built them from the config. */
export interface BatchSamplers {
  negatives: NegativeSampler | undefined;
  /** `source: mixed`: the shared extra columns. */
  extra?: ExtraColumnSampler;
  /** logQ of the per-row sampled columns of the listwise softmax, easy and hard (undefined when logQ is off). */
  rowCorrection?: RowColumnCorrection;
}

/** The batch samplers of `training`, around the negative sampler the caller built (it restores and refreshes that one). */
export function batchSamplersFor(training: TrainingConfig, dataset: Dataset, userPositives: UserPositiveIndex, negatives: NegativeSampler | undefined): BatchSamplers {
  return {
    negatives,
    extra: createExtraColumnSampler(training, dataset, userPositives),
    rowCorrection: createRowColumnCorrection(training, negatives),
  };
}

export class TrainBatchBuilder {
  private readonly inBatch: boolean;
  private readonly perPositive: number;
  private readonly negOut: Int32Array;
  private readonly kinds: Uint8Array;
  private readonly negLogQ: Float32Array;
  private readonly extraOut: Int32Array;

  constructor(
    private readonly training: TrainingConfig,
    private readonly userPositives: UserPositiveIndex,
    private readonly samplers: BatchSamplers,
    private readonly counters: SamplingCounters,
    private readonly samplerRng: Rng,
  ) {
    this.inBatch = batchColumns(training);
    this.perPositive = training.negatives.per_positive;
    this.negOut = new Int32Array(training.batch_size * this.perPositive);
    this.kinds = new Uint8Array(training.batch_size * this.perPositive);
    this.negLogQ = new Float32Array(training.batch_size * this.perPositive);
    this.extraOut = new Int32Array(samplers.extra?.count ?? 0);
  }

  /**
   * The train batch for `batch`; `step` is what the streaming logQ estimator sees, `correction` the
   * current one (it changes per epoch when rebalancing). negItems, negLogQ and extraItems are views of
   * reused buffers: valid until the next call.
   */
  build(batch: PositiveBatch, step: number, correction: InBatchCorrection | undefined): TrainBatch {
    const { training, counters, perPositive } = this;
    const { negatives: sampler, extra, rowCorrection } = this.samplers;
    counters.recordPositives(batch);
    const out: TrainBatch = { users: batch.users, posItems: batch.items };
    if (this.inBatch) {
      correction?.observe?.(batch, step);
      if (correction) out.logQ = correction.logQ(batch);
      const mask = training.negatives.remove_accidental_hits ? accidentalHitMask(batch, this.userPositives) : undefined;
      if (mask) out.hitMask = mask;
      counters.recordInBatch(batch, mask);
    }
    if (extra) {
      extra.sample(this.samplerRng, this.extraOut);
      out.extraItems = this.extraOut;
      if (correction) out.extraLogQ = extra.logQ(this.extraOut);
      out.extraMask = extra.mask(batch, this.extraOut);
      recordExtraColumns(counters, this.extraOut, extra.easy.kind, out.extraMask, batch.items.length);
    }
    if (sampler) {
      const slots = batch.users.length * perPositive;
      const neg = this.negOut.subarray(0, slots);
      const k = this.kinds.subarray(0, slots);
      sampler.sample(batch, perPositive, this.samplerRng, neg, k);
      counters.recordNegatives(neg, slots, k);
      out.negItems = neg;
      out.negPerPositive = perPositive;
      if (rowCorrection) {
        const logQ = this.negLogQ.subarray(0, slots);
        rowCorrection.fill(batch, perPositive, neg, k, logQ);
        out.negLogQ = logQ;
        // The sampled softmax corrects its positive column too; batch columns carry p_j in logQ instead.
        if (!this.inBatch) out.posLogQ = rowCorrection.positiveLogQ(batch);
      }
    }
    return out;
  }
}

/** Each extra item is a negative of every row that does not mask it. */
function recordExtraColumns(counters: SamplingCounters, items: Int32Array, kind: 'uniform' | 'popularity', mask: Uint8Array, rows: number): void {
  const width = items.length;
  for (let k = 0; k < width; k++) {
    let uses = rows;
    for (let r = 0; r < rows; r++) uses -= mask[r * width + k];
    counters.addNegativeMass(kind, items[k], uses);
  }
}
