/**
 * Every loss of src/core/losses and its gradient (tfjs 'cpu' backend) against python/two_tower_lab/
 * losses.py on the same fixed tiny inputs: vectors, logQ, masks, negatives, γ. To 1e-5.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { computeLoss, type LossSpec } from '../../src/core/losses';
import { initBackend } from '../../src/core/train/backend';
import { Rng } from '../../src/core/util/rng';
import { maxDiff, named, runPython, torchMissing } from './python';

const B = 5;
const D = 4;
const N = 3;
const EXTRA = 3;

/** Fixed inputs from a seeded stream: unit rows (as L2-normalised towers give) or raw ones. */
function inputs(seed: number, unit: boolean) {
  const rng = new Rng(seed);
  const rows = (count: number): number[] => {
    const out: number[] = [];
    for (let r = 0; r < count; r++) {
      const v = Array.from({ length: D }, () => rng.normal());
      const norm = unit ? Math.hypot(...v) : 1;
      out.push(...v.map((x) => x / norm));
    }
    return out;
  };
  const logs = (count: number): number[] => Array.from({ length: count }, () => Math.log(0.01 + rng.next()));
  const mask = (count: number, share: number): number[] => Array.from({ length: count }, () => (rng.next() < share ? 1 : 0));
  return {
    u: rows(B),
    vPos: rows(B),
    vNeg: rows(B * N),
    vExtra: rows(EXTRA),
    logQ: logs(B),
    hitMask: mask(B * B, 0.25),
    extraLogQ: logs(EXTRA),
    extraMask: mask(B * EXTRA, 0.3),
    // Hard slots carry 0.
    negLogQ: logs(B * N).map((v, k) => (k % 3 === 2 ? 0 : v)),
    posLogQ: logs(B),
  };
}

type Inputs = ReturnType<typeof inputs>;
type Use = Partial<Record<'vNeg' | 'vExtra' | 'logQ' | 'hitMask' | 'extraLogQ' | 'extraMask' | 'negLogQ' | 'posLogQ', boolean>>;

interface Case {
  name: string;
  spec: LossSpec;
  use: Use;
  unit: boolean;
}

const spec = (s: Partial<LossSpec> & Pick<LossSpec, 'mode' | 'loss'>): LossSpec => ({ temperature: 0.2, margin: 0.2, scale: 10, pairwiseReduction: 'mean', logqStrength: 1, ...s });

const CASES: Case[] = [
  { name: 'pointwise bce, τ = 0.2', spec: spec({ mode: 'pointwise', loss: 'bce' }), use: { vNeg: true }, unit: true },
  { name: 'pointwise bce on raw vectors (dot product), τ = 0.7', spec: spec({ mode: 'pointwise', loss: 'bce', temperature: 0.7 }), use: { vNeg: true }, unit: false },
  { name: 'pairwise triplet hinge, m = 0.3', spec: spec({ mode: 'pairwise', loss: 'hinge', margin: 0.3 }), use: { vNeg: true }, unit: true },
  { name: 'pairwise triplet logistic, σ = 4', spec: spec({ mode: 'pairwise', loss: 'logistic', scale: 4 }), use: { vNeg: true }, unit: true },
  { name: 'pairwise triplet hinge on each row\'s hardest triplet, m = 0.3', spec: spec({ mode: 'pairwise', loss: 'hinge', margin: 0.3, pairwiseReduction: 'hardest' }), use: { vNeg: true }, unit: true },
  { name: 'pairwise triplet logistic on each row\'s hardest triplet, σ = 4', spec: spec({ mode: 'pairwise', loss: 'logistic', scale: 4, pairwiseReduction: 'hardest' }), use: { vNeg: true }, unit: true },
  { name: 'sampled softmax', spec: spec({ mode: 'listwise', loss: 'softmax' }), use: { vNeg: true }, unit: true },
  { name: 'sampled softmax with logQ of the positive and the negatives, γ = 0.6', spec: spec({ mode: 'listwise', loss: 'softmax', logqStrength: 0.6 }), use: { vNeg: true, negLogQ: true, posLogQ: true }, unit: true },
  { name: 'in-batch softmax', spec: spec({ mode: 'listwise', loss: 'softmax', inBatch: true }), use: {}, unit: true },
  { name: 'in-batch softmax with logQ γ = 0.5 and the accidental-hit mask', spec: spec({ mode: 'listwise', loss: 'softmax', inBatch: true, logqStrength: 0.5 }), use: { logQ: true, hitMask: true }, unit: true },
  { name: 'in-batch + per-row (hard/easy) columns with their logQ', spec: spec({ mode: 'listwise', loss: 'softmax', inBatch: true }), use: { vNeg: true, logQ: true, hitMask: true, negLogQ: true }, unit: true },
  { name: 'in-batch + mixed extra columns (logQ, mask) + per-row columns, γ = 0.75', spec: spec({ mode: 'listwise', loss: 'softmax', inBatch: true, logqStrength: 0.75 }), use: { vNeg: true, vExtra: true, logQ: true, hitMask: true, extraLogQ: true, extraMask: true, negLogQ: true }, unit: true },
  { name: 'in-batch + mixed extra columns without per-row columns, raw vectors', spec: spec({ mode: 'listwise', loss: 'softmax', inBatch: true, temperature: 1.3 }), use: { vExtra: true, logQ: true, extraLogQ: true, extraMask: true }, unit: false },
];

