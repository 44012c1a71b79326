/**
 * What every reader yields: the column names first (so that a missing column is reported before a
 * row is decoded), then every row pushed to a callback with its line number for error messages.
 * A callback, not an async iterator per row: 100k rows should cost 100k function calls, not 100k promises.
 */
export type Cell = string | number | bigint | boolean | null | undefined;

/** Receives one row: cells in the order of `TableSource.columns` (valid only during the call), and its 1-based line. */
export type RowHandler = (values: readonly Cell[], line: number) => void;

export interface TableSource {
  /** Absolute path of the file (or a `<synthetic …>` label for generated tables). */
  readonly file: string;
  readonly columns: readonly string[];
  /**
   * Streams every row to `onRow`; resolves after the last row. Rejects with the first error, whether
   * from the file or thrown by `onRow` (reading then stops). A source can be read once.
   */
  read(onRow: RowHandler): Promise<void>;
  /** Releases the file when the rows will not be read (e.g. a column is missing). */
  close(): void;
  /**
   * For consumers that compute in SQL (readers/sqlTable.ts): the same rows as DuckDB relations, one per
   * file in file order. Absent for tables in memory and for tables whose rows are derived in JavaScript.
   */
  readonly sql?: SqlTable;
}

/** A table as DuckDB relations: `__raw_<i>` is the cell of column i, as `read` would hand it over. */
export interface SqlTable {
  /** The names of the columns, in the order of `__raw_<i>`. */
  readonly columns: readonly string[];
  readonly parts: readonly SqlPart[];
  /** `data.interactions.where`, applied by `read`: rows where it is not true are not rows of the table. */
  readonly where?: { sql: string; configKey: string };
}

export interface SqlPart {
  readonly file: string;
  /** A FROM clause. */
  readonly relation: string;
  /** The line of the part's first data row, for numbering rows when `lines` gives none. */
  readonly firstDataLine: number;
  /** The line of each row of the part, when the file's bytes can be read here. */
  lines(): Promise<Int32Array | undefined>;
  /** A DuckDB error met while reading the part, in our words with its line. */
  wrapError(error: unknown): Promise<Error>;
}

/** A table already in memory (the synthetic generator's), read through the same interface as files. */
export function memoryTable(file: string, columns: readonly string[], rowCount: number, fillRow: (row: number, out: Cell[]) => void): TableSource {
  return {
    file,
    columns,
    read(onRow) {
      const values = new Array<Cell>(columns.length);
      try {
        for (let r = 0; r < rowCount; r++) {
          fillRow(r, values);
          onRow(values, r + 2);
        }
      } catch (e) {
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
      return Promise.resolve();
    },
    close() {
      // Nothing to release: the rows are in memory.
    },
  };
}
