/** Hidden-layer activations. tfjs-core 4.22 has no GELU op, so it is the tanh approximation (Hendrycks & Gimpel). */
import * as tf from '@tensorflow/tfjs-core';

export type ActivationName = 'relu' | 'gelu' | 'tanh' | 'elu' | 'linear';

/** relu and linear can be fused into the matMul kernel (and their fused gradient is supported). */
export function isFusable(a: ActivationName): a is 'relu' | 'linear' {
  return a === 'relu' || a === 'linear';
}

/** The cubic coefficient of GELU's tanh approximation, 0.5·x·(1 + tanh(sqrt(2/π)·(x + c·x³))). */
export const GELU_CUBIC = 0.044715;

export function activate(x: tf.Tensor2D, a: ActivationName): tf.Tensor2D {
  switch (a) {
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'elu':
      return tf.elu(x);
    case 'linear':
      return x;
    case 'gelu': {
      const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, tf.scalar(3)), tf.scalar(GELU_CUBIC))), tf.scalar(Math.sqrt(2 / Math.PI)));
      return tf.mul(tf.mul(x, tf.scalar(0.5)), tf.add(tf.tanh(inner), tf.scalar(1)));
    }
  }
}
