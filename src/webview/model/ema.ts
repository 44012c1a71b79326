/**
 * Exponential moving average with TensorBoard's debiasing: early points are not dragged towards 0,
 * because the running average is divided by (1 − weightⁿ), the total weight given so far.
 */
/** The running state of one smoothed series: the weighted sum so far and weightⁿ, the weight not yet given. */
interface EmaState {
  last: number;
  unweighted: number;
}

function checkWeight(weight: number): void {
  if (!(weight >= 0 && weight < 1)) throw new Error(`Smoothing weight ${weight} is outside [0, 1); use 0 for no smoothing and at most 0.99.`);
}

/** The smoothed value at the next point (weightⁿ is kept as a running product: no Math.pow per point). */
function emaStep(state: EmaState, v: number, weight: number): number {
  // A NaN loss (divergence) is shown as a gap, and does not poison the average after it.
  if (weight === 0 || !Number.isFinite(v)) return v;
  state.last = state.last * weight + (1 - weight) * v;
  state.unweighted *= weight;
  return state.last / (1 - state.unweighted);
}

export function emaSmooth(values: ArrayLike<number>, weight: number): number[] {
  checkWeight(weight);
  const state: EmaState = { last: 0, unweighted: 1 };
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = emaStep(state, values[i], weight);
  return out;
}

interface EmaCacheEntry extends EmaState {
  generation: number;
  weight: number;
  /** Smoothed values in `[0, filled)`; grown by doubling, so appends cost only the new points. */
  out: Float64Array;
  filled: number;
}

/**
 * The same smoothing, extended incrementally while a live run only appends: a render then costs the
 * new points, not the whole curve. `key` is the column (stable while it grows, though its buffer may
 * not be); `generation` changes when earlier points were replaced. The result is a view of the cache's
 * buffer: its values never change (a new generation gets a new buffer).
 */
export class EmaCache {
  private readonly entries = new WeakMap<object, EmaCacheEntry>();

  smooth(key: object, values: ArrayLike<number>, weight: number, generation: number): Float64Array {
    let entry = this.entries.get(key);
    if (!entry || entry.weight !== weight || entry.generation !== generation || entry.filled > values.length) {
      checkWeight(weight);
      entry = { generation, weight, out: new Float64Array(0), filled: 0, last: 0, unweighted: 1 };
      this.entries.set(key, entry);
    }
    if (entry.out.length < values.length) {
      const grown = new Float64Array(Math.max(values.length, entry.out.length * 2));
      grown.set(entry.out.subarray(0, entry.filled));
      entry.out = grown;
    }
    for (let i = entry.filled; i < values.length; i++) entry.out[i] = emaStep(entry, values[i], weight);
    entry.filled = values.length;
    return entry.out.subarray(0, values.length);
  }
}
