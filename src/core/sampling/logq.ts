/**
 * The sampling probability p_i behind logQ correction: the probability that item i appears in a
 * batch of B positives. Two estimators:
 * - counts: from training counts c_i out of N positives, p_i = 1 − (1 − c_i/N)^B (≈ B·c_i/N);
 * - streaming: the frequency estimator of Yi et al. (RecSys 2019), for data too large to count
 *   first. Per hash bucket it keeps A (last step the item was seen) and B (estimated gap between
 *   steps in which it appears), B ← (1 − α)·B + α·(t − A), and p = 1/B.
 * Both estimate the same quantity, so the two can be compared and swapped.
 */
import type { PositivePairs } from '../data/dataset';
import { asRecord, decodeFloat64, encodeFloat64, field } from './state';
import type { InBatchCorrection, PositiveBatch } from './types';

/** The smallest p used, so that an item with no count never gives log 0 = −∞. */
const MIN_P = 1e-12;

/**
 * The probability that an item drawn with probability q per draw appears at least once in `draws`
 * independent draws: 1 − (1 − q)^draws (≈ draws·q for small q), at least MIN_P. This is the Q of
 * every logQ correction here, so in-batch columns (draws = B), sampled columns (draws = the row's
 * easy negatives) and mixed extra columns (draws = B′) are corrected in the same unit.
 */
export function appearanceProbability(q: number, draws: number): number {
  // −expm1(draws·log1p(−q)) keeps precision for tiny q.
  return Math.max(MIN_P, q >= 1 ? 1 : -Math.expm1(draws * Math.log1p(-q)));
}

/**
 * logQ of columns drawn by an easy sampler (the listwise sampled softmax, and the easy slots mixed
 * with hard ones): log Q_j with Q_j = appearanceProbability(P(j), draws), P the sampler's own
 * probabilities. For a uniform sampler every item has the same value, so the correction is a
 * constant shift of every column and changes nothing (the `logq-uniform-constant` rule says so).
 */
export class SampledColumnCorrection {
  private readonly logP: Float32Array;

  constructor(probabilities: ArrayLike<number>, readonly draws: number) {
    if (!(draws > 0)) throw new Error(`logQ of sampled columns: the draws per row must be > 0, got ${draws}.`);
    this.logP = new Float32Array(probabilities.length);
    for (let i = 0; i < probabilities.length; i++) this.logP[i] = Math.log(appearanceProbability(probabilities[i], draws));
  }

  logQ(item: number): number {
    return this.logP[item];
  }
}

export class CountsCorrection implements InBatchCorrection {
  private readonly p: Float64Array;
  private readonly logP: Float32Array;

  /** `counts[i]`: positives of item i in the pairs the batches are cut from; `batchSize`: B. */
  constructor(counts: ArrayLike<number>, readonly batchSize: number) {
    let total = 0;
    for (let i = 0; i < counts.length; i++) total += counts[i];
    if (!(total > 0)) throw new Error('logQ correction (counts): the training positives are empty, so no item has a sampling probability.');
    if (!(batchSize >= 1)) throw new Error(`logQ correction: batch size must be ≥ 1, got ${batchSize}.`);
    this.p = new Float64Array(counts.length);
    this.logP = new Float32Array(counts.length);
    for (let i = 0; i < counts.length; i++) {
      const p = appearanceProbability(counts[i] / total, batchSize);
      this.p[i] = p;
      this.logP[i] = Math.log(p);
    }
  }

  static fromPairs(pairs: PositivePairs, itemCount: number, batchSize: number): CountsCorrection {
    const counts = new Float64Array(itemCount);
    for (let r = 0; r < pairs.items.length; r++) counts[pairs.items[r]]++;
    return new CountsCorrection(counts, batchSize);
  }

  logQ(batch: PositiveBatch): Float32Array {
    const out = new Float32Array(batch.items.length);
    for (let r = 0; r < out.length; r++) out[r] = this.logP[batch.items[r]];
    return out;
  }

  itemProbabilities(): Float64Array {
    return this.p;
  }
}

/** Default learning rate α of the streaming estimator (Yi et al. use values of this order). */
export const DEFAULT_STREAMING_RATE = 0.05;

export class StreamingFrequencyEstimator implements InBatchCorrection {
  /** A: last step each bucket was seen (−1 = never). */
  private lastSeen: Float64Array;
  /** B: estimated number of steps between two appearances. */
  private gap: Float64Array;
  private readonly identity: boolean;

  /**
   * `buckets`: size of the hash arrays; with buckets ≥ itemCount each item has its own bucket (no
   * collisions), otherwise items share buckets through a multiplicative hash, as in the paper.
   */
  constructor(
    private readonly itemCount: number,
    readonly rate = DEFAULT_STREAMING_RATE,
    readonly buckets = itemCount,
  ) {
    if (!(rate > 0 && rate <= 1)) throw new Error(`Streaming frequency estimator: learning rate α must be in (0, 1], got ${rate}.`);
    if (!(buckets >= 1)) throw new Error(`Streaming frequency estimator: needs at least one hash bucket, got ${buckets}.`);
    this.identity = buckets >= itemCount;
    this.lastSeen = new Float64Array(buckets).fill(-1);
    this.gap = new Float64Array(buckets);
  }

  private bucket(item: number): number {
    return this.identity ? item : (Math.imul(item, 0x9e3779b1) >>> 0) % this.buckets;
  }

  /** Call once per step, before `logQ`, with increasing step numbers. */
  observe(batch: PositiveBatch, step: number): void {
    for (let r = 0; r < batch.items.length; r++) {
      const h = this.bucket(batch.items[r]);
      const a = this.lastSeen[h];
      // An item counted once per step: B estimates the gap between steps in which it appears.
      if (a === step) continue;
      if (a < 0) this.gap[h] = step + 1;
      else this.gap[h] = (1 - this.rate) * this.gap[h] + this.rate * (step - a);
      this.lastSeen[h] = step;
    }
  }

  probability(item: number): number {
    const h = this.bucket(item);
    if (this.lastSeen[h] < 0) return MIN_P;
    return Math.min(1, 1 / Math.max(this.gap[h], 1e-12));
  }

  logQ(batch: PositiveBatch): Float32Array {
    const out = new Float32Array(batch.items.length);
    for (let r = 0; r < out.length; r++) out[r] = Math.log(this.probability(batch.items[r]));
    return out;
  }

  itemProbabilities(): Float64Array {
    const p = new Float64Array(this.itemCount);
    for (let i = 0; i < this.itemCount; i++) p[i] = this.lastSeen[this.bucket(i)] < 0 ? 0 : this.probability(i);
    return p;
  }

  saveState(): unknown {
    return { kind: 'streaming', buckets: this.buckets, lastSeen: encodeFloat64(this.lastSeen), gap: encodeFloat64(this.gap) };
  }

  restoreState(state: unknown): void {
    const rec = asRecord(state, 'the streaming frequency estimator');
    const buckets = field(rec, 'buckets', 'number', 'streaming');
    if (buckets !== this.buckets) throw new Error(`Checkpoint sampler state: the streaming estimator had ${buckets} buckets, this run has ${this.buckets}. Start a fresh run instead of --resume.`);
    this.lastSeen = decodeFloat64(field(rec, 'lastSeen', 'string', 'streaming'), this.buckets, 'streaming.lastSeen');
    this.gap = decodeFloat64(field(rec, 'gap', 'string', 'streaming'), this.buckets, 'streaming.gap');
  }
}
