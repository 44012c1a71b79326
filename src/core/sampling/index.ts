/**
 * The sampling API the training loop calls. Every strategy of the experiment file's
 * `training.negatives` and `training.positives.rebalance` is built here from the config:
 * - `createNegativeSampler`: the sampler that fills the negative slots of a batch (easy, hard, mixed);
 * - `createInBatchCorrection`: logQ probabilities for in-batch negatives;
 * - `accidentalHitMask`, `logqCorrectedLogits`: the in-batch mask and the reference corrected logits;
 * - `rebalancePositives`: the positives of an epoch after popularity rebalancing;
 * - `SamplingCounters` + `samplingDistribution`: what was drawn, per popularity decile, for the events.
 */
import type { TrainingConfig } from '../config/schema';
import type { Dataset, PositivePairs } from '../data/dataset';
import type { Rng } from '../util/rng';
import { PopularitySampler, UniformSampler, type EasySampler } from './easy';
import { bandsFromConfig, HardNegativeSampler, MinedHardNegativeSampler, poolsFromRankingLog } from './hard';
import { batchColumns } from './columns';
import { hardSamplerOf } from './distribution';
import { ExtraColumnSampler } from './extraColumns';
import { CountsCorrection, StreamingFrequencyEstimator } from './logq';
import { InBatchNegativeSampler } from './inBatchSampler';
import { MixedSampler } from './mixer';
import { refuseImpressedNegatives } from './refuse';
import type { InBatchCorrection, NegativeSampler } from './types';
import { buildUserPositiveIndex, type UserPositiveIndex } from './userPositives';

export { buildAliasTable, drawAlias, type AliasTable } from './alias';
export { SamplingCounters, samplingDistribution, targetSamplingDistribution } from './distribution';
export { PopularitySampler, UniformSampler, type EasySampler } from './easy';
export {
  bandsFromConfig,
  HardNegativeSampler,
  mineHardNegatives,
  MinedHardNegativeSampler,
  poolsFromRankingLog,
  type HardPools,
  type RankBand,
  type ScoreTopK,
} from './hard';
export { accidentalHitMask, inBatchColumnLogits, inBatchWithHardLogits, logqCorrectedLogits, MASKED_LOGIT, type InBatchColumnInputs } from './inBatch';
export { IN_BATCH_CODE, InBatchNegativeSampler } from './inBatchSampler';
export { batchColumns } from './columns';
export { ExtraColumnSampler } from './extraColumns';
export { appearanceProbability, CountsCorrection, SampledColumnCorrection, StreamingFrequencyEstimator } from './logq';
export { MixedSampler } from './mixer';
export { createRowColumnCorrection, RowColumnCorrection } from './rowCorrection';
export { gini, popularityDeciles, popularityRanks } from './popularity';
export { rebalancePositives, type RebalanceConfig } from './rebalance';
export { IMPRESSED_NEGATIVES_REFUSED, refuseImpressedNegatives } from './refuse';
export * from './types';
export { buildUserPositiveIndex, userPositiveIndexFromPairs, type UserPositiveIndex } from './userPositives';

/** The easy sampler of the config; `in_batch` and `mixed` draw their easy per-row slots (and hard fallbacks) uniformly. */
function easySampler(training: TrainingConfig, dataset: Dataset): EasySampler {
  const itemCount = dataset.items.size;
  if (training.negatives.source === 'popularity') return new PopularitySampler(dataset.itemClicks, training.negatives.alpha);
  return new UniformSampler(itemCount);
}

/** Refuses `mixed` outside the listwise softmax (the `mixed-needs-softmax` rule says the same in the editor). */
function refuseMixedOutsideSoftmax(training: TrainingConfig): void {
  if (training.negatives.source !== 'mixed' || training.mode === 'listwise') return;
  throw new Error(
    `training.negatives.source is \`mixed\` with \`mode: ${training.mode}\`: mixed negative sampling builds the columns of the listwise softmax (the batch's items plus \`extra\` items shared by every row), and the ${training.mode} loss has no such columns. Use \`mode: listwise\`, or \`source: in_batch\` / \`uniform\` / \`popularity\`.`,
  );
}

/**
 * The sampler of `training.negatives`, or undefined when in-batch negatives need no sampled ones
 * (listwise `in_batch`/`mixed` without hard negatives: the loss takes the batch's other positives itself).
 * Pointwise and pairwise `in_batch` draw their negatives from the batch (`InBatchNegativeSampler`).
 * With hard negatives:
 * - easy source + hard: a `MixedSampler` at `mix.hard` (default 0.5);
 * - listwise `in_batch`/`mixed` + hard: a `MixedSampler` of uniform easy and hard slots at `mix.hard`,
 *   added to the batch's softmax columns (`mix.hard: 1` makes every slot hard);
 * - pointwise/pairwise `in_batch` + hard: a `MixedSampler` of in-batch and hard draws at `mix.hard`.
 * Mined samplers start with empty pools: call `refresh(scoreTopK)` when `needsRefresh(epoch)`.
 * `rng` is not drawn from here: every draw uses the Rng handed to `sample()`, so one saved stream
 * covers sampling. It is in the signature so that a factory needing randomness keeps the call stable.
 */
