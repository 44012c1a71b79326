import { describe, expect, it } from 'vitest';
import type { RankingLogData } from '../../../src/core/data/dataset';
import { UniformSampler } from '../../../src/core/sampling/easy';
import { HardNegativeSampler, MinedHardNegativeSampler, mineHardNegatives, poolsFromRankingLog, type HardPools, type RankBand } from '../../../src/core/sampling/hard';
import { NEGATIVE_KIND_CODES } from '../../../src/core/sampling/types';
import { userPositiveIndexFromPairs, type UserPositiveIndex } from '../../../src/core/sampling/userPositives';
import { Rng } from '../../../src/core/util/rng';
import { chiSquare, pairs } from './fixtures';

function pool(p: HardPools, user: number): number[] {
  return Array.from(p.items.subarray(p.offsets[user], p.offsets[user + 1])).sort((a, b) => a - b);
}

/**
 * Request 7 of user 1 nominates items 1..20 at rank item − 1; user 1 clicked item 4 (rank 3, the
 * target) and item 15. Request 8 of user 2 nominates items 21..30 at rank item − 21, none clicked.
 * Ranking discarded every item ranked 5 or lower down (rank ≥ 5).
 */
function log(): { data: RankingLogData; positives: UserPositiveIndex } {
  const rows: Array<[number, number, number, number]> = [];
  for (let item = 1; item <= 20; item++) rows.push([7, 1, item, item - 1]);
  for (let item = 21; item <= 30; item++) rows.push([8, 2, item, item - 21]);
  rows.reverse(); // the reader may give rows in any order
  const data: RankingLogData = {
    requests: Int32Array.from(rows.map((r) => r[0])),
    users: Int32Array.from(rows.map((r) => r[1])),
    items: Int32Array.from(rows.map((r) => r[2])),
    ranks: Int32Array.from(rows.map((r) => r[3])),
    discarded: Uint8Array.from(rows.map((r) => (r[3] >= 5 ? 1 : 0))),
  };
  return { data, positives: userPositiveIndexFromPairs(pairs([[1, 4], [1, 15], [2, 1]]), 3) };
}

describe('hard negatives from the ranking log', () => {
  it('take the discarded items ranked in the band behind the target, minus the user\'s positives', () => {
    const { data, positives } = log();
    // User 1, target rank 3. Band [2, 6) → ranks 5..8 → items 6, 7, 8, 9.
    // Band [10, 14) → ranks 13..16 → items 14, 15, 16, 17, minus positive 15.
    // User 2, no positive in the request → band measured from rank 0: [2, 6) → ranks 2..5, only rank 5
    // (item 26) was discarded; ranks 2..4 were shown to the user and are not retrieval negatives.
    const relatively = poolsFromRankingLog(data, 3, positives, [[2, 6]]);
    expect(pool(relatively, 1)).toEqual([6, 7, 8, 9]);
    expect(pool(relatively, 2)).toEqual([26]);
    expect(pool(relatively, 0)).toEqual([]);
    expect(pool(poolsFromRankingLog(data, 3, positives, [[10, 14]]), 1)).toEqual([14, 16, 17]);
    expect(pool(poolsFromRankingLog(data, 3, positives, [[2, 6], [10, 14]]), 1)).toEqual([6, 7, 8, 9, 14, 16, 17]);
  });

  it('select only ranks inside the band, and every such rank, on a random log', () => {
    const rng = new Rng(99);
    const rows = 5000;
    const data: RankingLogData = {
      requests: new Int32Array(rows),
      users: new Int32Array(rows),
      items: new Int32Array(rows),
      ranks: new Int32Array(rows),
      discarded: new Uint8Array(rows),
    };
    for (let r = 0; r < rows; r++) {
      const request = Math.floor(r / 50);
      data.requests[r] = request;
      data.users[r] = 1 + (request % 9);
      data.items[r] = 1 + rng.int(200);
      data.ranks[r] = r % 50;
      data.discarded[r] = rng.next() < 0.7 ? 1 : 0;
    }
    const posList: Array<[number, number]> = [];
    for (let k = 0; k < 300; k++) posList.push([1 + rng.int(9), 1 + rng.int(200)]);
    const positives = userPositiveIndexFromPairs(pairs(posList), 10);
    const bands: RankBand[] = [[3, 8], [20, 30]];
    const pools = poolsFromRankingLog(data, 10, positives, bands);

    // Brute force: per request, the target rank and the qualifying rows.
    const expected: number[][] = Array.from({ length: 10 }, () => []);
    for (let request = 0; request < 100; request++) {
      const idx = Array.from({ length: 50 }, (_, k) => request * 50 + k);
      const user = data.users[idx[0]];
      const targets = idx.filter((r) => positives.has(user, data.items[r])).map((r) => data.ranks[r]);
      const target = targets.length ? Math.min(...targets) : 0;
      for (const r of idx) {
        const offset = data.ranks[r] - target;
        const inBand = bands.some(([a, b]) => offset >= a && offset < b);
        if (inBand && data.discarded[r] && !positives.has(user, data.items[r])) expected[user].push(data.items[r]);
      }
    }
    let total = 0;
    for (let u = 0; u < 10; u++) {
      expect(pool(pools, u)).toEqual(expected[u].sort((a, b) => a - b));
      total += expected[u].length;
    }
    expect(total).toBeGreaterThan(100); // the property was checked on a real amount of data
  });

  it('draw uniformly from the row user\'s pool (10⁵ draws, chi-square df = 3, critical value 16.27 at p = 0.001)', () => {
    const { data, positives } = log();
    const sampler = new HardNegativeSampler('hard_log', poolsFromRankingLog(data, 3, positives, [[2, 6]]), new UniformSampler(31));
    const batch = { users: new Int32Array(1000).fill(1), items: new Int32Array(1000).fill(4) };
    const out = new Int32Array(100_000);
    const kinds = new Uint8Array(out.length);
    sampler.sample(batch, 100, new Rng(1), out, kinds);
    const counts = new Float64Array(31);
    for (const i of out) counts[i]++;
    const target = Array.from({ length: 31 }, (_, i) => (i >= 6 && i <= 9 ? 0.25 : 0));
    const { stat, df, zeroCellHits } = chiSquare(counts, target, out.length);
    expect(zeroCellHits).toBe(0); // nothing outside the pool
    expect(df).toBe(3);
    expect(stat).toBeLessThan(16.27);
    expect(kinds.every((k) => k === NEGATIVE_KIND_CODES.indexOf('hard_log'))).toBe(true);
  });

  it('fall back to the easy sampler for a user without a pool, reported as easy', () => {
    const { data, positives } = log();
    const sampler = new HardNegativeSampler('hard_log', poolsFromRankingLog(data, 3, positives, [[2, 6]]), new UniformSampler(31));
    const out = new Int32Array(4);
    const kinds = new Uint8Array(4);
    sampler.sample({ users: Int32Array.of(0, 1), items: Int32Array.of(3, 4) }, 2, new Rng(1), out, kinds);
    expect(Array.from(kinds)).toEqual([0, 0, 3, 3]); // user 0: uniform ×2; user 1: hard_log ×2
    expect(NEGATIVE_KIND_CODES[0]).toBe('uniform');
    expect(NEGATIVE_KIND_CODES[3]).toBe('hard_log');
  });
});

