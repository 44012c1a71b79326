/**
 * logQ of the listwise softmax's per-row sampled columns: each slot is corrected by the probability
 * that its own proposal puts the item among the row's draws. Easy slots: the easy sampler's P(j)
 * (uniform or popularity^α) over the row's expected easy draws. Hard slots: uniform over the user's
 * pool, over the row's expected hard draws. Without a correction of the hard columns, every other
 * column would be lifted by −γ·log Q and the hard ones left behind, which all but switches them off.
 */
import { hardSamplerOf } from './distribution';
import { PopularitySampler, UniformSampler } from './easy';
import { HardNegativeSampler } from './hard';
import { appearanceProbability, SampledColumnCorrection } from './logq';
import { MixedSampler } from './mixer';
import { NEGATIVE_KIND_CODES, type NegativeSampler, type PositiveBatch } from './types';

const EASY_CODES = new Set<number>([NEGATIVE_KIND_CODES.indexOf('uniform'), NEGATIVE_KIND_CODES.indexOf('popularity')]);
const HARD_CODES = new Set<number>([NEGATIVE_KIND_CODES.indexOf('hard_log'), NEGATIVE_KIND_CODES.indexOf('hard_mined')]);

export class RowColumnCorrection {
  constructor(
    /** The easy slots' correction, or undefined when the row has no easy slots. */
    readonly easy: SampledColumnCorrection | undefined,
    readonly hard: HardNegativeSampler | undefined,
    /** Expected hard draws per row (n · mix.hard). */
    readonly hardDraws: number,
  ) {}

  /** log Q of every slot of a batch (B·n, row-major), from the kind each slot was filled with. */
  fill(batch: PositiveBatch, perPositive: number, items: Int32Array, kinds: Uint8Array, out: Float32Array): void {
    const pools = this.hard?.currentPools;
    for (let r = 0; r < batch.users.length; r++) {
      const user = batch.users[r];
      const poolSize = pools && user >= 0 && user + 1 < pools.offsets.length ? pools.offsets[user + 1] - pools.offsets[user] : 0;
      const hardLogQ = poolSize > 0 ? Math.log(appearanceProbability(1 / poolSize, this.hardDraws)) : 0;
      for (let k = 0; k < perPositive; k++) {
        const s = r * perPositive + k;
        if (EASY_CODES.has(kinds[s])) out[s] = this.easy ? this.easy.logQ(items[s]) : 0;
        else if (HARD_CODES.has(kinds[s])) out[s] = hardLogQ;
        else out[s] = 0;
      }
    }
  }

  /** log Q of each row's positive under the easy sampler (the sampled softmax corrects its positive column too). */
  positiveLogQ(batch: PositiveBatch): Float32Array {
    const easy = this.easy;
    return Float32Array.from(batch.items, (item) => (easy ? easy.logQ(item) : 0));
  }
}

/**
 * The correction of the per-row sampled columns of the listwise softmax, or undefined when logQ is off,
 * the mode is not listwise, or the row has no sampled columns. `draws` of each part is its expected
 * number of draws per row: n·mix.easy and n·mix.hard when hard negatives are mixed in, n otherwise.
 */
export function createRowColumnCorrection(training: { mode: string; negatives: { logq_correction: boolean; per_positive: number } }, sampler: NegativeSampler | undefined): RowColumnCorrection | undefined {
  const negatives = training.negatives;
  if (!negatives.logq_correction || training.mode !== 'listwise' || !sampler) return undefined;
  const n = negatives.per_positive;
  const hardShare = sampler instanceof MixedSampler ? sampler.hardShare : sampler instanceof HardNegativeSampler ? 1 : 0;
  const easyPart = sampler instanceof MixedSampler ? sampler.easy : sampler;
  const easy = (easyPart instanceof UniformSampler || easyPart instanceof PopularitySampler) && hardShare < 1 ? new SampledColumnCorrection(easyPart.probabilities(), n * (1 - hardShare)) : undefined;
  const hard = hardSamplerOf(sampler);
  if (!easy && !hard) return undefined;
  return new RowColumnCorrection(easy, hard, n * hardShare);
}
