/**
 * A tower exported as a tfjs LayersModel computes the trainer's vectors: for each kind of input (ID
 * embedding, categorical, bucketised and plain continuous features), each activation, with and without
 * hidden layers and L2 normalisation, the model loaded back with tf.loadLayersModel gives what
 * Tower.vectors gives for the same encoded rows. Built-in layer classes only, so nothing needs registering.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TowerConfig } from '../../../src/core/config/schema';
import type { EntityFeatures, Vocabulary } from '../../../src/core/data/dataset';
import { Tower } from '../../../src/core/model/tower';
import { tfjsTowerArtifacts, type TfjsTowerArtifacts } from '../../../src/core/serving/tfjsTower';
import { initBackend } from '../../../src/core/train/backend';
import { makeOptimizer } from '../../../src/core/train/optimizer';
import type { WeightMap } from '../../../src/core/train/weightsFile';
import { Rng } from '../../../src/core/util/rng';
import { tinyDataset, tower } from '../model/fixtures';
import { artifactsHandler, loadTower, maxAbsDiff, towerVectors } from './tfjsTowerLoading';

beforeAll(async () => {
  await initBackend('cpu');
});

/** A tower with every parameter (biases too) drawn at random, so no layer can hide behind zeros. */
function randomTower(cfg: TowerConfig, vocabulary: Vocabulary, features: EntityFeatures, seed: number): { tower: Tower; weights: WeightMap } {
  const t = new Tower('user_tower', cfg, vocabulary, features, makeOptimizer('adam', 0.1), new Rng(seed));
  const rng = new Rng(seed + 1);
  const weights: WeightMap = {};
  for (const p of t.params) {
    for (let i = 0; i < p.value.length; i++) p.value[i] = rng.next() * 2 - 1;
    weights[p.name] = { shape: [...p.shape], data: p.value.slice() };
  }
  return { tower: t, weights };
}

const data = tinyDataset();
const allUsers = Int32Array.from({ length: data.users.size }, (_, e) => e);

async function exportAndCompare(cfg: TowerConfig, seed: number): Promise<{ artifacts: TfjsTowerArtifacts; diff: number; model: tfl.LayersModel }> {
  const { tower: t, weights } = randomTower(cfg, data.users, data.userFeatures, seed);
  const artifacts = await tfjsTowerArtifacts('user_tower', cfg, data.users, data.userFeatures, weights);
  const model = await loadTower(artifactsHandler(artifacts));
  const got = towerVectors(model, artifacts.inputs, Array.from(allUsers, (e) => t.input.encoded(e)));
  return { artifacts, model, diff: maxAbsDiff(got, t.vectors(allUsers)) };
}

const categorical = [{ name: 'country', embedding_dim: 3 }];
const bucketized = { name: 'age', normalize: 'zscore' as const, buckets: 3, embedding_dim: 2 };
const plainValue = { name: 'age', normalize: 'zscore' as const, embedding_dim: 8 };

describe('tfjsTowerArtifacts', () => {
  it.each([
    ['ID, categorical and bucketised inputs, relu, L2-normalised', tower({ categorical, continuous: [bucketized] })],
    ['ID, categorical and a plain value, gelu, two hidden layers, not normalised', tower({ categorical, continuous: [plainValue], mlp: { hidden: [6, 5], activation: 'gelu', dropout: 0.3 }, l2_normalize: false })],
    ['features only (no ID embedding), tanh, L2-normalised', tower({ id_embedding_dim: 0, categorical, continuous: [plainValue], mlp: { hidden: [7], activation: 'tanh', dropout: 0 } })],
    ['the ID embedding alone, elu, no hidden layer', tower({ mlp: { hidden: [], activation: 'elu', dropout: 0 } })],
    ['a plain value alone, linear hidden layer, not normalised', tower({ id_embedding_dim: 0, continuous: [plainValue], mlp: { hidden: [3], activation: 'linear', dropout: 0 }, l2_normalize: false })],
  ])('%s: the loaded model gives the trainer\'s vectors', async (_, cfg) => {
    const { diff, model } = await exportAndCompare(cfg, 11);
    expect(diff).toBeLessThan(1e-5);
    model.dispose();
  });

  it('lists the inputs in the trainer\'s order, with the kind, feature, dtype and table size a caller needs', async () => {
    const { artifacts, model } = await exportAndCompare(tower({ categorical, continuous: [bucketized, { name: 'age', normalize: 'minmax', embedding_dim: 8 }] }), 3);
    expect(artifacts.inputs).toEqual([
      { name: 'id', kind: 'id', dtype: 'int32', rows: data.users.size },
      { name: 'categorical_country', kind: 'categorical', feature: 'country', dtype: 'int32', rows: 3 },
      { name: 'bucket_age', kind: 'bucket', feature: 'age', dtype: 'int32', rows: 3 },
      { name: 'value_age', kind: 'value', feature: 'age', dtype: 'float32' },
    ]);
    expect(model.inputNames).toEqual(artifacts.inputs.map((i) => i.name));
    model.dispose();
  });

  it('is made of built-in Keras layers only, with the trained weights under the layer names', async () => {
    const { artifacts, model } = await exportAndCompare(tower({ categorical, continuous: [bucketized] }), 5);
    const topology = artifacts.modelJson.modelTopology as { config: { layers: { class_name: string }[] } };
    const classes = new Set(topology.config.layers.map((l) => l.class_name));
    expect([...classes].sort()).toEqual(['Concatenate', 'Dense', 'Embedding', 'Flatten', 'InputLayer', 'LayerNormalization']);
    const names = (artifacts.modelJson.weightsManifest as { weights: { name: string }[] }[])[0].weights.map((w) => w.name);
    expect(names).toEqual(expect.arrayContaining(['id_embedding/embeddings', 'categorical_country_embedding/embeddings', 'bucket_age_embedding/embeddings', 'dense_0/kernel', 'dense_0/bias', 'output/kernel', 'output/bias']));
    model.dispose();
  });

  it('a model without its L2 layers, or with another activation, no longer matches (the comparison can fail)', async () => {
    const cfg = tower({ categorical, continuous: [bucketized] });
    const { tower: t, weights } = randomTower(cfg, data.users, data.userFeatures, 7);
    const want = t.vectors(allUsers);
    const encoded = Array.from(allUsers, (e) => t.input.encoded(e));
    const artifacts = await tfjsTowerArtifacts('user_tower', cfg, data.users, data.userFeatures, weights);
    type Layer = { class_name: string; name: string; config: Record<string, unknown>; inbound_nodes: unknown };
    const variant = (edit: (layers: Layer[], outputs: unknown[][]) => void): TfjsTowerArtifacts => {
      const modelJson = JSON.parse(JSON.stringify(artifacts.modelJson)) as { modelTopology: { config: { layers: Layer[]; output_layers: unknown[][] } } };
      edit(modelJson.modelTopology.config.layers, modelJson.modelTopology.config.output_layers);
      return { ...artifacts, modelJson };
    };
    const withoutL2 = variant((layers, outputs) => {
      layers.splice(layers.findIndex((l) => l.name === 'l2_mirror'));
      outputs[0] = ['output', 0, 0];
    });
    const linearHidden = variant((layers) => (layers.find((l) => l.name === 'dense_0')!.config.activation = 'linear'));
    for (const broken of [withoutL2, linearHidden]) {
      // Not strict: the weights of the removed layers stay in the file, unused.
      const model = await loadTower(artifactsHandler(broken), { strict: false });
      expect(maxAbsDiff(towerVectors(model, artifacts.inputs, encoded), want)).toBeGreaterThan(1e-3);
      model.dispose();
    }
  });
});
