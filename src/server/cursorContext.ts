/**
 * Where the cursor is in a `*.tower.yaml` file, read from indentation line by line. Completion and hover run on
 * half-typed, often invalid YAML (`  lo|`, `loss: `), where a parser's tree is missing or misplaced; the
 * indentation the user typed is what says which mapping they are in.
 */
import type { PathSegment } from './schemaNav';

export interface LineShape {
  /** Column of the first key or scalar after any `- ` markers. */
  keyColumn: number;
  /** Columns of the `- ` sequence markers before it. */
  dashColumns: number[];
  /** The key, when the line is `key:` or `key: value`. */
  key?: string;
  /** Column where the value starts (after `key: `), when the line has a key. */
  valueColumn?: number;
  /** The value text, without a trailing comment, when the line has a key. */
  value?: string;
  /** True for blank and comment-only lines. */
  empty: boolean;
}

const KEY_LINE = /^([A-Za-z_][\w.-]*|"[^"]*"|'[^']*')\s*:(?=\s|$)/;

/** The shape of one line (no YAML parsing: tolerant of anything). */
export function shapeOf(line: string): LineShape {
  let column = 0;
  while (column < line.length && line[column] === ' ') column++;
  const dashColumns: number[] = [];
  while (line[column] === '-' && (column + 1 === line.length || line[column + 1] === ' ')) {
    dashColumns.push(column);
    column++;
    while (column < line.length && line[column] === ' ') column++;
  }
  const rest = line.slice(column);
  if (rest.trim() === '' && dashColumns.length === 0) return { keyColumn: column, dashColumns, empty: true };
  if (rest.startsWith('#')) return { keyColumn: column, dashColumns, empty: dashColumns.length === 0 };
  const match = KEY_LINE.exec(rest);
  if (!match) return { keyColumn: column, dashColumns, empty: false };
  const key = match[1].replace(/^["']|["']$/g, '');
  let valueColumn = column + match[0].length;
  while (line[valueColumn] === ' ') valueColumn++;
  return { keyColumn: column, dashColumns, key, valueColumn, value: stripComment(line.slice(valueColumn)), empty: false };
}

function stripComment(value: string): string {
  const hash = value.search(/(^|\s)#/);
  return (hash < 0 ? value : value.slice(0, hash)).trimEnd();
}

/**
 * The path of the mapping or sequence that holds content starting at `column` on line `lineIndex`, found by
 * walking up to the nearest lines with smaller indentation. Sequence items appear as index 0: the schema of
 * every item of a list is the same, and no caller needs the real index.
 */
export function parentPath(lines: readonly string[], lineIndex: number, column: number, fromDash = false): PathSegment[] {
  const path: PathSegment[] = [];
  let target = column;
  // After entering a sequence item, its parent key may sit at the same column as the dash (`k:\n- a`).
  let sequenceAt: number | undefined = fromDash ? column : undefined;
  for (let i = lineIndex - 1; i >= 0 && (target > 0 || sequenceAt === 0); i--) {
    const shape = shapeOf(lines[i]);
    if (shape.empty) continue;
    const innerDash = [...shape.dashColumns].reverse().find((d) => d < target);
    if (shape.keyColumn < target && shape.key !== undefined && (shape.value ?? '') === '') {
      path.unshift(shape.key);
      target = shape.keyColumn;
      sequenceAt = undefined;
      if (shape.dashColumns.length > 0) {
        path.unshift(0);
        target = shape.dashColumns[shape.dashColumns.length - 1];
        sequenceAt = target;
      }
      continue;
    }
    if (innerDash !== undefined && shape.keyColumn >= target) {
      // A line of the same sequence item we are in: the item starts at its dash.
      path.unshift(0);
      target = innerDash;
      sequenceAt = target;
      continue;
    }
    if (sequenceAt !== undefined && shape.key !== undefined && shape.keyColumn === sequenceAt && shape.dashColumns.length === 0 && (shape.value ?? '') === '') {
      path.unshift(shape.key);
      target = shape.keyColumn;
      sequenceAt = undefined;
      continue;
    }
    if (shape.keyColumn < target && shape.dashColumns.length === 0) break; // Malformed: a scalar line that cannot hold children.
  }
  return path;
}

export type CursorContext =
  | { kind: 'key'; path: PathSegment[]; prefix: string; start: number }
  | { kind: 'value'; path: PathSegment[]; key: string; prefix: string; start: number }
  | { kind: 'item'; path: PathSegment[]; prefix: string; start: number }
  | { kind: 'none' };

/** What the cursor at (line, character) is typing: a key of a mapping, the value of a key, or a list item. */
export function cursorContext(lines: readonly string[], line: number, character: number): CursorContext {
  const before = (lines[line] ?? '').slice(0, character);
  if (/(^|\s)#/.test(before) && !/["']/.test(before)) return { kind: 'none' };
  const flow = flowMappingContext(lines, line, before);
  if (flow) return flow;
  const shape = shapeOf(before);
  if (shape.key !== undefined && shape.valueColumn !== undefined && character >= shape.valueColumn) {
    const path = pathOfLineContent(lines, line, shape);
    return { kind: 'value', path, key: shape.key, prefix: before.slice(shape.valueColumn), start: shape.valueColumn };
  }
  if (shape.key !== undefined) return { kind: 'none' }; // Between the key and its colon.
  const typed = before.slice(shape.keyColumn);
  if (!/^[\w.-]*$/.test(typed) && !/^["']/.test(typed)) {
    if (shape.dashColumns.length > 0 && !typed.includes(':')) {
      const path = parentPath(lines, line, shape.dashColumns[shape.dashColumns.length - 1], true);
      return { kind: 'item', path, prefix: typed, start: shape.keyColumn };
    }
    return { kind: 'none' };
  }
  // `- na|` is a key of an object item, or the start of a scalar item; the caller decides by the schema.
  return { kind: 'key', path: pathOfLineContent(lines, line, shape), prefix: typed, start: shape.keyColumn };
}

/** The key path of the key written on `line`, plus where the key and value sit, for hover and definition. */
export function keyAtLine(lines: readonly string[], line: number): { path: PathSegment[]; shape: LineShape } | undefined {
  const shape = shapeOf(lines[line] ?? '');
  if (shape.key === undefined) return undefined;
  return { path: [...pathOfLineContent(lines, line, shape), shape.key], shape };
}

/** The path of the mapping that holds what is written on `line` after its `- ` markers. */
function pathOfLineContent(lines: readonly string[], line: number, shape: LineShape): PathSegment[] {
  if (shape.dashColumns.length === 0) return parentPath(lines, line, shape.keyColumn);
  const path = parentPath(lines, line, shape.dashColumns[0], true);
  for (let i = 0; i < shape.dashColumns.length; i++) path.push(0);
  return path;
}

/** The path of a scalar list item written on `line` (`    - recall`), for hover on list values. */
export function itemAtLine(lines: readonly string[], line: number): { path: PathSegment[]; shape: LineShape } | undefined {
  const shape = shapeOf(lines[line] ?? '');
  if (shape.key !== undefined || shape.dashColumns.length === 0 || shape.empty) return undefined;
  return { path: pathOfLineContent(lines, line, shape), shape };
}

/** Column of the `{` of a flow mapping still open at the end of `before`, when exactly one is open. */
function openFlowMapping(before: string): number | undefined {
  const open: number[] = [];
  let quote: string | undefined;
  for (let i = 0; i < before.length; i++) {
    const ch = before[i];
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '#' && (i === 0 || before[i - 1] === ' ')) {
      return undefined;
    } else if (ch === '{' || ch === '[') {
      open.push(ch === '{' ? i : -1);
    } else if (ch === '}' || ch === ']') {
      open.pop();
    }
  }
  return open.length === 1 && open[0] >= 0 ? open[0] : undefined;
}

/** `columns: {user: user_id, item: |}`: the key or value typed inside a one-level flow mapping. */
function flowMappingContext(lines: readonly string[], line: number, before: string): CursorContext | undefined {
  const brace = openFlowMapping(before);
  if (brace === undefined) return undefined;
  const head = shapeOf(before.slice(0, brace));
  if (head.key === undefined) return { kind: 'none' };
  const path = [...pathOfLineContent(lines, line, head), head.key];
  const inner = before.slice(brace + 1);
  const entry = inner.slice(inner.lastIndexOf(',') + 1);
  const value = /^\s*([A-Za-z_][\w.-]*)\s*:\s+(\S*)$/.exec(entry);
  if (value) return { kind: 'value', path, key: value[1], prefix: value[2], start: before.length - value[2].length };
  const key = /^\s*([\w.-]*)$/.exec(entry);
  if (key) return { kind: 'key', path, prefix: key[1], start: before.length - key[1].length };
  return { kind: 'none' };
}
