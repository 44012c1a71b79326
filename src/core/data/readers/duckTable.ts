/**
 * Every table format through DuckDB: delimited text (CSV, TSV, pipe, `::`; also `.gz`/`.zst`), JSON Lines
 * and Parquet (every codec DuckDB reads: snappy, gzip, zstd, brotli, lz4, uncompressed), one file or the
 * files of a glob or folder (readers/paths.ts), read one after the other with the same columns.
 *
 * Rows come from DuckDB a chunk (2048 rows) at a time, column by column, and are handed to the consumer
 * through one reused array of cells, so that the consumer writes them straight into its typed arrays.
 * Text cells are read as VARCHAR (ids keep every digit and byte; numbers are parsed by the consumer with
 * its own row-numbered messages); Parquet cells keep their types, except that 64-bit integers are
 * exact bigints, times become Unix seconds and nested values JSON text.
 *
 * Text files are read with the header this module reads itself and `auto_detect=false`, so DuckDB never
 * guesses a header from a data line; the line of each record comes from textLines.ts.
 */
import { DataError } from '../errors';
import { duckdb, newConnection, sqlName, sqlString, wrapDuckDbError } from './duckdb';
import { headerShape, jsonSyntaxProblem, looksLikeHeader, NOT_A_HEADER_HINT } from './header';
import { firstBytes, firstRecord, HEADER_READ_LIMIT, recordLines } from './textLines';
import type { Cell, RowHandler, SqlTable, TableSource } from './source';

export type TableLayout =
  | {
      kind: 'delimited';
      delimiter: string;
      /** False for files that never quote (MovieLens pipe and `::` files), where a `"` is part of a title. */
      quote: boolean;
      /** Column names for files without a header row (MovieLens); otherwise the first record is the header. */
      header?: readonly string[];
      encoding?: 'utf-8' | 'latin-1';
    }
  | { kind: 'jsonl' }
  | { kind: 'parquet' };

export interface TableOptions {
  /** An SQL boolean expression over the columns (`data.interactions.where`): rows where it is not true are skipped. */
  where?: { sql: string; configKey: string };
  /** Turns the raw cells of one row into the cells of `columns` (MovieLens derived features). */
  derive?: { columns: readonly string[]; map(record: readonly string[]): Cell[] };
}

/** One file of the table: its columns, the SQL that reads it, and the line of each of its rows. */
interface Part {
  file: string;
  columns: string[];
  /** The FROM clause: `__raw_<i>` for the cells, and each column under its own name, typed, for `where`. */
  relation: string;
  /** The first line of data (after the header), for numbering rows when record lines are not known. */
  firstDataLine: number;
  lines(): Promise<Int32Array | undefined>;
}

const KEEP = '__two_tower_keep';

