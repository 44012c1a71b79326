/**
 * Top-K selection over one row of scores. Excluded items (the OOV row, a user's training positives)
 * are marked with -Infinity by the caller. Ties are broken by the lower item index, so results do
 * not depend on the order of equal scores.
 */

/** True when item a (score sa) ranks before item b (score sb). */
function before(sa: number, a: number, sb: number, b: number): boolean {
  return sa > sb || (sa === sb && a < b);
}

/** Scratch heap reused across calls (evaluation calls topK once per user): scores and items of the kept set. */
let heapScores = new Float64Array(0);
let heapItems = new Int32Array(0);

/**
 * Writes the indices of the `k` best items of `scores` into `out` (best first) and returns how many
 * were found (fewer than k when fewer items are not excluded). A bounded min-heap whose root is the worst
 * kept item: O(n log k), and O(n) comparisons of plain numbers once the heap is full, because items are
 * scanned in index order, so a later item with a score equal to the root's never ranks before it.
 */
export function topK(scores: Float32Array, k: number, out: Int32Array): number {
  if (heapScores.length < k) {
    heapScores = new Float64Array(k);
    heapItems = new Int32Array(k);
  }
  const hs = heapScores;
  const hi = heapItems;
  // a is worse than b: a lower score, or the same score and a higher index.
  const siftDown = (size: number): void => {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && (hs[l] < hs[m] || (hs[l] === hs[m] && hi[l] > hi[m]))) m = l;
      if (r < size && (hs[r] < hs[m] || (hs[r] === hs[m] && hi[r] > hi[m]))) m = r;
      if (m === i) return;
      const ts = hs[i];
      const ti = hi[i];
      hs[i] = hs[m];
      hi[i] = hi[m];
      hs[m] = ts;
      hi[m] = ti;
      i = m;
    }
  };
  const n = scores.length;
  let size = 0;
  let item = 0;
  for (; item < n && size < k; item++) {
    const s = scores[item];
    // False for -Infinity (excluded) and NaN.
    if (!(s > -Infinity)) continue;
    let i = size++;
    hs[i] = s;
    hi[i] = item;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!(hs[i] < hs[p] || (hs[i] === hs[p] && hi[i] > hi[p]))) break;
      const ts = hs[i];
      const ti = hi[i];
      hs[i] = hs[p];
      hi[i] = hi[p];
      hs[p] = ts;
      hi[p] = ti;
      i = p;
    }
  }
  if (size === k && k > 0) {
    let root = hs[0];
    for (; item < n; item++) {
      const s = scores[item];
      if (s > root) {
        hs[0] = s;
        hi[0] = item;
        siftDown(k);
        root = hs[0];
      }
    }
  }
  // Pop the worst into the last free place: `out` ends best first.
  for (let left = size; left > 0; left--) {
    out[left - 1] = hi[0];
    hs[0] = hs[left - 1];
    hi[0] = hi[left - 1];
    siftDown(left - 1);
  }
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
