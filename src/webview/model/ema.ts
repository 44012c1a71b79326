/**
 * Exponential moving average with TensorBoard's debiasing: early points are not dragged towards 0,
 * because the running average is divided by (1 − weightⁿ), the total weight given so far.
 */
export function emaSmooth(values: ArrayLike<number>, weight: number): number[] {
  if (!(weight >= 0 && weight < 1)) throw new Error(`Smoothing weight ${weight} is outside [0, 1); use 0 for no smoothing and at most 0.99.`);
  const out = new Array<number>(values.length);
  if (weight === 0) {
    for (let i = 0; i < values.length; i++) out[i] = values[i];
    return out;
  }
  let last = 0;
  let seen = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      // A NaN loss (divergence) is shown as a gap, and does not poison the average after it.
      out[i] = v;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    seen++;
    out[i] = last / (1 - Math.pow(weight, seen));
  }
  return out;
}
