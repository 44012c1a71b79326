import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { checkExperimentText } from '../../../src/core/config/check';
import { createFileDataProbe, DataFileError, type DataProbe } from '../../../src/core/config/dataProbe';
import { at, codes, only } from './helpers';

let dir: string;
let expFile: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datarules-'));
  await fs.mkdir(path.join(dir, 'data'));
  await fs.writeFile(path.join(dir, 'data', 'log.csv'), 'user_id,item_id,ts,clicked,age\n1,a,5,1,30\n2,b,6,0,40\n3,c,7,1,50\n');
  await fs.writeFile(path.join(dir, 'data', 'items.csv'), 'item,genre,price\na,x,1\n');
  await fs.writeFile(path.join(dir, 'data', 'ranking.csv'), 'request_id,user_id,item_id,rank,discarded\n');
  expFile = path.join(dir, 'exp.tower.yaml');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const base = (extra = '') => `data:
  interactions:
    path: data/log.csv
    columns: { user: user_id, item: item_id, timestamp: ts, clicked: clicked }
${extra}user_tower:
  continuous:
    - name: age
item_tower:
  categorical:
    - name: genre
evaluation:
  k: [2, 5]
`;
const run = (text: string, probe: DataProbe = createFileDataProbe()) => checkExperimentText(text, { filePath: expFile, probe });

