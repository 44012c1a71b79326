/**
 * The training modes and losses, named once: the schema's enums, the loss specs, the CLI's flag lists
 * and usage text, and the event types all derive from these lists. Shared by every side (no imports).
 */

export const TRAINING_MODES = ['pointwise', 'pairwise', 'listwise'] as const;
export type TrainingMode = (typeof TRAINING_MODES)[number];

export const LOSSES = ['bce', 'hinge', 'logistic', 'softmax'] as const;
export type LossName = (typeof LOSSES)[number];

/** Which losses each training mode accepts; the first is the mode's default. */
export const LOSSES_BY_MODE = {
  pointwise: ['bce'],
  pairwise: ['hinge', 'logistic'],
  listwise: ['softmax'],
} as const satisfies Record<TrainingMode, readonly LossName[]>;

/** How pairwise mode turns a positive's n triplets into its loss; the first is the default. */
export const PAIRWISE_REDUCTIONS = ['mean', 'hardest'] as const;
export type PairwiseReduction = (typeof PAIRWISE_REDUCTIONS)[number];
