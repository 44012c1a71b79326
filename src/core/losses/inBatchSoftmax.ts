/**
 * Listwise in-batch softmax: every other positive item of the batch is a negative of the row.
 * logits[i][j] = cos(u_i, v_j)/τ − γ·log Q_j, and accidental hits (item j is also a positive of user i)
 * are masked out; the target is the diagonal.
 */
import * as tf from '@tensorflow/tfjs-core';

import { softmaxCrossEntropy } from './softmaxCrossEntropy';

export interface InBatchOptions {
  temperature: number;
  /** log p_j of each column's item appearing in a batch (logQ correction); γ·log p_j is subtracted from column j. */
  logQ?: Float32Array;
  /** γ of the correction (`training.negatives.logq_strength`, default 1): negatives end up ∝ clicks^(1−γ). */
  logqStrength?: number;
  /** B×B row-major, 1 = mask entry (i, j) as an accidental hit. The diagonal is never masked. */
  hitMask?: Uint8Array;
}

/** A large negative logit: exp() of it is 0 in float32, yet it stays finite through the arithmetic. */
export const MASKED_LOGIT = -1e9;

/** The constant additive term of the logits (−log Q and masks), or null when there is none. */
export function inBatchOffset(batch: number, o: InBatchOptions): Float32Array | null {
  if (!o.logQ && !o.hitMask) return null;
  if (o.logQ && o.logQ.length !== batch) throw new Error(`in-batch softmax: logQ has ${o.logQ.length} entries for a batch of ${batch}.`);
  if (o.hitMask && o.hitMask.length !== batch * batch) throw new Error(`in-batch softmax: hitMask has ${o.hitMask.length} entries, expected ${batch}×${batch}.`);
  const gamma = o.logqStrength ?? 1;
  const offset = new Float32Array(batch * batch);
  for (let i = 0; i < batch; i++) {
    for (let j = 0; j < batch; j++) {
      const k = i * batch + j;
      if (o.hitMask && i !== j && o.hitMask[k]) offset[k] = MASKED_LOGIT;
      else if (o.logQ) offset[k] = -gamma * o.logQ[j];
    }
  }
  return offset;
}

/** u, v: B×d L2-normalised user and positive-item vectors (row i of each is a positive pair). */
export function inBatchSoftmaxLoss(u: tf.Tensor2D, v: tf.Tensor2D, o: InBatchOptions): tf.Scalar {
  const b = u.shape[0];
  // u·vᵀ with v transposed explicitly keeps wasm's matMul on its fast (untransposed) path.
  const cos = tf.matMul(u, tf.transpose(v)) as tf.Tensor2D;
  const offsetValues = inBatchOffset(b, o);
  const offset = offsetValues ? tf.tensor2d(offsetValues, [b, b]) : null;
  return softmaxCrossEntropy(cos, tf.tensor2d(diagonalTarget(b, b), [b, b]), 1 / o.temperature, offset);
}

/**
 * One-hot target at column i of row i, B rows of `width` columns (width B: the identity), as values
 * cached per shape: tf.eye fills a TensorBuffer element by element (≈15 ms at B=512).
 */
const targets = new Map<string, Float32Array>();
export function diagonalTarget(b: number, width: number): Float32Array {
  const key = `${b}x${width}`;
  let m = targets.get(key);
  if (!m) {
    m = new Float32Array(b * width);
    for (let i = 0; i < b; i++) m[i * width + i] = 1;
    targets.set(key, m);
  }
  return m;
}
