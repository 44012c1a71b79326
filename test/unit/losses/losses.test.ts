import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { inBatchSoftmaxLoss } from '../../../src/core/losses/inBatchSoftmax';
import { pointwiseBceLoss } from '../../../src/core/losses/pointwiseBce';
import { sampledSoftmaxLoss } from '../../../src/core/losses/sampledSoftmax';
import { tripletHingeLoss } from '../../../src/core/losses/tripletHinge';
import { tripletLogisticLoss } from '../../../src/core/losses/tripletLogistic';
import { initBackend } from '../../../src/core/train/backend';
import { Rng } from '../../../src/core/util/rng';

const value = (f: () => tf.Scalar): number => tf.tidy(() => f().dataSync()[0]);

// One row: u = [1,0], positive v⁺ = [0,1] (cos⁺ = 0), negatives [1,0] and [−1,0] (cos⁻ = 1 and −1).
const u = () => tf.tensor2d([1, 0], [1, 2]);
const vPos = () => tf.tensor2d([0, 1], [1, 2]);
const vNeg = () => tf.tensor2d([1, 0, -1, 0], [2, 2]);

describe('losses on tiny hand-derived inputs (cpu)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('triplet hinge, m = 0.2: mean(max(0, 1 + 0.2 − 0), max(0, −1 + 0.2 − 0)) = (1.2 + 0)/2 = 0.6', () => {
    expect(value(() => tripletHingeLoss(u(), vPos(), vNeg(), 2, 0.2))).toBeCloseTo(0.6, 6);
  });

  it('triplet logistic, σ = 1: mean(log(1+e¹), log(1+e⁻¹)) = (1.3132617 + 0.3132617)/2 = 0.8132617', () => {
    expect(value(() => tripletLogisticLoss(u(), vPos(), vNeg(), 2, 1))).toBeCloseTo(0.8132617, 5);
  });

  it('triplet logistic, σ = 10 stays finite: mean(softplus(10), softplus(−10)) = (10.0000454 + 0.0000454)/2 = 5.0000454', () => {
    expect(value(() => tripletLogisticLoss(u(), vPos(), vNeg(), 2, 10))).toBeCloseTo(5.0000454, 4);
  });

  // Two rows: row 1 as above (triplet cosines of negatives 1 and −1, positive 0); row 2 u = (0,1),
  // b⁺ = (0,1) (cos 1), negatives (0,1) (cos 1) and (1,0) (cos 0).
  const u2 = () => tf.tensor2d([1, 0, 0, 1], [2, 2]);
  const vPos2 = () => tf.tensor2d([0, 1, 0, 1], [2, 2]);
  const vNeg2 = () => tf.tensor2d([1, 0, -1, 0, 0, 1, 1, 0], [4, 2]);

  it('triplet hinge, m = 0.2, mean of the 4 triplets: (1.2 + 0 + 0.2 + 0)/4 = 0.35', () => {
    expect(value(() => tripletHingeLoss(u2(), vPos2(), vNeg2(), 2, 0.2, 'mean'))).toBeCloseTo(0.35, 6);
  });

  it('triplet hinge, m = 0.2, hardest of each row: (max(1.2, 0) + max(0.2, 0))/2 = 0.7', () => {
    expect(value(() => tripletHingeLoss(u2(), vPos2(), vNeg2(), 2, 0.2, 'hardest'))).toBeCloseTo(0.7, 6);
  });

  it('triplet logistic, σ = 1, hardest of each row: (softplus(1) + softplus(0))/2 = (1.3132617 + 0.6931472)/2 = 1.0032044', () => {
    expect(value(() => tripletLogisticLoss(u2(), vPos2(), vNeg2(), 2, 1, 'hardest'))).toBeCloseTo(1.0032044, 5);
  });

  it('hardest: only the hardest negative of a row gets a gradient, the others none', () => {
    const grad = tf.tidy(() => {
      const g = tf.grad((neg: tf.Tensor) => tripletLogisticLoss(u2(), vPos2(), neg as tf.Tensor2D, 2, 1, 'hardest'));
      return Array.from(g(vNeg2()).dataSync());
    });
    // Row 1's hardest is negative 0 (cos 1), row 2's is negative 2 (cos 1): d/dv⁻ = sigmoid(σ·Δ)·σ·u / B.
    expect(grad.slice(2, 4)).toEqual([0, 0]);
    expect(grad.slice(6, 8)).toEqual([0, 0]);
    expect(grad[0]).toBeCloseTo(1 / (1 + Math.exp(-1)) / 2, 5);
    expect(grad[5]).toBeCloseTo(0.5 / 2, 5);
  });

  it('sampled softmax, τ = 1: logits [0, 1, −1], −log(1/(1 + e + e⁻¹)) = log 4.0861612 = 1.4076059', () => {
    expect(value(() => sampledSoftmaxLoss(u(), vPos(), vNeg(), 2, 1))).toBeCloseTo(1.4076059, 5);
  });

  it('pointwise BCE, τ = 1: (softplus(0) − 0 + softplus(1) + softplus(−1))/3 = (0.6931472 + 1.3132617 + 0.3132617)/3 = 0.7732235', () => {
    expect(value(() => pointwiseBceLoss(u(), vPos(), vNeg(), 2, 1))).toBeCloseTo(0.7732235, 5);
  });

  it('pointwise BCE, τ = 0.5 doubles the logits: (log 2 + softplus(2) + softplus(−2))/3 = (0.6931472 + 2.1269280 + 0.1269280)/3 = 0.9823344', () => {
    expect(value(() => pointwiseBceLoss(u(), vPos(), vNeg(), 2, 0.5))).toBeCloseTo(0.9823344, 5);
  });

  // In-batch: u = v = I₂, τ = 1, so the cosine matrix is I and each row's logits are [1, 0] or [0, 1].
  const eye2 = () => tf.tensor2d([1, 0, 0, 1], [2, 2]);

  it('in-batch softmax, τ = 1: each row −log(e/(e+1)) = log(1 + e⁻¹) = 0.3132617', () => {
    expect(value(() => inBatchSoftmaxLoss(eye2(), eye2(), { temperature: 1 }))).toBeCloseTo(0.3132617, 5);
  });

  it('in-batch softmax with logQ = [0, ln 2]: rows log(1 + 0.5/e) = 0.1688455 and log(1 + 2/e) = 0.5514447, mean 0.3601451', () => {
    const logQ = new Float32Array([0, Math.log(2)]);
    expect(value(() => inBatchSoftmaxLoss(eye2(), eye2(), { temperature: 1, logQ }))).toBeCloseTo(0.3601451, 5);
  });

  it('in-batch softmax with (0,1) masked as an accidental hit: row 0 has only its positive, loss 0; mean (0 + 0.3132617)/2 = 0.1566309', () => {
    const hitMask = new Uint8Array([1, 1, 0, 0]); // the diagonal 1 at (0,0) is ignored on purpose
    expect(value(() => inBatchSoftmaxLoss(eye2(), eye2(), { temperature: 1, hitMask }))).toBeCloseTo(0.1566309, 5);
  });

  it('in-batch softmax refuses a logQ of the wrong length, saying what it expected', () => {
    expect(() => value(() => inBatchSoftmaxLoss(eye2(), eye2(), { temperature: 1, logQ: new Float32Array(3) }))).toThrow(/logQ has 3 entries for a batch of 2/);
  });
});

