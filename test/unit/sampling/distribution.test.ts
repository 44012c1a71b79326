import { describe, expect, it } from 'vitest';
import { SamplingCounters, samplingDistribution, targetSamplingDistribution } from '../../../src/core/sampling/distribution';
import { UniformSampler } from '../../../src/core/sampling/easy';
import { HardNegativeSampler } from '../../../src/core/sampling/hard';
import { MixedSampler } from '../../../src/core/sampling/mixer';
import { pairs } from './fixtures';
import { CountsCorrection } from '../../../src/core/sampling/logq';
import { popularityDeciles } from '../../../src/core/sampling/popularity';

// Items 1..10 with clicks 10, 9, …, 1: item k is alone in decile k − 1 (decile 0 = most popular).
const clicks = Float64Array.from({ length: 11 }, (_, i) => (i === 0 ? 0 : 11 - i));

describe('sampling distribution per popularity decile', () => {
  it('deciles rank items by clicks, most popular first, ties by index, OOV in none', () => {
    expect(Array.from(popularityDeciles(clicks))).toEqual([255, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // 20 items with equal clicks: ties by index, two per decile.
    expect(Array.from(popularityDeciles(new Float64Array(21).fill(1))).slice(1, 5)).toEqual([0, 0, 1, 1]);
  });

  it('shares of positives and of each negative kind actually drawn', () => {
    const counters = new SamplingCounters(clicks);
    // Positives: items 1, 1, 2, 10 → deciles 0, 0, 1, 9 → shares 0.5, 0.25, 0, …, 0.25.
    counters.recordPositives({ users: Int32Array.of(1, 2, 3, 4), items: Int32Array.of(1, 1, 2, 10) });
    // Negatives: item 3 (uniform), item 5 (hard_log), item 5 (hard_log), item 0 (OOV, not counted).
    counters.recordNegatives(Int32Array.of(3, 5, 5, 0), 4, Uint8Array.of(0, 3, 3, 0));
    const d = samplingDistribution(counters);
    expect(d.positives).toEqual([0.5, 0.25, 0, 0, 0, 0, 0, 0, 0, 0.25]);
    expect(Object.keys(d.negatives).sort()).toEqual(['hard_log', 'uniform']);
    expect(d.negatives.uniform).toEqual([0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    expect(d.negatives.hard_log).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0, 0]);
    expect(d.logqP).toBeUndefined();
    counters.reset();
    expect(samplingDistribution(counters).positives.every((s) => s === 0)).toBe(true);
  });

  it('counts in-batch negatives per use, minus masked ones, and reports p_i per decile', () => {
    const counters = new SamplingCounters(clicks);
    // B = 3, items 1, 2, 3; mask (row 0, column 2): column 0 used by 2 rows, column 1 by 2, column 2 by 1.
    // Shares: 2/5, 2/5, 1/5 in deciles 0, 1, 2.
    counters.recordInBatch({ users: Int32Array.of(1, 2, 3), items: Int32Array.of(1, 2, 3) }, Uint8Array.of(0, 0, 1, 0, 0, 0, 0, 0, 0));
    expect(counters.negativeCount('in_batch')).toBe(5);
    // Counts correction with B = 1: p_i = c_i / 55 (Σ clicks = 55), one item per decile: p = 10/55, 9/55, …
    const d = samplingDistribution(counters, new CountsCorrection(clicks, 1));
    expect(d.negatives.in_batch.slice(0, 3).map((v) => +v.toFixed(12))).toEqual([0.4, 0.4, 0.2]);
    d.logqP?.forEach((p, k) => expect(p).toBeCloseTo((10 - k) / 55, 12));
  });

  it('refuses negatives without any kind', () => {
    expect(() => new SamplingCounters(clicks).recordNegatives(Int32Array.of(1), 1, undefined)).toThrow(/kinds array or the kind/);
  });
});

describe('target distribution for the started event', () => {
  it('positives from the pairs, in-batch like the positives, easy and hard mass by their targets', () => {
    // Positives (user, item): (1, 1), (1, 1), (2, 2), (3, 10) → deciles 0, 0, 1, 9: shares 0.5, 0.25, 0, …, 0.25.
    const train = pairs([[1, 1], [1, 1], [2, 2], [3, 10]]);
    const uniform = new UniformSampler(11);
    // User 1's pool is {5}; users 2 and 3 have none, so their hard slots fall back to uniform.
    const hard = new HardNegativeSampler('hard_log', { offsets: Int32Array.of(0, 0, 1, 1, 1), items: Int32Array.of(5) }, uniform);
    const d = targetSamplingDistribution(train, clicks, { sampler: new MixedSampler(uniform, hard, 0.5), inBatch: false });
    expect(d.positives).toEqual([0.5, 0.25, 0, 0, 0, 0, 0, 0, 0, 0.25]);
    // Hard mass: 0.5 × 2 rows of user 1 on item 5 (decile 4) → all of hard_log there.
    expect(d.negatives.hard_log).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0, 0]);
    // Uniform mass: 0.5 × 4 rows (easy half) + 0.5 × 2 rows (fallback) = 3 rows spread 0.1 per decile.
    d.negatives.uniform.forEach((v) => expect(v).toBeCloseTo(0.1, 12));
    const inBatch = targetSamplingDistribution(train, clicks, { inBatch: true });
    expect(inBatch.negatives.in_batch).toEqual(inBatch.positives);
  });
});
