/**
 * The model's memory is estimated before anything is allocated: the estimate matches what the built model
 * holds, and a model that cannot be built (`id_embedding_dim: 200000000`) is refused at once with the
 * estimate and the key to lower, not with "Invalid typed array length" after seconds of allocation.
 */
import { describe, expect, it } from 'vitest';

import { estimateModelMemory, formatMemory, modelMemoryProblem } from '../../../src/core/model/memory';
import { TwoTowerModel } from '../../../src/core/model/twoTowerModel';
import { initBackend } from '../../../src/core/train/backend';
import { Rng } from '../../../src/core/util/rng';
import { tinyDataset, tinyExperiment, tower } from './fixtures';

const plain = (over: Parameters<typeof tower>[0] = {}) => tower({ mlp: { hidden: [], activation: 'relu', dropout: 0 }, output_dim: 2, ...over });

describe('estimateModelMemory', () => {
  it('a tiny model, derived by hand', () => {
    // User tower: ID table 4 rows × 4 = 16, output layer 4 × 2 + 2 = 10. Item tower: 5 × 4 = 20, and 10.
    // 56 floats × (1 + Adam's 2 slots) × 4 bytes = 672 bytes of state. Sparse gradients: 64 × 4 floats per
    // table (2 × 1024 bytes) and a row index of 4 bytes per row (36 bytes): 2084 bytes beside.
    const config = { ...tinyExperiment(), user_tower: plain(), item_tower: plain() };
    const e = estimateModelMemory(config, { idRows: { user_tower: 4, item_tower: 5 } });
    expect(e.stateFloats).toBe(168);
    expect(e.trainingBytes).toBe(672 + 2084);
    expect(e.peakBytes).toBe(3 * 672 + 2084);
    expect(e.parts.map((p) => [p.key, p.floats])).toEqual([
      ['item_tower.id_embedding_dim', 20],
      ['user_tower.id_embedding_dim', 16],
      // The output layers (4 × 2) are as big as their input is wide: the ID embedding is the key to lower.
      ['user_tower.id_embedding_dim', 10],
      ['item_tower.id_embedding_dim', 10],
    ]);
    expect(e.lowerBound).toBe(false);
  });

  it('matches what the built model holds (weights and optimizer slots)', async () => {
    await initBackend('cpu');
    for (const optimizer of ['adam', 'adagrad'] as const) {
      const config = tinyExperiment({ optimizer });
      const dataset = tinyDataset();
      const model = TwoTowerModel.create(config, dataset, new Rng(1));
      const weights = await model.getWeights();
      const held = Object.entries(weights)
        .filter(([name]) => name !== 'optimizer/step' && name !== 'rng/dropout')
        .reduce((sum, [, w]) => sum + w.data.length, 0);
      const estimate = estimateModelMemory(config, {
        idRows: { user_tower: dataset.users.size, item_tower: dataset.items.size },
        categoricalRows: (t, name) => (t === 'user_tower' ? dataset.userFeatures : dataset.itemFeatures).categorical.find((f) => f.name === name)?.vocabulary.size,
      });
      expect(estimate.stateFloats, optimizer).toBe(held);
      model.dispose();
    }
  });

  it('unknown vocabulary sizes count as one row, and say the figure is a lower bound', () => {
    const e = estimateModelMemory({ ...tinyExperiment(), user_tower: plain(), item_tower: plain() }, { idRows: {} });
    expect(e.lowerBound).toBe(true);
  });

  it('a dense layer made big by a wide input blames the input', () => {
    const config = { ...tinyExperiment(), user_tower: plain({ id_embedding_dim: 100000, mlp: { hidden: [128], activation: 'relu', dropout: 0 } }), item_tower: plain() };
    const [largest] = estimateModelMemory(config, { idRows: { user_tower: 4, item_tower: 5 } }).parts;
    expect(largest).toMatchObject({ key: 'user_tower.id_embedding_dim', value: 100000, what: 'the user_tower dense layer 100000 × 128' });
  });

  it('formats decimal sizes', () => {
    expect(formatMemory(999)).toBe('999 B');
    expect(formatMemory(4.7e9)).toBe('4.7 GB');
    expect(formatMemory(310e6)).toBe('310 MB');
    expect(formatMemory(36e9)).toBe('36 GB');
  });
});

describe('refusing a model that cannot be built', () => {
  const huge = () => tinyExperiment({}, { user: { id_embedding_dim: 200000000 } });

  it('id_embedding_dim: 200000000: too long for one array; names the key and the estimate', () => {
    const dataset = tinyDataset();
    const e = estimateModelMemory(huge(), { idRows: { user_tower: dataset.users.size, item_tower: dataset.items.size }, categoricalRows: () => 3 });
    const problem = modelMemoryProblem(e, { memoryBytes: 1e15 });
    expect(problem).toMatch(/^The model is too large to build: .+ would hold \d+ values, more than one array can \(4294967296\)/);
    expect(problem).toMatch(/The model would need ≈ [\d.]+ [GT]B at its peak/);
    expect(problem).toContain('Lower `user_tower.id_embedding_dim`');
  });

  it('a model above the machine memory: the estimate, the memory and the key', () => {
    const config = tinyExperiment({}, { item: { id_embedding_dim: 1000 } });
    const e = estimateModelMemory(config, { idRows: { user_tower: 7, item_tower: 1_000_000 }, categoricalRows: () => 3 });
    // 10^6 rows × 1000 = 10^9 floats; × 3 (Adam) × 4 bytes = 12 GB of state, 36 GB at the peak.
    const problem = modelMemoryProblem(e, { memoryBytes: 8e9 });
    expect(problem).toMatch(/^The model needs ≈ 36 GB at its peak \(12 GB of weights and optimizer state while training, held three times over while a checkpoint is written\), more than this machine's 8.0 GB of memory/);
    expect(problem).toContain('`item_tower.id_embedding_dim: 1000` (the item_tower ID embedding, 1000000 rows × 1000)');
    expect(modelMemoryProblem(e, { memoryBytes: 64e9 })).toBeUndefined();
  });

  it('TwoTowerModel.create refuses before allocating (fast, no "Invalid typed array length")', async () => {
    await initBackend('cpu');
    expect(() => TwoTowerModel.create(huge(), tinyDataset(), new Rng(1))).toThrow(/too large to build.*Lower `user_tower\.id_embedding_dim`/s);
  });
});
