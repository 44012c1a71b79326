import { describe, expect, it } from 'vitest';
import {
  createInBatchCorrection,
  createNegativeSampler,
  IN_BATCH_CODE,
  InBatchNegativeSampler,
  MixedSampler,
  NEGATIVE_KIND_CODES,
  targetSamplingDistribution,
  UniformSampler,
  userPositiveIndexFromPairs,
} from '../../../src/core/sampling';
import { Rng } from '../../../src/core/util/rng';
import { dataset, pairs, training } from './fixtures';

// Batch of 8 rows, one user each (users 1..8), items [1, 1, 1, 2, 2, 3, 4, 5].
const BATCH = { users: Int32Array.of(1, 2, 3, 4, 5, 6, 7, 8), items: Int32Array.of(1, 1, 1, 2, 2, 3, 4, 5) };
const ITEMS = 6; // vocabulary rows 0 (OOV) .. 5

/**
 * P(item | row): uniform over the columns j ≠ r whose item differs from the row's own, so ∝ occurrence:
 * rows 0–2 (item 1): columns 3..7 hold 2, 2, 3, 4, 5 → P(2) = 2/5, P(3) = P(4) = P(5) = 1/5;
 * rows 3–4 (item 2): columns 0,1,2,5,6,7 → P(1) = 3/6, P(3) = P(4) = P(5) = 1/6;
 * rows 5–7 (items 3, 4, 5): the 7 other columns → the 3 ones 3/7, the 2 twos 2/7, the other two items 1/7 each.
 */
function expectedRow(r: number): number[] {
  const p = new Array<number>(ITEMS).fill(0);
  let eligible = 0;
  for (let j = 0; j < BATCH.items.length; j++) if (j !== r && BATCH.items[j] !== BATCH.items[r]) eligible++;
  for (let j = 0; j < BATCH.items.length; j++) if (j !== r && BATCH.items[j] !== BATCH.items[r]) p[BATCH.items[j]] += 1 / eligible;
  return p;
}

function sampler(hitsFrom?: Array<[number, number]>): InBatchNegativeSampler {
  return new InBatchNegativeSampler(new UniformSampler(ITEMS), hitsFrom ? userPositiveIndexFromPairs(pairs(hitsFrom), 9) : undefined);
}

