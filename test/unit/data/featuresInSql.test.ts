/**
 * The SQL path of the feature reader (featuresInSql.ts) held to the row path (entityFeatures.ts) on real
 * files: the same vocabularies, values and statistics, and the same first error. Feature tables (one
 * row per key: a key twice is refused) and the interactions read as features (held-out rows left out,
 * the last row of an entity wins), cells SQL parses and cells it leaves to JavaScript, unknown keys whose
 * cells are never read, and the tables it declines (padded keys).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { joinFeatures, joinTowersFeatures, type FeatureSpecs, type TowerFeatures } from '../../../src/core/data/entityFeatures';
import { featureCellsInSql } from '../../../src/core/data/featuresInSql';
import { openTable } from '../../../src/core/data/readers/open';
import type { TableSource } from '../../../src/core/data/readers/source';
import { vocabularyOf } from '../../../src/core/data/vocabulary';
import type { EntityFeatures, Vocabulary } from '../../../src/core/data/dataset';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'features-sql-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The same table read by the row path: the source without its SQL form. */
const rowPath = (source: TableSource): TableSource => Object.create(source, { sql: { value: undefined } }) as TableSource;

const SPECS: FeatureSpecs = {
  categorical: [{ name: 'genre' }, { name: 'studio', max_vocab: 2 }],
  continuous: [
    { name: 'price', normalize: 'log' },
    { name: 'age', normalize: 'zscore', buckets: 3 },
  ],
};
const ITEMS = vocabularyOf(['i1', 'i2', 'i3', 'i4', 'i5']);

function plain(f: EntityFeatures) {
  return {
    categorical: f.categorical.map((c) => ({ name: c.name, vocabulary: [...c.vocabulary.ids], values: [...c.values] })),
    continuous: f.continuous.map((c) => ({ ...c, values: [...c.values], bucketIds: c.bucketIds && [...c.bucketIds], boundaries: c.boundaries && [...c.boundaries] })),
    keyColumn: f.keyColumn,
  };
}

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

interface Read {
  features?: ReturnType<typeof plain>;
  warnings: string[];
  error?: string;
}

async function read(path: string, viaSql: boolean, options: { skipRows?: Uint8Array; specs?: FeatureSpecs; entities?: Vocabulary } = {}): Promise<Read> {
  const source = await openTable(path, 'auto');
  const entities = options.entities ?? ITEMS;
  const warnings: string[] = [];
  try {
    const features = await joinFeatures(viaSql ? source : rowPath(source), 'item_id', entities, options.specs ?? SPECS, new Uint8Array(entities.size).fill(1), 'data.item_features', 'item_tower', {
      warn: (m) => warnings.push(m),
      skipRows: options.skipRows,
    });
    return { features: plain(features), warnings };
  } catch (e) {
    return { warnings, error: (e as Error).message };
  }
}

/** Whether the SQL path takes the table (it gives undefined for the tables it leaves to the row path). */
async function sqlTakes(path: string): Promise<boolean> {
  const source = await openTable(path, 'auto');
  try {
    const cells = await featureCellsInSql(source, [
      {
        key: 'item_id',
        keyCol: source.columns.indexOf('item_id'),
        catCols: [],
        conCols: [],
        specs: { categorical: [], continuous: [] },
        entities: ITEMS,
        size: ITEMS.size,
        configKey: 'data.item_features',
      },
    ]);
    return cells !== undefined;
  } finally {
    source.close();
  }
}

async function expectSame(path: string, options: Parameters<typeof read>[2] = {}): Promise<Read> {
  const viaSql = await read(path, true, options);
  const viaRows = await read(path, false, options);
  expect(viaSql).toEqual(viaRows);
  return viaSql;
}

