/**
 * In-batch negatives: every other positive of the batch is a negative of the row. An item appears
 * in a batch with probability p_i that grows with its clicks, so the softmax over-penalises popular
 * items; logQ correction subtracts log p_i from column i's logit during training (Yi et al., RecSys
 * 2019; Yang et al., WWW 2020). Accidental hits (a batch item that is also a positive of the row's
 * user) are masked out of the softmax.
 */
import type { PositiveBatch } from './types';
import type { UserPositiveIndex } from './userPositives';

/** The logit given to masked entries: exp() of it is 0 in float32, and softmax stays finite. */
export const MASKED_LOGIT = -1e9;

/**
 * B×B mask, row-major: mask[i·B + j] = 1 when column j must not act as a negative of row i, i.e. j ≠ i
 * and item j is a training positive of user i (which includes the same item as row i's positive).
 * The diagonal (the row's own positive) is never masked.
 */
export function accidentalHitMask(batch: PositiveBatch, userPositives: UserPositiveIndex): Uint8Array {
  const b = batch.items.length;
  const mask = new Uint8Array(b * b);
  // Columns of each item in the batch as linked lists (head[item] → next[column]), so a row visits
  // only the columns holding its user's positives: O(B · positives) instead of O(B² · log positives).
  let maxItem = 0;
  for (let j = 0; j < b; j++) maxItem = Math.max(maxItem, batch.items[j]);
  const head = new Int32Array(maxItem + 1).fill(-1);
  const next = new Int32Array(b);
  for (let j = b - 1; j >= 0; j--) {
    next[j] = head[batch.items[j]];
    head[batch.items[j]] = j;
  }
  const { offsets, items } = userPositives;
  for (let i = 0; i < b; i++) {
    const row = i * b;
    for (let j = head[batch.items[i]]; j >= 0; j = next[j]) if (j !== i) mask[row + j] = 1;
    const u = batch.users[i];
    if (u < 0 || u + 1 >= offsets.length) continue;
    const lo = offsets[u];
    const hi = offsets[u + 1];
    if (hi - lo <= b) {
      for (let k = lo; k < hi; k++) {
        const item = items[k];
        if (item > maxItem) break; // sorted ascending: the rest are not in the batch either
        for (let j = head[item]; j >= 0; j = next[j]) if (j !== i) mask[row + j] = 1;
      }
    } else {
      // A very active user: cheaper to look each batch column up in the user's list.
      for (let j = 0; j < b; j++) if (j !== i && userPositives.has(u, batch.items[j])) mask[row + j] = 1;
    }
  }
  return mask;
}

/**
 * The reference implementation of the corrected logits the model's loss must match:
 * logits[i·B + j] = cos[i·B + j] / τ − logQ[j], and MASKED_LOGIT where mask[i·B + j] = 1.
 * `logQ` is log p_j of column j's item (pass zeros for no correction).
 */
export function logqCorrectedLogits(cos: Float32Array, b: number, tau: number, logQ: Float32Array, mask?: Uint8Array): Float32Array {
  if (cos.length !== b * b) throw new Error(`logqCorrectedLogits: cos has ${cos.length} entries, expected B×B = ${b * b}.`);
  if (logQ.length !== b) throw new Error(`logqCorrectedLogits: logQ has ${logQ.length} entries, expected B = ${b}.`);
  if (!(tau > 0)) throw new Error(`logqCorrectedLogits: temperature τ must be > 0, got ${tau}.`);
  if (mask && mask.length !== b * b) throw new Error(`logqCorrectedLogits: mask has ${mask.length} entries, expected B×B = ${b * b}.`);
  const out = new Float32Array(b * b);
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < b; j++) {
      const k = i * b + j;
      out[k] = mask && mask[k] ? MASKED_LOGIT : cos[k] / tau - logQ[j];
    }
  }
  return out;
}

/**
 * Reference logits of in-batch softmax with extra hard negatives per row (in-batch + hard mix):
 * row i has B + n columns, [cos_ij/τ − log p_j (masked as above) for j < B] then [hardCos_ik/τ for
 * k < n]; the target is column i. Hard negatives get no logQ term: they are not drawn in proportion
 * to p_i, so there is no sampling bias of that kind to correct.
 */
export function inBatchWithHardLogits(
  cos: Float32Array,
  b: number,
  hardCos: Float32Array,
  n: number,
  tau: number,
  logQ: Float32Array,
  mask?: Uint8Array,
): Float32Array {
  if (hardCos.length !== b * n) throw new Error(`inBatchWithHardLogits: hardCos has ${hardCos.length} entries, expected B×n = ${b * n}.`);
  const inBatch = logqCorrectedLogits(cos, b, tau, logQ, mask);
  const width = b + n;
  const out = new Float32Array(b * width);
  for (let i = 0; i < b; i++) {
    out.set(inBatch.subarray(i * b, i * b + b), i * width);
    for (let k = 0; k < n; k++) out[i * width + b + k] = hardCos[i * n + k] / tau;
  }
  return out;
}
