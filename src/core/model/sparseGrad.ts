/**
 * Sums the gradient rows of a batch per distinct table row, so a lazy optimiser update touches each row
 * once with the summed gradient (the same result as a dense update would give those rows). O(batch × dim).
 */
export class SparseRowGrad {
  /** slotOf[row] is the row's position in `rows`/`grads`, or −1 when untouched this step. */
  private readonly slotOf: Int32Array;
  rows: Int32Array;
  grads: Float32Array;
  count = 0;

  constructor(
    tableRows: number,
    readonly dim: number,
  ) {
    this.slotOf = new Int32Array(tableRows).fill(-1);
    this.rows = new Int32Array(64);
    this.grads = new Float32Array(64 * dim);
  }

  /** Adds `src[srcOffset .. srcOffset+dim)` into the gradient of table row `row`. */
  add(row: number, src: Float32Array, srcOffset: number): void {
    let slot = this.slotOf[row];
    if (slot < 0) {
      slot = this.count++;
      if (slot >= this.rows.length) this.grow();
      this.slotOf[row] = slot;
      this.rows[slot] = row;
      this.grads.fill(0, slot * this.dim, (slot + 1) * this.dim);
    }
    const dst = slot * this.dim;
    for (let k = 0; k < this.dim; k++) this.grads[dst + k] += src[srcOffset + k];
  }

  /** Forgets the touched rows, ready for the next step. */
  clear(): void {
    for (let s = 0; s < this.count; s++) this.slotOf[this.rows[s]] = -1;
    this.count = 0;
  }

  private grow(): void {
    const rows = new Int32Array(this.rows.length * 2);
    rows.set(this.rows);
    const grads = new Float32Array(rows.length * this.dim);
    grads.set(this.grads);
    this.rows = rows;
    this.grads = grads;
  }
}
