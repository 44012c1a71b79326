/**
 * The dot-product kernel of evaluation and mining on the tfjs backend: one matMul per block of users
 * against the item matrix, which is uploaded once per evaluation. On the wasm backend (XNNPACK, SIMD)
 * this runs at 6.5 GFLOP/s on one core against 3.4 for the JavaScript kernel (bench/data-scale.ts);
 * the cpu backend's matMul is plain JavaScript, so there the JavaScript kernel is used instead.
 * Scores are float32 sums here (float64 in the JavaScript kernel): equal within float32 rounding.
 */
import * as tf from '@tensorflow/tfjs-core';

import { jsDotKernel, type DotKernel } from '../eval/scorers';

/** A kernel and the release of the item matrix it holds. */
export interface PreparedKernel {
  kernel: DotKernel;
  dispose(): void;
}

export function matMulKernel(itemVectors: Float32Array, dim: number): PreparedKernel {
  if (tf.getBackend() === 'cpu') return { kernel: jsDotKernel(itemVectors, dim), dispose: () => undefined };
  const numItems = itemVectors.length / dim;
  const items = tf.tensor2d(itemVectors, [numItems, dim]);
  return {
    kernel: (users, count, out) => {
      const scores = tf.tidy(() => tf.matMul(tf.tensor2d(users.subarray(0, count * dim), [count, dim]), items, false, true));
      try {
        out.set(scores.dataSync() as Float32Array);
      } finally {
        scores.dispose();
      }
    },
    dispose: () => items.dispose(),
  };
}
