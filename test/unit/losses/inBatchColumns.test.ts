import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { computeLoss, type LossSpec } from '../../../src/core/losses';
import { inBatchColumnsLoss } from '../../../src/core/losses/inBatchColumns';
import type { InBatchOptions } from '../../../src/core/losses/inBatchSoftmax';
import { inBatchSoftmaxLoss } from '../../../src/core/losses/inBatchSoftmax';
import { sampledSoftmaxLoss } from '../../../src/core/losses/sampledSoftmax';
import { inBatchColumnLogits, inBatchWithHardLogits } from '../../../src/core/sampling';
import { initBackend } from '../../../src/core/train/backend';
import { Rng } from '../../../src/core/util/rng';

const value = (f: () => tf.Scalar): number => tf.tidy(() => f().dataSync()[0]);

/** The in-batch softmax with n hard columns per row and no extra columns. */
const inBatchWithHardLoss = (u: tf.Tensor2D, v: tf.Tensor2D, h: tf.Tensor2D, n: number, o: InBatchOptions): tf.Scalar => inBatchColumnsLoss(u, v, { vExtra: null, vRow: h, perRow: n }, o);

// u = v = I₂ (in-batch cosines I), one hard negative per row: h₀ = [1, 0] (cos(u₀, h₀) = 1), h₁ = [1, 0] (cos(u₁, h₁) = 0).
const eye2 = () => tf.tensor2d([1, 0, 0, 1], [2, 2]);
const hard = () => tf.tensor2d([1, 0, 1, 0], [2, 2]);

describe('in-batch softmax + hard columns on tiny hand-derived inputs (cpu)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('τ = 1, no logQ: row 0 logits [1, 0 | 1] → log(2 + e⁻¹) = 0.8619948; row 1 [0, 1 | 0] → log(1 + 2/e) = 0.5514447; mean 0.7067198', () => {
    expect(value(() => inBatchWithHardLoss(eye2(), eye2(), hard(), 1, { temperature: 1 }))).toBeCloseTo(0.7067198, 5);
  });

  it('logQ = [0, ln 2] applies to in-batch columns only: row 0 [1, −ln 2 | 1] → log(2 + 0.5/e) = 0.7811305; row 1 [0, 1 − ln 2 | 0] → log(1 + 4/e) = 0.9048324; mean 0.8429814', () => {
    const logQ = new Float32Array([0, Math.log(2)]);
    expect(value(() => inBatchWithHardLoss(eye2(), eye2(), hard(), 1, { temperature: 1, logQ }))).toBeCloseTo(0.8429814, 5);
  });

  it('a masked in-batch column leaves the hard column: (0,1) masked, row 0 [1, masked | 1] → log 2 = 0.6931472; mean (0.6931472 + 0.5514447)/2 = 0.6222959', () => {
    const hitMask = new Uint8Array([0, 1, 0, 0]);
    expect(value(() => inBatchWithHardLoss(eye2(), eye2(), hard(), 1, { temperature: 1, hitMask }))).toBeCloseTo(0.6222959, 5);
  });

  it('computeLoss takes this loss for listwise in-batch with negItems, and the sampled softmax over 1 + n when negatives are not in-batch', () => {
    const spec: LossSpec = { mode: 'listwise', loss: 'softmax', temperature: 1, margin: 0, scale: 1, pairwiseReduction: 'mean', inBatch: true, logqStrength: 1 };
    const x = () => ({ u: eye2(), vPos: eye2(), vNeg: hard(), perPositive: 1 });
    expect(value(() => computeLoss(spec, x()))).toBeCloseTo(0.7067198, 5);
    // Sampled softmax drops the in-batch columns: row 0 [cos⁺ = 1 | hard 1] → log 2; row 1 [1 | 0] → log(1 + e⁻¹); mean (0.6931472 + 0.3132617)/2 = 0.5032044.
    const sampled = value(() => computeLoss({ ...spec, inBatch: false }, x()));
    expect(sampled).toBeCloseTo(0.5032044, 5);
    expect(sampled).toBeCloseTo(value(() => sampledSoftmaxLoss(eye2(), eye2(), hard(), 1, 1)), 6);
  });

  it('refuses hard negatives that do not fill B rows × n, saying the counts', () => {
    expect(() => value(() => inBatchWithHardLoss(eye2(), eye2(), tf.tensor2d([1, 0, 0, 1, 1, 1], [3, 2]), 1, { temperature: 1 }))).toThrow(/3 vectors for 2 rows × 1 negatives/);
  });
});

