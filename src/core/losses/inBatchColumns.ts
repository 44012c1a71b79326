/**
 * Listwise softmax whose columns come from the batch: row i scores the B in-batch columns
 * cos(u_i, v_j)/τ − γ·log p_j (accidental hits masked; target column i), then, with mixed negative
 * sampling, the B′ extra columns shared by every row cos(u_i, e_k)/τ − γ·log Q_k (masked where e_k is a
 * positive of the row), then its own n sampled columns cos(u_i, h_ik)/τ − γ·log Q_ik (hard columns: no
 * correction, they are not a sampled estimate of the catalogue). These are the logits of
 * `inBatchColumnLogits` in src/core/sampling. Without extra and per-row columns it is the plain
 * in-batch softmax (inBatchSoftmax.ts), which takes a cheaper path.
 */
import * as tf from '@tensorflow/tfjs-core';

import { diagonalTarget, inBatchOffset, MASKED_LOGIT, type InBatchOptions } from './inBatchSoftmax';
import { negativeCosines } from './pairScores';
import { softmaxCrossEntropy } from './softmaxCrossEntropy';

/** The columns beside the B in-batch ones. */
export interface ExtraColumns {
  /** B′×d items shared by every row (mixed negative sampling), or null. */
  vExtra: tf.Tensor2D | null;
  /** log Q_k of each extra item (length B′); subtracted, times γ, from column k. */
  extraLogQ?: Float32Array;
  /** B×B′ row-major, 1 = mask entry (i, k). */
  extraMask?: Uint8Array;
  /** (B·n)×d per-row sampled columns (hard, or easy mixed with hard), row-major by row, or null. */
  vRow: tf.Tensor2D | null;
  perRow: number;
  /** log Q of each per-row slot (length B·n; 0 for hard slots), or undefined for no correction. */
  rowLogQ?: Float32Array;
}

/**
 * u, vPos: B×d users and positive items. The gradient of the softmax is closed-form
 * (softmaxCrossEntropy); only the scores are autodiffed.
 */
export function inBatchColumnsLoss(u: tf.Tensor2D, vPos: tf.Tensor2D, cols: ExtraColumns, o: InBatchOptions): tf.Scalar {
  const b = u.shape[0];
  const extra = cols.vExtra ? cols.vExtra.shape[0] : 0;
  const n = cols.vRow ? cols.perRow : 0;
  const width = b + extra + n;
  // u·vᵀ with v transposed explicitly keeps wasm's matMul on its fast (untransposed) path.
  const parts: tf.Tensor2D[] = [tf.matMul(u, tf.transpose(vPos)) as tf.Tensor2D];
  if (cols.vExtra) parts.push(tf.matMul(u, tf.transpose(cols.vExtra)) as tf.Tensor2D);
  if (cols.vRow) parts.push(negativeCosines(u, cols.vRow, n));
  const scores = parts.length === 1 ? parts[0] : (tf.concat(parts, 1) as tf.Tensor2D);
  const offsetValues = columnsOffset(b, extra, n, cols, o);
  const offset = offsetValues ? tf.tensor2d(offsetValues, [b, width]) : null;
  return softmaxCrossEntropy(scores, tf.tensor2d(diagonalTarget(b, width), [b, width]), 1 / o.temperature, offset);
}

/** The B×(B + B′ + n) additive term: the in-batch offset, then the extra and per-row corrections and masks. */
function columnsOffset(b: number, extra: number, n: number, cols: ExtraColumns, o: InBatchOptions): Float32Array | null {
  const inBatch = inBatchOffset(b, o);
  if (!inBatch && !cols.extraLogQ && !cols.extraMask && !cols.rowLogQ) return null;
  const gamma = o.logqStrength ?? 1;
  if (cols.extraLogQ && cols.extraLogQ.length !== extra) throw new Error(`mixed negatives: extraLogQ has ${cols.extraLogQ.length} entries for ${extra} extra columns.`);
  if (cols.extraMask && cols.extraMask.length !== b * extra) throw new Error(`mixed negatives: extraMask has ${cols.extraMask.length} entries, expected ${b}×${extra}.`);
  if (cols.rowLogQ && cols.rowLogQ.length !== b * n) throw new Error(`sampled columns: rowLogQ has ${cols.rowLogQ.length} entries, expected ${b}×${n}.`);
  const width = b + extra + n;
  const out = new Float32Array(b * width);
  for (let i = 0; i < b; i++) {
    const row = i * width;
    if (inBatch) out.set(inBatch.subarray(i * b, i * b + b), row);
    for (let k = 0; k < extra; k++) {
      if (cols.extraMask && cols.extraMask[i * extra + k]) out[row + b + k] = MASKED_LOGIT;
      else if (cols.extraLogQ) out[row + b + k] = -gamma * cols.extraLogQ[k];
    }
    if (cols.rowLogQ) for (let k = 0; k < n; k++) out[row + b + extra + k] = -gamma * cols.rowLogQ[i * n + k];
  }
  return out;
}
