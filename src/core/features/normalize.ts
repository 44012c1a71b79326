/**
 * Normalisation of a continuous feature with statistics of the training data only (so the test split
 * leaks nothing). Missing values (NaN) are imputed with the training mean before normalising.
 */
export type Normalization = 'zscore' | 'minmax' | 'log' | 'none';

export interface FeatureStats {
  mean: number;
  std: number;
  min: number;
  max: number;
}

/** Mean, population std, min and max of the finite values at the rows where `mask` is 1 (all rows without a mask). */
export function featureStats(values: ArrayLike<number>, mask?: ArrayLike<number>): FeatureStats {
  let n = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if ((mask && !mask[i]) || !Number.isFinite(v)) continue;
    n++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (n === 0) return { mean: 0, std: 0, min: 0, max: 0 };
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if ((mask && !mask[i]) || !Number.isFinite(v)) continue;
    sq += (v - mean) * (v - mean);
  }
  return { mean, std: Math.sqrt(sq / n), min, max };
}

/**
 * The normalised feature and the statistics it used. `log` is log(1 + x) followed by a z-score, and
 * its statistics are those of log(1 + x). A constant feature (std or range 0) normalises to 0.
 * Throws a RangeError naming the first value ≤ −1 for `log`.
 */
export function normalize(values: ArrayLike<number>, method: Normalization, trainMask?: ArrayLike<number>): { values: Float32Array; stats: FeatureStats } {
  const x = transformed(values, method);
  const stats = featureStats(x, trainMask);
  return { values: scaled(x, method, stats), stats };
}

/**
 * The same normalisation with statistics fitted earlier (a bundle's, for rows embedded after training):
 * normalize(v, m, mask).values equals normalizeWith(v, m, normalize(v, m, mask).stats).
 */
export function normalizeWith(values: ArrayLike<number>, method: Normalization, stats: FeatureStats): Float32Array {
  return scaled(transformed(values, method), method, stats);
}

/** log(1 + x) for `log`, the values themselves otherwise. */
function transformed(values: ArrayLike<number>, method: Normalization): ArrayLike<number> {
  if (method !== 'log') return values;
  const logged = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v <= -1) throw new RangeError(`log normalisation needs values > −1, found ${v} at row ${i}`);
    logged[i] = Math.log1p(v);
  }
  return logged;
}

/** Missing values (NaN) take the training mean; then the method's scaling. */
function scaled(x: ArrayLike<number>, method: Normalization, stats: FeatureStats): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = Number.isFinite(x[i]) ? x[i] : stats.mean;
    switch (method) {
      case 'zscore':
      case 'log':
        out[i] = stats.std > 0 ? (v - stats.mean) / stats.std : 0;
        break;
      case 'minmax':
        out[i] = stats.max > stats.min ? (v - stats.min) / (stats.max - stats.min) : 0;
        break;
      case 'none':
        out[i] = v;
        break;
    }
  }
  return out;
}
