import { describe, expect, it } from 'vitest';
import { accidentalHitMask, inBatchWithHardLogits, logqCorrectedLogits, MASKED_LOGIT } from '../../../src/core/sampling/inBatch';
import { userPositiveIndexFromPairs } from '../../../src/core/sampling/userPositives';
import { Rng } from '../../../src/core/util/rng';
import { pairs } from './fixtures';

describe('accidental-hit mask', () => {
  it('masks batch items that are positives of the row\'s user, never the diagonal', () => {
    // Positives: user 1 → {3, 5}, user 2 → {3, 4}. Batch rows: (1, 3), (2, 4), (1, 5).
    // Row 0 (user 1): column 1 is item 4 (not a positive of user 1) → 0; column 2 is item 5 → 1.
    // Row 1 (user 2): column 0 is item 3 → 1; column 2 is item 5 → 0.
    // Row 2 (user 1): column 0 is item 3 → 1; column 1 is item 4 → 0.
    const index = userPositiveIndexFromPairs(pairs([[1, 3], [1, 5], [2, 3], [2, 4]]), 3);
    const mask = accidentalHitMask({ users: Int32Array.of(1, 2, 1), items: Int32Array.of(3, 4, 5) }, index);
    expect(Array.from(mask)).toEqual([0, 0, 1, 1, 0, 0, 1, 0, 0]);
  });

  it('masks a repeat of the row\'s own item in another row', () => {
    // Both rows hold item 3; for row 0 column 1 is the same item as its positive → masked, and vice versa.
    const index = userPositiveIndexFromPairs(pairs([[1, 3], [2, 3]]), 3);
    expect(Array.from(accidentalHitMask({ users: Int32Array.of(1, 2), items: Int32Array.of(3, 3) }, index))).toEqual([0, 1, 1, 0]);
  });
});

describe('accidental-hit mask on random batches', () => {
  it('equals the definition (j ≠ i and item j is a positive of user i, or row i\'s own item), light and very active users alike', () => {
    const rng = new Rng(31);
    const list: Array<[number, number]> = [];
    for (let u = 1; u < 40; u++) {
      const degree = u === 1 ? 150 : 1 + rng.int(12); // user 1 has more positives than the batch has rows
      for (let k = 0; k < degree; k++) list.push([u, 1 + rng.int(300)]);
    }
    const index = userPositiveIndexFromPairs(pairs(list), 40);
    for (let trial = 0; trial < 20; trial++) {
      const b = 64;
      const batch = { users: new Int32Array(b), items: new Int32Array(b) };
      for (let r = 0; r < b; r++) {
        const [u, i] = list[rng.int(list.length)];
        batch.users[r] = u;
        batch.items[r] = i;
      }
      const mask = accidentalHitMask(batch, index);
      let wrong = 0;
      for (let i = 0; i < b; i++) {
        for (let j = 0; j < b; j++) {
          const want = j !== i && (batch.items[j] === batch.items[i] || index.has(batch.users[i], batch.items[j])) ? 1 : 0;
          if (mask[i * b + j] !== want) wrong++;
        }
      }
      expect(wrong).toBe(0);
    }
  });
});

describe('logQ-corrected logits (the reference the model loss is tested against)', () => {
  it('equals cos/τ − log p_j, masked entries at MASKED_LOGIT, on a 3×3 batch computed by hand', () => {
    // τ = 0.1; p = (0.5, 0.2, 0.1) so −log p = (0.693147, 1.609438, 2.302585); mask (row 0, column 2).
    // Row 0: 0.8/0.1 + 0.693147 = 8.693147;  0.2/0.1 + 1.609438 = 3.609438;  masked.
    // Row 1: 0.3/0.1 + 0.693147 = 3.693147;  0.6/0.1 + 1.609438 = 7.609438;  0.0/0.1 + 2.302585 = 2.302585.
    // Row 2: 0.5/0.1 + 0.693147 = 5.693147; −0.4/0.1 + 1.609438 = −2.390562; 0.9/0.1 + 2.302585 = 11.302585.
    const cos = Float32Array.of(0.8, 0.2, -0.1, 0.3, 0.6, 0.0, 0.5, -0.4, 0.9);
    const logQ = Float32Array.of(Math.log(0.5), Math.log(0.2), Math.log(0.1));
    const mask = Uint8Array.of(0, 0, 1, 0, 0, 0, 0, 0, 0);
    const got = Array.from(logqCorrectedLogits(cos, 3, 0.1, logQ, mask));
    const want = [8.693147, 3.609438, MASKED_LOGIT, 3.693147, 7.609438, 2.302585, 5.693147, -2.390562, 11.302585];
    got.forEach((v, k) => expect(v).toBeCloseTo(want[k], 4));
  });

  it('with log p = 0 and no mask is plain cos/τ', () => {
    // τ = 0.5: (0.5, −0.25, 0, 1) / 0.5 = (1, −0.5, 0, 2).
    expect(Array.from(logqCorrectedLogits(Float32Array.of(0.5, -0.25, 0, 1), 2, 0.5, new Float32Array(2)))).toEqual([1, -0.5, 0, 2]);
  });

  it('refuses mismatched shapes and τ ≤ 0 with what was expected', () => {
    expect(() => logqCorrectedLogits(new Float32Array(3), 2, 1, new Float32Array(2))).toThrow(/cos has 3 entries, expected B×B = 4/);
    expect(() => logqCorrectedLogits(new Float32Array(4), 2, 1, new Float32Array(3))).toThrow(/logQ has 3 entries, expected B = 2/);
    expect(() => logqCorrectedLogits(new Float32Array(4), 2, 0, new Float32Array(2))).toThrow(/τ must be > 0/);
  });
});

describe('in-batch logits with extra hard negatives', () => {
  it('appends hardCos/τ columns without logQ after the corrected in-batch columns', () => {
    // B = 2, n = 1, τ = 0.5, p = (0.5, 0.25): −log p = (0.693147, 1.386294).
    // Row 0: 0.4/0.5 + 0.693147 = 1.493147; 0.2/0.5 + 1.386294 = 1.786294; hard 0.3/0.5 = 0.6.
    // Row 1: masked (column 0);              0.6/0.5 + 1.386294 = 2.586294; hard −0.1/0.5 = −0.2.
    const got = Array.from(
      inBatchWithHardLogits(Float32Array.of(0.4, 0.2, 0.1, 0.6), 2, Float32Array.of(0.3, -0.1), 1, 0.5, Float32Array.of(Math.log(0.5), Math.log(0.25)), Uint8Array.of(0, 0, 1, 0)),
    );
    const want = [1.493147, 1.786294, 0.6, MASKED_LOGIT, 2.586294, -0.2];
    got.forEach((v, k) => expect(v).toBeCloseTo(want[k], 4));
  });
});
