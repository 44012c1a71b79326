/**
 * The sampler interfaces. The training loop asks a `PositiveSource` for batches of positive
 * (user, item) pairs and a `NegativeSampler` for negatives; each strategy of the sampling issue
 * (uniform, popularity^α with an alias table, in-batch with logQ, hard from a ranking log or mined,
 * a mix of easy and hard) is one implementation. All are seeded through the `Rng` they are given and
 * save their state into the checkpoint, so `--resume` continues exactly.
 */
import type { Rng } from '../util/rng';

/** The kinds of negative, as reported per popularity decile in `sampling` events. */
export type NegativeKind = 'uniform' | 'popularity' | 'in_batch' | 'hard_log' | 'hard_mined';

/** One batch of positives: row r is the pair (users[r], items[r]). Views, not copies, where possible. */
export interface PositiveBatch {
  users: Int32Array;
  items: Int32Array;
}

/**
 * Draws sampled negatives for a batch of positives: `out` has `batch.users.length * perPositive`
 * slots, row-major (negatives of row r at r*perPositive ... r*perPositive + perPositive − 1).
 * `kinds`, when given, receives for each slot which kind of negative filled it (for the statistics).
 */
export interface NegativeSampler {
  readonly kind: NegativeKind | 'mixed';
  sample(batch: PositiveBatch, perPositive: number, rng: Rng, out: Int32Array, kinds?: Uint8Array): void;
  /** Serialisable state beyond the Rng (e.g. mined negatives, streaming frequency estimates). */
  saveState?(): unknown;
  restoreState?(state: unknown): void;
}

/**
 * In-batch negatives need no draws, only the log-probability `log p_i` of each batch item appearing
 * in a batch (logQ correction) and the mask of accidental hits.
 */
export interface InBatchCorrection {
  /** log p_i for each row's item (length B); subtracted from the logits of column i. */
  logQ(batch: PositiveBatch): Float32Array;
  /** Observe a batch (the streaming estimator updates its frequencies here). */
  observe?(batch: PositiveBatch, step: number): void;
  /** p_i of every item index (0 where unknown), for the per-decile `logqP` of sampling events. */
  itemProbabilities?(): Float64Array;
  saveState?(): unknown;
  restoreState?(state: unknown): void;
}

/** The index of NegativeKind values stored in `kinds` arrays. */
export const NEGATIVE_KIND_CODES: readonly NegativeKind[] = ['uniform', 'popularity', 'in_batch', 'hard_log', 'hard_mined'];
