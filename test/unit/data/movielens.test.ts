import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { loadDataset } from '../../../src/core/data/load';
import { experiment } from './experiment';

// The real MovieLens latest-small, read as it comes (never copied into the repo).
const RATINGS = '../shared/data/ml-latest-small/ratings.csv';
const MOVIES = '../shared/data/ml-latest-small/movies.csv';

/**
 * Counts taken from the file by the plainest possible parse (no quotes in ratings.csv), independent of
 * the loader. README.txt says 100836 ratings by 610 users; the copy here may carry extra rows (one seen
 * so far: `999,999999,5.0,…` appended without a final newline, a movie that movies.csv does not have),
 * so the test checks the loader against the file as it is, and the README's figures as a floor.
 */
function countsFromFile() {
  const rows = readFileSync(RATINGS, 'utf8').split('\n').slice(1).filter((line) => line.trim() !== '').map((line) => line.split(','));
  const movieIds = new Set(readFileSync(MOVIES, 'utf8').split('\n').slice(1).map((line) => line.split(',')[0]));
  const positivesPerUser = new Map<string, number>();
  for (const [user, , rating] of rows) positivesPerUser.set(user, (positivesPerUser.get(user) ?? 0) + (Number(rating) >= 4 ? 1 : 0));
  const perUser = [...positivesPerUser.values()];
  return {
    rows: rows.length,
    users: new Set(rows.map((r) => r[0])).size,
    items: new Set(rows.map((r) => r[1])).size,
    positives: perUser.reduce((a, b) => a + b, 0),
    usersWithoutPositives: perUser.filter((n) => n === 0).length,
    usersWithHeldOut: perUser.filter((n) => n >= 2).length,
    itemsWithoutMovieRow: [...new Set(rows.map((r) => r[1]))].filter((id) => !movieIds.has(id)),
  };
}

describe('MovieLens latest-small', () => {
  it('loads every row of ratings.csv as it is, with movies.csv features, and warns about ratings of unknown movies', async () => {
    const expected = countsFromFile();
    // README.txt: "100836 ratings … created by 610 users"; 9724 of the movies are rated.
    expect(expected.rows).toBeGreaterThanOrEqual(100836);
    expect(expected.users).toBeGreaterThanOrEqual(610);
    const warnings: string[] = [];
    const ds = await loadDataset(
      experiment({
        data: { interactions: { path: RATINGS, format: 'auto' }, positive: { rule: 'rating_at_least', threshold: 4 }, split: { method: 'leave_last_n', n: 1 } },
        item_tower: { categorical: [{ name: 'genres' }], continuous: [{ name: 'year', buckets: 8 }] },
      }),
      'movielens.tower.yaml', // an experiment file at the repo root: the path is relative to it
      { onWarning: (m) => warnings.push(m) },
    );
    expect(ds.stats.rows).toBe(expected.rows);
    expect(ds.users.size - 1).toBe(expected.users);
    expect(ds.items.size - 1).toBe(expected.items);
    // On the README's file: 48580 ratings ≥ 4 (awk -F, 'NR>1 && $3>=4' ratings.csv | wc -l); user 442 has none.
    expect(ds.stats.positives).toBe(expected.positives);
    expect(ds.stats.usersWithoutTrainingPositives).toBe(expected.usersWithoutPositives);
    // leave_last_n 1: users with ≥ 2 positives hold out their last one (608 on the README's file); a user
    // with a single positive keeps it for training; held-out items unseen in training are dropped.
    expect(ds.test.users.length + ds.stats.droppedTestUnseen).toBe(expected.usersWithHeldOut);
    expect(ds.train.users.length).toBe(expected.positives - expected.usersWithHeldOut);
    // A rated movie without a row in movies.csv is named in a warning (and gets the OOV features).
    const missingRowWarnings = warnings.filter((w) => w.includes('have no row in'));
    if (expected.itemsWithoutMovieRow.length === 0) expect(missingRowWarnings).toEqual([]);
    else expect(missingRowWarnings.join('\n')).toContain(`'${expected.itemsWithoutMovieRow[0]}'`);
    const genres = ds.itemFeatures.categorical[0];
    expect(genres.vocabulary.ids.slice(0, 3)).toEqual(['<oov>', 'Adventure', 'Comedy']);
    expect(ds.itemFeatures.continuous[0].bucketCount).toBe(8);
  });
});
