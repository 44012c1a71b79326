/**
 * The synthetic data as tables: the same columns and values whether read from memory (config
 * `data.synthetic`) or written to CSV by `two-tower-lab generate` and read back, so both paths give
 * the same Dataset. Numbers are generated already rounded, so their decimal text reads back exactly.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { memoryTable, type Cell, type TableSource } from './readers/source';
import type { SyntheticData } from './synthetic';

export const SYNTHETIC_FILES = {
  interactions: 'interactions.csv',
  users: 'users.csv',
  items: 'items.csv',
  rankingLog: 'ranking_log.csv',
} as const;

export const SYNTHETIC_COLUMNS = {
  interactions: ['user_id', 'item_id', 'timestamp', 'impressed', 'clicked'],
  users: ['user_id', 'segment', 'age', 'activity'],
  items: ['item_id', 'category', 'price', 'age_days'],
  rankingLog: ['request_id', 'user_id', 'item_id', 'rank', 'discarded'],
} as const;

interface TableSpec {
  columns: readonly string[];
  rows: number;
  /** Writes the cells of one row into `out`. */
  fill(row: number, out: Cell[]): void;
}

function tableSpecs(data: SyntheticData): { interactions: TableSpec; users: TableSpec; items: TableSpec; rankingLog?: TableSpec } {
  const { users, items, interactions: x, rankingLog: log } = data;
  return {
    interactions: {
      columns: SYNTHETIC_COLUMNS.interactions,
      rows: x.user.length,
      fill: (r, o) => {
        o[0] = users.ids[x.user[r]];
        o[1] = items.ids[x.item[r]];
        o[2] = x.timestamp[r];
        o[3] = x.impressed[r];
        o[4] = x.clicked[r];
      },
    },
    users: {
      columns: SYNTHETIC_COLUMNS.users,
      rows: users.ids.length,
      fill: (r, o) => {
        o[0] = users.ids[r];
        o[1] = users.segment[r];
        o[2] = users.age[r];
        o[3] = users.activity[r];
      },
    },
    items: {
      columns: SYNTHETIC_COLUMNS.items,
      rows: items.ids.length,
      fill: (r, o) => {
        o[0] = items.ids[r];
        o[1] = items.category[r];
        o[2] = items.price[r];
        o[3] = items.ageDays[r];
      },
    },
    rankingLog: log && {
      columns: SYNTHETIC_COLUMNS.rankingLog,
      rows: log.request.length,
      fill: (r, o) => {
        o[0] = `r${log.request[r]}`;
        o[1] = users.ids[log.user[r]];
        o[2] = items.ids[log.item[r]];
        o[3] = log.rank[r];
        o[4] = log.discarded[r];
      },
    },
  };
}

export interface SyntheticTables {
  interactions: TableSource;
  users: TableSource;
  items: TableSource;
  rankingLog?: TableSource;
}

/** The generated tables as in-memory sources, labelled like the files `generate` would write. */
export function syntheticTables(data: SyntheticData): SyntheticTables {
  const specs = tableSpecs(data);
  const source = (name: string, s: TableSpec) => memoryTable(`<synthetic seed ${data.seed}>/${name}`, s.columns, s.rows, s.fill);
  return {
    interactions: source(SYNTHETIC_FILES.interactions, specs.interactions),
    users: source(SYNTHETIC_FILES.users, specs.users),
    items: source(SYNTHETIC_FILES.items, specs.items),
    rankingLog: specs.rankingLog && source(SYNTHETIC_FILES.rankingLog, specs.rankingLog),
  };
}

function toCsv(spec: TableSpec): string {
  const lines: string[] = [spec.columns.join(',')];
  const width = spec.columns.length;
  const cells = new Array<Cell>(width);
  for (let r = 0; r < spec.rows; r++) {
    spec.fill(r, cells);
    lines.push(cells.join(','));
  }
  lines.push('');
  return lines.join('\n');
}

/** The CSV text of each file, by file name (what `writeSynthetic` writes). */
export function syntheticCsv(data: SyntheticData): Record<string, string> {
  const specs = tableSpecs(data);
  const out: Record<string, string> = {
    [SYNTHETIC_FILES.interactions]: toCsv(specs.interactions),
    [SYNTHETIC_FILES.users]: toCsv(specs.users),
    [SYNTHETIC_FILES.items]: toCsv(specs.items),
  };
  if (specs.rankingLog) out[SYNTHETIC_FILES.rankingLog] = toCsv(specs.rankingLog);
  return out;
}

/**
 * Writes interactions.csv (user_id,item_id,timestamp,impressed,clicked), users.csv, items.csv and,
 * when generated, ranking_log.csv into `dir` (created if needed). Each file is written under a
 * temporary name and renamed, so a reader never sees half a file. Returns the paths written.
 */
export async function writeSynthetic(dir: string, data: SyntheticData): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, text] of Object.entries(syntheticCsv(data))) {
    const path = join(dir, name);
    const tmp = `${path}.tmp-${process.pid}`;
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, path);
    written.push(path);
  }
  return written;
}
