/**
 * The two-tower model: a user tower and an item tower whose outputs are scored by their dot product, which
 * is the cosine when both towers are L2-normalised (`l2_normalize`, the default).
 * The training loop calls trainStep per batch, userVectors/itemVectors for evaluation and export, and
 * getWeights/setWeights for checkpoints (optimiser state and the dropout RNG included, so a resumed run
 * continues exactly). Call initBackend() before create().
 */
import { totalmem } from 'node:os';

import type { Experiment } from '../config/schema';
import type { Dataset } from '../data/dataset';
import { lossSpecFromConfig, type LossSpec } from '../losses';
import { matMulKernel, type PreparedKernel } from '../train/matMulKernel';
import { makeOptimizer, type Optimizer, type Param } from '../train/optimizer';
import { TrainStep, type TrainBatch } from '../train/step';
import { Rng, type RngState } from '../util/rng';
import { assignModelWeights } from './assignWeights';
import { estimateModelMemory, modelMemoryProblem, type TowerKey } from './memory';
import { Tower } from './tower';

export type { TrainBatch } from '../train/step';

export type WeightMap = Record<string, { shape: number[]; data: Float32Array }>;

const STEP_KEY = 'optimizer/step';
const RNG_KEY = 'rng/dropout';

export class TwoTowerModel {
  readonly outputDim: number;
  readonly loss: LossSpec;
  private readonly step: TrainStep;
  private disposed = false;

  private constructor(
    private readonly user: Tower,
    private readonly item: Tower,
    private readonly optimizer: Optimizer,
    private readonly dropoutRng: Rng,
    loss: LossSpec,
  ) {
    this.outputDim = user.outputDim;
    this.loss = loss;
    this.step = new TrainStep(user, item, loss, optimizer, dropoutRng);
  }

  /** Builds both towers, initialised from `rng` (user tower first, then item tower, then a fork for dropout). */
  static create(config: Experiment, dataset: Dataset, rng: Rng): TwoTowerModel {
    const loss = lossSpecFromConfig(config);
    if (config.user_tower.output_dim !== config.item_tower.output_dim) {
      throw new Error(`user_tower.output_dim (${config.user_tower.output_dim}) and item_tower.output_dim (${config.item_tower.output_dim}) must be equal: the score compares the two vectors.`);
    }
    refuseOversizedModel(config, dataset);
    const optimizer = makeOptimizer(config.training.optimizer, config.training.learning_rate);
    const user = new Tower('user_tower', config.user_tower, dataset.users, dataset.userFeatures, optimizer, rng);
    const item = new Tower('item_tower', config.item_tower, dataset.items, dataset.itemFeatures, optimizer, rng);
    return new TwoTowerModel(user, item, optimizer, rng.fork(), loss);
  }

  /** One optimiser step; returns the mean loss of the batch (a non-finite loss leaves the weights unchanged). */
  trainStep(batch: TrainBatch): number {
    this.assertLive();
    return this.step.run(batch);
  }

  /** users.length × outputDim: the dot product with itemVectors() is the score (the cosine when both towers are L2-normalised). */
  userVectors(users: Int32Array): Float32Array {
    this.assertLive();
    return this.user.vectors(users);
  }

  /** All items (items.size rows, including the OOV row 0) × outputDim; unit rows when the item tower is L2-normalised. */
  itemVectors(): Float32Array {
    this.assertLive();
    const all = new Int32Array(this.item.input.vocabulary.size);
    for (let i = 0; i < all.length; i++) all[i] = i;
    return this.item.vectors(all);
  }

  /** The matMul kernel of evaluation and mining for these item vectors (on the tfjs backend; see matMulKernel). */
  dotKernel(itemVectors: Float32Array): PreparedKernel {
    this.assertLive();
    return matMulKernel(itemVectors, this.outputDim);
  }

  /** Optimiser steps taken so far. */
  get optimizerStep(): number {
    return this.optimizer.step;
  }

  private params(): Param[] {
    return [...this.user.params, ...this.item.params];
  }

