import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { DataError } from '../../../src/core/data/errors';
import { closest, editDistance } from '../../../src/core/util/suggest';
import { loadDataset } from '../../../src/core/data/load';
import { experiment } from './experiment';

const FIXTURES = fileURLToPath(new URL('../../fixtures/data/', import.meta.url));
const EXPERIMENT_FILE = `${FIXTURES}tiny.tower.yaml`;

async function loadError(data: Record<string, unknown>, towers: { user_tower?: Record<string, unknown>; item_tower?: Record<string, unknown> } = {}): Promise<DataError> {
  try {
    await loadDataset(experiment({ data, ...towers }), EXPERIMENT_FILE);
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error('expected loadDataset to fail');
}

const interactions = (path: string, columns?: Record<string, string>) => ({ interactions: { path, format: 'auto', ...(columns ? { columns } : {}) } });

describe('column name suggestions', () => {
  it('edit distance', () => {
    // kitten → sitting: substitute k→s, e→i, insert g = 3.
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });
  it('suggests the closest column, nothing when none is close', () => {
    expect(closest('usr_id', ['user_id', 'item_id', 'timestamp'])).toBe('user_id');
    expect(closest('TimeStamp', ['user_id', 'timestamp'])).toBe('timestamp');
    expect(closest('zzzzzzzz', ['user_id', 'item_id'])).toBeUndefined();
  });
});

describe('bad input gives a DataError that says what, where and what to do', () => {
  it('missing file: the absolute resolved path', async () => {
    const e = await loadError(interactions('nowhere/ratings.csv'));
    const abs = resolve(FIXTURES, 'nowhere/ratings.csv');
    expect(e.file).toBe(abs);
    expect(e.message).toContain(`No such file: ${abs}`);
    expect(e.message).toContain('relative to the experiment file');
  });

  it('a folder given as the data file is read as its files, which must be of one format (tiny/ holds CSV, TSV and JSONL)', async () => {
    const e = await loadError(interactions('tiny'));
    expect(e.file).toBe(resolve(FIXTURES, 'tiny'));
    expect(e.message).toMatch(/the files are not all of one format \(.*clicks-with-device\.csv is read as csv, .*interactions\.jsonl as jsonl\)/);
    expect(e.message).not.toContain('No such file');
  });

  it('misspelled column: lists the columns and suggests the closest', async () => {
    const e = await loadError(interactions('tiny/interactions.csv', { user: 'usr_id', item: 'item_id' }));
    expect(e.column).toBe('usr_id');
    expect(e.message).toContain("no column 'usr_id'");
    expect(e.message).toContain("'user_id', 'item_id', 'timestamp', 'impressed', 'clicked'");
    expect(e.message).toContain("Did you mean 'user_id'?");
    expect(e.message).toContain('data.interactions.columns.user');
  });

  it('missing feature column of a tower: names the tower field to fix', async () => {
    const e = await loadError(
      { ...interactions('tiny/interactions.csv'), item_features: { path: 'tiny/items.csv', format: 'auto', key: 'item_id' } },
      { item_tower: { categorical: [{ name: 'genres' }] } },
    );
    expect(e.message).toContain("no column 'genres'");
    expect(e.message).toContain("Did you mean 'genre'?");
    expect(e.message).toContain('item_tower.categorical[0].name');
  });

  it('non-numeric timestamp: file:line, the column and the value', async () => {
    const e = await loadError(interactions('bad/bad-timestamp.csv'));
    expect(e.row).toBe(3);
    expect(e.column).toBe('timestamp');
    expect(e.message).toContain(`${resolve(FIXTURES, 'bad/bad-timestamp.csv')}:3: column 'timestamp' has "abc"`);
  });

  it('non-numeric value in a continuous feature: file:line', async () => {
    const e = await loadError(
      { ...interactions('tiny/interactions.csv'), user_features: { path: 'bad/bad-age.csv', format: 'csv', key: 'user_id' } },
      { user_tower: { continuous: [{ name: 'age' }] } },
    );
    expect(e.row).toBe(3);
    expect(e.message).toContain('bad-age.csv:3: column \'age\' has "old", expected a number');
  });

  it('non-numeric rating: file:line', async () => {
    const e = await loadError({ ...interactions('tiny/interactions.csv', { user: 'user_id', item: 'item_id', rating: 'item_id' }), positive: { rule: 'rating_at_least', threshold: 4 } });
    expect(e.row).toBe(2);
    expect(e.message).toContain("interactions.csv:2: column 'item_id' has \"i1\", expected a number");
  });

  it('a bad click flag and a short row', async () => {
    const flag = await loadError(interactions('bad/bad-flag.csv'));
    expect(flag.message).toContain("bad-flag.csv:2: column 'clicked' has \"maybe\", expected a flag (1/0, true/false)");
    const short = await loadError(interactions('bad/short-row.csv'));
    expect(short.row).toBe(3);
    expect(short.message).toContain('short-row.csv:3: the row has 4 fields but the header has 5');
  });

  it('empty data set', async () => {
    const e = await loadError(interactions('bad/header-only.csv'));
    expect(e.message).toContain('the data set is empty');
  });

  it('no positives after the rule: says which rule and threshold', async () => {
    const e = await loadError({ ...interactions('tiny/explicit-ratings.csv'), positive: { rule: 'rating_at_least', threshold: 5.5 } });
    expect(e.message).toContain("no positives among 4 rows under data.positive.rule 'rating_at_least' with threshold 5.5");
    expect(e.message).toContain('the highest rating among clicked rows is 5');
  });

  it('rule clicked without a click column', async () => {
    const e = await loadError({ ...interactions('tiny/explicit-ratings.csv'), positive: { rule: 'clicked', threshold: 4 } });
    expect(e.message).toContain("data.positive.rule is 'clicked' but no click column is mapped");
  });

  it('time split without a timestamp column', async () => {
    const e = await loadError({ ...interactions('bad/no-time.csv'), positive: { rule: 'all', threshold: 4 }, split: { method: 'leave_last_n', n: 1 } });
    expect(e.message).toContain("split method 'leave_last_n' orders positives by time, but no timestamp column is mapped");
    expect(e.message).toContain('data.interactions.columns.timestamp');
  });

  it('unsupported format', async () => {
    const e = await loadError(interactions('bad/table.xlsx'));
    expect(e.message).toContain("cannot tell the format from the name 'table.xlsx'");
    expect(e.message).toContain("Set 'format' explicitly");
  });

  it('features declared with no table and not in the interactions file', async () => {
    const e = await loadError(interactions('tiny/interactions.csv'), { user_tower: { categorical: [{ name: 'country' }] } });
    expect(e.message).toContain("no column 'country'");
    expect(e.message).toContain('no feature table is given, so features are read from the interactions');
    expect(e.message).toContain('user_tower.categorical[0].name');
  });

  it('a split that leaves no training positive', async () => {
    const e = await loadError({ ...interactions('tiny/interactions.csv'), split: { method: 'time_cut', cut: 10 } });
    expect(e.message).toContain('the split left no training positives');
  });
});
