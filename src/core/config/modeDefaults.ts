/**
 * Each training mode's settings at its best, as the per-mode sweeps found them (bench/sweeps/defaults-*,
 * docs/benchmarks.md "Every mode at its best"): the templates and examples start from them, "Train with
 * loss…" switches a file's negatives to them (modeSwitch.ts), and a run that ends below popularity is told
 * where it departs from them (runs/belowPopularity.ts). templates.test.ts holds the templates to them.
 */
import type { PairwiseReduction, TrainingMode } from '../../shared/vocabulary';

export interface ModeDefaults {
  learningRate: number;
  /** `training.negatives` of the mode (what a file of another mode's negatives is switched to). */
  negatives: Record<string, string | number | boolean>;
  /** τ of the score (pointwise BCE and the listwise softmax read it). */
  temperature?: number;
  margin?: number;
  scale?: number;
  pairwiseReduction?: PairwiseReduction;
  /** Epochs the sweeps' best runs needed (with early stopping on recall@50). */
  epochs: number;
}

/**
 * The sweeps' best point of each mode on both data sets (the highest geometric mean of the two recall@50
 * lifts over popularity), to two significant digits; the drawn points compete with the sweep file's own
 * settings (the point "base", bench/sweeps/base-points.sh), which won for listwise and pointwise. Every
 * mode trains up to 10 epochs with early stopping on recall@50 (patience 2), as the sweeps did; their
 * best runs often kept a late epoch.
 */
export const MODE_DEFAULTS: Record<TrainingMode, ModeDefaults> = {
  listwise: { learningRate: 0.005, negatives: { source: 'in_batch', logq_correction: true }, temperature: 0.1, epochs: 10 },
  pairwise: { learningRate: 0.0041, negatives: { source: 'uniform', per_positive: 20 }, margin: 0.18, scale: 4.8, pairwiseReduction: 'mean', epochs: 10 },
  pointwise: { learningRate: 0.005, negatives: { source: 'uniform', per_positive: 3 }, temperature: 0.1, epochs: 10 },
};

/** The early stopping the sweeps used, which the templates take with `epochs`. */
export const TUNED_EARLY_STOPPING = { metric: 'recall@50', patience: 2 } as const;