describe('data rules against real files', () => {
  it('a consistent config is clean except for K above the 3-item catalogue', async () => {
    const text = base('  item_features: { path: data/items.csv, key: item }\n');
    const r = await run(text);
    // log.csv has items a, b, c: K = 5 > 3 warns, K = 2 does not (so 5 can be dropped); 1 is the largest round K ≤ 3 / 2.
    expect(codes(r.diagnostics)).toEqual(['k-exceeds-catalogue']);
    expect(r.diagnostics[0]!.path).toEqual(['evaluation', 'k', 1]);
    expect(r.diagnostics[0]!.data).toEqual({ items: 3, removeItem: true, replacement: 1 });
    expect(r.config).toBeDefined();
  });

  it('a misspelled column is an error on its value, with the closest header name', async () => {
    const r = await run(base('  item_features: { path: data/items.csv, key: item }\n').replace('item: item_id', 'item: itemid'));
    const d = only(r.diagnostics, 'unknown-column');
    // Line 3 is `    columns: { user: user_id, item: itemid, … }`: `itemid` starts at column 36 (4 + "columns: { user: user_id, item: ".length = 4 + 32).
    expect(at(d)).toEqual([3, 36, 3, 42]);
    expect(d.message).toMatch(/has no column `itemid`.*Did you mean `item_id`\?/);
    expect(d.data).toMatchObject({ replacement: 'item_id', columns: ['user_id', 'item_id', 'ts', 'clicked', 'age'] });
    expect(r.config).toBeUndefined();
  });

  it('a feature missing from its table is an error on the feature name', async () => {
    const r = await run(base('  item_features: { path: data/items.csv, key: item }\n').replace('name: genre', 'name: genres'));
    const d = only(r.diagnostics, 'unknown-column');
    expect(d.path).toEqual(['item_tower', 'categorical', 0, 'name']);
    expect(d.data).toMatchObject({ replacement: 'genre' });
  });

  it('without a feature table, features are looked up in the interactions file', async () => {
    const d = only((await run(base())).diagnostics, 'unknown-column');
    expect(d.path).toEqual(['item_tower', 'categorical', 0, 'name']);
  });

  it('a missing file is its own diagnostic on the path, and stops the column checks of that file', async () => {
    const r = await run(base().replace('data/log.csv', 'data/nope.csv'));
    const d = only(r.diagnostics, 'data-file-missing');
    expect(at(d)).toEqual([2, 10, 2, 23]);
    expect(d.message).toContain(path.join(dir, 'data', 'nope.csv'));
    expect(codes(r.diagnostics)).not.toContain('unknown-column');
    // log.csv is 3 edits from nope.csv: within suggest.ts's limit for an 8-letter name, so it is offered.
    expect(d.data).toEqual({ resolvedPath: path.join(dir, 'data', 'nope.csv'), candidates: ['data/log.csv'] });
    const far = only((await run(base().replace('data/log.csv', 'data/interactions-2024.csv'))).diagnostics, 'data-file-missing');
    expect(far.data).toEqual({ resolvedPath: path.join(dir, 'data', 'interactions-2024.csv'), candidates: [] });
    expect(far.message).not.toMatch(/Did you mean/);
  });

  it('a missing file names the files of its folder with the closest names, written like the path', async () => {
    const r = await run(base().replace('data/log.csv', './data/item.csv'));
    const d = only(r.diagnostics, 'data-file-missing');
    // items.csv is one edit away; log.csv and ranking.csv are too far to be a typo of item.csv.
    expect(d.data).toEqual({ resolvedPath: path.join(dir, 'data', 'item.csv'), candidates: ['./data/items.csv'] });
    expect(d.message).toMatch(/Did you mean `\.\/data\/items\.csv`\?/);
    const several = only((await run(base().replace('data/log.csv', 'data/ranking.tsv'))).diagnostics, 'data-file-missing');
    expect((several.data as { candidates: string[] }).candidates[0]).toBe('data/ranking.csv');
  });

  it('checks the ranking log and feature-table key columns', async () => {
    const text = base('  item_features: { path: data/items.csv, key: item_idx }\n  ranking_log:\n    path: data/ranking.csv\n    columns: { rank: position }\n').replace('name: genre', 'name: price');
    const r = await run(text);
    const unknown = r.diagnostics.filter((d) => d.code === 'unknown-column').map((d) => d.path);
    expect(unknown).toEqual([['data', 'item_features', 'key'], ['data', 'ranking_log', 'columns', 'rank']]);
  });

  it('MovieLens latest-small needs no column mapping, and its item count is known', async () => {
    const rel = path.relative(dir, path.resolve(__dirname, '../../../../shared/data/ml-latest-small/ratings.csv'));
    // Item features come from movies.csv beside the ratings, as the data reader does; `year` is derived by it.
    const text = `data:\n  interactions:\n    path: ${rel}\n  positive: { rule: rating_at_least }\nuser_tower: {}\nitem_tower:\n  categorical: [{ name: genres }]\n  continuous: [{ name: year }]\nevaluation:\n  k: [10, 10000]\n`;
    const r = await run(text);
    // The copy in ../shared rates 9,725 distinct movies (awk -F, 'NR>1{a[$2]=1} END{print length(a)}' ratings.csv): K = 10000 exceeds it.
    expect(codes(r.diagnostics)).toEqual(['k-exceeds-catalogue']);
    // 2000 is the largest of 1, 2, 5, 10, …, 1000, 2000, 5000 that is ≤ 9725 / 2 = 4862.
    expect(r.diagnostics[0]!.data).toEqual({ items: 9725, removeItem: true, replacement: 2000 });
  });
});

