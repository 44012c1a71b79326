/**
 * Item popularity groupings shared by the sampling statistics: deciles by clicks (decile 0 = the
 * most popular 10% of items; the head, top 20%, is eval/grouping's `headItemMask`) and the Gini
 * coefficient. Ties are broken by index so that the grouping is deterministic. The OOV row 0 belongs to no group.
 */

/** Item indices 1 .. n − 1 sorted by clicks, most clicked first (ties: lower index first). */
export function itemsByPopularity(itemClicks: ArrayLike<number>): Int32Array {
  const order = new Int32Array(Math.max(0, itemClicks.length - 1));
  for (let k = 0; k < order.length; k++) order[k] = k + 1;
  order.sort((a, b) => itemClicks[b] - itemClicks[a] || a - b);
  return order;
}

/**
 * The popularity rank of each item, 1 = most clicked in training, as a person reads a leaderboard:
 * items with the same clicks share the best rank of their group (clicks 9, 5, 5, 2 → ranks 1, 2, 2, 4).
 * Items nobody clicked in training (cold items) rank after every clicked one. The OOV row 0 gets 0.
 */
export function popularityRanks(itemClicks: ArrayLike<number>): Int32Array {
  const order = itemsByPopularity(itemClicks);
  const rank = new Int32Array(itemClicks.length);
  for (let r = 0; r < order.length; r++) {
    const tied = r > 0 && itemClicks[order[r]] === itemClicks[order[r - 1]];
    rank[order[r]] = tied ? rank[order[r - 1]] : r + 1;
  }
  return rank;
}

/** NO_GROUP marks the OOV row in decile arrays. */
export const NO_GROUP = 255;

/** decile[i] in 0..9 for items 1 .. n − 1, NO_GROUP for the OOV row. */
export function popularityDeciles(itemClicks: ArrayLike<number>): Uint8Array {
  const order = itemsByPopularity(itemClicks);
  const decile = new Uint8Array(itemClicks.length).fill(NO_GROUP);
  for (let rank = 0; rank < order.length; rank++) decile[order[rank]] = Math.floor((rank * 10) / order.length);
  return decile;
}

/**
 * Gini coefficient of non-negative values (0 = all equal, → 1 = all on one): with x sorted
 * ascending and i from 1, G = Σ (2i − n − 1)·x_i / (n·Σx).
 */
export function gini(values: ArrayLike<number>): number {
  const x = Float64Array.from(values).sort();
  const n = x.length;
  let total = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    total += x[i];
    weighted += (2 * (i + 1) - n - 1) * x[i];
  }
  return total > 0 ? weighted / (n * total) : 0;
}
