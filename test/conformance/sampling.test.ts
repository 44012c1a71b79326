/**
 * The deterministic parts of the samplers, TS (src/core/sampling) against Python
 * (python/two_tower_lab/sampling): the logQ probabilities p_i (counts, streaming with and without
 * shared buckets, sampled columns, appearance), popularity deciles, head items and Gini, the
 * accidental-hit mask, rebalancing targets, and hard negatives mined from a fixed ranking. The random
 * draws are held to their distributions by chi-square tests on each side (python/tests/test_sampling.py).
 */
import { describe, expect, it } from 'vitest';

import { headItemMask } from '../../src/core/eval/grouping';
import {
  accidentalHitMask,
  appearanceProbability,
  CountsCorrection,
  gini,
  mineHardNegatives,
  PopularitySampler,
  popularityDeciles,
  SampledColumnCorrection,
  StreamingFrequencyEstimator,
  userPositiveIndexFromPairs,
} from '../../src/core/sampling';
import { rebalanceTargets } from '../../src/core/sampling/rebalance';
import { Rng } from '../../src/core/util/rng';
import { maxDiff, named, runPython, torchMissing } from './python';

const rng = new Rng(77);
const ITEMS = 50;
const USERS = 20;
// Zipf-like clicks with ties and zeros, item 0 the OOV row.
const clicks = Float64Array.from({ length: ITEMS }, (_, i) => (i === 0 ? 0 : i % 7 === 0 ? 0 : Math.round(200 / i)));
const pairs = {
  users: Int32Array.from({ length: 300 }, () => 1 + rng.int(USERS - 1)),
  items: Int32Array.from({ length: 300 }, () => 1 + Math.floor(Math.pow(rng.next(), 2) * (ITEMS - 1))),
};
const plainPairs = { users: Array.from(pairs.users), items: Array.from(pairs.items) };
const batches = Array.from({ length: 60 }, () => Int32Array.from({ length: 8 }, () => 1 + Math.floor(Math.pow(rng.next(), 2) * (ITEMS - 1))));

describe.skipIf(torchMissing() !== undefined)(named('sampling probabilities, groupings, masks and pools: TypeScript = Python'), () => {
  it('agree on fixed inputs', () => {
    const counts = new Float64Array(ITEMS);
    for (const i of pairs.items) counts[i]++;
    const cases: { name: string; py: Record<string, unknown>; check: (r: Record<string, unknown>) => void }[] = [];
    const close = (name: string, ts: ArrayLike<number>, py: unknown, tol = 1e-6) => expect(maxDiff(ts, py as number[]), name).toBeLessThan(tol);

    const q = [0, 1e-9, 0.001, 0.3, 0.999, 1];
    cases.push({ name: 'appearance', py: { what: 'appearance', q, draws: 37 }, check: (r) => close('appearance', q.map((x) => appearanceProbability(x, 37)), r.p, 1e-12) });

    const corr = new CountsCorrection(counts, 16);
    const all = { users: new Int32Array(ITEMS), items: Int32Array.from({ length: ITEMS }, (_, i) => i) };
    cases.push({
      name: 'counts',
      py: { what: 'counts', counts: Array.from(counts), batchSize: 16 },
      check: (r) => {
        close('counts p_i', corr.itemProbabilities(), r.p, 1e-12);
        close('counts log p_i', corr.logQ(all), r.logQ, 1e-6);
      },
    });

    const pop = new PopularitySampler(clicks, 0.75);
    const sampled = new SampledColumnCorrection(pop.probabilities(), 2.5);
    cases.push({
      name: 'sampled columns',
      py: { what: 'sampledColumns', probabilities: Array.from(pop.probabilities()), draws: 2.5 },
      check: (r) => close('sampled columns log Q', Array.from({ length: ITEMS }, (_, i) => sampled.logQ(i)), r.logQ, 1e-6),
    });

    for (const buckets of [ITEMS, 13]) {
      const est = new StreamingFrequencyEstimator(ITEMS, 0.1, buckets);
      batches.forEach((items, step) => est.observe({ users: new Int32Array(items.length), items }, step));
      cases.push({
        name: `streaming (${buckets} buckets)`,
        py: { what: 'streaming', itemCount: ITEMS, rate: 0.1, buckets, batches: batches.map((b) => Array.from(b)) },
        check: (r) => {
          close(`streaming p_i, ${buckets} buckets`, est.itemProbabilities(), r.p, 1e-12);
          close(`streaming log p_i, ${buckets} buckets`, est.logQ(all), r.logQ, 1e-6);
        },
      });
    }

    cases.push({
      name: 'popularity',
      py: { what: 'popularity', itemClicks: Array.from(clicks) },
      check: (r) => {
        expect(r.deciles, 'deciles').toEqual(Array.from(popularityDeciles(clicks)));
        expect(r.head, 'head items').toEqual(Array.from(headItemMask(clicks)));
        expect(Math.abs(gini(clicks.subarray(1)) - (r.gini as number)), 'gini').toBeLessThan(1e-12);
      },
    });

    const positives = userPositiveIndexFromPairs(pairs, USERS);
    const batch = { users: Int32Array.from({ length: 12 }, (_, k) => pairs.users[k * 3]), items: Int32Array.from({ length: 12 }, (_, k) => pairs.items[k * 5]) };
    cases.push({
      name: 'hit mask',
      py: { what: 'hitMask', userCount: USERS, itemCount: ITEMS, positives: plainPairs, batch: { users: Array.from(batch.users), items: Array.from(batch.items) } },
      check: (r) => {
        const mask = Array.from(accidentalHitMask(batch, positives));
        expect(r.mask, 'accidental-hit mask').toEqual(mask);
        expect(mask.some((m) => m === 1), 'the mask masks something').toBe(true);
      },
    });

    const cfgs = [
      { method: 'exponent', exponent: 0.3, cap: 200, floor: 0 },
      { method: 'cap', exponent: 0.5, cap: 4, floor: 2 },
      { method: 'none', exponent: 0.5, cap: 200, floor: 0 },
    ] as const;
    for (const cfg of cfgs) {
      cases.push({ name: `rebalance ${cfg.method}`, py: { what: 'rebalanceTargets', counts: Array.from(counts), cfg }, check: (r) => close(`rebalance targets (${cfg.method})`, rebalanceTargets(counts, cfg), r.targets, 1e-9) });
    }

    // A fixed ranking per user: a seeded permutation of the items (item 0 included: the miner drops it).
    const rankings: Record<number, number[]> = {};
    for (let u = 0; u < USERS; u++) rankings[u] = new Rng(u + 1).shuffle(Array.from({ length: ITEMS }, (_, i) => i));
    const bands: [number, number][] = [
      [2, 6],
      [10, 15],
    ];
    const pools = mineHardNegatives(USERS, positives, (us, k) => Int32Array.from(Array.from(us).flatMap((u) => rankings[u].slice(0, k))), 30, bands);
    cases.push({
      name: 'mined pools',
      py: { what: 'mine', userCount: USERS, itemCount: ITEMS, positives: plainPairs, rankings, topK: 30, bands },
      check: (r) => {
        expect(r.offsets, 'mined pool offsets').toEqual(Array.from(pools.offsets));
        expect(r.items, 'mined pool items').toEqual(Array.from(pools.items));
        expect(r.bandYields, 'band yields').toEqual(pools.bandYields);
      },
    });

    const answers = runPython(cases.map((c) => ({ fn: 'sampling', ...c.py })));
    cases.forEach((c, i) => c.check(answers[i]));
  });
});
