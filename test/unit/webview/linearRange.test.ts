import { describe, expect, it } from 'vitest';

import { linearTicks } from '../../../src/webview/model/linearRange';

describe('linearTicks: a linear axis from a label to a label, labels 1, 2 or 5 × 10^n apart', () => {
  it('by hand: a throughput of 6k–14k (uPlot gave it the one label 10,000 on a short chart)', () => {
    expect(linearTicks(6123, 13987)).toEqual({ range: [5000, 15000], ticks: [5000, 10000, 15000] });
  });
  it('by hand: a loss of 2.3–3.5, a recall of 0.02–0.31, negative values', () => {
    expect(linearTicks(2.3, 3.5)).toEqual({ range: [2, 3.5], ticks: [2, 2.5, 3, 3.5] });
    expect(linearTicks(0.02, 0.31)).toEqual({ range: [0, 0.4], ticks: [0, 0.1, 0.2, 0.3, 0.4] });
    expect(linearTicks(-3, 1)).toEqual({ range: [-4, 2], ticks: [-4, -2, 0, 2] });
  });
  it('a flat series gets a span around it; missing data a unit range', () => {
    expect(linearTicks(5, 5)).toEqual({ range: [4.5, 5.5], ticks: [4.5, 5, 5.5] });
    expect(linearTicks(0, 0)).toEqual({ range: [-0.5, 0.5], ticks: [-0.5, 0, 0.5] });
    expect(linearTicks(null, null).ticks.length).toBeGreaterThanOrEqual(2);
  });
  it('always at least two labels, and every value between the first and the last, over many spans', () => {
    for (let i = 0; i < 2000; i++) {
      const a = (Math.random() - 0.3) * 10 ** (Math.random() * 8 - 3);
      const b = a + Math.random() * 10 ** (Math.random() * 8 - 3);
      const { range, ticks } = linearTicks(a, b);
      expect(ticks.length).toBeGreaterThanOrEqual(2);
      expect(ticks.length).toBeLessThanOrEqual(6);
      expect(range[0]).toBeLessThanOrEqual(a);
      expect(range[1]).toBeGreaterThanOrEqual(b);
      expect(ticks[0]).toBe(range[0]);
      expect(ticks[ticks.length - 1]).toBe(range[1]);
    }
  });
});