describe('features read in SQL', () => {
  it('gives a feature table the row path’s vocabularies, values, statistics and buckets', async () => {
    const path = await file(
      'items.csv',
      // i5 has no row, i9 is not an item (its bad cells are never read), blanks are missing values.
      'item_id,genre,studio,price,age\ni2,drama,A,10,3\ni1,comedy,B,,7\ni9,horror,C,abc,x\ni3,,B,2.5,\ni4,drama,C,1e3,11\n',
    );
    expect(await sqlTakes(path)).toBe(true);
    const result = await expectSame(path);
    expect(result.error).toBeUndefined();
    // Every row's values count, an unknown item's too (horror); a blank is no category.
    expect(result.features!.categorical[0].vocabulary.slice(1)).toEqual(['drama', 'comedy', 'horror']);
    // max_vocab 2 of studio: B and C (2 rows each) before A (1 row).
    expect(result.features!.categorical[1].vocabulary.slice(1)).toEqual(['B', 'C']);
    expect(result.warnings.join('\n')).toMatch(/1 of 5 ids .* no row/);
  });

  it('reads the interactions as features: held-out rows left out (their bad cells too), the last training row of an entity wins', async () => {
    const path = await file('log.csv', 'user_id,item_id,genre,studio,price,age\nu1,i1,drama,A,1,1\nu2,i1,comedy,A,2,2\nu1,i2,scifi,B,oops,3\nu3,i2,scifi,B,4,4\nu2,i3,drama,C,5,5\n');
    // Row 2 (0-based) is held out: its 'oops' is never parsed, its genre never counted.
    const skipRows = Uint8Array.from([0, 0, 1, 0, 0]);
    const result = await expectSame(path, { skipRows });
    expect(result.error).toBeUndefined();
    const genre = result.features!.categorical[0];
    // i1's last training row says comedy.
    expect(genre.vocabulary[genre.values[1]]).toBe('comedy');
    // Without the skip, the held-out row's cell is an error, on its line, on both paths.
    const unskipped = await expectSame(path, { skipRows: new Uint8Array(5) });
    expect(unskipped.error).toMatch(/log\.csv:4: column 'price'/);
  });

  it('refuses a key given twice in a feature table, naming both lines; the first problem in file order wins', async () => {
    const twice = await file('twice.csv', 'item_id,genre,studio,price,age\ni1,a,A,1,1\ni2,b,B,2,2\ni1,c,C,3,3\n');
    expect((await expectSame(twice)).error).toMatch(/twice\.csv:4: the key 'i1' \(column 'item_id'\) is also on line 2/);
    // A bad cell before the second i1: that error first; after it: the duplicate first.
    const cellFirst = await file('cell-first.csv', 'item_id,genre,studio,price,age\ni1,a,A,1,1\ni2,b,B,2,x\ni1,c,C,3,3\n');
    expect((await expectSame(cellFirst)).error).toMatch(/cell-first\.csv:3: column 'age'/);
    const dupFirst = await file('dup-first.csv', 'item_id,genre,studio,price,age\ni1,a,A,1,1\ni1,c,C,3,3\ni2,b,B,2,x\n');
    expect((await expectSame(dupFirst)).error).toMatch(/dup-first\.csv:3: the key 'i1'/);
    // The interactions repeat keys by design: no error there.
    expect((await expectSame(twice, { skipRows: new Uint8Array(3) })).error).toBeUndefined();
  });

  it("refuses values 'log' cannot take and values that are not finite, at the first one in file order", async () => {
    // −3 is parsed in SQL, 'Infinity' by JavaScript: the earlier line is reported either way round.
    const sqlFirst = await file('log-sql.csv', 'item_id,genre,studio,price,age\ni1,a,A,-3,1\ni2,b,B,Infinity,2\n');
    expect((await expectSame(sqlFirst)).error).toMatch(/log-sql\.csv:2: column 'price' has -3, but 'log' normalisation needs values > −1/);
    const jsFirst = await file('log-js.csv', 'item_id,genre,studio,price,age\ni1,a,A,Infinity,1\ni2,b,B,-3,2\n');
    expect((await expectSame(jsFirst)).error).toMatch(/log-js\.csv:2: column 'price' has Infinity, which is not a finite number/);
    // One row, two problems: the earlier column's (price, refused) before the later one's (age, not a number).
    const sameRow = await file('same-row.csv', 'item_id,genre,studio,price,age\ni1,a,A,-5,zz\n');
    expect((await expectSame(sameRow)).error).toMatch(/same-row\.csv:2: column 'price' has -5/);
    // A value −1 < x is fine for log; an unknown key's −7 is never read.
    const fine = await file('log-fine.csv', 'item_id,genre,studio,price,age\ni1,a,A,-0.5,1\ni9,b,B,-7,2\n');
    expect((await expectSame(fine)).error).toBeUndefined();
  });

  it('reads both towers from the interactions in one pass, as the two towers read on their own by the row path', async () => {
    const path = await file(
      'both.csv',
      'user_id,item_id,segment,age,genre,price\nu1,i1,s1,30,drama,10\nu2,i2,s2,,comedy,2\nu1,i3,s3,31,drama,oops\nu3,i1,s1,40,scifi,12\n',
    );
    const users = vocabularyOf(['u1', 'u2', 'u3']);
    const items = vocabularyOf(['i1', 'i2', 'i3']);
    const towers: TowerFeatures[] = [
      { key: 'user_id', entities: users, specs: { categorical: [{ name: 'segment' }], continuous: [{ name: 'age', normalize: 'zscore' }] }, trainMask: new Uint8Array(4).fill(1), configKey: 'data.interactions', towerKey: 'user_tower' },
      { key: 'item_id', entities: items, specs: { categorical: [{ name: 'genre' }], continuous: [{ name: 'price', normalize: 'log' }] }, trainMask: new Uint8Array(4).fill(1), configKey: 'data.interactions', towerKey: 'item_tower' },
    ];
    const both = async (skipRows: Uint8Array, viaSql: boolean) => {
      const warnings: string[] = [];
      let opened = 0;
      const open = async () => {
        opened++;
        const source = await openTable(path, 'auto');
        return viaSql ? source : rowPath(source);
      };
      try {
        const features = viaSql
          ? await joinTowersFeatures(open, towers, { warn: (m) => warnings.push(m), skipRows })
          : [
              await joinFeatures(await open(), towers[0].key, users, towers[0].specs, towers[0].trainMask, towers[0].configKey, towers[0].towerKey, { warn: (m) => warnings.push(m), skipRows }),
              await joinFeatures(await open(), towers[1].key, items, towers[1].specs, towers[1].trainMask, towers[1].configKey, towers[1].towerKey, { warn: (m) => warnings.push(m), skipRows }),
            ];
        return { result: { features: features.map(plain), warnings }, opened };
      } catch (e) {
        return { result: { error: (e as Error).message, warnings }, opened };
      }
    };
    // Row 3 (i3's 'oops') held out: both towers from one read of the file.
    const heldOut = Uint8Array.from([0, 0, 1, 0]);
    const sql = await both(heldOut, true);
    expect(sql.result).toEqual((await both(heldOut, false)).result);
    expect(sql.opened).toBe(1);
    expect((sql.result as { warnings: string[] }).warnings.join('\n')).toMatch(/1 of 3 ids .* only held-out rows/);
    // Not held out, the item tower's 'oops' is an error; both ways give it (the towers then read on their own).
    const none = new Uint8Array(4);
    const failing = await both(none, true);
    expect(failing.result).toEqual((await both(none, false)).result);
    expect((failing.result as { error?: string }).error).toMatch(/both\.csv:4: column 'price'/);
  });

  it('reports the user tower’s problem first, as the towers’ own reads in turn do, though an item cell is bad earlier in the file', async () => {
    const path = await file('order.csv', 'user_id,item_id,age,price\nu1,i1,30,bad\nu2,i2,worse,2\n');
    const users = vocabularyOf(['u1', 'u2']);
    const items = vocabularyOf(['i1', 'i2']);
    const towers: TowerFeatures[] = [
      { key: 'user_id', entities: users, specs: { categorical: [], continuous: [{ name: 'age', normalize: 'zscore' }] }, trainMask: new Uint8Array(3).fill(1), configKey: 'data.interactions', towerKey: 'user_tower' },
      { key: 'item_id', entities: items, specs: { categorical: [], continuous: [{ name: 'price', normalize: 'zscore' }] }, trainMask: new Uint8Array(3).fill(1), configKey: 'data.interactions', towerKey: 'item_tower' },
    ];
    await expect(joinTowersFeatures(() => openTable(path, 'auto'), towers, { skipRows: new Uint8Array(2) })).rejects.toThrow(/order\.csv:3: column 'age'/);
  });

  it('leaves tables with padded keys to the row path, which trims them', async () => {
    const path = await file('padded.csv', 'item_id,genre,studio,price,age\n i1,a,A,1,1\ni2 ,b,B,2,2\n');
    expect(await sqlTakes(path)).toBe(false);
    const result = await expectSame(path);
    expect(result.features!.categorical[0].values[1]).toBeGreaterThan(0);
  });
});