describe('mixed negative sampling, logQ strength and the corrected sampled softmax, hand-derived (cpu)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });
  // One extra item e = [1, 0] shared by both rows: extraCos = [1, 0] (row 0, row 1).
  const extraItem = () => tf.tensor2d([1, 0], [1, 2]);

  it('an extra column shared by every row scores like a per-row column of the same vector: 0.7067198 as above', () => {
    expect(value(() => inBatchColumnsLoss(eye2(), eye2(), { vExtra: extraItem(), vRow: null, perRow: 0 }, { temperature: 1 }))).toBeCloseTo(0.7067198, 5);
  });

  it('extra logQ = [ln 2]: row 0 [1, 0 | 1 − ln 2] → log(1.5e + 1) − 1 = 0.6248038; row 1 [0, 1 | −ln 2] → log(1.5 + e) − 1 = 0.4394279; mean 0.5321158', () => {
    const extraLogQ = Float32Array.of(Math.log(2));
    expect(value(() => inBatchColumnsLoss(eye2(), eye2(), { vExtra: extraItem(), extraLogQ, vRow: null, perRow: 0 }, { temperature: 1 }))).toBeCloseTo(0.5321158, 5);
  });

  it("the extra mask removes row 0's extra column: row 0 [1, 0] → log(e + 1) − 1 = 0.3132617; row 1 [0, 1 | 0] → log(2 + e) − 1 = 0.5514447; mean 0.4323532", () => {
    const extraMask = Uint8Array.of(1, 0);
    expect(value(() => inBatchColumnsLoss(eye2(), eye2(), { vExtra: extraItem(), extraMask, vRow: null, perRow: 0 }, { temperature: 1 }))).toBeCloseTo(0.4323532, 5);
  });

  it('γ = 0.5 halves the in-batch correction: logQ = [0, ln 2], row 0 [1, −½ln 2] → log(e + 2^−½) − 1 = 0.2312149; row 1 [0, 1 − ½ln 2] → 0.4188814; mean 0.3250482', () => {
    const logQ = Float32Array.of(0, Math.log(2));
    expect(value(() => inBatchSoftmaxLoss(eye2(), eye2(), { temperature: 1, logQ, logqStrength: 0.5 }))).toBeCloseTo(0.3250482, 5);
    // γ = 0 is no correction at all: 0.3132617 of the plain in-batch softmax.
    expect(value(() => inBatchSoftmaxLoss(eye2(), eye2(), { temperature: 1, logQ, logqStrength: 0 }))).toBeCloseTo(0.3132617, 5);
  });

  it('sampled softmax with logQ corrects the positive column too: Q⁺ = [½, ¼], Q⁻ = [¼, ½]; row 0 [1 + ln 2, 1 + 2 ln 2] → ln 3; row 1 [1 + 2 ln 2, 0 + ln 2] → log(1 + ½e⁻¹) = 0.1688476; mean 0.6337300', () => {
    const neg = () => tf.tensor2d([1, 0, 1, 0], [2, 2]);
    const correction = { posLogQ: Float32Array.of(Math.log(0.5), Math.log(0.25)), negLogQ: Float32Array.of(Math.log(0.25), Math.log(0.5)), strength: 1 };
    expect(value(() => sampledSoftmaxLoss(eye2(), eye2(), neg(), 1, 1, correction))).toBeCloseTo(0.63373, 5);
  });

  it('with a uniform sampler log Q is the same for every column, so the corrected sampled softmax equals the uncorrected one (0.5032044)', () => {
    const c = Math.log(3 / 997);
    const correction = { posLogQ: Float32Array.of(c, c), negLogQ: Float32Array.of(c, c), strength: 1 };
    expect(value(() => sampledSoftmaxLoss(eye2(), eye2(), hard(), 1, 1, correction))).toBeCloseTo(0.5032044, 5);
  });
});

/** Mean over rows of −log softmax(logits)[i], in float64, from the reference logits. */
function referenceLossFromLogits(logits: Float32Array, b: number, width: number): number {
  let sum = 0;
  for (let i = 0; i < b; i++) {
    const row = logits.subarray(i * width, i * width + width);
    const max = Math.max(...row);
    let z = 0;
    for (const x of row) z += Math.exp(x - max);
    sum += Math.log(z) - (row[i] - max);
  }
  return sum / b;
}

