/**
 * Reads just enough of a data file to check an experiment against it: the column names (first line of a
 * CSV/TSV/JSONL file, the footer of a Parquet file, or the names the MovieLens readers give), and, for
 * small files, the number of distinct items and the range of a numeric column (a ranking log's ranks).
 * Never throws and never reads a big file whole: the header read stops at 64 KB. Results are cached by
 * path, modification time and size.
 *
 * It runs in the language server, so it loads no DuckDB, but it decides as the trainer's readers do: the
 * same format resolution (readers/format.ts), the same glob and folder expansion (readers/paths.ts), the
 * same header parser and decompression (readers/textLines.ts). A Parquet footer is not compressed, so
 * every codec's columns are read here. A `.gz` header is gunzipped here; a `.zst` one only where node:zlib
 * has zstd (Node 22.15+): under Node 20 such a file is reported as not checked, not as wrong.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

import { parquetMetadataAsync, parquetSchema, type AsyncBuffer } from 'hyparquet';

import type { Static } from '@sinclair/typebox';

import { movieLensLayoutOf, resolveFormat } from '../data/readers/format';
import { headerShape, jsonSyntaxProblem, looksLikeHeader, NOT_A_HEADER_HINT } from '../data/readers/header';
import {
  ML100K_DATA_HEADER,
  ML100K_ITEM_COLUMNS,
  ML100K_USER_HEADER,
  ML1M_MOVIES_COLUMNS,
  ML1M_RATINGS_HEADER,
  ML1M_USERS_HEADER,
  ML_LATEST_MOVIES_COLUMNS,
  type MovieLensLayout,
} from '../data/readers/movielens';
import { expandDataPath } from '../data/readers/paths';
import { canDecompress, firstBytes, firstRecord, HEADER_READ_LIMIT as TEXT_HEADER_LIMIT, openBytes } from '../data/readers/textLines';
import type { DataFormat } from './schema';

export type DataFormatName = Static<typeof DataFormat>;

/** How the checker asks about data files; the language server and tests may pass their own. */
export interface DataProbe {
  /** Column names of the file, or an Error (a `DataFileError` says whether it is missing). */
  columns(absPath: string, format?: DataFormatName): Promise<string[] | Error>;
  /** Distinct values of `itemColumn`, when cheap enough to count; undefined when not known. */
  itemCount?(absPath: string, itemColumn: string, format?: DataFormatName): Promise<number | undefined | Error>;
  /** Smallest and largest number in `column` (e.g. a ranking log's ranks), when cheap enough to read; undefined when not known. */
  numberRange?(absPath: string, column: string, format?: DataFormatName): Promise<NumberRange | undefined | Error>;
}

export interface NumberRange {
  min: number;
  max: number;
}

/**
 * A data file that is missing (`kind: 'missing'`), cannot be read (`unreadable`), whose first line is not a
 * header (`not-a-table`: its content is never put in the message), or that the probe may not read
 * (`not-read`: an untrusted workspace and a path outside its folders, see confinedProbe).
 */
export class DataFileError extends Error {
  constructor(
    message: string,
    readonly kind: 'missing' | 'unreadable' | 'not-a-table' | 'not-read',
    readonly filePath: string,
  ) {
    super(message);
    this.name = 'DataFileError';
  }
}

/**
 * Columns of the MovieLens files as the data readers (core/data/readers/movielens.ts) present them: the
 * 100K files have no header, and the movie tables gain derived columns (`genres` = first genre, `year`).
 * Only `ratings.csv` of latest-small is read from its own header line.
 */
export const MOVIELENS_COLUMNS: Readonly<Record<Exclude<MovieLensLayout, 'latest-ratings'>, readonly string[]>> = {
  'latest-movies': ML_LATEST_MOVIES_COLUMNS,
  '100k-data': ML100K_DATA_HEADER,
  '100k-user': ML100K_USER_HEADER,
  '100k-item': ML100K_ITEM_COLUMNS,
  '1m-ratings': ML1M_RATINGS_HEADER,
  '1m-movies': ML1M_MOVIES_COLUMNS,
  '1m-users': ML1M_USERS_HEADER,
};

