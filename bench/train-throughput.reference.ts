/** The reference model of PERFORMANCE.md and random data of its size, shared by the throughput benches. */
import type { Experiment, TowerConfig } from '../src/core/config/schema';
import type { Dataset, EntityFeatures, Vocabulary } from '../src/core/data/dataset';
import type { Rng } from '../src/core/util/rng';

export const USERS = 6040;
export const ITEMS = 3706;
const CAT_VALUES = 20;

function vocabulary(n: number, prefix: string): Vocabulary {
  const ids = ['<oov>', ...Array.from({ length: n }, (_, i) => `${prefix}${i}`)];
  return { ids, size: ids.length, lookup: (id: string) => Number(id.slice(prefix.length)) + 1 || 0 };
}

function randomFeatures(rng: Rng, rows: number, prefix: string): EntityFeatures {
  const cat = (k: number) => ({ name: `${prefix}_cat${k}`, vocabulary: vocabulary(CAT_VALUES, `${prefix}c${k}_`), values: new Int32Array(rows).map(() => rng.int(CAT_VALUES + 1)) });
  const cont = (k: number) => ({ name: `${prefix}_num${k}`, values: new Float32Array(rows).map(() => rng.normal()), stats: { mean: 0, std: 1, min: -4, max: 4 } });
  return { categorical: [cat(0), cat(1)], continuous: [cont(0), cont(1)] };
}

export function referenceDataset(rng: Rng): Dataset {
  const users = vocabulary(USERS, 'u');
  const items = vocabulary(ITEMS, 'i');
  return {
    users,
    items,
    userFeatures: randomFeatures(rng, users.size, 'user'),
    itemFeatures: randomFeatures(rng, items.size, 'item'),
    train: { users: new Int32Array(0), items: new Int32Array(0) },
    test: { users: new Int32Array(0), items: new Int32Array(0) },
    itemClicks: new Float64Array(items.size),
    stats: { rows: 0, positives: 0, impressedNotClicked: 0, droppedTestUnseen: 0, source: 'bench: random' },
  };
}

function referenceTower(prefix: string): TowerConfig {
  return {
    id_embedding_dim: 32,
    categorical: [0, 1].map((k) => ({ name: `${prefix}_cat${k}`, embedding_dim: 8 })),
    continuous: [0, 1].map((k) => ({ name: `${prefix}_num${k}`, normalize: 'none' as const, embedding_dim: 8 })),
    mlp: { hidden: [128, 64], activation: 'relu', dropout: 0 },
    output_dim: 64,
    l2_normalize: true,
  };
}

export function referenceExperiment(batch: number): Experiment {
  return {
    data: { seed: 1 },
    user_tower: referenceTower('user'),
    item_tower: referenceTower('item'),
    score: { type: 'cosine', temperature: 0.05 },
    training: {
      engine: 'tfjs',
      engine_options: { processes: 1, nodes: 1, device: 'auto' },
      threads: 1,
      mode: 'listwise',
      loss: 'softmax',
      negatives: {
        source: 'in_batch',
        per_positive: 1,
        alpha: 0.75,
        logq_correction: false,
        logq_strength: 1,
        logq_estimate: 'counts',
        extra: 128,
        extra_sampler: 'uniform',
        remove_accidental_hits: false,
        hard: { source: 'none', band: 'relatively_hard', relatively_hard: [10, 50], extremely_hard: [100, 500], mine_every: 1, mine_top_k: 500 },
        mix: { easy: 0.5, hard: 0.5 },
      },
      positives: { rebalance: { method: 'none', exponent: 0.5, cap: 200, floor: 0 } },
      optimizer: 'adam',
      learning_rate: 1e-3,
      batch_size: batch,
      epochs: 1,
      seed: 1,
    },
    evaluation: { k: [10], metrics: ['recall'], every: 1, exclude_seen: true, cold_start: 'drop' },
    serving: { index: false, connectivity: 16, expansion_add: 128, expansion_search: 64, quantization: 'f32' },
  };
}

