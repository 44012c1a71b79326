/**
 * Optimisers over parameters held as JS Float32Arrays. Dense parameters get the usual update; embedding
 * tables get a lazy (sparse) one that touches only the rows of the batch, as TF's LazyAdam does: the
 * moments of untouched rows are left as they are. All state is plain arrays, so a checkpoint holds it
 * exactly and a resumed run continues bit for bit.
 */

/** A parameter and its optimiser slots (Adam: m, v; Adagrad: the squared-gradient accumulator). */
export interface Param {
  readonly name: string;
  readonly shape: number[];
  readonly value: Float32Array;
  readonly slots: Float32Array[];
}

export interface Optimizer {
  readonly kind: 'adam' | 'adagrad';
  /** Names of the slots each parameter carries, in order (they name the checkpoint entries). */
  readonly slotNames: readonly string[];
  /** Creates a parameter with freshly initialised slots. */
  makeParam(name: string, shape: number[], value: Float32Array): Param;
  /** Counts one optimiser step; call once before the updates of that step. */
  beginStep(): void;
  /** Updates every entry of a dense parameter. */
  updateDense(p: Param, grad: Float32Array): void;
  /** Updates rows `rows[0..count)` of a table whose gradients are `grads` (count × dim, row-major, one row per distinct id). */
  updateRows(p: Param, rows: Int32Array, count: number, grads: Float32Array): void;
  /** Steps taken so far (part of the checkpoint). */
  step: number;
}

export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export class Adam implements Optimizer {
  readonly kind = 'adam';
  readonly slotNames = ['adam_m', 'adam_v'] as const;
  step = 0;
  private readonly lr: number;
  private readonly b1: number;
  private readonly b2: number;
  private readonly eps: number;
  private stepSize = 0;

  constructor(o: AdamOptions) {
    this.lr = o.learningRate;
    this.b1 = o.beta1 ?? 0.9;
    this.b2 = o.beta2 ?? 0.999;
    this.eps = o.epsilon ?? 1e-7;
  }

  makeParam(name: string, shape: number[], value: Float32Array): Param {
    return { name, shape, value, slots: [new Float32Array(value.length), new Float32Array(value.length)] };
  }

  beginStep(): void {
    this.step++;
    // Bias correction folded into the step size, as in tf.train.adam: lr·√(1−β₂ᵗ)/(1−β₁ᵗ).
    this.stepSize = (this.lr * Math.sqrt(1 - Math.pow(this.b2, this.step))) / (1 - Math.pow(this.b1, this.step));
  }

  private apply(w: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, wOff: number, gOff: number, n: number): void {
    const { b1, b2, eps, stepSize } = this;
    for (let k = 0; k < n; k++) {
      const gi = g[gOff + k];
      const i = wOff + k;
      const mi = b1 * m[i] + (1 - b1) * gi;
      const vi = b2 * v[i] + (1 - b2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      w[i] -= (stepSize * mi) / (Math.sqrt(vi) + eps);
    }
  }

  updateDense(p: Param, grad: Float32Array): void {
    this.apply(p.value, p.slots[0], p.slots[1], grad, 0, 0, p.value.length);
  }

  updateRows(p: Param, rows: Int32Array, count: number, grads: Float32Array): void {
    const dim = p.shape[1];
    for (let r = 0; r < count; r++) this.apply(p.value, p.slots[0], p.slots[1], grads, rows[r] * dim, r * dim, dim);
  }
}

export interface AdagradOptions {
  learningRate: number;
  initialAccumulator?: number;
  epsilon?: number;
}

export class Adagrad implements Optimizer {
  readonly kind = 'adagrad';
  readonly slotNames = ['adagrad_accum'] as const;
  step = 0;
  private readonly lr: number;
  private readonly init: number;
  private readonly eps: number;

  constructor(o: AdagradOptions) {
    this.lr = o.learningRate;
    this.init = o.initialAccumulator ?? 0.1;
    this.eps = o.epsilon ?? 1e-7;
  }

  makeParam(name: string, shape: number[], value: Float32Array): Param {
    return { name, shape, value, slots: [new Float32Array(value.length).fill(this.init)] };
  }

  beginStep(): void {
    this.step++;
  }

  private apply(w: Float32Array, acc: Float32Array, g: Float32Array, wOff: number, gOff: number, n: number): void {
    for (let k = 0; k < n; k++) {
      const gi = g[gOff + k];
      const i = wOff + k;
      acc[i] += gi * gi;
      w[i] -= (this.lr * gi) / (Math.sqrt(acc[i]) + this.eps);
    }
  }

  updateDense(p: Param, grad: Float32Array): void {
    this.apply(p.value, p.slots[0], grad, 0, 0, p.value.length);
  }

  updateRows(p: Param, rows: Int32Array, count: number, grads: Float32Array): void {
    const dim = p.shape[1];
    for (let r = 0; r < count; r++) this.apply(p.value, p.slots[0], grads, rows[r] * dim, r * dim, dim);
  }
}

export function makeOptimizer(kind: 'adam' | 'adagrad', learningRate: number): Optimizer {
  if (!(learningRate > 0)) throw new Error(`training.learning_rate must be > 0, got ${learningRate}.`);
  return kind === 'adam' ? new Adam({ learningRate }) : new Adagrad({ learningRate });
}
