/**
 * Joins a feature table onto the users (or items) of the interactions: one value per entity index. A
 * feature table with a key on two rows is refused (with both lines); when features come from the
 * interactions file, where keys repeat by design, the last training row wins.
 * Features read from the interactions file skip the rows the split holds out, so that a test row's
 * values never reach the features (nor the categorical vocabulary) the model trains and is evaluated on.
 * Table rows whose key is not in the interactions are ignored (the entity can never be trained or
 * retrieved), but their categorical values still enter the feature's vocabulary, built from the whole
 * table so that indices are stable. Entities without a row get the OOV value (categorical) or the
 * training mean (continuous). Continuous statistics and bucket boundaries come from the entities that
 * have a training positive only.
 */
import { cellToNumber, cellToString, type CellPlace } from './cells';
import type { CategoricalColumn, ContinuousColumn, EntityFeatures, Vocabulary } from './dataset';
import { DataError, missingColumnError } from './errors';
import type { TableSource } from './readers/source';
import { duplicateKeyError, logDomainError, outsideLogDomain } from './featureErrors';
import { featureCellsInSql } from './featuresInSql';
import { categoricalVocabularyOfCounts } from './vocabulary';
import { bucketize, quantileBoundaries } from '../features/bucketize';
import { normalize, normalizeWith, type FeatureStats, type Normalization } from '../features/normalize';

export interface CategoricalSpec {
  name: string;
  max_vocab?: number;
}

export interface ContinuousSpec {
  name: string;
  normalize: Normalization;
  buckets?: number;
}

export interface FeatureSpecs {
  categorical: readonly CategoricalSpec[];
  continuous: readonly ContinuousSpec[];
}

export interface JoinOptions {
  /** Called once per warning. */
  warn?: (message: string) => void;
  /**
   * Rows of the source to ignore, by their order in it (1 = skip): the held-out rows when the features
   * are columns of the interactions file, whose rows are the interactions' rows in the same order.
   */
  skipRows?: Uint8Array;
}

export function hasFeatures(specs: FeatureSpecs): boolean {
  return specs.categorical.length > 0 || specs.continuous.length > 0;
}

/**
 * Reads `source` and returns the features of every entity of `entities`.
 * `trainMask[e]` is 1 when entity e has a training positive. `configKey` names the table in messages
 * (e.g. `data.item_features`), `towerKey` the tower that declares the features.
 */
export async function joinFeatures(
  source: TableSource,
  key: string,
  entities: Vocabulary,
  specs: FeatureSpecs,
  trainMask: Uint8Array,
  configKey: string,
  towerKey: string,
  options: JoinOptions = {},
): Promise<EntityFeatures> {
  const { skipRows } = options;
  const cells = await readFeatureCells(source, key, specs, { configKey, towerKey, size: entities.size, entityOf: (id) => entities.lookup(id), entities, skipRows });
  return featuresFromCells(cells, { key, entities, specs, trainMask, towerKey }, source.file, options);
}

/** One tower's request of a table: its key column, its entities and features, and where it is named. */
export interface TowerFeatures {
  key: string;
  entities: Vocabulary;
  specs: FeatureSpecs;
  trainMask: Uint8Array;
  configKey: string;
  towerKey: string;
}

/**
 * Several towers' features from one table: the interactions, when no feature table is given, hold the
 * user and the item features. DuckDB reads the file once for all of them when it takes the table; else,
 * or when that read finds a problem, each tower reads its own in turn, so the error reported is the one
 * those reads give (the first tower's first).
 */
