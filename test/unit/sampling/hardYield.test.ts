/** What hard negatives yield per band, how often their slots fall back to easy ones, and the run's report of both. */
import { describe, expect, it } from 'vitest';
import type { RankingLogData } from '../../../src/core/data/dataset';
import { SamplingCounters, samplingDistribution, targetSamplingDistribution } from '../../../src/core/sampling/distribution';
import { UniformSampler } from '../../../src/core/sampling/easy';
import { HardNegativeSampler, MinedHardNegativeSampler, mineHardNegatives, poolsFromRankingLog } from '../../../src/core/sampling/hard';
import { hardNegativesReport } from '../../../src/core/sampling/hardReport';
import { MixedSampler } from '../../../src/core/sampling/mixer';
import { userPositiveIndexFromPairs } from '../../../src/core/sampling/userPositives';
import { Rng } from '../../../src/core/util/rng';
import { pairs, training } from './fixtures';

/**
 * Request 7 of user 1 nominates items 1..20 at rank item − 1; user 1 clicked item 4 (rank 3, the
 * target). Request 8 of user 2 nominates items 21..30 at rank item − 21, none clicked. User 3 has
 * positives but no request. Ranking discarded every item ranked 5 or lower down.
 */
function log(): RankingLogData {
  const rows: Array<[number, number, number, number]> = [];
  for (let item = 1; item <= 20; item++) rows.push([7, 1, item, item - 1]);
  for (let item = 21; item <= 30; item++) rows.push([8, 2, item, item - 21]);
  return {
    requests: Int32Array.from(rows.map((r) => r[0])),
    users: Int32Array.from(rows.map((r) => r[1])),
    items: Int32Array.from(rows.map((r) => r[2])),
    ranks: Int32Array.from(rows.map((r) => r[3])),
    discarded: Uint8Array.from(rows.map((r) => (r[3] >= 5 ? 1 : 0))),
  };
}
const train = pairs([[1, 4], [2, 1], [3, 2], [3, 3]]);
const positives = userPositiveIndexFromPairs(train, 4);

describe('band yields', () => {
  it('counts, per band, the candidates of users with positives and how many users have one', () => {
    // User 1 (target rank 3): band [2, 6) → ranks 5..8 → 4 items; band [10, 100) → ranks 13..19 → 7 items.
    // User 2 (no positive in the request, target rank 0): [2, 6) → only rank 5 was discarded → 1 item;
    // [10, 100) → none (its ranks stop at 9). Band [100, 500) reaches no rank of the log.
    const pools = poolsFromRankingLog(log(), 4, positives, [[2, 6], [10, 100], [100, 500]]);
    expect(pools.bandYields).toEqual([
      { candidates: 5, users: 2 },
      { candidates: 7, users: 1 },
      { candidates: 0, users: 0 },
    ]);
  });

  it('counts mined candidates per band the same way', () => {
    // Users 1..3 retrieve items 1..6 in order; after dropping each user's positives the ranks are
    // 0..4 (user 1: 1,2,3,5,6; user 2: 2..6; user 3: 1,4,5,6 → ranks 0..3).
    const top = (users: Int32Array, k: number) => Int32Array.from(Array.from(users).flatMap(() => Array.from({ length: k }, (_, i) => i + 1)));
    const pools = mineHardNegatives(4, positives, top, 6, [[0, 2], [3, 10]]);
    // [0, 2): 2 per user → 6; [3, 10): ranks 3, 4 for users 1 and 2, rank 3 for user 3 → 5.
    expect(pools.bandYields).toEqual([
      { candidates: 6, users: 3 },
      { candidates: 5, users: 3 },
    ]);
  });
});