export async function openDuckTable(label: string, files: readonly string[], layout: TableLayout, options: TableOptions = {}): Promise<TableSource> {
  const parts: Part[] = [];
  for (const file of files) parts.push(await openPart(file, layout, options.where !== undefined));
  const first = parts[0];
  for (const part of parts.slice(1)) {
    if (part.columns.join('\0') !== first.columns.join('\0')) {
      const missing = first.columns.filter((c) => !part.columns.includes(c));
      const extra = part.columns.filter((c) => !first.columns.includes(c));
      const diff = [missing.length ? `lacks ${missing.map((c) => `'${c}'`).join(', ')}` : '', extra.length ? `has ${extra.map((c) => `'${c}'`).join(', ')} besides` : '']
        .filter(Boolean)
        .join(' and ');
      throw new DataError(
        `${label}: the files have different columns: ${part.file} ${diff || 'has them in another order'} (compared with ${first.file}). Every file of a glob or folder must have the same columns; narrow the pattern, or rewrite the odd files.`,
        { file: part.file },
      );
    }
  }
  const rawColumns = first.columns;
  const derive = options.derive;
  let current = label;
  let used = false;
  return {
    get file() {
      return current;
    },
    columns: derive ? derive.columns : rawColumns,
    async read(onRow: RowHandler) {
      if (used) throw new Error(`${label}: a table source can be read once`);
      used = true;
      // A connection of its own: a query on a shared one would end this stream (two loads may run at once).
      const connection = await newConnection();
      const width = rawColumns.length;
      const values = new Array<Cell>(width);
      try {
        for (const part of parts) {
          current = part.file;
          const lines = part.lines();
          const select = rawColumns.map((c, i) => `${outputExpression(part, c)} AS c${i}`).join(', ');
          const sql = options.where
            ? `SELECT ${select}, coalesce((${options.where.sql}), false) AS ${KEEP} FROM ${part.relation}`
            : `SELECT ${select} FROM ${part.relation}`;
          let result;
          try {
            result = await connection.stream(sql);
          } catch (e) {
            throw options.where && isBindError(e) ? whereError(e, options.where, rawColumns) : wrapDuckDbError(e, part.file, await lineMapper(part, lines));
          }
          const lineOf = await lines;
          let row = 0;
          for (;;) {
            let chunk;
            try {
              chunk = await result.fetchChunk();
            } catch (e) {
              throw wrapDuckDbError(e, part.file, await lineMapper(part, lines));
            }
            if (!chunk || chunk.rowCount === 0) break;
            const n = chunk.rowCount;
            const columns = chunk.getColumns() as unknown[][];
            const keep = options.where ? (columns[width] as (boolean | null)[]) : undefined;
            for (let r = 0; r < n; r++, row++) {
              if (keep && keep[r] !== true) continue;
              for (let c = 0; c < width; c++) values[c] = toCell(columns[c][r]);
              const line = lineOf && row < lineOf.length ? lineOf[row] : part.firstDataLine + row;
              onRow(derive ? derive.map(values as string[]) : values, line);
            }
          }
        }
      } finally {
        current = label;
        connection.closeSync();
      }
    },
    close() {
      // Nothing is open between reads: each part is streamed by its own query.
    },
    sql: derive ? undefined : sqlTable(rawColumns, parts, options.where),
  };
}

function sqlTable(columns: readonly string[], parts: readonly Part[], where: TableOptions['where']): SqlTable {
  return {
    columns,
    where,
    parts: parts.map((part) => {
      let lines: Promise<Int32Array | undefined> | undefined;
      const linesOnce = () => (lines ??= part.lines());
      return {
        file: part.file,
        relation: part.relation,
        firstDataLine: part.firstDataLine,
        lines: linesOnce,
        wrapError: async (e: unknown) => wrapDuckDbError(e, part.file, await lineMapper(part, linesOnce())),
      };
    }),
  };
}

/** How a DuckDB error's record count maps to a line: DuckDB counts lines of a file without quoted newlines. */
async function lineMapper(part: Part, lines: Promise<Int32Array | undefined>): Promise<((line: number) => number) | undefined> {
  const map = await lines.catch(() => undefined);
  if (!map) return undefined;
  // DuckDB's "Line: N" counts the header as line 1; N − 2 is the 0-based data record.
  return (line) => map[line - 2] ?? line;
}

function outputExpression(part: Part, column: string): string {
  return part.columns.includes(column) ? sqlName(`__raw_${part.columns.indexOf(column)}`) : 'NULL';
}

export function isBindError(e: unknown): boolean {
  return /Binder Error|Parser Error|Conversion Error|Catalog Error|syntax error/i.test(e instanceof Error ? e.message : String(e));
}

export function whereError(e: unknown, where: { sql: string; configKey: string }, columns: readonly string[]): DataError {
  const message = (e instanceof Error ? e.message : String(e)).split('\n')[0].replace(/^[A-Za-z ]+Error: /, '');
  return new DataError(
    `${where.configKey}: the filter \`${where.sql}\` cannot be applied: ${message}. It is an SQL boolean expression over the columns (${columns.map((c) => `'${c}'`).join(', ')}), e.g. dwell_ms > 3000.`,
    { file: where.configKey },
  );
}

