/**
 * How a positive's n triplet losses become its loss (`training.pairwise_reduction`): their mean, or
 * only the hardest one (the largest loss: the loss of a triplet grows with its negative's score, so
 * the hardest triplet is the one whose negative scores highest). Then the mean over the B rows.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { PairwiseReduction } from '../../shared/vocabulary';

/** perTriplet: the [B, n] triplet losses → scalar. */
export function reduceTriplets(perTriplet: tf.Tensor, reduction: PairwiseReduction): tf.Scalar {
  return reduction === 'hardest' ? tf.mean(tf.max(perTriplet, 1)) : tf.mean(perTriplet);
}
