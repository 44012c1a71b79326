import { describe, expect, it } from 'vitest';
import { decimateAligned } from '../../../src/webview/model/decimate';

describe('decimateAligned', () => {
  it('keeps the first point and the last point of each bucket', () => {
    // n = 10, maxPoints = 4 → k = ceil(10 / 3) = 4: keep 0, then 3, 7, then the last (9).
    const x = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const out = decimateAligned({ x, ys: [x.map((v) => v * 10)] }, 4);
    expect(out.x).toEqual([0, 3, 7, 9]);
    expect(out.ys[0]).toEqual([0, 30, 70, 90]);
  });

  it('fills a gap at a kept x with the latest value inside its bucket', () => {
    // Kept indices 0, 3, 7, 9 (as above); the series has no point at 3 but has one at 2.
    const y = [1, null, 5, null, null, null, null, null, null, 9];
    expect(decimateAligned({ x: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], ys: [y] }, 4).ys[0]).toEqual([1, 5, null, 9]);
  });

  it('returns small data unchanged and refuses room for fewer than 2 points', () => {
    const data = { x: [1, 2], ys: [[1, 2]] };
    expect(decimateAligned(data, 5)).toBe(data);
    expect(() => decimateAligned(data, 1)).toThrow(/at least 2 points, got 1/);
  });
});
