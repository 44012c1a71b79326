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
import { categoricalVocabulary } from './vocabulary';
import { bucketize, quantileBoundaries } from '../features/bucketize';
import { normalize, type Normalization } from '../features/normalize';

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
  const { warn, skipRows } = options;
  const column = (name: string, role: string, fix: string): number => {
    const i = source.columns.indexOf(name);
    if (i < 0) {
      source.close();
      throw missingColumnError(source.file, name, role, source.columns, fix);
    }
    return i;
  };
  const keyCol = column(key, `the key column of ${configKey}`, `${configKey}.key`);
  const catCols = specs.categorical.map((f, i) => column(f.name, `a categorical feature of ${towerKey}, read from ${configKey}`, `${towerKey}.categorical[${i}].name`));
  const conCols = specs.continuous.map((f, i) => column(f.name, `a continuous feature of ${towerKey}, read from ${configKey}`, `${towerKey}.continuous[${i}].name`));

  const n = entities.size;
  const allCatValues = specs.categorical.map(() => [] as string[]);
  const entityCat = specs.categorical.map(() => new Array<string>(n).fill(''));
  const entityCon = specs.continuous.map(() => new Float64Array(n).fill(NaN));
  const place: CellPlace = { file: source.file, line: 0, column: '' };
  const hasRow = new Uint8Array(n);
  // The largest magnitude of each continuous feature and its line, for the message when normalising it overflows.
  const largest = specs.continuous.map(() => ({ value: 0, line: 0 }));

  // The line of each entity's row, to refuse a key given twice: which of two rows holds an item's features
  // is a question the table must answer, not the reader (the interactions, read as features, repeat keys by design).
  const rowLine = skipRows ? undefined : new Int32Array(n);
  let row = -1;
  await source.read((values, line) => {
    row++;
    if (skipRows?.[row]) return;
    const keyText = cellToString(values[keyCol]);
    const e = entities.lookup(keyText);
    if (rowLine && e > 0) {
      if (rowLine[e] > 0) {
        throw new DataError(
          `${source.file}:${line}: the key '${keyText}' (column '${key}') is also on line ${rowLine[e]}: a feature table has one row per key, and which row is meant cannot be told. Remove one of the rows (or give ${configKey} a table deduplicated upstream).`,
          { file: source.file, row: line, column: key },
        );
      }
      rowLine[e] = line;
    }
    for (let f = 0; f < catCols.length; f++) {
      const v = cellToString(values[catCols[f]]);
      allCatValues[f].push(v);
      if (e > 0) entityCat[f][e] = v;
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
      if (specs.continuous[f].normalize === 'log' && v <= -1) {
        throw new DataError(
          `${source.file}:${line}: column '${place.column}' has ${v}, but 'log' normalisation needs values > −1 (it takes log(1 + x)). Use normalize: zscore or minmax, or fix the value.`,
          { file: source.file, row: line, column: place.column },
        );
      }
      entityCon[f][e] = v;
    }
  });

  const without: string[] = [];
  for (let e = 1; e < n; e++) if (!hasRow[e]) without.push(entities.ids[e]);
  if (without.length > 0 && warn) {
    const examples = without.slice(0, 5).map((id) => `'${id}'`).join(', ');
    warn(
      skipRows
        ? `${without.length} of ${n - 1} ids of the interactions have only held-out rows in ${source.file} (e.g. ${examples}): features are read from training rows only, so their categorical features are out-of-vocabulary and their continuous features the training mean.`
        : `${without.length} of ${n - 1} ids of the interactions have no row in ${source.file} (e.g. ${examples}): their categorical features are out-of-vocabulary and their continuous features the training mean. Check the ids, or the key column '${key}'.`,
    );
  }
  const categorical: CategoricalColumn[] = specs.categorical.map((spec, f) => {
    const vocabulary = categoricalVocabulary(allCatValues[f], spec.max_vocab);
    const values = new Int32Array(n);
    for (let e = 1; e < n; e++) values[e] = vocabulary.lookup(entityCat[f][e]);
    return { name: spec.name, vocabulary, values };
  });
  const continuous: ContinuousColumn[] = specs.continuous.map((spec, f) =>
    continuousColumn(spec, entityCon[f], trainMask, { file: source.file, key: `${towerKey}.continuous[${f}]`, largest: largest[f] }),
  );
  return { categorical, continuous };
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
    column.bucketIds = bucketize(raw, boundaries, count > 0 ? sum / count : 0);
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
