import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Dataset } from '../../../src/core/data/dataset';
import { loadDataset } from '../../../src/core/data/load';
import { firstGenre, yearFromTitle } from '../../../src/core/data/readers/movielens';
import { openTable, resolveFormat } from '../../../src/core/data/readers/open';
import type { Cell } from '../../../src/core/data/readers/source';
import { experiment } from './experiment';

const FIXTURES = fileURLToPath(new URL('../../fixtures/data/', import.meta.url));
const EXPERIMENT_FILE = `${FIXTURES}tiny.tower.yaml`;

async function readAll(file: string, format: Parameters<typeof openTable>[1] = 'auto'): Promise<{ columns: readonly string[]; rows: Cell[][]; lines: number[] }> {
  const table = await openTable(file, format);
  const rows: Cell[][] = [];
  const lines: number[] = [];
  await table.read((values, line) => {
    rows.push([...values]);
    lines.push(line);
  });
  return { columns: table.columns, rows, lines };
}

/** The parts of a Dataset that do not depend on where the rows came from. */
function content(ds: Dataset) {
  return { users: ds.users.ids, items: ds.items.ids, train: ds.train, test: ds.test, itemClicks: ds.itemClicks, positives: ds.stats.positives, rows: ds.stats.rows };
}

describe('format detection', () => {
  it('recognises MovieLens files by name and the rest by extension', () => {
    expect(resolveFormat('/x/ratings.csv', 'auto')).toEqual({ reader: 'movielens', layout: 'latest-ratings' });
    expect(resolveFormat('/x/movies.csv', 'auto')).toEqual({ reader: 'movielens', layout: 'latest-movies' });
    expect(resolveFormat('/x/u.data', 'auto')).toEqual({ reader: 'movielens', layout: '100k-data' });
    expect(resolveFormat('/x/u1.base', 'auto')).toEqual({ reader: 'movielens', layout: '100k-data' });
    expect(resolveFormat('/x/u.item', 'auto')).toEqual({ reader: 'movielens', layout: '100k-item' });
    expect(resolveFormat('/x/log.CSV', 'auto')).toEqual({ reader: 'csv' });
    expect(resolveFormat('/x/log.tsv', 'auto')).toEqual({ reader: 'tsv' });
    expect(resolveFormat('/x/log.ndjson', 'auto')).toEqual({ reader: 'jsonl' });
    expect(resolveFormat('/x/log.parquet', 'auto')).toEqual({ reader: 'parquet' });
    expect(resolveFormat('/x/ratings.csv', 'csv')).toEqual({ reader: 'csv' });
  });
});

