import { describe, expect, it } from 'vitest';

import { loadDataset } from '../../../src/core/data/load';
import { experiment } from './experiment';

// The real MovieLens latest-small, read as it comes (never copied into the repo).
const RATINGS = '../shared/data/ml-latest-small/ratings.csv';

describe('MovieLens latest-small', () => {
  it('loads with the numbers of its README: 100836 ratings, 610 users, 9724 rated movies', async () => {
    const warnings: string[] = [];
    const ds = await loadDataset(
      experiment({
        data: { interactions: { path: RATINGS, format: 'auto' }, positive: { rule: 'rating_at_least', threshold: 4 }, split: { method: 'leave_last_n', n: 1 } },
        item_tower: { categorical: [{ name: 'genres' }], continuous: [{ name: 'year', buckets: 8 }] },
      }),
      'movielens.tower.yaml', // an experiment file at the repo root: the path is relative to it
      { onWarning: (m) => warnings.push(m) },
    );
    // README.txt: "100836 ratings … across 9742 movies … created by 610 users"; 9724 of the movies are rated.
    // If these fail by one row, the file is not the README's: look at its last lines.
    expect(ds.stats.rows, 'ratings in ratings.csv (README: 100836)').toBe(100836);
    expect(ds.users.size - 1, 'distinct users (README: 610)').toBe(610);
    expect(ds.items.size - 1, 'distinct rated movies (9724)').toBe(9724);
    // Ratings ≥ 4: 48580 (awk -F, 'NR>1 && $3>=4' ratings.csv | wc -l); user 442 has none.
    expect(ds.stats.positives).toBe(48580);
    expect(ds.stats.usersWithoutTrainingPositives).toBe(1);
    // leave_last_n 1: the 608 users with ≥ 2 positives hold out their last one (the one user with a single
    // positive keeps it for training); some held-out items are unseen in training and dropped.
    expect(ds.test.users.length + ds.stats.droppedTestUnseen).toBe(608);
    expect(ds.train.users.length).toBe(48580 - 608);
    // Every rated movie has a row in movies.csv, so no warning about missing feature rows.
    expect(warnings.filter((w) => w.includes('have no row in'))).toEqual([]);
    const genres = ds.itemFeatures.categorical[0];
    expect(genres.vocabulary.ids.slice(0, 3)).toEqual(['<oov>', 'Adventure', 'Comedy']);
    expect(ds.itemFeatures.continuous[0].bucketCount).toBe(8);
  });
});
