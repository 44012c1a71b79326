import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { countDistinct, createFileDataProbe, DataFileError, readColumns } from '../../../src/core/config/dataProbe';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'probe-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});
const write = async (name: string, content: string | Uint8Array) => {
  const p = path.join(dir, name);
  await fs.mkdir(path.dirname(p), { recursive: true });
  await fs.writeFile(p, content);
  return p;
};

describe('readColumns', () => {
  it('reads a CSV header, with a BOM, quotes and CRLF', async () => {
    const p = await write('a.csv', '\uFEFFuser_id,"item id",clicked\r\n1,2,1\r\n');
    expect(await readColumns(p)).toEqual(['user_id', 'item id', 'clicked']);
  });
  it('reads a TSV header', async () => {
    expect(await readColumns(await write('a.tsv', 'u\ti\tts\n1\t2\t3\n'))).toEqual(['u', 'i', 'ts']);
  });
  it('reads the keys of the first JSONL object', async () => {
    expect(await readColumns(await write('a.jsonl', '{"user":"a","item":"b","t":1}\n{"user":"c"}\n'))).toEqual(['user', 'item', 't']);
  });
  it('reads Parquet column names from the footer', async () => {
    const buffer = parquetWriteBuffer({ columnData: [{ name: 'user_id', data: [1, 2] }, { name: 'item_id', data: [3, 4] }] });
    expect(await readColumns(await write('a.parquet', new Uint8Array(buffer)))).toEqual(['user_id', 'item_id']);
  });
  it('names the columns of MovieLens 100K files, which have no header', async () => {
    const p = await write('ml-100k/u.data', '196\t242\t3\t881250949\n');
    expect(await readColumns(p)).toEqual(['user_id', 'item_id', 'rating', 'timestamp']);
    expect(await readColumns(await write('ml-100k/u.user', '1|24|M|technician|85711\n'))).toEqual(['user_id', 'age', 'gender', 'occupation', 'zip']);
    // u.item as the reader presents it: the 19 genre flags become one `genres` column, and `year` is derived.
    expect(await readColumns(await write('ml-100k/u.item', '1|Toy Story (1995)|01-Jan-1995||http://x|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n'))).toEqual(['item_id', 'title', 'release_date', 'year', 'genres']);
  });
  it('gives movies.csv of latest-small the derived `year` column of the reader', async () => {
    const p = path.resolve(__dirname, '../../../../shared/data/ml-latest-small/movies.csv');
    expect(await readColumns(p)).toEqual(['movieId', 'title', 'genres', 'year']);
  });
  it('reads the header of MovieLens latest-small ratings.csv as it is', async () => {
    const p = path.resolve(__dirname, '../../../../shared/data/ml-latest-small/ratings.csv');
    expect(await readColumns(p)).toEqual(['userId', 'movieId', 'rating', 'timestamp']);
  });
  it('returns (never throws) a "missing" error for a file that does not exist', async () => {
    const r = await readColumns(path.join(dir, 'nope.csv'));
    expect(r).toBeInstanceOf(DataFileError);
    expect((r as DataFileError).kind).toBe('missing');
  });
  it('returns an "unreadable" error for a directory, bad JSON and bad Parquet', async () => {
    for (const p of [dir, await write('bad.jsonl', 'not json\n'), await write('bad.parquet', 'PAR1 nonsense')]) {
      const r = await readColumns(p);
      expect(r, p).toBeInstanceOf(DataFileError);
      expect((r as DataFileError).kind).toBe('unreadable');
    }
  });
  it('reads only the head of a 1 GB file: a header is found, a header-less binary is refused', async () => {
    // Sparse files: 1 GB long on paper, no disk used; reading them whole would take seconds and 1 GB of memory.
    const withHeader = await write('big.csv', 'user_id,item_id\n1,2\n');
    await fs.truncate(withHeader, 1024 ** 3);
    expect(await readColumns(withHeader)).toEqual(['user_id', 'item_id']);
    const zeros = await write('zeros.csv', '');
    await fs.truncate(zeros, 1024 ** 3);
    const r = await readColumns(zeros);
    expect(r).toBeInstanceOf(DataFileError);
    expect((r as Error).message).toMatch(/longer than 64 KB/);
  });
});

describe('countDistinct', () => {
  it('counts distinct items of a small file', async () => {
    const p = await write('items.csv', 'user_id,item_id\n1,a\n2,b\n3,a\n4,c\n');
    // Items a, b, a, c: three distinct.
    expect(await countDistinct(p, 'item_id')).toBe(3);
    expect(await countDistinct(p, 'no_such')).toBeUndefined();
  });
  it('does not count files above the size limit', async () => {
    const p = await write('huge.csv', 'user_id,item_id\n1,2\n');
    await fs.truncate(p, 1024 ** 3);
    expect(await countDistinct(p, 'item_id')).toBeUndefined();
  });
});

describe('createFileDataProbe', () => {
  it('caches by modification time and re-reads after a change', async () => {
    const probe = createFileDataProbe();
    const p = await write('c.csv', 'a,b\n');
    expect(await probe.columns(p)).toEqual(['a', 'b']);
    await fs.writeFile(p, 'a,b,c\n');
    // A different size (and usually mtime) invalidates the entry.
    expect(await probe.columns(p)).toEqual(['a', 'b', 'c']);
    await fs.rm(p);
    expect(await probe.columns(p)).toBeInstanceOf(DataFileError);
  });
});
