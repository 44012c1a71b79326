/**
 * Counters of what was actually drawn, per item-popularity decile: positives, and each kind of
 * negative. The loop records every batch and reads a `SamplingDistribution` each epoch (for the
 * `started` and `sampling` events), then resets. Recording is a few array increments per item.
 * With hard negatives the distribution also says how many hard slots fell back to easy negatives
 * (the hard sampler counts them as it draws; the counters read and reset its tally).
 */
import type { HardFallback, SamplingDistribution } from '../../shared/events';
import type { PositivePairs } from '../data/dataset';
import { PopularitySampler, UniformSampler } from './easy';
import { HardNegativeSampler, type HardPools } from './hard';
import { InBatchNegativeSampler } from './inBatchSampler';
import { MixedSampler } from './mixer';
import { NO_GROUP, popularityDeciles } from './popularity';
import { NEGATIVE_KIND_CODES, type InBatchCorrection, type NegativeKind, type NegativeSampler, type PositiveBatch } from './types';

const IN_BATCH_CODE = NEGATIVE_KIND_CODES.indexOf('in_batch');

/** The hard-negative part of a sampler, if any (alone, or the hard side of a mix). */
export function hardSamplerOf(sampler: NegativeSampler | undefined): HardNegativeSampler | undefined {
  if (sampler instanceof HardNegativeSampler) return sampler;
  if (sampler instanceof MixedSampler) return sampler.hard;
  return undefined;
}

export class SamplingCounters {
  readonly decile: Uint8Array;
  private readonly positives = new Float64Array(10);
  /** negatives[code·10 + decile]. */
  private readonly negatives = new Float64Array(NEGATIVE_KIND_CODES.length * 10);
  /** Whose fallback tally the distribution reports, and `reset` clears. */
  readonly hard: HardNegativeSampler | undefined;

  /** `sampler`: the run's negative sampler, whose hard part (if any) counts its fallbacks. */
  constructor(itemClicks: ArrayLike<number>, sampler?: NegativeSampler) {
    this.decile = popularityDeciles(itemClicks);
    this.hard = hardSamplerOf(sampler);
  }

  recordPositives(batch: PositiveBatch): void {
    for (let r = 0; r < batch.items.length; r++) {
      const d = this.decile[batch.items[r]];
      if (d !== NO_GROUP) this.positives[d]++;
    }
  }

  /** The first `count` slots of `out`; `kinds` per slot, or every slot of kind `kind`. */
  recordNegatives(out: Int32Array, count: number, kinds: Uint8Array | undefined, kind?: NegativeKind): void {
    const fixed = kind === undefined ? -1 : NEGATIVE_KIND_CODES.indexOf(kind);
    if (!kinds && fixed < 0) throw new Error('recordNegatives: give either the kinds array or the kind of every slot.');
    for (let s = 0; s < count; s++) {
      const d = this.decile[out[s]];
      if (d === NO_GROUP) continue;
      const code = kinds ? kinds[s] : fixed;
      this.negatives[code * 10 + d]++;
    }
  }

  /**
   * In-batch negatives: column j serves as a negative of every row i ≠ j that the mask (B×B, 1 =
   * masked) leaves in; without a mask that is B − 1 rows.
   */
  recordInBatch(batch: PositiveBatch, mask?: Uint8Array): void {
    const b = batch.items.length;
    const uses = new Float64Array(b).fill(b - 1);
    // Each masked (i, j) takes one use away from column j. Masks are mostly zeros: read them four
    // bytes at a time and look closer only at non-zero words.
    if (mask) {
      const cells = b * b;
      const aligned = mask.byteOffset % 4 === 0 ? cells >> 2 : 0;
      const words = new Uint32Array(mask.buffer, mask.byteOffset, aligned);
      for (let w = 0; w < aligned; w++) {
        if (words[w] === 0) continue;
        for (let k = w * 4; k < w * 4 + 4; k++) if (mask[k]) uses[k % b]--;
      }
      for (let k = aligned * 4; k < cells; k++) if (mask[k]) uses[k % b]--;
    }
    for (let j = 0; j < b; j++) {
      const d = this.decile[batch.items[j]];
      if (d !== NO_GROUP) this.negatives[IN_BATCH_CODE * 10 + d] += uses[j];
    }
  }

  /** Adds `weight` negatives of `kind` on `item` (for expected, not drawn, distributions). */
  addNegativeMass(kind: NegativeKind, item: number, weight: number): void {
    const d = this.decile[item];
    if (d !== NO_GROUP) this.negatives[NEGATIVE_KIND_CODES.indexOf(kind) * 10 + d] += weight;
  }

  reset(): void {
    this.positives.fill(0);
    this.negatives.fill(0);
    this.hard?.resetTally();
  }

  /** Raw counts (not shares), e.g. for tests and for a ratio of kinds. */
  negativeCount(kind: NegativeKind): number {
    const code = NEGATIVE_KIND_CODES.indexOf(kind);
    let total = 0;
    for (let d = 0; d < 10; d++) total += this.negatives[code * 10 + d];
    return total;
  }

  positiveCounts(): Float64Array {
    return this.positives.slice();
  }

  /** Counts of one negative kind per decile (a copy). */
  negativeCountsByDecile(code: number): Float64Array {
    return this.negatives.slice(code * 10, code * 10 + 10);
  }
}

function shares(counts: ArrayLike<number>): number[] {
  let total = 0;
  for (let d = 0; d < 10; d++) total += counts[d];
  const out: number[] = [];
  for (let d = 0; d < 10; d++) out.push(total > 0 ? counts[d] / total : 0);
  return out;
}

