/**
 * loadDataset: from an experiment's `data` section to the decoded Dataset. Reads the interactions (or
 * generates synthetic ones), applies the positive rule, makes the seeded split, drops test positives
 * of users or items unseen in training, counts clicks per item on the training split, joins the
 * feature tables the towers declare, and reads the ranking log.
 */
import { access } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

import type { Experiment, TowerConfig } from '../config/schema';
import type { Dataset, EntityFeatures, PositivePairs, RankingLogData, Vocabulary } from './dataset';
import { hasFeatures, joinFeatures, joinTowersFeatures, noFeatures, type FeatureSpecs } from './entityFeatures';
import { DataError } from './errors';
import { readInteractions, type InteractionMapping, type Interactions } from './interactions';
import { selectPositives, type PositiveRule } from './positives';
import { MOVIELENS_RATING_COLUMNS } from './readers/movielens';
import { openTable, resolveFormat, type DataFormatName } from './readers/open';
import { expandDataPath } from './readers/paths';
import type { TableSource } from './readers/source';
import { readRankingLog, type RankingLogColumns } from './rankingLog';
import { splitPositives, type SplitConfig } from './split';
import { generateSynthetic } from './synthetic';
import { syntheticTables } from './syntheticTables';
import { Rng } from '../util/rng';

export interface LoadProgress {
  phase: 'interactions' | 'split' | 'user_features' | 'item_features' | 'ranking_log' | 'done';
  rows: number;
}

export interface LoadOptions {
  onProgress?: (progress: LoadProgress) => void;
  /** Called once per warning (they are also kept in `stats.warnings`). */
  onWarning?: (message: string) => void;
}

const DEFAULT_POSITIVE: PositiveRule = { rule: 'clicked', threshold: 4 };
const DEFAULT_SPLIT: SplitConfig = { method: 'leave_last_n', test_fraction: 0.2, n: 1 };
const DEFAULT_RANKING_COLUMNS: RankingLogColumns = { request: 'request_id', user: 'user_id', item: 'item_id', rank: 'rank', discarded: 'discarded' };
/** Optional roles are taken from columns of these names when the experiment does not map them. */
const CONVENTIONAL_NAMES = { timestamp: 'timestamp', rating: 'rating', clicked: 'clicked', impressed: 'impressed' } as const;
const COLUMNS_KEY = 'data.interactions.columns';

interface FeatureTableRef {
  open(): Promise<TableSource>;
  key: string;
  configKey: string;
  /** The table is the interactions file itself: its held-out rows must not give feature values. */
  interactions?: true;
}

interface Sources {
  interactions: TableSource;
  mapping: InteractionMapping;
  userTable?: FeatureTableRef;
  itemTable?: FeatureTableRef;
  rankingLog?: { open(): Promise<TableSource>; columns: RankingLogColumns; label: string };
}

