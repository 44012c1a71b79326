/**
 * Pairwise triplet logistic: mean over the B·n triplets of log(1 + exp(σ(cos(a, b⁻) − cos(a, b⁺)))),
 * i.e. softplus, which stays finite for large arguments.
 */
import * as tf from '@tensorflow/tfjs-core';

import { negativeCosines, positiveCosines } from './pairScores';

export function tripletLogisticLoss(u: tf.Tensor2D, vPos: tf.Tensor2D, vNeg: tf.Tensor2D, perPositive: number, scale: number): tf.Scalar {
  const b = u.shape[0];
  const pos = tf.reshape(positiveCosines(u, vPos), [b, 1]);
  const neg = negativeCosines(u, vNeg, perPositive);
  return tf.mean(tf.softplus(tf.mul(tf.sub(neg, pos), tf.scalar(scale))));
}
