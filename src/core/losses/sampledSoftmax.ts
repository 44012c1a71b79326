/**
 * Listwise sampled softmax: for each row, softmax over [s⁺, s⁻₁ … s⁻ₙ]/τ and −log s⁺. With logQ
 * (Jean et al. 2015; TensorFlow's `sampled_softmax_loss` by default) every column, the positive too,
 * is corrected by −γ·log Q, Q the probability that the sampler puts the item among the row's draws:
 * then the sampled softmax estimates the softmax over the whole catalogue without the sampler's bias.
 */
import * as tf from '@tensorflow/tfjs-core';

import { negativeCosines, positiveCosines } from './pairScores';
import { softmaxCrossEntropy } from './softmaxCrossEntropy';

export interface SampledCorrection {
  /** log Q of each row's positive item (length B). */
  posLogQ: Float32Array;
  /** log Q of each sampled negative (length B·n; 0 where a slot is not corrected, e.g. hard). */
  negLogQ: Float32Array;
  /** γ (`training.negatives.logq_strength`). */
  strength: number;
}

export function sampledSoftmaxLoss(u: tf.Tensor2D, vPos: tf.Tensor2D, vNeg: tf.Tensor2D, perPositive: number, temperature: number, correction?: SampledCorrection): tf.Scalar {
  const b = u.shape[0];
  const width = perPositive + 1;
  const cos = tf.concat([tf.reshape(positiveCosines(u, vPos), [b, 1]), negativeCosines(u, vNeg, perPositive)], 1) as tf.Tensor2D;
  const target = new Float32Array(b * width);
  for (let r = 0; r < b; r++) target[r * width] = 1;
  return softmaxCrossEntropy(cos, tf.tensor2d(target, [b, width]), 1 / temperature, correction ? tf.tensor2d(sampledOffset(b, perPositive, correction), [b, width]) : null);
}

function sampledOffset(b: number, n: number, c: SampledCorrection): Float32Array {
  if (c.posLogQ.length !== b || c.negLogQ.length !== b * n) {
    throw new Error(`sampled softmax logQ: ${c.posLogQ.length} positive and ${c.negLogQ.length} negative entries for ${b} rows × ${n} negatives.`);
  }
  const width = n + 1;
  const out = new Float32Array(b * width);
  for (let r = 0; r < b; r++) {
    out[r * width] = -c.strength * c.posLogQ[r];
    for (let k = 0; k < n; k++) out[r * width + 1 + k] = -c.strength * c.negLogQ[r * n + k];
  }
  return out;
}
