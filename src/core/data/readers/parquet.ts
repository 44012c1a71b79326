/**
 * Parquet reader on hyparquet: the file is read through an async buffer and decoded one row group at
 * a time, so memory holds one row group of rows, not the file. Line numbers are 1-based row indices.
 */

import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';

import { assertReadableFile, DataError } from '../errors';
import type { Cell, TableSource } from './source';

export async function openParquet(file: string): Promise<TableSource> {
  await assertReadableFile(file);
  const buffer = await asyncBufferFromFile(file);
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (e) {
    throw new DataError(`${file}: not a readable Parquet file (${(e as Error).message}). Check the file, or set 'format' if it is not Parquet.`, { file });
  }
  const columns = parquetSchema(metadata).children.map((c) => c.element.name);
  return {
    file,
    columns,
    async read(onRow) {
      const values = new Array<Cell>(columns.length);
      let rowStart = 0;
      for (const group of metadata.row_groups) {
        const rowEnd = rowStart + Number(group.num_rows);
        const objects = await parquetReadObjects({ file: buffer, metadata, rowStart, rowEnd });
        for (let r = 0; r < objects.length; r++) {
          const o = objects[r];
          for (let c = 0; c < columns.length; c++) values[c] = toCell(o[columns[c]]);
          onRow(values, rowStart + r + 1);
        }
        rowStart = rowEnd;
      }
    },
    close() {
      // hyparquet's file buffer holds no open descriptor between reads.
    },
  };
}

function toCell(v: unknown): Cell {
  if (v === null || v === undefined || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v;
  if (v instanceof Date) return v.getTime() / 1000;
  return JSON.stringify(v);
}
