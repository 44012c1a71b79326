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
import type { Dataset, EntityFeatures, Vocabulary } from '../../core/data/dataset';
import { headItemMask } from '../../core/eval/grouping';
import { inputSegments, segmentWidth } from '../../core/model/towerInput';
import { bandsFromConfig, buildUserPositiveIndex, poolsFromRankingLog, popularityDeciles } from '../../core/sampling';
import { writeFileAtomic } from '../../core/train/atomicWrite';
import { scoreMetric } from '../../core/serving/scoreMetric';
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
  /** `evaluation.sample_users`: the per-epoch sample of the test users and its own baseline (absent without one). */
  evalSample?: { users: string; baseline: Record<string, number> };
  hardPools?: { offsets: string; items: string };
  userIds: string;
  itemIds: string;
}

/** Writes `<runDir>/prepared/` and returns its meta (also written as meta.json). */
export function writePrepared(runDir: string, runId: string, config: Experiment, dataset: Dataset): { meta: PreparedMeta; evaluator: RunEvaluator } {
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
  // With the run's index settings: the front door evaluates through the index with this same plan (annEvalService.ts).
  const evaluator = new RunEvaluator(dataset, config.evaluation, config.data.seed, { serving: config.serving, metric: scoreMetric(config) });
  put('eval_users', evaluator.plan.users);
  const epochEval = evaluator.samples ? evaluator.sampleOf() : undefined;
  if (epochEval) put('eval_sample_users', epochEval.users);

  const towers = {
    user: towerSegments('user', config.user_tower, dataset.users, dataset.userFeatures, put),
    item: towerSegments('item', config.item_tower, dataset.items, dataset.itemFeatures, put),
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
    ...(epochEval ? { evalSample: { users: 'eval_sample_users', baseline: epochEval.baseline } } : {}),
    ...(hardPools ? { hardPools } : {}),
    userIds: 'users.ids.json',
    itemIds: 'items.ids.json',
  };
  writeFileAtomic(path.join(dir, 'config.json'), JSON.stringify(config, null, 1));
  writeFileAtomic(path.join(dir, 'meta.json'), JSON.stringify(meta, null, 1));
  return { meta, evaluator };
}

/** The tower's input segments (TowerInput's own plan, in its order), with their arrays written. */
function towerSegments(side: 'user' | 'item', cfg: TowerConfig, vocabulary: Vocabulary, features: EntityFeatures, put: (name: string, a: NpyArray) => string): { width: number; segments: Segment[] } {
  const ARRAY_PREFIX = { categorical: 'cat', bucket: 'bucket', continuous: 'cont' } as const;
  const arrayName = (source: { list: keyof typeof ARRAY_PREFIX; index: number }): string => `${side}_${ARRAY_PREFIX[source.list]}_${source.index}`;
  let width = 0;
  const segments = inputSegments(`${side}_tower`, cfg, vocabulary, features).map((p): Segment => {
    width += segmentWidth(p);
    if (p.kind === 'value') return { kind: 'value', name: p.name, values: put(arrayName(p.source), p.values) };
    return { kind: 'table', name: p.name, rows: p.rows, dim: p.dim, rowOf: p.rowOf && p.source ? put(arrayName(p.source), p.rowOf) : null };
  });
  return { width, segments };
}