export async function joinTowersFeatures(open: () => Promise<TableSource>, towers: readonly TowerFeatures[], options: JoinOptions = {}): Promise<EntityFeatures[]> {
  const eachOnItsOwn = async (): Promise<EntityFeatures[]> => {
    const out: EntityFeatures[] = [];
    for (const t of towers) out.push(await joinFeatures(await open(), t.key, t.entities, t.specs, t.trainMask, t.configKey, t.towerKey, options));
    return out;
  };
  const source = await open();
  const at = (name: string) => source.columns.indexOf(name);
  const columns = towers.map((t) => ({ keyCol: at(t.key), catCols: t.specs.categorical.map((f) => at(f.name)), conCols: t.specs.continuous.map((f) => at(f.name)) }));
  // A missing column gets the message of the tower's own read.
  if (!source.sql || columns.some((c) => [c.keyCol, ...c.catCols, ...c.conCols].includes(-1))) {
    source.close();
    return eachOnItsOwn();
  }
  let cells: FeatureCells[] | undefined;
  try {
    cells = await featureCellsInSql(
      source,
      towers.map((t, i) => ({ ...columns[i], key: t.key, specs: t.specs, entities: t.entities, size: t.entities.size, configKey: t.configKey })),
      options.skipRows,
    );
  } catch {
    cells = undefined;
  } finally {
    source.close();
  }
  if (!cells) return eachOnItsOwn();
  return cells.map((c, i) => featuresFromCells(c, towers[i], source.file, options));
}

/** A tower's features from its cells: the warning for entities without a row, the vocabularies, the normalised values. */
function featuresFromCells(cells: FeatureCells, tower: Pick<TowerFeatures, 'key' | 'entities' | 'specs' | 'trainMask' | 'towerKey'>, file: string, options: JoinOptions): EntityFeatures {
  const { key, entities, specs, trainMask, towerKey } = tower;
  const { warn, skipRows } = options;
  const n = entities.size;
  const without: string[] = [];
  for (let e = 1; e < n; e++) if (!cells.hasRow[e]) without.push(entities.ids[e]);
  if (without.length > 0 && warn) {
    const examples = without.slice(0, 5).map((id) => `'${id}'`).join(', ');
    warn(
      skipRows
        ? `${without.length} of ${n - 1} ids of the interactions have only held-out rows in ${file} (e.g. ${examples}): features are read from training rows only, so their categorical features are out-of-vocabulary and their continuous features the training mean.`
        : `${without.length} of ${n - 1} ids of the interactions have no row in ${file} (e.g. ${examples}): their categorical features are out-of-vocabulary and their continuous features the training mean. Check the ids, or the key column '${key}'.`,
    );
  }
  const categorical: CategoricalColumn[] = specs.categorical.map((spec, f) => {
    const vocabulary = categoricalVocabularyOfCounts(cells.categoryCounts[f].distinct, cells.categoryCounts[f].counts, spec.max_vocab);
    return { name: spec.name, vocabulary, values: categoricalValues(vocabulary, cells.categorical[f]) };
  });
  const continuous: ContinuousColumn[] = specs.continuous.map((spec, f) =>
    continuousColumn(spec, cells.continuous[f], trainMask, { file, key: `${towerKey}.continuous[${f}]`, largest: cells.largest[f] }),
  );
  return { categorical, continuous, keyColumn: key };
}

/**
 * What was fitted on the training data for each feature of a tower: the categorical vocabularies and
 * the continuous statistics and bucket boundaries (as the run's data set holds them, or as a bundle
 * stores them). Enough to encode rows that arrive after training the way training encoded its own.
 */
export interface FittedFeatures {
  categorical: { name: string; vocabulary: Vocabulary }[];
  continuous: { name: string; normalize: Normalization; stats: FeatureStats; boundaries?: Float64Array; bucketFill?: number }[];
}

/**
 * The features of each row of `source` (rows embedded after training: new users or items, maybe with
 * ids never seen), encoded with what training fitted (`fitted`): categorical values through the
 * training vocabulary (unknown → OOV), continuous ones normalised with the training statistics and
 * bucketised at the training boundaries. Entity 0 is a placeholder (the OOV row); row r of the file
 * (0-based, in order) is entity r + 1, and `ids[r]` its key. `idRows` maps each entity to its
 * ID-embedding row in `idVocabulary` (0 for an id the model never saw: the cold-start path).
 */
