/**
 * Listwise in-batch softmax with extra hard negatives per row (in-batch + hard mix). Row i scores B + n
 * columns: the B in-batch columns cos(u_i, v_j)/τ − log p_j (accidental hits masked), then its own n
 * hard negatives cos(u_i, h_ik)/τ without logQ (they are not drawn ∝ p, so there is no such bias to
 * undo). The target is column i. These are the logits of `inBatchWithHardLogits` in src/core/sampling.
 */
import * as tf from '@tensorflow/tfjs-core';

import { diagonalTarget, inBatchOffset, type InBatchOptions } from './inBatchSoftmax';
import { negativeCosines } from './pairScores';
import { softmaxCrossEntropy } from './softmaxCrossEntropy';

/**
 * u, vPos: B×d L2-normalised users and positive items; vHard: (B·n)×d hard negatives, row-major by row.
 * The gradient of the softmax is closed-form (softmaxCrossEntropy); only the cosines are autodiffed.
 */
export function inBatchWithHardLoss(u: tf.Tensor2D, vPos: tf.Tensor2D, vHard: tf.Tensor2D, perPositive: number, o: InBatchOptions): tf.Scalar {
  const b = u.shape[0];
  const width = b + perPositive;
  // u·vᵀ with v transposed explicitly keeps wasm's matMul on its fast (untransposed) path.
  const inBatchCos = tf.matMul(u, tf.transpose(vPos)) as tf.Tensor2D;
  const hardCos = negativeCosines(u, vHard, perPositive);
  const scores = tf.concat([inBatchCos, hardCos], 1) as tf.Tensor2D;
  const inBatch = inBatchOffset(b, o);
  const offset = inBatch ? tf.tensor2d(widen(inBatch, b, width), [b, width]) : null;
  return softmaxCrossEntropy(scores, tf.tensor2d(diagonalTarget(b, width), [b, width]), 1 / o.temperature, offset);
}

/** The B×B offset placed in the first B columns of each B + n wide row; hard columns get 0. */
function widen(offset: Float32Array, b: number, width: number): Float32Array {
  const out = new Float32Array(b * width);
  for (let i = 0; i < b; i++) out.set(offset.subarray(i * b, i * b + b), i * width);
  return out;
}
