/**
 * The interactions table decoded inside DuckDB, for tables read through it (readers/duckTable.ts): the
 * vocabularies become dense codes by first appearance in SQL, the numbers and flags are parsed in SQL
 * where the cell is spelled plainly, and JavaScript receives typed vectors, chunk by chunk. No JavaScript
 * string is made per row: that per-cell path (decode, trim, Map) was most of the load time.
 *
 * The result is exactly what the row path of interactions.ts gives (test/unit/data/interactionsSql.test.ts
 * holds the two to each other): a cell SQL does not parse plainly (an ISO date, `yes`, a blank, `NaN`) goes
 * through the same JavaScript cell parser with the same row-numbered message, and the first problem in file
 * order is the one reported. Tables this path does not take (ids padded with blanks, ids of other types,
 * parts of different types) return undefined, and the row path reads them.
 */
import type { DuckDBConnection, DuckDBVector } from '@duckdb/node-api';

import { cellToFlag, cellToNumber, cellToTime, type CellPlace } from './cells';
import { emptyIdError } from './errors';
import type { InteractionMapping, Interactions, ProgressCallback } from './interactions';
import { newConnection } from './readers/duckdb';
import { isBindError, toCell, whereError } from './readers/duckTable';
import type { SqlPart, SqlTable } from './readers/source';
import { VocabularyBuilder } from './vocabulary';

/** Column index of each role in the table (−1: not mapped). */
export type RoleColumns = Record<keyof InteractionMapping, number>;

type ValueRole = 'timestamp' | 'rating' | 'clicked' | 'impressed';
type Kind = 'time' | 'number' | 'flag';
/** In the order the row path parses them, so that the first problem of a row is the same one. */
const VALUE_ROLES: readonly (readonly [ValueRole, Kind])[] = [
  ['timestamp', 'time'],
  ['rating', 'number'],
  ['clicked', 'flag'],
  ['impressed', 'flag'],
];

const INTEGER_TYPES = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/;
const NUMERIC_TYPES = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|BOOLEAN)$/;
/** A number as JavaScript's Number() reads it and DuckDB's cast alike: no blanks, no hex, no `_`, no words. */
const PLAIN_NUMBER = String.raw`[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?`;
/** What String.prototype.trim removes (RE2: \s is ASCII, \pZ the Unicode separators, U+FEFF the BOM). */
const TRIMMED = String.raw`[\s\v\pZ\x{feff}]`;
const PROGRESS_EVERY = 1 << 16;
/** In the flag vector: the cell is left to JavaScript (a flag is 0 or 1). */
const SLOW_FLAG = 255;

let tableCount = 0;

