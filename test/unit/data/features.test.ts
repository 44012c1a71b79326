import { describe, expect, it } from 'vitest';

import { categoricalVocabulary, VocabularyBuilder } from '../../../src/core/data/vocabulary';
import { bucketize, quantileBoundaries } from '../../../src/core/features/bucketize';
import { featureStats, normalize, normalizeWith } from '../../../src/core/features/normalize';

describe('normalisation with training statistics', () => {
  it('z-score uses only the rows of the training mask, imputes missing values with the mean', () => {
    // Training rows 0..2 hold 1, 2, 3: mean 2, population std √(2/3). Row 3 (100) is test-only, row 4 missing.
    const { values, stats } = normalize([1, 2, 3, 100, NaN], 'zscore', [1, 1, 1, 0, 0]);
    expect(stats.mean).toBe(2);
    expect(stats.std).toBeCloseTo(Math.sqrt(2 / 3), 12);
    expect(values[0]).toBeCloseTo(-1 / Math.sqrt(2 / 3), 5);
    expect(values[3]).toBeCloseTo(98 / Math.sqrt(2 / 3), 3);
    expect(values[4]).toBe(0);
  });

  it('min-max maps the training range to [0, 1]; values outside go outside', () => {
    const { values } = normalize([2, 4, 6, 8], 'minmax', [1, 1, 1, 0]);
    // min 2, max 6: (8 − 2)/4 = 1.5.
    expect(Array.from(values)).toEqual([0, 0.5, 1, 1.5]);
  });

  it('log is log(1 + x) then a z-score; none keeps the values', () => {
    // log1p(0) = 0, log1p(e − 1) = 1: mean 0.5, std 0.5 → −1, +1.
    const { values, stats } = normalize([0, Math.E - 1], 'log');
    expect(stats.mean).toBeCloseTo(0.5, 12);
    expect(values[0]).toBeCloseTo(-1, 6);
    expect(values[1]).toBeCloseTo(1, 6);
    expect(Array.from(normalize([3, NaN, 5], 'none').values)).toEqual([3, 4, 5]);
    expect(() => normalize([-2], 'log')).toThrow(/values > −1/);
  });

  it('a constant feature normalises to 0 instead of dividing by zero', () => {
    expect(Array.from(normalize([5, 5, 5], 'zscore').values)).toEqual([0, 0, 0]);
    expect(Array.from(normalize([5, 5, 5], 'minmax').values)).toEqual([0, 0, 0]);
    expect(featureStats([])).toEqual({ mean: 0, std: 0, min: 0, max: 0 });
  });
});

describe('normalisation with statistics fitted earlier (rows embedded after training)', () => {
  it('applies the given statistics, not the new values\' own', () => {
    // Fitted on [1, 3]: mean 2, std 1, min 1, max 3. New values [5, NaN]: 5 → (5 − 2)/1 = 3; NaN → the mean → 0.
    const stats = normalize([1, 3], 'zscore').stats;
    expect(Array.from(normalizeWith([5, NaN], 'zscore', stats))).toEqual([3, 0]);
    // minmax: (5 − 1)/(3 − 1) = 2, outside [0, 1] as a new value may be.
    expect(Array.from(normalizeWith([5], 'minmax', stats))).toEqual([2]);
    // log: statistics of log1p; log1p(e² − 1) = 2 against log1p of [0, e² − 1] = [0, 2]: mean 1, std 1 → 1.
    const logStats = normalize([0, Math.E ** 2 - 1], 'log').stats;
    expect(normalizeWith([Math.E ** 2 - 1], 'log', logStats)[0]).toBeCloseTo(1, 6);
  });

  it('gives exactly the training values on the training data', () => {
    const raw = [3, 1, 4, 1, 5, 9, 2, 6];
    for (const m of ['zscore', 'minmax', 'log', 'none'] as const) {
      const fitted = normalize(raw, m);
      expect(normalizeWith(raw, m, fitted.stats)).toEqual(fitted.values);
    }
  });
});

describe('quantile buckets', () => {
  it('splits the training values into equal-count buckets', () => {
    // 1..8 into 4 buckets: boundaries v[2] = 3, v[4] = 5, v[6] = 7 → {1,2} {3,4} {5,6} {7,8}.
    const b = quantileBoundaries([8, 7, 6, 5, 4, 3, 2, 1], 4);
    expect(Array.from(b)).toEqual([3, 5, 7]);
    expect(Array.from(bucketize([1, 2, 3, 4, 5, 6, 7, 8, 0, 99, NaN], b, 4.5))).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 0, 3, 1]);
  });

  it('ignores rows outside the training mask and keeps N buckets when boundaries tie', () => {
    // Training values 1, 1, 1, 2 (the 50 is test-only): 2 buckets, boundary v[2] = 1.
    const b = quantileBoundaries([1, 1, 1, 2, 50], 2, [1, 1, 1, 1, 0]);
    expect(Array.from(b)).toEqual([1]);
    // 3 buckets over 1, 1, 1, 2: v[1] = 1, v[2] = 1 — bucket 1 stays empty, ids stay within [0, 3).
    const tied = quantileBoundaries([1, 1, 1, 2], 3);
    expect(Array.from(tied)).toEqual([1, 1]);
    expect(Array.from(bucketize([1, 2], tied, 1))).toEqual([2, 2]);
  });
});

describe('vocabularies', () => {
  it('first appearance order with <oov> at 0', () => {
    const v = new VocabularyBuilder();
    expect([v.add('b'), v.add('a'), v.add('b')]).toEqual([1, 2, 1]);
    expect(v.ids).toEqual(['<oov>', 'b', 'a']);
    expect(v.lookup('zzz')).toBe(0);
  });

  it('max_vocab keeps the most frequent values, ties by first appearance; empty values are OOV', () => {
    // counts: x 1, y 3, z 2, w 2 → top 2: y, then z (z and w tie at 2; z appears first). Kept in first-appearance order.
    const v = categoricalVocabulary(['x', 'y', 'z', 'y', 'w', 'z', 'w', 'y', ''], 2);
    expect(v.ids).toEqual(['<oov>', 'y', 'z']);
    expect(v.lookup('x')).toBe(0);
    expect(v.lookup('')).toBe(0);
  });
});
