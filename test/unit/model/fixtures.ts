/** A tiny data set and experiment for model tests: 6 users, 5 items, one categorical and one continuous feature per side. */
import type { Experiment, TowerConfig } from '../../../src/core/config/schema';
import type { Dataset, Vocabulary } from '../../../src/core/data/dataset';

export function vocabulary(n: number, prefix: string): Vocabulary {
  const ids = ['<oov>', ...Array.from({ length: n }, (_, i) => `${prefix}${i}`)];
  const index = new Map(ids.map((id, i) => [id, i]));
  return { ids, size: ids.length, lookup: (id: string) => index.get(id) ?? 0 };
}

export function tinyDataset(): Dataset {
  const users = vocabulary(6, 'u'); // size 7
  const items = vocabulary(5, 'i'); // size 6
  const colour = vocabulary(2, 'c'); // size 3
  return {
    users,
    items,
    userFeatures: {
      categorical: [{ name: 'country', vocabulary: colour, values: new Int32Array([0, 1, 2, 1, 2, 1, 2]) }],
      continuous: [{ name: 'age', values: new Float32Array([0, -1, -0.5, 0, 0.5, 1, 1.5]), stats: { mean: 0, std: 1, min: -1, max: 1.5 }, bucketIds: new Int32Array([0, 0, 0, 1, 1, 2, 2]), boundaries: new Float64Array([-0.2, 0.7]), bucketCount: 3 }],
    },
    itemFeatures: {
      categorical: [{ name: 'genre', vocabulary: colour, values: new Int32Array([0, 1, 1, 2, 2, 1]) }],
      continuous: [{ name: 'price', values: new Float32Array([0, 1, -1, 0.5, -0.5, 0]), stats: { mean: 0, std: 1, min: -1, max: 1 } }],
    },
    train: { users: new Int32Array([1, 2, 3, 4, 5, 6]), items: new Int32Array([1, 2, 3, 4, 5, 1]) },
    test: { users: new Int32Array([1]), items: new Int32Array([2]) },
    itemClicks: new Float64Array([0, 2, 1, 1, 1, 1]),
    stats: { rows: 7, positives: 7, impressedNotClicked: 0, droppedTestUnseen: 0, source: 'fixture' },
  };
}

export function tower(over: Partial<TowerConfig> = {}): TowerConfig {
  return {
    id_embedding_dim: 4,
    categorical: [],
    continuous: [],
    mlp: { hidden: [8], activation: 'relu', dropout: 0 },
    output_dim: 4,
    l2_normalize: true,
    ...over,
  };
}

export function tinyExperiment(training: Partial<Experiment['training']> = {}, towers: { user?: Partial<TowerConfig>; item?: Partial<TowerConfig> } = {}): Experiment {
  return {
    data: { seed: 1 },
    user_tower: tower({ categorical: [{ name: 'country', embedding_dim: 2 }], continuous: [{ name: 'age', normalize: 'zscore', buckets: 3, embedding_dim: 2 }], ...towers.user }),
    item_tower: tower({ categorical: [{ name: 'genre', embedding_dim: 2 }], continuous: [{ name: 'price', normalize: 'zscore', embedding_dim: 8 }], ...towers.item }),
    score: { type: 'cosine', temperature: 0.5 },
    training: {
      engine: 'tfjs',
      engine_options: { processes: 1, nodes: 1, device: 'auto' },
      threads: 1,
      mode: 'listwise',
      loss: 'softmax',
      negatives: {
        source: 'in_batch',
        per_positive: 2,
        alpha: 0.75,
        logq_correction: false,
        logq_strength: 1,
        logq_estimate: 'counts',
        extra: 128,
        extra_sampler: 'uniform',
        remove_accidental_hits: true,
        hard: { source: 'none', band: 'relatively_hard', relatively_hard: [10, 50], extremely_hard: [100, 500], mine_every: 1, mine_top_k: 500 },
        mix: { easy: 0.5, hard: 0.5 },
      },
      positives: { rebalance: { method: 'none', exponent: 0.5, cap: 200, floor: 0 } },
      optimizer: 'adam',
      learning_rate: 0.05,
      batch_size: 4,
      epochs: 1,
      seed: 42,
      ...training,
    },
    evaluation: { k: [2], metrics: ['recall'], every: 1, exclude_seen: true, cold_start: 'drop' },
    serving: { index: false, connectivity: 16, expansion_add: 128, expansion_search: 64, quantization: 'f32' },
  };
}

/** Batches used across tests: 4 positives, and 2 negatives per positive for the sampled modes. */
export const BATCH = {
  users: new Int32Array([1, 2, 3, 4]),
  posItems: new Int32Array([1, 2, 3, 4]),
  negItems: new Int32Array([2, 3, 3, 4, 4, 5, 5, 1]),
  negPerPositive: 2,
};