describe('in-batch negatives drawn as sampled negatives', () => {
  it('the hand-derived probabilities are the ones above (guards the helper)', () => {
    expect(expectedRow(0)).toEqual([0, 0, 2 / 5, 1 / 5, 1 / 5, 1 / 5]);
    expect(expectedRow(3).map((x) => Math.round(x * 6))).toEqual([0, 3, 0, 1, 1, 1]);
    expect(expectedRow(5).map((x) => Math.round(x * 7))).toEqual([0, 3, 2, 0, 1, 1]);
  });

  it('draw only batch items, never the row\'s own, ∝ in-batch occurrence (10⁶ draws; chi-square summed over rows, df = 24, critical value 51.18 at p = 0.001)', () => {
    const perPositive = 125_000;
    const out = new Int32Array(BATCH.items.length * perPositive);
    const kinds = new Uint8Array(out.length);
    sampler().sample(BATCH, perPositive, new Rng(5), out, kinds);
    expect(kinds.every((k) => k === IN_BATCH_CODE)).toBe(true);
    let stat = 0;
    let df = 0;
    for (let r = 0; r < BATCH.items.length; r++) {
      const counts = new Array<number>(ITEMS).fill(0);
      for (let k = 0; k < perPositive; k++) counts[out[r * perPositive + k]]++;
      const p = expectedRow(r);
      // Never the OOV row, never the row's own item, never an item absent from the batch (p = 0 cells are empty).
      for (let i = 0; i < ITEMS; i++) if (p[i] === 0) expect(counts[i], `row ${r} item ${i}`).toBe(0);
      for (let i = 0; i < ITEMS; i++) {
        if (p[i] === 0) continue;
        const e = p[i] * perPositive;
        stat += ((counts[i] - e) * (counts[i] - e)) / e;
        df++;
      }
      df--; // each row's total is fixed
    }
    expect(df).toBe(24);
    expect(stat).toBeLessThan(51.18);
  });

  it('rows whose only other columns hold their own item fall back; and the chi-square detects a wrong target (uniform over distinct items)', () => {
    const perPositive = 125_000;
    const out = new Int32Array(3 * perPositive);
    sampler().sample({ users: BATCH.users.subarray(0, 3), items: BATCH.items.subarray(0, 3) }, perPositive, new Rng(5), out);
    // Rows 0–2 here all hold item 1: no eligible column, so every draw is the uniform fallback (never item 1).
    expect(out.includes(1)).toBe(false);
    const full = new Int32Array(BATCH.items.length * perPositive);
    sampler().sample(BATCH, perPositive, new Rng(5), full);
    // Row 0 against "each distinct other item 1/4": item 2 drawn ≈ 2/5, not 1/4 → a chi-square far above 16.27 (df = 3).
    const counts = new Array<number>(ITEMS).fill(0);
    for (let k = 0; k < perPositive; k++) counts[full[k]]++;
    let stat = 0;
    for (const i of [2, 3, 4, 5]) stat += (counts[i] - perPositive / 4) ** 2 / (perPositive / 4);
    expect(stat).toBeGreaterThan(16.27);
  });

  it('skips accidental hits when given the users\' positives, and draws them when not', () => {
    // User 1 (row 0) also clicked item 3: with hits removed row 0 draws only 2, 4, 5 (P(2) = 2/4).
    const hits: Array<[number, number]> = [[1, 1], [1, 3], [2, 1], [3, 1], [4, 2], [5, 2], [6, 3], [7, 4], [8, 5]];
    const perPositive = 20_000;
    const out = new Int32Array(BATCH.items.length * perPositive);
    sampler(hits).sample(BATCH, perPositive, new Rng(9), out);
    const row0 = out.subarray(0, perPositive);
    expect(row0.includes(3)).toBe(false);
    expect(new Set(row0)).toEqual(new Set([2, 4, 5]));
    // 2/4 of 20,000 = 10,000, within 5 standard deviations (√(20,000·½·½) ≈ 70.7).
    expect(Math.abs(row0.filter((i) => i === 2).length - 10_000)).toBeLessThan(5 * 70.7);
    const kept = new Int32Array(out.length);
    sampler().sample(BATCH, perPositive, new Rng(9), kept);
    expect(kept.subarray(0, perPositive).includes(3)).toBe(true);
  });

  it('falls back to uniform over the catalogue (kind `uniform`) for a row with no eligible column', () => {
    const out = new Int32Array(2000);
    const kinds = new Uint8Array(2000);
    sampler().sample({ users: Int32Array.of(1), items: Int32Array.of(2) }, 2000, new Rng(3), out, kinds);
    expect(kinds.every((k) => NEGATIVE_KIND_CODES[k] === 'uniform')).toBe(true);
    expect(new Set(out)).toEqual(new Set([1, 3, 4, 5]));
  });

  it('the same seed gives the same draws', () => {
    const a = new Int32Array(8 * 50);
    const b = new Int32Array(8 * 50);
    sampler().sample(BATCH, 50, new Rng(77), a);
    sampler().sample(BATCH, 50, new Rng(77), b);
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});

describe('the factory with `in_batch` in pointwise and pairwise modes', () => {
  const data = dataset(9, ITEMS, pairs([[1, 1], [2, 1], [3, 1], [4, 2], [5, 2], [6, 3], [7, 4], [8, 5]]), {
    requests: Int32Array.of(1, 1, 1),
    users: Int32Array.of(1, 1, 1),
    items: Int32Array.of(1, 4, 5),
    ranks: Int32Array.of(0, 10, 11),
    discarded: Uint8Array.of(0, 1, 1),
  });

  it('pointwise and pairwise get an in-batch sampler; listwise keeps the batch to the loss (no sampler)', () => {
    for (const mode of ['pointwise', 'pairwise'] as const) {
      expect(createNegativeSampler(training({ mode, negatives: { source: 'in_batch' } }), data, new Rng(1))).toBeInstanceOf(InBatchNegativeSampler);
    }
    expect(createNegativeSampler(training({ mode: 'listwise', negatives: { source: 'in_batch' } }), data, new Rng(1))).toBeUndefined();
  });

  it('with hard negatives: pairwise mixes in-batch and hard draws at mix.hard; listwise mixes uniform and hard slots beside its in-batch columns', () => {
    const mixed = createNegativeSampler(training({ mode: 'pairwise', negatives: { source: 'in_batch', hard: { source: 'ranking_log' }, mix: { easy: 0.5, hard: 0.5 } } }), data, new Rng(1));
    expect(mixed).toBeInstanceOf(MixedSampler);
    expect((mixed as MixedSampler).easy).toBeInstanceOf(InBatchNegativeSampler);
    const listwise = createNegativeSampler(training({ mode: 'listwise', negatives: { source: 'in_batch', hard: { source: 'ranking_log' } } }), data, new Rng(1));
    expect(listwise).toBeInstanceOf(MixedSampler);
    expect((listwise as MixedSampler).easy).toBeInstanceOf(UniformSampler);
    // User 1's hard pool is {4, 5} (ranks 10, 11 in the band [10, 50)); rows of user 1 at item 1 in a batch with items 2 and 3.
    const batch = { users: Int32Array.of(1, 4, 6), items: Int32Array.of(1, 2, 3) };
    const perPositive = 10_000;
    const out = new Int32Array(3 * perPositive);
    const kinds = new Uint8Array(out.length);
    mixed?.sample(batch, perPositive, new Rng(4), out, kinds);
    const row0 = Array.from(kinds.subarray(0, perPositive)).map((k) => NEGATIVE_KIND_CODES[k]);
    const hardCount = row0.filter((k) => k === 'hard_log').length;
    // Half hard: 5,000 within 5 standard deviations (√(10,000·½·½) = 50).
    expect(Math.abs(hardCount - 5000)).toBeLessThan(250);
    for (let k = 0; k < perPositive; k++) {
      if (row0[k] === 'in_batch') expect([2, 3]).toContain(out[k]);
      else expect([4, 5]).toContain(out[k]);
    }
  });

  it('the started-event target puts the in-batch mass on the positives\' items', () => {
    const t = training({ mode: 'pairwise', negatives: { source: 'in_batch' } });
    const dist = targetSamplingDistribution(data.train, data.itemClicks, { sampler: createNegativeSampler(t, data, new Rng(1)), inBatch: false });
    // Drawn ∝ occurrence among the positives: the in-batch shares per decile are the positives' shares.
    expect(dist.negatives.in_batch.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    dist.negatives.in_batch.forEach((share, d) => expect(share).toBeCloseTo(dist.positives[d], 6));
    for (const kind of ['uniform', 'popularity', 'hard_log']) expect((dist.negatives[kind] ?? []).every((x) => x === 0)).toBe(true);
  });

  it('logQ correction is for the listwise softmax only', () => {
    const on = { source: 'in_batch' as const, logq_correction: true };
    expect(createInBatchCorrection(training({ mode: 'pairwise', negatives: on }), data)).toBeUndefined();
    expect(createInBatchCorrection(training({ mode: 'pointwise', negatives: on }), data)).toBeUndefined();
    expect(createInBatchCorrection(training({ mode: 'listwise', negatives: on }), data)).toBeDefined();
  });
});
