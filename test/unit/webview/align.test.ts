import { describe, expect, it } from 'vitest';
import { alignSeries } from '../../../src/webview/model/align';

describe('alignSeries', () => {
  it('merges different x values into one ascending axis with nulls where a series has no point', () => {
    const out = alignSeries([
      { x: [1, 3, 5], y: [10, 30, 50] },
      { x: [2, 3], y: [20, 31] },
    ]);
    expect(out.x).toEqual([1, 2, 3, 5]);
    expect(out.ys).toEqual([
      [10, null, 30, 50],
      [null, 20, 31, null],
    ]);
  });

  it('takes the shared x as it is when every series logged the same steps', () => {
    const x = [4, 8];
    const out = alignSeries([
      { x, y: [1, 2] },
      { x: [4, 8], y: [3, NaN] },
    ]);
    expect(out.x).toEqual([4, 8]);
    expect(out.ys).toEqual([
      [1, 2],
      [3, null],
    ]);
  });

  it('turns non-finite y into gaps and handles no series', () => {
    expect(alignSeries([{ x: [1, 2], y: [Infinity, 2] }, { x: [2], y: [1] }]).ys[0]).toEqual([null, 2]);
    expect(alignSeries([])).toEqual({ x: [], ys: [] });
  });
  it('takes the longest x when the others log the same steps but fewer (live runs at different points)', () => {
    const out = alignSeries([
      { x: [1, 2], y: [10, NaN] },
      { x: [1, 2, 3], y: [11, 21, 31] },
    ]);
    expect(out.x).toEqual([1, 2, 3]);
    expect(out.ys).toEqual([
      [10, null, null],
      [11, 21, 31],
    ]);
  });
});
