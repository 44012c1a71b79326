/**
 * Opens any supported table: a file, a glob or a folder (readers/paths.ts), with the reader its format
 * takes (readers/format.ts), through DuckDB (readers/duckTable.ts), and applies the MovieLens layouts.
 */
import { assertReadableFile, DataError } from '../errors';
import { openDuckTable, type TableLayout, type TableOptions } from './duckTable';
import { resolveFormat, type DataFormatName, type ResolvedFormat } from './format';
import {
  derive100kItem,
  deriveLatestMovie,
  ML100K_DATA_HEADER,
  ML100K_ITEM_COLUMNS,
  ML100K_ITEM_RAW_HEADER,
  ML100K_USER_HEADER,
  ML1M_MOVIES_COLUMNS,
  ML1M_MOVIES_RAW_HEADER,
  ML1M_RATINGS_HEADER,
  ML1M_USERS_HEADER,
  ML_LATEST_MOVIES_COLUMNS,
  type MovieLensLayout,
} from './movielens';
import { expandDataPath } from './paths';
import type { TableSource } from './source';

export { resolveFormat, type DataFormatName, type ResolvedFormat } from './format';

/** Opens `path` (an absolute path, glob or folder) for streaming. `where` filters rows (interactions only). */
export async function openTable(path: string, format: DataFormatName, options: Pick<TableOptions, 'where'> = {}): Promise<TableSource> {
  const { kind, files } = await expandDataPath(path);
  if (kind === 'file') {
    // A missing or unreadable file is the first thing to fix, before its name or format.
    await assertReadableFile(path);
  } else if (files.length === 0) {
    throw new DataError(
      kind === 'glob'
        ? `${path}: the pattern matches no file. Check the folder and the pattern (globs: * and ? within a name, ** for any depth, resolved relative to the experiment file).`
        : `${path}: the folder holds no data file (.csv, .tsv, .jsonl, .parquet, also .gz/.zst). Point the path at the files, e.g. ${path}/*.parquet.`,
      { file: path },
    );
  }
  const resolved = resolveFormat(files[0], format);
  for (const file of files.slice(1)) {
    const other = resolveFormat(file, format);
    if (JSON.stringify(other) !== JSON.stringify(resolved)) {
      throw new DataError(`${path}: the files are not all of one format (${files[0]} is read as ${describe(resolved)}, ${file} as ${describe(other)}). Narrow the pattern, or set 'format'.`, { file: path });
    }
  }
  const { layout, derive } = layoutOf(resolved);
  return openDuckTable(path, files, layout, { ...options, derive });
}

function describe(f: ResolvedFormat): string {
  return f.reader === 'movielens' ? `MovieLens ${f.layout}` : f.reader;
}

const CSV: TableLayout = { kind: 'delimited', delimiter: ',', quote: true };

function layoutOf(resolved: ResolvedFormat): { layout: TableLayout; derive?: TableOptions['derive'] } {
  switch (resolved.reader) {
    case 'csv':
      return { layout: CSV };
    case 'tsv':
      return { layout: { kind: 'delimited', delimiter: '\t', quote: true } };
    case 'jsonl':
      return { layout: { kind: 'jsonl' } };
    case 'parquet':
      return { layout: { kind: 'parquet' } };
    case 'movielens':
      return movieLensLayout(resolved.layout);
  }
}

function movieLensLayout(layout: MovieLensLayout): { layout: TableLayout; derive?: TableOptions['derive'] } {
  const noQuotes = (delimiter: string, header: readonly string[], encoding?: 'latin-1'): TableLayout => ({ kind: 'delimited', delimiter, quote: false, header, encoding });
  switch (layout) {
    case 'latest-ratings':
      return { layout: CSV };
    case 'latest-movies':
      return { layout: CSV, derive: { columns: ML_LATEST_MOVIES_COLUMNS, map: deriveLatestMovie } };
    case '100k-data':
      return { layout: noQuotes('\t', ML100K_DATA_HEADER) };
    case '100k-user':
      return { layout: noQuotes('|', ML100K_USER_HEADER) };
    case '100k-item':
      return { layout: noQuotes('|', ML100K_ITEM_RAW_HEADER, 'latin-1'), derive: { columns: ML100K_ITEM_COLUMNS, map: derive100kItem } };
    case '1m-ratings':
      return { layout: noQuotes('::', ML1M_RATINGS_HEADER) };
    case '1m-users':
      return { layout: noQuotes('::', ML1M_USERS_HEADER) };
    case '1m-movies':
      return { layout: noQuotes('::', ML1M_MOVIES_RAW_HEADER, 'latin-1'), derive: { columns: ML1M_MOVIES_COLUMNS, map: deriveLatestMovie } };
  }
}
