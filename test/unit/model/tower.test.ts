import { beforeAll, describe, expect, it } from 'vitest';

import { Tower } from '../../../src/core/model/tower';
import { initBackend } from '../../../src/core/train/backend';
import { makeOptimizer } from '../../../src/core/train/optimizer';
import { Rng } from '../../../src/core/util/rng';
import { tower, vocabulary } from './fixtures';

/**
 * A 2 → 2 (relu) → 2 tower on a 2-wide ID embedding, with hand-set weights:
 *   id rows: <oov> = [0, 0], u0 = [1, 2], u1 = [0, −1]
 *   W0 = [[1, 0], [0, −1]], b0 = [0.5, 0]; Wout = [[2, 2], [0, 0]], bout = [0, 1]
 */
function handSetTower(l2Normalize: boolean): Tower {
  const cfg = tower({ id_embedding_dim: 2, mlp: { hidden: [2], activation: 'relu', dropout: 0 }, output_dim: 2, l2_normalize: l2Normalize });
  const t = new Tower('user_tower', cfg, vocabulary(2, 'u'), { categorical: [], continuous: [] }, makeOptimizer('adam', 0.1), new Rng(1));
  t.input.tables[0].value.set([0, 0, 1, 2, 0, -1]);
  const [w0, b0, wOut, bOut] = t.dense;
  w0.value.set([1, 0, 0, -1]);
  b0.value.set([0.5, 0]);
  wOut.value.set([2, 2, 0, 0]);
  bOut.value.set([0, 1]);
  return t;
}

/*
 * u0: x = [1, 2]  → x·W0 + b0 = [1·1 + 2·0 + 0.5, 1·0 + 2·(−1) + 0] = [1.5, −2] → relu [1.5, 0]
 *                 → ·Wout + bout = [1.5·2 + 0·0 + 0, 1.5·2 + 0·0 + 1] = [3, 4]         (‖·‖ = 5)
 * u1: x = [0, −1] → [0·1 + (−1)·0 + 0.5, 0·0 + (−1)(−1) + 0] = [0.5, 1] → relu [0.5, 1]
 *                 → [0.5·2 + 1·0 + 0, 0.5·2 + 1·0 + 1] = [1, 2]                      (‖·‖ = √5)
 * <oov>: x = [0, 0] → [0.5, 0] → [1, 2] as well.
 */
const RAW = [1, 2, 3, 4, 1, 2];

describe('Tower.forward', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('with l2_normalize: false returns the raw linear output', () => {
    const v = handSetTower(false).vectors(new Int32Array([0, 1, 2]));
    expect(Array.from(v)).toEqual(RAW.map((x) => expect.closeTo(x, 5)));
  });

  it('with l2_normalize: true returns the same directions at unit length', () => {
    const v = handSetTower(true).vectors(new Int32Array([0, 1, 2]));
    const s5 = Math.sqrt(5);
    // [1, 2]/√5, [3, 4]/5 = [0.6, 0.8], [1, 2]/√5.
    expect(Array.from(v)).toEqual([1 / s5, 2 / s5, 0.6, 0.8, 1 / s5, 2 / s5].map((x) => expect.closeTo(x, 5)));
    for (let r = 0; r < 3; r++) expect(Math.hypot(v[2 * r], v[2 * r + 1])).toBeCloseTo(1, 5);
  });
});
