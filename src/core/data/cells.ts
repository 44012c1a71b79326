/** Decoding of single cells (strings from text files, typed values from JSONL/Parquet) into numbers and flags. */
import { DataError } from './errors';
import type { Cell } from './readers/source';

export function cellToString(c: Cell): string {
  if (c === null || c === undefined) return '';
  return typeof c === 'string' ? c.trim() : String(c);
}

function isBlank(c: Cell): boolean {
  return c === null || c === undefined || (typeof c === 'string' && c.trim() === '');
}

/** Where a cell sits, for error messages. */
export interface CellPlace {
  file: string;
  line: number;
  column: string;
}

function badCell(place: CellPlace, value: Cell, expected: string, todo: string): DataError {
  return new DataError(`${place.file}:${place.line}: column '${place.column}' has ${JSON.stringify(cellToString(value))}, expected ${expected}. ${todo}`, {
    file: place.file,
    row: place.line,
    column: place.column,
  });
}

/**
 * A number; a blank cell gives NaN (a missing value) unless `required`. One rule for every value that is
 * not a finite number, however it is spelled or stored (`NaN`, `Infinity`, `-inf`, a Parquet NaN, 1e999):
 * an error naming the cell, because such a value is either a missing value (leave the cell empty) or a
 * bug upstream, never a quantity the model can use.
 */
export function cellToNumber(c: Cell, place: CellPlace, required: boolean): number {
  if (typeof c === 'boolean') return c ? 1 : 0;
  if (isBlank(c)) {
    if (required) throw badCell(place, c, 'a number', 'Fill in the value or drop the row.');
    return NaN;
  }
  const n = typeof c === 'number' ? c : typeof c === 'bigint' ? Number(c) : Number((c as string).trim());
  if (Number.isFinite(n)) return n;
  if (typeof c === 'string' && !NON_FINITE.test(c.trim()) && Number.isNaN(n)) throw badCell(place, c, 'a number', 'Fix the value, or map a numeric column in the experiment file.');
  throw new DataError(
    `${place.file}:${place.line}: column '${place.column}' has ${cellToString(c)}, which is not a finite number. Fix the value, or leave the cell empty for a missing value.`,
    { file: place.file, row: place.line, column: place.column },
  );
}

/** Spellings of values that are not finite numbers (what Number(), numpy and pandas write). */
const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;

/**
 * ISO 8601 dates and times (`2024-03-01`, `2024-03-01T12:00:00Z`, `2024-03-01 12:00:00.5+02:00`). Nothing
 * else is a date: `Date.parse` would also take `unknown 2` or `row 7` as dates in 2001.
 */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * A time in seconds: a number as is, or an ISO date converted to Unix seconds (a date or time without a
 * zone is taken as UTC, so that the split does not depend on the machine's zone). Anything else is an error.
 */
export function cellToTime(c: Cell, place: CellPlace): number {
  if (typeof c === 'string') {
    // The common case first: a plain number (Number() ignores surrounding blanks; '' is blank, not 0).
    const n = Number(c);
    if (Number.isFinite(n) && c.trim() !== '') return n;
  }
  if (typeof c === 'string' && c.trim() !== '' && Number.isNaN(Number(c.trim())) && !NON_FINITE.test(c.trim())) {
    const text = c.trim();
    const zoned = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/.test(text) && text.length > 10;
    const ms = ISO_DATE.test(text) ? Date.parse(zoned || text.length === 10 ? text.replace(' ', 'T') : `${text.replace(' ', 'T')}Z`) : NaN;
    if (Number.isNaN(ms)) {
      throw badCell(place, c, 'a number (Unix seconds) or an ISO 8601 date (e.g. 2024-03-01T12:00:00Z)', 'Fix the value, or map the right timestamp column.');
    }
    return ms / 1000;
  }
  return cellToNumber(c, place, true);
}

const TRUE = new Set(['1', 'true', 'yes', 'y', 't']);
const FALSE = new Set(['0', 'false', 'no', 'n', 'f', '']);

/** A 0/1 flag from 1/0, true/false, yes/no (blank = 0). */
export function cellToFlag(c: Cell, place: CellPlace): 0 | 1 {
  // The common cells first, without a lower-cased copy.
  if (c === '1') return 1;
  if (c === '0') return 0;
  if (typeof c === 'boolean') return c ? 1 : 0;
  if (typeof c === 'number' || typeof c === 'bigint') {
    if (Number(c) === 1) return 1;
    if (Number(c) === 0) return 0;
  } else {
    const s = cellToString(c).toLowerCase();
    if (TRUE.has(s)) return 1;
    if (FALSE.has(s)) return 0;
  }
  throw badCell(place, c, 'a flag (1/0, true/false)', 'Fix the value, or map the right flag column.');
}
