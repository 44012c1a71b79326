/**
 * The SQL path of the readers (sqlDecode.ts) held to their row paths (interactions.ts, rankingLog.ts) on
 * real files: the same vocabularies, arrays and lines, and the same first error, for cells SQL parses
 * (plain numbers, 0/1) and cells it leaves to JavaScript (ISO dates, `yes`, blanks, NaN), several files
 * of a glob, a `where` filter, quoted newlines, typed Parquet, ids looked up in the interactions'
 * vocabularies, and the ids it declines (padded with blanks).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readInteractions, type InteractionMapping, type Interactions } from '../../../src/core/data/interactions';
import { readRankingLog, type RankingLogColumns } from '../../../src/core/data/rankingLog';
import { decodeInSql } from '../../../src/core/data/sqlDecode';
import { openTable } from '../../../src/core/data/readers/open';
import type { TableSource } from '../../../src/core/data/readers/source';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'interactions-sql-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const MAPPING: InteractionMapping = { user: 'user_id', item: 'item_id', timestamp: 'ts', rating: 'rating', clicked: 'clicked' };
const columns = (source: TableSource) => {
  const index = (name?: string) => (name === undefined ? -1 : source.columns.indexOf(name));
  return { user: index(MAPPING.user), item: index(MAPPING.item), timestamp: index(MAPPING.timestamp), rating: index(MAPPING.rating), clicked: index(MAPPING.clicked), impressed: -1 };
};

/** The same table read by the row path: the source without its SQL form. */
const rowPath = (source: TableSource): TableSource => Object.create(source, { sql: { value: undefined } }) as TableSource;

function plain(d: Interactions) {
  return {
    users: [...d.users.ids],
    items: [...d.items.ids],
    user: [...d.user],
    item: [...d.item],
    timestamp: d.timestamp && [...d.timestamp],
    rating: d.rating && [...d.rating],
    clicked: d.clicked && [...d.clicked],
    line: [...d.line],
    rows: d.rows,
  };
}

/** True when the SQL path takes the table (it gives undefined for the tables it leaves to the row path). */
async function sqlTakes(source: TableSource): Promise<boolean> {
  const c = columns(source);
  const ids = [
    { kind: 'codes' as const, index: c.user, name: 'user_id' },
    { kind: 'codes' as const, index: c.item, name: 'item_id' },
  ];
  return (await decodeInSql(source.file, source.sql!, ids, [])) !== undefined;
}

async function both(path: string, where?: string): Promise<{ sql: Interactions; rows: Interactions }> {
  const options = where ? { where: { sql: where, configKey: 'data.interactions.where' } } : {};
  expect(await sqlTakes(await openTable(path, 'auto', options))).toBe(true);
  const sql = await readInteractions(await openTable(path, 'auto', options), MAPPING, 'data.interactions.columns');
  const rows = await readInteractions(rowPath(await openTable(path, 'auto', options)), MAPPING, 'data.interactions.columns');
  return { sql, rows };
}

