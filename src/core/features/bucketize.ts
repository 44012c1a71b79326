/**
 * Bucketisation at quantile boundaries of the training data. With the training values sorted as
 * v[0..n−1], boundary k (k = 1..N−1) is v[floor(k·n/N)], and a value's bucket is the number of
 * boundaries ≤ it: each bucket holds about n/N training values. Boundaries are in raw units (quantiles
 * do not change under the monotone normalisations). Tied boundaries leave empty buckets rather than
 * changing N, so the embedding table keeps the size the experiment declares.
 */
export function quantileBoundaries(values: ArrayLike<number>, bucketCount: number, mask?: ArrayLike<number>): Float64Array {
  const kept: number[] = [];
  for (let i = 0; i < values.length; i++) if ((!mask || mask[i]) && Number.isFinite(values[i])) kept.push(values[i]);
  const sorted = Float64Array.from(kept).sort();
  const boundaries = new Float64Array(bucketCount - 1);
  if (sorted.length === 0) return boundaries;
  for (let k = 1; k < bucketCount; k++) boundaries[k - 1] = sorted[Math.min(sorted.length - 1, Math.floor((k * sorted.length) / bucketCount))];
  return boundaries;
}

/** Bucket of each value (the number of boundaries ≤ value, by binary search); NaN goes to the bucket of `fill`. */
export function bucketize(values: ArrayLike<number>, boundaries: Float64Array, fill: number): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Number.isFinite(values[i]) ? values[i] : fill;
    let lo = 0;
    let hi = boundaries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (boundaries[mid] <= v) lo = mid + 1;
      else hi = mid;
    }
    out[i] = lo;
  }
  return out;
}
