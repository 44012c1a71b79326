/**
 * The DuckDB data layer on real files written here: Parquet of every codec (written by DuckDB's own COPY),
 * compressed CSV, globs, MovieLens `::` files, and the bad inputs the previous reader got wrong.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { checkExperimentText } from '../../../src/core/config/check';
import { createFileDataProbe, readColumns } from '../../../src/core/config/dataProbe';
import { whereColumns } from '../../../src/core/config/whereColumns';
import type { Dataset } from '../../../src/core/data/dataset';
import { DataError } from '../../../src/core/data/errors';
import { loadDataset } from '../../../src/core/data/load';
import { experiment } from './experiment';

const LOG = 'user_id,item_id,timestamp,clicked,dwell_ms\nu1,i1,1,1,5000\nu1,i2,2,1,100\nu1,i3,3,1,4000\nu2,i1,1,1,6000\nu2,i2,2,1,7000\nu2,i3,3,1,200\nu3,i2,1,1,9000\nu3,i3,2,1,8000\nu3,i1,3,1,50\n';

let dir: string;
let expFile: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ttl-duckdb-'));
  expFile = join(dir, 'x.tower.yaml');
  await writeFile(join(dir, 'log.csv'), LOG);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const load = (data: Record<string, unknown>, towers: { item_tower?: Record<string, unknown>; user_tower?: Record<string, unknown> } = {}) =>
  loadDataset(experiment({ data: { split: { method: 'leave_last_n', n: 1 }, ...data }, ...towers }), expFile);

async function loadError(data: Record<string, unknown>, towers: { item_tower?: Record<string, unknown> } = {}): Promise<DataError> {
  try {
    await load(data, towers);
  } catch (e) {
    if (e instanceof DataError) return e;
    throw e;
  }
  throw new Error('expected a DataError');
}

function content(ds: Dataset) {
  return { users: ds.users.ids, items: ds.items.ids, train: ds.train, test: ds.test, rows: ds.stats.rows, positives: ds.stats.positives };
}

async function duckdbRun(sql: string): Promise<void> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(sql);
  c.closeSync();
}

describe('every format through DuckDB gives the same Dataset as the CSV', () => {
  it.each(['gzip', 'zstd', 'snappy', 'brotli', 'uncompressed'])('Parquet written by DuckDB with codec %s', async (codec) => {
    const file = join(dir, `log-${codec}.parquet`);
    await duckdbRun(`COPY (SELECT * FROM read_csv('${join(dir, 'log.csv')}', header=true)) TO '${file}' (FORMAT parquet, CODEC '${codec}')`);
    expect(content(await load({ interactions: { path: file } }))).toEqual(content(await load({ interactions: { path: 'log.csv' } })));
    // The language server reads the same columns from the footer (no codec needed there).
    expect(await readColumns(file)).toEqual(['user_id', 'item_id', 'timestamp', 'clicked', 'dwell_ms']);
  });

  it('a .csv.gz file, and its header in the language server', async () => {
    await writeFile(join(dir, 'log.csv.gz'), gzipSync(LOG));
    expect(content(await load({ interactions: { path: 'log.csv.gz' } }))).toEqual(content(await load({ interactions: { path: 'log.csv' } })));
    expect(await readColumns(join(dir, 'log.csv.gz'))).toEqual(['user_id', 'item_id', 'timestamp', 'clicked', 'dwell_ms']);
  });

  it('a .csv.gz with a bad value: the line is the line in the decompressed text', async () => {
    await writeFile(join(dir, 'bad.csv.gz'), gzipSync(LOG.replace('u2,i2,2,1,7000', 'u2,i2,2,maybe,7000')));
    const e = await loadError({ interactions: { path: 'bad.csv.gz' } });
    expect(e.message).toMatch(/bad\.csv\.gz:6: column 'clicked' has "maybe", expected a flag/);
  });

  it('a glob of Parquet parts is read part after part; a bad cell names its part and row', async () => {
    await mkdir(join(dir, 'parts'));
    const lines = LOG.trim().split('\n');
    await writeFile(join(dir, 'parts', 'a.csv'), [lines[0], ...lines.slice(1, 5)].join('\n'));
    await writeFile(join(dir, 'parts', 'b.csv'), [lines[0], ...lines.slice(5)].join('\n'));
    const glob = join(dir, 'parts', '*.csv');
    expect(content(await load({ interactions: { path: 'parts/*.csv' } }))).toEqual(content(await load({ interactions: { path: 'log.csv' } })));
    // A folder is its data files.
    expect(content(await load({ interactions: { path: 'parts' } }))).toEqual(content(await load({ interactions: { path: 'log.csv' } })));
    expect(await readColumns(glob)).toEqual(['user_id', 'item_id', 'timestamp', 'clicked', 'dwell_ms']);
    await writeFile(join(dir, 'parts', 'b.csv'), [lines[0], ...lines.slice(5)].join('\n').replace('u3,i3,2,1', 'u3,i3,2,x'));
    const e = await loadError({ interactions: { path: 'parts/*.csv' } });
    expect(e.message).toMatch(/parts\/b\.csv:5: column 'clicked' has "x"/);
  });

  it('a glob that matches nothing: an error naming the pattern, and a missing file in the editor', async () => {
    const e = await loadError({ interactions: { path: 'nothing/*.parquet' } });
    expect(e.message).toContain(`${join(dir, 'nothing/*.parquet')}: the pattern matches no file`);
    const probed = await readColumns(join(dir, 'nothing/*.parquet'));
    expect(probed).toBeInstanceOf(Error);
    expect((probed as Error & { kind: string }).kind).toBe('missing');
  });

  it('files of a glob with different columns: refused naming both files and the columns', async () => {
    await mkdir(join(dir, 'mixed'));
    await duckdbRun(`COPY (SELECT 'u1' AS user_id, 'i1' AS item_id, 1 AS clicked) TO '${join(dir, 'mixed', 'p1.parquet')}' (FORMAT parquet)`);
    await duckdbRun(`COPY (SELECT 'u1' AS user_id, 'i1' AS item, 1 AS clicked) TO '${join(dir, 'mixed', 'p2.parquet')}' (FORMAT parquet)`);
    const e = await loadError({ interactions: { path: 'mixed/*.parquet' } });
    expect(e.message).toMatch(/the files have different columns: .*p2\.parquet lacks 'item_id' and has 'item' besides \(compared with .*p1\.parquet\)/);
    const probed = await readColumns(join(dir, 'mixed', '*.parquet'));
    expect((probed as Error).message).toMatch(/different columns/);
  });

  it("MovieLens 1M: the '::'-separated ratings.dat with movies.dat (latin1) beside it", async () => {
    await mkdir(join(dir, 'ml-1m'));
    await writeFile(join(dir, 'ml-1m', 'ratings.dat'), '1::10::5::100\n1::20::4::200\n2::10::4::150\n2::20::5::250\n');
    await writeFile(join(dir, 'ml-1m', 'movies.dat'), Buffer.from('10::Toy Story (1995)::Animation|Comedy\n20::Misérables, Les (1995)::Drama\n', 'latin1'));
    const ds = await load(
      { interactions: { path: 'ml-1m/ratings.dat' }, positive: { rule: 'rating_at_least', threshold: 4 } },
      { item_tower: { categorical: [{ name: 'genres' }, { name: 'title' }] } },
    );
    expect(ds.users.ids).toEqual(['<oov>', '1', '2']);
    expect(ds.items.ids).toEqual(['<oov>', '10', '20']);
    expect(ds.stats.positives).toBe(4);
    const [genres, title] = ds.itemFeatures.categorical;
    expect(genres.vocabulary.ids).toEqual(['<oov>', 'Animation', 'Drama']);
    expect(title.vocabulary.ids).toContain('Misérables, Les (1995)');
  });
});

describe('what the previous reader got wrong', () => {
  it('JSONL numeric ids above 2^53 stay distinct (30 users stay 30)', async () => {
    const base = 2n ** 53n;
    const rows = Array.from({ length: 30 }, (_, k) => [`{"user_id": ${base + BigInt(k)}, "item_id": "a", "timestamp": 1, "clicked": 1}`, `{"user_id": ${base + BigInt(k)}, "item_id": "b", "timestamp": 2, "clicked": 1}`]).flat();
    await writeFile(join(dir, 'big.jsonl'), `${rows.join('\n')}\n`);
    const ds = await load({ interactions: { path: 'big.jsonl' } });
    expect(ds.users.size - 1).toBe(30);
    expect(ds.users.ids[2]).toBe(String(base + 1n));
  });

  it('non-UTF-8 bytes in ids: refused with the line, instead of merging distinct ids', async () => {
    await writeFile(join(dir, 'latin.csv'), Buffer.concat([Buffer.from('user_id,item_id,timestamp,clicked\nu1,i1,1,1\n'), Buffer.from([0x75, 0xff, 0x2c, 0x69, 0x31, 0x2c, 0x32, 0x2c, 0x31, 0x0a])]));
    const e = await loadError({ interactions: { path: 'latin.csv' } });
    expect(e.message).toMatch(/latin\.csv:3: has bytes that are not valid UTF-8/);
    expect(e.message).not.toContain('Original Line');
  });

  it('times: numbers and ISO dates only; `unknown 2` is a row-numbered error, not a 2001 date', async () => {
    await writeFile(join(dir, 'times.csv'), 'user_id,item_id,timestamp,clicked\nu1,i1,2024-03-01T00:00:00Z,1\nu1,i2,2024-03-02,1\nu2,i1,unknown 2,1\n');
    const e = await loadError({ interactions: { path: 'times.csv' } });
    expect(e.message).toMatch(/times\.csv:4: column 'timestamp' has "unknown 2", expected a number \(Unix seconds\) or an ISO 8601 date/);
    await writeFile(join(dir, 'times-ok.csv'), 'user_id,item_id,timestamp,clicked\nu1,i1,2024-03-01T00:00:00Z,1\nu1,i2,2024-03-02,1\nu2,i2,1709251200,1\nu2,i1,1709337600.5,1\n');
    const ds = await load({ interactions: { path: 'times-ok.csv' } });
    expect(Array.from(ds.train.timestamps!)).toEqual([1709251200, 1709251200]);
    expect(Array.from(ds.test.timestamps!)).toEqual([1709337600, 1709337600.5]);
  });

  it('Infinity and NaN in a feature: one rule, an error with the line', async () => {
    for (const bad of ['Infinity', 'NaN', '-inf']) {
      await writeFile(join(dir, 'items.csv'), `item_id,price\ni1,1\ni2,${bad}\ni3,3\n`);
      const e = await loadError({ interactions: { path: 'log.csv' }, item_features: { path: 'items.csv', key: 'item_id' } }, { item_tower: { continuous: [{ name: 'price' }] } });
      expect(e.message).toContain(`items.csv:3: column 'price' has ${bad}, which is not a finite number`);
    }
  });

  it('a feature table with a key on two rows: refused with both lines', async () => {
    await writeFile(join(dir, 'dup.csv'), 'item_id,price\ni1,1\ni2,2\ni3,3\ni2,5\n');
    const e = await loadError({ interactions: { path: 'log.csv' }, item_features: { path: 'dup.csv', key: 'item_id' } }, { item_tower: { continuous: [{ name: 'price' }] } });
    expect(e.message).toMatch(/dup\.csv:5: the key 'i2' \(column 'item_id'\) is also on line 3/);
  });

  it('a header-only ranking log as the hard-negative source: refused', async () => {
    await writeFile(join(dir, 'ranking.csv'), 'request_id,user_id,item_id,rank,discarded\n');
    const config = experiment({ data: { interactions: { path: 'log.csv' }, ranking_log: { path: 'ranking.csv' }, split: { method: 'leave_last_n', n: 1 } } });
    config.training.negatives.hard.source = 'ranking_log';
    await expect(loadDataset(config, expFile)).rejects.toThrow(/ranking\.csv: the ranking log has no rows, and training\.negatives\.hard\.source is 'ranking_log'/);
    // Without hard negatives from it, an empty log is allowed.
    config.training.negatives.hard.source = 'none';
    await expect(loadDataset(config, expFile)).resolves.toBeDefined();
  });

  it('the line after a quoted field with embedded newlines is the physical line (23, not 21)', async () => {
    const rows = ['user_id,item_id,timestamp,clicked,note'];
    for (let k = 0; k < 18; k++) rows.push(`u${k % 3},i${k},${k},1,plain`);
    rows.push('u1,i50,50,1,"a note\nthat goes on\nfor three lines"'); // lines 20–22
    rows.push('u2,i51,51,oops,plain'); // line 23
    await writeFile(join(dir, 'notes.csv'), `${rows.join('\n')}\n`);
    const e = await loadError({ interactions: { path: 'notes.csv' } });
    expect(e.message).toMatch(/notes\.csv:23: column 'clicked' has "oops"/);
    expect(e.row).toBe(23);
  });

  it('a row with a field too many: DuckDB finds it, the message is ours, with the line', async () => {
    await writeFile(join(dir, 'wide.csv'), 'user_id,item_id,timestamp,clicked\nu1,i1,1,1\nu1,i2,2,1,extra\n');
    const e = await loadError({ interactions: { path: 'wide.csv' } });
    expect(e.message).toMatch(/wide\.csv:3: the row has 5 fields but the header has 4/);
    expect(e.message).not.toMatch(/Original Line|strict_mode|null_padding/);
  });
});

describe('data.interactions.where', () => {
  it('filters rows in SQL before anything else (every user loses its short view)', async () => {
    const all = await load({ interactions: { path: 'log.csv' } });
    const long = await load({ interactions: { path: 'log.csv', where: 'dwell_ms > 3000' } });
    expect(all.stats.rows).toBe(9);
    expect(long.stats.rows).toBe(6);
    // Kept: u1 i1,i3; u2 i1,i2; u3 i2,i3. Training: u1 i1, u2 i1, u3 i2; held out: u1 i3 and u3 i3 (i3 never
    // trained: dropped), u2 i2 (kept).
    expect(long.stats.droppedTestUnseen).toBe(2);
    expect(Array.from(long.test.items, (i) => long.items.ids[i])).toEqual(['i2']);
    expect(Array.from(long.train.items, (i) => long.items.ids[i]).sort()).toEqual(['i1', 'i1', 'i2']);
  });

  it('an expression DuckDB cannot bind is an error naming the setting', async () => {
    const e = await loadError({ interactions: { path: 'log.csv', where: 'dwell > 3000' } });
    expect(e.message).toMatch(/^data\.interactions\.where: the filter `dwell > 3000` cannot be applied: .*dwell/);
  });

  it('the language server names a column the filter refers to that the file lacks', async () => {
    expect(whereColumns(`dwell_ms > 3000 AND country = 'DE' AND lower("Device Type") LIKE '%phone%' AND ts::DOUBLE > 1`)).toEqual(['dwell_ms', 'country', 'Device Type', 'ts']);
    const text = `data:
  interactions:
    path: log.csv
    where: dwel_ms > 3000
  split: { method: leave_last_n, n: 1 }
user_tower: { id_embedding_dim: 4 }
item_tower: { id_embedding_dim: 4 }
`;
    const r = await checkExperimentText(text, { filePath: expFile, probe: createFileDataProbe() });
    const d = r.diagnostics.filter((x) => x.code === 'unknown-column');
    expect(d).toHaveLength(1);
    expect(d[0].path).toEqual(['data', 'interactions', 'where']);
    expect(d[0].message).toMatch(/names `dwel_ms`.*Did you mean `dwell_ms`\?/);
    const clean = await checkExperimentText(text.replace('dwel_ms', 'dwell_ms'), { filePath: expFile, probe: createFileDataProbe() });
    expect(clean.diagnostics.filter((x) => x.code === 'unknown-column')).toEqual([]);
  });
});
