/**
 * A table read through DuckDB (readers/duckTable.ts), decoded inside it into typed arrays: id columns
 * become dense codes by first appearance, or are looked up in a vocabulary the caller has, in SQL; plain
 * numbers and 0/1 flags are parsed in SQL; JavaScript receives typed vectors, chunk by chunk. No
 * JavaScript string is made per row: that per-cell path (decode, trim, Map) was most of the load time.
 *
 * The result is exactly what the row paths of interactions.ts, rankingLog.ts and entityFeatures.ts give
 * (test/unit/data/sqlDecode.test.ts and featuresInSql.test.ts hold them to each other): a cell SQL does
 * not parse plainly (an ISO date, `yes`, a blank, `NaN`) goes through the same JavaScript cell parser
 * with the same row-numbered message, and the first problem in file order is the one reported. Tables this path does not take (ids padded with blanks,
 * ids of other types, parts of different types) give undefined, and the row path reads them.
 */
import type { DuckDBConnection, DuckDBVector } from '@duckdb/node-api';

import { cellToFlag, cellToNumber, cellToTime, type CellPlace } from './cells';
import type { Vocabulary } from './dataset';
import { newConnection } from './readers/duckdb';
import { isBindError, toCell, whereError } from './readers/duckTable';
import type { SqlPart, SqlTable } from './readers/source';
import { VocabularyBuilder } from './vocabulary';

/** An id column: new codes ≥ 1 by first appearance, or the index in `vocabulary` (0 = not in it). */
export type IdColumn = {
  kind: 'codes' | 'lookup';
  index: number;
  name: string;
  vocabulary?: Vocabulary;
  /** A blank id is an error with this message; without it, blank is an id like any other (`''`). */
  blankError?: (file: string, line: number) => Error;
  /** (lookup) A known id on a second row is an error with this message: `firstLine` is its first row's. */
  duplicateError?: (file: string, line: number, firstLine: number, id: string) => Error;
};
/**
 * A value column, parsed as cells.ts parses it: a time, a required number, a number that may be blank
 * (NaN), or a flag. `refuse`: parsed values that are an error (the same test in SQL and in JavaScript).
 */
export type ValueColumn = {
  kind: 'time' | 'number' | 'optional-number' | 'flag';
  index: number;
  name: string;
  /**
   * The cell is parsed (and can be an error) only on rows where this id column (a lookup column, by its
   * place in the id columns) has a known id: the features of ids the caller does not know are not read.
   */
  knownIdColumn?: number;
  refuse?: { sql: (value: string) => string; test: (value: number) => boolean; error: (place: CellPlace, value: number) => Error };
};

export interface DecodeOptions {
  onProgress?: (rows: number) => void;
  /** Rows (by their order among the rows read) to leave out entirely, as if they were not in the table. */
  skipRows?: Uint8Array;
}

export interface Decoded {
  /** Per id column, in the order given: the codes (or looked-up indices). */
  ids: Int32Array[];
  /** Per id column of kind `codes`: its vocabulary (else undefined). */
  vocabularies: (VocabularyBuilder | undefined)[];
  /** Per value column, in the order given. */
  values: (Float64Array | Uint8Array)[];
  /** Per row: its 1-based line in its file. */
  line: Int32Array;
  rows: number;
}

const INTEGER_TYPES = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/;
const NUMERIC_TYPES = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|BOOLEAN)$/;
/** A number as JavaScript's Number() reads it and DuckDB's cast alike: no blanks, no hex, no `_`, no words. */
const PLAIN_NUMBER = String.raw`[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?`;
/** What String.prototype.trim removes (RE2: \s is ASCII, \pZ the Unicode separators, U+FEFF the BOM). */
const TRIMMED = String.raw`[\s\v\pZ\x{feff}]`;
/** In a flag vector: the cell is left to JavaScript (a flag is 0 or 1). */
const SLOW_FLAG = 255;
const PROGRESS_EVERY = 1 << 16;

