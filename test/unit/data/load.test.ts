import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { loadDataset } from '../../../src/core/data/load';
import { experiment } from './experiment';

const FIXTURES = fileURLToPath(new URL('../../fixtures/data/', import.meta.url));
const EXPERIMENT_FILE = `${FIXTURES}tiny.tower.yaml`;

const tiny = (data: Record<string, unknown> = {}, towers: { user_tower?: Record<string, unknown>; item_tower?: Record<string, unknown> } = {}) =>
  experiment({ data: { interactions: { path: 'tiny/interactions.csv', format: 'auto' }, ...data }, ...towers });

// tiny/interactions.csv (line: user,item,time,impressed,clicked), a blank line 7:
//   2 alice,i1,100,1,1   3 alice,i2,200,1,0   4 alice,i3,300,1,1   5 bob,i1,150,1,1
//   6 bob,i3,250,1,1     8 bob,i4,350,1,1     9 carol,i2,120,1,1   10 carol,i4,220,1,0
// Vocabularies by first appearance: users <oov>,alice,bob,carol; items <oov>,i1,i2,i3,i4.
// Positives (clicked): alice-i1@100, alice-i3@300, bob-i1@150, bob-i3@250, bob-i4@350, carol-i2@120.

describe('loadDataset on a tiny interaction log', () => {
  it('builds vocabularies over the whole file, with <oov> at index 0', async () => {
    const ds = await loadDataset(tiny(), EXPERIMENT_FILE);
    expect(ds.users.ids).toEqual(['<oov>', 'alice', 'bob', 'carol']);
    expect(ds.items.ids).toEqual(['<oov>', 'i1', 'i2', 'i3', 'i4']);
    expect(ds.users.size).toBe(4);
    expect(ds.items.lookup('i3')).toBe(3);
    expect(ds.items.lookup('nope')).toBe(0);
  });

  it('keeps impressed-but-not-clicked rows out of the positives and counts them', async () => {
    const ds = await loadDataset(tiny({ split: { method: 'random', test_fraction: 0.01 } }), EXPERIMENT_FILE);
    // 8 rows; alice-i2 and carol-i4 were impressed and not clicked. round(6 × 0.01) = 0 held out.
    expect(ds.stats.rows).toBe(8);
    expect(ds.stats.positives).toBe(6);
    expect(ds.stats.impressedNotClicked).toBe(2);
    const pairs = Array.from(ds.train.users, (u, k) => `${ds.users.ids[u]}-${ds.items.ids[ds.train.items[k]]}`);
    expect(pairs).toEqual(['alice-i1', 'alice-i3', 'bob-i1', 'bob-i3', 'bob-i4', 'carol-i2']);
    expect(pairs).not.toContain('alice-i2');
    expect(pairs).not.toContain('carol-i4');
  });

  it('leave_last_n holds out each user\'s last positive by time and drops test items unseen in training', async () => {
    const ds = await loadDataset(tiny({ split: { method: 'leave_last_n', n: 1 } }), EXPERIMENT_FILE);
    // alice's last is i3@300 (kept: bob trains on i3); bob's last is i4@350 (dropped: i4 has no training
    // positive, carol's i4 was not clicked); carol has one positive, so it stays in training.
    expect(Array.from(ds.train.users)).toEqual([1, 2, 2, 3]);
    expect(Array.from(ds.train.items)).toEqual([1, 1, 3, 2]);
    expect(Array.from(ds.train.timestamps!)).toEqual([100, 150, 250, 120]);
    expect(Array.from(ds.test.users)).toEqual([1]);
    expect(Array.from(ds.test.items)).toEqual([3]);
    expect(ds.stats.droppedTestUnseen).toBe(1);
    // Training positives per item: i1 ×2 (alice, bob), i2 ×1 (carol), i3 ×1 (bob), i4 none.
    expect(Array.from(ds.itemClicks)).toEqual([0, 2, 1, 1, 0]);
  });

  it('time_cut at an absolute time, an ISO date and a quantile', async () => {
    // Cut 260: held out alice-i3@300 (kept) and bob-i4@350 (i4 unseen: dropped).
    const abs = await loadDataset(tiny({ split: { method: 'time_cut', cut: 260 } }), EXPERIMENT_FILE);
    expect(Array.from(abs.test.items)).toEqual([3]);
    expect(abs.stats.droppedTestUnseen).toBe(1);
    expect(abs.train.users.length).toBe(4);
    const iso = await loadDataset(tiny({ split: { method: 'time_cut', cut: '1970-01-01T00:04:20Z' } }), EXPERIMENT_FILE);
    expect(iso.test).toEqual(abs.test);
    // Quantile 0.5 of the 6 positive times 100,120,150,250,300,350: t_(⌈3⌉) = 150, so 250, 300, 350
    // are held out; i3 and i4 then have no training positive, so all three are dropped.
    const q = await loadDataset(tiny({ split: { method: 'time_cut', cut: 0.5 } }), EXPERIMENT_FILE);
    expect(Array.from(q.train.timestamps!)).toEqual([100, 150, 120]);
    expect(q.test.users.length).toBe(0);
    expect(q.stats.droppedTestUnseen).toBe(3);
  });

  it('random split is seeded: the same seed gives the same split, sizes follow test_fraction', async () => {
    const a = await loadDataset(tiny({ seed: 7, split: { method: 'random', test_fraction: 0.5 } }), EXPERIMENT_FILE);
    const b = await loadDataset(tiny({ seed: 7, split: { method: 'random', test_fraction: 0.5 } }), EXPERIMENT_FILE);
    expect(a.train).toEqual(b.train);
    expect(a.test).toEqual(b.test);
    // round(6 × 0.5) = 3 held out; some may be dropped as unseen, never more than 3.
    expect(a.train.users.length).toBe(3);
    expect(a.test.users.length + a.stats.droppedTestUnseen).toBe(3);
    const seeds = await Promise.all(
      [1, 2, 3, 4, 5].map((seed) => loadDataset(tiny({ seed, split: { method: 'random', test_fraction: 0.5 } }), EXPERIMENT_FILE)),
    );
    const distinct = new Set(seeds.map((d) => Array.from(d.train.items).join(',') + '|' + Array.from(d.train.users).join(',')));
    expect(distinct.size).toBeGreaterThan(1);
  });

  it('warns about and counts users with no training positive', async () => {
    const warnings: string[] = [];
    // Cut 110: only alice-i1@100 trains; bob and carol have no training positive.
    const ds = await loadDataset(tiny({ split: { method: 'time_cut', cut: 110 } }), EXPERIMENT_FILE, { onWarning: (m) => warnings.push(m) });
    expect(ds.stats.usersWithoutTrainingPositives).toBe(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("2 user(s) have no training positive (e.g. 'bob', 'carol')");
    expect(ds.stats.warnings).toEqual(warnings);
  });

  it('applies rating_at_least with its threshold', async () => {
    const ds = await loadDataset(
      experiment({ data: { interactions: { path: 'tiny/explicit-ratings.csv', format: 'csv' }, positive: { rule: 'rating_at_least', threshold: 4 }, split: { method: 'random', test_fraction: 0.01 } } }),
      EXPERIMENT_FILE,
    );
    // Ratings 5, 3.5, 4, 2: rows u1-m1 (5) and u2-m1 (4) pass ≥ 4.
    expect(ds.stats.positives).toBe(2);
    expect(Array.from(ds.train.users, (u) => ds.users.ids[u])).toEqual(['u1', 'u2']);
    expect(Array.from(ds.train.items, (i) => ds.items.ids[i])).toEqual(['m1', 'm1']);
    // Vocabularies still hold every id of the file, positives or not.
    expect(ds.items.ids).toEqual(['<oov>', 'm1', 'm2', 'm3']);
  });

  it('joins user features: categorical vocabulary from the whole table, continuous z-scored with training statistics', async () => {
    const ds = await loadDataset(
      tiny(
        { split: { method: 'leave_last_n', n: 1 }, user_features: { path: 'tiny/users.csv', format: 'auto', key: 'user_id' } },
        { user_tower: { categorical: [{ name: 'country' }], continuous: [{ name: 'age', normalize: 'zscore' }, { name: 'age', normalize: 'minmax' }] } },
      ),
      EXPERIMENT_FILE,
    );
    const [country] = ds.userFeatures.categorical;
    // dave (not in the interactions) still brings 'it' into the vocabulary.
    expect(country.vocabulary.ids).toEqual(['<oov>', 'fr', 'de', 'it']);
    expect(Array.from(country.values)).toEqual([0, 1, 2, 1]);
    const [z, mm] = ds.userFeatures.continuous;
    // Training users alice 20, bob 30 (carol's age is missing): mean 25, population std 5.
    expect(z.stats).toEqual({ mean: 25, std: 5, min: 20, max: 30 });
    // alice (20−25)/5 = −1, bob +1, carol and <oov> imputed with the mean → 0.
    expect(Array.from(z.values)).toEqual([0, -1, 1, 0]);
    // minmax: alice 0, bob 1, carol imputed 25 → 0.5.
    expect(Array.from(mm.values)).toEqual([0.5, 0, 1, 0.5]);
  });

  it('joins item features: log normalisation and quantile buckets from the training items only', async () => {
    const ds = await loadDataset(
      tiny(
        { split: { method: 'leave_last_n', n: 1 }, item_features: { path: 'tiny/items.csv', format: 'csv', key: 'item_id' } },
        { item_tower: { categorical: [{ name: 'genre', max_vocab: 1 }], continuous: [{ name: 'price', normalize: 'log' }, { name: 'price', normalize: 'none', buckets: 2 }] } },
      ),
      EXPERIMENT_FILE,
    );
    const [genre] = ds.itemFeatures.categorical;
    // a and b appear twice each; max_vocab 1 keeps the first by first appearance: 'a'. 'b' → OOV.
    expect(genre.vocabulary.ids).toEqual(['<oov>', 'a']);
    expect(Array.from(genre.values)).toEqual([0, 1, 0, 1, 0]);
    const [logPrice, bucketed] = ds.itemFeatures.continuous;
    // Training items i1, i2, i3 (prices 1, 3, 7): log1p = ln2, ln4, ln8; mean ln4, std ln2·√(2/3).
    expect(logPrice.stats.mean).toBeCloseTo(Math.log(4), 12);
    expect(logPrice.stats.std).toBeCloseTo(Math.log(2) * Math.sqrt(2 / 3), 12);
    // i1: −ln2/(ln2·√(2/3)) = −√1.5 ≈ −1.2247; i4 (price 15, ln16): 2ln2/(ln2·√(2/3)) = √6 ≈ 2.4495.
    expect(logPrice.values[1]).toBeCloseTo(-Math.sqrt(1.5), 5);
    expect(logPrice.values[4]).toBeCloseTo(Math.sqrt(6), 5);
    // 2 buckets over the training prices [1, 3, 7]: boundary v[⌊1·3/2⌋] = 3; bucket = #boundaries ≤ x.
    expect(Array.from(bucketed.boundaries!)).toEqual([3]);
    expect(bucketed.bucketCount).toBe(2);
    // <oov> imputed with the training mean 11/3 → bucket 1; i1 (1) → 0; i2 (3), i3 (7), i4 (15) → 1.
    expect(Array.from(bucketed.bucketIds!)).toEqual([1, 0, 1, 1, 1]);
  });

  it('reads features from the interactions file when no table is given (last row per user wins)', async () => {
    const ds = await loadDataset(
      experiment({ data: { interactions: { path: 'tiny/clicks-with-device.csv', format: 'auto' }, split: { method: 'random', test_fraction: 0.01 } }, user_tower: { categorical: [{ name: 'device' }] } }),
      EXPERIMENT_FILE,
    );
    const [device] = ds.userFeatures.categorical;
    // Vocabulary over all rows: phone, desktop. alice's last row says desktop, bob's phone.
    expect(device.vocabulary.ids).toEqual(['<oov>', 'phone', 'desktop']);
    expect(Array.from(device.values)).toEqual([0, 2, 1]);
  });

  // tiny/clicks-with-held-out-features.csv (line: user,item,time,clicked,device,age,price):
  //   2 carol,i3,120,0,tablet,50,8   3 alice,i1,100,1,phone,30,2   4 alice,i2,200,1,phone,31,4
  //   5 bob,i2,150,1,desktop,40,4    6 bob,i3,250,1,desktop,41,8   7 bob,i1,350,1,desktop,42,2
  //   8 alice,i3,300,1,smart-tv,99,1000
  // leave_last_n (n = 1) holds out bob-i1@350 (line 7) and alice-i3@300 (line 8). Carol's row is not a
  // positive, so it is not held out and counts. The last training row of alice is line 4, of bob line 6,
  // of i1 line 3, of i2 line 5, of i3 line 6: the held-out 'smart-tv', 99 and 1000 appear nowhere.
  it('reads features from the interactions file from training rows only: held-out rows give no value', async () => {
    const ds = await loadDataset(
      experiment({
        data: { interactions: { path: 'tiny/clicks-with-held-out-features.csv', format: 'auto' }, split: { method: 'leave_last_n', n: 1 } },
        user_tower: { categorical: [{ name: 'device' }], continuous: [{ name: 'age', normalize: 'zscore' }] },
        item_tower: { continuous: [{ name: 'price', normalize: 'none' }] },
      }),
      EXPERIMENT_FILE,
    );
    const held = Array.from(ds.test.users, (u, k) => `${ds.users.ids[u]}-${ds.items.ids[ds.test.items[k]]}`);
    expect(held.sort()).toEqual(['alice-i3', 'bob-i1']);

    const [device] = ds.userFeatures.categorical;
    expect(device.vocabulary.ids).toEqual(['<oov>', 'tablet', 'phone', 'desktop']);
    const deviceOf = (user: string) => device.vocabulary.ids[device.values[ds.users.lookup(user)]];
    expect([deviceOf('alice'), deviceOf('bob'), deviceOf('carol')]).toEqual(['phone', 'desktop', 'tablet']);

    // Statistics over the users with a training positive (alice 31, bob 41): mean 36, std 5, max 41.
    const [age] = ds.userFeatures.continuous;
    expect(age.stats).toEqual({ mean: 36, std: 5, min: 31, max: 41 });
    // alice (31 − 36)/5 = −1, bob (41 − 36)/5 = 1.
    expect(age.values[ds.users.lookup('alice')]).toBeCloseTo(-1, 6);
    expect(age.values[ds.users.lookup('bob')]).toBeCloseTo(1, 6);

    const [price] = ds.itemFeatures.continuous;
    expect(['i1', 'i2', 'i3'].map((i) => price.values[ds.items.lookup(i)])).toEqual([2, 4, 8]);
    expect(price.stats.max).toBe(8);
  });

  it('reads a ranking log, mapping ids through the interaction vocabularies (unknown → 0)', async () => {
    const ds = await loadDataset(tiny({ ranking_log: { path: 'tiny/ranking_log.csv', format: 'auto', columns: {} } }), EXPERIMENT_FILE);
    const log = ds.rankingLog!;
    expect(Array.from(log.requests)).toEqual([0, 0, 0, 1]);
    expect(Array.from(log.users)).toEqual([1, 1, 1, 2]);
    // zz is not an item of the interactions.
    expect(Array.from(log.items)).toEqual([3, 4, 0, 2]);
    expect(Array.from(log.ranks)).toEqual([0, 1, 2, 0]);
    expect(Array.from(log.discarded)).toEqual([0, 1, 1, 0]);
  });

  it('reports progress phases in order', async () => {
    const phases: string[] = [];
    await loadDataset(tiny(), EXPERIMENT_FILE, { onProgress: (p) => phases.push(p.phase) });
    expect(phases).toEqual(['interactions', 'split', 'user_features', 'item_features', 'done']);
  });
});
