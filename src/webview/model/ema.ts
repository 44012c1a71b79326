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

interface EmaCacheEntry {
  generation: number;
  weight: number;
  out: number[];
  last: number;
  seen: number;
}

/**
 * The same smoothing, extended incrementally while a live run only appends: a render then costs the
 * new points, not the whole curve. `key` is the column (stable while it grows, though its buffer may
 * not be); `generation` changes when earlier points were replaced.
 */
export class EmaCache {
  private readonly entries = new WeakMap<object, EmaCacheEntry>();

  smooth(key: object, values: ArrayLike<number>, weight: number, generation: number): number[] {
    let entry = this.entries.get(key);
    if (!entry || entry.weight !== weight || entry.generation !== generation || entry.out.length > values.length) {
      emaSmooth([], weight); // validates the weight with the same message
      entry = { generation, weight, out: [], last: 0, seen: 0 };
      this.entries.set(key, entry);
    }
    for (let i = entry.out.length; i < values.length; i++) {
      const v = values[i];
      if (weight === 0 || !Number.isFinite(v)) {
        entry.out.push(v);
        continue;
      }
      entry.last = entry.last * weight + (1 - weight) * v;
      entry.seen++;
      entry.out.push(entry.last / (1 - Math.pow(weight, entry.seen)));
    }
    return entry.out;
  }
}