let tableCount = 0;

/**
 * Decodes the rows of `sql` (after its `where`). Id columns come before value columns, as the row paths
 * check them, so that the first problem of a row is the same one.
 */
export async function decodeInSql(
  label: string,
  sql: SqlTable,
  idColumns: readonly IdColumn[],
  valueColumns: readonly ValueColumn[],
  options: DecodeOptions = {},
): Promise<Decoded | undefined> {
  const { onProgress, skipRows } = options;
  const connection = await newConnection();
  const name = `__decode_${process.pid}_${++tableCount}`;
  const tables: string[] = [];
  const table = (suffix: string) => {
    tables.push(`${name}${suffix}`);
    return `${name}${suffix}`;
  };
  const one = async (query: string) => (await connection.runAndReadAll(query)).getRows()[0];
  try {
    const types = await rawTypes(connection, sql.parts, [...idColumns, ...valueColumns].map((c) => c.index));
    if (!types) return undefined;
    if (idColumns.some((c) => !isIdType(types.get(c.index)))) return undefined;
    const rows = table('');
    const ranges = await loadRows(connection, rows, sql, idColumns, valueColumns, types);
    if (skipRows?.includes(1)) await leaveOut(connection, rows, table('_skip'), skipRows);
    const lineMaps = Promise.all(sql.parts.map((part) => part.lines().catch(() => undefined)));

    // Each id column's codes: new ones by first appearance (as VocabularyBuilder gives them), or the caller's.
    const codeTables: string[] = [];
    const vocabularies: (VocabularyBuilder | undefined)[] = [];
    const padded = (x: string) => `regexp_matches(${x}, '^${TRIMMED}|${TRIMMED}$')`;
    for (const [j, column] of idColumns.entries()) {
      const codes = table(`_codes${j}`);
      codeTables.push(codes);
      const id = `id${j}`;
      if (column.kind === 'codes') {
        const nonBlank = column.blankError ? `AND ${id} IS NOT NULL AND ${id} <> ''` : '';
        await connection.run(`CREATE TEMP TABLE ${codes} AS SELECT ${id} AS id, row_number() OVER (ORDER BY min(rowid)) AS code FROM ${rows} WHERE keep ${nonBlank} GROUP BY ${id}`);
        // Ids with blanks around them are trimmed by the row path (' u1' is 'u1'): that path reads such tables.
        if (Number((await one(`SELECT count(*) FROM ${codes} WHERE ${padded('id')}`))[0]) > 0) return undefined;
        vocabularies.push(await vocabularyOf(connection, codes));
      } else {
        if (Number((await one(`SELECT count(*) FROM ${rows} WHERE keep AND ${padded(id)}`))[0]) > 0) return undefined;
        await uploadVocabulary(connection, codes, column.vocabulary!);
        vocabularies.push(undefined);
      }
    }

    const blankChecks = idColumns.map((c, j) => (c.blankError ? `id${j} IS NULL OR id${j} = ''` : undefined));
    const anyBlank = blankChecks.filter(Boolean).join(' OR ') || 'false';
    // A value cell counts on every kept row, or only where its id column has a known id (a join to that column's vocabulary).
    const knownColumns = [...new Set(valueColumns.flatMap((c) => (c.knownIdColumn === undefined ? [] : [c.knownIdColumn])))];
    const valued = `${rows} AS t ${knownColumns.map((c) => `LEFT JOIN ${codeTables[c]} AS k${c} ON t.id${c} = k${c}.id`).join(' ')} WHERE t.keep`;
    const counts = (c: ValueColumn) => (c.knownIdColumn === undefined ? 'true' : `k${c.knownIdColumn}.code IS NOT NULL`);
    /** The cell of value column j is left to JavaScript on this row. */
    const slowCell = (j: number) => `(t.f${j} IS NULL AND ${counts(valueColumns[j])})`;
    const slowRow = valueColumns.map((_, j) => slowCell(j)).join(' OR ') || 'false';
    const [kept, firstBlank] = await one(`SELECT count(*), min(rowid) FILTER (${anyBlank}) FROM ${rows} WHERE keep`);
    const [slowRows] = await one(`SELECT count(*) FILTER (${slowRow}) FROM ${valued}`);
    const n = Number(kept);
    // The first problem SQL can see without JavaScript, by rowid: a blank id, a known id again, a refused value.
    // `column`: the value column whose cell it is (-1: an id), so cells before it on its row are parsed first.
    const problems: { rowId: number; column: number; error: () => Error }[] = [];
    const firstBlankRow = firstBlank === null ? -1 : Number(firstBlank);
    if (firstBlankRow >= 0) {
      const at = await one(`SELECT ${blankChecks.map((b) => (b ? `(${b})` : 'false')).join(', ')} FROM ${rows} WHERE rowid = ${firstBlankRow}`);
      const blankColumn = at.findIndex((b) => b === true);
      problems.push({ rowId: firstBlankRow, column: -1, error: () => idColumns[blankColumn].blankError!(...placeOf(firstBlankRow)) });
    }
    for (const [j, column] of idColumns.entries()) {
      if (!column.duplicateError) continue;
      const again = await connection.runAndReadAll(
        `SELECT rowid::INTEGER, first::INTEGER, id FROM (SELECT t.rowid, t.id${j} AS id, min(t.rowid) OVER (PARTITION BY c.code) AS first, row_number() OVER (PARTITION BY c.code ORDER BY t.rowid) AS nth
         FROM ${rows} AS t JOIN ${codeTables[j]} AS c ON t.id${j} = c.id WHERE t.keep) WHERE nth = 2 ORDER BY rowid LIMIT 1`,
      );
      const [row] = again.getRows();
      if (row) problems.push({ rowId: Number(row[0]), column: -1, error: () => column.duplicateError!(...placeOf(Number(row[0])), placeOf(Number(row[1]))[1], String(row[2])) });
    }
    for (const [j, column] of valueColumns.entries()) {
      if (!column.refuse) continue;
      const [row] = (
        await connection.runAndReadAll(`SELECT t.rowid::INTEGER, t.f${j} FROM ${valued} AND ${counts(column)} AND t.f${j} IS NOT NULL AND (${column.refuse.sql(`t.f${j}`)}) ORDER BY t.rowid LIMIT 1`)
      ).getRows();
      if (row) {
        const rowId = Number(row[0]);
        problems.push({
          rowId,
          column: j,
          error: () => {
            const [file, line] = placeOf(rowId);
            return column.refuse!.error({ file, line, column: column.name }, Number(row[1]));
          },
        });
      }
    }
    const firstProblem = problems.reduce<(typeof problems)[number] | undefined>((a, p) => (a === undefined || p.rowId < a.rowId || (p.rowId === a.rowId && p.column < a.column) ? p : a), undefined);

    // Materialized, in file order: a streamed result costs several times more per chunk.
    const sentinel = (kind: ValueColumn['kind']) => (kind === 'flag' ? `${SLOW_FLAG}` : `'NaN'::DOUBLE`);
    const joins = idColumns.map((_, j) => `LEFT JOIN ${codeTables[j]} AS c${j} ON t.id${j} = c${j}.id`).join(' ');
    const result = await connection.run(
      `SELECT ${[...idColumns.map((_, j) => `coalesce(c${j}.code, 0)::INTEGER`), 't.rowid::INTEGER', ...valueColumns.map((c, j) => `coalesce(f${j}, ${sentinel(c.kind)})`)].join(', ')}
       FROM ${rows} AS t ${joins} WHERE t.keep ORDER BY t.rowid`,
    );

    const maps = await lineMaps;
    /** The part holding rowid `rowId`, searched from part `from` on (rowids ascend within every pass below). */
    const partOf = (rowId: number, from = 0): number => {
      let p = from;
      while (rowId >= ranges[p].start + ranges[p].count) p++;
      return p;
    };
    /** The line of rowid `rowId` of part p: the part's line map, else its rows counted from the first data line. */
    const lineIn = (p: number, rowId: number): number => {
      const row = rowId - ranges[p].start;
      const map = maps[p];
      return map && row < map.length ? map[row] : sql.parts[p].firstDataLine + row;
    };
    const placeOf = (rowId: number): [file: string, line: number] => {
      const p = partOf(rowId);
      return [sql.parts[p].file, lineIn(p, rowId)];
    };
    const ids = idColumns.map(() => new Int32Array(n));
    const values = valueColumns.map((c) => (c.kind === 'flag' ? new Uint8Array(n) : new Float64Array(n)));
    const rowIdOf = new Int32Array(n);
    const line = new Int32Array(n);
    let k = 0;
    let reported = 0;
    // getChunk of a materialized result is synchronous: fetchChunk's round trip per 2,048 rows cost more than the copy.
    for (let c = 0; c < result.chunkCount; c++) {
      const chunk = result.getChunk(c);
      ids.forEach((out, j) => out.set(itemsOf(chunk.getColumnVector(j), Int32Array), k));
      rowIdOf.set(itemsOf(chunk.getColumnVector(ids.length), Int32Array), k);
      values.forEach((out, j) => out.set(itemsOf<Float64Array | Uint8Array>(chunk.getColumnVector(ids.length + 1 + j), out instanceof Uint8Array ? Uint8Array : Float64Array), k));
      k += chunk.rowCount;
      if (onProgress && k - reported >= PROGRESS_EVERY) {
        reported = k;
        onProgress(k);
      }
    }
    for (let at = 0, p = 0; at < n; at++) {
      p = partOf(rowIdOf[at], p);
      line[at] = lineIn(p, rowIdOf[at]);
    }

    // Cells SQL did not parse plainly, through the row path's parsers, in file order; the first problem
    // in file order wins, as when the rows are read one by one (a row's ids are checked before its cells).
    if (slowRows !== null && Number(slowRows) > 0) {
      const slow = await connection.run(`SELECT t.rowid::INTEGER${valueColumns.map((_, j) => `, ${slowCell(j)}, t.raw${j}`).join('')} FROM ${valued} AND (${slowRow}) ORDER BY t.rowid`);
      const place: CellPlace = { file: label, line: 0, column: '' };
      let at = 0;
      let p = 0;
      for (let c = 0; c < slow.chunkCount; c++) {
        const chunk = slow.getChunk(c);
        const rowIds = itemsOf(chunk.getColumnVector(0), Int32Array);
        for (let r = 0; r < chunk.rowCount; r++) {
          const rowId = rowIds[r];
          if (firstProblem && (rowId > firstProblem.rowId || (rowId === firstProblem.rowId && firstProblem.column < 0))) throw firstProblem.error();
          while (rowIdOf[at] !== rowId) at++;
          p = partOf(rowId, p);
          valueColumns.forEach((column, j) => {
            if (firstProblem && rowId === firstProblem.rowId && j === firstProblem.column) throw firstProblem.error();
            if (chunk.getColumnVector(1 + 2 * j).getItem(r) !== true) return;
            place.file = sql.parts[p].file;
            place.line = line[at];
            place.column = column.name;
            const cell = toCell(chunk.getColumnVector(2 + 2 * j).getItem(r));
            const value = column.kind === 'flag' ? cellToFlag(cell, place) : column.kind === 'time' ? cellToTime(cell, place) : cellToNumber(cell, place, column.kind === 'number');
            if (column.refuse?.test(value)) throw column.refuse.error(place, value);
            values[j][at] = value;
          });
        }
      }
    }
    if (firstProblem) throw firstProblem.error();
    onProgress?.(k);
    return { ids, vocabularies, values, line, rows: k };
  } finally {
    for (const t of tables.reverse()) await connection.run(`DROP TABLE IF EXISTS ${t}`).catch(() => undefined);
    connection.closeSync();
  }
}