export async function encodeFeatureRows(
  source: TableSource,
  key: string,
  fitted: FittedFeatures,
  idVocabulary: Vocabulary,
  towerKey: string,
): Promise<{ ids: string[]; features: EntityFeatures }> {
  const ids: string[] = [];
  const specs: FeatureSpecs = { categorical: fitted.categorical, continuous: fitted.continuous };
  const cells = await readFeatureCells(source, key, specs, {
    configKey: EMBED_KEY_FLAG,
    towerKey,
    entityOf: (id) => {
      ids.push(id);
      return ids.length;
    },
    missingFeature: (name, role) =>
      new DataError(
        `${source.file}: no column '${name}' (${role}). The tower encodes it from every row, so the file needs it: add the column (an empty cell is a missing value: the training mean or the OOV value). The file's columns are: ${source.columns.join(', ')}.`,
        { file: source.file, column: name },
      ),
  });
  const n = ids.length + 1;
  const idRows = new Int32Array(n);
  for (let r = 0; r < ids.length; r++) idRows[r + 1] = idVocabulary.lookup(ids[r]);
  const categorical: CategoricalColumn[] = fitted.categorical.map((c, f) => ({ name: c.name, vocabulary: c.vocabulary, values: categoricalValues(c.vocabulary, cells.categorical[f], n) }));
  const continuous: ContinuousColumn[] = fitted.continuous.map((c, f) => {
    const raw = padded(cells.continuous[f], n);
    const column: ContinuousColumn = { name: c.name, values: normalizeWith(raw, c.normalize, c.stats), stats: c.stats };
    if (c.boundaries) {
      column.boundaries = c.boundaries;
      column.bucketCount = c.boundaries.length + 1;
      column.bucketFill = c.bucketFill;
      column.bucketIds = bucketize(raw, c.boundaries, c.bucketFill ?? 0);
    }
    return column;
  });
  return { ids, features: { categorical, continuous, keyColumn: key, idRows } };
}

/** The raw cells of a feature table, per entity: what fitting and encoding both start from. */
export interface FeatureCells {
  /** Per categorical feature: the value of each entity ('' = none). */
  categorical: string[][];
  /** Per categorical feature: the distinct values read (of any row kept) in order of first appearance, and how often each was read. */
  categoryCounts: { distinct: string[]; counts: number[] }[];
  /** Per continuous feature: the raw value of each entity (NaN = missing). */
  continuous: Float64Array[];
  hasRow: Uint8Array;
  /** The largest magnitude of each continuous feature and its line, for the message when normalising it overflows. */
  largest: { value: number; line: number }[];
}

/** The flag of `embed` that names the id column of the rows to embed. */
export const EMBED_KEY_FLAG = '--key';

interface ReadOptions {
  /** The table in messages (e.g. `data.item_features`), or `--key` for rows given to `embed`. */
  configKey: string;
  towerKey: string;
  /** The number of entities, or undefined when they grow as rows arrive. */
  size?: number;
  /** The entity of a row from its key (0 = not one). */
  entityOf: (id: string) => number;
  /** The vocabulary `entityOf` looks ids up in, when it is one: the SQL path can then read the table. */
  entities?: Vocabulary;
  skipRows?: Uint8Array;
  /** The error for a missing feature column, when not the config's (`set … .name`) one. */
  missingFeature?: (name: string, role: string) => Error;
}

/**
 * Streams `source` once: checks the key and feature columns exist, and keeps each entity's cells
 * (`entityOf(key)` gives the entity of a row, 0 = not one; with `size` undefined the entities grow as
 * rows arrive). A continuous cell must be a finite number (or empty), and > −1 for `log`.
 */
