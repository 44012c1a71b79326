/**
 * One tower: the JS input layer (embeddings + continuous values), then an MLP of hidden layers with the
 * configured activation (and dropout while training), a linear output layer, and L2 normalisation unless
 * `l2_normalize: false` (then the raw linear output is the vector, and the score is a plain dot product).
 * Dense parameters live in JS arrays and enter tfjs as tensors each step, so the whole model state is
 * plain arrays (exact checkpoints) and the forward pass is a pure function of its tensor inputs.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { TowerConfig } from '../config/schema';
import type { EntityFeatures, Vocabulary } from '../data/dataset';
import type { Optimizer, Param } from '../train/optimizer';
import type { Rng } from '../util/rng';
import { activate, isFusable, type ActivationName } from './activation';
import { glorotUniform } from './init';
import { TowerInput } from './towerInput';

/** Added to Σh² before the square root of the L2 normalisation (a zero vector stays zero). */
export const L2_EPSILON = 1e-12;

export class Tower {
  readonly input: TowerInput;
  /** Kernel and bias of each hidden layer, then of the output layer: [W0, b0, W1, b1, …, Wout, bout]. */
  readonly dense: Param[] = [];
  readonly outputDim: number;
  /** `l2_normalize`: whether forward() scales each output row to unit length. */
  readonly normalized: boolean;
  private readonly activation: ActivationName;
  private readonly dropout: number;
  private readonly hidden: number[];

  constructor(prefix: string, cfg: TowerConfig, vocabulary: Vocabulary, features: EntityFeatures, optimizer: Optimizer, rng: Rng) {
    this.input = new TowerInput(prefix, cfg, vocabulary, features, optimizer, rng);
    this.activation = cfg.mlp.activation;
    this.dropout = cfg.mlp.dropout;
    this.hidden = cfg.mlp.hidden;
    this.outputDim = cfg.output_dim;
    this.normalized = cfg.l2_normalize;
    let fanIn = this.input.width;
    const layer = (name: string, fanOut: number): void => {
      this.dense.push(optimizer.makeParam(`${prefix}/${name}/kernel`, [fanIn, fanOut], glorotUniform(rng, fanIn, fanOut)));
      this.dense.push(optimizer.makeParam(`${prefix}/${name}/bias`, [fanOut], new Float32Array(fanOut)));
      fanIn = fanOut;
    };
    cfg.mlp.hidden.forEach((h, i) => layer(`dense_${i}`, h));
    layer('output', cfg.output_dim);
  }

  /** Every parameter of the tower, in checkpoint order: the input tables, then the dense layers. */
  get params(): Param[] {
    return [...this.input.tables, ...this.dense];
  }

  /** The dense parameters as fresh tensors (the caller's tidy disposes them). */
  denseTensors(): tf.Tensor[] {
    return this.dense.map((p) => tf.tensor(p.value, p.shape, 'float32'));
  }

  /**
   * Dropout masks for one training step (values 0 or 1/(1−p)), drawn from `rng` so runs are
   * reproducible; null when dropout is off.
   */
  dropoutMasks(rows: number, rng: Rng): Float32Array[] | null {
    if (this.dropout <= 0) return null;
    const keep = 1 - this.dropout;
    return this.hidden.map((h) => {
      const m = new Float32Array(rows * h);
      for (let i = 0; i < m.length; i++) m[i] = rng.next() < keep ? 1 / keep : 0;
      return m;
    });
  }

  /**
   * Output vectors for input rows `x`, L2-normalised when the tower is (`l2_normalize`), the raw linear
   * output otherwise; `dense` as from denseTensors(). Training, evaluation, mining and export all go
   * through here, so they all see the same vectors.
   */
  forward(x: tf.Tensor2D, dense: tf.Tensor[], masks: Float32Array[] | null): tf.Tensor2D {
    let h: tf.Tensor2D = x;
    const layers = dense.length / 2;
    for (let l = 0; l < layers; l++) {
      const w = dense[2 * l] as tf.Tensor2D;
      const b = dense[2 * l + 1];
      const isOutput = l === layers - 1;
      const act: ActivationName = isOutput ? 'linear' : this.activation;
      h = isFusable(act) ? (tf.fused.matMul({ a: h, b: w, bias: b, activation: act }) as tf.Tensor2D) : activate(tf.add(tf.matMul(h, w), b) as tf.Tensor2D, act);
      if (!isOutput && masks) h = tf.mul(h, tf.tensor2d(masks[l], h.shape));
    }
    if (!this.normalized) return h;
    // rsqrt(sum(square)) is cheaper than tf.norm, which goes through Pow.
    return tf.mul(h, tf.rsqrt(tf.add(tf.sum(tf.square(h), 1, true), tf.scalar(L2_EPSILON))));
  }

  /** Output vectors of `entities` (no gradient), chunked to bound memory. */
  vectors(entities: Int32Array, chunk = 4096): Float32Array {
    const out = new Float32Array(entities.length * this.outputDim);
    const inputBuf = new Float32Array(Math.min(chunk, entities.length) * this.input.width);
    for (let start = 0; start < entities.length; start += chunk) {
      const ids = entities.subarray(start, Math.min(entities.length, start + chunk));
      const buf = inputBuf.subarray(0, ids.length * this.input.width);
      this.input.fill(ids, buf);
      const v = tf.tidy(() => this.forward(tf.tensor2d(buf, [ids.length, this.input.width]), this.denseTensors(), null).dataSync());
      out.set(v, start * this.outputDim);
    }
    return out;
  }
}