export function createNegativeSampler(
  training: TrainingConfig,
  dataset: Dataset,
  _rng: Rng,
  userPositives: UserPositiveIndex = buildUserPositiveIndex(dataset),
): NegativeSampler | undefined {
  refuseImpressedNegatives(training);
  refuseMixedOutsideSoftmax(training);
  const negatives = training.negatives;
  const hardCfg = negatives.hard;
  const easy = easySampler(training, dataset);
  const listwiseInBatch = batchColumns(training);
  const sampledInBatch =
    negatives.source === 'in_batch' && !listwiseInBatch
      ? new InBatchNegativeSampler(new UniformSampler(dataset.items.size), negatives.remove_accidental_hits ? userPositives : undefined)
      : undefined;
  if (hardCfg.source === 'none') return listwiseInBatch ? undefined : (sampledInBatch ?? easy);

  const bands = bandsFromConfig(hardCfg);
  let hard: HardNegativeSampler;
  if (hardCfg.source === 'ranking_log') {
    if (!dataset.rankingLog) {
      throw new Error(
        'training.negatives.hard.source is `ranking_log`, but the data has no ranking log. Add `data.ranking_log` (or `data.synthetic.ranking_log: true`), or mine hard negatives with the model: `training.negatives.hard.source: mined`.',
      );
    }
    hard = new HardNegativeSampler('hard_log', poolsFromRankingLog(dataset.rankingLog, dataset.users.size, userPositives, bands), easy);
  } else {
    const topK = Math.min(hardCfg.mine_top_k, dataset.items.size - 1);
    hard = new MinedHardNegativeSampler(dataset.users.size, userPositives, bands, topK, hardCfg.mine_every, easy);
  }
  const { easy: easyShare, hard: hardShare } = negatives.mix;
  if (Math.abs(easyShare + hardShare - 1) > 1e-9) {
    throw new Error(`training.negatives.mix is easy ${easyShare} + hard ${hardShare} = ${easyShare + hardShare}; the two shares must sum to 1.`);
  }
  // Listwise in-batch/mixed: the batch's columns stay, and the row's n slots are hard or uniform-easy at `mix`.
  return new MixedSampler(sampledInBatch ?? easy, hard, hardShare);
}

/** The mixed-negative-sampling extra columns (`source: mixed`, listwise), or undefined. */
export function createExtraColumnSampler(training: TrainingConfig, dataset: Dataset, userPositives: UserPositiveIndex): ExtraColumnSampler | undefined {
  refuseMixedOutsideSoftmax(training);
  const negatives = training.negatives;
  if (negatives.source !== 'mixed') return undefined;
  const extra = negatives.extra_sampler === 'popularity' ? new PopularitySampler(dataset.itemClicks, negatives.alpha) : new UniformSampler(dataset.items.size);
  return new ExtraColumnSampler(extra, negatives.extra, negatives.remove_accidental_hits ? userPositives : undefined);
}

/**
 * logQ correction of in-batch negatives, or undefined when it is off, negatives are not in-batch, or
 * the mode is not listwise: the correction makes the in-batch softmax an unbiased estimate of the full
 * softmax, and pointwise/pairwise losses are not a softmax (the `logq-needs-softmax` rule warns).
 * `counts`: p_i from the pairs batches are cut from (pass the rebalanced pairs when rebalancing, since
 * that is what batches hold; default the dataset's train pairs). `streaming`: the Yi et al. estimator,
 * which the loop must `observe(batch, step)` before asking `logQ(batch)`.
 */
export function createInBatchCorrection(training: TrainingConfig, dataset: Dataset, trainPairs: PositivePairs = dataset.train): InBatchCorrection | undefined {
  if (!batchColumns(training) || !training.negatives.logq_correction) return undefined;
  if (training.negatives.logq_estimate === 'streaming') return new StreamingFrequencyEstimator(dataset.items.size);
  return CountsCorrection.fromPairs(trainPairs, dataset.items.size, training.batch_size);
}

/** The mined-hard-negative part of a sampler, if any: the loop calls its `needsRefresh`/`refresh`. */
export function minedSamplerOf(sampler: NegativeSampler | undefined): MinedHardNegativeSampler | undefined {
  const hard = hardSamplerOf(sampler);
  return hard instanceof MinedHardNegativeSampler ? hard : undefined;
}