/** The reference in-batch loss by autodiff through tf.logSoftmax (the slow path we replace). */
function referenceInBatch(u: tf.Tensor2D, v: tf.Tensor2D, tau: number, offset: tf.Tensor2D): tf.Scalar {
  const logits = tf.add(tf.div(tf.matMul(u, v, false, true), tf.scalar(tau)), offset);
  return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), tf.eye(u.shape[0])), 1))) as tf.Scalar;
}

describe('closed-form in-batch gradient equals autodiff of log-softmax', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`${backend}: loss and gradients w.r.t. u and v agree on random inputs with logQ and a mask`, async () => {
      await initBackend(backend);
      const rng = new Rng(7);
      const b = 6;
      const d = 4;
      const uv = new Float32Array(b * d).map(() => rng.normal());
      const vv = new Float32Array(b * d).map(() => rng.normal());
      const logQ = new Float32Array(b).map(() => Math.log(0.01 + rng.next()));
      const hitMask = new Uint8Array(b * b).map(() => (rng.next() < 0.2 ? 1 : 0));
      const offset = new Float32Array(b * b);
      for (let i = 0; i < b; i++) for (let j = 0; j < b; j++) offset[i * b + j] = i !== j && hitMask[i * b + j] ? -1e9 : -logQ[j];
      const [fast, ref] = tf.tidy(() => {
        const ut = tf.tensor2d(uv, [b, d]);
        const vt = tf.tensor2d(vv, [b, d]);
        const g1 = tf.valueAndGrads((x: tf.Tensor, y: tf.Tensor) => inBatchSoftmaxLoss(x as tf.Tensor2D, y as tf.Tensor2D, { temperature: 0.3, logQ, hitMask }))([ut, vt]);
        const g2 = tf.valueAndGrads((x: tf.Tensor, y: tf.Tensor) => referenceInBatch(x as tf.Tensor2D, y as tf.Tensor2D, 0.3, tf.tensor2d(offset, [b, b])))([ut, vt]);
        const flat = (r: { value: tf.Scalar; grads: tf.Tensor[] }) => [r.value.dataSync()[0], ...r.grads[0].dataSync(), ...r.grads[1].dataSync()];
        return [flat(g1), flat(g2)];
      });
      expect(fast.length).toBe(1 + 2 * b * d);
      for (let i = 0; i < fast.length; i++) expect(fast[i]).toBeCloseTo(ref[i], 4);
    });
  }
});