export const HEADER_READ_LIMIT = TEXT_HEADER_LIMIT;
/** Item counting and number ranges read the whole file, so only files up to this size are read. */
export const ITEM_COUNT_SIZE_LIMIT = 32 * 1024 * 1024;

export type ConcreteFormat = 'csv' | 'tsv' | 'jsonl' | 'parquet' | { movieLens: MovieLensLayout };

export { movieLensLayoutOf };

/** True when the file is a MovieLens file that is read with its own column names. */
export function isMovieLensFile(absPath: string, format: DataFormatName = 'auto'): boolean {
  return movieLensLayoutOf(absPath, format) !== undefined;
}

/** The concrete format of a file, from the declared format or its name. */
export function concreteFormat(absPath: string, format: DataFormatName = 'auto'): ConcreteFormat {
  try {
    const resolved = resolveFormat(absPath, format);
    return resolved.reader === 'movielens' ? { movieLens: resolved.layout } : resolved.reader;
  } catch {
    // A name the trainer cannot place (it says so when training); checked as CSV here.
    return 'csv';
  }
}

/**
 * Where the data readers look for MovieLens feature tables when the experiment names none: the files
 * beside the ratings (movies.csv for latest-small; u.item and u.user for 100K).
 */
export function movieLensSiblingTable(ratingsPath: string, format: DataFormatName, side: 'user' | 'item'): { path: string; format: DataFormatName } | undefined {
  const layout = movieLensLayoutOf(ratingsPath, format);
  const dir = path.dirname(ratingsPath);
  if (layout === 'latest-ratings') return side === 'item' ? { path: path.join(dir, 'movies.csv'), format: 'movielens-latest' } : undefined;
  if (layout === '100k-data') return { path: path.join(dir, side === 'item' ? 'u.item' : 'u.user'), format: 'movielens-100k' };
  if (layout === '1m-ratings') return { path: path.join(dir, side === 'item' ? 'movies.dat' : 'users.dat'), format: 'movielens-1m' };
  return undefined;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function statOrError(absPath: string): Promise<{ mtimeMs: number; size: number } | DataFileError> {
  try {
    const st = await fs.stat(absPath);
    if (!st.isFile()) return new DataFileError(`${absPath} is not a file`, 'unreadable', absPath);
    return { mtimeMs: st.mtimeMs, size: st.size };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return new DataFileError(`${absPath} does not exist`, 'missing', absPath);
    return new DataFileError(`${absPath} cannot be read: ${errorMessage(e)}`, 'unreadable', absPath);
  }
}

/** The first bytes of the file (decompressed), or why they cannot be read here. */
async function headText(absPath: string): Promise<string | DataFileError> {
  if (!canDecompress(absPath)) {
    return new DataFileError(
      `${absPath}: the editor cannot read the header of a .zst file (this Node has no zstd in node:zlib); the trainer reads it through DuckDB. Check the column names when training starts.`,
      'not-read',
      absPath,
    );
  }
  try {
    const bytes = await firstBytes(absPath);
    return (bytes ?? Buffer.alloc(0)).toString('utf8');
  } catch (e) {
    return new DataFileError(`${absPath} cannot be read: ${errorMessage(e)}`, 'unreadable', absPath);
  }
}

/** The first non-blank line of the text (a JSONL header object). */
function firstLineOf(text: string, absPath: string): string | DataFileError {
  const line = text.replace(/^\uFEFF/, '').split('\n').find((l) => l.trim() !== '');
  if (line === undefined) return new DataFileError(`${absPath}: the file is empty; a first line with the column names is expected`, 'unreadable', absPath);
  return line.replace(/\r$/, '');
}

function headerColumns(text: string, delimiter: string, quote: string | undefined, absPath: string): string[] | DataFileError {
  const record = firstRecord(text, delimiter, quote);
  if (!record) return new DataFileError(`${absPath}: the file is empty; a header line with the column names is expected`, 'unreadable', absPath);
  if (!record.complete && text.length >= HEADER_READ_LIMIT) {
    return new DataFileError(`${absPath}: the first line is longer than ${HEADER_READ_LIMIT / 1024} KB, so it is not a header (is this a text data file?)`, 'unreadable', absPath);
  }
  return record.fields;
}

function jsonlColumns(line: string, absPath: string): string[] | DataFileError {
  try {
    const first: unknown = JSON.parse(line);
    if (typeof first !== 'object' || first === null || Array.isArray(first)) {
      return new DataFileError(`${absPath}: the first line is not a JSON object; JSONL data needs one object per line`, 'unreadable', absPath);
    }
    return Object.keys(first);
  } catch (e) {
    return new DataFileError(`${absPath}: the first line is not valid JSON (${jsonSyntaxProblem(e)}); JSONL data needs one JSON object per line. Its content is not shown.`, 'unreadable', absPath);
  }
}

async function parquetColumns(absPath: string, size: number): Promise<string[] | DataFileError> {
  let handle: fs.FileHandle | undefined;
  try {
    const h = await fs.open(absPath, 'r');
    handle = h;
    const file: AsyncBuffer = {
      byteLength: size,
      async slice(start: number, end?: number): Promise<ArrayBuffer> {
        const stop = end ?? size;
        const buf = Buffer.alloc(Math.max(0, stop - start));
        await h.read(buf, 0, buf.length, start);
        return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
      },
    };
    const metadata = await parquetMetadataAsync(file, { initialFetchSize: HEADER_READ_LIMIT });
    return parquetSchema(metadata).children.map((c) => c.element.name);
  } catch (e) {
    return new DataFileError(`${absPath}: not a readable Parquet file (${errorMessage(e)})`, 'unreadable', absPath);
  } finally {
    await handle?.close();
  }
}

/** Files of a glob or folder whose columns are compared (the trainer reads them all; the editor checks the first ones). */
const GLOB_CHECK_LIMIT = 64;

/**
 * Reads the column names of a data path; never throws. A glob or folder gives the columns of its files,
 * which must agree (as the trainer requires), or says that it matches nothing.
 */
export async function readColumns(absPath: string, format: DataFormatName = 'auto'): Promise<string[] | DataFileError> {
  const { kind, files } = await expandDataPath(absPath);
  if (kind === 'file') return readFileColumns(absPath, format);
  if (files.length === 0) {
    return kind === 'glob'
      ? new DataFileError(`${absPath} does not exist: the pattern matches no file`, 'missing', absPath)
      : new DataFileError(`${absPath} is a folder holding no data file (.csv, .tsv, .jsonl, .parquet, also .gz/.zst); the trainer would read its data files`, 'unreadable', absPath);
  }
  const first = await readFileColumns(files[0], format);
  if (first instanceof Error) return first;
  for (const file of files.slice(1, GLOB_CHECK_LIMIT)) {
    const other = await readFileColumns(file, format);
    if (other instanceof Error) return other;
    if (other.join('\0') !== first.join('\0')) {
      return new DataFileError(`${absPath}: the files have different columns (${file} differs from ${files[0]}); every file of a glob or folder must have the same columns`, 'unreadable', file);
    }
  }
  return first;
}

async function readFileColumns(absPath: string, format: DataFormatName): Promise<string[] | DataFileError> {
  const st = await statOrError(absPath);
  if (st instanceof Error) return st;
  const kind = concreteFormat(absPath, format);
  if (typeof kind === 'object' && kind.movieLens !== 'latest-ratings') return [...MOVIELENS_COLUMNS[kind.movieLens]];
  if (kind === 'parquet') return parquetColumns(absPath, st.size);
  const text = await headText(absPath);
  if (text instanceof Error) return text;
  const line = kind === 'jsonl' ? firstLineOf(text, absPath) : text;
  if (line instanceof Error) return line;
  const columns = kind === 'jsonl' ? jsonlColumns(line, absPath) : headerColumns(text, kind === 'tsv' ? '\t' : ',', '"', absPath);
  if (columns instanceof Error || looksLikeHeader(columns)) return columns;
  // Not a header: say so by its shape, never by its content (the path may point at /etc/passwd or a key).
  const what = kind === 'jsonl' ? 'the keys of the first object do not look like column names' : 'the first line does not look like a header of column names';
  return new DataFileError(`${absPath}: ${what} (${headerShape(columns)}). ${NOT_A_HEADER_HINT}`, 'not-a-table', absPath);
}

/**
 * Calls `cell` with the text of `column` on every data line of a text file up to ITEM_COUNT_SIZE_LIMIT.
 * Returns false when the file is not scanned (too big, Parquet, no such column, a MovieLens feature
 * table), or an error.
 */
async function scanColumn(absPath: string, column: string, format: DataFormatName, cell: (text: string) => void): Promise<boolean | DataFileError> {
  if ((await expandDataPath(absPath)).kind !== 'file' || !canDecompress(absPath)) return false;
  const st = await statOrError(absPath);
  if (st instanceof Error) return st;
  if (st.size > ITEM_COUNT_SIZE_LIMIT) return false;
  const kind = concreteFormat(absPath, format);
  if (kind === 'parquet') return false;
  const columns = await readColumns(absPath, format);
  if (columns instanceof Error) return columns;
  const index = columns.indexOf(column);
  if (index < 0) return false;
  const layout = typeof kind === 'object' ? kind.movieLens : undefined;
  // Scanning is for interaction files and ranking logs; the MovieLens feature tables (pipe-separated, derived columns) are not read.
  if (layout !== undefined && layout !== 'latest-ratings' && layout !== '100k-data') return false;
  const delimiter = kind === 'tsv' || layout === '100k-data' ? '\t' : ',';
  const hasHeader = layout !== '100k-data';
  const stream = openBytes(absPath)!;
  stream.setEncoding('utf8');
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let first = true;
  try {
    for await (const line of lines) {
      if (first && hasHeader) {
        first = false;
        continue;
      }
      first = false;
      if (line === '') continue;
      if (kind === 'jsonl') {
        const row = JSON.parse(line) as Record<string, unknown>;
        cell(String(row[column]));
      } else {
        // Quoted delimiters are rare in id and number columns; a plain split keeps scanning cheap.
        cell(line.split(delimiter)[index] ?? '');
      }
    }
  } catch (e) {
    // A row that is not JSON: say so without quoting it.
    return new DataFileError(`${absPath}: cannot read column \`${column}\`: ${e instanceof SyntaxError ? `a line is not valid JSON (${jsonSyntaxProblem(e)})` : errorMessage(e)}`, 'unreadable', absPath);
  } finally {
    lines.close();
    stream.destroy();
  }
  return true;
}

/** Counts distinct values of a column of a text file up to ITEM_COUNT_SIZE_LIMIT; undefined beyond, or for Parquet. */
export async function countDistinct(absPath: string, column: string, format: DataFormatName = 'auto'): Promise<number | undefined | DataFileError> {
  const seen = new Set<string>();
  const scanned = await scanColumn(absPath, column, format, (text) => seen.add(text));
  if (scanned instanceof Error) return scanned;
  return scanned ? seen.size : undefined;
}

/** Smallest and largest number of a column of a text file up to ITEM_COUNT_SIZE_LIMIT (cells that are not numbers are skipped); undefined beyond, for Parquet, or without numbers. */
export async function numberRange(absPath: string, column: string, format: DataFormatName = 'auto'): Promise<NumberRange | undefined | DataFileError> {
  let min = Infinity;
  let max = -Infinity;
  const scanned = await scanColumn(absPath, column, format, (text) => {
    const v = text.trim() === '' ? NaN : Number(text.replace(/^"|"$/g, ''));
    if (!Number.isFinite(v)) return;
    if (v < min) min = v;
    if (v > max) max = v;
  });
  if (scanned instanceof Error) return scanned;
  return scanned && min <= max ? { min, max } : undefined;
}

/** The file-system probe, cached by path + mtime + size, so that re-checking on every keystroke reads nothing twice. */
export function createFileDataProbe(): DataProbe & { clear(): void } {
  const cache = new Map<string, { stamp: string; value: Promise<unknown> }>();
  async function cached<T>(key: string, absPath: string, compute: () => Promise<T>): Promise<T | DataFileError> {
    const { kind, files } = await expandDataPath(absPath);
    if (kind !== 'file' && files.length === 0) {
      cache.delete(key);
      return compute();
    }
    const stamps: string[] = [];
    for (const file of files.slice(0, GLOB_CHECK_LIMIT)) {
      const st = await statOrError(file);
      if (st instanceof Error) {
        cache.delete(key);
        return st;
      }
      stamps.push(`${file}:${st.mtimeMs}:${st.size}`);
    }
    const stamp = stamps.join('\0');
    const hit = cache.get(key);
    if (hit && hit.stamp === stamp) return hit.value as Promise<T>;
    const value = compute();
    cache.set(key, { stamp, value });
    return value;
  }
  return {
    columns: (absPath, format = 'auto') => cached(`columns\0${absPath}\0${format}`, absPath, () => readColumns(absPath, format)),
    itemCount: (absPath, itemColumn, format = 'auto') => cached(`items\0${absPath}\0${itemColumn}\0${format}`, absPath, () => countDistinct(absPath, itemColumn, format)),
    numberRange: (absPath, column, format = 'auto') => cached(`range\0${absPath}\0${column}\0${format}`, absPath, () => numberRange(absPath, column, format)),
    clear: () => cache.clear(),
  };
}

/** What the language server may read: everything in a trusted workspace, only inside its folders otherwise. */
export interface ReadPolicy {
  trusted: boolean;
  /** Absolute paths of the workspace folders. */
  folders: readonly string[];
}

/** The real path of `p`, through symlinks, also for a path that does not exist yet (its nearest existing folder's real path + the rest). */
async function realPathOf(p: string): Promise<string> {
  const rest: string[] = [];
  for (let at = path.resolve(p); ; at = path.dirname(at)) {
    try {
      return path.join(await fs.realpath(at), ...rest.reverse());
    } catch {
      // Not there (or not reachable): try its folder, keeping the name.
      if (path.dirname(at) === at) return path.resolve(p);
      rest.push(path.basename(at));
    }
  }
}

/** True when `absPath`, symlinks resolved, is inside one of `folders` (symlinks resolved too). */
export async function isInsideFolders(absPath: string, folders: readonly string[]): Promise<boolean> {
  const target = await realPathOf(absPath);
  for (const folder of folders) {
    const rel = path.relative(await realPathOf(folder), target);
    if (rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel))) return true;
  }
  return false;
}

