import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { SyntheticConfig } from '../../../src/core/config/schema';
import type { Dataset } from '../../../src/core/data/dataset';
import { loadDataset } from '../../../src/core/data/load';
import { generateSynthetic, syntheticLogMaxRank, trueScore, trueScores } from '../../../src/core/data/synthetic';
import { syntheticCsv, writeSynthetic } from '../../../src/core/data/syntheticTables';
import { buildUserPositiveIndex, poolsFromRankingLog } from '../../../src/core/sampling';
import { experiment } from './experiment';

const SMALL: SyntheticConfig = { users: 300, items: 200, latent_dim: 8, zipf_exponent: 1, impressions_per_user: 30, click_temperature: 0.5, ranking_log: true };

const TOWERS = {
  user_tower: { categorical: [{ name: 'segment' }], continuous: [{ name: 'age' }, { name: 'activity', normalize: 'log' }] },
  item_tower: { categorical: [{ name: 'category' }], continuous: [{ name: 'price', normalize: 'log' }, { name: 'age_days', buckets: 4 }] },
};

/** Share of clicks taken by the top 20% of items. */
function headShare(clicks: ArrayLike<number>): number {
  const sorted = Array.from(clicks).sort((a, b) => b - a);
  const total = sorted.reduce((a, b) => a + b, 0);
  return sorted.slice(0, Math.ceil(sorted.length * 0.2)).reduce((a, b) => a + b, 0) / total;
}

