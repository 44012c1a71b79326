/**
 * The usearch item index: its scores are the model's (cosine or inner product, hand-derived on tiny
 * vectors), row 0 (OOV) is never returned, and every `serving:` parameter changes what is built or found.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ItemIndex, type IndexParams } from '../../../src/core/serving/annIndex';
import { Rng } from '../../../src/core/util/rng';

const DEFAULTS: IndexParams = { connectivity: 16, expansion_add: 128, expansion_search: 64, quantization: 'f32' };
const dir = mkdtempSync(path.join(tmpdir(), 'ttl-ann-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('item index scores', () => {
  it('cosine: score = cos(q, v), best first, the OOV row never', () => {
    // Row 0 (OOV) equals the query exactly and must still not be returned.
    // Rows: 1 = (0.6, 0.8) → cos 0.6; 2 = (0, 1) → 0; 3 = (1, 0) → 1.
    const v = Float32Array.from([1, 0, 0.6, 0.8, 0, 1, 1, 0]);
    const hits = ItemIndex.build(v, 2, 'cosine', DEFAULTS).search(Float32Array.from([1, 0]), 5);
    expect(Array.from(hits.items)).toEqual([3, 1, 2]);
    expect(hits.scores[0]).toBeCloseTo(1, 6);
    expect(hits.scores[1]).toBeCloseTo(0.6, 6);
    expect(hits.scores[2]).toBeCloseTo(0, 6);
  });

  it('dot: score = q·v for raw vectors (the l2_normalize: false score)', () => {
    // q = (1, 2): row 1 = (2, 0) → 2; row 2 = (1, 1) → 3; row 3 = (−1, 0) → −1.
    const v = Float32Array.from([0, 0, 2, 0, 1, 1, -1, 0]);
    const hits = ItemIndex.build(v, 2, 'dot', DEFAULTS).search(Float32Array.from([1, 2]), 3);
    expect(Array.from(hits.items)).toEqual([2, 1, 3]);
    expect(Array.from(hits.scores).map((s) => Number(s.toFixed(5)))).toEqual([3, 2, -1]);
  });

  it('saves and loads the same index', () => {
    const v = randomUnitRows(200, 8, 3);
    const built = ItemIndex.build(v, 8, 'cosine', DEFAULTS);
    const file = path.join(dir, 'same.usearch');
    built.save(file);
    const loaded = ItemIndex.load(file, 8, 'cosine', DEFAULTS);
    expect(loaded.size).toBe(199);
    const q = v.subarray(8 * 5, 8 * 6);
    expect(Array.from(loaded.search(q, 10).items)).toEqual(Array.from(built.search(q, 10).items));
    expect(() => ItemIndex.load(file, 4, 'cosine', DEFAULTS)).toThrow(/dimension 8, the model's are 4/);
  });
});

/** n unit rows of `dim` random values, seeded. */
function randomUnitRows(n: number, dim: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const v = new Float32Array(n * dim);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += (v[r * dim + d] = rng.next() * 2 - 1) ** 2;
    for (let d = 0; d < dim; d++) v[r * dim + d] /= Math.sqrt(s);
  }
  return v;
}

/** recall@10 of the index against brute force, over 40 queries (rows 5 … 44) of a 3000-item catalogue. */
function recallAt10(params: IndexParams): number {
  const n = 3001;
  const dim = 16;
  const v = randomUnitRows(n, dim, 7);
  const index = ItemIndex.build(v, dim, 'cosine', params);
  let hits = 0;
  for (let j = 5; j < 45; j++) {
    const q = v.subarray(j * dim, (j + 1) * dim);
    const scored: [number, number][] = [];
    for (let r = 1; r < n; r++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += q[d] * v[r * dim + d];
      scored.push([s, r]);
    }
    scored.sort((a, b) => b[0] - a[0]);
    const truth = new Set(scored.slice(0, 10).map((x) => x[1]));
    for (const item of index.search(q, 10).items) if (truth.has(item)) hits++;
  }
  return hits / 400;
}

describe('every serving parameter matters', () => {
  // Measured on this catalogue (single-threaded builds are deterministic): the gaps are wide.
  it('connectivity: the graph keeps M neighbours; M = 2 loses most of the recall M = 32 has', () => {
    expect(ItemIndex.build(randomUnitRows(50, 4, 1), 4, 'cosine', { ...DEFAULTS, connectivity: 7 }).connectivity).toBe(7);
    const low = recallAt10({ ...DEFAULTS, connectivity: 2, expansion_add: 8, expansion_search: 10 });
    const high = recallAt10({ ...DEFAULTS, connectivity: 32, expansion_add: 8, expansion_search: 10 });
    expect(low).toBeLessThan(0.5);
    expect(high).toBeGreaterThan(0.85);
  });

  it('expansion_add: a graph built with 1 candidate finds far less than one built with 200', () => {
    const low = recallAt10({ ...DEFAULTS, connectivity: 4, expansion_add: 1, expansion_search: 10 });
    const high = recallAt10({ ...DEFAULTS, connectivity: 4, expansion_add: 200, expansion_search: 10 });
    expect(low).toBeLessThan(0.5);
    expect(high).toBeGreaterThan(0.85);
  });

  it('expansion_search: more candidates per query find more of the true top 10', () => {
    const low = recallAt10({ ...DEFAULTS, connectivity: 4, expansion_search: 1 });
    const high = recallAt10({ ...DEFAULTS, connectivity: 4, expansion_search: 200 });
    expect(high).toBeGreaterThan(low + 0.05);
    expect(high).toBeGreaterThan(0.99);
  });

  it('quantization: f16 and i8 store the vectors in less space than f32, and round the scores', () => {
    const v = randomUnitRows(2001, 32, 11);
    const size = (quantization: IndexParams['quantization']): number => {
      const file = path.join(dir, `${quantization}.usearch`);
      ItemIndex.build(v, 32, 'cosine', { ...DEFAULTS, quantization }).save(file);
      return statSync(file).size;
    };
    const [f32, f16, i8] = [size('f32'), size('f16'), size('i8')];
    // The vectors alone: 2000 × 32 × 4, × 2, × 1 bytes.
    expect(f32 - f16).toBeGreaterThan(2000 * 32 * 2 * 0.9);
    expect(f16 - i8).toBeGreaterThan(2000 * 32 * 1 * 0.9);
    // A query that is not in the index: a vector's score with itself can come back exactly 1 even
    // when both sides are rounded (the kernel normalises the rounded vectors), so it proves nothing.
    const q = randomUnitRows(1, 32, 12);
    const exact = ItemIndex.build(v, 32, 'cosine', DEFAULTS).search(q, 1);
    const rounded = ItemIndex.build(v, 32, 'cosine', { ...DEFAULTS, quantization: 'i8' }).search(q, 1);
    const row = exact.items[0];
    const cosine = Array.from(q).reduce((sum, x, d) => sum + x * v[row * 32 + d], 0);
    expect(exact.scores[0]).toBeCloseTo(cosine, 5);
    expect(rounded.items[0]).toBe(row);
    expect(rounded.scores[0]).not.toBe(exact.scores[0]);
    expect(rounded.scores[0]).toBeCloseTo(cosine, 1);
  });
});
