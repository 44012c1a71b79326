/**
 * The paired bootstrap of a difference of means: two runs evaluated on the same test users give each
 * user a value in each run; the difference of the runs' means is the mean of the per-user differences,
 * and its 95% interval is the 2.5% and 97.5% percentiles of that mean over resamples of the users
 * drawn with replacement (Efron and Tibshirani's percentile interval). Pairing removes the variance
 * between users that both runs share, which is most of it. Seeded, so the same inputs give the same
 * interval.
 */
import { Rng } from '../util/rng';

export const DEFAULT_RESAMPLES = 2000;
export const MIN_RESAMPLES = 1000;
export const DEFAULT_BOOTSTRAP_SEED = 1;

export interface BootstrapOptions {
  resamples?: number;
  seed?: number;
  /** Coverage of the interval (default 0.95). */
  level?: number;
}

export interface DifferenceInterval {
  /** Mean of a − b over the users (the observed difference). */
  difference: number;
  low: number;
  high: number;
  /** True when the whole interval is on one side of zero. */
  excludesZero: boolean;
}

/**
 * Intervals of the mean differences of several metrics at once, `a[m][i] − b[m][i]` for metric m and
 * user i; every metric is resampled with the same draws of users, so the intervals are consistent
 * with each other. All arrays must be equally long (the same users in the same order).
 */
export function pairedBootstrap(a: readonly Float64Array[], b: readonly Float64Array[], options: BootstrapOptions = {}): DifferenceInterval[] {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const level = options.level ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 1) throw new Error(`The bootstrap needs a whole number of resamples ≥ 1, got ${resamples}.`);
  if (a.length !== b.length) throw new Error(`The paired bootstrap got ${a.length} metrics of one run and ${b.length} of the other.`);
  const n = a[0]?.length ?? 0;
  const diffs = a.map((column, m) => {
    if (column.length !== n || b[m].length !== n) throw new Error(`The paired bootstrap needs the same users in both runs: metric ${m} has ${column.length} and ${b[m].length} values, metric 0 has ${n}.`);
    return column.map((v, i) => v - b[m][i]);
  });
  if (n === 0) throw new Error('The paired bootstrap needs at least one user.');
  const means = diffs.map(() => new Float64Array(resamples));
  const rng = new Rng(options.seed ?? DEFAULT_BOOTSTRAP_SEED);
  const draw = new Int32Array(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) draw[i] = rng.int(n);
    diffs.forEach((d, m) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += d[draw[i]];
      means[m][r] = s / n;
    });
  }
  return diffs.map((d, m) => {
    const sorted = means[m].sort();
    const low = quantile(sorted, (1 - level) / 2);
    const high = quantile(sorted, 1 - (1 - level) / 2);
    return { difference: mean(d), low, high, excludesZero: low > 0 || high < 0 };
  });
}

export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return values.length > 0 ? s / values.length : NaN;
}

/** The q-quantile of sorted values, interpolated linearly between order statistics (R's type 7). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}
