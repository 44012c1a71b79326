/**
 * The loss of a training mode, chosen once from the experiment, applied to the towers' vectors:
 * u (B×d users), vPos (B×d positive items), vNeg (B·n×d sampled negatives, row-major by row) or null,
 * and for mixed negative sampling vExtra (B′×d items shared by every row).
 */
import type * as tf from '@tensorflow/tfjs-core';

import { DEFAULT_LOGISTIC_SCALE, DEFAULT_MARGIN, DEFAULT_PAIRWISE_REDUCTION, LOSSES_BY_MODE, type Experiment } from '../config/schema';
import { batchColumns } from '../sampling/columns';
import type { LossName, PairwiseReduction, TrainingMode } from '../../shared/vocabulary';
import { inBatchSoftmaxLoss } from './inBatchSoftmax';
import { inBatchColumnsLoss } from './inBatchColumns';
import { pointwiseBceLoss } from './pointwiseBce';
import { sampledSoftmaxLoss } from './sampledSoftmax';
import { tripletHingeLoss } from './tripletHinge';
import { tripletLogisticLoss } from './tripletLogistic';

export interface LossSpec {
  mode: TrainingMode;
  loss: LossName;
  temperature: number;
  margin: number;
  scale: number;
  /** Pairwise: the mean of a positive's n triplets, or its hardest (`training.pairwise_reduction`). */
  pairwiseReduction: PairwiseReduction;
  /**
   * Listwise only: the other positives of the batch are the negatives (`training.negatives.source:
   * in_batch`), so sampled negatives, when a batch has them, are hard ones added to the in-batch
   * columns rather than the whole softmax. Pointwise and pairwise ignore it: their in-batch
   * negatives arrive as sampled ones.
   */
  inBatch?: boolean;
  /** γ of the logQ correction (`training.negatives.logq_strength`); the corrections themselves come with the batch. */
  logqStrength: number;
}

export interface LossInputs {
  u: tf.Tensor2D;
  vPos: tf.Tensor2D;
  vNeg: tf.Tensor2D | null;
  perPositive: number;
  logQ?: Float32Array;
  hitMask?: Uint8Array;
  vExtra?: tf.Tensor2D | null;
  extraLogQ?: Float32Array;
  extraMask?: Uint8Array;
  /** log Q of each sampled slot (B·n) and, for the sampled softmax, of each row's positive (B). */
  negLogQ?: Float32Array;
  posLogQ?: Float32Array;
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
    pairwiseReduction: config.training.pairwise_reduction ?? DEFAULT_PAIRWISE_REDUCTION,
    inBatch: batchColumns(config.training),
    logqStrength: config.training.negatives.logq_strength,
  };
}

/**
 * Listwise: in-batch softmax without negItems or extra items; with batch columns (`in_batch`, `mixed`)
 * the in-batch softmax plus the shared extra columns and each row's sampled columns; sampled softmax
 * over 1 + n otherwise.
 */
export function computeLoss(spec: LossSpec, x: LossInputs): tf.Scalar {
  const inBatchOptions = { temperature: spec.temperature, logQ: x.logQ, hitMask: x.hitMask, logqStrength: spec.logqStrength };
  if (!x.vNeg) {
    if (spec.mode !== 'listwise') throw new Error(`training.mode "${spec.mode}" needs sampled negatives, but the batch has no negItems.`);
    if (!x.vExtra) return inBatchSoftmaxLoss(x.u, x.vPos, inBatchOptions);
  }
  if (spec.mode === 'listwise' && spec.inBatch) {
    const cols = { vExtra: x.vExtra ?? null, extraLogQ: x.extraLogQ, extraMask: x.extraMask, vRow: x.vNeg, perRow: x.perPositive, rowLogQ: x.negLogQ };
    return inBatchColumnsLoss(x.u, x.vPos, cols, inBatchOptions);
  }
  if (!x.vNeg) throw new Error('Mixed negatives: extra columns need `training.negatives.source: mixed` with the listwise softmax.');
  switch (spec.loss) {
    case 'bce':
      return pointwiseBceLoss(x.u, x.vPos, x.vNeg, x.perPositive, spec.temperature);
    case 'hinge':
      return tripletHingeLoss(x.u, x.vPos, x.vNeg, x.perPositive, spec.margin, spec.pairwiseReduction);
    case 'logistic':
      return tripletLogisticLoss(x.u, x.vPos, x.vNeg, x.perPositive, spec.scale, spec.pairwiseReduction);
    case 'softmax':
      return sampledSoftmaxLoss(
        x.u,
        x.vPos,
        x.vNeg,
        x.perPositive,
        spec.temperature,
        x.posLogQ && x.negLogQ ? { posLogQ: x.posLogQ, negLogQ: x.negLogQ, strength: spec.logqStrength } : undefined,
      );
  }
}