function isIdType(type: string | undefined): boolean {
  return type === 'VARCHAR' || INTEGER_TYPES.test(type ?? '');
}

/** The DuckDB type of each used column's cells, when every part has the same ones. */
async function rawTypes(connection: DuckDBConnection, parts: readonly SqlPart[], indices: readonly number[]): Promise<Map<number, string> | undefined> {
  let types: Map<number, string> | undefined;
  for (const part of parts) {
    let described;
    try {
      described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${part.relation}`);
    } catch (e) {
      throw await part.wrapError(e);
    }
    const byName = new Map(described.getRows().map((r) => [String(r[0]), String(r[1])]));
    const these = new Map(indices.map((i) => [i, byName.get(`__raw_${i}`) ?? '?']));
    if (types && [...these].some(([i, type]) => types!.get(i) !== type)) return undefined;
    types = these;
  }
  return types;
}

/**
 * Every row of every part into one table, in file order (its rowid), with the filter's verdict, the ids
 * as text (`id<j>`; blank-allowed ids with NULL as ''), each value's plainly parsed form (`f<j>`, NULL when
 * SQL leaves the cell to JavaScript) and the cell as read where it is NULL (`raw<j>`); returns each part's
 * rowid range.
 */
async function loadRows(
  connection: DuckDBConnection,
  table: string,
  sql: SqlTable,
  idColumns: readonly IdColumn[],
  valueColumns: readonly ValueColumn[],
  types: Map<number, string>,
): Promise<{ start: number; count: number }[]> {
  const ranges: { start: number; count: number }[] = [];
  let start = 0;
  for (const [p, part] of sql.parts.entries()) {
    const inner = [
      ...idColumns.map((c, j) => (c.blankError ? `CAST(__raw_${c.index} AS VARCHAR) AS id${j}` : `coalesce(CAST(__raw_${c.index} AS VARCHAR), '') AS id${j}`)),
      ...valueColumns.flatMap((c, j) => [`${fastExpression(`__raw_${c.index}`, c.kind, types.get(c.index)!)} AS f${j}`, `__raw_${c.index} AS c${j}`]),
      sql.where ? `coalesce((${sql.where.sql}), false) AS keep` : 'true AS keep',
    ].join(', ');
    const outer = [...idColumns.map((_, j) => `id${j}`), ...valueColumns.flatMap((_, j) => [`f${j}`, `CASE WHEN f${j} IS NULL THEN c${j} END AS raw${j}`]), 'keep'].join(', ');
    const select = `${outer} FROM (SELECT ${inner} FROM ${part.relation})`;
    try {
      await connection.run(p === 0 ? `CREATE TEMP TABLE ${table} AS SELECT ${select}` : `INSERT INTO ${table} SELECT ${select}`);
    } catch (e) {
      throw sql.where && isBindError(e) ? whereError(e, sql.where, sql.columns) : await part.wrapError(e);
    }
    const total = Number((await connection.runAndReadAll(`SELECT count(*) FROM ${table}`)).getRows()[0][0]);
    ranges.push({ start, count: total - start });
    start = total;
  }
  return ranges;
}

/** Marks the rows at these positions among the kept rows (1 in `skip`, in rowid order) as not kept. */
async function leaveOut(connection: DuckDBConnection, rows: string, skipTable: string, skip: Uint8Array): Promise<void> {
  await connection.run(`CREATE TEMP TABLE ${skipTable} (ord BIGINT)`);
  const appender = await connection.createAppender(skipTable);
  try {
    for (let r = 0; r < skip.length; r++) {
      if (skip[r] !== 1) continue;
      appender.appendBigInt(BigInt(r));
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  await connection.run(
    `UPDATE ${rows} SET keep = false WHERE rowid IN (SELECT s.rowid FROM (SELECT rowid, row_number() OVER (ORDER BY rowid) - 1 AS ord FROM ${rows} WHERE keep) AS s JOIN ${skipTable} USING (ord))`,
  );
}

/** The SQL that parses a cell when it is spelled plainly, else NULL (the cell then goes to JavaScript). */
function fastExpression(x: string, kind: ValueColumn['kind'], type: string): string {
  if (kind === 'flag') {
    if (type === 'VARCHAR') return `(CASE ${x} WHEN '1' THEN 1 WHEN '0' THEN 0 END)::UTINYINT`;
    if (type === 'BOOLEAN') return `${x}::UTINYINT`;
    if (NUMERIC_TYPES.test(type)) return `(CASE WHEN ${x} = 1 THEN 1 WHEN ${x} = 0 THEN 0 END)::UTINYINT`;
    return 'NULL::UTINYINT';
  }
  // Text: an integer written as DuckDB writes it back (the common Unix time) is checked without the
  // regular expression, which costs more; other plain numbers are matched by it.
  const number =
    type === 'VARCHAR'
      ? `CASE WHEN TRY_CAST(${x} AS BIGINT)::VARCHAR = ${x} THEN TRY_CAST(${x} AS BIGINT)::DOUBLE WHEN regexp_full_match(${x}, '${PLAIN_NUMBER}') THEN TRY_CAST(${x} AS DOUBLE) END`
      : NUMERIC_TYPES.test(type)
        ? `TRY_CAST(${x} AS DOUBLE)`
        : 'NULL::DOUBLE';
  const finite = `(CASE WHEN isfinite(${number}) THEN ${number} END)::DOUBLE`;
  // A blank that may be blank is a missing value (NaN) already here; other blanks (tabs) go to JavaScript.
  if (kind === 'optional-number') return `(CASE WHEN ${x} IS NULL${type === 'VARCHAR' ? ` OR trim(${x}) = ''` : ''} THEN 'NaN'::DOUBLE ELSE ${finite} END)`;
  return finite;
}

async function vocabularyOf(connection: DuckDBConnection, table: string): Promise<VocabularyBuilder> {
  const reader = await connection.runAndReadAll(`SELECT id FROM ${table} ORDER BY code`);
  const vocabulary = new VocabularyBuilder();
  for (const [id] of reader.getRows()) vocabulary.add(String(id));
  return vocabulary;
}

/** A vocabulary the caller has, as a table of (id, code): every id but the OOV row's. */
async function uploadVocabulary(connection: DuckDBConnection, table: string, vocabulary: Vocabulary): Promise<void> {
  await connection.run(`CREATE TABLE ${table} (id VARCHAR, code INTEGER)`);
  const appender = await connection.createAppender(table);
  try {
    const ids = vocabulary.ids;
    for (let i = 1; i < ids.length; i++) {
      appender.appendVarchar(ids[i]);
      appender.appendInteger(i);
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

/**
 * The values of a numeric vector as a typed array view. @duckdb/node-api keeps them in a field it does
 * not declare public; reading them whole is what makes this path fast (its getItem tests validity with
 * BigInt arithmetic per value). The version is pinned, and a change is caught here, not read as zeros.
 */
function itemsOf<T extends Int32Array | Float64Array | Uint8Array>(vector: DuckDBVector, ctor: new (...args: never[]) => T): T {
  const items = (vector as unknown as { items?: unknown }).items;
  if (!(items instanceof ctor) || items.length !== vector.itemCount) {
    throw new Error(`@duckdb/node-api: a ${vector.type.toString()} vector no longer exposes its values as a ${ctor.name}; the SQL decoding of tables needs updating.`);
  }
  return items;
}
