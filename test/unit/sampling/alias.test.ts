import { describe, expect, it } from 'vitest';
import { buildAliasTable, drawAlias } from '../../../src/core/sampling/alias';
import { Rng } from '../../../src/core/util/rng';
import { chiSquare, zipfClicks } from './fixtures';

describe('alias table (Vose)', () => {
  it('matches P(k) ∝ w_k over 10⁶ draws (chi-square, df = 49, critical value 85.35 at p = 0.001)', () => {
    const clicks = zipfClicks(51, 1.1);
    const weights = Array.from(clicks, (c, i) => (i === 0 ? 0 : Math.pow(c, 0.75)));
    const table = buildAliasTable(weights);
    const rng = new Rng(7);
    const draws = 1_000_000;
    const counts = new Float64Array(weights.length);
    for (let t = 0; t < draws; t++) counts[drawAlias(table, rng)]++;
    const { stat, df, zeroCellHits } = chiSquare(counts, table.probabilities, draws);
    expect(df).toBe(49);
    expect(zeroCellHits).toBe(0);
    // chi2.ppf(0.999, 49) = 85.35: a correct sampler fails this one time in a thousand seeds.
    expect(stat).toBeLessThan(85.35);
  });

  it('detects a wrong target: the same draws against uniform probabilities fail the bound', () => {
    const weights = [1, 2, 3, 4];
    const table = buildAliasTable(weights);
    const rng = new Rng(1);
    const counts = new Float64Array(4);
    for (let t = 0; t < 100_000; t++) counts[drawAlias(table, rng)]++;
    // Against the true target (0.1, 0.2, 0.3, 0.4) df = 3, chi2.ppf(0.999, 3) = 16.27.
    expect(chiSquare(counts, [0.1, 0.2, 0.3, 0.4], 100_000).stat).toBeLessThan(16.27);
    expect(chiSquare(counts, [0.25, 0.25, 0.25, 0.25], 100_000).stat).toBeGreaterThan(16.27);
  });

  it('normalises the weights: probabilities (1, 3) / 4 = (0.25, 0.75)', () => {
    const table = buildAliasTable([1, 3]);
    expect(Array.from(table.probabilities)).toEqual([0.25, 0.75]);
  });

  it('refuses negative, non-finite and all-zero weights with a message naming the weight', () => {
    expect(() => buildAliasTable([1, -1])).toThrow(/weight 1 is -1/);
    expect(() => buildAliasTable([Number.NaN])).toThrow(/weight 0 is NaN/);
    expect(() => buildAliasTable([0, 0])).toThrow(/all 2 weights are 0/);
  });
});
