/**
 * CSV / TSV / pipe-separated reader on csv-parse's stream: records are pulled from the parser as the
 * file is read. Line numbers count physical lines, which is exact unless a quoted field spans lines.
 */
import { createReadStream } from 'node:fs';

import { parse, type Parser } from 'csv-parse';

import { DataError } from '../errors';
import { csvProblem, headerShape, looksLikeHeader, NOT_A_HEADER_HINT } from './header';
import type { Cell, RowHandler, TableSource } from './source';

export interface DelimitedOptions {
  delimiter: string;
  /** Column names for files without a header row (MovieLens 100K); otherwise the first row is the header. */
  header?: readonly string[];
  encoding?: BufferEncoding;
  /** False for files that never quote (MovieLens pipe files), where a `"` is part of a title. */
  quote?: boolean;
  /** Turns the parsed fields of one row into the cells of `columns` (MovieLens derived features). */
  derive?: { columns: readonly string[]; map(record: readonly string[]): Cell[] };
}

export async function openDelimited(file: string, options: DelimitedOptions): Promise<TableSource> {
  const stream = createReadStream(file, { encoding: options.encoding ?? 'utf8' });
  const parser = parse({
    delimiter: options.delimiter,
    bom: true,
    // Blank lines are skipped here, not by the parser, so that line numbers stay exact.
    skip_empty_lines: false,
    relax_column_count: true,
    quote: options.quote === false ? false : '"',
  });
  stream.on('error', (e) => parser.destroy(e));
  stream.pipe(parser);
  // The end (or an error) can come while no one is listening (right after the header), so remember it.
  const state: { ended: boolean; failure?: Error; onEnd?: () => void; onError?: (e: Error) => void } = { ended: false };
  parser.on('end', () => {
    state.ended = true;
    state.onEnd?.();
  });
  parser.on('error', (e) => {
    state.failure ??= e;
    state.onError?.(e);
  });
  let line = 0;
  let header = options.header;
  if (!header) {
    let first: string[] | null;
    do {
      first = await nextRecord(parser, file, state);
      line++;
    } while (first && isBlank(first));
    if (!first) {
      stream.destroy();
      throw new DataError(`${file}: the file is empty (no header row). Give a file with a header line and data rows.`, { file });
    }
    header = first.map((h) => h.trim());
    if (!looksLikeHeader(header)) {
      stream.destroy();
      throw new DataError(`${file}:${line}: the first line does not look like a header of column names (${headerShape(header)}), so the file is not read as a table. ${NOT_A_HEADER_HINT}`, { file, row: line });
    }
  }
  const width = header.length;
  const derive = options.derive;

  return {
    file,
    columns: derive ? derive.columns : header,
    read(onRow: RowHandler): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        const stop = (e: unknown) => {
          parser.off('readable', drain);
          state.onEnd = undefined;
          state.onError = undefined;
          stream.destroy();
          parser.destroy();
          reject(wrapParseError(file, e));
        };
        const drain = () => {
          try {
            let record: string[] | null;
            while ((record = parser.read() as string[] | null) !== null) {
              line++;
              if (isBlank(record) && width > 1) continue;
              if (record.length !== width) {
                throw new DataError(
                  `${file}:${line}: the row has ${record.length} fields but the header has ${width}. Fix the row (a missing delimiter, or an unquoted '${options.delimiter === '\t' ? '\\t' : options.delimiter}' in a value).`,
                  { file, row: line },
                );
              }
              onRow(derive ? derive.map(record) : record, line);
            }
          } catch (e) {
            stop(e);
          }
        };
        if (state.failure) return stop(state.failure);
        if (state.ended) {
          // Drain what the parser still holds (the end can only come once its buffer is empty).
          drain();
          return resolve();
        }
        state.onEnd = () => {
          parser.off('readable', drain);
          resolve();
        };
        state.onError = stop;
        parser.on('readable', drain);
      });
    },
    close() {
      stream.destroy();
      parser.destroy();
    },
  };
}

function isBlank(record: readonly string[]): boolean {
  return record.length === 1 && record[0].trim() === '';
}

/** The next record, or null at the end of the file. */
function nextRecord(parser: Parser, file: string, state: { ended: boolean; failure?: Error; onEnd?: () => void; onError?: (e: Error) => void }): Promise<string[] | null> {
  return new Promise((resolve, reject) => {
    const done = () => {
      parser.off('readable', onReadable);
      state.onEnd = undefined;
      state.onError = undefined;
    };
    const onReadable = () => {
      const r = parser.read() as string[] | null;
      if (r !== null) {
        done();
        resolve(r);
      }
    };
    if (state.failure) return reject(wrapParseError(file, state.failure));
    if (state.ended) return resolve(null);
    state.onEnd = () => {
      done();
      resolve(null);
    };
    state.onError = (e) => {
      done();
      reject(wrapParseError(file, e));
    };
    parser.on('readable', onReadable);
  });
}

function wrapParseError(file: string, e: unknown): Error {
  if (e instanceof DataError) return e;
  const err = e as NodeJS.ErrnoException & { lines?: number };
  if (err.code === 'ENOENT') return new DataError(`No such file: ${file}. Check the path (it is resolved relative to the experiment file).`, { file });
  if (!(e instanceof Error)) return new Error(String(e));
  const where = typeof err.lines === 'number' ? `${file}:${err.lines}` : file;
  return new DataError(`${where}: cannot parse the file as delimited text: ${csvProblem(err)}`, { file, row: err.lines });
}