describe('hard slots that fall back to easy negatives', () => {
  it('are counted by the sampler as it draws, and reported by the counters until they reset', () => {
    // Only user 1 has a pool: of 4 rows (users 1, 2, 2, 3) × 5 slots, 15 of the 20 hard slots fall back.
    const pools = poolsFromRankingLog(log(), 4, positives, [[10, 100]]);
    const hard = new HardNegativeSampler('hard_log', pools, new UniformSampler(31));
    const counters = new SamplingCounters(new Float64Array(31).fill(1), hard);
    const batch = pairs([[1, 4], [2, 1], [2, 1], [3, 2]]);
    const out = new Int32Array(20);
    const kinds = new Uint8Array(20);
    hard.sample(batch, 5, new Rng(1), out, kinds);
    counters.recordNegatives(out, 20, kinds);
    expect(samplingDistribution(counters).hardFallback).toEqual({ share: 0.75, slots: 20, fellBack: 15 });
    counters.reset();
    expect(samplingDistribution(counters).hardFallback).toEqual({ share: 0, slots: 0, fellBack: 0 });
  });

  it('count only the hard slots of a mix, and none without hard negatives', () => {
    const hard = new HardNegativeSampler('hard_log', poolsFromRankingLog(log(), 4, positives, [[10, 100]]), new UniformSampler(31));
    const mixed = new MixedSampler(new UniformSampler(31), hard, 0.5);
    const counters = new SamplingCounters(new Float64Array(31).fill(1), mixed);
    const out = new Int32Array(2000);
    // 1000 rows of user 2 (no pool) × 2 slots: about half the slots are hard, and every hard one falls back.
    mixed.sample(pairs(Array.from({ length: 1000 }, (): [number, number] => [2, 1])), 2, new Rng(3), out);
    const f = samplingDistribution(counters).hardFallback!;
    expect(f.fellBack).toBe(f.slots);
    expect(f.share).toBe(1);
    expect(f.slots! / 2000).toBeGreaterThan(0.45);
    expect(f.slots! / 2000).toBeLessThan(0.55);
    expect(samplingDistribution(new SamplingCounters(new Float64Array(31), new UniformSampler(31))).hardFallback).toBeUndefined();
  });

  it('are expected at start in proportion to the positives whose user has no pool', () => {
    // Pool of user 1 only: rows of users 2 and 3 (3 of 4 positives) will fall back.
    const hard = new HardNegativeSampler('hard_log', poolsFromRankingLog(log(), 4, positives, [[10, 100]]), new UniformSampler(31));
    const target = targetSamplingDistribution(train, new Float64Array(31).fill(1), { sampler: hard, inBatch: false });
    expect(target.hardFallback).toEqual({ share: 0.75 });
  });
});

describe('the hard-negative report', () => {
  const hardConfig = (band: 'relatively_hard' | 'extremely_hard' | 'both') => training({ negatives: { hard: { source: 'ranking_log', band, relatively_hard: [2, 6], extremely_hard: [100, 500] } } }).negatives.hard;

  it('names each used band with its yield, the log\'s ranks and the expected fallback share', () => {
    const hard = hardConfig('both');
    const sampler = new HardNegativeSampler('hard_log', poolsFromRankingLog(log(), 4, positives, [[2, 6], [100, 500]]), new UniformSampler(31));
    const report = hardNegativesReport({ sampler, hard, userPositives: positives, pairs: train, rankingLog: log(), epoch: 0 });
    expect(report).toEqual({
      source: 'ranking_log',
      bands: [
        { band: 'relatively_hard', from: 2, to: 6, candidates: 5, usersWithCandidates: 2, users: 3 },
        { band: 'extremely_hard', from: 100, to: 500, candidates: 0, usersWithCandidates: 0, users: 3 },
      ],
      usersWithPool: 2,
      users: 3,
      // User 3's two positives of four have no pool.
      fallbackShare: 0.5,
      logRanks: { min: 0, max: 19 },
    });
  });

  it('says that mined pools are empty until the first mining, then reports each mining, also after a checkpoint', () => {
    const hard = { ...hardConfig('relatively_hard'), source: 'mined' as const, relatively_hard: [0, 2] as [number, number] };
    const mined = new MinedHardNegativeSampler(4, positives, [[0, 2]], 6, 1, new UniformSampler(31));
    const inputs = { sampler: mined, hard, userPositives: positives, pairs: train, epoch: 0 };
    expect(hardNegativesReport(inputs)).toEqual({
      source: 'mined',
      bands: [{ band: 'relatively_hard', from: 0, to: 2, candidates: 0, usersWithCandidates: 0, users: 3 }],
      usersWithPool: 0,
      users: 3,
      fallbackShare: 1,
      mineTopK: 6,
      firstMiningBeforeEpoch: 2,
    });
    mined.refresh((users, k) => Int32Array.from(Array.from(users).flatMap(() => Array.from({ length: k }, (_, i) => i + 1))));
    const after = hardNegativesReport({ ...inputs, epoch: 1 });
    expect(after).toMatchObject({ source: 'mined', usersWithPool: 3, fallbackShare: 0, bands: [{ candidates: 6, usersWithCandidates: 3 }] });
    expect(after?.firstMiningBeforeEpoch).toBeUndefined();
    // The yields travel with the mined pools in the checkpoint; an older checkpoint without them gives no per-band figures.
    const restored = new MinedHardNegativeSampler(4, positives, [[0, 2]], 6, 1, new UniformSampler(31));
    restored.restoreState(mined.saveState());
    expect(hardNegativesReport({ ...inputs, sampler: restored, epoch: 1 })).toEqual(after);
    const old = { ...(mined.saveState() as Record<string, unknown>) };
    delete old.bandYields;
    restored.restoreState(old);
    const fromOld = hardNegativesReport({ ...inputs, sampler: restored, epoch: 1 });
    expect(fromOld?.bands).toBeUndefined();
    expect(fromOld?.usersWithPool).toBe(3);
  });

  it('is absent without hard negatives', () => {
    expect(hardNegativesReport({ sampler: new UniformSampler(31), hard: hardConfig('both'), userPositives: positives, pairs: train, epoch: 0 })).toBeUndefined();
  });
});
