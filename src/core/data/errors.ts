/**
 * The one error class of the data layer. Every message says what is wrong, where (the file, and the
 * row or column when there is one) and what to do, because it ends up in the `ended` event and in
 * the editor, read by a person who did not write the loader.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { closest } from '../util/suggest';
import { columnList, isColumnName } from './readers/header';

export class DataError extends Error {
  override readonly name = 'DataError';
  /** Absolute path of the file at fault (or `<synthetic>` for generated data). */
  readonly file: string;
  /** 1-based line of the file at fault, when one row is at fault. */
  readonly row?: number;
  /** The column at fault, when one column is at fault. */
  readonly column?: string;

  constructor(message: string, where: { file: string; row?: number; column?: string }) {
    super(message);
    this.file = where.file;
    this.row = where.row;
    this.column = where.column;
  }
}

/**
 * The error for a column the configuration names but the file lacks. The file's columns are listed, and
 * suggested, only where they look like column names (readers/header.ts): the file may not be a table.
 */
export function missingColumnError(file: string, column: string, role: string, available: readonly string[], configKey: string): DataError {
  const names = available.filter(isColumnName);
  const suggestion = closest(column, names);
  const hint = suggestion ? `Did you mean '${suggestion}'? ` : '';
  const list = columnList(available);
  const rest =
    list === ''
      ? `None of the file's ${available.length} columns looks like a column name, so they are not shown. Check that the path points at the data table, then set ${configKey} to one of its columns.`
      : `The file's columns are: ${list}. ${hint}Set ${configKey} to one of them.`;
  return new DataError(`${file}: no column '${column}' (${role}). ${rest}`, { file, column });
}

/**
 * Refuses a data file that cannot be read, saying why: missing, a folder, or not readable (permissions).
 * Each cause has its own remedy, so "no such file" is never said of a file that exists.
 */
export async function assertReadableFile(file: string): Promise<void> {
  try {
    if ((await stat(file)).isDirectory()) {
      throw new DataError(`${file} is a folder, not a data file. Point the path at the file inside it (e.g. ratings.csv).`, { file });
    }
    await access(file, constants.R_OK);
  } catch (error) {
    if (error instanceof DataError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new DataError(`No such file: ${file}. Check the path (it is resolved relative to the experiment file).`, { file });
    }
    throw new DataError(`${file}: cannot be read (${code ?? (error as Error).message}). Check the file's permissions.`, { file });
  }
}

/** A row without a user id or an item id. */
export function emptyIdError(file: string, line: number, role: 'user' | 'item', column: string): DataError {
  return new DataError(`${file}:${line}: the ${role} id (column '${column}') is empty. Every row needs a user id and an item id.`, { file, row: line, column });
}
