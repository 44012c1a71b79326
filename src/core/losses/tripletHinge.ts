/** Pairwise triplet hinge: mean over the B·n triplets of max(0, cos(a, b⁻) + m − cos(a, b⁺)). */
import * as tf from '@tensorflow/tfjs-core';

import { negativeCosines, positiveCosines } from './pairScores';

export function tripletHingeLoss(u: tf.Tensor2D, vPos: tf.Tensor2D, vNeg: tf.Tensor2D, perPositive: number, margin: number): tf.Scalar {
  const b = u.shape[0];
  const pos = tf.reshape(positiveCosines(u, vPos), [b, 1]);
  const neg = negativeCosines(u, vNeg, perPositive);
  return tf.mean(tf.relu(tf.add(tf.sub(neg, pos), tf.scalar(margin))));
}