export async function readInteractionsInSql(
  label: string,
  sql: SqlTable,
  cols: RoleColumns,
  mapping: InteractionMapping,
  onProgress?: ProgressCallback,
): Promise<Interactions | undefined> {
  const connection = await newConnection();
  const name = `__interactions_${process.pid}_${++tableCount}`;
  const tables = { rows: name, users: `${name}_users`, items: `${name}_items` };
  const one = async (query: string) => (await connection.runAndReadAll(query)).getRows()[0];
  try {
    const types = await rawTypes(connection, sql.parts, cols);
    if (!types) return undefined;
    const roles = VALUE_ROLES.filter(([role]) => cols[role] >= 0);
    const ranges = await loadRows(connection, tables.rows, sql, cols, roles.map(([role, kind]) => ({ role, kind, type: types.get(role)! })));
    const lineMaps = Promise.all(sql.parts.map((part) => part.lines().catch(() => undefined)));

    // Vocabularies: dense codes ≥ 1 in order of first appearance, as VocabularyBuilder gives them.
    for (const [id, vocabulary] of [['u', tables.users], ['i', tables.items]] as const) {
      await connection.run(
        `CREATE TEMP TABLE ${vocabulary} AS SELECT ${id} AS id, row_number() OVER (ORDER BY min(rowid)) AS code FROM ${tables.rows} WHERE keep AND ${id} IS NOT NULL AND ${id} <> '' GROUP BY ${id}`,
      );
    }
    // Ids with blanks around them are trimmed by the row path (so ' u1' is 'u1'): that path reads such tables.
    const padded = `regexp_matches(id, '^${TRIMMED}|${TRIMMED}$')`;
    const paddedIds = await one(`SELECT (SELECT count(*) FROM ${tables.users} WHERE ${padded}) + (SELECT count(*) FROM ${tables.items} WHERE ${padded})`);
    if (Number(paddedIds[0]) > 0) return undefined;
    const users = await vocabularyOf(connection, tables.users);
    const items = await vocabularyOf(connection, tables.items);

    const slowRow = roles.length ? roles.map(([role]) => `f_${role} IS NULL`).join(' OR ') : 'false';
    const blankId = `u IS NULL OR u = '' OR i IS NULL OR i = ''`;
    const [kept, firstBlank, blankIsUser, slowRows] = await one(
      `SELECT count(*), min(rowid) FILTER (${blankId}), arg_min(u IS NULL OR u = '', rowid) FILTER (${blankId}), count(*) FILTER (${slowRow}) FROM ${tables.rows} WHERE keep`,
    );
    const n = Number(kept);
    const firstBlankRow = firstBlank === null ? -1 : Number(firstBlank);
    const blankRole = blankIsUser === true ? 'user' : 'item';

    // Materialized, in file order: a streamed result costs several times more per chunk.
    const sentinel = (kind: Kind) => (kind === 'flag' ? `${SLOW_FLAG}` : `'NaN'::DOUBLE`);
    const result = await connection.run(
      `SELECT coalesce(tu.code, 0)::INTEGER, coalesce(ti.code, 0)::INTEGER, t.rowid::INTEGER${roles.map(([role, kind]) => `, coalesce(f_${role}, ${sentinel(kind)})`).join('')}
       FROM ${tables.rows} AS t LEFT JOIN ${tables.users} AS tu ON t.u = tu.id LEFT JOIN ${tables.items} AS ti ON t.i = ti.id
       WHERE t.keep ORDER BY t.rowid`,
    );

    const maps = await lineMaps;
    const lineOf = (rowId: number): { file: string; line: number } => {
      let p = 0;
      while (rowId >= ranges[p].start + ranges[p].count) p++;
      const row = rowId - ranges[p].start;
      const map = maps[p];
      return { file: sql.parts[p].file, line: map && row < map.length ? map[row] : sql.parts[p].firstDataLine + row };
    };
    const user = new Int32Array(n);
    const item = new Int32Array(n);
    const line = new Int32Array(n);
    const rowIdOf = new Int32Array(n);
    const values = roles.map(([role, kind]) => ({ role, kind, column: mapping[role] ?? role, out: kind === 'flag' ? new Uint8Array(n) : new Float64Array(n) }));
    let k = 0;
    let reported = 0;
    // getChunk of a materialized result is synchronous: fetchChunk's round trip per 2,048 rows cost more than the copy.
    for (let c = 0; c < result.chunkCount; c++) {
      const chunk = result.getChunk(c);
      user.set(itemsOf(chunk.getColumnVector(0), Int32Array), k);
      item.set(itemsOf(chunk.getColumnVector(1), Int32Array), k);
      rowIdOf.set(itemsOf(chunk.getColumnVector(2), Int32Array), k);
      values.forEach((v, j) => v.out.set(itemsOf<Float64Array | Uint8Array>(chunk.getColumnVector(3 + j), v.kind === 'flag' ? Uint8Array : Float64Array), k));
      k += chunk.rowCount;
      if (onProgress && k - reported >= PROGRESS_EVERY) {
        reported = k;
        onProgress({ phase: 'interactions', rows: k });
      }
    }
    // The line of each row: the part's line map, else its rows counted from the first data line.
    for (let p = 0, at = 0; p < ranges.length; p++) {
      const map = maps[p];
      const { start, count } = ranges[p];
      const first = sql.parts[p].firstDataLine;
      for (; at < n && rowIdOf[at] < start + count; at++) {
        const row = rowIdOf[at] - start;
        line[at] = map && row < map.length ? map[row] : first + row;
      }
    }

    // Cells SQL did not parse plainly, through the row path's parsers, in file order; the first problem
    // in file order wins, as when the rows are read one by one (a row's id is checked before its cells).
    const blankError = () => {
      const at = lineOf(firstBlankRow);
      return emptyIdError(at.file, at.line, blankRole, mapping[blankRole]);
    };
    if (slowRows !== null && Number(slowRows) > 0) {
      const slow = await connection.run(
        `SELECT rowid::INTEGER${roles.map(([role]) => `, f_${role} IS NULL, raw_${role}`).join('')} FROM ${tables.rows} WHERE keep AND (${slowRow}) ORDER BY rowid`,
      );
      const place: CellPlace = { file: label, line: 0, column: '' };
      let at = 0;
      for (let c = 0; c < slow.chunkCount; c++) {
        const chunk = slow.getChunk(c);
        const rowIds = itemsOf(chunk.getColumnVector(0), Int32Array);
        for (let j = 0; j < chunk.rowCount; j++) {
          const rowId = rowIds[j];
          if (firstBlankRow >= 0 && rowId >= firstBlankRow) throw blankError();
          while (rowIdOf[at] !== rowId) at++;
          const where = lineOf(rowId);
          values.forEach((v, r) => {
            if (chunk.getColumnVector(1 + 2 * r).getItem(j) !== true) return;
            place.file = where.file;
            place.line = where.line;
            place.column = v.column;
            const cell = toCell(chunk.getColumnVector(2 + 2 * r).getItem(j));
            v.out[at] = v.kind === 'flag' ? cellToFlag(cell, place) : v.kind === 'time' ? cellToTime(cell, place) : cellToNumber(cell, place, true);
          });
        }
      }
    }
    if (firstBlankRow >= 0) throw blankError();
    onProgress?.({ phase: 'interactions', rows: k });
    const valueOf = (role: ValueRole) => values.find((v) => v.role === role)?.out;
    return {
      file: label,
      users,
      items,
      user,
      item,
      timestamp: valueOf('timestamp') as Float64Array | undefined,
      rating: valueOf('rating') as Float64Array | undefined,
      clicked: valueOf('clicked') as Uint8Array | undefined,
      impressed: valueOf('impressed') as Uint8Array | undefined,
      line,
      rows: k,
    };
  } finally {
    for (const table of Object.values(tables)) await connection.run(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    connection.closeSync();
  }
}

/** The DuckDB type of each role's cells, when every part has the same ones and the ids are text or integers. */
async function rawTypes(connection: DuckDBConnection, parts: readonly SqlPart[], cols: RoleColumns): Promise<Map<keyof InteractionMapping, string> | undefined> {
  let types: Map<keyof InteractionMapping, string> | undefined;
  for (const part of parts) {
    let described;
    try {
      described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${part.relation}`);
    } catch (e) {
      throw await part.wrapError(e);
    }
    const byName = new Map(described.getRows().map((r) => [String(r[0]), String(r[1])]));
    const these = new Map<keyof InteractionMapping, string>();
    for (const [role, col] of Object.entries(cols) as [keyof InteractionMapping, number][]) if (col >= 0) these.set(role, byName.get(`__raw_${col}`) ?? '?');
    if (types && [...these].some(([role, type]) => types!.get(role) !== type)) return undefined;
    types = these;
  }
  if (!types) return undefined;
  const idOk = (type: string | undefined) => type === 'VARCHAR' || INTEGER_TYPES.test(type ?? '');
  return idOk(types.get('user')) && idOk(types.get('item')) ? types : undefined;
}

/**
 * Every row of every part into one table, in file order (its rowid), with the filter's verdict, each
 * role's plainly parsed value (`f_<role>`, NULL when SQL leaves the cell to JavaScript) and the cell as
 * read where it is NULL (`raw_<role>`); returns each part's rowid range.
 */
async function loadRows(
  connection: DuckDBConnection,
  table: string,
  sql: SqlTable,
  cols: RoleColumns,
  roles: readonly { role: ValueRole; kind: Kind; type: string }[],
): Promise<{ start: number; count: number }[]> {
  const ranges: { start: number; count: number }[] = [];
  let start = 0;
  for (const [p, part] of sql.parts.entries()) {
    const inner = [
      `CAST(__raw_${cols.user} AS VARCHAR) AS u`,
      `CAST(__raw_${cols.item} AS VARCHAR) AS i`,
      ...roles.flatMap(({ role, kind, type }) => [`${fastExpression(`__raw_${cols[role]}`, kind, type)} AS f_${role}`, `__raw_${cols[role]} AS c_${role}`]),
      sql.where ? `coalesce((${sql.where.sql}), false) AS keep` : 'true AS keep',
    ].join(', ');
    const outer = ['u', 'i', ...roles.flatMap(({ role }) => [`f_${role}`, `CASE WHEN f_${role} IS NULL THEN c_${role} END AS raw_${role}`]), 'keep'].join(', ');
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

/** The SQL that parses a role's cell when it is spelled plainly, else NULL (the cell then goes to JavaScript). */
function fastExpression(x: string, kind: Kind, type: string): string {
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
  return `(CASE WHEN isfinite(${number}) THEN ${number} END)::DOUBLE`;
}

async function vocabularyOf(connection: DuckDBConnection, table: string): Promise<VocabularyBuilder> {
  const reader = await connection.runAndReadAll(`SELECT id FROM ${table} ORDER BY code`);
  const vocabulary = new VocabularyBuilder();
  for (const [id] of reader.getRows()) vocabulary.add(String(id));
  return vocabulary;
}

/**
 * The values of a numeric vector as a typed array view. @duckdb/node-api keeps them in a field it does
 * not declare public; reading them whole is what makes this path fast (its getItem tests validity with
 * BigInt arithmetic per value). The version is pinned, and a change is caught here, not read as zeros.
 */
function itemsOf<T extends Int32Array | Float64Array | Uint8Array>(vector: DuckDBVector, ctor: new (...args: never[]) => T): T {
  const items = (vector as unknown as { items?: unknown }).items;
  if (!(items instanceof ctor) || items.length !== vector.itemCount) {
    throw new Error(`@duckdb/node-api: a ${vector.type.toString()} vector no longer exposes its values as a ${ctor.name}; the SQL reader of interactions needs updating.`);
  }
  return items;
}
