/** Typed arrays that grow while a file streams, so rows are decoded once into their final representation. */
type TypedArray = Int32Array | Float64Array | Uint8Array;
type TypedArrayConstructor<T extends TypedArray> = new (length: number) => T;

export class Growable<T extends TypedArray> {
  private data: T;
  length = 0;

  constructor(private readonly ctor: TypedArrayConstructor<T>, capacity = 1024) {
    this.data = new ctor(capacity);
  }

  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new this.ctor(this.data.length * 2);
      (bigger as Float64Array).set(this.data as Float64Array);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }

  /** The filled part, trimmed to its length (a copy, so the spare capacity is freed). */
  finish(): T {
    return this.data.slice(0, this.length) as T;
  }
}
