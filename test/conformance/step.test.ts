/**
 * One optimiser step of the whole model, TS (TwoTowerModel.trainStep on tfjs cpu) against Python
 * (TrainStep in python/two_tower_lab/step.py) from the same initial weights on the same batch: the
 * towers (ID, categorical, bucketised and plain continuous inputs; every activation; l2_normalize on
 * and off), each loss, the optimiser (Adam with ε on √v, Adagrad) and the lazy table rows. The loss
 * and every gradient (read from the first step's Adam moment m = (1 − β₁)·g, or from Adagrad's
 * accumulator) agree to 1e-5, and so does every parameter after the step.
 */
import { Value } from '@sinclair/typebox/value';
import { beforeAll, describe, expect, it } from 'vitest';

import { ExperimentSchema, type Experiment } from '../../src/core/config/schema';
import type { Dataset, EntityFeatures, Vocabulary } from '../../src/core/data/dataset';
import { TwoTowerModel, type TrainBatch } from '../../src/core/model/twoTowerModel';
import { initBackend } from '../../src/core/train/backend';
import { Rng } from '../../src/core/util/rng';
import { maxDiff, named, runPython, torchMissing } from './python';

const USERS = 12;
const ITEMS = 15;
const B = 6;
const N = 2;

function vocabulary(size: number, prefix: string): Vocabulary {
  const ids = ['<oov>', ...Array.from({ length: size - 1 }, (_, i) => `${prefix}${i + 1}`)];
  return { ids, size, lookup: (id) => Math.max(0, ids.indexOf(id)) };
}

/** One categorical (4 values), one bucketised (3 buckets) and one plain continuous feature per entity. */
function features(count: number, rng: Rng, side: string): { features: EntityFeatures; arrays: Record<string, number[]> } {
  const cat = Int32Array.from({ length: count }, () => rng.int(4));
  const buckets = Int32Array.from({ length: count }, () => rng.int(3));
  const values = Float32Array.from({ length: count }, () => rng.normal());
  const stats = { mean: 0, std: 1, min: -3, max: 3 };
  return {
    features: {
      categorical: [{ name: 'kind', vocabulary: vocabulary(4, 'k'), values: cat }],
      continuous: [
        { name: 'size', values: new Float32Array(count), stats, bucketIds: buckets, boundaries: Float64Array.of(-1, 1), bucketCount: 3 },
        { name: 'age', values, stats },
      ],
    },
    arrays: { [`${side}_cat_0`]: Array.from(cat), [`${side}_bucket_0`]: Array.from(buckets), [`${side}_cont_1`]: Array.from(values) },
  };
}

function tower(activation: string, l2: boolean, hidden: number[]) {
  return {
    id_embedding_dim: 5,
    categorical: [{ name: 'kind', embedding_dim: 3 }],
    continuous: [
      { name: 'size', normalize: 'zscore', buckets: 3, embedding_dim: 2 },
      { name: 'age', normalize: 'zscore' },
    ],
    mlp: { hidden, activation, dropout: 0 },
    output_dim: 4,
    l2_normalize: l2,
  };
}

function segments(rows: number, side: string) {
  return {
    width: 5 + 3 + 2 + 1,
    segments: [
      { kind: 'table', name: 'id_embedding', rows, dim: 5, rowOf: null },
      { kind: 'table', name: 'categorical/kind', rows: 4, dim: 3, rowOf: `${side}_cat_0` },
      { kind: 'table', name: 'bucketized/size', rows: 3, dim: 2, rowOf: `${side}_bucket_0` },
      { kind: 'value', name: 'age', values: `${side}_cont_1` },
    ],
  };
}

interface Case {
  name: string;
  training: Record<string, unknown>;
  activation: string;
  l2: boolean;
  /** The item tower's l2_normalize when it differs from the user tower's. */
  itemL2?: boolean;
  hidden?: number[];
  batch: (rng: Rng) => TrainBatch;
}

const users = (rng: Rng) => Int32Array.from({ length: B }, () => 1 + rng.int(USERS - 1));
// Item 3 twice: two rows touch the same table rows (the lazy update sums them).
const positives = () => Int32Array.of(1, 3, 5, 3, 8, 13);
const negatives = (rng: Rng) => Int32Array.from({ length: B * N }, () => 1 + rng.int(ITEMS - 1));
const logs = (rng: Rng, count: number) => Float32Array.from({ length: count }, () => Math.log(0.02 + rng.next()));
const mask = (rng: Rng, count: number) => Uint8Array.from({ length: count }, () => (rng.next() < 0.25 ? 1 : 0));

