/**
 * The positives of one epoch in a seeded order, cut into batches. Batches are views on two
 * preallocated arrays, refilled per step, so the loop makes no garbage per batch.
 */
import type { PositivePairs } from '../data/dataset';
import type { PositiveBatch } from '../sampling/types';
import type { Rng } from '../util/rng';

export class EpochBatches {
  readonly order: Int32Array;
  readonly steps: number;
  private readonly users: Int32Array;
  private readonly items: Int32Array;

  constructor(
    readonly pairs: PositivePairs,
    readonly batchSize: number,
    shuffleRng: Rng,
  ) {
    const n = pairs.users.length;
    this.order = new Int32Array(n);
    for (let i = 0; i < n; i++) this.order[i] = i;
    shuffleRng.shuffle(this.order);
    this.steps = Math.ceil(n / batchSize);
    this.users = new Int32Array(batchSize);
    this.items = new Int32Array(batchSize);
  }

  /** Batch `s` of the epoch (0-based). The last batch may be smaller. Valid until the next call. */
  batch(s: number): PositiveBatch {
    const start = s * this.batchSize;
    const end = Math.min(this.order.length, start + this.batchSize);
    const size = end - start;
    for (let r = 0; r < size; r++) {
      const row = this.order[start + r];
      this.users[r] = this.pairs.users[row];
      this.items[r] = this.pairs.items[row];
    }
    return { users: this.users.subarray(0, size), items: this.items.subarray(0, size) };
  }
}
