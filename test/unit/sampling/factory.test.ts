import { describe, expect, it } from 'vitest';
import {
  CountsCorrection,
  createInBatchCorrection,
  createNegativeSampler,
  HardNegativeSampler,
  minedSamplerOf,
  MixedSampler,
  PopularitySampler,
  refuseImpressedNegatives,
  StreamingFrequencyEstimator,
  UniformSampler,
} from '../../../src/core/sampling';
import type { TrainingConfig } from '../../../src/core/config/schema';
import { Rng } from '../../../src/core/util/rng';
import { dataset, pairs, training } from './fixtures';

const data = dataset(4, 6, pairs([[1, 1], [1, 2], [2, 1], [3, 3], [3, 1]]), {
  requests: Int32Array.of(1, 1, 1),
  users: Int32Array.of(1, 1, 1),
  items: Int32Array.of(1, 4, 5),
  ranks: Int32Array.of(0, 10, 11),
  discarded: Uint8Array.of(0, 1, 1),
});

describe('createNegativeSampler', () => {
  it('builds the sampler the config names', () => {
    expect(createNegativeSampler(training(), data, new Rng(1))).toBeInstanceOf(UniformSampler);
    const pop = createNegativeSampler(training({ negatives: { source: 'popularity', alpha: 0.5 } }), data, new Rng(1));
    expect(pop).toBeInstanceOf(PopularitySampler);
    expect((pop as PopularitySampler).alpha).toBe(0.5);
    expect(createNegativeSampler(training({ negatives: { source: 'in_batch' } }), data, new Rng(1))).toBeUndefined();
  });

  it('mixes easy and log-based hard negatives at mix.hard, or gives hard-only slots beside in-batch ones', () => {
    const mixed = createNegativeSampler(training({ negatives: { source: 'popularity', hard: { source: 'ranking_log' }, mix: { easy: 0.7, hard: 0.3 } } }), data, new Rng(1));
    expect(mixed).toBeInstanceOf(MixedSampler);
    expect((mixed as MixedSampler).hardShare).toBe(0.3);
    // User 1's target is item 1 at rank 0; the default band [10, 50) holds items 4 and 5 (discarded).
    const hard = createNegativeSampler(training({ negatives: { source: 'in_batch', hard: { source: 'ranking_log' } } }), data, new Rng(1));
    expect(hard).toBeInstanceOf(HardNegativeSampler);
    const out = new Int32Array(100);
    hard?.sample({ users: new Int32Array(10).fill(1), items: new Int32Array(10).fill(1) }, 10, new Rng(2), out);
    expect(new Set(out)).toEqual(new Set([4, 5]));
  });

  it('exposes the mined sampler so the loop can refresh it', () => {
    const sampler = createNegativeSampler(training({ negatives: { hard: { source: 'mined', mine_top_k: 100 } } }), data, new Rng(1));
    const mined = minedSamplerOf(sampler);
    expect(mined?.topK).toBe(5); // capped at the 5 real items
    expect(minedSamplerOf(createNegativeSampler(training(), data, new Rng(1)))).toBeUndefined();
  });

  it('explains a missing ranking log, a mix that does not sum to 1, and a bad band', () => {
    const noLog = { ...data, rankingLog: undefined };
    expect(() => createNegativeSampler(training({ negatives: { hard: { source: 'ranking_log' } } }), noLog, new Rng(1))).toThrow(/data has no ranking log.*data.ranking_log.*mined/);
    expect(() => createNegativeSampler(training({ negatives: { hard: { source: 'mined' }, mix: { easy: 0.5, hard: 0.6 } } }), data, new Rng(1))).toThrow(/sum to 1/);
    expect(() => createNegativeSampler(training({ negatives: { hard: { source: 'mined', relatively_hard: [5, 5] } } }), data, new Rng(1))).toThrow(/relatively_hard is \[5, 5\]/);
  });

  it('refuses impressed-but-not-clicked items as retrieval negatives, and says why', () => {
    const cfg = training({ negatives: { source: 'impressed_not_clicked' } });
    expect(() => refuseImpressedNegatives(cfg)).toThrow(/negatives for a ranking model/);
    expect(() => createNegativeSampler(cfg, data, new Rng(1))).toThrow(/use `uniform`, `popularity` or `in_batch`/);
    expect(() => refuseImpressedNegatives(training())).not.toThrow();
  });
});

describe('createInBatchCorrection', () => {
  const inBatch = (patch: Partial<TrainingConfig['negatives']>) => training({ batch_size: 2, negatives: { source: 'in_batch', ...patch } });

  it('is undefined without logQ or without in-batch negatives', () => {
    expect(createInBatchCorrection(inBatch({ logq_correction: false }), data)).toBeUndefined();
    expect(createInBatchCorrection(training({ negatives: { logq_correction: true } }), data)).toBeUndefined();
  });

  it('counts: p_i from the pairs the batches are cut from', () => {
    const corr = createInBatchCorrection(inBatch({ logq_correction: true }), data);
    expect(corr).toBeInstanceOf(CountsCorrection);
    // Item 1 has 3 of 5 positives, B = 2: p = 1 − (2/5)² = 0.84.
    expect(corr?.itemProbabilities?.()[1]).toBeCloseTo(0.84, 12);
    // From rebalanced pairs instead: item 1 once of 2 → p = 1 − 0.5² = 0.75.
    const rebalanced = createInBatchCorrection(inBatch({ logq_correction: true }), data, pairs([[1, 1], [3, 3]]));
    expect(rebalanced?.itemProbabilities?.()[1]).toBeCloseTo(0.75, 12);
  });

  it('streaming: the Yi et al. estimator', () => {
    expect(createInBatchCorrection(inBatch({ logq_correction: true, logq_estimate: 'streaming' }), data)).toBeInstanceOf(StreamingFrequencyEstimator);
  });
});