/**
 * The distribution for the `started`/`sampling` events: per decile, the share of positives and of
 * each negative kind drawn at least once, (with logQ) the mean p_i of the decile's items, and (with
 * hard negatives) the hard slots drawn since the last reset and the share that fell back to easy.
 */
export function samplingDistribution(counters: SamplingCounters, correction?: InBatchCorrection): SamplingDistribution {
  const negatives: Record<string, number[]> = {};
  NEGATIVE_KIND_CODES.forEach((kind, code) => {
    const counts = counters.negativeCountsByDecile(code);
    if (counts.some((v) => v > 0)) negatives[kind] = shares(counts);
  });
  const distribution: SamplingDistribution = { positives: shares(counters.positiveCounts()), negatives };
  if (counters.hard) {
    const { slots, fellBack } = counters.hard.slotTally();
    distribution.hardFallback = { share: slots > 0 ? fellBack / slots : 0, slots, fellBack };
  }
  const p = correction?.itemProbabilities?.();
  if (p) {
    const sum = new Float64Array(10);
    const n = new Float64Array(10);
    for (let i = 0; i < p.length && i < counters.decile.length; i++) {
      const d = counters.decile[i];
      if (d === NO_GROUP) continue;
      sum[d] += p[i];
      n[d]++;
    }
    distribution.logqP = Array.from(sum, (s, d) => (n[d] > 0 ? s / n[d] : 0));
  }
  return distribution;
}

/**
 * The distribution the samplers aim at, before anything is drawn (for the `started` event): positives
 * of `pairs`; in-batch negatives in proportion to the positives (each batch item is a negative of the
 * other rows); sampled negatives from the sampler's target probabilities, hard pools weighted by how
 * many positives each user has, users without a pool on the easy fallback. The OOV row and the
 * exclusion of a row's own positive are ignored (they change shares by a fraction of a percent).
 */
export function targetSamplingDistribution(
  pairs: PositivePairs,
  itemClicks: ArrayLike<number>,
  opts: { sampler?: NegativeSampler; inBatch: boolean; correction?: InBatchCorrection },
): SamplingDistribution {
  const counters = new SamplingCounters(itemClicks);
  counters.recordPositives(pairs);
  const n = pairs.items.length;
  if (opts.inBatch) for (let r = 0; r < n; r++) counters.addNegativeMass('in_batch', pairs.items[r], 1);
  const sampler = opts.sampler;
  // In-batch negatives drawn as sampled ones come ∝ occurrence in the batches, i.e. ∝ the positives.
  const inBatchMass = (share: number): void => {
    for (let r = 0; r < n; r++) counters.addNegativeMass('in_batch', pairs.items[r], share);
  };
  if (sampler instanceof InBatchNegativeSampler) {
    inBatchMass(1);
  } else if (sampler instanceof UniformSampler || sampler instanceof PopularitySampler) {
    addEasyMass(counters, sampler, n);
  } else if (sampler instanceof HardNegativeSampler) {
    addHardMass(counters, sampler, pairs, 1);
  } else if (sampler instanceof MixedSampler) {
    const easy = sampler.easy;
    if (easy instanceof InBatchNegativeSampler) inBatchMass(1 - sampler.hardShare);
    else addEasyMass(counters, easy, n * (1 - sampler.hardShare));
    addHardMass(counters, sampler.hard, pairs, sampler.hardShare);
  }
  const distribution = samplingDistribution(counters, opts.correction);
  const hard = hardSamplerOf(sampler);
  if (hard) distribution.hardFallback = expectedHardFallback(hard.currentPools, pairs);
  return distribution;
}

/** What share of hard slots will fall back to easy: every positive row whose user has no pool. */
export function expectedHardFallback(pools: HardPools, pairs: PositivePairs): HardFallback {
  return { share: pairs.users.length > 0 ? rowsWithoutPool(pools, pairs) / pairs.users.length : 0 };
}

function rowsWithoutPool({ offsets }: HardPools, pairs: PositivePairs): number {
  const userCount = offsets.length - 1;
  let without = 0;
  for (let r = 0; r < pairs.users.length; r++) {
    const u = pairs.users[r];
    if (!(u >= 0 && u < userCount && offsets[u + 1] > offsets[u])) without++;
  }
  return without;
}

function addEasyMass(counters: SamplingCounters, easy: UniformSampler | PopularitySampler, total: number): void {
  const p = easy.probabilities();
  for (let i = 0; i < p.length; i++) if (p[i] > 0) counters.addNegativeMass(easy.kind, i, p[i] * total);
}

/** Each positive row draws from its user's pool (uniform), or from the easy fallback without one. */
function addHardMass(counters: SamplingCounters, hard: HardNegativeSampler, pairs: PositivePairs, share: number): void {
  const { offsets, items } = hard.currentPools;
  const userCount = offsets.length - 1;
  const rowsOfUser = new Float64Array(userCount);
  let withoutPool = 0;
  for (let r = 0; r < pairs.users.length; r++) {
    const u = pairs.users[r];
    if (u >= 0 && u < userCount && offsets[u + 1] > offsets[u]) rowsOfUser[u]++;
    else withoutPool++;
  }
  for (let u = 0; u < userCount; u++) {
    const size = offsets[u + 1] - offsets[u];
    if (rowsOfUser[u] === 0 || size === 0) continue;
    const w = (share * rowsOfUser[u]) / size;
    for (let k = offsets[u]; k < offsets[u + 1]; k++) counters.addNegativeMass(hard.kind, items[k], w);
  }
  if (withoutPool > 0) addEasyMass(counters, hard.fallback, share * withoutPool);
}
