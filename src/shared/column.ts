/**
 * A growable column of numbers: a Float64Array with spare room, so a live run appends a point without
 * copying the column, and charts read the filled part as a typed array view (no per-point objects).
 */
export class Column {
  private data: Float64Array;
  private filled = 0;
  /** The view `values()` last returned, while the column has not changed since. */
  private view: Float64Array | null = null;
  /** Counts the truncations that dropped points, so caches of values derived from the column know to start over. */
  truncations = 0;

  constructor(capacity = 16) {
    this.data = new Float64Array(Math.max(1, capacity));
  }

  /** A column holding a copy of these values. */
  static of(values: ArrayLike<number>): Column {
    const column = new Column(values.length);
    column.appendAll(values);
    return column;
  }

  get length(): number {
    return this.filled;
  }

  at(index: number): number | undefined {
    const i = index < 0 ? this.filled + index : index;
    return i >= 0 && i < this.filled ? this.data[i] : undefined;
  }

  push(value: number): void {
    if (this.filled === this.data.length) this.reserve(this.filled + 1);
    this.data[this.filled++] = value;
    this.view = null;
  }

  appendAll(values: ArrayLike<number>): void {
    this.reserve(this.filled + values.length);
    if (values instanceof Float64Array) this.data.set(values, this.filled);
    else for (let i = 0; i < values.length; i++) this.data[this.filled + i] = values[i];
    this.filled += values.length;
    this.view = null;
  }

  /** Pads with `value` up to `length` points (a metric that appears late has no value at earlier evals). */
  fillTo(length: number, value = NaN): void {
    if (length <= this.filled) return;
    this.reserve(length);
    this.data.fill(value, this.filled, length);
    this.filled = length;
    this.view = null;
  }

  /** Drops the points from `length` on. */
  truncate(length: number): void {
    if (length >= this.filled) return;
    this.filled = Math.max(0, length);
    this.truncations++;
    this.view = null;
  }

  /** The filled part, as a view on the column's buffer: valid until the column next changes. */
  values(): Float64Array {
    return (this.view ??= this.data.subarray(0, this.filled));
  }

  /** A copy of the points from `from` on, in a buffer of its own (so it can be transferred to another thread). */
  copyFrom(from: number): Float64Array {
    return this.data.slice(Math.min(from, this.filled), this.filled);
  }

  toArray(): number[] {
    return Array.from(this.values());
  }

  private reserve(capacity: number): void {
    if (capacity <= this.data.length) return;
    const grown = new Float64Array(Math.max(capacity, this.data.length * 2));
    grown.set(this.data.subarray(0, this.filled));
    this.data = grown;
  }
}

/** Index of the first element >= value in an ascending column (its length when none is). */
export function lowerBound(sorted: Column, value: number): number {
  const values = sorted.values();
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
