/** Listwise sampled softmax: for each row, softmax over [cos⁺, cos⁻₁ … cos⁻ₙ]/τ and −log s⁺. */
import * as tf from '@tensorflow/tfjs-core';

import { negativeCosines, positiveCosines } from './pairScores';
import { softmaxCrossEntropy } from './softmaxCrossEntropy';

export function sampledSoftmaxLoss(u: tf.Tensor2D, vPos: tf.Tensor2D, vNeg: tf.Tensor2D, perPositive: number, temperature: number): tf.Scalar {
  const b = u.shape[0];
  const cos = tf.concat([tf.reshape(positiveCosines(u, vPos), [b, 1]), negativeCosines(u, vNeg, perPositive)], 1) as tf.Tensor2D;
  const target = new Float32Array(b * (perPositive + 1));
  for (let r = 0; r < b; r++) target[r * (perPositive + 1)] = 1;
  return softmaxCrossEntropy(cos, tf.tensor2d(target, [b, perPositive + 1]), 1 / temperature, null);
}
