import { describe, expect, it } from 'vitest';
import { PopularitySampler, UniformSampler } from '../../../src/core/sampling/easy';
import { HardNegativeSampler, type HardPools } from '../../../src/core/sampling/hard';
import { MixedSampler } from '../../../src/core/sampling/mixer';
import { NEGATIVE_KIND_CODES } from '../../../src/core/sampling/types';
import { Rng } from '../../../src/core/util/rng';
import { chiSquare } from './fixtures';

const HARD = NEGATIVE_KIND_CODES.indexOf('hard_log');
const POPULARITY = NEGATIVE_KIND_CODES.indexOf('popularity');

/** Users 1..3 each have the pool {90, 91}; user 4 has none. Items 1..99. */
function pools(): HardPools {
  return { offsets: Int32Array.of(0, 0, 2, 4, 6, 6), items: Int32Array.of(90, 91, 90, 91, 90, 91) };
}

describe('easy/hard mixer', () => {
  for (const share of [0.5, 0.3]) {
    it(`hits a hard share of ${share} over 10⁶ slots (binomial: |x − n·p| < 5·sqrt(n·p·(1−p)))`, () => {
      const easy = new UniformSampler(100);
      const mixer = new MixedSampler(easy, new HardNegativeSampler('hard_log', pools(), easy), share);
      const rows = 10_000;
      const batch = { users: Int32Array.from({ length: rows }, (_, r) => 1 + (r % 3)), items: new Int32Array(rows).fill(5) };
      const out = new Int32Array(rows * 100);
      const kinds = new Uint8Array(out.length);
      mixer.sample(batch, 100, new Rng(21), out, kinds);
      let hard = 0;
      for (const k of kinds) if (k === HARD) hard++;
      const n = out.length;
      // share 0.5: sd = sqrt(10⁶·0.25) = 500, bound 2500; share 0.3: sd = 458.3, bound 2291 (two-sided p ≈ 6e−7).
      expect(Math.abs(hard - n * share)).toBeLessThan(5 * Math.sqrt(n * share * (1 - share)));
      // Every slot reported hard holds a pool item.
      let hardOutsidePool = 0;
      for (let s = 0; s < n; s++) if (kinds[s] === HARD && out[s] !== 90 && out[s] !== 91) hardOutsidePool++;
      expect(hardOutsidePool).toBe(0);
    });
  }

  it('draws the mixture distribution: share·hard + (1 − share)·easy (chi-square over 10⁶ draws, df = 98, critical value 147.01 at p = 0.001)', () => {
    const clicks = Float64Array.from({ length: 100 }, (_, i) => (i === 0 ? 0 : 100 / i));
    const easy = new PopularitySampler(clicks, 0.75);
    const mixer = new MixedSampler(easy, new HardNegativeSampler('hard_log', pools(), easy), 0.4);
    const batch = { users: new Int32Array(1000).fill(2), items: new Int32Array(1000) }; // positive = OOV: nothing to avoid
    const out = new Int32Array(1_000_000);
    const kinds = new Uint8Array(out.length);
    mixer.sample(batch, 1000, new Rng(8), out, kinds);
    const pEasy = easy.probabilities();
    const target = Array.from(pEasy, (p, i) => 0.6 * p + (i === 90 || i === 91 ? 0.2 : 0));
    const counts = new Float64Array(100);
    for (const i of out) counts[i]++;
    const { stat, df } = chiSquare(counts, target, out.length);
    expect(df).toBe(98);
    expect(stat).toBeLessThan(147.01);
    expect(kinds.every((k) => k === HARD || k === POPULARITY)).toBe(true);
  });

  it('fills hard slots of a user without a pool with easy negatives and reports them as easy', () => {
    const easy = new UniformSampler(100);
    const mixer = new MixedSampler(easy, new HardNegativeSampler('hard_log', pools(), easy), 1);
    const kinds = new Uint8Array(50);
    mixer.sample({ users: new Int32Array(10).fill(4), items: new Int32Array(10).fill(1) }, 5, new Rng(1), new Int32Array(50), kinds);
    expect(kinds.every((k) => k === NEGATIVE_KIND_CODES.indexOf('uniform'))).toBe(true);
  });

  it('gives the same draws for the same seed', () => {
    const easy = new UniformSampler(100);
    const mixer = new MixedSampler(easy, new HardNegativeSampler('hard_log', pools(), easy), 0.5);
    const run = (seed: number) => {
      const out = new Int32Array(300);
      mixer.sample({ users: Int32Array.of(1, 2, 4), items: Int32Array.of(1, 2, 3) }, 100, new Rng(seed), out);
      return out;
    };
    expect(run(6)).toEqual(run(6));
  });

  it('refuses a share outside [0, 1] naming the config field', () => {
    const easy = new UniformSampler(10);
    expect(() => new MixedSampler(easy, new HardNegativeSampler('hard_log', pools(), easy), 1.5)).toThrow(/training.negatives.mix.hard/);
  });
});
