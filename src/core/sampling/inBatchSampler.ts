/**
 * In-batch negatives as sampled negatives, for pointwise and pairwise training with
 * `negatives.source: in_batch`: each slot of row r takes the item of another row of the same batch,
 * chosen uniformly among the eligible columns, so an item is drawn in proportion to how often it
 * occurs in the batch (∝ its clicks, like the in-batch softmax). A column is not eligible when it holds
 * the row's own positive item, or, with `remove_accidental_hits`, another positive of the row's user.
 * A row with no eligible column (a batch of one row, or every other row a positive of the user) draws
 * uniformly over the catalogue instead, reported as `uniform` in the counters.
 */
import type { Rng } from '../util/rng';
import { checkOut, UNIFORM_CODE, type UniformSampler } from './easy';
import { accidentalHitMask } from './inBatch';
import { NEGATIVE_KIND_CODES, type NegativeSampler, type PositiveBatch } from './types';
import type { UserPositiveIndex } from './userPositives';

export const IN_BATCH_CODE = NEGATIVE_KIND_CODES.indexOf('in_batch');

/** Uniform tries before counting the eligible columns exactly; a try fails with the share of ineligible columns. */
const REJECTION_TRIES = 16;

export class InBatchNegativeSampler implements NegativeSampler {
  readonly kind = 'in_batch' as const;
  private batch: PositiveBatch = { users: new Int32Array(0), items: new Int32Array(0) };
  private mask: Uint8Array | undefined;

  /** `hits`: the users' training positives when accidental hits are removed, else undefined. */
  constructor(
    readonly fallback: UniformSampler,
    private readonly hits: UserPositiveIndex | undefined,
  ) {}

  sample(batch: PositiveBatch, perPositive: number, rng: Rng, out: Int32Array, kinds?: Uint8Array): void {
    checkOut(batch, perPositive, out, kinds);
    this.begin(batch);
    for (let r = 0; r < batch.items.length; r++) {
      for (let k = 0; k < perPositive; k++) {
        const slot = r * perPositive + k;
        const code = this.drawSlot(rng, r, out, slot);
        if (kinds) kinds[slot] = code;
      }
    }
  }

  /** Prepares the draws of one batch (its accidental-hit mask); call before drawSlot. */
  begin(batch: PositiveBatch): void {
    this.batch = batch;
    this.mask = this.hits ? accidentalHitMask(batch, this.hits) : undefined;
  }

  /** Fills `out[slot]` with a negative of row `r` of the current batch; returns the kind code used. */
  drawSlot(rng: Rng, r: number, out: Int32Array, slot: number): number {
    const items = this.batch.items;
    const b = items.length;
    for (let t = 0; t < REJECTION_TRIES; t++) {
      const j = rng.int(b);
      if (this.eligible(r, j)) {
        out[slot] = items[j];
        return IN_BATCH_CODE;
      }
    }
    // Many ineligible columns: pick the k-th eligible one exactly (still uniform over them).
    let count = 0;
    for (let j = 0; j < b; j++) if (this.eligible(r, j)) count++;
    if (count === 0) {
      out[slot] = this.fallback.draw(rng, items[r]);
      return UNIFORM_CODE;
    }
    let k = rng.int(count);
    for (let j = 0; j < b; j++) {
      if (!this.eligible(r, j)) continue;
      if (k === 0) {
        out[slot] = items[j];
        break;
      }
      k--;
    }
    return IN_BATCH_CODE;
  }

  private eligible(r: number, j: number): boolean {
    const items = this.batch.items;
    if (j === r || items[j] === items[r]) return false;
    return !(this.mask && this.mask[r * items.length + j]);
  }
}