describe('hard negatives mined with the model', () => {
  // The fake model ranks items 1, 2, 3, … for every user. User 1 clicked 1 and 3; user 2 clicked 7.
  const positives = userPositiveIndexFromPairs(pairs([[1, 1], [1, 3], [2, 7]]), 4);
  const scoreTopK = (users: Int32Array, k: number) => {
    const out = new Int32Array(users.length * k);
    for (let r = 0; r < users.length; r++) for (let j = 0; j < k; j++) out[r * k + j] = j + 1;
    return out;
  };

  it('drop the user\'s positives, then take the rank band of what is left', () => {
    // User 1: retrieved 1..10 minus {1, 3} = 2, 4, 5, 6, …; ranks [1, 3) → 4, 5.
    // User 2: retrieved 1..10 minus {7} = 1, 2, 3, …; ranks [1, 3) → 2, 3.
    // Users 0 and 3 have no positives and are not mined.
    const pools = mineHardNegatives(4, positives, scoreTopK, 10, [[1, 3]]);
    expect([pool(pools, 0), pool(pools, 1), pool(pools, 2), pool(pools, 3)]).toEqual([[], [4, 5], [2, 3], []]);
  });

  it('re-mine before epoch 1 and then every N epochs', () => {
    const sampler = new MinedHardNegativeSampler(4, positives, [[1, 3]], 10, 2, new UniformSampler(11));
    expect([0, 1, 2, 3, 4, 5].map((e) => sampler.needsRefresh(e))).toEqual([false, true, false, true, false, true]);
  });

  it('start empty (easy only), and after refresh draw from the mined pools', () => {
    const sampler = new MinedHardNegativeSampler(4, positives, [[1, 3]], 10, 1, new UniformSampler(11));
    const batch = { users: Int32Array.of(1, 2), items: Int32Array.of(1, 7) };
    const out = new Int32Array(200);
    const kinds = new Uint8Array(200);
    sampler.sample(batch, 100, new Rng(3), out, kinds);
    expect(kinds.every((k) => k === 0)).toBe(true);
    sampler.refresh(scoreTopK);
    sampler.sample(batch, 100, new Rng(3), out, kinds);
    expect(kinds.every((k) => k === NEGATIVE_KIND_CODES.indexOf('hard_mined'))).toBe(true);
    expect(new Set(out.subarray(0, 100))).toEqual(new Set([4, 5]));
    expect(new Set(out.subarray(100))).toEqual(new Set([2, 3]));
  });

  it('save and restore the mined pools, so a resumed run draws the same negatives', () => {
    const a = new MinedHardNegativeSampler(4, positives, [[1, 3]], 10, 1, new UniformSampler(11));
    a.refresh(scoreTopK);
    const state = JSON.parse(JSON.stringify(a.saveState())) as unknown;
    const b = new MinedHardNegativeSampler(4, positives, [[1, 3]], 10, 1, new UniformSampler(11));
    b.restoreState(state);
    const batch = { users: Int32Array.of(1, 2, 1), items: Int32Array.of(1, 7, 3) };
    const outA = new Int32Array(30);
    const outB = new Int32Array(30);
    a.sample(batch, 10, new Rng(5), outA);
    b.sample(batch, 10, new Rng(5), outB);
    expect(outB).toEqual(outA);
    const other = new MinedHardNegativeSampler(5, positives, [[1, 3]], 10, 1, new UniformSampler(11));
    expect(() => other.restoreState(state)).toThrow(/cover 4 users, this run has 5/);
  });

  it('refuse a scoreTopK that returns the wrong shape', () => {
    expect(() => mineHardNegatives(4, positives, () => new Int32Array(3), 10, [[1, 3]])).toThrow(/returned 3 items for 2 users × top 10/);
  });
});
