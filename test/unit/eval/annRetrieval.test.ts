/**
 * Retrieval through the ANN index beside the exact one: ann_recall@K on hand-made rankings, and the
 * RunEvaluator's `serving.index` switch.
 */
import { describe, expect, it } from 'vitest';
import type { ServingConfig } from '../../../src/core/config/schema';
import { annScorer, sharedShare } from '../../../src/core/eval/annRetrieval';
import { planRetrieval } from '../../../src/core/eval/retrieval';
import { ItemIndex } from '../../../src/core/serving/annIndex';
import { RunEvaluator, type RetrievalModel } from '../../../src/core/train/runEval';
import { tinyDataset } from '../train/tinyDataset';

const SERVING: ServingConfig = { index: true, connectivity: 16, expansion_add: 128, expansion_search: 64, quantization: 'f32' };

describe('ann_recall', () => {
  it('is the share of the exact top K that the index returned', () => {
    // Exact top 3 = {4, 7, 9}; the index returned {9, 2, 4}: 2 of 3.
    expect(sharedShare(Int32Array.from([4, 7, 9]), Int32Array.from([9, 2, 4]))).toBeCloseTo(2 / 3, 12);
    expect(sharedShare(Int32Array.from([]), Int32Array.from([1]))).toBe(1);
  });
});

/** A model whose users and items are fixed 2-d unit vectors: item i at angle i·0.3, user u at angle u·0.5. */
function fixedModel(): RetrievalModel {
  const items = new Float32Array(11 * 2);
  for (let i = 1; i <= 10; i++) [items[2 * i], items[2 * i + 1]] = [Math.cos(i * 0.3), Math.sin(i * 0.3)];
  return {
    outputDim: 2,
    itemVectors: () => items,
    userVectors: (users) => {
      const out = new Float32Array(users.length * 2);
      users.forEach((u, r) => ([out[2 * r], out[2 * r + 1]] = [Math.cos(u * 0.5), Math.sin(u * 0.5)]));
      return out;
    },
  };
}

describe('evaluation through the index', () => {
  it('an index that finds the true neighbours gives the exact metrics under ann/ and ann_recall 1', () => {
    const dataset = tinyDataset();
    const evaluation = { k: [2, 5], metrics: ['recall', 'ndcg', 'hit_rate', 'mrr', 'coverage'] as const, every: 1, exclude_seen: true, cold_start: 'drop' as const };
    const { metrics } = new RunEvaluator(dataset, { ...evaluation, metrics: [...evaluation.metrics] }, 1, { serving: SERVING, metric: 'cosine' }).evaluate(fixedModel());
    for (const k of ['recall@2', 'recall@5', 'ndcg@5', 'hit_rate@2', 'coverage@5']) expect(metrics[`ann/${k}`]).toBeCloseTo(metrics[k], 6);
    expect(metrics['ann_recall@2']).toBe(1);
    expect(metrics['ann_recall@5']).toBe(1);
  });

  it('asks the index for K + the user\'s seen items, so that excluding them leaves K', () => {
    const dataset = tinyDataset();
    const plan = planRetrieval({ numItems: 11, numUsers: 13, train: dataset.train, test: dataset.test, itemClicks: dataset.itemClicks, ks: [2], metrics: ['recall'], excludeSeen: true });
    const model = fixedModel();
    const index = ItemIndex.build(model.itemVectors(), 2, 'cosine', SERVING);
    const out = new Float32Array(11);
    annScorer(plan, index, (u) => model.userVectors(u))(Int32Array.from([1]), out);
    // User 1 saw 3 items: 2 + 3 = 5 items scored, the other 6 rows (and the OOV row) −∞.
    expect(Array.from(out).filter((s) => s !== -Infinity)).toHaveLength(5);
    expect(out[0]).toBe(-Infinity);
  });

  it('serving.index: false evaluates exactly and reports no ann metric', () => {
    const dataset = tinyDataset();
    const evaluation = { k: [2], metrics: ['recall' as const], every: 1, exclude_seen: true, cold_start: 'drop' as const };
    const evaluator = new RunEvaluator(dataset, evaluation, 1, { serving: { ...SERVING, index: false }, metric: 'cosine' });
    const off = evaluator.evaluate(fixedModel());
    expect(Object.keys(off.metrics).filter((k) => k.startsWith('ann'))).toEqual([]);
    expect(off.index).toBeUndefined();
    const on = new RunEvaluator(dataset, evaluation, 1, { serving: SERVING, metric: 'cosine' }).evaluate(fixedModel());
    expect(Object.keys(on.metrics)).toContain('ann_recall@2');
    expect(on.index).toMatchObject({ items: 10, metric: 'cosine', connectivity: 16, expansionSearch: 64, quantization: 'f32' });
  });
});
