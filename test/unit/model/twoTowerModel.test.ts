import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

import { TwoTowerModel, type TrainBatch } from '../../../src/core/model/twoTowerModel';
import { initBackend } from '../../../src/core/train/backend';
import { Rng } from '../../../src/core/util/rng';
import { BATCH, tinyDataset, tinyExperiment } from './fixtures';

const MODES = [
  { name: 'listwise in-batch softmax', training: {}, batch: { users: BATCH.users, posItems: BATCH.posItems } },
  { name: 'listwise sampled softmax', training: { negatives: { ...tinyExperiment().training.negatives, source: 'uniform' as const } }, batch: BATCH },
  { name: 'pointwise bce', training: { mode: 'pointwise' as const, loss: 'bce' as const }, batch: BATCH },
  { name: 'pairwise hinge', training: { mode: 'pairwise' as const, loss: 'hinge' as const, margin: 0.5 }, batch: BATCH },
  { name: 'pairwise logistic', training: { mode: 'pairwise' as const, loss: 'logistic' as const, scale: 5 }, batch: BATCH },
];

function norms(v: Float32Array, dim: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < v.length / dim; r++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += v[r * dim + k] ** 2;
    out.push(Math.sqrt(s));
  }
  return out;
}

describe('TwoTowerModel (cpu)', () => {
  it('gives L2-normalised user vectors per requested user and item vectors for every item incl. OOV', async () => {
    await initBackend('cpu');
    const m = TwoTowerModel.create(tinyExperiment(), tinyDataset(), new Rng(1));
    const u = m.userVectors(new Int32Array([0, 3, 3]));
    const it = m.itemVectors();
    expect(m.outputDim).toBe(4);
    expect(u.length).toBe(3 * 4);
    expect(it.length).toBe(6 * 4);
    for (const n of [...norms(u, 4), ...norms(it, 4)]) expect(n).toBeCloseTo(1, 5);
    expect(Array.from(u.subarray(4, 8))).toEqual(Array.from(u.subarray(8, 12)));
  });

  for (const mode of MODES) {
    it(`${mode.name}: the loss on a fixed batch falls as it trains`, async () => {
      await initBackend('cpu');
      const m = TwoTowerModel.create(tinyExperiment(mode.training), tinyDataset(), new Rng(3));
      const losses: number[] = [];
      for (let s = 0; s < 40; s++) losses.push(m.trainStep(mode.batch));
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(losses[39]).toBeLessThan(losses[0] * 0.8);
    });
  }

  it('is deterministic: the same seed gives the same losses and weights', async () => {
    await initBackend('cpu');
    const run = async () => {
      const m = TwoTowerModel.create(tinyExperiment({}, { user: { mlp: { hidden: [8], activation: 'gelu', dropout: 0.3 } } }), tinyDataset(), new Rng(9));
      const losses = [m.trainStep(BATCH), m.trainStep(BATCH), m.trainStep(BATCH)];
      return { losses, w: await m.getWeights() };
    };
    const a = await run();
    const b = await run();
    expect(a.losses).toEqual(b.losses);
    expect(Object.keys(a.w)).toEqual(Object.keys(b.w));
    for (const k of Object.keys(a.w)) expect(Array.from(a.w[k].data)).toEqual(Array.from(b.w[k].data));
  });

  for (const optimizer of ['adam', 'adagrad'] as const) {
    it(`${optimizer}: save → restore into a fresh model → step equals the uninterrupted step (with dropout)`, async () => {
      await initBackend('cpu');
      const cfg = tinyExperiment({ optimizer, mode: 'pairwise', loss: 'hinge' }, { item: { mlp: { hidden: [8], activation: 'tanh', dropout: 0.2 } } });
      const a = TwoTowerModel.create(cfg, tinyDataset(), new Rng(5));
      a.trainStep(BATCH);
      a.trainStep(BATCH);
      const saved = await a.getWeights();
      expect(saved['optimizer/step'].data[0]).toBe(2);
      expect(Object.keys(saved).some((k) => k.endsWith(optimizer === 'adam' ? '/adam_v' : '/adagrad_accum'))).toBe(true);
      const lossA = a.trainStep(BATCH);
      const b = TwoTowerModel.create(cfg, tinyDataset(), new Rng(12345)); // another init, overwritten by the checkpoint
      b.setWeights(saved);
      const lossB = b.trainStep(BATCH);
      expect(lossB).toBe(lossA);
      const wa = await a.getWeights();
      const wb = await b.getWeights();
      for (const k of Object.keys(wa)) expect(Array.from(wb[k].data)).toEqual(Array.from(wa[k].data));
    });
  }

  it('updates only the embedding rows of the batch (lazy optimiser)', async () => {
    await initBackend('cpu');
    const m = TwoTowerModel.create(tinyExperiment(), tinyDataset(), new Rng(2));
    const before = (await m.getWeights())['user_tower/id_embedding'].data;
    m.trainStep({ users: new Int32Array([1, 2]), posItems: new Int32Array([1, 2]) });
    const after = (await m.getWeights())['user_tower/id_embedding'].data;
    const changed = (row: number) => Array.from(after.subarray(row * 4, row * 4 + 4)).some((x, k) => x !== before[row * 4 + k]);
    expect([0, 1, 2, 3, 4, 5, 6].map(changed)).toEqual([false, true, true, false, false, false, false]);
  });

  it('refuses bad input with messages that say what and where', async () => {
    await initBackend('cpu');
    const ds = tinyDataset();
    expect(() => TwoTowerModel.create(tinyExperiment({}, { user: { categorical: [{ name: 'contry', embedding_dim: 2 }] } }), ds, new Rng(1))).toThrow(
      /user_tower\.categorical\[0\]\.name: feature "contry" is not among the user features \(country\)/,
    );
    expect(() => TwoTowerModel.create(tinyExperiment({}, { item: { output_dim: 3 } }), ds, new Rng(1))).toThrow(/output_dim \(4\) and item_tower\.output_dim \(3\) must be equal/);
    expect(() => TwoTowerModel.create(tinyExperiment({ mode: 'pairwise', loss: 'softmax' }), ds, new Rng(1))).toThrow(/"softmax" is not a loss of mode "pairwise"; use hinge or logistic/);
    const m = TwoTowerModel.create(tinyExperiment({ mode: 'pointwise', loss: 'bce' }), ds, new Rng(1));
    expect(() => m.trainStep({ users: new Int32Array([1, 99]), posItems: new Int32Array([1, 2]), negItems: new Int32Array(4) })).toThrow(/user_tower: index 99 at batch row 1 is outside \[0, 7\)/);
    expect(() => m.trainStep({ users: BATCH.users, posItems: BATCH.posItems })).toThrow(/mode "pointwise" needs sampled negatives/);
    expect(() => m.trainStep({ ...BATCH, negItems: new Int32Array(7), negPerPositive: 2 })).toThrow(/negItems has 7 entries, which is not 4 rows × 2 negatives/);
    const w = await m.getWeights();
    delete w['item_tower/output/bias/adam_m'];
    expect(() => m.setWeights(w)).toThrow(/does not fit this model.*missing "item_tower\/output\/bias\/adam_m"/);
  });
});

describe('tf.memory().numTensors stays flat across steps', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`${backend}: in-batch and sampled steps allocate nothing that outlives the step`, async () => {
      expect(await initBackend(backend)).toBe(backend);
      const m = TwoTowerModel.create(tinyExperiment(), tinyDataset(), new Rng(4));
      const sampled = TwoTowerModel.create(tinyExperiment({ mode: 'pointwise', loss: 'bce' }), tinyDataset(), new Rng(4));
      const inBatch: TrainBatch = { users: BATCH.users, posItems: BATCH.posItems, logQ: new Float32Array([-1, -2, -2, -3]), hitMask: new Uint8Array(16).fill(1) };
      m.trainStep(inBatch);
      sampled.trainStep(BATCH);
      const counts: number[] = [];
      for (let s = 0; s < 5; s++) {
        m.trainStep(inBatch);
        sampled.trainStep(BATCH);
        m.userVectors(BATCH.users);
        counts.push(tf.memory().numTensors);
      }
      expect(new Set(counts).size).toBe(1);
    });
  }
});
