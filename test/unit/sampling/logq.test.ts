import { describe, expect, it } from 'vitest';
import { buildAliasTable, drawAlias } from '../../../src/core/sampling/alias';
import { CountsCorrection, StreamingFrequencyEstimator } from '../../../src/core/sampling/logq';
import type { PositiveBatch } from '../../../src/core/sampling/types';
import { Rng } from '../../../src/core/util/rng';

describe('logQ from counts', () => {
  it('p_i = 1 − (1 − c_i/N)^B, the probability that item i is in a batch of B', () => {
    // counts (OOV 0, 3, 1), N = 4, B = 2: p_1 = 1 − 0.25² = 0.9375; p_2 = 1 − 0.75² = 0.4375.
    const corr = new CountsCorrection([0, 3, 1], 2);
    const logQ = corr.logQ({ users: Int32Array.of(1, 1), items: Int32Array.of(1, 2) });
    expect(logQ[0]).toBeCloseTo(Math.log(0.9375), 6);
    expect(logQ[1]).toBeCloseTo(Math.log(0.4375), 6);
    expect(corr.itemProbabilities()[0]).toBeLessThan(1e-9); // no count: tiny, never log 0
  });

  it('is ≈ B·c_i/N for rare items', () => {
    // c = 1 of N = 10⁶, B = 512: p ≈ 512e−6 (relative error ≈ B·q/2 = 2.6e−4).
    const counts = new Float64Array(3);
    counts[1] = 1;
    counts[2] = 999_999;
    expect(new CountsCorrection(counts, 512).itemProbabilities()[1] / 512e-6).toBeCloseTo(1, 3);
  });

  it('refuses empty training data', () => {
    expect(() => new CountsCorrection([0, 0], 4)).toThrow(/training positives are empty/);
  });
});

/** A stream of batches of B items drawn i.i.d. from q. */
function stream(q: number[], b: number, steps: number, rng: Rng, onBatch: (batch: PositiveBatch, step: number) => void): void {
  const table = buildAliasTable(q);
  const batch = { users: new Int32Array(b), items: new Int32Array(b) };
  for (let t = 0; t < steps; t++) {
    for (let r = 0; r < b; r++) batch.items[r] = drawAlias(table, rng);
    onBatch(batch, t);
  }
}

describe('streaming frequency estimator (Yi et al., RecSys 2019)', () => {
  // Items 1..20 with q_i ∝ 1/i; B = 8. True per-step probability p_i = 1 − (1 − q_i)^8.
  const q = [0, ...Array.from({ length: 20 }, (_, k) => 1 / (k + 1))];
  const total = q.reduce((a, b) => a + b, 0);
  const qn = q.map((v) => v / total);
  const truth = qn.map((v) => 1 - Math.pow(1 - v, 8));

  it('converges to the true frequency on a synthetic stream (each item within 20%, mean error < 7%)', () => {
    const est = new StreamingFrequencyEstimator(21, 0.01);
    stream(qn, 8, 30_000, new Rng(17), (batch, t) => est.observe(batch, t));
    const p = est.itemProbabilities();
    let sumErr = 0;
    for (let i = 1; i <= 20; i++) {
      const rel = Math.abs(p[i] - truth[i]) / truth[i];
      expect(rel, `item ${i}: estimated ${p[i]}, true ${truth[i]}`).toBeLessThan(0.2);
      sumErr += rel;
    }
    expect(sumErr / 20).toBeLessThan(0.07);
    // The counts estimator gives the same quantity exactly from the true frequencies.
    const counts = new CountsCorrection(qn, 8).itemProbabilities();
    for (let i = 1; i <= 20; i++) expect(counts[i]).toBeCloseTo(truth[i], 9);
  });

  it('with shared hash buckets still ranks a frequent item above a rare one', () => {
    const est = new StreamingFrequencyEstimator(21, 0.01, 8);
    stream(qn, 8, 5_000, new Rng(4), (batch, t) => est.observe(batch, t));
    expect(est.probability(1)).toBeGreaterThan(truth[1] * 0.8);
  });

  it('counts an item once per step, however often it is in the batch', () => {
    // Item 1 in every slot of every step: the gap is 1 step, so p = 1.
    const est = new StreamingFrequencyEstimator(3, 0.5);
    const batch = { users: new Int32Array(4), items: new Int32Array(4).fill(1) };
    for (let t = 0; t < 10; t++) est.observe(batch, t);
    expect(est.probability(1)).toBeCloseTo(1, 2);
    // Item 2 seen at steps 0, 2, 4, 6: first gap estimate t + 1 = 1, then B ← 0.5·B + 0.5·2 → 1.5, 1.75, 1.875.
    const est2 = new StreamingFrequencyEstimator(3, 0.5);
    for (const t of [0, 2, 4, 6]) est2.observe({ users: Int32Array.of(0), items: Int32Array.of(2) }, t);
    expect(est2.probability(2)).toBeCloseTo(1 / 1.875, 9);
  });

  it('saved and restored mid-stream, continues exactly', () => {
    const a = new StreamingFrequencyEstimator(21, 0.05);
    const rngA = new Rng(8);
    stream(qn, 8, 300, rngA, (batch, t) => a.observe(batch, t));
    const saved = JSON.parse(JSON.stringify({ est: a.saveState(), rng: rngA.getState() })) as { est: unknown; rng: [number, number, number, number] };
    const b = new StreamingFrequencyEstimator(21, 0.05);
    b.restoreState(saved.est);
    const rngB = new Rng(saved.rng);
    stream(qn, 8, 200, rngA, (batch, t) => a.observe(batch, 300 + t));
    stream(qn, 8, 200, rngB, (batch, t) => b.observe(batch, 300 + t));
    expect(b.itemProbabilities()).toEqual(a.itemProbabilities());
  });

  it('refuses a checkpoint from another catalogue', () => {
    const state = new StreamingFrequencyEstimator(5).saveState();
    expect(() => new StreamingFrequencyEstimator(6).restoreState(state)).toThrow(/had 5 buckets, this run has 6/);
  });
});
