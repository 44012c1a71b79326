/**
 * What a header row looks like, so that errors never print the first line of a file that is not a table.
 * A data path may point anywhere (`/etc/passwd`, a key file), and error messages end up in the editor,
 * the run's `ended` event and shared logs: a first line is shown as column names only when it looks like
 * column names, and other content is described by its shape, never quoted.
 */

/** Longest field that still counts as a column name. */
const MAX_NAME_LENGTH = 48;
/** A name has at most this many words (`Date of Birth`); a sentence or a credentials line has more. */
const MAX_NAME_WORDS = 4;
/** Digits in one name above this are a token or a number, not a name (`ghp_16C7e42F292c6912E7710c8…`). */
const MAX_NAME_DIGITS = 6;

/**
 * Starts with a letter, `_` or `#`; then letters, digits, single spaces and `_ . - ( ) # % $ &`. No `:`,
 * `/`, `=`, `@`, quotes or brackets: those are what passwd lines, URLs, `KEY=value` and PEM armour are made of.
 */
const NAME = /^[\p{L}_#][\p{L}\p{N}_.\-()#%$&]*(?: [\p{L}\p{N}_.\-()#%$&]+)*$/u;

/** True when `field` looks like a column name (`user_id`, `movieId`, `Customer ID`, `price ($)`). */
export function isColumnName(field: string): boolean {
  if (field.length === 0 || field.length > MAX_NAME_LENGTH || !NAME.test(field)) return false;
  if (field.split(' ').length > MAX_NAME_WORDS) return false;
  return (field.match(/\p{N}/gu)?.length ?? 0) <= MAX_NAME_DIGITS;
}

/**
 * True when the fields of a first line look like a header: a few short names (most of them names, so that
 * one odd column name does not make a real header suspect).
 */
export function looksLikeHeader(fields: readonly string[]): boolean {
  if (fields.length === 0 || fields.length > 1000) return false;
  const names = fields.filter(isColumnName).length;
  return names * 2 > fields.length;
}

/**
 * The columns for a message: `'user_id', 'item_id'`, leaving out fields that do not look like names
 * (`'user_id', 'item_id' and 1 more whose name is not shown`). Empty when none looks like a name.
 */
export function columnList(columns: readonly string[], quote = (c: string) => `'${c}'`): string {
  const shown = columns.filter(isColumnName);
  const hidden = columns.length - shown.length;
  const list = shown.map(quote).join(', ');
  if (hidden === 0) return list;
  if (shown.length === 0) return '';
  return `${list} and ${hidden} more whose name${hidden === 1 ? ' is' : 's are'} not shown (not plain names)`;
}

/** The shape of a first line that is not a header, without its content: `1 field, not a column name`. */
export function headerShape(fields: readonly string[]): string {
  const names = fields.filter(isColumnName).length;
  const count = `${fields.length} field${fields.length === 1 ? '' : 's'}`;
  if (names === 0) return `${count}, ${fields.length === 1 ? 'which does not look like a column name' : 'none of which looks like a column name'}`;
  return `${count}, only ${names} of which look${names === 1 ? 's' : ''} like column names`;
}

/** What to do when a first line is not a header: the sentence every such error ends with. */
export const NOT_A_HEADER_HINT =
  'Its content is not shown. Check that the path points at the data table: a CSV/TSV file whose first line names the columns (e.g. user_id,item_id,timestamp), JSON Lines, or Parquet; or set `format` for a MovieLens file without a header (movielens-100k for u.data).';

/**
 * What is wrong with a line that JSON.parse refused, without its content: V8 quotes the start of the
 * text in some messages (`Unexpected token 'r', "root:x:0:0"... is not valid JSON`), and a data path
 * may point at a file that must not end up in a log.
 */
export function jsonSyntaxProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (message.includes('"')) return 'an unexpected character';
  return message.replace(/ (in|after) JSON at position (\d+).*$/s, (_, where: string, at: string) => `${where === 'after' ? ' after the JSON value' : ''} at column ${Number(at) + 1}`);
}
