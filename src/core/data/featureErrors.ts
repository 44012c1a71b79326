/** The errors of a feature table that both of its readers (the row path and the SQL path) give. */
import type { CellPlace } from './cells';
import { DataError } from './errors';

/** A feature table has one row per key: which of two rows is meant cannot be told. */
export function duplicateKeyError(file: string, line: number, firstLine: number, keyText: string, key: string, configKey: string): DataError {
  return new DataError(
    `${file}:${line}: the key '${keyText}' (column '${key}') is also on line ${firstLine}: a feature table has one row per key, and which row is meant cannot be told. Remove one of the rows (or give ${configKey} a table deduplicated upstream).`,
    { file, row: line, column: key },
  );
}

/** `log` normalisation takes log(1 + x). */
export const outsideLogDomain = (v: number): boolean => v <= -1;

export function logDomainError(place: CellPlace, v: number): DataError {
  return new DataError(
    `${place.file}:${place.line}: column '${place.column}' has ${v}, but 'log' normalisation needs values > −1 (it takes log(1 + x)). Use normalize: zscore or minmax, or fix the value.`,
    { file: place.file, row: place.line, column: place.column },
  );
}
