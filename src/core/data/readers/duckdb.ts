/**
 * The one DuckDB of a trainer process, and the wrapping of its messages. DuckDB is native, so it is
 * loaded on first use only (a process that trains on synthetic data never loads it), and only by the
 * trainer: the language server and the extension host import nothing from here.
 *
 * Its messages are never shown raw: they quote file content ("Original Line: …"), which may be a line
 * of a file that is not a table at all, and they suggest DuckDB options the experiment cannot set.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

import { DataError } from '../errors';

let instance: Promise<DuckDBInstance> | undefined;
let shared: Promise<DuckDBConnection> | undefined;

/**
 * Where DuckDB spills what does not fit in memory. Its default for an in-memory database is `.tmp` in the
 * working directory, which for the trainer is the user's workspace: a folder of the system's temporary
 * directory instead, one per process (DuckDB creates it only when it spills, and removes its files).
 */
export function spillDirectory(): string {
  return join(tmpdir(), `two-tower-lab-duckdb-${process.pid}`);
}

function database(): Promise<DuckDBInstance> {
  instance ??= import('@duckdb/node-api').then((api) => api.DuckDBInstance.create(':memory:', { temp_directory: spillDirectory() }));
  return instance;
}

/** The process's shared DuckDB connection, for short queries read whole (DESCRIBE, a header). */
export function duckdb(): Promise<DuckDBConnection> {
  shared ??= database().then((db) => db.connect());
  return shared;
}

/** A connection of its own, for a result streamed over several awaits (another query on its connection would end it). */
export async function newConnection(): Promise<DuckDBConnection> {
  return (await database()).connect();
}

/** An SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** An SQL identifier. */
export function sqlName(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/** What DuckDB says is wrong, in our words, or undefined when the message is not one of the known kinds. */
function knownProblem(message: string): string | undefined {
  const columns = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
  if (columns) {
    return `the row has ${columns[2]} fields but the header has ${columns[1]}. Fix the row (a missing delimiter, or an unquoted delimiter in a value).`;
  }
  if (/Invalid unicode|not utf-8 encoded|invalid UTF-8|Malformed JSON.*UTF/i.test(message)) {
    return 'has bytes that are not valid UTF-8 text, and ids that differ only in such bytes would merge. Re-encode the file as UTF-8 (e.g. iconv -f latin1 -t utf-8), or fix the bytes.';
  }
  if (/unterminated quote/i.test(message)) return 'a quoted field is never closed (a `"` without its closing `"`). Close the quote, or remove the stray `"`.';
  if (/Malformed JSON|JSON.*(parse|syntax)|unexpected (character|end)/i.test(message)) return 'not valid JSON. Each line must be one JSON object.';
  if (/Expected JSON object|not an object|got (array|string|number)/i.test(message)) return 'expected a JSON object. Each line must be one JSON object.';
  if (/No magic bytes|not a parquet file|Corrupt|Invalid Parquet|parquet.*footer/i.test(message)) {
    return "not a readable Parquet file. Check the file, or set 'format' if it is not Parquet.";
  }
  if (/(gzip|zstd|decompress)\w* (error|failed|stream)|corrupt (gzip|zstd)|truncated/i.test(message)) return 'cannot be decompressed (a truncated or corrupt compressed file?). Check the file.';
  return undefined;
}

/** The line DuckDB names in a CSV/JSON error, when it names one. */
function lineOf(message: string): number | undefined {
  const m = /(?:CSV Error on Line|line)[: ]+(\d+)/i.exec(message);
  return m ? Number(m[1]) : undefined;
}

/**
 * A DuckDB error as a DataError about `file`: the line when DuckDB gives one (mapped through `lineOfRecord`
 * when DuckDB's count is of records), our wording for the known kinds, else DuckDB's first sentence
 * without any quoted file content.
 */
export function wrapDuckDbError(error: unknown, file: string, lineOfRecord?: (line: number) => number): DataError {
  if (error instanceof DataError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const reported = lineOf(message);
  const line = reported !== undefined && lineOfRecord ? lineOfRecord(reported) : reported;
  const where = line !== undefined ? `${file}:${line}` : file;
  const problem =
    knownProblem(message) ??
    `cannot be read: ${message
      .split('\n')[0]
      .replace(/^[A-Za-z ]+Error: /, '')
      .replace(/"[^"]*"|'[^']*'/g, '…')}. Check the file and its format.`;
  return new DataError(`${where}: ${problem}`, { file, row: line });
}
