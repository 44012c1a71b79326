/**
 * The one data preparation of both engines, handed to the torch workers: the TS loader's dataset
 * (vocabularies, split, normalised features, bucket ids, popularity counts, ranking-log pools, the
 * evaluated users and the popularity baseline) written as `.npy` arrays plus `meta.json` and the
 * resolved config as `config.json` into `<run>/prepared/`. The Python side never parses user files,
 * so the two engines cannot disagree about the data (docs/torch-engine.md).
 */
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';

import type { Experiment, TowerConfig } from '../../core/config/schema';
import type { Dataset, EntityFeatures } from '../../core/data/dataset';
import { headItemMask } from '../../core/eval/grouping';
import { bandsFromConfig, buildUserPositiveIndex, poolsFromRankingLog, popularityDeciles } from '../../core/sampling';
import { writeFileAtomic } from '../../core/train/atomicWrite';
import { RunEvaluator } from '../../core/train/runEval';
import { dtypeOf, writeNpy, type NpyArray } from './npy';

export const PREPARED_FORMAT = 'two-tower-lab/prepared@1';
export const PREPARED_DIR = 'prepared';

export type Segment =
  | { kind: 'table'; name: string; rows: number; dim: number; rowOf: string | null }
  | { kind: 'value'; name: string; values: string };

export interface PreparedMeta {
  format: typeof PREPARED_FORMAT;
  runId: string;
  users: number;
  items: number;
  arrays: Record<string, { file: string; dtype: ReturnType<typeof dtypeOf>; shape: number[] }>;
  towers: { user: { width: number; segments: Segment[] }; item: { width: number; segments: Segment[] } };
  baseline: Record<string, number>;
  evalUsers: string;
  hardPools?: { offsets: string; items: string };
  userIds: string;
  itemIds: string;
}

/** Writes `<runDir>/prepared/` and returns its meta (also written as meta.json). */
export function writePrepared(runDir: string, runId: string, config: Experiment, dataset: Dataset): PreparedMeta {
  const dir = path.join(runDir, PREPARED_DIR);
  mkdirSync(dir, { recursive: true });
  const arrays: PreparedMeta['arrays'] = {};
  const put = (name: string, a: NpyArray): string => {
    const file = `${name}.npy`;
    writeNpy(path.join(dir, file), a);
    arrays[name] = { file, dtype: dtypeOf(a), shape: [a.length] };
    return name;
  };
  put('train_users', dataset.train.users);
  put('train_items', dataset.train.items);
  put('test_users', dataset.test.users);
  put('test_items', dataset.test.items);
  put('item_clicks', dataset.itemClicks);
  put('item_decile', popularityDeciles(dataset.itemClicks));
  put('item_head', headItemMask(dataset.itemClicks));
  const evaluator = new RunEvaluator(dataset, config.evaluation, config.data.seed);
  put('eval_users', evaluator.plan.users);

  const towers = {
    user: towerSegments('user', config.user_tower, dataset.users.size, dataset.userFeatures, put),
    item: towerSegments('item', config.item_tower, dataset.items.size, dataset.itemFeatures, put),
  };
  let hardPools: PreparedMeta['hardPools'];
  const hard = config.training.negatives.hard;
  if (hard.source === 'ranking_log' && dataset.rankingLog) {
    const pools = poolsFromRankingLog(dataset.rankingLog, dataset.users.size, buildUserPositiveIndex(dataset), bandsFromConfig(hard));
    hardPools = { offsets: put('hard_offsets', pools.offsets), items: put('hard_items', pools.items) };
  }
  writeFileAtomic(path.join(dir, 'users.ids.json'), JSON.stringify(dataset.users.ids));
  writeFileAtomic(path.join(dir, 'items.ids.json'), JSON.stringify(dataset.items.ids));
  const meta: PreparedMeta = {
    format: PREPARED_FORMAT,
    runId,
    users: dataset.users.size,
    items: dataset.items.size,
    arrays,
    towers,
    baseline: evaluator.baseline,
    evalUsers: 'eval_users',
    ...(hardPools ? { hardPools } : {}),
    userIds: 'users.ids.json',
    itemIds: 'items.ids.json',
  };
  writeFileAtomic(path.join(dir, 'config.json'), JSON.stringify(config, null, 1));
  writeFileAtomic(path.join(dir, 'meta.json'), JSON.stringify(meta, null, 1));
  return meta;
}

/** The tower's input segments in the order of TowerInput (ID, categorical, continuous), with their arrays written. */
function towerSegments(side: 'user' | 'item', cfg: TowerConfig, rows: number, features: EntityFeatures, put: (name: string, a: NpyArray) => string): { width: number; segments: Segment[] } {
  const segments: Segment[] = [];
  let width = 0;
  const tower = `${side}_tower`;
  if (cfg.id_embedding_dim > 0) {
    segments.push({ kind: 'table', name: 'id_embedding', rows, dim: cfg.id_embedding_dim, rowOf: null });
    width += cfg.id_embedding_dim;
  }
  cfg.categorical.forEach((c, k) => {
    const col = features.categorical.find((f) => f.name === c.name);
    if (!col) throw new Error(`${tower}.categorical[${k}].name: feature "${c.name}" is not among the ${side} features.`);
    segments.push({ kind: 'table', name: `categorical/${c.name}`, rows: col.vocabulary.size, dim: c.embedding_dim, rowOf: put(`${side}_cat_${k}`, col.values) });
    width += c.embedding_dim;
  });
  cfg.continuous.forEach((c, k) => {
    const col = features.continuous.find((f) => f.name === c.name);
    if (!col) throw new Error(`${tower}.continuous[${k}].name: feature "${c.name}" is not among the ${side} features.`);
    if (c.buckets !== undefined) {
      if (!col.bucketIds || !col.bucketCount) throw new Error(`${tower}.continuous[${k}]: feature "${c.name}" asks for buckets but the data set holds no bucket ids for it.`);
      segments.push({ kind: 'table', name: `bucketized/${c.name}`, rows: col.bucketCount, dim: c.embedding_dim, rowOf: put(`${side}_bucket_${k}`, col.bucketIds) });
      width += c.embedding_dim;
    } else {
      segments.push({ kind: 'value', name: c.name, values: put(`${side}_cont_${k}`, col.values) });
      width += 1;
    }
  });
  return { width, segments };
}
