/** Which columns the listwise softmax is built from, decided once from the config. */
import type { TrainingConfig } from '../config/schema';

/**
 * Whether the listwise softmax takes its columns from the batch (`in_batch`, and `mixed`, which adds
 * shared extra columns): then the per-row sampled slots exist only for hard negatives (mixed with
 * easy ones at `mix`). Pointwise and pairwise `in_batch` draw per-row negatives from the batch instead.
 */
export function batchColumns(training: TrainingConfig): boolean {
  const source = training.negatives.source;
  return training.mode === 'listwise' && (source === 'in_batch' || source === 'mixed');
}
