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

/** A number; a blank cell gives NaN (a missing value) unless `required`. */
export function cellToNumber(c: Cell, place: CellPlace, required: boolean): number {
  if (typeof c === 'number') return c;
  if (typeof c === 'bigint') return Number(c);
  if (typeof c === 'boolean') return c ? 1 : 0;
  if (isBlank(c)) {
    if (required) throw badCell(place, c, 'a number', 'Fill in the value or drop the row.');
    return NaN;
  }
  const n = Number((c as string).trim());
  if (Number.isNaN(n)) throw badCell(place, c, 'a number', 'Fix the value, or map a numeric column in the experiment file.');
  return n;
}

/** A time in seconds: a number as is, or an ISO date converted to Unix seconds. */
export function cellToTime(c: Cell, place: CellPlace): number {
  if (typeof c === 'string' && c.trim() !== '' && Number.isNaN(Number(c.trim()))) {
    const ms = Date.parse(c.trim());
    if (Number.isNaN(ms)) throw badCell(place, c, 'a number or an ISO date', 'Fix the value, or map the right timestamp column.');
    return ms / 1000;
  }
  return cellToNumber(c, place, true);
}

const TRUE = new Set(['1', 'true', 'yes', 'y', 't']);
const FALSE = new Set(['0', 'false', 'no', 'n', 'f', '']);

/** A 0/1 flag from 1/0, true/false, yes/no (blank = 0). */
export function cellToFlag(c: Cell, place: CellPlace): 0 | 1 {
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
