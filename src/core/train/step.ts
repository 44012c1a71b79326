/**
 * One optimiser step of the two-tower model: fill the JS input layers, run both towers and the loss under
 * tf.valueAndGrads, read the gradients back and apply them with the optimiser (dense: full update;
 * embedding tables: lazy row update). Everything tfjs allocates lives in one tidy, so
 * tf.memory().numTensors is the same after every step.
 */
import * as tf from '@tensorflow/tfjs-core';

import { computeLoss, type LossSpec } from '../losses';
import type { Tower } from '../model/tower';
import type { Rng } from '../util/rng';
import type { Optimizer } from './optimizer';

export interface TrainBatch {
  users: Int32Array;
  posItems: Int32Array;
  /** B×n row-major sampled negatives, for pointwise, pairwise and sampled listwise. */
  negItems?: Int32Array;
  negPerPositive?: number;
  /** In-batch: log p_j of each column's item (logQ correction). */
  logQ?: Float32Array;
  /** In-batch: B×B, 1 = accidental hit to mask. */
  hitMask?: Uint8Array;
  /** Mixed negative sampling: B′ items shared by every row as extra softmax columns, their log Q and B×B′ mask. */
  extraItems?: Int32Array;
  extraLogQ?: Float32Array;
  extraMask?: Uint8Array;
  /** Listwise softmax under logQ: log Q of each sampled slot (B×n, 0 for hard slots) and, for the sampled softmax, of each row's positive. */
  negLogQ?: Float32Array;
  posLogQ?: Float32Array;
}

/** Checks a batch's shapes and returns n, the negatives per positive (0 for in-batch). */
export function negativesPerPositive(batch: TrainBatch): number {
  const b = batch.users.length;
  if (b === 0) throw new Error('train step: the batch is empty.');
  if (batch.posItems.length !== b) throw new Error(`train step: ${batch.users.length} users but ${batch.posItems.length} positive items in the batch.`);
  if (!batch.negItems) return 0;
  const n = batch.negPerPositive ?? batch.negItems.length / b;
  if (!Number.isInteger(n) || n < 1 || batch.negItems.length !== b * n) {
    throw new Error(`train step: negItems has ${batch.negItems.length} entries, which is not ${b} rows × ${batch.negPerPositive ?? 'n'} negatives.`);
  }
  return n;
}

export class TrainStep {
  private userBuf: Float32Array = new Float32Array(0);
  private itemBuf: Float32Array = new Float32Array(0);

  constructor(
    private readonly user: Tower,
    private readonly item: Tower,
    private readonly loss: LossSpec,
    private readonly optimizer: Optimizer,
    private readonly dropoutRng: Rng,
  ) {}

  /** Runs one step and returns the mean loss; a non-finite loss is returned without updating anything. */
  run(batch: TrainBatch): number {
    const n = negativesPerPositive(batch);
    const b = batch.users.length;
    const negs = n > 0 && batch.negItems ? batch.negItems : undefined;
    const extra = batch.extraItems && batch.extraItems.length > 0 ? batch.extraItems : undefined;
    const items = concat(batch.posItems, negs, extra);
    const negEnd = b + (negs ? negs.length : 0);
    const uw = this.user.input.width;
    const iw = this.item.input.width;
    this.userBuf = sized(this.userBuf, b * uw);
    this.itemBuf = sized(this.itemBuf, items.length * iw);
    this.user.input.fill(batch.users, this.userBuf);
    this.item.input.fill(items, this.itemBuf);
    const userMasks = this.user.dropoutMasks(b, this.dropoutRng);
    const itemMasks = this.item.dropoutMasks(items.length, this.dropoutRng);
    const nu = this.user.dense.length;

    return tf.tidy(() => {
      const xu = tf.tensor2d(this.userBuf, [b, uw]);
      const xi = tf.tensor2d(this.itemBuf, [items.length, iw]);
      const f = (...xs: tf.Tensor[]): tf.Scalar => {
        const u = this.user.forward(xs[0] as tf.Tensor2D, xs.slice(2, 2 + nu), userMasks);
        const v = this.item.forward(xs[1] as tf.Tensor2D, xs.slice(2 + nu), itemMasks);
        const vPos = items.length > b ? tf.slice(v, [0, 0], [b, -1]) : v;
        const vNeg = negs ? tf.slice(v, [b, 0], [b * n, -1]) : null;
        const vExtra = extra ? tf.slice(v, [negEnd, 0], [extra.length, -1]) : null;
        return computeLoss(this.loss, {
          u,
          vPos,
          vNeg,
          perPositive: n,
          logQ: batch.logQ,
          hitMask: batch.hitMask,
          vExtra,
          extraLogQ: batch.extraLogQ,
          extraMask: batch.extraMask,
          negLogQ: batch.negLogQ,
          posLogQ: batch.posLogQ,
        });
      };
      const { value, grads } = tf.valueAndGrads(f)([xu, xi, ...this.user.denseTensors(), ...this.item.denseTensors()]);
      const loss = value.dataSync()[0];
      if (!Number.isFinite(loss)) return loss;
      this.optimizer.beginStep();
      const dense = [...this.user.dense, ...this.item.dense];
      dense.forEach((p, k) => this.optimizer.updateDense(p, grads[2 + k].dataSync() as Float32Array));
      this.user.input.applyGradient(batch.users, grads[0].dataSync() as Float32Array, this.optimizer);
      this.item.input.applyGradient(items, grads[1].dataSync() as Float32Array, this.optimizer);
      return loss;
    });
  }
}

function sized(buf: Float32Array, size: number): Float32Array {
  return buf.length === size ? buf : new Float32Array(size);
}

/** a, then b and c when given; a itself when there is nothing to append. */
function concat(a: Int32Array, b: Int32Array | undefined, c: Int32Array | undefined): Int32Array {
  if (!b && !c) return a;
  const out = new Int32Array(a.length + (b?.length ?? 0) + (c?.length ?? 0));
  out.set(a);
  if (b) out.set(b, a.length);
  if (c) out.set(c, a.length + (b?.length ?? 0));
  return out;
}
