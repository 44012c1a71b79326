import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';

import { initBackend } from '../../../src/core/train/backend';
import { registerFastKernels, restoreStockKernels } from '../../../src/core/train/kernels';
import { segmentSumInto } from '../../../src/core/train/kernels/unsortedSegmentSum';
import { Rng } from '../../../src/core/util/rng';

/** Random values and ids in [−2, numSegments + 2): duplicates and out-of-range ids on purpose. */
function randomCase(seed: number, rows: number, inner: number, numSegments: number): { x: Float32Array; ids: Int32Array } {
  const rng = new Rng(seed);
  const x = new Float32Array(rows * inner).map(() => rng.normal());
  const ids = new Int32Array(rows).map(() => rng.int(numSegments + 4) - 2);
  return { x, ids };
}

function segmentSumWith(x: Float32Array, ids: Int32Array, rows: number, inner: number, numSegments: number): Float32Array {
  return tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d(x, [rows, inner]), tf.tensor1d(ids, 'int32'), numSegments).dataSync() as Float32Array).slice();
}

describe('segmentSumInto', () => {
  it('sums duplicate ids and drops out-of-range ones', () => {
    // rows [1,2], [3,4], [5,6], [7,8] with ids 1, 1, −1, 2 into 2 segments:
    // segment 0 = 0, segment 1 = [1+3, 2+4] = [4, 6]; id −1 and id 2 (≥ 2) are dropped.
    const out = new Float32Array(4);
    segmentSumInto([1, 2, 3, 4, 5, 6, 7, 8], [1, 1, -1, 2], 2, 2, out);
    expect(Array.from(out)).toEqual([0, 0, 4, 6]);
  });
});

describe('fast UnsortedSegmentSum vs stock', () => {
  afterAll(async () => {
    await initBackend('cpu');
  });

  it('cpu: equals the stock kernel on random inputs with duplicate and out-of-range ids', async () => {
    await initBackend('cpu');
    const cases = [randomCase(1, 200, 5, 17), randomCase(2, 64, 1, 3), randomCase(3, 1, 8, 40)];
    const shapes = [[200, 5, 17], [64, 1, 3], [1, 8, 40]];
    for (let c = 0; c < cases.length; c++) {
      const [rows, inner, n] = shapes[c];
      registerFastKernels('cpu');
      const fast = segmentSumWith(cases[c].x, cases[c].ids, rows, inner, n);
      restoreStockKernels('cpu');
      const stock = segmentSumWith(cases[c].x, cases[c].ids, rows, inner, n);
      registerFastKernels('cpu');
      expect(fast.length).toBe(n * inner);
      for (let i = 0; i < fast.length; i++) expect(fast[i]).toBeCloseTo(stock[i], 4);
    }
  });

  it('wasm: equals the stock cpu kernel (wasm has none) on the same random inputs', async () => {
    const { x, ids } = randomCase(4, 300, 6, 25);
    await initBackend('cpu');
    restoreStockKernels('cpu');
    const stock = segmentSumWith(x, ids, 300, 6, 25);
    registerFastKernels('cpu');
    expect(await initBackend('wasm')).toBe('wasm');
    const fast = segmentSumWith(x, ids, 300, 6, 25);
    for (let i = 0; i < fast.length; i++) expect(fast[i]).toBeCloseTo(stock[i], 4);
  });

  it('wasm: the gradient of gather (embedding lookup) works and sums duplicate rows', async () => {
    await initBackend('wasm');
    // table 3×2, lookup rows [2, 0, 2]; d(sum of looked-up values)/d(table) counts how often each row is used: [1,1], [0,0], [2,2].
    const g = tf.tidy(() => {
      const table = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
      const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.gather(t, tf.tensor1d([2, 0, 2], 'int32'))))(table);
      return Array.from(grad.dataSync());
    });
    expect(g).toEqual([1, 1, 0, 0, 2, 2]);
  });
});