export async function loadDataset(config: Experiment, experimentFile: string, options: LoadOptions = {}): Promise<Dataset> {
  const data = config.data;
  const baseDir = dirname(resolve(experimentFile));
  const sources = data.synthetic ? syntheticSources(config) : await fileSources(config, baseDir);
  const progress = options.onProgress;
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    options.onWarning?.(m);
  };

  const interactions = await readInteractions(sources.interactions, sources.mapping, COLUMNS_KEY, (p) => progress?.({ phase: 'interactions', rows: p.rows }));
  const positive = data.positive ?? DEFAULT_POSITIVE;
  const positives = selectPositives(interactions, positive, COLUMNS_KEY);
  const rng = new Rng(data.seed);
  const isTest = splitPositives(interactions, positives.rows, data.split ?? DEFAULT_SPLIT, rng, `${COLUMNS_KEY}.timestamp`);
  progress?.({ phase: 'split', rows: positives.rows.length });

  const scoreCold = config.evaluation.cold_start === 'score';
  const split = buildSplit(interactions, positives.rows, isTest, scoreCold);
  if (split.usersWithoutTraining.length > 0) {
    const examples = split.usersWithoutTraining.slice(0, 5).map((u) => `'${interactions.users.ids[u]}'`);
    warn(
      `${split.usersWithoutTraining.length} user(s) have no training positive (e.g. ${examples.join(', ')}) in ${interactions.file}: they get no training signal and their test positives are dropped. Consider split method 'leave_last_n', or a less strict positive rule.`,
    );
  }
  if (split.train.users.length === 0) {
    throw new DataError(`${interactions.file}: the split left no training positives (${positives.rows.length} positives). Lower data.split.test_fraction or move data.split.cut later.`, {
      file: interactions.file,
    });
  }

  const userTrainMask = countMask(split.train.users, interactions.users.size);
  const itemTrainMask = countMask(split.train.items, interactions.items.size);
  const heldOut = heldOutRows(interactions.rows, positives.rows, isTest);
  const specsOf = (tower: TowerConfig): FeatureSpecs => ({ categorical: tower.categorical ?? [], continuous: tower.continuous ?? [] });
  let userFeatures: EntityFeatures;
  let itemFeatures: EntityFeatures;
  if (sources.userTable?.interactions && sources.itemTable?.interactions && hasFeatures(specsOf(config.user_tower)) && hasFeatures(specsOf(config.item_tower))) {
    // Both towers' features are columns of the interactions file: one read for both.
    [userFeatures, itemFeatures] = await joinTowersFeatures(
      sources.userTable.open,
      [
        { key: sources.userTable.key, entities: interactions.users, specs: specsOf(config.user_tower), trainMask: userTrainMask, configKey: sources.userTable.configKey, towerKey: 'user_tower' },
        { key: sources.itemTable.key, entities: interactions.items, specs: specsOf(config.item_tower), trainMask: itemTrainMask, configKey: sources.itemTable.configKey, towerKey: 'item_tower' },
      ],
      { warn, skipRows: heldOut },
    );
    progress?.({ phase: 'user_features', rows: interactions.users.size - 1 });
  } else {
    userFeatures = await entityFeatures(sources.userTable, interactions.users, config.user_tower, userTrainMask, heldOut, 'user_tower', 'data.user_features', warn);
    progress?.({ phase: 'user_features', rows: interactions.users.size - 1 });
    itemFeatures = await entityFeatures(sources.itemTable, interactions.items, config.item_tower, itemTrainMask, heldOut, 'item_tower', 'data.item_features', warn);
  }
  // Scored cold items are embedded as serving embeds a new item: their features with the OOV ID row.
  if (scoreCold) itemFeatures.idRows = coldItemsToOov(itemTrainMask);
  progress?.({ phase: 'item_features', rows: interactions.items.size - 1 });

  let rankingLog: RankingLogData | undefined;
  if (sources.rankingLog) {
    rankingLog = await readRankingLog(await sources.rankingLog.open(), sources.rankingLog.columns, interactions.users, interactions.items, 'data.ranking_log');
    if (rankingLog.items.length === 0 && config.training.negatives.hard?.source === 'ranking_log') {
      throw new DataError(
        `${sources.rankingLog.label}: the ranking log has no rows, and training.negatives.hard.source is 'ranking_log': training would run with no hard negatives at all. Give a ranking log with rows, or set training.negatives.hard.source to 'none' or 'mined'.`,
        { file: sources.rankingLog.label },
      );
    }
    progress?.({ phase: 'ranking_log', rows: rankingLog.items.length });
  }

  const itemClicks = new Float64Array(interactions.items.size);
  for (let k = 0; k < split.train.items.length; k++) itemClicks[split.train.items[k]]++;
  progress?.({ phase: 'done', rows: interactions.rows });
  return {
    users: interactions.users,
    items: interactions.items,
    userFeatures,
    itemFeatures,
    train: split.train,
    test: split.test,
    itemClicks,
    rankingLog,
    stats: {
      rows: interactions.rows,
      positives: positives.rows.length,
      impressedNotClicked: positives.impressedNotClicked,
      droppedTestUnseen: split.droppedTestUnseen,
      source: interactions.file,
      usersWithoutTrainingPositives: split.usersWithoutTraining.length,
      warnings,
    },
  };
}

/**
 * The item feature table the experiment reads (data.item_features, MovieLens's movies.csv or u.item
 * beside the ratings, or the synthetic items), or undefined when item features would come from the
 * interactions file: what `recommend` joins to its item ids so that a person reads titles.
 */
export async function itemTableOf(config: Experiment, experimentFile: string): Promise<{ open(): Promise<TableSource>; key: string } | undefined> {
  if (config.data.synthetic) return syntheticSources(config).itemTable;
  const sources = await fileSources(config, dirname(resolve(experimentFile)));
  sources.interactions.close();
  return sources.itemTable?.interactions ? undefined : sources.itemTable;
}

