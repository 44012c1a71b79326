import { describe, expect, it } from 'vitest';
import { lineWidth, valuedPoints } from '../../../src/webview/model/lineWidth';

describe('lineWidth', () => {
  it('draws a line of more than one point per 4 px one device pixel wide, and a sparser one at its own weight', () => {
    // A 600 px plot: 150 points is one per 4 px (sparse, kept), 151 is denser (hairline).
    expect(lineWidth('run', 150, 600, 1)).toBe(1.75);
    expect(lineWidth('run', 151, 600, 1)).toBe(1);
    expect(lineWidth('baseline', 2, 600, 1)).toBe(1.5);
    expect(lineWidth('baseline', 1200, 600, 1)).toBe(1);
  });

  it('keeps the hairline one device pixel on a high-density display', () => {
    expect(lineWidth('run', 1200, 600, 2)).toBe(0.5);
    expect(lineWidth('run', 1200, 600, 3)).toBeCloseTo(1 / 3, 12);
    // A pixel ratio below 1 (zoomed out) still draws one device pixel at most a CSS pixel wide.
    expect(lineWidth('run', 1200, 600, 0.5)).toBe(1);
  });

  it('counts only the points that have a value', () => {
    expect(valuedPoints([1, null, 2, undefined, 0])).toBe(3);
    expect(valuedPoints([])).toBe(0);
  });
});