describe('generateSynthetic', () => {
  it('is deterministic: the same seed gives the same bytes, another seed other bytes', () => {
    const a = syntheticCsv(generateSynthetic(SMALL, 5));
    const b = syntheticCsv(generateSynthetic(SMALL, 5));
    const c = syntheticCsv(generateSynthetic(SMALL, 6));
    expect(Object.keys(a)).toEqual(['interactions.csv', 'users.csv', 'items.csv', 'ranking_log.csv']);
    expect(b).toEqual(a);
    expect(c['interactions.csv']).not.toEqual(a['interactions.csv']);
  });

  it('turning the ranking log off does not change the interactions', () => {
    const withLog = syntheticCsv(generateSynthetic(SMALL, 5));
    const without = syntheticCsv(generateSynthetic({ ...SMALL, ranking_log: false }, 5));
    expect(without['ranking_log.csv']).toBeUndefined();
    expect(without['interactions.csv']).toEqual(withLog['interactions.csv']);
  });

  it('has Zipf popularity: the top 20% of items take most clicks, more so with a larger exponent', () => {
    const steep = generateSynthetic({ ...SMALL, zipf_exponent: 1.2 }, 1);
    const flat = generateSynthetic({ ...SMALL, zipf_exponent: 0 }, 1);
    const clicksPerItem = (d: typeof steep) => {
      const c = new Float64Array(d.items.ids.length);
      d.interactions.item.forEach((i, r) => (c[i] += d.interactions.clicked[r]));
      return c;
    };
    expect(headShare(clicksPerItem(steep))).toBeGreaterThan(0.5);
    expect(headShare(clicksPerItem(steep))).toBeGreaterThan(headShare(clicksPerItem(flat)) + 0.1);
  });

  it('clicks follow the latent scores', () => {
    const d = generateSynthetic(SMALL, 2);
    let clicked = 0;
    let clickedN = 0;
    let skipped = 0;
    let skippedN = 0;
    for (let r = 0; r < d.interactions.user.length; r++) {
      const s = trueScore(d, d.interactions.user[r], d.interactions.item[r]);
      if (d.interactions.clicked[r]) {
        clicked += s;
        clickedN++;
      } else {
        skipped += s;
        skippedN++;
      }
    }
    expect(clickedN).toBeGreaterThan(0);
    expect(skippedN).toBeGreaterThan(0);
    // P(click) = sigmoid((s − 1)/0.5) rises steeply with s, so clicked rows score higher on average.
    expect(clicked / clickedN).toBeGreaterThan(skipped / skippedN + 0.5);
  });

  it('exposes the true scores: u·v of the latent vectors', () => {
    const d = generateSynthetic({ ...SMALL, users: 3, items: 4, latent_dim: 2 }, 3);
    const u = 1;
    const i = 2;
    const expected = d.users.latent[u * 2] * d.items.latent[i * 2] + d.users.latent[u * 2 + 1] * d.items.latent[i * 2 + 1];
    expect(trueScore(d, u, i)).toBeCloseTo(expected, 6);
    expect(trueScores(d, u)[i]).toBeCloseTo(expected, 6);
  });

  it('writes a ranking log: 50 nominated items ranked 0..49, all but the top 10 discarded, then a sample of the deeper ranks', () => {
    const d = generateSynthetic(SMALL, 4);
    const log = d.rankingLog!;
    const rowsOf = (request: number): number[] => Array.from(log.request.keys()).filter((r) => log.request[r] === request);
    const first = rowsOf(0);
    for (let r = 0; r < 50; r++) {
      expect(log.rank[first[r]]).toBe(r);
      expect(log.discarded[first[r]]).toBe(r >= 10 ? 1 : 0);
    }
    // Items are distinct within a request, and deeper rows are discarded, in rank order, below the catalogue's size.
    expect(new Set(first.map((r) => log.item[r])).size).toBe(first.length);
    const deep = first.slice(50).map((r) => log.rank[r]);
    expect(deep.length).toBeGreaterThan(0);
    expect(deep).toEqual([...deep].sort((a, b) => a - b));
    expect(deep[0]).toBeGreaterThanOrEqual(50);
    expect(deep.at(-1)).toBeLessThan(SMALL.items);
    for (const r of first.slice(50)) expect(log.discarded[r]).toBe(1);
    // One in 32 of the 150 items behind the nominated 50: about 4.7 per request.
    const perRequest = log.request.length / SMALL.users;
    expect(perRequest).toBeGreaterThan(50 + 3);
    expect(perRequest).toBeLessThan(50 + 7);
  });

  it('ranks a deep item behind every nominated item and every other item of higher latent score', () => {
    const d = generateSynthetic(SMALL, 4);
    const log = d.rankingLog!;
    let checked = 0;
    for (let u = 0; u < 20; u++) {
      const rows = Array.from(log.request.keys()).filter((r) => log.request[r] === u);
      const nominated = new Set(rows.filter((r) => log.rank[r] < 50).map((r) => log.item[r]));
      const scores = trueScores(d, u);
      for (const r of rows.filter((row) => log.rank[row] >= 50)) {
        const k = log.item[r];
        let ahead = 0;
        for (let j = 0; j < SMALL.items; j++) if (!nominated.has(j) && (scores[j] > scores[k] || (scores[j] === scores[k] && j < k))) ahead++;
        expect(log.rank[r]).toBe(50 + ahead);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('reaches rank 999 on a catalogue of 1000 items, and no deeper on a larger one', () => {
    const maxRank = (items: number) => generateSynthetic({ ...SMALL, users: 40, items }, 9).rankingLog!.rank.reduce((a, b) => Math.max(a, b), 0);
    expect(syntheticLogMaxRank(1000)).toBe(999);
    expect(syntheticLogMaxRank(200)).toBe(199);
    // 40 requests × ~30 sampled ranks in 50..999: the deepest is near the end.
    expect(maxRank(1000)).toBeGreaterThan(950);
    expect(maxRank(1000)).toBeLessThanOrEqual(999);
    expect(maxRank(1500)).toBeLessThanOrEqual(999);
  });

  it('gives both default hard-negative bands, [10, 50) and [100, 500), candidates for most users', async () => {
    const cfg = { ...SMALL, items: 1000 };
    const ds = await loadDataset(experiment({ data: { synthetic: cfg, seed: 3 } }), '/tmp/x.tower.yaml');
    const positives = buildUserPositiveIndex(ds);
    const usersWithPositives = Array.from({ length: ds.users.size }, (_, u) => u).filter((u) => positives.offsets[u + 1] > positives.offsets[u]);
    for (const band of [[10, 50], [100, 500]] as const) {
      const pools = poolsFromRankingLog(ds.rankingLog!, ds.users.size, positives, [band]);
      const covered = usersWithPositives.filter((u) => pools.offsets[u + 1] > pools.offsets[u]).length;
      expect(covered / usersWithPositives.length, `band [${band[0]}, ${band[1]})`).toBeGreaterThan(0.95);
    }
  });
});

describe('synthetic data in memory and through files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ttl-synthetic-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const comparable = (ds: Dataset) => ({ ...ds, stats: { ...ds.stats, source: '', warnings: [] } });

  it('writeSynthetic writes the four files; reading them back gives the same Dataset as data.synthetic', async () => {
    const seed = 11;
    const written = await writeSynthetic(dir, generateSynthetic(SMALL, seed));
    expect(written.map((p) => p.slice(dir.length + 1))).toEqual(['interactions.csv', 'users.csv', 'items.csv', 'ranking_log.csv']);
    expect((await readFile(join(dir, 'interactions.csv'), 'utf8')).split('\n')[0]).toBe('user_id,item_id,timestamp,impressed,clicked');

    const split = { method: 'leave_last_n', n: 1 };
    const memory = await loadDataset(experiment({ data: { synthetic: SMALL, seed, split }, ...TOWERS }), join(dir, 'x.tower.yaml'));
    const files = await loadDataset(
      experiment({
        data: {
          interactions: { path: 'interactions.csv', format: 'auto', columns: { user: 'user_id', item: 'item_id', timestamp: 'timestamp', impressed: 'impressed', clicked: 'clicked' } },
          user_features: { path: 'users.csv', format: 'auto', key: 'user_id' },
          item_features: { path: 'items.csv', format: 'auto', key: 'item_id' },
          ranking_log: { path: 'ranking_log.csv', format: 'auto', columns: {} },
          seed,
          split,
        },
        ...TOWERS,
      }),
      join(dir, 'x.tower.yaml'),
    );
    expect(comparable(files)).toEqual(comparable(memory));
    expect(memory.stats.impressedNotClicked).toBeGreaterThan(0);
    expect(memory.rankingLog!.items.length).toBe(generateSynthetic(SMALL, seed).rankingLog!.request.length);
    expect(memory.userFeatures.categorical[0].vocabulary.size).toBe(5); // <oov> + segments s0..s3
  });
});