async function readFeatureCells(source: TableSource, key: string, specs: FeatureSpecs, options: ReadOptions): Promise<FeatureCells> {
  const { configKey, towerKey, size, entityOf, skipRows } = options;
  const column = (name: string, role: string, fix: string, isFeature: boolean): number => {
    const i = source.columns.indexOf(name);
    if (i < 0) {
      source.close();
      throw isFeature && options.missingFeature ? options.missingFeature(name, role) : missingColumnError(source.file, name, role, source.columns, fix);
    }
    return i;
  };
  const embedding = configKey === EMBED_KEY_FLAG;
  const from = embedding ? '' : `, read from ${configKey}`;
  const keyCol = column(key, embedding ? `the id column (${EMBED_KEY_FLAG})` : `the key column of ${configKey}`, embedding ? EMBED_KEY_FLAG : `${configKey}.key`, false);
  const catCols = specs.categorical.map((f, i) => column(f.name, `a categorical feature of ${towerKey}${from}`, `${towerKey}.categorical[${i}].name`, true));
  const conCols = specs.continuous.map((f, i) => column(f.name, `a continuous feature of ${towerKey}${from}`, `${towerKey}.continuous[${i}].name`, true));

  const n = size ?? 0;
  if (source.sql && options.entities && size !== undefined) {
    // The SQL path reads the file itself: the source is released whether it gives the cells, declines or fails.
    let inSql: FeatureCells | undefined;
    try {
      [inSql] = (await featureCellsInSql(source, [{ key, keyCol, catCols, conCols, specs, entities: options.entities, size, configKey }], skipRows)) ?? [];
    } catch (e) {
      source.close();
      throw e;
    }
    if (inSql) {
      source.close();
      return inSql;
    }
  }
  // Each categorical value's count, in order of first appearance (a Map keeps insertion order).
  const valueCounts = specs.categorical.map(() => new Map<string, number>());
  const categorical = specs.categorical.map(() => new Array<string>(n).fill(''));
  const continuous = specs.continuous.map(() => new Array<number>(n).fill(NaN));
  const hasRow: number[] = new Array<number>(n).fill(0);
  const place: CellPlace = { file: source.file, line: 0, column: '' };
  const largest = specs.continuous.map(() => ({ value: 0, line: 0 }));

  // The line of each entity's row, to refuse a key given twice: which of two rows holds an item's features
  // is a question the table must answer, not the reader (the interactions, read as features, repeat keys by design).
  const rowLine = skipRows ? undefined : new Int32Array(n);
  let row = -1;
  await source.read((values, line) => {
    row++;
    if (skipRows?.[row]) return;
    const keyText = cellToString(values[keyCol]);
    const e = entityOf(keyText);
    if (rowLine && e > 0) {
      if (rowLine[e] > 0) throw duplicateKeyError(source.file, line, rowLine[e], keyText, key, configKey);
      rowLine[e] = line;
    }
    for (let f = 0; f < catCols.length; f++) {
      const v = cellToString(values[catCols[f]]);
      valueCounts[f].set(v, (valueCounts[f].get(v) ?? 0) + 1);
      if (e > 0) categorical[f][e] = v;
    }
    if (e === 0) return;
    hasRow[e] = 1;
    for (let f = 0; f < conCols.length; f++) {
      place.line = line;
      place.file = source.file;
      place.column = specs.continuous[f].name;
      const v = cellToNumber(values[conCols[f]], place, false);
      if (v === Infinity || v === -Infinity) {
        throw new DataError(`${source.file}:${line}: column '${place.column}' has ${v}, which is not a finite number. Fix the value, or leave the cell empty for a missing value.`, {
          file: source.file,
          row: line,
          column: place.column,
        });
      }
      if (Math.abs(v) > Math.abs(largest[f].value)) largest[f] = { value: v, line };
      if (specs.continuous[f].normalize === 'log' && outsideLogDomain(v)) throw logDomainError(place, v);
      continuous[f][e] = v;
    }
  });
  const count = Math.max(n, hasRow.length);
  return {
    categorical,
    categoryCounts: valueCounts.map((counts) => ({ distinct: [...counts.keys()], counts: [...counts.values()] })),
    continuous: continuous.map((c) => padded(c, count)),
    hasRow: Uint8Array.from(padded(hasRow, count, 0)),
    largest,
  };
}

