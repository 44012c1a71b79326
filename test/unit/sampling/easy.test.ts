import { describe, expect, it } from 'vitest';
import { PopularitySampler, UniformSampler } from '../../../src/core/sampling/easy';
import { NEGATIVE_KIND_CODES, type PositiveBatch } from '../../../src/core/sampling/types';
import { Rng } from '../../../src/core/util/rng';
import { chiSquare, zipfClicks } from './fixtures';

/** A batch whose positives are the OOV row, which no sampler draws, so nothing is redrawn. */
function oovBatch(rows: number): PositiveBatch {
  return { users: new Int32Array(rows).fill(1), items: new Int32Array(rows) };
}

function countDraws(out: Int32Array, itemCount: number): Float64Array {
  const counts = new Float64Array(itemCount);
  for (const i of out) counts[i]++;
  return counts;
}

describe('uniform negatives', () => {
  it('are uniform over items 1..n−1 over 10⁶ draws (chi-square, df = 99, critical value 148.23 at p = 0.001) and never the OOV row', () => {
    const sampler = new UniformSampler(101);
    const out = new Int32Array(1_000_000);
    const kinds = new Uint8Array(out.length);
    sampler.sample(oovBatch(1000), 1000, new Rng(3), out, kinds);
    const counts = countDraws(out, 101);
    const { stat, df, zeroCellHits } = chiSquare(counts, sampler.probabilities(), out.length);
    expect(df).toBe(99);
    expect(zeroCellHits).toBe(0); // the OOV row 0
    expect(stat).toBeLessThan(148.23);
    expect(kinds.every((k) => k === NEGATIVE_KIND_CODES.indexOf('uniform'))).toBe(true);
  });

  it('never return the row\'s own positive', () => {
    const sampler = new UniformSampler(4); // items 1, 2, 3
    const batch = { users: new Int32Array(10_000).fill(1), items: new Int32Array(10_000).fill(2) };
    const out = new Int32Array(10_000 * 3);
    sampler.sample(batch, 3, new Rng(5), out);
    expect(out.includes(2)).toBe(false);
  });

  it('refuse a catalogue with only the OOV row', () => {
    expect(() => new UniformSampler(1)).toThrow(/at least one item besides the out-of-vocabulary row/);
  });
});

describe('popularity negatives P(i) ∝ clicks_i^α', () => {
  const clicks = zipfClicks(201, 1.0);

  it('match clicks^0.75 over 10⁶ draws (chi-square, df = 199, critical value 266.39 at p = 0.001)', () => {
    const sampler = new PopularitySampler(clicks, 0.75);
    const out = new Int32Array(1_000_000);
    sampler.sample(oovBatch(500), 2000, new Rng(11), out);
    const expected = new Float64Array(201);
    let total = 0;
    for (let i = 1; i < 201; i++) total += Math.pow(clicks[i], 0.75);
    for (let i = 1; i < 201; i++) expected[i] = Math.pow(clicks[i], 0.75) / total;
    const { stat, df, zeroCellHits } = chiSquare(countDraws(out, 201), expected, out.length);
    expect(df).toBe(199);
    expect(zeroCellHits).toBe(0);
    expect(stat).toBeLessThan(266.39);
  });

  it('are not proportional to raw clicks when α = 0.75 (the test above can fail)', () => {
    const sampler = new PopularitySampler(clicks, 0.75);
    const out = new Int32Array(200_000);
    sampler.sample(oovBatch(100), 2000, new Rng(11), out);
    const total = clicks.reduce((a, b) => a + b, 0);
    const proportional = Array.from(clicks, (c) => c / total);
    expect(chiSquare(countDraws(out, 201), proportional, out.length).stat).toBeGreaterThan(266.39);
  });

  it('never draw items without clicks, nor the OOV row, even at α = 0', () => {
    const sampler = new PopularitySampler([5, 0, 3, 0, 1], 0);
    const out = new Int32Array(30_000);
    sampler.sample(oovBatch(10_000), 3, new Rng(2), out);
    const counts = countDraws(out, 5);
    // α = 0: items 2 and 4 equally likely, 15,000 each in expectation; 0, 1, 3 never.
    expect([counts[0], counts[1], counts[3]]).toEqual([0, 0, 0]);
    expect(Math.abs(counts[2] - 15_000)).toBeLessThan(5 * Math.sqrt(30_000 * 0.25));
  });

  it('avoid the row\'s own positive, even the most popular item, and keep the others\' proportions (df = 198, critical value 265.23 at p = 0.001)', () => {
    const sampler = new PopularitySampler(clicks, 1);
    const batch = { users: new Int32Array(1000).fill(1), items: new Int32Array(1000).fill(1) };
    const out = new Int32Array(100_000);
    sampler.sample(batch, 100, new Rng(9), out);
    expect(out.includes(1)).toBe(false);
    // Target: P(i | i ≠ 1) = c_i / (Σc − c_1) for i ≥ 2.
    const rest = clicks.reduce((a, b) => a + b, 0) - clicks[1];
    const conditional = Array.from(clicks, (c, i) => (i < 2 ? 0 : c / rest));
    const { stat, df } = chiSquare(countDraws(out, 201), conditional, out.length);
    expect(df).toBe(198);
    expect(stat).toBeLessThan(265.23);
  });

  it('explain that popularity needs clicks', () => {
    expect(() => new PopularitySampler([0, 0, 0], 0.75)).toThrow(/no training item has a click/);
  });
});

describe('determinism', () => {
  it('the same seed gives the same draws; another seed other draws', () => {
    const sampler = new PopularitySampler(zipfClicks(50, 1), 0.75);
    const draw = (seed: number) => {
      const out = new Int32Array(1000);
      sampler.sample(oovBatch(100), 10, new Rng(seed), out);
      return out;
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('saving and restoring the Rng state continues the exact same draws', () => {
    const sampler = new UniformSampler(1000);
    const rng = new Rng(123);
    const out = new Int32Array(500);
    sampler.sample(oovBatch(50), 10, rng, out);
    const saved = JSON.parse(JSON.stringify(rng.getState())) as [number, number, number, number];
    const continued = new Int32Array(500);
    sampler.sample(oovBatch(50), 10, rng, continued);
    const resumed = new Int32Array(500);
    sampler.sample(oovBatch(50), 10, new Rng(saved), resumed);
    expect(resumed).toEqual(continued);
  });

  it('refuses an output array too small for the batch', () => {
    expect(() => new UniformSampler(10).sample(oovBatch(4), 3, new Rng(1), new Int32Array(11))).toThrow(/holds 11 slots but 4 rows × 3 negatives need 12/);
  });
});