describe('positive-needs-column and split-needs-timestamp', () => {
  const ml = (extra = '') => `data:\n  interactions: { path: ml/ratings.csv }\n${extra}user_tower: {}\nitem_tower: {}\n`;
  const probe = (header: string[]): DataProbe => ({ columns: () => Promise.resolve(header) });
  it('the default `clicked` rule on a ratings file is an error that proposes rating_at_least', async () => {
    const r = await run(ml(), probe(['userId', 'movieId', 'rating', 'timestamp']));
    const d = only(r.diagnostics, 'positive-needs-column');
    expect(d.message).toMatch(/\(the default\).*no click column.*rating_at_least/);
    expect(d.data).toEqual({ replacement: 'rating_at_least', column: 'clicked' });
    // Reported on the `interactions` key (line 1), since `data.positive` is not in the file.
    expect(at(d)).toEqual([1, 2, 1, 14]);
  });
  it('an explicit rule is flagged on its value; without ratings the hint is `all`', async () => {
    const d = only((await run(ml('  positive: { rule: clicked }\n'), probe(['userId', 'movieId', 'timestamp']))).diagnostics, 'positive-needs-column');
    expect(d.path).toEqual(['data', 'positive', 'rule']);
    expect(d.data).toEqual({ replacement: 'all', column: 'clicked' });
  });
  it('rating_at_least without a rating column is flagged, offering what the data allows; with one it is clean', async () => {
    const none = only((await run(ml('  positive: { rule: rating_at_least }\n'), probe(['userId', 'movieId', 'timestamp']))).diagnostics, 'positive-needs-column');
    expect(none.data).toEqual({ column: 'rating', replacements: ['all'] });
    expect(none.message).toMatch(/Map `data\.interactions\.columns\.rating` to the column that holds it, or `rule: all`/);
    // A click flag allows `clicked`; a header column that looks like the rating can be mapped.
    const clicks = only((await run(ml('  positive: { rule: rating_at_least }\n'), probe(['userId', 'movieId', 'clicked', 'Rating']))).diagnostics, 'positive-needs-column');
    expect(clicks.data).toEqual({ column: 'rating', replacements: ['clicked', 'all'], mapTo: 'Rating' });
    expect(clicks.message).toMatch(/columns\.rating: Rating`, or use `rule: clicked`/);
    expect((await run(ml('  positive: { rule: rating_at_least }\n'), probe(['userId', 'movieId', 'rating', 'timestamp']))).diagnostics).toEqual([]);
  });
  it('a time-based split without a timestamp column is flagged; random is fine', async () => {
    const d = only((await run(ml('  positive: { rule: all }\n  split: { method: time_cut }\n'), probe(['userId', 'movieId']))).diagnostics, 'split-needs-timestamp');
    expect(d.path).toEqual(['data', 'split', 'method']);
    expect(d.data).toEqual({ replacement: 'random' });
    expect((await run(ml('  positive: { rule: all }\n  split: { method: random }\n'), probe(['userId', 'movieId']))).diagnostics).toEqual([]);
  });
});

describe('data rules with a fake probe', () => {
  it('an unreadable file is reported with the probe\'s reason', async () => {
    const probe: DataProbe = { columns: (p) => Promise.resolve(new DataFileError(`${p}: permission denied`, 'unreadable', p)) };
    const d = only((await run(base(), probe)).diagnostics, 'data-file-unreadable');
    expect(d.message).toMatch(/permission denied/);
  });
  it('a MovieLens feature missing from the sibling movies.csv is flagged with that file named', async () => {
    const probe: DataProbe = { columns: (p) => Promise.resolve(p.endsWith('movies.csv') ? ['movieId', 'title', 'genres', 'year'] : ['userId', 'movieId', 'rating', 'timestamp']) };
    const text = 'data:\n  interactions: { path: ml/ratings.csv }\nuser_tower: {}\nitem_tower:\n  categorical: [{ name: genre }]\n';
    const d = only((await run(text, probe)).diagnostics, 'unknown-column');
    expect(d.message).toMatch(/^`movies\.csv` has no column `genre`.*Did you mean `genres`\?/);
  });
  it('a probe that throws is reported, not propagated', async () => {
    const probe: DataProbe = { columns: () => Promise.reject(new Error('disk on fire')) };
    expect(only((await run(base(), probe)).diagnostics, 'data-file-unreadable').message).toMatch(/disk on fire/);
  });
  it('defaulted columns of a non-MovieLens file are checked too', async () => {
    const probe: DataProbe = { columns: () => Promise.resolve(['uid', 'iid', 'age', 'genre']) };
    const text = base().replace('    columns: { user: user_id, item: item_id, timestamp: ts, clicked: clicked }\n', '');
    const r = await run(text, probe);
    const ds = r.diagnostics.filter((d) => d.code === 'unknown-column');
    expect(ds.map((d) => d.message.match(/no column `(\w+)`/)![1])).toEqual(['user_id', 'item_id']);
    expect(ds[0]!.message).toMatch(/map it with data\.interactions\.columns\.user/);
  });
});
