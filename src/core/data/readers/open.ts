/**
 * Opens any supported table: picks the reader from `format` (or, for `auto`, from the file's name
 * and extension) and applies the MovieLens layouts.
 */
import { basename, extname } from 'node:path';

import { assertReadableFile, DataError } from '../errors';
import { openDelimited } from './delimited';
import { openJsonl } from './jsonl';
import {
  derive100kItem,
  deriveLatestMovie,
  ML100K_DATA_HEADER,
  ML100K_ITEM_COLUMNS,
  ML100K_ITEM_RAW_HEADER,
  ML100K_USER_HEADER,
  ML_LATEST_MOVIES_COLUMNS,
  movieLensLayout,
  type MovieLensLayout,
} from './movielens';
import { openParquet } from './parquet';
import type { TableSource } from './source';

export type DataFormatName = 'auto' | 'csv' | 'tsv' | 'jsonl' | 'parquet' | 'movielens-latest' | 'movielens-100k';

export type ResolvedFormat = { reader: 'csv' | 'tsv' | 'jsonl' | 'parquet' } | { reader: 'movielens'; layout: MovieLensLayout };

const EXTENSIONS: Record<string, 'csv' | 'tsv' | 'jsonl' | 'parquet'> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.data': 'tsv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.parquet': 'parquet',
  '.pq': 'parquet',
};

/** The reader for a file; `auto` recognises MovieLens files by name, then goes by extension. */
export function resolveFormat(file: string, format: DataFormatName): ResolvedFormat {
  const name = basename(file);
  if (format === 'movielens-latest') return { reader: 'movielens', layout: movieLensLayout(name, 'latest') };
  if (format === 'movielens-100k') return { reader: 'movielens', layout: movieLensLayout(name, '100k') };
  if (format !== 'auto') return { reader: format };
  if (name === 'ratings.csv' || name === 'movies.csv') return { reader: 'movielens', layout: movieLensLayout(name, 'latest') };
  if (name === 'u.data' || name === 'u.user' || name === 'u.item' || /^u\d\.(base|test)$/.test(name) || /^u[ab]\.(base|test)$/.test(name)) {
    return { reader: 'movielens', layout: movieLensLayout(name, '100k') };
  }
  const byExtension = EXTENSIONS[extname(name).toLowerCase()];
  if (byExtension) return { reader: byExtension };
  throw new DataError(
    `${file}: cannot tell the format from the name '${name}'. Supported: .csv, .tsv/.tab/.data, .jsonl/.ndjson, .parquet, and the MovieLens files (ratings.csv, movies.csv, u.data, u.user, u.item). Set 'format' explicitly (csv, tsv, jsonl, parquet, movielens-latest, movielens-100k).`,
    { file },
  );
}

/** Opens `file` (an absolute path) for streaming. */
export async function openTable(file: string, format: DataFormatName): Promise<TableSource> {
  // A missing or unreadable file is the first thing to fix, before its name or format.
  await assertReadableFile(file);
  const resolved = resolveFormat(file, format);
  switch (resolved.reader) {
    case 'csv':
      return openDelimited(file, { delimiter: ',' });
    case 'tsv':
      return openDelimited(file, { delimiter: '\t' });
    case 'jsonl':
      return openJsonl(file);
    case 'parquet':
      return openParquet(file);
    case 'movielens':
      return openMovieLens(file, resolved.layout);
  }
}

function openMovieLens(file: string, layout: MovieLensLayout): Promise<TableSource> {
  switch (layout) {
    case 'latest-ratings':
      return openDelimited(file, { delimiter: ',' });
    case 'latest-movies':
      return openDelimited(file, { delimiter: ',', derive: { columns: ML_LATEST_MOVIES_COLUMNS, map: deriveLatestMovie } });
    case '100k-data':
      return openDelimited(file, { delimiter: '\t', header: ML100K_DATA_HEADER, quote: false });
    case '100k-user':
      return openDelimited(file, { delimiter: '|', header: ML100K_USER_HEADER, quote: false });
    case '100k-item':
      return openDelimited(file, {
        delimiter: '|',
        header: ML100K_ITEM_RAW_HEADER,
        quote: false,
        encoding: 'latin1',
        derive: { columns: ML100K_ITEM_COLUMNS, map: derive100kItem },
      });
  }
}
