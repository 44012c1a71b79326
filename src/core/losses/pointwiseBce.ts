/**
 * Pointwise: binary cross-entropy on logits cos/τ, each positive row (label 1) with its n negatives
 * (label 0), averaged over the B·(1 + n) examples. BCE(z, y) = softplus(z) − y·z, which is finite for
 * any z (no log of a sigmoid, whose gradient fails on non-leaf inputs in tfjs 4.22).
 */
import * as tf from '@tensorflow/tfjs-core';

import { negativeCosines, positiveCosines } from './pairScores';

export function pointwiseBceLoss(u: tf.Tensor2D, vPos: tf.Tensor2D, vNeg: tf.Tensor2D, perPositive: number, temperature: number): tf.Scalar {
  const b = u.shape[0];
  const zPos = tf.div(positiveCosines(u, vPos), tf.scalar(temperature));
  const zNeg = tf.div(negativeCosines(u, vNeg, perPositive), tf.scalar(temperature));
  const posTerm = tf.sum(tf.sub(tf.softplus(zPos), zPos));
  const negTerm = tf.sum(tf.softplus(zNeg));
  return tf.div(tf.add(posTerm, negTerm), tf.scalar(b * (1 + perPositive))) as tf.Scalar;
}
