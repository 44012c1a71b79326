/**
 * Mixes easy and hard negatives: each slot is hard with probability `hardShare`, easy otherwise.
 * The same sampler serves pointwise (one slot per negative label), pairwise (one slot per triplet)
 * and listwise (the n negatives of the softmax). `kinds` says which kind filled each slot; a hard
 * slot of a user without a pool is filled by the easy sampler and reported as easy. The easy part may
 * be in-batch negatives (pointwise/pairwise with `source: in_batch`), drawn from the same batch.
 */
import type { Rng } from '../util/rng';
import { checkOut, type EasySampler } from './easy';
import type { HardNegativeSampler } from './hard';
import { InBatchNegativeSampler } from './inBatchSampler';
import { NEGATIVE_KIND_CODES, type NegativeSampler, type PositiveBatch } from './types';

export class MixedSampler implements NegativeSampler {
  readonly kind = 'mixed' as const;
  private readonly easyCode: number;

  constructor(
    readonly easy: EasySampler | InBatchNegativeSampler,
    readonly hard: HardNegativeSampler,
    readonly hardShare: number,
  ) {
    if (!(hardShare >= 0 && hardShare <= 1)) throw new Error(`Negative mix: the hard share must be in [0, 1], got ${hardShare} (training.negatives.mix.hard).`);
    this.easyCode = NEGATIVE_KIND_CODES.indexOf(easy.kind);
  }

  sample(batch: PositiveBatch, perPositive: number, rng: Rng, out: Int32Array, kinds?: Uint8Array): void {
    checkOut(batch, perPositive, out, kinds);
    const easy = this.easy;
    if (easy instanceof InBatchNegativeSampler) easy.begin(batch);
    for (let r = 0; r < batch.items.length; r++) {
      const user = batch.users[r];
      const avoid = batch.items[r];
      for (let k = 0; k < perPositive; k++) {
        const slot = r * perPositive + k;
        let code: number;
        if (rng.next() < this.hardShare) {
          code = this.hard.drawSlot(rng, user, avoid, out, slot);
        } else if (easy instanceof InBatchNegativeSampler) {
          code = easy.drawSlot(rng, r, out, slot);
        } else {
          out[slot] = easy.draw(rng, avoid);
          code = this.easyCode;
        }
        if (kinds) kinds[slot] = code;
      }
    }
  }

  saveState(): unknown {
    return { hard: this.hard.saveState() };
  }

  restoreState(state: unknown): void {
    if (typeof state !== 'object' || state === null || !('hard' in state)) {
      throw new Error(`Checkpoint sampler state: expected the mixed sampler's { hard } state, found ${JSON.stringify(state)?.slice(0, 80)}.`);
    }
    this.hard.restoreState((state as { hard: unknown }).hard);
  }
}
