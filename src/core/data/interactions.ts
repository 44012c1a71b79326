/**
 * Decodes the interactions table once: user and item ids into vocabularies (first appearance order,
 * over the whole file, so that indices do not depend on the split), the other roles into typed arrays.
 */
import { cellToFlag, cellToNumber, cellToString, cellToTime, type CellPlace } from './cells';
import { emptyIdError, missingColumnError } from './errors';
import { Growable } from './growable';
import type { TableSource } from './readers/source';
import { decodeInSql } from './sqlDecode';
import { VocabularyBuilder } from './vocabulary';

/** Column of each role; roles without a column are absent from the data. */
export interface InteractionMapping {
  user: string;
  item: string;
  timestamp?: string;
  rating?: string;
  clicked?: string;
  impressed?: string;
}

export interface Interactions {
  file: string;
  users: VocabularyBuilder;
  items: VocabularyBuilder;
  /** Per row: dense user / item index (≥ 1). */
  user: Int32Array;
  item: Int32Array;
  timestamp?: Float64Array;
  rating?: Float64Array;
  clicked?: Uint8Array;
  impressed?: Uint8Array;
  /** Per row: its 1-based line in the file, for messages about rows found later (e.g. the split). */
  line: Int32Array;
  rows: number;
}

export type ProgressCallback = (progress: { phase: string; rows: number }) => void;

const PROGRESS_EVERY = 1 << 16;

/** Checks that each mapped column exists, then streams and decodes the rows. */
export async function readInteractions(
  source: TableSource,
  mapping: InteractionMapping,
  configKey: string,
  onProgress?: ProgressCallback,
): Promise<Interactions> {
  const index = (role: keyof InteractionMapping): number => {
    const name = mapping[role];
    if (name === undefined) return -1;
    const i = source.columns.indexOf(name);
    if (i < 0) {
      source.close();
      throw missingColumnError(source.file, name, `the ${role} column`, source.columns, `${configKey}.${role}`);
    }
    return i;
  };
  const cols = {
    user: index('user'),
    item: index('item'),
    timestamp: index('timestamp'),
    rating: index('rating'),
    clicked: index('clicked'),
    impressed: index('impressed'),
  };
  // Tables read through DuckDB are decoded there; the row path below reads the others, and the tables
  // the SQL path declines.
  if (source.sql) {
    const decoded = await readInSql(source, cols, mapping, onProgress);
    if (decoded) return decoded;
  }
  const users = new VocabularyBuilder();
  const items = new VocabularyBuilder();
  const user = new Growable(Int32Array);
  const item = new Growable(Int32Array);
  const line = new Growable(Int32Array);
  const timestamp = cols.timestamp >= 0 ? new Growable(Float64Array) : undefined;
  const rating = cols.rating >= 0 ? new Growable(Float64Array) : undefined;
  const clicked = cols.clicked >= 0 ? new Growable(Uint8Array) : undefined;
  const impressed = cols.impressed >= 0 ? new Growable(Uint8Array) : undefined;
  const place: CellPlace = { file: source.file, line: 0, column: '' };
  const at = (role: keyof InteractionMapping, l: number): CellPlace => {
    place.line = l;
    // The file being read now: a part of a glob or folder is named in messages, not the pattern.
    place.file = source.file;
    place.column = mapping[role] ?? role;
    return place;
  };

  let rows = 0;
  await source.read((v, rowLine) => {
    const userId = cellToString(v[cols.user]);
    const itemId = cellToString(v[cols.item]);
    if (userId === '' || itemId === '') {
      const role = userId === '' ? 'user' : 'item';
      throw emptyIdError(source.file, rowLine, role, mapping[role]);
    }
    user.push(users.add(userId));
    item.push(items.add(itemId));
    line.push(rowLine);
    if (timestamp) timestamp.push(cellToTime(v[cols.timestamp], at('timestamp', rowLine)));
    if (rating) rating.push(cellToNumber(v[cols.rating], at('rating', rowLine), true));
    if (clicked) clicked.push(cellToFlag(v[cols.clicked], at('clicked', rowLine)));
    if (impressed) impressed.push(cellToFlag(v[cols.impressed], at('impressed', rowLine)));
    rows++;
    if (onProgress && rows % PROGRESS_EVERY === 0) onProgress({ phase: 'interactions', rows });
  });
  onProgress?.({ phase: 'interactions', rows });
  return {
    file: source.file,
    users,
    items,
    user: user.finish(),
    item: item.finish(),
    timestamp: timestamp?.finish(),
    rating: rating?.finish(),
    clicked: clicked?.finish(),
    impressed: impressed?.finish(),
    line: line.finish(),
    rows,
  };
}

const VALUE_ROLES = [
  ['timestamp', 'time'],
  ['rating', 'number'],
  ['clicked', 'flag'],
  ['impressed', 'flag'],
] as const;

/** The SQL path (sqlDecode.ts): the same result, in the row path's order of checks (ids, then the roles above). */
async function readInSql(source: TableSource, cols: Record<keyof InteractionMapping, number>, mapping: InteractionMapping, onProgress?: ProgressCallback): Promise<Interactions | undefined> {
  const ids = (['user', 'item'] as const).map((role) => ({
    kind: 'codes' as const,
    index: cols[role],
    name: mapping[role],
    blankError: (file: string, line: number) => emptyIdError(file, line, role, mapping[role]),
  }));
  const roles = VALUE_ROLES.filter(([role]) => cols[role] >= 0);
  const decoded = await decodeInSql(
    source.file,
    source.sql!,
    ids,
    roles.map(([role, kind]) => ({ kind, index: cols[role], name: mapping[role] ?? role })),
    { onProgress: onProgress && ((rows) => onProgress({ phase: 'interactions', rows })) },
  );
  if (!decoded) return undefined;
  const valueOf = (role: (typeof VALUE_ROLES)[number][0]) => {
    const at = roles.findIndex(([r]) => r === role);
    return at < 0 ? undefined : decoded.values[at];
  };
  return {
    file: source.file,
    users: decoded.vocabularies[0]!,
    items: decoded.vocabularies[1]!,
    user: decoded.ids[0],
    item: decoded.ids[1],
    timestamp: valueOf('timestamp') as Float64Array | undefined,
    rating: valueOf('rating') as Float64Array | undefined,
    clicked: valueOf('clicked') as Uint8Array | undefined,
    impressed: valueOf('impressed') as Uint8Array | undefined,
    line: decoded.line,
    rows: decoded.rows,
  };
}