/**
 * The probe of an untrusted workspace: a file outside the workspace folders (a symlink inside that points out
 * counts as outside) is not opened, not even stat'ed, and comes back as a `not-read` DataFileError. A data
 * path in a workspace someone else wrote may name any file of the machine (`/etc/passwd`, `~/.ssh/id_rsa`),
 * and checking it would put its first line or its existence on screen. `policy` is asked at each call, so a
 * workspace that becomes trusted reads at the next check. Every method of DataProbe takes the path first
 * and is guarded here; a new method must be added too (the unit test checks the file probe's).
 */
export function confinedProbe(inner: DataProbe, policy: () => ReadPolicy): DataProbe {
  async function refusal(absPath: string): Promise<DataFileError | undefined> {
    const { trusted, folders } = policy();
    if (trusted || (await isInsideFolders(absPath, folders))) return undefined;
    return new DataFileError(
      `${absPath} is outside the workspace folders and the workspace is not trusted, so the language server does not read it (in an untrusted workspace it reads data files inside the workspace only). Trust the workspace to check this file, or use a data file inside the workspace.`,
      'not-read',
      absPath,
    );
  }
  function guard<A extends unknown[], R>(method: ((absPath: string, ...rest: A) => Promise<R>) | undefined): ((absPath: string, ...rest: A) => Promise<R | DataFileError>) | undefined {
    if (!method) return undefined;
    return async (absPath, ...rest) => (await refusal(absPath)) ?? method.call(inner, absPath, ...rest);
  }
  return { columns: guard(inner.columns)!, itemCount: guard(inner.itemCount), numberRange: guard(inner.numberRange) };
}
