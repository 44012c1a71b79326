import { describe, expect, it } from 'vitest';

import { logDecadeRange } from '../../../src/webview/model/logRange';

describe('logDecadeRange: a log axis spans whole decades around the data', () => {
  it('values within one decade get that decade, values across several get all of them', () => {
    expect(logDecadeRange(2040.2, 8123)).toEqual([1000, 10000]);
    expect(logDecadeRange(0.12, 4.7)).toEqual([0.1, 10]);
    expect(logDecadeRange(3, 3)).toEqual([1, 10]);
  });
  it('a value exactly on a power of ten stays inside; the range is never empty', () => {
    expect(logDecadeRange(100, 100)).toEqual([100, 1000]);
    expect(logDecadeRange(10, 1000)).toEqual([10, 1000]);
  });
  it('non-positive or missing data fall back to [1, 10] or to the positive end', () => {
    expect(logDecadeRange(null, null)).toEqual([1, 10]);
    expect(logDecadeRange(-1, 0)).toEqual([1, 10]);
    expect(logDecadeRange(0, 50)).toEqual([10, 100]);
  });
});