  /** Every parameter, its optimiser slots (`<name>/<slot>`), the step count and the dropout RNG state, as copies. */
  getWeights(): Promise<WeightMap> {
    this.assertLive();
    const out: WeightMap = {};
    for (const p of this.params()) {
      out[p.name] = { shape: [...p.shape], data: p.value.slice() };
      p.slots.forEach((s, k) => (out[`${p.name}/${this.optimizer.slotNames[k]}`] = { shape: [...p.shape], data: s.slice() }));
    }
    out[STEP_KEY] = { shape: [1], data: new Float32Array([this.optimizer.step]) };
    out[RNG_KEY] = { shape: [8], data: encodeRngState(this.dropoutRng.getState()) };
    return Promise.resolve(out);
  }

  /** Restores what getWeights returned; every entry must be present with its shape, and nothing else. */
  setWeights(w: WeightMap): void {
    this.assertLive();
    const expected = new Map<string, { shape: number[]; target: Float32Array }>();
    for (const p of this.params()) {
      expected.set(p.name, { shape: p.shape, target: p.value });
      p.slots.forEach((s, k) => expected.set(`${p.name}/${this.optimizer.slotNames[k]}`, { shape: p.shape, target: s }));
    }
    const problems: string[] = [];
    for (const [name, e] of expected) {
      const got = w[name];
      if (!got) problems.push(`missing "${name}"`);
      else if (got.shape.join(',') !== e.shape.join(',') || got.data.length !== e.target.length) problems.push(`"${name}" has shape [${got.shape.join(', ')}], the model needs [${e.shape.join(', ')}]`);
    }
    for (const name of Object.keys(w)) if (!expected.has(name) && name !== STEP_KEY && name !== RNG_KEY) problems.push(`unexpected "${name}"`);
    if (!w[STEP_KEY]) problems.push(`missing "${STEP_KEY}"`);
    if (!w[RNG_KEY] || w[RNG_KEY].data.length !== 8) problems.push(`missing "${RNG_KEY}"`);
    if (problems.length) {
      throw new Error(`The checkpoint does not fit this model (was the experiment's tower or optimizer changed since it was saved?): ${problems.slice(0, 8).join('; ')}${problems.length > 8 ? `; and ${problems.length - 8} more` : ''}.`);
    }
    for (const [name, e] of expected) e.target.set(w[name].data);
    this.optimizer.step = w[STEP_KEY].data[0];
    this.dropoutRng.setState(decodeRngState(w[RNG_KEY].data));
  }

  /**
   * Restores only the model's tensors (no optimiser slots, step or dropout RNG), for evaluating and
   * exporting a checkpoint written by another engine (torch writes the model in these names and layouts).
   */
  setModelWeights(w: WeightMap): void {
    this.assertLive();
    assignModelWeights(this.params(), w, "The checkpoint's model does not fit this experiment's towers (changed since it was saved?)");
  }

  /** Nothing of the model lives in tfjs between calls; this marks the model unusable. */
  dispose(): void {
    this.disposed = true;
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('The model was disposed; create a new one.');
  }
}

/**
 * Estimates the model's memory before a byte of it is allocated, and refuses one that cannot be built here
 * (an array longer than a typed array can be, or more than the machine's memory), naming the estimate and
 * the key to lower, instead of "Invalid typed array length" or the kernel's OOM killer.
 */
function refuseOversizedModel(config: Experiment, dataset: Dataset): void {
  const features = (tower: TowerKey) => (tower === 'user_tower' ? dataset.userFeatures : dataset.itemFeatures);
  const estimate = estimateModelMemory(config, {
    idRows: { user_tower: dataset.users.size, item_tower: dataset.items.size },
    categoricalRows: (tower, name) => features(tower).categorical.find((f) => f.name === name)?.vocabulary.size,
  });
  const problem = modelMemoryProblem(estimate, { memoryBytes: totalmem() });
  if (problem) throw new Error(problem);
}

/** Four uint32 words as eight 16-bit halves, each exact in float32. */
function encodeRngState(s: RngState): Float32Array {
  const out = new Float32Array(8);
  s.forEach((w, i) => {
    out[2 * i] = w >>> 16;
    out[2 * i + 1] = w & 0xffff;
  });
  return out;
}

function decodeRngState(d: Float32Array): RngState {
  const w = (i: number) => ((d[2 * i] * 65536 + d[2 * i + 1]) >>> 0);
  return [w(0), w(1), w(2), w(3)];
}
