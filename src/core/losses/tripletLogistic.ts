/**
 * Pairwise triplet logistic: log(1 + exp(σ(cos(a, b⁻) − cos(a, b⁺)))) for each of the B·n triplets,
 * i.e. softplus, which stays finite for large arguments; averaged over them (`mean`) or over each
 * row's hardest (`hardest`).
 */
import * as tf from '@tensorflow/tfjs-core';

import type { PairwiseReduction } from '../../shared/vocabulary';
import { negativeCosines, positiveCosines } from './pairScores';
import { reduceTriplets } from './pairwiseReduction';

export function tripletLogisticLoss(u: tf.Tensor2D, vPos: tf.Tensor2D, vNeg: tf.Tensor2D, perPositive: number, scale: number, reduction: PairwiseReduction = 'mean'): tf.Scalar {
  const b = u.shape[0];
  const pos = tf.reshape(positiveCosines(u, vPos), [b, 1]);
  const neg = negativeCosines(u, vNeg, perPositive);
  return reduceTriplets(tf.softplus(tf.mul(tf.sub(neg, pos), tf.scalar(scale))), reduction);
}
