/**
 * Positive rebalancing by item popularity: hot items lose some of their positives (down-sampling)
 * and cold items have theirs repeated (up-sampling). Two rules:
 * - `exponent` β: item i keeps ≈ N·c_i^β / Σ_j c_j^β positives (β = 1 changes nothing, β = 0 gives
 *   every clicked item the same count), so the total stays ≈ N;
 * - `cap`: at most `cap` positives per item, and items with fewer than `floor` repeated up to `floor`.
 * Which positives of an item are kept or repeated is drawn from the Rng; call once per epoch for a
 * fresh draw. The pairs keep their original order (the loop shuffles).
 */
import type { PositivePairs } from '../data/dataset';
import type { RebalanceStats } from '../../shared/events';
import type { TrainingConfig } from '../config/schema';
import type { Rng } from '../util/rng';
import { headItemMask } from '../eval/grouping';
import { gini } from './popularity';

export type RebalanceConfig = TrainingConfig['positives']['rebalance'];

/** Target count of positives of each item under the rule (real numbers; rounded stochastically later). */
export function rebalanceTargets(counts: Float64Array, cfg: RebalanceConfig): Float64Array {
  const target = new Float64Array(counts.length);
  if (cfg.method === 'none') {
    target.set(counts);
  } else if (cfg.method === 'exponent') {
    if (!(cfg.exponent >= 0 && cfg.exponent <= 1)) throw new Error(`training.positives.rebalance.exponent is ${cfg.exponent}; β must be in [0, 1].`);
    let total = 0;
    let powered = 0;
    for (let i = 0; i < counts.length; i++) {
      total += counts[i];
      if (counts[i] > 0) powered += Math.pow(counts[i], cfg.exponent);
    }
    for (let i = 0; i < counts.length; i++) target[i] = counts[i] > 0 ? (total * Math.pow(counts[i], cfg.exponent)) / powered : 0;
  } else {
    if (!(cfg.cap >= 1)) throw new Error(`training.positives.rebalance.cap is ${cfg.cap}; it must be an integer ≥ 1.`);
    if (cfg.floor > cfg.cap) throw new Error(`training.positives.rebalance.floor (${cfg.floor}) is above cap (${cfg.cap}); lower the floor or raise the cap.`);
    for (let i = 0; i < counts.length; i++) target[i] = counts[i] > 0 ? Math.max(Math.min(counts[i], cfg.cap), cfg.floor) : 0;
  }
  return target;
}

export function rebalancePositives(
  train: PositivePairs,
  itemClicks: ArrayLike<number>,
  cfg: RebalanceConfig,
  rng: Rng,
): { pairs: PositivePairs; stats: RebalanceStats } {
  const n = train.items.length;
  const itemCount = itemClicks.length;
  const counts = new Float64Array(itemCount);
  for (let r = 0; r < n; r++) {
    const item = train.items[r];
    if (item < 0 || item >= itemCount) throw new Error(`Positive pair ${r}: item index ${item} is outside [0, ${itemCount}); the train pairs and itemClicks disagree.`);
    counts[item]++;
  }
  const targets = rebalanceTargets(counts, cfg);

  // Rows of each item, grouped (CSR), to pick which of them are repeated once more.
  const offsets = new Int32Array(itemCount + 1);
  for (let i = 0; i < itemCount; i++) offsets[i + 1] = offsets[i] + counts[i];
  const cursor = offsets.slice(0, itemCount);
  const rowsByItem = new Int32Array(n);
  for (let r = 0; r < n; r++) rowsByItem[cursor[train.items[r]]++] = r;

  const multiplicity = new Int32Array(n);
  for (let i = 0; i < itemCount; i++) {
    const c = counts[i];
    if (c === 0) continue;
    // Stochastic rounding keeps the expected count equal to the target; a clicked item keeps ≥ 1.
    const t = targets[i];
    let want = Math.floor(t) + (rng.next() < t - Math.floor(t) ? 1 : 0);
    if (want < 1) want = 1;
    const whole = Math.floor(want / c);
    const extra = want - whole * c;
    const rows = rowsByItem.subarray(offsets[i], offsets[i + 1]);
    for (let k = 0; k < rows.length; k++) multiplicity[rows[k]] = whole;
    // `extra` distinct rows get one more copy: a partial Fisher–Yates shuffle picks them.
    for (let k = 0; k < extra; k++) {
      const j = k + rng.int(rows.length - k);
      const tmp = rows[k];
      rows[k] = rows[j];
      rows[j] = tmp;
      multiplicity[rows[k]]++;
    }
  }

  let size = 0;
  for (let r = 0; r < n; r++) size += multiplicity[r];
  const users = new Int32Array(size);
  const items = new Int32Array(size);
  const timestamps = train.timestamps ? new Float64Array(size) : undefined;
  let w = 0;
  for (let r = 0; r < n; r++) {
    for (let m = 0; m < multiplicity[r]; m++) {
      users[w] = train.users[r];
      items[w] = train.items[r];
      if (timestamps && train.timestamps) timestamps[w] = train.timestamps[r];
      w++;
    }
  }
  const pairs: PositivePairs = timestamps ? { users, items, timestamps } : { users, items };

  const after = new Float64Array(itemCount);
  for (let r = 0; r < size; r++) after[items[r]]++;
  const head = headItemMask(Float64Array.from(itemClicks));
  return {
    pairs,
    stats: {
      headShareBefore: headShare(counts, head),
      headShareAfter: headShare(after, head),
      giniBefore: gini(counts.subarray(1)),
      giniAfter: gini(after.subarray(1)),
      positivesBefore: n,
      positivesAfter: size,
    },
  };
}

/** Share of positives whose item is in the head. */
export function headShare(countsPerItem: Float64Array, head: Uint8Array): number {
  let inHead = 0;
  let total = 0;
  for (let i = 0; i < countsPerItem.length; i++) {
    total += countsPerItem[i];
    if (head[i]) inHead += countsPerItem[i];
  }
  return total > 0 ? inHead / total : 0;
}
