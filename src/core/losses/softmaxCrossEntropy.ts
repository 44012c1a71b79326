/**
 * Softmax cross-entropy with a closed-form gradient. Autodiff of log-softmax differentiates `max()`,
 * which costs a broadcast `Equal` per step (25–32 ms on wasm at B=512); the closed form is
 * d loss / d scores = scale · (softmax − target) / B.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Mean over rows of −log softmax(scale·scores + offset)[target], where `target` is a one-hot B×C
 * matrix. `offset` (B×C or 1×C, no gradient) carries −log Q corrections and −1e9 for masked entries.
 */
export function softmaxCrossEntropy(scores: tf.Tensor2D, target: tf.Tensor2D, scale: number, offset: tf.Tensor2D | null): tf.Scalar {
  const rows = scores.shape[0];
  const f = tf.customGrad<tf.Scalar>((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const s = args[0] as tf.Tensor2D;
    const save = args[1] as tf.GradSaveFunc;
    const scaled = tf.mul(s, tf.scalar(scale));
    const logits = offset ? tf.add(scaled, offset) : scaled;
    const max = tf.max(logits, 1, true);
    const shifted = tf.sub(logits, max);
    const exp = tf.exp(shifted);
    const sumExp = tf.sum(exp, 1, true);
    const softmax = tf.div(exp, sumExp);
    // −log softmax[target] = log Σ exp(shifted) − shifted[target].
    const perRow = tf.sub(tf.log(tf.squeeze(sumExp, [1])), tf.sum(tf.mul(shifted, target), 1));
    // Save the target too: the forward pass runs in a tidy that disposes tensors it did not keep.
    save([softmax, target]);
    return {
      value: tf.mean(perRow) as tf.Scalar,
      gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) => [tf.mul(tf.sub(saved[0], saved[1]), tf.mul(dy, tf.scalar(scale / rows)))],
    };
  });
  return f(scores);
}
