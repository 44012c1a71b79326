/**
 * Vose's alias method: after O(n) preparation, one draw from a discrete distribution costs one
 * uniform integer, one uniform float and one comparison, whatever n is. Popularity sampling draws
 * millions of negatives per epoch, so O(log n) binary search over a CDF would show in the step time.
 */
import type { Rng } from '../util/rng';

export interface AliasTable {
  /** Probability of keeping column k (otherwise take alias[k]). */
  readonly keep: Float64Array;
  readonly alias: Int32Array;
  /** The normalised target distribution, for statistics and tests. */
  readonly probabilities: Float64Array;
}

/** Builds the table for P(k) ∝ weights[k]. Weights must be finite, ≥ 0 and not all 0. */
export function buildAliasTable(weights: ArrayLike<number>): AliasTable {
  const n = weights.length;
  let total = 0;
  for (let k = 0; k < n; k++) {
    const w = weights[k];
    if (!Number.isFinite(w) || w < 0) {
      throw new Error(`Alias table: weight ${k} is ${w}; every weight must be a finite number ≥ 0.`);
    }
    total += w;
  }
  if (!(total > 0)) throw new Error(`Alias table: all ${n} weights are 0; at least one item needs a positive weight.`);

  const probabilities = new Float64Array(n);
  const scaled = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    probabilities[k] = weights[k] / total;
    scaled[k] = probabilities[k] * n;
  }
  const keep = new Float64Array(n);
  const alias = new Int32Array(n);
  // Two stacks in one array: small ones grow from the front, large ones from the back.
  const work = new Int32Array(n);
  let small = 0;
  let large = n;
  for (let k = 0; k < n; k++) {
    if (scaled[k] < 1) work[small++] = k;
    else work[--large] = k;
  }
  while (small > 0 && large < n) {
    const s = work[--small];
    const l = work[large++];
    keep[s] = scaled[s];
    alias[s] = l;
    scaled[l] = scaled[l] + scaled[s] - 1;
    if (scaled[l] < 1) work[small++] = l;
    else work[--large] = l;
  }
  // What is left has scaled weight 1 up to rounding error.
  while (large < n) {
    const l = work[large++];
    keep[l] = 1;
    alias[l] = l;
  }
  while (small > 0) {
    const s = work[--small];
    keep[s] = 1;
    alias[s] = s;
  }
  return { keep, alias, probabilities };
}

/** One draw in O(1). */
export function drawAlias(table: AliasTable, rng: Rng): number {
  const k = rng.int(table.keep.length);
  return rng.next() < table.keep[k] ? k : table.alias[k];
}
