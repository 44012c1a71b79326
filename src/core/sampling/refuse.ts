/**
 * The one negative source that must never reach training: items impressed but not clicked. The
 * config rules flag it in the editor too; this guard stops the trainer even if a config slips through.
 */
import type { TrainingConfig } from '../config/schema';

export const IMPRESSED_NEGATIVES_REFUSED =
  'training.negatives.source is `impressed_not_clicked`, which a retrieval model must not use. Items that were impressed but not clicked ' +
  'already passed retrieval and ranking: they are negatives for a ranking model, which learns to order nominated items. A retrieval ' +
  '(nomination) model must learn to separate what a user wants from the whole catalogue, so its negatives have to come from all items: ' +
  'use `uniform`, `popularity` or `in_batch`, and, for harder negatives, `training.negatives.hard` (items ranking discarded, or mined).';

/** Throws when the config asks for impressed-but-not-clicked items as retrieval negatives. */
export function refuseImpressedNegatives(training: Pick<TrainingConfig, 'negatives'>): void {
  if ((training.negatives.source as string) === 'impressed_not_clicked') throw new Error(IMPRESSED_NEGATIVES_REFUSED);
}