function syntheticSources(config: Experiment): Sources {
  const data = config.data;
  if (data.interactions) {
    throw new DataError('The experiment gives both data.interactions and data.synthetic. Keep one: a file to read, or a generator.', { file: '<synthetic>' });
  }
  const tables = syntheticTables(generateSynthetic(data.synthetic!, data.seed));
  return {
    interactions: tables.interactions,
    mapping: { user: 'user_id', item: 'item_id', timestamp: 'timestamp', impressed: 'impressed', clicked: 'clicked' },
    userTable: { open: () => Promise.resolve(tables.users), key: 'user_id', configKey: 'data.synthetic (users)' },
    itemTable: { open: () => Promise.resolve(tables.items), key: 'item_id', configKey: 'data.synthetic (items)' },
    rankingLog: tables.rankingLog && { open: () => Promise.resolve(tables.rankingLog!), columns: DEFAULT_RANKING_COLUMNS, label: tables.rankingLog.file },
  };
}

async function fileSources(config: Experiment, baseDir: string): Promise<Sources> {
  const data = config.data;
  if (!data.interactions) {
    throw new DataError('The experiment has no data: give data.interactions (a file to read) or data.synthetic (generated data).', { file: baseDir });
  }
  const path = resolve(baseDir, data.interactions.path);
  const format: DataFormatName = data.interactions.format ?? 'auto';
  // `where` filters the interactions, and the features read from them, in the same way, so that their rows stay aligned.
  const where = data.interactions.where ? { where: { sql: data.interactions.where, configKey: 'data.interactions.where' } } : {};
  const interactions = await openTable(path, format, where);
  // A glob or folder takes the format of its files (openTable has checked that they share one).
  const resolved = resolveFormat((await expandDataPath(path)).files[0] ?? path, format);
  const mapping = interactionMapping(interactions.columns, data.interactions.columns, resolved.reader === 'movielens' ? resolved.layout : undefined);

  const table = (t: { path: string; format: DataFormatName; key: string } | undefined, configKey: string): FeatureTableRef | undefined =>
    t && { open: () => openTable(resolve(baseDir, t.path), t.format ?? 'auto'), key: t.key, configKey };
  let userTable = table(data.user_features, 'data.user_features');
  let itemTable = table(data.item_features, 'data.item_features');
  // MovieLens as it comes: the feature files beside the ratings are used unless others are given.
  if (resolved.reader === 'movielens') {
    const dir = dirname(path);
    if (resolved.layout === 'latest-ratings') {
      itemTable ??= await sibling(join(dir, 'movies.csv'), 'movieId', 'movielens-latest');
    } else if (resolved.layout === '100k-data') {
      itemTable ??= await sibling(join(dir, 'u.item'), 'item_id', 'movielens-100k');
      userTable ??= await sibling(join(dir, 'u.user'), 'user_id', 'movielens-100k');
    } else if (resolved.layout === '1m-ratings') {
      itemTable ??= await sibling(join(dir, 'movies.dat'), 'item_id', 'movielens-1m');
      userTable ??= await sibling(join(dir, 'users.dat'), 'user_id', 'movielens-1m');
    }
  }
  // Without a feature table, the towers' features are columns of the interactions file (the last
  // training row wins: held-out rows are skipped, see entityFeatures).
  const fromInteractions = (key: string): FeatureTableRef => ({
    open: () => openTable(path, format, where),
    key,
    configKey: 'data.interactions (no feature table is given, so features are read from the interactions)',
    interactions: true,
  });
  userTable ??= fromInteractions(mapping.user);
  itemTable ??= fromInteractions(mapping.item);
  const log = data.ranking_log;
  return {
    interactions,
    mapping,
    userTable,
    itemTable,
    rankingLog: log && { open: () => openTable(resolve(baseDir, log.path), log.format ?? 'auto'), columns: { ...DEFAULT_RANKING_COLUMNS, ...log.columns }, label: resolve(baseDir, log.path) },
  };
}

async function sibling(path: string, key: string, format: DataFormatName): Promise<FeatureTableRef | undefined> {
  try {
    await access(path);
  } catch {
    return undefined;
  }
  return { open: () => openTable(path, format), key, configKey: `the MovieLens file ${path}` };
}

type ColumnsConfig = NonNullable<NonNullable<Experiment['data']['interactions']>['columns']>;