/** Loss and gradients with the TS functions. */
function tsLoss(c: Case, x: Inputs): { loss: number; grads: Record<string, number[]> } {
  const names: ('u' | 'vPos' | 'vNeg' | 'vExtra')[] = ['u', 'vPos', ...(c.use.vNeg ? (['vNeg'] as const) : []), ...(c.use.vExtra ? (['vExtra'] as const) : [])];
  return tf.tidy(() => {
    const tensors = names.map((k) => tf.tensor2d(x[k], [x[k].length / D, D]));
    const f = (...ts: tf.Tensor[]): tf.Scalar => {
      const get = (k: (typeof names)[number]) => ts[names.indexOf(k)] as tf.Tensor2D;
      const f32 = (k: keyof Use) => (c.use[k] ? Float32Array.from(x[k as keyof Inputs]) : undefined);
      return computeLoss(c.spec, {
        u: get('u'),
        vPos: get('vPos'),
        vNeg: c.use.vNeg ? get('vNeg') : null,
        perPositive: c.use.vNeg ? N : 0,
        vExtra: c.use.vExtra ? get('vExtra') : null,
        logQ: f32('logQ'),
        hitMask: c.use.hitMask ? Uint8Array.from(x.hitMask) : undefined,
        extraLogQ: f32('extraLogQ'),
        extraMask: c.use.extraMask ? Uint8Array.from(x.extraMask) : undefined,
        negLogQ: f32('negLogQ'),
        posLogQ: f32('posLogQ'),
      });
    };
    const { value, grads } = tf.valueAndGrads(f)(tensors);
    return { loss: value.dataSync()[0], grads: Object.fromEntries(names.map((k, i) => [k, Array.from(grads[i].dataSync())])) };
  });
}

function pyCase(c: Case, x: Inputs): Record<string, unknown> {
  const pick = (k: keyof Inputs, on = true) => (on ? Array.from(Float32Array.from(x[k])) : null);
  return {
    fn: 'loss',
    spec: c.spec,
    d: D,
    u: pick('u'),
    vPos: pick('vPos'),
    vNeg: pick('vNeg', !!c.use.vNeg),
    vExtra: pick('vExtra', !!c.use.vExtra),
    perPositive: c.use.vNeg ? N : 0,
    logQ: pick('logQ', !!c.use.logQ),
    hitMask: c.use.hitMask ? x.hitMask : null,
    extraLogQ: pick('extraLogQ', !!c.use.extraLogQ),
    extraMask: c.use.extraMask ? x.extraMask : null,
    negLogQ: pick('negLogQ', !!c.use.negLogQ),
    posLogQ: pick('posLogQ', !!c.use.posLogQ),
  };
}

describe.skipIf(torchMissing() !== undefined)(named('losses and gradients: TypeScript (tfjs cpu) = Python (torch), to 1e-5'), () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('every loss of every mode, on two seeds', () => {
    const jobs = CASES.flatMap((c) => [11, 12].map((seed) => ({ c, x: inputs(seed, c.unit) })));
    const py = runPython<{ loss: number; grads: Record<string, number[]> }>(jobs.map(({ c, x }) => pyCase(c, x)));
    jobs.forEach(({ c, x }, i) => {
      const ts = tsLoss(c, x);
      expect(Math.abs(ts.loss - py[i].loss), `${c.name}: loss ${ts.loss} vs ${py[i].loss}`).toBeLessThan(1e-5);
      expect(Object.keys(py[i].grads).sort(), c.name).toEqual(Object.keys(ts.grads).sort());
      for (const k of Object.keys(ts.grads)) {
        expect(maxDiff(ts.grads[k], py[i].grads[k]), `${c.name}: d loss / d ${k}`).toBeLessThan(1e-5);
        // The gradient is not trivially zero (the comparison would prove nothing).
        expect(Math.max(...ts.grads[k].map(Math.abs)), `${c.name}: d loss / d ${k} is all zero`).toBeGreaterThan(1e-4);
      }
    });
  });
});
