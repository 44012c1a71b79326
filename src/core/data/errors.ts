/**
 * The one error class of the data layer. Every message says what is wrong, where (the file, and the
 * row or column when there is one) and what to do, because it ends up in the `ended` event and in
 * the editor, read by a person who did not write the loader.
 */
import { closest } from '../util/suggest';

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

/** The error for a column the configuration names but the file lacks. */
export function missingColumnError(file: string, column: string, role: string, available: readonly string[], configKey: string): DataError {
  const suggestion = closest(column, available);
  const hint = suggestion ? `Did you mean '${suggestion}'? ` : '';
  return new DataError(
    `${file}: no column '${column}' (${role}). The file's columns are: ${available.map((c) => `'${c}'`).join(', ')}. ${hint}Set ${configKey} to one of them.`,
    { file, column },
  );
}
