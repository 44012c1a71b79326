import { describe, expect, it } from 'vitest';
import { emaSmooth } from '../../../src/webview/model/ema';

describe('emaSmooth', () => {
  it('debiases like TensorBoard', () => {
    // w = 0.5, values [1, 2, 4]:
    // n=1: last = 0.5·0 + 0.5·1 = 0.5,  / (1 − 0.5)   = 1
    // n=2: last = 0.5·0.5 + 0.5·2 = 1.25, / (1 − 0.25) = 1.6667
    // n=3: last = 0.5·1.25 + 0.5·4 = 2.625, / (1 − 0.125) = 3
    const out = emaSmooth([1, 2, 4], 0.5);
    expect(out[0]).toBeCloseTo(1, 12);
    expect(out[1]).toBeCloseTo(5 / 3, 12);
    expect(out[2]).toBeCloseTo(3, 12);
  });

  it('returns the values unchanged at weight 0', () => {
    expect(emaSmooth([3, 1, 2], 0)).toEqual([3, 1, 2]);
  });

  it('keeps a NaN as a gap without poisoning later points', () => {
    // w = 0.5, [2, NaN, 2]: n=1 → 2; NaN stays; n=2: last = 0.5·1 + 0.5·2 = 1.5, / 0.75 = 2.
    const out = emaSmooth([2, NaN, 2], 0.5);
    expect(out[0]).toBeCloseTo(2, 12);
    expect(out[1]).toBeNaN();
    expect(out[2]).toBeCloseTo(2, 12);
  });

  it('refuses a weight outside [0, 1) and says the allowed range', () => {
    expect(() => emaSmooth([1], 1)).toThrow(/outside \[0, 1\).*at most 0\.99/);
    expect(() => emaSmooth([1], -0.1)).toThrow(/outside \[0, 1\)/);
  });
});

describe('EmaCache', () => {
  it('extends the smoothing as points are appended, equal to smoothing from scratch', async () => {
    const { EmaCache } = await import('../../../src/webview/model/ema');
    const cache = new EmaCache();
    const key = {};
    const values = [1, 2];
    expect(Array.from(cache.smooth(key, values, 0.5, 0))).toEqual(emaSmooth([1, 2], 0.5));
    values.push(4);
    // Same as the hand-derived [1, 5/3, 3] above.
    expect(cache.smooth(key, values, 0.5, 0)[2]).toBeCloseTo(3, 12);
    // A resume replaced the last point: a new generation starts over.
    values[2] = 2;
    expect(Array.from(cache.smooth(key, values, 0.5, 1))).toEqual(emaSmooth([1, 2, 2], 0.5));
  });
});
