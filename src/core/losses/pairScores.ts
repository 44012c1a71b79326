/** Cosines of each row's positive and of its n sampled negatives, from L2-normalised vectors. */
import * as tf from '@tensorflow/tfjs-core';

/** cos(u_r, vPos_r) for each row: shape [B]. */
export function positiveCosines(u: tf.Tensor2D, vPos: tf.Tensor2D): tf.Tensor1D {
  return tf.sum(tf.mul(u, vPos), 1);
}

/** cos(u_r, vNeg_{r,k}) with vNeg (B·n)×d row-major by row then negative: shape [B, n]. */
export function negativeCosines(u: tf.Tensor2D, vNeg: tf.Tensor2D, perPositive: number): tf.Tensor2D {
  const [b, d] = u.shape;
  if (vNeg.shape[0] !== b * perPositive) throw new Error(`negatives: ${vNeg.shape[0]} vectors for ${b} rows × ${perPositive} negatives.`);
  const u3 = tf.reshape(u, [b, 1, d]);
  const n3 = tf.reshape(vNeg, [b, perPositive, d]);
  return tf.sum(tf.mul(u3, n3), 2);
}