/** The same loss by autodiff through tf.logSoftmax (the slow path the closed form replaces). */
function autodiffLoss(u: tf.Tensor2D, v: tf.Tensor2D, h: tf.Tensor2D, n: number, tau: number, offset: tf.Tensor2D): tf.Scalar {
  const [b, d] = u.shape;
  const inBatch = tf.matMul(u, v, false, true);
  const hardCos = tf.sum(tf.mul(tf.reshape(u, [b, 1, d]), tf.reshape(h, [b, n, d])), 2);
  const logits = tf.add(tf.div(tf.concat([inBatch, hardCos], 1), tf.scalar(tau)), offset);
  const target = tf.concat([tf.eye(b), tf.zeros([b, n])], 1);
  return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), target), 1))) as tf.Scalar;
}

describe('in-batch + hard loss against the reference logits and autodiff', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`${backend}: loss equals the loss of inBatchWithHardLogits; gradients w.r.t. u, v and hard vectors equal autodiff`, async () => {
      await initBackend(backend);
      const rng = new Rng(11);
      const b = 5;
      const n = 3;
      const d = 4;
      const tau = 0.3;
      const unit = (rows: number): Float32Array => {
        const x = new Float32Array(rows * d).map(() => rng.normal());
        for (let r = 0; r < rows; r++) {
          const norm = Math.hypot(...x.subarray(r * d, r * d + d));
          for (let k = 0; k < d; k++) x[r * d + k] /= norm;
        }
        return x;
      };
      const uv = unit(b);
      const vv = unit(b);
      const hv = unit(b * n);
      const logQ = new Float32Array(b).map(() => Math.log(0.01 + rng.next()));
      const hitMask = new Uint8Array(b * b).map(() => (rng.next() < 0.25 ? 1 : 0));
      for (let i = 0; i < b; i++) hitMask[i * b + i] = 0;

      // Reference logits from the cosines computed in float64 here.
      const cos = new Float32Array(b * b);
      const hardCos = new Float32Array(b * n);
      const dot = (a: Float32Array, ai: number, c: Float32Array, ci: number) => {
        let s = 0;
        for (let k = 0; k < d; k++) s += a[ai * d + k] * c[ci * d + k];
        return s;
      };
      for (let i = 0; i < b; i++) {
        for (let j = 0; j < b; j++) cos[i * b + j] = dot(uv, i, vv, j);
        for (let k = 0; k < n; k++) hardCos[i * n + k] = dot(uv, i, hv, i * n + k);
      }
      const refLogits = inBatchWithHardLogits(cos, b, hardCos, n, tau, logQ, hitMask);
      const refLoss = referenceLossFromLogits(refLogits, b, b + n);
      // Offset for autodiff: the reference logits minus cos/τ (−log p_j, −1e9 where masked, 0 on hard columns).
      const offset = new Float32Array(b * (b + n));
      for (let i = 0; i < b; i++) {
        for (let j = 0; j < b; j++) offset[i * (b + n) + j] = hitMask[i * b + j] ? -1e9 : -logQ[j];
      }

      const [fast, ref] = tf.tidy(() => {
        const ut = tf.tensor2d(uv, [b, d]);
        const vt = tf.tensor2d(vv, [b, d]);
        const ht = tf.tensor2d(hv, [b * n, d]);
        const g1 = tf.valueAndGrads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) =>
          inBatchWithHardLoss(x as tf.Tensor2D, y as tf.Tensor2D, z as tf.Tensor2D, n, { temperature: tau, logQ, hitMask }),
        )([ut, vt, ht]);
        const g2 = tf.valueAndGrads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) =>
          autodiffLoss(x as tf.Tensor2D, y as tf.Tensor2D, z as tf.Tensor2D, n, tau, tf.tensor2d(offset, [b, b + n])),
        )([ut, vt, ht]);
        const flat = (r: { value: tf.Scalar; grads: tf.Tensor[] }) => [r.value.dataSync()[0], ...r.grads.flatMap((g) => Array.from(g.dataSync()))];
        return [flat(g1), flat(g2)];
      });
      expect(fast[0]).toBeCloseTo(refLoss, 4);
      expect(fast.length).toBe(1 + 2 * b * d + b * n * d);
      // The hard vectors get a non-zero gradient: the hard columns are in the softmax.
      expect(fast.slice(1 + 2 * b * d).some((g) => Math.abs(g) > 1e-4)).toBe(true);
      for (let i = 0; i < fast.length; i++) expect(fast[i]).toBeCloseTo(ref[i], 4);
    });
  }
});

