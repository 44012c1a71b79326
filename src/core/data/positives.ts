/**
 * The positive rule. A positive is an impressed and clicked item: when the data has a click flag, a
 * row with clicked = 0 is never a positive, whatever the rule (impressed-but-not-clicked items are
 * negatives for ranking models, not for retrieval), and such rows are counted.
 */
import { DataError } from './errors';
import { Growable } from './growable';
import type { Interactions } from './interactions';

export interface PositiveRule {
  rule: 'clicked' | 'rating_at_least' | 'all';
  threshold: number;
}

export interface PositiveRows {
  /** Row indices of the positives, in file order. */
  rows: Int32Array;
  /** Rows impressed (or with no impression flag) and not clicked. */
  impressedNotClicked: number;
}

export function describeRule(rule: PositiveRule): string {
  return rule.rule === 'rating_at_least' ? `'rating_at_least' with threshold ${rule.threshold}` : `'${rule.rule}'`;
}

export function selectPositives(data: Interactions, rule: PositiveRule, configKey: string): PositiveRows {
  const { clicked, impressed, rating, file } = data;
  if (rule.rule === 'clicked' && !clicked) {
    throw new DataError(
      `${file}: data.positive.rule is 'clicked' but no click column is mapped. Set ${configKey}.clicked to the column of the click flag, or use rule 'rating_at_least' (with ${configKey}.rating) or 'all'.`,
      { file },
    );
  }
  if (rule.rule === 'rating_at_least' && !rating) {
    throw new DataError(`${file}: data.positive.rule is 'rating_at_least' but no rating column is mapped. Set ${configKey}.rating to the column of the rating.`, { file });
  }
  const rows = new Growable(Int32Array, Math.max(16, data.rows));
  let impressedNotClicked = 0;
  let maxRating = -Infinity;
  for (let r = 0; r < data.rows; r++) {
    if (clicked && clicked[r] === 0) {
      if (!impressed || impressed[r] === 1) impressedNotClicked++;
      continue;
    }
    if (rating && rating[r] > maxRating) maxRating = rating[r];
    if (rule.rule === 'rating_at_least' && !(rating && rating[r] >= rule.threshold)) continue;
    rows.push(r);
  }
  if (data.rows === 0) {
    throw new DataError(`${file}: the data set is empty (no rows after the header). Give a file with at least one interaction.`, { file });
  }
  if (rows.length === 0) {
    const seen = rule.rule === 'rating_at_least' && Number.isFinite(maxRating) ? ` (the highest rating among clicked rows is ${maxRating})` : '';
    const clicks = clicked ? `, ${impressedNotClicked} impressed-but-not-clicked rows are never positives` : '';
    throw new DataError(
      `${file}: no positives among ${data.rows} rows under data.positive.rule ${describeRule(rule)}${seen}${clicks}. Lower the threshold, change the rule, or check the column mapping.`,
      { file },
    );
  }
  return { rows: rows.finish(), impressedNotClicked };
}
