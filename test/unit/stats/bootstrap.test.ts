import { describe, expect, it } from 'vitest';

import { pairedBootstrap, quantile } from '../../../src/core/stats/bootstrap';
import { meanInterval, tQuantile975 } from '../../../src/shared/meanInterval';
import { Rng } from '../../../src/core/util/rng';

const f = (...v: number[]): Float64Array => Float64Array.from(v);

describe('paired bootstrap (core/stats/bootstrap)', () => {
  it('a constant per-user difference has a zero-width interval at that difference', () => {
    const [r] = pairedBootstrap([f(0.5, 0.7, 0.1)], [f(0.3, 0.5, -0.1)], { resamples: 1000, seed: 3 });
    expect(r.difference).toBeCloseTo(0.2, 12);
    expect(r.low).toBeCloseTo(0.2, 12);
    expect(r.high).toBeCloseTo(0.2, 12);
    expect(r.excludesZero).toBe(true);
  });

  it('two users with differences 0 and 1: resampled means are 0, ½, 1 with chances ¼, ½, ¼, so the 95% interval is [0, 1]', () => {
    const [r] = pairedBootstrap([f(1, 1)], [f(1, 0)], { resamples: 4000, seed: 7 });
    expect(r.difference).toBe(0.5);
    expect(r.low).toBe(0);
    expect(r.high).toBe(1);
    expect(r.excludesZero).toBe(false);
  });

  it('pairs users: a shift shared by both runs cancels (unpaired intervals would be wide)', () => {
    const rng = new Rng(11);
    const base = Float64Array.from({ length: 300 }, () => rng.next());
    const b = base.map((v) => v);
    const a = base.map((v, i) => v + (i % 2 === 0 ? 0.02 : 0));
    const [r] = pairedBootstrap([a], [b], { resamples: 1000, seed: 1 });
    expect(r.difference).toBeCloseTo(0.01, 12);
    // The difference's spread is that of 0/0.02 coin flips: sd 0.01/√300 ≈ 0.00058.
    expect(r.high - r.low).toBeLessThan(0.004);
    expect(r.excludesZero).toBe(true);
  });

  it('is seeded: the same seed gives the same interval, another seed another', () => {
    const rng = new Rng(5);
    const a = Float64Array.from({ length: 50 }, () => rng.next());
    const b = Float64Array.from({ length: 50 }, () => rng.next());
    const one = pairedBootstrap([a], [b], { resamples: 1000, seed: 9 });
    expect(pairedBootstrap([a], [b], { resamples: 1000, seed: 9 })).toEqual(one);
    expect(pairedBootstrap([a], [b], { resamples: 1000, seed: 10 })[0].low).not.toBe(one[0].low);
  });

  it('covers the true mean difference about 95% of the time on simulated data', () => {
    const rng = new Rng(2026);
    const trials = 300;
    const n = 80;
    let covered = 0;
    for (let t = 0; t < trials; t++) {
      // Users share a level; run a adds 0.05 plus noise (the true mean difference).
      const level = Float64Array.from({ length: n }, () => rng.normal());
      const b = level.map((v) => v + 0.3 * rng.normal());
      const a = level.map((v) => v + 0.05 + 0.3 * rng.normal());
      const [r] = pairedBootstrap([a], [b], { resamples: 1000, seed: t + 1 });
      if (r.low <= 0.05 && 0.05 <= r.high) covered++;
    }
    // 95% of 300 trials, give or take 2.5 standard errors (√(0.95·0.05/300) ≈ 0.0126); measured 0.943.
    expect(covered / trials).toBeGreaterThan(0.918);
    expect(covered / trials).toBeLessThan(0.982);
  });

  it('refuses unpaired inputs and no users', () => {
    expect(() => pairedBootstrap([f(1, 2)], [f(1)])).toThrow(/same users/);
    expect(() => pairedBootstrap([f()], [f()])).toThrow(/at least one user/);
  });

  it('quantile interpolates between order statistics (type 7)', () => {
    expect(quantile([0, 10], 0.25)).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantile([7], 0.975)).toBe(7);
  });
});

describe('mean ± 95% interval across seeds (shared/meanInterval)', () => {
  it('uses Student t with n − 1 degrees of freedom', () => {
    // Values 1, 2, 3: mean 2, s = 1, half-width t(2) · 1/√3 = 4.303/1.732.
    const r = meanInterval([1, 2, 3]);
    expect(r.mean).toBe(2);
    expect(r.halfWidth).toBeCloseTo(4.303 / Math.sqrt(3), 10);
    expect(meanInterval([0.4]).halfWidth).toBeUndefined();
    expect(tQuantile975(1)).toBe(12.706);
    expect(tQuantile975(100)).toBe(1.96);
  });
});
