/** popularityRanks: leaderboard ranks by training clicks, derived by hand. */
import { describe, expect, it } from 'vitest';
import { popularityRanks } from '../../../src/core/sampling/popularity';

describe('popularityRanks', () => {
  it('ranks by clicks, 1 = most clicked; ties share the best rank of their group; row 0 (OOV) is 0', () => {
    // items 1..5 with clicks 2, 9, 5, 5, 0: order 2 (9), 3 and 4 (5, tied), 1 (2), 5 (0).
    expect(Array.from(popularityRanks(Float64Array.from([0, 2, 9, 5, 5, 0])))).toEqual([0, 4, 1, 2, 2, 5]);
  });

  it('cold items (no training click) share the rank after every clicked item', () => {
    expect(Array.from(popularityRanks(Float64Array.from([0, 0, 3, 0])))).toEqual([0, 2, 1, 2]);
    expect(Array.from(popularityRanks(Float64Array.from([0])))).toEqual([0]);
  });
});
