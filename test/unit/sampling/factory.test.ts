import { describe, expect, it } from 'vitest';
import {
  appearanceProbability,
  CountsCorrection,
  createExtraColumnSampler,
  createInBatchCorrection,
  createNegativeSampler,
  createRowColumnCorrection,
  NEGATIVE_KIND_CODES,
  ExtraColumnSampler,
  userPositiveIndexFromPairs,
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

  it('mixes easy and log-based hard negatives at mix.hard, also in the slots beside listwise in-batch columns', () => {
    const mixed = createNegativeSampler(training({ negatives: { source: 'popularity', hard: { source: 'ranking_log' }, mix: { easy: 0.7, hard: 0.3 } } }), data, new Rng(1));
    expect(mixed).toBeInstanceOf(MixedSampler);
    expect((mixed as MixedSampler).hardShare).toBe(0.3);
    // Listwise in-batch + hard: the row's slots are hard or uniform-easy at mix (the in-batch columns are the loss's).
    // User 1's target is item 1 at rank 0; the default band [10, 50) holds items 4 and 5 (discarded).
    const slotsAt = (hardShare: number) => {
      const sampler = createNegativeSampler(training({ negatives: { source: 'in_batch', hard: { source: 'ranking_log' }, mix: { easy: 1 - hardShare, hard: hardShare } } }), data, new Rng(1));
      expect(sampler).toBeInstanceOf(MixedSampler);
      expect((sampler as MixedSampler).easy).toBeInstanceOf(UniformSampler);
      const out = new Int32Array(10_000);
      sampler?.sample({ users: new Int32Array(10).fill(1), items: new Int32Array(10).fill(1) }, 1000, new Rng(2), out);
      return Array.from(out);
    };
    expect(new Set(slotsAt(1))).toEqual(new Set([4, 5]));
    // At 0.5/0.5: half the slots hard; uniform easy slots over items 2..5 (never the positive 1) put 4 and 5 at ½ of the rest.
    // Expected share of {4, 5}: 0.5 + 0.5 · 2/4 = 0.75, within 5σ (σ = √(10⁴·0.75·0.25) ≈ 43).
    const half = slotsAt(0.5).filter((i) => i === 4 || i === 5).length;
    expect(Math.abs(half - 7500)).toBeLessThan(220);
    // At 0/1 every slot is easy: {4, 5} at 2/4 = 5,000.
    expect(Math.abs(slotsAt(0).filter((i) => i === 4 || i === 5).length - 5000)).toBeLessThan(250);
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

describe('mixed negative sampling and the logQ of sampled columns', () => {
  const positives = userPositiveIndexFromPairs(data.train, data.users.size);

  it('`mixed` (listwise) gets B′ extra items from its extra sampler, batch-column logQ and no per-row sampler without hard negatives', () => {
    const t = training({ negatives: { source: 'mixed', extra: 4, extra_sampler: 'uniform', logq_correction: true } });
    const extra = createExtraColumnSampler(t, data, positives);
    expect(extra).toBeInstanceOf(ExtraColumnSampler);
    expect(extra?.count).toBe(4);
    expect(extra?.easy).toBeInstanceOf(UniformSampler);
    expect(createNegativeSampler(t, data, new Rng(1))).toBeUndefined();
    expect(createInBatchCorrection(t, data)).toBeInstanceOf(CountsCorrection);
    const pop = createExtraColumnSampler(training({ negatives: { source: 'mixed', extra_sampler: 'popularity' } }), data, positives);
    expect(pop?.easy).toBeInstanceOf(PopularitySampler);
    expect(createExtraColumnSampler(training({ negatives: { source: 'in_batch' } }), data, positives)).toBeUndefined();
  });

  it('extra logQ: Q_k = 1 − (1 − 1/5)^B′ for uniform over the 5 real items; B′ = 4 → 1 − 0.8⁴ = 0.5904', () => {
    const extra = createExtraColumnSampler(training({ negatives: { source: 'mixed', extra: 4 } }), data, positives)!;
    const out = new Int32Array(4);
    extra.sample(new Rng(3), out);
    for (const item of out) expect(item).toBeGreaterThanOrEqual(1);
    const logQ = extra.logQ(out);
    for (const v of logQ) expect(v).toBeCloseTo(Math.log(0.5904), 5);
    expect(appearanceProbability(0.2, 4)).toBeCloseTo(0.5904, 10);
  });

  it("the extra mask hides the row's own item and, with accidental hits removed, the user's other positives", () => {
    // User 1's positives are items 1 and 2; user 3's are 3 and 1.
    const batch = { users: Int32Array.of(1, 3), items: Int32Array.of(1, 3) };
    const items = Int32Array.of(2, 1, 5);
    const withHits = createExtraColumnSampler(training({ negatives: { source: 'mixed', extra: 3 } }), data, positives)!;
    expect(Array.from(withHits.mask(batch, items))).toEqual([1, 1, 0, 0, 1, 0]);
    const ownOnly = createExtraColumnSampler(training({ negatives: { source: 'mixed', extra: 3, remove_accidental_hits: false } }), data, positives)!;
    expect(Array.from(ownOnly.mask(batch, items))).toEqual([0, 1, 0, 0, 0, 0]);
  });

  it('refuses `mixed` outside the listwise softmax, saying why', () => {
    expect(() => createNegativeSampler(training({ mode: 'pairwise', loss: 'hinge', negatives: { source: 'mixed' } }), data, new Rng(1))).toThrow(/mixed.*mode: pairwise.*columns of the listwise softmax/);
  });

  it('sampled softmax logQ: Q_j = appearance of P(j) in the row\'s n draws, the easy share of n when mixed with hard; none without logQ or outside listwise', () => {
    const pop = training({ negatives: { source: 'popularity', per_positive: 3, logq_correction: true } });
    const sampler = createNegativeSampler(pop, data, new Rng(1));
    const c = createRowColumnCorrection(pop, sampler)!;
    expect(c.easy?.draws).toBe(3);
    const p = (sampler as PopularitySampler).probabilities();
    expect(c.easy?.logQ(1)).toBeCloseTo(Math.log(1 - (1 - p[1]) ** 3), 5);
    // The most clicked item gets the largest Q, so the largest subtraction.
    expect(c.easy!.logQ(1)).toBeGreaterThan(c.easy!.logQ(2));
    expect(Array.from(c.positiveLogQ({ users: Int32Array.of(1), items: Int32Array.of(1) }))[0]).toBeCloseTo(c.easy!.logQ(1), 6);
    expect(createRowColumnCorrection(training({ negatives: { source: 'popularity' } }), sampler)).toBeUndefined();
    const pointwise = training({ mode: 'pointwise', loss: 'bce', negatives: { source: 'popularity', logq_correction: true } });
    expect(createRowColumnCorrection(pointwise, createNegativeSampler(pointwise, data, new Rng(1)))).toBeUndefined();
  });

  it('hard slots are corrected by their own proposal: uniform over the user\'s pool, over the row\'s expected hard draws', () => {
    // n = 4 at mix 0.25 easy / 0.75 hard: 1 expected easy draw (uniform over 5 items) and 3 hard draws.
    const t = training({ negatives: { source: 'in_batch', per_positive: 4, logq_correction: true, hard: { source: 'ranking_log' }, mix: { easy: 0.25, hard: 0.75 } } });
    const c = createRowColumnCorrection(t, createNegativeSampler(t, data, new Rng(1)))!;
    expect(c.easy?.draws).toBe(1);
    expect(c.hardDraws).toBe(3);
    // User 1's pool is {4, 5}: Q = 1 − (1 − ½)³ = 0.875; a uniform easy item: Q = 1/5; user 2 has no pool (its hard slots fell back to easy).
    const batch = { users: Int32Array.of(1, 2), items: Int32Array.of(1, 1) };
    const hardLog = NEGATIVE_KIND_CODES.indexOf('hard_log');
    const uniform = NEGATIVE_KIND_CODES.indexOf('uniform');
    const out = new Float32Array(8);
    c.fill(batch, 4, Int32Array.of(4, 5, 2, 3, 2, 3, 4, 5), Uint8Array.of(hardLog, hardLog, uniform, hardLog, uniform, uniform, uniform, uniform), out);
    expect(out[0]).toBeCloseTo(Math.log(0.875), 5);
    expect(out[2]).toBeCloseTo(Math.log(0.2), 5);
    expect(out[4]).toBeCloseTo(Math.log(0.2), 5);
    // All hard: no easy part, hard slots still corrected.
    const allHard = training({ negatives: { source: 'in_batch', per_positive: 2, logq_correction: true, hard: { source: 'ranking_log' }, mix: { easy: 0, hard: 1 } } });
    const h = createRowColumnCorrection(allHard, createNegativeSampler(allHard, data, new Rng(1)))!;
    expect(h.easy).toBeUndefined();
    const two = new Float32Array(2);
    h.fill({ users: Int32Array.of(1), items: Int32Array.of(1) }, 2, Int32Array.of(4, 5), Uint8Array.of(hardLog, hardLog), two);
    expect(two[0]).toBeCloseTo(Math.log(0.75), 5);
  });
});
