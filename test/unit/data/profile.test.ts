/** The data profile's numbers on tiny inputs, derived by hand. */
import { describe, expect, it } from 'vitest';

import type { Dataset } from '../../../src/core/data/dataset';
import { formatProfile, gini, profileDataset, quantile, rankFrequencySparkline, rankFrequencySvg, topShare } from '../../../src/core/data/profile';
import { vocabularyOf } from '../../../src/core/data/vocabulary';

describe('profile statistics', () => {
  it('quantile by nearest rank', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2); // ceil(0.5 × 4) = 2nd value
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantile(Array.from({ length: 20 }, (_, i) => i + 1), 0.95)).toBe(19); // ceil(19) = 19th
    expect(quantile([], 0.5)).toBe(0);
  });

  it('top share takes at least one item', () => {
    // 10 items, total 100: top 20% = 2 items = 40 + 20; top 1% rounds up to 1 item = 40.
    const d = [40, 20, 10, 10, 5, 5, 4, 3, 2, 1];
    expect(topShare(d, 100, 0.2)).toBeCloseTo(0.6, 12);
    expect(topShare(d, 100, 0.01)).toBeCloseTo(0.4, 12);
  });

  it('Gini: 0 for equal values, (n−1)/n when one holds all', () => {
    expect(gini([3, 3, 3, 3])).toBeCloseTo(0, 12);
    expect(gini([0, 0, 0, 8])).toBeCloseTo(0.75, 12);
    // [1, 2, 3]: 2·(1·1 + 2·2 + 3·3)/(3·6) − 4/3 = 28/18 − 24/18 = 2/9.
    expect(gini([3, 1, 2])).toBeCloseTo(2 / 9, 12);
  });

  it('the sparkline falls with rank on log-log axes; the SVG is a polyline with escaped title', () => {
    const freq = [100, 50, 33, 25, 20, 16, 14, 12, 11, 10];
    const line = rankFrequencySparkline(freq, 5);
    expect(line).toHaveLength(5);
    expect(line[0]).toBe('█');
    expect(line.at(-1)).toBe('▁');
    const svg = rankFrequencySvg(freq, 'a<b');
    expect(svg).toContain('<polyline');
    expect(svg).toContain('a&#60;b');
  });
});

describe('profileDataset', () => {
  it('counts, positives per user, popularity and the split', () => {
    // Users 1..3, items 1..4. Train: u1→1,2; u2→1; u3→1,3. Test: u1→3, u2→2. Item clicks (train): 1:3, 2:1, 3:1, 4:0.
    const ds = {
      users: vocabularyOf(['a', 'b', 'c']),
      items: vocabularyOf(['w', 'x', 'y', 'z']),
      train: { users: Int32Array.from([1, 1, 2, 3, 3]), items: Int32Array.from([1, 2, 1, 1, 3]) },
      test: { users: Int32Array.from([1, 2]), items: Int32Array.from([3, 2]) },
      itemClicks: Float64Array.from([0, 3, 1, 1, 0]),
      stats: { rows: 9, positives: 8, impressedNotClicked: 1, droppedTestUnseen: 1, source: '/x/log.csv', usersWithoutTrainingPositives: 0, warnings: [] },
    } as unknown as Dataset;
    const p = profileDataset(ds, 0.25);
    expect(p).toMatchObject({ rows: 9, users: 3, items: 4, positives: 8, split: { train: 5, test: 2, droppedTestUnseen: 1 } });
    // Positives per user: u1 3, u2 2, u3 2 → sorted [2, 2, 3]: median (2nd) 2, p95 (3rd) 3.
    expect(p.positivesPerUser).toEqual({ median: 2, p95: 3, max: 3 });
    // Clicks descending [3, 1, 1, 0], total 5: top 1% and 5% = 1 item = 3/5; top 20% = ceil(0.8) = 1 item = 3/5.
    expect(p.popularity.top1).toBeCloseTo(0.6, 12);
    expect(p.popularity.top20).toBeCloseTo(0.6, 12);
    // Gini of [0, 1, 1, 3]: 2·(0 + 2 + 3 + 12)/(4·5) − 5/4 = 34/20 − 25/20 = 0.45.
    expect(p.popularity.gini).toBeCloseTo(0.45, 12);
    expect(p.popularity.itemsWithClicks).toBe(3);
    expect(p.rankFrequency).toEqual([3, 1, 1]);
    const text = formatProfile(p);
    expect(text).toMatch(/held out, dropped\s+1: their user or item never appears in the training split/);
    expect(text).toMatch(/positives per user\s+median 2, p95 3/);
    expect(text).toMatch(/loaded in 0\.25 s/);
  });
});
