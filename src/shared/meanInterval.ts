/**
 * The mean of a few repeats (a sweep point's seeds) with its 95% interval: mean ± t · s / √n, Student's
 * t with n − 1 degrees of freedom, s the sample standard deviation. One value has no interval.
 */

/** The 97.5% quantile of Student's t for 1..30 degrees of freedom; beyond, the normal's 1.96 is within 2%. */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

export function tQuantile975(df: number): number {
  if (df < 1) return NaN;
  return df <= T975.length ? T975[df - 1] : 1.96;
}

export interface MeanInterval {
  mean: number;
  /** Half the width of the 95% interval (undefined for a single value). */
  halfWidth?: number;
  n: number;
}

export function meanInterval(values: readonly number[]): MeanInterval {
  const n = values.length;
  if (n === 0) return { mean: NaN, n };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, n };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  return { mean, halfWidth: tQuantile975(n - 1) * Math.sqrt(variance / n), n };
}
