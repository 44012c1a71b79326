/**
 * Top-K selection over one row of scores. Excluded items (the OOV row, a user's training positives)
 * are marked with -Infinity by the caller. Ties are broken by the lower item index, so results do
 * not depend on the order of equal scores.
 */

/** True when item a (score sa) ranks before item b (score sb). */
function before(sa: number, a: number, sb: number, b: number): boolean {
  return sa > sb || (sa === sb && a < b);
}

/**
 * Writes the indices of the `k` best items of `scores` into `out` (best first) and returns how many
 * were found (fewer than k when fewer items are not excluded). A bounded min-heap: O(n log k).
 */
export function topK(scores: Float32Array, k: number, out: Int32Array): number {
  const heap = new Int32Array(k);
  let size = 0;
  // The heap root is the worst of the kept items, so a new item only has to beat the root.
  const worse = (i: number, j: number): boolean => before(scores[heap[j]], heap[j], scores[heap[i]], heap[i]);
  const siftDown = (start: number): void => {
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && worse(l, m)) m = l;
      if (r < size && worse(r, m)) m = r;
      if (m === i) return;
      const t = heap[i];
      heap[i] = heap[m];
      heap[m] = t;
      i = m;
    }
  };
  for (let item = 0; item < scores.length; item++) {
    const s = scores[item];
    if (s === -Infinity || Number.isNaN(s)) continue;
    if (size < k) {
      heap[size] = item;
      let i = size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!worse(i, p)) break;
        const t = heap[i];
        heap[i] = heap[p];
        heap[p] = t;
        i = p;
      }
    } else if (before(s, item, scores[heap[0]], heap[0])) {
      heap[0] = item;
      siftDown(0);
    }
  }
  const found = heap.subarray(0, size);
  const sorted = Array.from(found).sort((a, b) => (before(scores[a], a, scores[b], b) ? -1 : 1));
  for (let i = 0; i < size; i++) out[i] = sorted[i];
  return size;
}

/**
 * The 0-based full-corpus rank of `item`: how many non-excluded items rank before it (same tie rule
 * as topK). Used for MRR, which must not be cut off at the largest K.
 */
export function rankOf(scores: Float32Array, item: number): number {
  const s = scores[item];
  let rank = 0;
  for (let j = 0; j < scores.length; j++) {
    const sj = scores[j];
    if (sj === -Infinity || Number.isNaN(sj)) continue;
    if (before(sj, j, s, item)) rank++;
  }
  return rank;
}
