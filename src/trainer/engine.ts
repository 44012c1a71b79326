/** The tfjs engine behind the CLI: backend selection, the two-tower model, tensor counts for `step` events. */
import * as tf from '@tensorflow/tfjs-core';
import { TwoTowerModel } from '../core/model/twoTowerModel';
import { initBackend } from '../core/train/backend';
import { setTensorCounter } from '../core/train/loop';
import { makeOptimizer } from '../core/train/optimizer';
import type { WeightMap } from '../core/train/weightsFile';
import { Rng } from '../core/util/rng';
import type { Engine } from './train';

/** Checkpoint entries that are not model tensors: the optimiser's step count and the dropout RNG. */
const NON_MODEL_KEYS = new Set(['optimizer/step', 'rng/dropout']);
const SLOT_NAMES = new Set([...makeOptimizer('adam', 1).slotNames, ...makeOptimizer('adagrad', 1).slotNames]);

export const tfjsEngine: Engine = {
  async initBackend(preferred, threads) {
    const name = await initBackend(preferred, threads);
    setTensorCounter(() => tf.memory().numTensors);
    return name;
  },
  createModel(config, dataset) {
    // The model's initialisation has its own stream, seeded by training.seed like the loop's.
    return Promise.resolve(TwoTowerModel.create(config, dataset, new Rng(config.training.seed ^ 0x70de1)));
  },
  numTensors: () => tf.memory().numTensors,
  modelWeights(all: WeightMap): WeightMap {
    const out: WeightMap = {};
    for (const [name, w] of Object.entries(all)) {
      if (NON_MODEL_KEYS.has(name) || SLOT_NAMES.has(name.slice(name.lastIndexOf('/') + 1))) continue;
      out[name] = w;
    }
    return out;
  },
};
