/**
 * Thins aligned data to at most about `maxPoints` x values before drawing: 20 runs × 5,000 steps on a
 * 500-pixel-wide chart would otherwise draw ten points per pixel. Keeps the first point and the last
 * point of every bucket of `k` consecutive x values (so the newest point of a live run is always
 * drawn); all series keep the same x values, so the hover read-out still lines up across runs.
 * Exports (CSV) use the full data, not this.
 */
export interface Aligned {
  x: number[];
  ys: (number | null)[][];
}

export function decimateAligned(data: Aligned, maxPoints: number): Aligned {
  const n = data.x.length;
  if (maxPoints < 2) throw new Error(`decimateAligned needs room for at least 2 points, got ${maxPoints}.`);
  if (n <= maxPoints) return data;
  const k = Math.ceil(n / (maxPoints - 1));
  const keep: number[] = [0];
  for (let end = k - 1; end < n - 1; end += k) keep.push(end);
  keep.push(n - 1);
  const pick = <T>(values: T[]): T[] => {
    const out = new Array<T>(keep.length);
    for (let i = 0; i < keep.length; i++) out[i] = values[keep[i]];
    return out;
  };
  // A series with a gap at a kept x but values around it would be drawn across; keep its last value in the bucket instead.
  const ys = data.ys.map((y) => {
    const out = pick(y);
    for (let i = 1; i < keep.length; i++) {
      if (out[i] !== null) continue;
      for (let j = keep[i] - 1; j > keep[i - 1]; j--) {
        if (y[j] !== null) {
          out[i] = y[j];
          break;
        }
      }
    }
    return out;
  });
  return { x: pick(data.x), ys };
}