/** `values` as a Float64Array of length `n`, missing entries NaN (or `fill`). */
function padded(values: ArrayLike<number>, n: number, fill = NaN): Float64Array {
  const out = new Float64Array(n).fill(fill);
  for (let i = 0; i < Math.min(n, values.length); i++) if (values[i] !== undefined) out[i] = values[i];
  return out;
}

/** Vocabulary index of each entity's value (entity 0 and missing values: OOV). */
function categoricalValues(vocabulary: Vocabulary, perEntity: readonly string[], n = perEntity.length): Int32Array {
  const values = new Int32Array(n);
  for (let e = 1; e < n; e++) values[e] = vocabulary.lookup(perEntity[e] ?? '');
  return values;
}

/** Where a continuous feature comes from, for the message when its normalisation overflows. */
export interface FeatureSource {
  file: string;
  /** The config key of the feature, e.g. `item_tower.continuous[0]`. */
  key: string;
  /** Its value of largest magnitude and the line it is on. */
  largest?: { value: number; line: number };
}

/** The largest magnitude a float32 holds: the model computes in float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Normalises (and bucketises, when asked) one continuous feature with training statistics. Values so large
 * that the statistics or the normalised values are not finite in float32 are refused here, naming the
 * feature, rather than found later as a NaN loss that blames the learning rate.
 */
export function continuousColumn(spec: ContinuousSpec, raw: Float64Array, trainMask: Uint8Array, source?: FeatureSource): ContinuousColumn {
  const { values, stats } = normalize(raw, spec.normalize, trainMask);
  const overflow = normalisationOverflow(spec.normalize, stats, values);
  if (overflow && source) {
    const at = source.largest && source.largest.line > 0 ? ` (its largest value is ${source.largest.value}, at line ${source.largest.line})` : '';
    throw new DataError(
      `${source.file}: the continuous feature '${spec.name}' (${source.key}) overflows under normalize: ${spec.normalize}: ${overflow}${at}. ` +
        `The model computes in 32-bit floats (at most ±3.4e38). Fix the value, scale the column down (e.g. to thousands), or use normalize: log for a large positive quantity.`,
      { file: source.file, column: spec.name },
    );
  }
  if (overflow) throw new RangeError(`continuous feature '${spec.name}' overflows under normalize: ${spec.normalize}: ${overflow}`);
  const column: ContinuousColumn = { name: spec.name, values, stats };
  if (spec.buckets !== undefined) {
    const boundaries = quantileBoundaries(raw, spec.buckets, trainMask);
    // Missing values go to the bucket of the training mean of the raw values.
    let sum = 0;
    let count = 0;
    for (let i = 0; i < raw.length; i++) {
      if (trainMask[i] && Number.isFinite(raw[i])) {
        sum += raw[i];
        count++;
      }
    }
    column.boundaries = boundaries;
    column.bucketCount = spec.buckets;
    column.bucketFill = count > 0 ? sum / count : 0;
    column.bucketIds = bucketize(raw, boundaries, column.bucketFill);
  }
  return column;
}

/** Features of entities that have no table: empty lists. */
export function noFeatures(): EntityFeatures {
  return { categorical: [], continuous: [] };
}

/** Why a normalised feature is not usable in float32, or undefined when it is. */
function normalisationOverflow(method: Normalization, stats: { mean: number; std: number; min: number; max: number }, values: Float32Array): string | undefined {
  if ((method === 'zscore' || method === 'log') && !(Number.isFinite(stats.mean) && Number.isFinite(stats.std))) {
    return `the training mean and standard deviation are not finite (mean ${stats.mean}, std ${stats.std})`;
  }
  if (method === 'minmax' && !Number.isFinite(stats.max - stats.min)) return `the range max − min of the training values is not finite (${stats.min} to ${stats.max})`;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) return method === 'none' ? `values beyond ±${FLOAT32_MAX.toPrecision(2)} do not fit a 32-bit float` : 'a normalised value is not finite';
  }
  return undefined;
}
