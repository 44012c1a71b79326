/**
 * The loss of a training mode, chosen once from the experiment, applied to L2-normalised vectors:
 * u (B×d users), vPos (B×d positive items), vNeg (B·n×d sampled negatives, row-major by row) or null.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { DEFAULT_LOGISTIC_SCALE, DEFAULT_MARGIN, LOSSES_BY_MODE, type Experiment } from '../config/schema';
import { inBatchSoftmaxLoss } from './inBatchSoftmax';
import { inBatchWithHardLoss } from './inBatchWithHard';
import { pointwiseBceLoss } from './pointwiseBce';
import { sampledSoftmaxLoss } from './sampledSoftmax';
import { tripletHingeLoss } from './tripletHinge';
import { tripletLogisticLoss } from './tripletLogistic';

export interface LossSpec {
  mode: 'pointwise' | 'pairwise' | 'listwise';
  loss: 'bce' | 'hinge' | 'logistic' | 'softmax';
  temperature: number;
  margin: number;
  scale: number;
  /**
   * Listwise only: the other positives of the batch are the negatives (`training.negatives.source:
   * in_batch`), so sampled negatives, when a batch has them, are hard ones added to the in-batch
   * columns rather than the whole softmax. Pointwise and pairwise ignore it: their in-batch
   * negatives arrive as sampled ones.
   */
  inBatch?: boolean;
}

export interface LossInputs {
  u: tf.Tensor2D;
  vPos: tf.Tensor2D;
  vNeg: tf.Tensor2D | null;
  perPositive: number;
  logQ?: Float32Array;
  hitMask?: Uint8Array;
}

export function lossSpecFromConfig(config: Experiment): LossSpec {
  const { mode, loss } = config.training;
  const allowed: readonly string[] = LOSSES_BY_MODE[mode];
  if (!allowed.includes(loss)) throw new Error(`training.loss: "${loss}" is not a loss of mode "${mode}"; use ${allowed.join(' or ')}.`);
  const temperature = config.score.temperature;
  if (!(temperature > 0)) throw new Error(`score.temperature must be > 0, got ${temperature}.`);
  return {
    mode,
    loss,
    temperature,
    margin: config.training.margin ?? DEFAULT_MARGIN,
    scale: config.training.scale ?? DEFAULT_LOGISTIC_SCALE,
    inBatch: config.training.negatives.source === 'in_batch',
  };
}

/**
 * Listwise: in-batch softmax without negItems; in-batch softmax plus each row's hard columns when the
 * negatives are in-batch and the batch also has negItems; sampled softmax over 1 + n otherwise.
 */
export function computeLoss(spec: LossSpec, x: LossInputs): tf.Scalar {
  if (!x.vNeg) {
    if (spec.mode !== 'listwise') throw new Error(`training.mode "${spec.mode}" needs sampled negatives, but the batch has no negItems.`);
    return inBatchSoftmaxLoss(x.u, x.vPos, { temperature: spec.temperature, logQ: x.logQ, hitMask: x.hitMask });
  }
  if (spec.mode === 'listwise' && spec.inBatch) {
    return inBatchWithHardLoss(x.u, x.vPos, x.vNeg, x.perPositive, { temperature: spec.temperature, logQ: x.logQ, hitMask: x.hitMask });
  }
  switch (spec.loss) {
    case 'bce':
      return pointwiseBceLoss(x.u, x.vPos, x.vNeg, x.perPositive, spec.temperature);
    case 'hinge':
      return tripletHingeLoss(x.u, x.vPos, x.vNeg, x.perPositive, spec.margin);
    case 'logistic':
      return tripletLogisticLoss(x.u, x.vPos, x.vNeg, x.perPositive, spec.scale);
    case 'softmax':
      return sampledSoftmaxLoss(x.u, x.vPos, x.vNeg, x.perPositive, spec.temperature);
  }
}
