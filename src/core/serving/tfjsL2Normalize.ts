/**
 * L2 normalisation, h / sqrt(Σh² + 1e-12) as core/model/tower.ts computes it, out of standard Keras
 * layers: tfjs-layers has no UnitNormalization layer, no Lambda layer that survives serialisation, and
 * no activation that takes a square root, and a custom layer is one a serving user cannot load.
 *
 * LayerNormalization divides by the standard deviation, which is the L2 norm once the mean is 0. The
 * vector [h, −h] has mean 0 and variance Σh²/D (D = dim), so LayerNormalization (no centre or scale
 * weights, epsilon 1e-12/D) gives [h, −h] / sqrt((Σh² + 1e-12)/D); its first half times 1/sqrt(D) is
 * the normalised h. Two fixed Dense layers (no bias, not trainable) make [h, −h] and take that half.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { L2_EPSILON } from '../model/tower';

/** The layers in order, each with the fixed weights to assign once it is built (none for the normalisation). */
export function l2NormalizeLayers(dim: number): { layer: tfl.layers.Layer; values: tf.Tensor[] }[] {
  const mirror = new Float32Array(dim * 2 * dim);
  const take = new Float32Array(2 * dim * dim);
  const scale = 1 / Math.sqrt(dim);
  for (let j = 0; j < dim; j++) {
    // mirror: D × 2D, column j copies h_j and column D + j negates it.
    mirror[j * 2 * dim + j] = 1;
    mirror[j * 2 * dim + dim + j] = -1;
    // take: 2D × D, output j is (row j of the normalised [h, −h]) / sqrt(D).
    take[j * dim + j] = scale;
  }
  return [
    { layer: tfl.layers.dense({ name: 'l2_mirror', units: 2 * dim, useBias: false, trainable: false, kernelInitializer: 'zeros' }), values: [tf.tensor2d(mirror, [dim, 2 * dim])] },
    { layer: tfl.layers.layerNormalization({ name: 'l2_norm', axis: -1, center: false, scale: false, epsilon: L2_EPSILON / dim }), values: [] },
    { layer: tfl.layers.dense({ name: 'l2_take', units: dim, useBias: false, trainable: false, kernelInitializer: 'zeros' }), values: [tf.tensor2d(take, [2 * dim, dim])] },
  ];
}