async function errorOf(read: () => Promise<unknown>): Promise<string> {
  try {
    await read();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

async function bothErrors(path: string): Promise<{ sql: string; rows: string }> {
  return {
    sql: await errorOf(async () => readInteractions(await openTable(path, 'auto'), MAPPING, 'data.interactions.columns')),
    rows: await errorOf(async () => readInteractions(rowPath(await openTable(path, 'auto')), MAPPING, 'data.interactions.columns')),
  };
}

const HEADER = 'user_id,item_id,ts,rating,clicked\n';

describe('the SQL path of the interactions reader', () => {
  it('gives what the row path gives: plain and unplain cells, first-appearance codes, lines after blank lines and quoted newlines', async () => {
    const file = join(dir, 'mixed.csv');
    await writeFile(
      file,
      HEADER +
        'u2,i9,100,4,1\n' +
        'u1,i9,2024-03-01,+5,yes\n' +
        '\n' +
        'u2,"i\n7",2024-03-01T12:00:00Z,.5,0\n' +
        'u3,i1,1e3,1e1,\n' +
        '007,i1,0x10,5.,true\n' +
        'u1,i7,-0,3,f\n',
    );
    const { sql, rows } = await both(file);
    expect(plain(sql)).toEqual(plain(rows));
    // By hand: codes by first appearance (0 is OOV), lines after the blank line and the quoted newline.
    expect(plain(sql)).toMatchObject({
      users: ['<oov>', 'u2', 'u1', 'u3', '007'],
      items: ['<oov>', 'i9', 'i\n7', 'i1', 'i7'],
      user: [1, 2, 1, 3, 4, 2],
      item: [1, 1, 2, 3, 3, 4],
      timestamp: [100, 1709251200, 1709294400, 1000, 16, -0],
      rating: [4, 5, 0.5, 10, 5, 3],
      clicked: [1, 1, 0, 0, 1, 0],
      line: [2, 3, 5, 7, 8, 9],
    });
  });

  it('reads the files of a glob in order, with a where filter and a cell left to JavaScript in the second file, as the row path does', async () => {
    await mkdir(join(dir, 'parts'), { recursive: true });
    await writeFile(join(dir, 'parts', 'a.csv'), HEADER + 'u1,i1,1,5,1\nu2,i2,2,1,1\nu3,i1,3,4,0\n');
    await writeFile(join(dir, 'parts', 'b.csv'), HEADER + 'u4,i3,4,2,1\nu2,i4,2024-03-01,5,1\n');
    const { sql, rows } = await both(join(dir, 'parts', '*.csv'), 'rating >= 4');
    expect(plain(sql)).toEqual(plain(rows));
    expect(plain(sql)).toMatchObject({ users: ['<oov>', 'u1', 'u3', 'u2'], items: ['<oov>', 'i1', 'i4'], line: [2, 4, 3], rows: 3 });
  });

  it('reports the first problem in file order, whichever kind it is, in the row path’s words', async () => {
    await writeFile(join(dir, 'bad-cell-first.csv'), HEADER + 'u1,i1,1,5,1\nu1,i2,row 7,5,1\nu2,,3,5,1\n');
    await writeFile(join(dir, 'blank-id-first.csv'), HEADER + 'u1,i1,1,5,1\n,i2,2,5,1\nu2,i3,row 7,5,1\n');
    await writeFile(join(dir, 'not-finite.csv'), HEADER + 'u1,i1,1,5,1\nu1,i2,2,NaN,1\n');
    await writeFile(join(dir, 'bad-flag.csv'), HEADER + 'u1,i1,1,5,2\n');
    for (const name of ['bad-cell-first', 'blank-id-first', 'not-finite', 'bad-flag']) {
      const { sql, rows } = await bothErrors(join(dir, `${name}.csv`));
      expect(sql).toEqual(rows);
    }
    expect((await bothErrors(join(dir, 'bad-cell-first.csv'))).sql).toContain('bad-cell-first.csv:3: column \'ts\' has "row 7"');
    expect((await bothErrors(join(dir, 'blank-id-first.csv'))).sql).toContain("blank-id-first.csv:3: the user id (column 'user_id') is empty");
  });

  it('reads typed Parquet as the row path does: integer ids, doubles, booleans, a NaN refused with its row', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    const file = join(dir, 'typed.parquet');
    await connection.run(
      `COPY (SELECT * FROM (VALUES (12, 9007199254740993::BIGINT, 1.5::DOUBLE, 4::INTEGER, true), (7, 3::BIGINT, 2.0, 5, false), (12, 3::BIGINT, 3.0, 1, true)) t(user_id, item_id, ts, rating, clicked)) TO '${file}' (FORMAT parquet)`,
    );
    const nan = join(dir, 'nan.parquet');
    await connection.run(`COPY (SELECT * FROM (VALUES (1, 1, 1.0, 4, true), (2, 2, 'NaN'::DOUBLE, 5, false)) t(user_id, item_id, ts, rating, clicked)) TO '${nan}' (FORMAT parquet)`);
    connection.closeSync();
    const { sql, rows } = await both(file);
    expect(plain(sql)).toEqual(plain(rows));
    expect(plain(sql)).toMatchObject({ users: ['<oov>', '12', '7'], items: ['<oov>', '9007199254740993', '3'], timestamp: [1.5, 2, 3], clicked: [1, 0, 1] });
    const errors = await bothErrors(nan);
    expect(errors.sql).toEqual(errors.rows);
    expect(errors.sql).toContain('which is not a finite number');
  });

  it('leaves ids padded with blanks to the row path, which trims them', async () => {
    const file = join(dir, 'padded.csv');
    await writeFile(file, HEADER + 'u1,i1,1,5,1\n u1,i2,2,5,1\nu2,i1\u00a0,3,5,1\n');
    expect(await sqlTakes(await openTable(file, 'auto'))).toBe(false);
    const read = await readInteractions(await openTable(file, 'auto'), MAPPING, 'data.interactions.columns');
    expect([...read.users.ids]).toEqual(['<oov>', 'u1', 'u2']);
    expect([...read.items.ids]).toEqual(['<oov>', 'i1', 'i2']);
  });

  it('reads a ranking log as the row path does: ids looked up (0 = unknown), blank requests, ranks as int32, flags, and the same first error', async () => {
    const log = join(dir, 'log.csv');
    await writeFile(log, HEADER + 'u1,i1,1,5,1\nu2,i2,2,4,1\nu1,i3,3,3,0\n');
    const data = await readInteractions(await openTable(log, 'auto'), MAPPING, 'data.interactions.columns');
    const ranking = join(dir, 'ranking.csv');
    await writeFile(ranking, 'request_id,user_id,item_id,rank,discarded\nr1,u1,i2,0,0\nr1,u1,i9,1,1\n,u7,i3,2.7,yes\nr2,u2,i1,3,f\nr1,u2,i3,-1,0\n');
    const cols: RankingLogColumns = { request: 'request_id', user: 'user_id', item: 'item_id', rank: 'rank', discarded: 'discarded' };
    const read = async (source: TableSource) => readRankingLog(source, cols, data.users, data.items, 'data.ranking_log');
    expect(await sqlTakes(await openTable(ranking, 'auto'))).toBe(true);
    const viaSql = await read(await openTable(ranking, 'auto'));
    const viaRows = await read(rowPath(await openTable(ranking, 'auto')));
    const arrays = (r: typeof viaSql) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, [...(v as Int32Array)]]));
    expect(arrays(viaSql)).toEqual(arrays(viaRows));
    // By hand: requests r1 → 0, '' → 1, r2 → 2; u7 and i9 are not in the interactions (0); 2.7 → 2.
    expect(arrays(viaSql)).toEqual({ requests: [0, 0, 1, 2, 0], users: [1, 1, 0, 2, 2], items: [2, 0, 3, 1, 3], ranks: [0, 1, 2, 3, -1], discarded: [0, 1, 1, 0, 0] });
    const bad = join(dir, 'ranking-bad.csv');
    await writeFile(bad, 'request_id,user_id,item_id,rank,discarded\nr1,u1,i2,0,0\nr1,u1,i9,first,1\n');
    const errors = { sql: await errorOf(async () => read(await openTable(bad, 'auto'))), rows: await errorOf(async () => read(rowPath(await openTable(bad, 'auto')))) };
    expect(errors.sql).toEqual(errors.rows);
    expect(errors.sql).toContain('ranking-bad.csv:3: column \'rank\' has "first"');
  });
});


describe("DuckDB's spill directory", () => {
  it("is a folder of the system's temporary directory, not `.tmp` in the working directory (the user's workspace)", async () => {
    const { duckdb, spillDirectory } = await import('../../../src/core/data/readers/duckdb');
    const setting = (await (await duckdb()).runAndReadAll(`SELECT current_setting('temp_directory')`)).getRows()[0][0];
    expect(setting).toBe(spillDirectory());
    expect(String(setting).startsWith(tmpdir())).toBe(true);
  });
});