describe('in-batch + extra (mixed) + per-row columns with γ against the reference logits and autodiff', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`${backend}: loss equals the loss of inBatchColumnLogits; gradients of u, v, extra and per-row vectors equal autodiff`, async () => {
      await initBackend(backend);
      const rng = new Rng(23);
      const b = 4;
      const extra = 3;
      const n = 2;
      const d = 3;
      const tau = 0.4;
      const gamma = 0.5;
      const vecs = (rows: number) => new Float32Array(rows * d).map(() => rng.normal());
      const uv = vecs(b);
      const vv = vecs(b);
      const ev = vecs(extra);
      const hv = vecs(b * n);
      const logQ = new Float32Array(b).map(() => Math.log(0.01 + rng.next()));
      const extraLogQ = new Float32Array(extra).map(() => Math.log(0.01 + rng.next()));
      const rowLogQ = new Float32Array(b * n).map((_, k) => (k % 2 === 0 ? Math.log(0.01 + rng.next()) : 0));
      const mask = new Uint8Array(b * b).map((_, k) => (k % (b + 1) !== 0 && rng.next() < 0.25 ? 1 : 0));
      const extraMask = new Uint8Array(b * extra).map(() => (rng.next() < 0.25 ? 1 : 0));
      const dot = (a: Float32Array, ai: number, c: Float32Array, ci: number) => {
        let s = 0;
        for (let k = 0; k < d; k++) s += a[ai * d + k] * c[ci * d + k];
        return s;
      };
      const cos = new Float32Array(b * b);
      const extraCos = new Float32Array(b * extra);
      const rowCos = new Float32Array(b * n);
      for (let i = 0; i < b; i++) {
        for (let j = 0; j < b; j++) cos[i * b + j] = dot(uv, i, vv, j);
        for (let k = 0; k < extra; k++) extraCos[i * extra + k] = dot(uv, i, ev, k);
        for (let k = 0; k < n; k++) rowCos[i * n + k] = dot(uv, i, hv, i * n + k);
      }
      const width = b + extra + n;
      const refLogits = inBatchColumnLogits({ cos, b, tau, logQ, mask, strength: gamma, extraCos, extra, extraLogQ, extraMask, rowCos, n, rowLogQ });
      const refLoss = referenceLossFromLogits(refLogits, b, width);
      // The autodiff offset: reference logits minus score/τ.
      const offset = new Float32Array(b * width);
      for (let i = 0; i < b; i++) {
        for (let j = 0; j < b; j++) offset[i * width + j] = refLogits[i * width + j] - cos[i * b + j] / tau;
        for (let k = 0; k < extra; k++) offset[i * width + b + k] = refLogits[i * width + b + k] - extraCos[i * extra + k] / tau;
        for (let k = 0; k < n; k++) offset[i * width + b + extra + k] = -gamma * rowLogQ[i * n + k];
      }
      const [fast, ref] = tf.tidy(() => {
        const ts = [tf.tensor2d(uv, [b, d]), tf.tensor2d(vv, [b, d]), tf.tensor2d(ev, [extra, d]), tf.tensor2d(hv, [b * n, d])];
        const g1 = tf.valueAndGrads((u: tf.Tensor, v: tf.Tensor, e: tf.Tensor, h: tf.Tensor) =>
          inBatchColumnsLoss(u as tf.Tensor2D, v as tf.Tensor2D, { vExtra: e as tf.Tensor2D, extraLogQ, extraMask, vRow: h as tf.Tensor2D, perRow: n, rowLogQ }, { temperature: tau, logQ, hitMask: mask, logqStrength: gamma }),
        )(ts);
        const g2 = tf.valueAndGrads((u: tf.Tensor, v: tf.Tensor, e: tf.Tensor, h: tf.Tensor) => {
          const rows = tf.sum(tf.mul(tf.reshape(u, [b, 1, d]), tf.reshape(h, [b, n, d])), 2);
          const scores = tf.concat([tf.matMul(u, v, false, true), tf.matMul(u, e, false, true), rows], 1);
          const logits = tf.add(tf.div(scores, tf.scalar(tau)), tf.tensor2d(offset, [b, width]));
          const target = tf.concat([tf.eye(b), tf.zeros([b, extra + n])], 1);
          return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), target), 1))) as tf.Scalar;
        })(ts);
        const flat = (r: { value: tf.Scalar; grads: tf.Tensor[] }) => [r.value.dataSync()[0], ...r.grads.flatMap((g) => Array.from(g.dataSync()))];
        return [flat(g1), flat(g2)];
      });
      expect(fast[0]).toBeCloseTo(refLoss, 4);
      // The extra vectors get a gradient: their columns are in the softmax.
      const extraGrads = fast.slice(1 + 2 * b * d, 1 + 2 * b * d + extra * d);
      expect(extraGrads.some((g) => Math.abs(g) > 1e-4)).toBe(true);
      for (let i = 0; i < fast.length; i++) expect(fast[i]).toBeCloseTo(ref[i], 4);
    });
  }
});
