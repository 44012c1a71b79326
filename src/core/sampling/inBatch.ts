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
  // Columns of each item in the batch as linked lists (head[item] → next[column]), so a user visits
  // only the columns holding its positives: O(positives) instead of O(B · log positives).
  let maxItem = 0;
  for (let j = 0; j < b; j++) maxItem = Math.max(maxItem, batch.items[j]);
  const head = new Int32Array(maxItem + 1).fill(-1);
  const next = new Int32Array(b);
  for (let j = b - 1; j >= 0; j--) {
    next[j] = head[batch.items[j]];
    head[batch.items[j]] = j;
  }
  // Active users fill several rows of a batch: rows are grouped by user and the user's columns
  // (base: j with item j a positive of the user) are found once per group.
  const rows = new Int32Array(b);
  for (let r = 0; r < b; r++) rows[r] = r;
  rows.sort((x, y) => batch.users[x] - batch.users[y] || x - y);
  const base = new Uint8Array(b);
  const { offsets, items } = userPositives;
  const distinct = distinctSorted(batch.items);
  for (let g = 0; g < b; ) {
    const u = batch.users[rows[g]];
    let end = g + 1;
    while (end < b && batch.users[rows[end]] === u) end++;
    base.fill(0);
    if (u >= 0 && u + 1 < offsets.length) {
      const lo = offsets[u];
      const hi = offsets[u + 1];
      if (hi - lo <= distinct.length) {
        for (let k = lo; k < hi; k++) {
          const item = items[k];
          if (item > maxItem) break; // sorted ascending: the rest are not in the batch either
          for (let j = head[item]; j >= 0; j = next[j]) base[j] = 1;
        }
      } else {
        // A very active user: gallop through the user's sorted list, once per distinct batch item.
        let p = lo;
        for (let t = 0; t < distinct.length && p < hi; t++) {
          const x = distinct[t];
          if (items[p] < x) p = gallop(items, p, hi, x);
          if (p < hi && items[p] === x) for (let j = head[x]; j >= 0; j = next[j]) base[j] = 1;
        }
      }
    }
    for (let k = g; k < end; k++) {
      const i = rows[k];
      const row = i * b;
      mask.set(base, row);
      for (let j = head[batch.items[i]]; j >= 0; j = next[j]) mask[row + j] = 1;
      mask[row + i] = 0;
    }
    g = end;
  }
  return mask;
}

function distinctSorted(values: Int32Array): Int32Array {
  const sorted = Int32Array.from(values).sort();
  let w = 0;
  for (let k = 0; k < sorted.length; k++) if (k === 0 || sorted[k] !== sorted[k - 1]) sorted[w++] = sorted[k];
  return sorted.subarray(0, w);
}

/** First index in [from, to) with list[index] ≥ x, given list[from] < x: exponential then binary search. */
function gallop(list: Int32Array, from: number, to: number, x: number): number {
  let known = from; // list[known] < x
  let step = 1;
  while (from + step < to && list[from + step] < x) {
    known = from + step;
    step *= 2;
  }
  let lo = known + 1;
  let hi = Math.min(to, from + step);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
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

/** Inputs of the reference logits of a listwise softmax built from the batch (see inBatchColumnLogits). */
export interface InBatchColumnInputs {
  /** B×B cosines of users and the batch's positive items. */
  cos: Float32Array;
  b: number;
  tau: number;
  /** log p_j of each in-batch column (zeros for no correction). */
  logQ: Float32Array;
  mask?: Uint8Array;
  /** γ of the correction (default 1). */
  strength?: number;
  /** B×B′ cosines with the shared extra items, their log Q (length B′) and mask (B×B′). */
  extraCos?: Float32Array;
  extra?: number;
  extraLogQ?: Float32Array;
  extraMask?: Uint8Array;
  /** B×n cosines with each row's sampled items and their log Q (0 for hard slots). */
  rowCos?: Float32Array;
  n?: number;
  rowLogQ?: Float32Array;
}

/**
 * Reference logits of the listwise softmax whose columns come from the batch: row i has B + B′ + n
 * columns, [cos_ij/τ − γ·log p_j (masked as above) for j < B], then [extraCos_ik/τ − γ·log Q_k, or
 * MASKED_LOGIT where extraMask] for the B′ shared extra items (mixed negative sampling), then
 * [rowCos_ik/τ − γ·rowLogQ_ik] for the row's own n sampled items; the target is column i.
 */
export function inBatchColumnLogits(x: InBatchColumnInputs): Float32Array {
  const { b, tau } = x;
  const gamma = x.strength ?? 1;
  const extra = x.extra ?? 0;
  const n = x.n ?? 0;
  if (extra > 0 && x.extraCos?.length !== b * extra) throw new Error(`inBatchColumnLogits: extraCos has ${x.extraCos?.length} entries, expected B×B′ = ${b * extra}.`);
  if (n > 0 && x.rowCos?.length !== b * n) throw new Error(`inBatchColumnLogits: rowCos has ${x.rowCos?.length} entries, expected B×n = ${b * n}.`);
  const scaledLogQ = x.logQ.map((v) => gamma * v);
  const inBatch = logqCorrectedLogits(x.cos, b, tau, scaledLogQ, x.mask);
  const width = b + extra + n;
  const out = new Float32Array(b * width);
  for (let i = 0; i < b; i++) {
    const row = i * width;
    out.set(inBatch.subarray(i * b, i * b + b), row);
    for (let k = 0; k < extra; k++) {
      const masked = x.extraMask?.[i * extra + k] === 1;
      out[row + b + k] = masked ? MASKED_LOGIT : x.extraCos![i * extra + k] / tau - gamma * (x.extraLogQ?.[k] ?? 0);
    }
    for (let k = 0; k < n; k++) out[row + b + extra + k] = x.rowCos![i * n + k] / tau - gamma * (x.rowLogQ?.[i * n + k] ?? 0);
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
  return inBatchColumnLogits({ cos, b, tau, logQ, mask, rowCos: hardCos, n });
}
