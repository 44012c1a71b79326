/**
 * Which reader a data file takes, from the declared `format` or, for `auto`, from the file's name (MovieLens
 * files by name, the rest by extension, a `.gz`/`.zst` suffix looked through). One module, free of DuckDB,
 * so that the trainer and the language server's data check decide the same way.
 */
import { basename, extname } from 'node:path';

import { DataError } from '../errors';
import { movieLensLayout, type MovieLensLayout } from './movielens';
import { withoutCompression } from './paths';

export type DataFormatName = 'auto' | 'csv' | 'tsv' | 'jsonl' | 'parquet' | 'movielens-latest' | 'movielens-100k' | 'movielens-1m';

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

/** The MovieLens layout of a file, by the declared format or else its name; undefined for other files. */
export function movieLensLayoutOf(file: string, format: DataFormatName = 'auto'): MovieLensLayout | undefined {
  const name = basename(file);
  if (format === 'movielens-latest') return movieLensLayout(name, 'latest');
  if (format === 'movielens-100k') return movieLensLayout(name, '100k');
  if (format === 'movielens-1m') return movieLensLayout(name, '1m');
  if (format !== 'auto') return undefined;
  if (name === 'ratings.csv' || name === 'movies.csv') return movieLensLayout(name, 'latest');
  if (name === 'u.data' || name === 'u.user' || name === 'u.item' || /^u\d\.(base|test)$/.test(name) || /^u[ab]\.(base|test)$/.test(name)) return movieLensLayout(name, '100k');
  if (name === 'ratings.dat' || name === 'movies.dat' || name === 'users.dat') return movieLensLayout(name, '1m');
  return undefined;
}

/** The reader for a file; `auto` recognises MovieLens files by name, then goes by extension. */
export function resolveFormat(file: string, format: DataFormatName): ResolvedFormat {
  const layout = movieLensLayoutOf(file, format);
  if (layout) return { reader: 'movielens', layout };
  if (format !== 'auto' && format !== 'movielens-latest' && format !== 'movielens-100k' && format !== 'movielens-1m') return { reader: format };
  const name = basename(file);
  const byExtension = EXTENSIONS[extname(withoutCompression(name)).toLowerCase()];
  if (byExtension) return { reader: byExtension };
  throw new DataError(
    `${file}: cannot tell the format from the name '${name}'. Supported: .csv, .tsv/.tab/.data, .jsonl/.ndjson, .parquet (text formats also as .gz or .zst), and the MovieLens files (ratings.csv, movies.csv, u.data, u.user, u.item, ratings.dat, movies.dat, users.dat). Set 'format' explicitly (csv, tsv, jsonl, parquet, movielens-latest, movielens-100k, movielens-1m).`,
    { file },
  );
}
