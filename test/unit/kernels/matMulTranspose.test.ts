import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

import { initBackend } from '../../../src/core/train/backend';
import { registerFastKernels, restoreStockKernels } from '../../../src/core/train/kernels';
import { Rng } from '../../../src/core/util/rng';

function randomMatrix(rng: Rng, rows: number, cols: number): tf.Tensor2D {
  return tf.tensor2d(new Float32Array(rows * cols).map(() => rng.normal()), [rows, cols]);
}

/** Every transpose combination of plain and fused (bias + relu) matMul, flattened. */
function allProducts(seed: number): number[][] {
  const rng = new Rng(seed);
  return tf.tidy(() => {
    const a = randomMatrix(rng, 7, 5);
    const aT = randomMatrix(rng, 5, 7);
    const b = randomMatrix(rng, 5, 3);
    const bT = randomMatrix(rng, 3, 5);
    const bias = tf.tensor1d([0.5, -0.5, 0.1]);
    const out: tf.Tensor[] = [
      tf.matMul(a, b), tf.matMul(aT, b, true, false), tf.matMul(a, bT, false, true), tf.matMul(aT, bT, true, true),
      tf.fused.matMul({ a: aT, b: bT, transposeA: true, transposeB: true, bias, activation: 'relu' }),
      tf.fused.matMul({ a, b: bT, transposeB: true, bias, activation: 'linear' }),
    ];
    return out.map((t) => Array.from(t.dataSync()));
  });
}

describe('wasm matMul transpose fix', () => {
  it('gives the stock wasm kernels\' results for plain matMul, and the cpu results for all (stock wasm fused+transposed is wrong)', async () => {
    await initBackend('cpu');
    const cpu = allProducts(11);
    expect(await initBackend('wasm')).toBe('wasm');
    const fast = allProducts(11);
    restoreStockKernels('wasm');
    const stock = allProducts(11);
    registerFastKernels('wasm');
    expect(fast.map((f) => f.length)).toEqual([21, 21, 21, 21, 21, 21]);
    for (let k = 0; k < fast.length; k++) for (let i = 0; i < fast[k].length; i++) expect(fast[k][i]).toBeCloseTo(cpu[k][i], 4);
    for (let k = 0; k < 4; k++) for (let i = 0; i < fast[k].length; i++) expect(fast[k][i]).toBeCloseTo(stock[k][i], 4);
  });

  it('hand-checked: fused aᵀ·bᵀ + bias, where stock wasm broadcasts the bias wrongly', async () => {
    // a = [[1,0,1],[0,1,1]], b = [[1,0],[0,1],[0,0]]: a·b = I; + bias [0.5, −0.25] = [[1.5, −0.25], [0.5, 0.75]].
    // Stock wasm 4.22 with both transposes gives [[1.5, −0.25], [−0.25, 0.75]].
    await initBackend('wasm');
    const r = tf.tidy(() => {
      const aT = tf.tensor2d([1, 0, 0, 1, 1, 1], [3, 2]);
      const bT = tf.tensor2d([1, 0, 0, 0, 1, 0], [2, 3]);
      const bias = tf.tensor1d([0.5, -0.25]);
      return Array.from(tf.fused.matMul({ a: aT, b: bT, transposeA: true, transposeB: true, bias }).dataSync());
    });
    expect(r).toEqual([1.5, -0.25, 0.5, 0.75]);
  });

  it('leaves no intermediate tensor behind', async () => {
    await initBackend('wasm');
    const before = tf.memory().numTensors;
    const bytesBefore = tf.memory().numBytes;
    allProducts(12);
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.memory().numBytes).toBe(bytesBefore);
  });

  it('hand-checked: [[1,2],[3,4]]ᵀ·[[1,0],[0,1]]ᵀ = [[1,3],[2,4]]', async () => {
    await initBackend('wasm');
    const r = tf.tidy(() => Array.from(tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([1, 0, 0, 1], [2, 2]), true, true).dataSync()));
    expect(r).toEqual([1, 3, 2, 4]);
  });
});