const CASES: Case[] = [
  {
    name: 'listwise in-batch + logQ + mask + mixed extra + hard columns, relu, adam',
    training: { mode: 'listwise', loss: 'softmax', negatives: { source: 'mixed', logq_correction: true, logq_strength: 0.7, per_positive: N, extra: 3 } },
    activation: 'relu',
    l2: true,
    batch: (rng) => ({
      users: users(rng), posItems: positives(), negItems: negatives(rng), negPerPositive: N, logQ: logs(rng, B), hitMask: mask(rng, B * B),
      extraItems: Int32Array.of(2, 9, 14), extraLogQ: logs(rng, 3), extraMask: mask(rng, B * 3), negLogQ: logs(rng, B * N),
    }),
  },
  {
    name: 'listwise in-batch only, gelu, two hidden layers, raw vectors (dot product), adagrad',
    training: { mode: 'listwise', loss: 'softmax', optimizer: 'adagrad', negatives: { source: 'in_batch' } },
    activation: 'gelu',
    l2: false,
    hidden: [7, 6],
    batch: (rng) => ({ users: users(rng), posItems: positives() }),
  },
  {
    name: 'sampled softmax with logQ, tanh, adam',
    training: { mode: 'listwise', loss: 'softmax', negatives: { source: 'popularity', logq_correction: true, per_positive: N } },
    activation: 'tanh',
    l2: true,
    batch: (rng) => ({ users: users(rng), posItems: positives(), negItems: negatives(rng), negPerPositive: N, negLogQ: logs(rng, B * N), posLogQ: logs(rng, B) }),
  },
  {
    name: 'pointwise bce, elu, adam',
    training: { mode: 'pointwise', loss: 'bce', negatives: { source: 'uniform', per_positive: N } },
    activation: 'elu',
    l2: true,
    batch: (rng) => ({ users: users(rng), posItems: positives(), negItems: negatives(rng), negPerPositive: N }),
  },
  {
    name: 'pairwise hinge, linear, adagrad',
    training: { mode: 'pairwise', loss: 'hinge', margin: 0.5, optimizer: 'adagrad', negatives: { source: 'uniform', per_positive: N } },
    activation: 'linear',
    l2: true,
    batch: (rng) => ({ users: users(rng), posItems: positives(), negItems: negatives(rng), negPerPositive: N }),
  },
  {
    name: 'pairwise logistic, relu, raw user vectors only, adam',
    training: { mode: 'pairwise', loss: 'logistic', scale: 3, negatives: { source: 'uniform', per_positive: N } },
    activation: 'relu',
    l2: false,
    itemL2: true,
    batch: (rng) => ({ users: users(rng), posItems: positives(), negItems: negatives(rng), negPerPositive: N }),
  },
];

const plain = (a: ArrayLike<number> | undefined) => (a === undefined ? null : Array.from(a));

describe.skipIf(torchMissing() !== undefined)(named('one training step of the model: TypeScript = Python, to 1e-5'), () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('the loss, every gradient and every parameter after the step, for each loss, activation and optimiser', async () => {
    const jobs: { c: Case; loss: number; after: Awaited<ReturnType<TwoTowerModel['getWeights']>>; py: { weights: Record<string, { shape: number[]; data: number[] }> } & Record<string, unknown> }[] = [];
    for (const [k, c] of CASES.entries()) {
      const rng = new Rng(100 + k);
      const u = features(USERS, rng, 'user');
      const i = features(ITEMS, rng, 'item');
      const patch = {
        data: { synthetic: {} },
        user_tower: tower(c.activation, c.l2, c.hidden ?? [6]),
        item_tower: tower(c.activation, c.itemL2 ?? c.l2, c.hidden ?? [6]),
        score: { temperature: 0.3 },
        training: { learning_rate: 0.01, ...c.training },
      };
      const config = Value.Default(ExperimentSchema, structuredClone(patch)) as Experiment;
      const dataset = {
        users: vocabulary(USERS, 'u'),
        items: vocabulary(ITEMS, 'i'),
        userFeatures: u.features,
        itemFeatures: i.features,
      } as unknown as Dataset;
      const model = TwoTowerModel.create(config, dataset, new Rng(7 + k));
      const before = await model.getWeights();
      const batch = c.batch(rng);
      const loss = model.trainStep(batch);
      const after = await model.getWeights();
      model.dispose();
      jobs.push({
        c,
        loss,
        after,
        py: {
          fn: 'step',
          config,
          users: USERS,
          items: ITEMS,
          towers: { user: segments(USERS, 'user'), item: segments(ITEMS, 'item') },
          arrays: { ...u.arrays, ...i.arrays },
          weights: Object.fromEntries(Object.entries(before).map(([name, w]) => [name, { shape: w.shape, data: Array.from(w.data) }])),
          batch: {
            users: plain(batch.users), posItems: plain(batch.posItems), negItems: plain(batch.negItems), negPerPositive: batch.negPerPositive ?? null,
            logQ: plain(batch.logQ), hitMask: plain(batch.hitMask), extraItems: plain(batch.extraItems), extraLogQ: plain(batch.extraLogQ),
            extraMask: plain(batch.extraMask), negLogQ: plain(batch.negLogQ), posLogQ: plain(batch.posLogQ),
          },
        },
      });
    }
    const answers = runPython<{ loss: number; weights: Record<string, number[]> }>(jobs.map((j) => j.py));
    jobs.forEach(({ c, loss, after }, k) => {
      const py = answers[k];
      expect(Math.abs(loss - py.loss), `${c.name}: loss ${loss} vs ${py.loss}`).toBeLessThan(1e-5);
      const names = Object.keys(after).filter((n) => n !== 'rng/dropout');
      expect(Object.keys(py.weights).sort(), c.name).toEqual(names.sort());
      for (const n of names) {
        // A moment or an accumulator is the gradient scaled: compare it as the gradient.
        const scale = n.endsWith('/adam_m') ? 1 / 0.1 : n.endsWith('/adam_v') ? 1 / 0.001 : 1;
        const ts = Array.from(after[n].data, (x) => x * scale);
        const ours = py.weights[n].map((x) => x * scale);
        const tol = n.endsWith('/adam_v') ? 1e-5 * Math.max(1, ...ts.map(Math.abs)) : 1e-5;
        expect(maxDiff(ts, ours), `${c.name}: ${n}`).toBeLessThan(tol);
      }
      // The step moved every dense layer (the comparison is not one of untouched values).
      const kernel = 'item_tower/output/kernel';
      expect(maxDiff(after[kernel].data, jobs[k].py.weights[kernel].data), `${c.name}: ${kernel} did not move`).toBeGreaterThan(1e-5);
    });
  });
});