describe('CSV, TSV, JSONL and Parquet readers', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ttl-parquet-'));
    // The tiny log as Parquet, in two row groups, with typed columns.
    parquetWriteFile({
      filename: join(dir, 'interactions.parquet'),
      rowGroupSize: 4,
      columnData: [
        { name: 'user_id', data: ['alice', 'alice', 'alice', 'bob', 'bob', 'bob', 'carol', 'carol'], type: 'STRING' },
        { name: 'item_id', data: ['i1', 'i2', 'i3', 'i1', 'i3', 'i4', 'i2', 'i4'], type: 'STRING' },
        { name: 'timestamp', data: [100, 200, 300, 150, 250, 350, 120, 220], type: 'DOUBLE' },
        { name: 'impressed', data: [true, true, true, true, true, true, true, true], type: 'BOOLEAN' },
        { name: 'clicked', data: [1, 0, 1, 1, 1, 1, 1, 0], type: 'INT32' },
      ],
    });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('CSV: header, cells as text, physical line numbers (line 7 is blank)', async () => {
    const t = await readAll(`${FIXTURES}tiny/interactions.csv`);
    expect(t.columns).toEqual(['user_id', 'item_id', 'timestamp', 'impressed', 'clicked']);
    expect(t.rows[0]).toEqual(['alice', 'i1', '100', '1', '1']);
    expect(t.lines).toEqual([2, 3, 4, 5, 6, 8, 9, 10]);
  });

  it('JSONL: cells as text (so that numeric ids keep every digit), blank lines skipped but counted', async () => {
    const t = await readAll(`${FIXTURES}tiny/interactions.jsonl`);
    expect(t.columns).toEqual(['user_id', 'item_id', 'timestamp', 'impressed', 'clicked']);
    expect(t.rows[0]).toEqual(['alice', 'i1', '100', 'true', 'true']);
    expect(t.lines).toEqual([1, 2, 3, 4, 6, 7, 8, 9]);
  });

  it('Parquet: all row groups, typed cells', async () => {
    const t = await readAll(join(dir, 'interactions.parquet'));
    expect(t.columns).toEqual(['user_id', 'item_id', 'timestamp', 'impressed', 'clicked']);
    expect(t.rows).toHaveLength(8);
    expect(t.rows[5]).toEqual(['bob', 'i4', 350, true, 1]);
    expect(t.lines).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('the same log as CSV, TSV, JSONL (with an ISO time) and Parquet gives the same Dataset', async () => {
    const load = (path: string) => loadDataset(experiment({ data: { interactions: { path, format: 'auto' }, split: { method: 'leave_last_n', n: 1 } } }), EXPERIMENT_FILE);
    const csv = content(await load('tiny/interactions.csv'));
    expect(content(await load('tiny/interactions.tsv'))).toEqual(csv);
    expect(content(await load('tiny/interactions.jsonl'))).toEqual(csv);
    expect(content(await load(join(dir, 'interactions.parquet')))).toEqual(csv);
    expect(csv.positives).toBe(6);
  });
});

describe('MovieLens files as they come', () => {
  it('title year and first genre', () => {
    expect(yearFromTitle('Toy Story (1995)')).toBe(1995);
    expect(yearFromTitle('Babylon 5 (1994–1998) ')).toBe(1994);
    expect(yearFromTitle('No Year Movie')).toBe('');
    expect(firstGenre('Adventure|Animation|Children')).toBe('Adventure');
    expect(firstGenre('(no genres listed)')).toBe('');
  });

  it('latest: ratings.csv with its own column names and movies.csv beside it for genres and year', async () => {
    const ds = await loadDataset(
      experiment({
        data: { interactions: { path: 'ml-latest/ratings.csv', format: 'auto' }, positive: { rule: 'rating_at_least', threshold: 4 }, split: { method: 'leave_last_n', n: 1 } },
        item_tower: { categorical: [{ name: 'genres' }], continuous: [{ name: 'year', normalize: 'none' }] },
      }),
      EXPERIMENT_FILE,
    );
    expect(ds.users.ids).toEqual(['<oov>', '1', '2']);
    expect(ds.items.ids).toEqual(['<oov>', '1', '3', '6', '11']);
    // Ratings ≥ 4: 1-1, 1-3, 2-1, 2-11, 2-6 (1-6 is 2.0).
    expect(ds.stats.positives).toBe(5);
    const [genres] = ds.itemFeatures.categorical;
    // First genres in movies.csv order: Adventure (1), Comedy (3), Action (6), Comedy (11), none (12) → OOV.
    expect(genres.vocabulary.ids).toEqual(['<oov>', 'Adventure', 'Comedy', 'Action']);
    expect(Array.from(genres.values)).toEqual([0, 1, 2, 3, 2]);
    const [year] = ds.itemFeatures.continuous;
    // "American President, The (1995)" is quoted because of its comma; every title here is 1995.
    expect(Array.from(year.values)).toEqual([1995, 1995, 1995, 1995, 1995]);
  });

  it('100K: u.data (tab, no header), u.user and u.item (pipe, latin1) beside it', async () => {
    const ds = await loadDataset(
      experiment({
        data: { interactions: { path: 'ml-100k/u.data', format: 'auto' }, positive: { rule: 'rating_at_least', threshold: 4 }, split: { method: 'random', test_fraction: 0.01 } },
        user_tower: { categorical: [{ name: 'occupation' }, { name: 'gender' }], continuous: [{ name: 'age', normalize: 'none' }] },
        item_tower: { categorical: [{ name: 'genres' }, { name: 'title' }], continuous: [{ name: 'year', normalize: 'none' }] },
      }),
      EXPERIMENT_FILE,
    );
    expect(ds.stats.rows).toBe(5);
    // Ratings 5, 3, 4, 5, 4: four rows are ≥ 4.
    expect(ds.stats.positives).toBe(4);
    expect(ds.users.ids).toEqual(['<oov>', '1', '2', '3']);
    expect(ds.items.ids).toEqual(['<oov>', '10', '20', '30']);
    const [occupation, gender] = ds.userFeatures.categorical;
    expect(Array.from(occupation.values, (v) => occupation.vocabulary.ids[v])).toEqual(['<oov>', 'technician', 'other', 'writer']);
    expect(Array.from(gender.values, (v) => gender.vocabulary.ids[v])).toEqual(['<oov>', 'M', 'F', 'M']);
    expect(Array.from(ds.userFeatures.continuous[0].values)).toEqual([Math.fround(100 / 3), 24, 53, 23]); // <oov>: the training mean (24 + 53 + 23)/3, as float32
    const [genres, title] = ds.itemFeatures.categorical;
    // First flagged genre: Animation for Toy Story, Drama for Misérables, Action for the third.
    expect(Array.from(genres.values, (v) => genres.vocabulary.ids[v])).toEqual(['<oov>', 'Animation', 'Drama', 'Action']);
    // latin1 decoded (é), and a '"' inside a pipe file is part of the title.
    expect(title.vocabulary.ids).toEqual(['<oov>', 'Toy Story (1995)', 'Misérables, Les (1995)', '"Quote" Movie (1996)']);
    expect(Array.from(ds.itemFeatures.continuous[0].values)).toEqual([expect.closeTo(1995.333, 2), 1995, 1995, 1996]);
  });
});
