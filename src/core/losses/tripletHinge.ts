/**
 * Pairwise triplet hinge: max(0, cos(a, b⁻) + m − cos(a, b⁺)) for each of the B·n triplets, averaged
 * over them (`mean`) or over each row's hardest (`hardest`).
 */
import * as tf from '@tensorflow/tfjs-core';

import type { PairwiseReduction } from '../../shared/vocabulary';
import { negativeCosines, positiveCosines } from './pairScores';
import { reduceTriplets } from './pairwiseReduction';

export function tripletHingeLoss(u: tf.Tensor2D, vPos: tf.Tensor2D, vNeg: tf.Tensor2D, perPositive: number, margin: number, reduction: PairwiseReduction = 'mean'): tf.Scalar {
  const b = u.shape[0];
  const pos = tf.reshape(positiveCosines(u, vPos), [b, 1]);
  const neg = negativeCosines(u, vNeg, perPositive);
  return reduceTriplets(tf.relu(tf.add(tf.sub(neg, pos), tf.scalar(margin))), reduction);
}