/** The column of each role: as mapped, else the MovieLens layout's, else a column of the conventional name. */
function interactionMapping(header: readonly string[], columns: ColumnsConfig | undefined, layout: string | undefined): InteractionMapping {
  const ml = layout === 'latest-ratings' || layout === '100k-data' || layout === '1m-ratings' ? MOVIELENS_RATING_COLUMNS[layout] : undefined;
  const mapping: InteractionMapping = {
    user: columns?.user ?? ml?.user ?? 'user_id',
    item: columns?.item ?? ml?.item ?? 'item_id',
  };
  for (const role of ['timestamp', 'rating', 'clicked', 'impressed'] as const) {
    const given = columns?.[role];
    if (given !== undefined) mapping[role] = given;
    else if (header.includes(CONVENTIONAL_NAMES[role])) mapping[role] = CONVENTIONAL_NAMES[role];
  }
  return mapping;
}

interface Split {
  train: PositivePairs;
  test: PositivePairs;
  droppedTestUnseen: number;
  usersWithoutTraining: number[];
}

/** Each item's ID row: its own when it has a training positive, else the OOV row 0. */
function coldItemsToOov(itemTrainMask: Uint8Array): Int32Array {
  const rows = new Int32Array(itemTrainMask.length);
  for (let i = 1; i < rows.length; i++) rows[i] = itemTrainMask[i] ? i : 0;
  return rows;
}

/** @param keepColdItems keep held-out positives of items without a training positive (`cold_start: score`). */
function buildSplit(data: Interactions, rows: Int32Array, isTest: Uint8Array, keepColdItems: boolean): Split {
  const userTrain = new Int32Array(data.users.size);
  const itemTrain = new Int32Array(data.items.size);
  let trainCount = 0;
  for (let k = 0; k < rows.length; k++) {
    if (isTest[k]) continue;
    userTrain[data.user[rows[k]]]++;
    itemTrain[data.item[rows[k]]]++;
    trainCount++;
  }
  let testCount = 0;
  let dropped = 0;
  for (let k = 0; k < rows.length; k++) {
    if (!isTest[k]) continue;
    if (userTrain[data.user[rows[k]]] > 0 && (keepColdItems || itemTrain[data.item[rows[k]]] > 0)) testCount++;
    else dropped++;
  }
  const pairs = (n: number): PositivePairs => ({ users: new Int32Array(n), items: new Int32Array(n), timestamps: data.timestamp ? new Float64Array(n) : undefined });
  const train = pairs(trainCount);
  const test = pairs(testCount);
  let a = 0;
  let b = 0;
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k];
    const u = data.user[r];
    const i = data.item[r];
    if (!isTest[k]) {
      train.users[a] = u;
      train.items[a] = i;
      if (train.timestamps) train.timestamps[a] = data.timestamp![r];
      a++;
    } else if (userTrain[u] > 0 && (keepColdItems || itemTrain[i] > 0)) {
      test.users[b] = u;
      test.items[b] = i;
      if (test.timestamps) test.timestamps[b] = data.timestamp![r];
      b++;
    }
  }
  const usersWithoutTraining: number[] = [];
  for (let u = 1; u < data.users.size; u++) if (userTrain[u] === 0) usersWithoutTraining.push(u);
  return { train, test, droppedTestUnseen: dropped, usersWithoutTraining };
}

/** 1 for each interaction row the split holds out (a test positive, kept or dropped), by row index. */
function heldOutRows(rowCount: number, positiveRows: Int32Array, isTest: Uint8Array): Uint8Array {
  const out = new Uint8Array(rowCount);
  for (let k = 0; k < positiveRows.length; k++) if (isTest[k]) out[positiveRows[k]] = 1;
  return out;
}

function countMask(indices: Int32Array, size: number): Uint8Array {
  const mask = new Uint8Array(size);
  for (let k = 0; k < indices.length; k++) mask[indices[k]] = 1;
  return mask;
}

async function entityFeatures(
  table: FeatureTableRef | undefined,
  entities: Vocabulary,
  tower: TowerConfig,
  trainMask: Uint8Array,
  heldOut: Uint8Array,
  towerKey: string,
  tableKey: string,
  warn: (message: string) => void,
): Promise<EntityFeatures> {
  const specs: FeatureSpecs = { categorical: tower.categorical ?? [], continuous: tower.continuous ?? [] };
  if (!hasFeatures(specs)) return { ...noFeatures(), keyColumn: table?.key };
  if (!table) {
    const names = [...specs.categorical, ...specs.continuous].map((f) => `'${f.name}'`).join(', ');
    throw new DataError(`${towerKey} declares the features ${names}, but there is no table to read them from. Set ${tableKey} (path, key) to a table with these columns, or remove them from ${towerKey}.`, {
      file: tableKey,
    });
  }
  return joinFeatures(await table.open(), table.key, entities, specs, trainMask, table.configKey, towerKey, { warn, skipRows: table.interactions ? heldOut : undefined });
}
