/**
 * The item feature table read whole for people to look at: each item's cells by its id (titles and
 * genres on MovieLens), so that recommendations show what the items are, not only their ids.
 */
import { cellToString } from '../data/cells';
import type { TableSource } from '../data/readers/source';

export interface ItemTable {
  /** The columns shown, in the file's order (the key column left out). */
  columns: string[];
  /** Cells of each item id, in `columns` order. */
  rows: Map<string, string[]>;
}

export async function readItemTable(source: TableSource, key: string): Promise<ItemTable> {
  const keyCol = source.columns.indexOf(key);
  if (keyCol < 0) {
    source.close();
    throw new Error(`${source.file}: no key column '${key}' (columns: ${source.columns.join(', ')}).`);
  }
  const shown = source.columns.map((_, i) => i).filter((i) => i !== keyCol);
  const rows = new Map<string, string[]>();
  await source.read((values) => {
    rows.set(
      cellToString(values[keyCol]),
      shown.map((i) => cellToString(values[i])),
    );
  });
  return { columns: shown.map((i) => source.columns[i]), rows };
}
