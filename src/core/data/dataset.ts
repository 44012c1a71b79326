/**
 * The decoded data set every part of the engine reads: ids mapped to dense indices once, columns as
 * typed arrays, the evaluation split already made. Readers (CSV/TSV, JSONL, Parquet, MovieLens) and
 * the synthetic generator produce it; towers, samplers, the training loop and evaluation consume it.
 */

/** Maps external ids to dense indices. Index 0 is reserved for out-of-vocabulary ids. */
export interface Vocabulary {
  /** `ids[i]` is the external id of index i; `ids[0]` is the out-of-vocabulary marker `<oov>`. */
  readonly ids: readonly string[];
  /** Index of an external id, or 0 (OOV) when unknown. */
  lookup(id: string): number;
  /** Number of indices including the OOV row (= embedding table rows). */
  readonly size: number;
}

/** One discrete feature of every user (or item): values[entityIndex] is a vocabulary index (0 = OOV). */
export interface CategoricalColumn {
  name: string;
  vocabulary: Vocabulary;
  values: Int32Array;
}

/**
 * One continuous feature of every user (or item), already normalised with training statistics.
 * When bucketised, `bucketIds[entityIndex]` is in [0, bucketCount) and `boundaries` has bucketCount − 1 cut points.
 */
export interface ContinuousColumn {
  name: string;
  values: Float32Array;
  stats: { mean: number; std: number; min: number; max: number };
  bucketIds?: Int32Array;
  boundaries?: Float64Array;
  bucketCount?: number;
  /** The raw value a missing value is bucketed as (the training mean of the raw values). */
  bucketFill?: number;
}

/** Features of all users or of all items, indexed like the corresponding vocabulary. */
export interface EntityFeatures {
  categorical: CategoricalColumn[];
  continuous: ContinuousColumn[];
  /** The column of the feature table that holds the user (or item) id, when there is a table. */
  keyColumn?: string;
  /**
   * The ID-embedding row of each entity, when the entities are not the vocabulary's own indices: rows
   * embedded after training (core/serving), where an id the model never saw gets row 0 (OOV); and cold
   * items under `evaluation.cold_start: score`, embedded with row 0 as a new item would be.
   * Absent: entity e is row e (the data set's own users and items).
   */
  idRows?: Int32Array;
}

/** Positive (user, item) pairs as parallel arrays of dense indices; `timestamps` when the data has them. */
export interface PositivePairs {
  users: Int32Array;
  items: Int32Array;
  timestamps?: Float64Array;
}

/** A ranking log: per request, the items nominated with the rank the ranker gave them. */
export interface RankingLogData {
  requests: Int32Array;
  users: Int32Array;
  items: Int32Array;
  ranks: Int32Array;
  discarded: Uint8Array;
}

export interface Dataset {
  users: Vocabulary;
  items: Vocabulary;
  userFeatures: EntityFeatures;
  itemFeatures: EntityFeatures;
  train: PositivePairs;
  /**
   * Held-out positives. A test positive whose user or item has no training positive is dropped (and
   * counted in `stats.droppedTestUnseen`): its embedding would be untrained, so it measures the
   * initialisation, not the model. With `evaluation.cold_start: score` those of cold items (items
   * without a training positive: `itemClicks` 0) are kept and scored from the item's features.
   */
  test: PositivePairs;
  /** Training positives per item index (length items.size): the clicks behind popularity sampling, logQ and head/tail. */
  itemClicks: Float64Array;
  rankingLog?: RankingLogData;
  /** Rows of the interactions read, and what happened to them, for the `started` event and error messages. */
  stats: {
    rows: number;
    positives: number;
    impressedNotClicked: number;
    droppedTestUnseen: number;
    source: string;
    /** Users of the file with no training positive: they get no training signal (each is also warned about in `warnings`). */
    usersWithoutTrainingPositives?: number;
    /** Things the loader accepted but a person should know, one sentence each. */
    warnings?: string[];
  };
}
