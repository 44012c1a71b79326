/**
 * Mixed negative sampling (Yang et al., WWW 2020, "Mixed Negative Sampling for Learning Two-tower
 * Neural Networks in Recommendations"): besides the B in-batch columns, every batch gets B′ items drawn
 * from the whole catalogue (`negatives.extra`, by `negatives.extra_sampler`), shared by every row as
 * extra negative columns. In-batch columns only ever hold items that are somebody's positive, ∝ clicks;
 * the extra columns give items that are rarely or never in a batch a chance to be negatives. With logQ,
 * each column is corrected by its own probability: in-batch p_j, extra Q_k = P(k appears in B′ draws).
 */
import type { Rng } from '../util/rng';
import type { EasySampler } from './easy';
import { SampledColumnCorrection } from './logq';
import type { PositiveBatch } from './types';
import type { UserPositiveIndex } from './userPositives';

export class ExtraColumnSampler {
  private readonly correction: SampledColumnCorrection;

  /** `hits`: the users' training positives when accidental hits are removed, else undefined. */
  constructor(
    readonly easy: EasySampler,
    readonly count: number,
    private readonly hits: UserPositiveIndex | undefined,
  ) {
    if (!(Number.isInteger(count) && count >= 1)) throw new Error(`Mixed negatives: training.negatives.extra must be an integer ≥ 1, got ${count}.`);
    // Q_k: the probability that item k is among the B′ draws of the extra sampler.
    this.correction = new SampledColumnCorrection(easy.probabilities(), count);
  }

  /** B′ items, drawn independently (with replacement) from the extra sampler; never the OOV row. */
  sample(rng: Rng, out: Int32Array): void {
    if (out.length !== this.count) throw new Error(`Mixed negatives: ${out.length} slots for ${this.count} extra items.`);
    for (let k = 0; k < this.count; k++) out[k] = this.easy.draw(rng, -1);
  }

  /** log Q_k of each extra item: the probability that it is among the B′ draws. */
  logQ(items: Int32Array): Float32Array {
    const out = new Float32Array(items.length);
    for (let k = 0; k < items.length; k++) out[k] = this.correction.logQ(items[k]);
    return out;
  }

  /**
   * B×B′ mask, row-major: 1 where extra item k is row r's own positive item or (with accidental hits
   * removed) another training positive of row r's user, so a positive is never pushed down. The row's
   * own positive is always masked: it is already the target column.
   */
  mask(batch: PositiveBatch, items: Int32Array): Uint8Array {
    const b = batch.items.length;
    const width = items.length;
    const out = new Uint8Array(b * width);
    for (let r = 0; r < b; r++) {
      const user = batch.users[r];
      const own = batch.items[r];
      for (let k = 0; k < width; k++) {
        const item = items[k];
        if (item === own || (this.hits && this.hits.has(user, item))) out[r * width + k] = 1;
      }
    }
    return out;
  }
}