/** A DuckDB value as the cell `read` hands over (exact integers beyond 2^53 stay bigints). */
export function toCell(v: unknown): Cell {
  if (v === null || v === undefined || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  return String(v);
}

async function openPart(file: string, layout: TableLayout, typed: boolean): Promise<Part> {
  switch (layout.kind) {
    case 'delimited':
      return openDelimitedPart(file, layout, typed);
    case 'jsonl':
      return openJsonlPart(file, typed);
    case 'parquet':
      return openParquetPart(file);
  }
}

/**
 * A relation whose columns are `__raw_<i>` (the cells as read) plus, for the `where` filter, each column
 * under its own name with the type DuckDB would guess (a cell that does not fit is NULL there).
 */
async function textRelation(source: string, columns: readonly string[], guessTypes: () => Promise<string[] | undefined>, typed: boolean): Promise<string> {
  // The guess costs a sniff of the file: only a `where` filter needs typed columns.
  const types = typed ? await guessTypes().catch(() => undefined) : undefined;
  const raw = columns.map((c, i) => `${sqlName(c)} AS ${sqlName(`__raw_${i}`)}`);
  const named = columns.map((c, i) => (types?.[i] && types[i] !== 'VARCHAR' ? `TRY_CAST(${sqlName(c)} AS ${types[i]}) AS ${sqlName(c)}` : sqlName(c)));
  return `(SELECT ${[...raw, ...named].join(', ')} FROM ${source})`;
}

async function describeTypes(source: string): Promise<string[]> {
  const reader = await (await duckdb()).runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
  return reader.getRows().map((r) => String(r[1]));
}

async function openDelimitedPart(file: string, layout: Extract<TableLayout, { kind: 'delimited' }>, typed: boolean): Promise<Part> {
  const quote = layout.quote ? '"' : undefined;
  let columns: string[];
  let headerLine = 0;
  if (layout.header) columns = [...layout.header];
  else {
    const header = await readHeader(file, layout.delimiter, quote, layout.encoding);
    columns = header.fields;
    headerLine = header.line;
  }
  const duplicate = columns.find((c, i) => columns.indexOf(c) !== i);
  if (duplicate !== undefined) {
    throw new DataError(`${file}:${Math.max(headerLine, 1)}: the header names the column '${duplicate}' twice. Rename one of them.`, { file, row: Math.max(headerLine, 1) });
  }
  const common = [
    `delim=${sqlString(layout.delimiter)}`,
    `quote=${sqlString(quote ?? '')}`,
    `escape=${sqlString(quote ?? '')}`,
    `encoding=${sqlString(layout.encoding ?? 'utf-8')}`,
    `skip=${Math.max(headerLine - 1, 0)}`,
  ];
  const struct = `{${columns.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ')}}`;
  const source = `read_csv(${sqlString(file)}, header=${headerLine > 0}, columns=${struct}, auto_detect=false, strict_mode=true, null_padding=false, ${common.join(', ')})`;
  const guessing = `read_csv(${sqlString(file)}, header=${headerLine > 0}, names=[${columns.map(sqlString).join(', ')}], ${common.join(', ')})`;
  return {
    file,
    columns,
    relation: await textRelation(source, columns, () => describeTypes(guessing), typed),
    firstDataLine: headerLine + 1,
    lines: () => recordLines(file, quote === undefined ? undefined : quote.charCodeAt(0), headerLine > 0),
  };
}

/** The header record of a delimited file, refused when it is missing or does not look like column names. */
async function readHeader(file: string, delimiter: string, quote: string | undefined, encoding?: 'utf-8' | 'latin-1'): Promise<{ fields: string[]; line: number }> {
  const bytes = await headerBytes(file);
  const record = firstRecord(bytes.toString(encoding === 'latin-1' ? 'latin1' : 'utf8'), delimiter, quote);
  if (!record) throw new DataError(`${file}: the file is empty (no header row). Give a file with a header line and data rows.`, { file });
  if (!record.complete && bytes.length >= HEADER_READ_LIMIT) {
    throw new DataError(`${file}:${record.line}: the first line is longer than ${HEADER_READ_LIMIT / 1024} KB, so it is not a header. ${NOT_A_HEADER_HINT}`, { file, row: record.line });
  }
  if (!looksLikeHeader(record.fields)) {
    throw new DataError(
      `${file}:${record.line}: the first line does not look like a header of column names (${headerShape(record.fields)}), so the file is not read as a table. ${NOT_A_HEADER_HINT}`,
      { file, row: record.line },
    );
  }
  return record;
}

/** The first bytes of a text file, decompressed; for `.zst` under a Node without zstd, through DuckDB. */
async function headerBytes(file: string): Promise<Buffer> {
  let bytes: Buffer | undefined;
  try {
    bytes = await firstBytes(file);
  } catch (e) {
    throw wrapDuckDbError(e, file);
  }
  if (bytes) return bytes;
  // Node 20 has no zstd: DuckDB decompresses the first lines (one VARCHAR column per line, no quoting).
  try {
    const reader = await (
      await duckdb()
    ).runAndReadAll(
      `SELECT line FROM read_csv(${sqlString(file)}, header=false, columns={'line': 'VARCHAR'}, auto_detect=false, delim=${sqlString('\u0001')}, quote='', escape='', compression='zstd', strict_mode=false) LIMIT 64`,
    );
    return Buffer.from(`${reader.getRows().map((r) => String(r[0] ?? '')).join('\n')}\n`);
  } catch (e) {
    throw wrapDuckDbError(e, file);
  }
}

async function openJsonlPart(file: string, typed: boolean): Promise<Part> {
  const bytes = await headerBytes(file);
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  const lines = text.split('\n');
  let at = 0;
  while (at < lines.length && lines[at].trim() === '') at++;
  if (at === lines.length || (at === lines.length - 1 && lines[at].trim() === '')) {
    throw new DataError(`${file}: the file is empty. Give one JSON object per line.`, { file });
  }
  const line = at + 1;
  let parsed: unknown;
  try {
    parsed = JSON.parse(lines[at]);
  } catch (e) {
    throw new DataError(`${file}:${line}: not valid JSON (${jsonSyntaxProblem(e)}). Each line must be one JSON object.`, { file, row: line });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new DataError(`${file}:${line}: expected a JSON object, got ${Array.isArray(parsed) ? 'an array' : typeof parsed}. Each line must be one JSON object.`, { file, row: line });
  }
  const columns = Object.keys(parsed);
  if (!looksLikeHeader(columns)) {
    throw new DataError(
      `${file}:${line}: the keys of the first object do not look like column names (${headerShape(columns)}), so the file is not read as a table. Its content is not shown. Check that the path points at the data table: one JSON object per line, whose keys name the columns (e.g. {"user_id": "u1", "item_id": "i1"}).`,
      { file, row: line },
    );
  }
  // Every key as VARCHAR: numeric ids keep every digit (a JSON number above 2^53 is not a double here).
  const struct = `{${columns.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ')}}`;
  const source = `read_json(${sqlString(file)}, format='newline_delimited', columns=${struct})`;
  const guessing = `read_json(${sqlString(file)}, format='newline_delimited')`;
  return {
    file,
    columns,
    relation: await textRelation(
      source,
      columns,
      async () => {
        const reader = await (await duckdb()).runAndReadAll(`DESCRIBE SELECT * FROM ${guessing}`);
        const byName = new Map(reader.getRows().map((r) => [String(r[0]), String(r[1])]));
        return columns.map((c) => byName.get(c) ?? 'VARCHAR');
      },
      typed,
    ),
    firstDataLine: line,
    lines: () => recordLines(file, undefined, false),
  };
}

/** Parquet types that reach the consumer as they are; the others are converted in SQL. */
const PLAIN_PARQUET_TYPES = /^(BOOLEAN|TINYINT|SMALLINT|INTEGER|UTINYINT|USMALLINT|UINTEGER|FLOAT|DOUBLE|VARCHAR|BIGINT|UBIGINT|HUGEINT)$/;

async function openParquetPart(file: string): Promise<Part> {
  const source = `read_parquet(${sqlString(file)})`;
  let described: { name: string; type: string }[];
  try {
    const reader = await (await duckdb()).runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
    described = reader.getRows().map((r) => ({ name: String(r[0]), type: String(r[1]) }));
  } catch (e) {
    throw wrapDuckDbError(e, file);
  }
  const columns = described.map((d) => d.name);
  const raw = described.map(({ name, type }, i) => {
    const alias = sqlName(`__raw_${i}`);
    if (PLAIN_PARQUET_TYPES.test(type)) return `${sqlName(name)} AS ${alias}`;
    if (/^(DATE|TIMESTAMP)/.test(type)) return `epoch(${sqlName(name)}) AS ${alias}`;
    if (/^(BLOB)/.test(type)) return `${sqlName(name)}::VARCHAR AS ${alias}`;
    if (/^DECIMAL/.test(type)) return `${sqlName(name)}::DOUBLE AS ${alias}`;
    return `to_json(${sqlName(name)})::VARCHAR AS ${alias}`;
  });
  return {
    file,
    columns,
    relation: `(SELECT ${[...raw, ...columns.map(sqlName)].join(', ')} FROM ${source})`,
    firstDataLine: 1,
    lines: () => Promise.resolve(undefined),
  };
}
