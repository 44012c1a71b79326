/**
 * The per-batch sampling work of the loop: count the positives, and add what the training mode
 * needs to a batch of positives — for the listwise in-batch softmax the logQ column correction and
 * the accidental-hit mask, and the sampler's negatives (kept in buffers reused from batch to batch).
 * The sampling study times this very code (bench/sampling-study.ts).
 */
import type { TrainingConfig } from '../config/schema';
import type { InBatchCorrection, NegativeSampler, PositiveBatch, SamplingCounters, UserPositiveIndex } from '../sampling';
import { accidentalHitMask } from '../sampling';
import type { Rng } from '../util/rng';
import type { TrainBatch } from './step';

/** Whether the loop builds in-batch softmax columns (mask, logQ); pointwise/pairwise in-batch negatives are drawn by the sampler. */
export function listwiseInBatch(training: TrainingConfig): boolean {
  return training.mode === 'listwise' && training.negatives.source === 'in_batch';
}

export class TrainBatchBuilder {
  private readonly inBatch: boolean;
  private readonly perPositive: number;
  private readonly negOut: Int32Array;
  private readonly kinds: Uint8Array;

  constructor(
    private readonly training: TrainingConfig,
    private readonly userPositives: UserPositiveIndex,
    private readonly sampler: NegativeSampler | undefined,
    private readonly counters: SamplingCounters,
    private readonly samplerRng: Rng,
  ) {
    this.inBatch = listwiseInBatch(training);
    this.perPositive = training.negatives.per_positive;
    this.negOut = new Int32Array(training.batch_size * this.perPositive);
    this.kinds = new Uint8Array(training.batch_size * this.perPositive);
  }

  /**
   * The train batch for `batch`; `step` is what the streaming logQ estimator sees, `correction` the
   * current one (it changes per epoch when rebalancing). negItems is a view of a reused buffer:
   * valid until the next call.
   */
  build(batch: PositiveBatch, step: number, correction: InBatchCorrection | undefined): TrainBatch {
    const { training, counters, sampler, perPositive } = this;
    counters.recordPositives(batch);
    const out: TrainBatch = { users: batch.users, posItems: batch.items };
    if (this.inBatch) {
      correction?.observe?.(batch, step);
      if (correction) out.logQ = correction.logQ(batch);
      const mask = training.negatives.remove_accidental_hits ? accidentalHitMask(batch, this.userPositives) : undefined;
      if (mask) out.hitMask = mask;
      counters.recordInBatch(batch, mask);
    }
    if (sampler) {
      const slots = batch.users.length * perPositive;
      const neg = this.negOut.subarray(0, slots);
      const k = this.kinds.subarray(0, slots);
      sampler.sample(batch, perPositive, this.samplerRng, neg, k);
      counters.recordNegatives(neg, slots, k);
      out.negItems = neg;
      out.negPerPositive = perPositive;
    }
    return out;
  }
}
