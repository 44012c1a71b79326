import { describe, expect, it } from 'vitest';
import { gini } from '../../../src/core/sampling/popularity';
import { rebalancePositives, rebalanceTargets } from '../../../src/core/sampling/rebalance';
import { Rng } from '../../../src/core/util/rng';
import { clicksOf, pairs, training } from './fixtures';

/** Item 1: 8 positives, item 2: 4, item 3: 2, items 4 and 5: 1 each (16 in all); users cycle 1..4. */
function skewed() {
  const list: Array<[number, number]> = [];
  const per = [0, 8, 4, 2, 1, 1];
  per.forEach((n, item) => {
    for (let k = 0; k < n; k++) list.push([1 + (list.length % 4), item]);
  });
  const train = pairs(list);
  return { train, clicks: clicksOf(train, 6) };
}

function perItem(items: Int32Array, n: number): number[] {
  const c = new Array<number>(n).fill(0);
  for (const i of items) c[i]++;
  return c;
}

describe('positive rebalancing', () => {
  it('cap/floor: at most cap per item, items below floor repeated up to floor', () => {
    const { train, clicks } = skewed();
    // cap 3, floor 2: counts (8, 4, 2, 1, 1) → (3, 3, 2, 2, 2).
    const cfg = { ...training().positives.rebalance, method: 'cap' as const, cap: 3, floor: 2 };
    const { pairs: out, stats } = rebalancePositives(train, clicks, cfg, new Rng(1));
    expect(perItem(out.items, 6)).toEqual([0, 3, 3, 2, 2, 2]);
    expect(stats.positivesBefore).toBe(16);
    expect(stats.positivesAfter).toBe(12);
    // Head = top 20% of 5 items = ceil(1) = item 1. Before 8/16 = 0.5; after 3/12 = 0.25.
    expect(stats.headShareBefore).toBeCloseTo(0.5, 12);
    expect(stats.headShareAfter).toBeCloseTo(0.25, 12);
    // Gini of (1, 1, 2, 4, 8): Σ(2i − 6)x_i = −4·1 − 2·1 + 0·2 + 2·4 + 4·8 = 34; 34 / (5·16) = 0.425.
    expect(stats.giniBefore).toBeCloseTo(0.425, 12);
    // Gini of (2, 2, 2, 3, 3): −8 − 4 + 0 + 6 + 12 = 6; 6 / (5·12) = 0.1.
    expect(stats.giniAfter).toBeCloseTo(0.1, 12);
  });

  it('a repeated positive is a real pair of the data; the kept rows of a hot item differ between seeds', () => {
    const { train, clicks } = skewed();
    const cfg = { ...training().positives.rebalance, method: 'cap' as const, cap: 3, floor: 2 };
    const original = new Set(Array.from(train.users, (u, r) => `${u}:${train.items[r]}`));
    const a = rebalancePositives(train, clicks, cfg, new Rng(1)).pairs;
    for (let r = 0; r < a.items.length; r++) expect(original.has(`${a.users[r]}:${a.items[r]}`)).toBe(true);
    const usersOfItem1 = (seed: number) => {
      const p = rebalancePositives(train, clicks, cfg, new Rng(seed)).pairs;
      return Array.from(p.users).filter((_, r) => p.items[r] === 1).join(',');
    };
    expect(usersOfItem1(1)).toBe(usersOfItem1(1));
    const variants = new Set([1, 2, 3, 4, 5, 6, 7, 8].map(usersOfItem1));
    expect(variants.size).toBeGreaterThan(1);
  });

  it('exponent β: targets N·c_i^β / Σc_j^β, reached in expectation by stochastic rounding', () => {
    // β = 0.5 on counts (8, 4, 2, 1, 1): √c = (2.828, 2, 1.414, 1, 1), Σ = 8.243;
    // targets 16·√c/Σ = (5.490, 3.882, 2.745, 1.941, 1.941).
    const { train, clicks } = skewed();
    const cfg = { ...training().positives.rebalance, method: 'exponent' as const, exponent: 0.5 };
    const t = rebalanceTargets(clicks, cfg);
    [0, 5.490, 3.882, 2.745, 1.941, 1.941].forEach((v, i) => expect(t[i]).toBeCloseTo(v, 3));
    const mean = new Array<number>(6).fill(0);
    const runs = 4000;
    const rng = new Rng(5);
    for (let k = 0; k < runs; k++) perItem(rebalancePositives(train, clicks, cfg, rng).pairs.items, 6).forEach((c, i) => (mean[i] += c / runs));
    // Each count is floor(t) or floor(t) + 1, so its sd ≤ 0.5; the mean of 4000 is within 5·0.5/√4000 = 0.04.
    for (let i = 1; i < 6; i++) expect(Math.abs(mean[i] - t[i])).toBeLessThan(0.04);
  });

  it('β = 1 and method none change nothing', () => {
    const { train, clicks } = skewed();
    const none = rebalancePositives(train, clicks, training().positives.rebalance, new Rng(1));
    expect(none.pairs.items).toEqual(train.items);
    expect(none.stats.giniAfter).toBe(none.stats.giniBefore);
    const one = rebalancePositives(train, clicks, { ...training().positives.rebalance, method: 'exponent', exponent: 1 }, new Rng(1));
    expect(perItem(one.pairs.items, 6)).toEqual(perItem(train.items, 6));
  });

  it('keeps timestamps aligned with their pairs', () => {
    const train = { ...pairs([[1, 1], [2, 1], [3, 2]]), timestamps: Float64Array.of(10, 20, 30) };
    // cap 2, floor 2: item 1 keeps both rows, item 2's single row is repeated.
    const out = rebalancePositives(train, clicksOf(train, 3), { ...training().positives.rebalance, method: 'cap', cap: 2, floor: 2 }, new Rng(3)).pairs;
    expect(Array.from(out.users)).toEqual([1, 2, 3, 3]);
    expect(Array.from(out.timestamps ?? [])).toEqual([10, 20, 30, 30]);
  });

  it('refuses floor above cap and items outside the catalogue, saying what to change', () => {
    const { train, clicks } = skewed();
    expect(() => rebalancePositives(train, clicks, { ...training().positives.rebalance, method: 'cap', cap: 1, floor: 2 }, new Rng(1))).toThrow(/floor \(2\) is above cap \(1\)/);
    expect(() => rebalancePositives(pairs([[1, 9]]), clicks, training().positives.rebalance, new Rng(1))).toThrow(/Positive pair 0: item index 9 is outside \[0, 6\)/);
  });

  it('Gini: 0 for equal counts, (n − 1)/n when one item has everything', () => {
    expect(gini([3, 3, 3, 3])).toBe(0);
    // (0, 0, 0, 4): Σ(2i − 5)x_i = 3·4 = 12; 12 / (4·4) = 0.75 = (4 − 1)/4.
    expect(gini([0, 0, 0, 4])).toBeCloseTo(0.75, 12);
  });
});
