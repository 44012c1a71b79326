/**
 * How much memory a two-tower model takes, from the config and the vocabulary sizes, before anything is
 * allocated: every table and dense layer as float32, times (1 + the optimiser's slots), held three times
 * over while a checkpoint is written (the model, getWeights' copies, writeWeights' one buffer). The model
 * refuses to build what cannot be built (twoTowerModel.ts) and the language server warns above a threshold
 * (config/dataRules.ts), both naming the config key that makes it big.
 */
import { constants as bufferConstants } from 'node:buffer';

import type { Experiment, TowerConfig } from '../config/schema';

export type TowerKey = 'user_tower' | 'item_tower';

export interface ModelSizes {
  /** Rows of each tower's ID table (its vocabulary, with the out-of-vocabulary row); undefined when not known. */
  idRows: Partial<Record<TowerKey, number>>;
  /** Rows of a categorical feature's table (with the OOV row); undefined when not known. */
  categoricalRows?(tower: TowerKey, name: string): number | undefined;
}

/** One parameter of the model, and the config key to lower to make it smaller. */
export interface MemoryPart {
  /** E.g. `user_tower.id_embedding_dim`; for a dense layer whose input is wider than its output, the key of the widest input. */
  key: string;
  /** That key's value. */
  value: number;
  /** What it is, e.g. `the user_tower ID embedding, 4 rows × 200000000`. */
  what: string;
  /** float32 values of the parameter alone (without optimiser slots). */
  floats: number;
  /** An embedding table (sparse row updates) or a dense layer (a full gradient every step). */
  kind: 'table' | 'dense';
}

export interface ModelArray {
  what: string;
  /** The config key that sets its length, and that key's value. */
  key: string;
  value: number;
  /** Elements (float32). */
  length: number;
}

export interface MemoryEstimate {
  /** float32 values of the weights and their optimiser slots: what getWeights returns and a checkpoint stores. */
  stateFloats: number;
  /** Bytes of the weights, optimiser slots and sparse-gradient buffers while training. */
  trainingBytes: number;
  /** Bytes at the peak, while a checkpoint is written (the weights and slots held three times). */
  peakBytes: number;
  /** Every parameter, largest first. */
  parts: MemoryPart[];
  /** Every array the model allocates that may be long: the parameters (largest first), their sparse-gradient buffers, a checkpoint's one buffer. */
  arrays: ModelArray[];
  /** Some table sizes were not known and counted as one row: the figures are lower bounds. */
  lowerBound: boolean;
}

/** Optimiser slots per parameter (train/optimizer.ts: Adam's m and v, Adagrad's accumulator). */
export const SLOTS: Record<Experiment['training']['optimizer'], number> = { adam: 2, adagrad: 1 };
/** Rows of SparseRowGrad's first gradient buffer (model/sparseGrad.ts), one per table. */
const SPARSE_GRAD_ROWS = 64;
/** Copies of the weights and slots while a checkpoint is written: the model's, getWeights', writeWeights'. */
const CHECKPOINT_COPIES = 3;

/** The longest typed array this Node can allocate (2^32 elements on Node 20). */
export const MAX_ARRAY_LENGTH = bufferConstants.MAX_LENGTH;

export function estimateModelMemory(config: Pick<Experiment, 'user_tower' | 'item_tower' | 'training'>, sizes: ModelSizes): MemoryEstimate {
  const parts: MemoryPart[] = [];
  const grads: ModelArray[] = [];
  let lowerBound = false;
  let extraBytes = 0;
  const known = (rows: number | undefined): number => {
    if (rows === undefined) lowerBound = true;
    return Math.max(1, rows ?? 1);
  };
  for (const tower of ['user_tower', 'item_tower'] as const) {
    const cfg: TowerConfig = config[tower];
    let width = 0;
    let widest: { key: string; value: number } | undefined;
    const table = (key: string, name: string, rows: number, dim: number): void => {
      const what = `the ${tower} ${name}, ${rows} rows × ${dim}`;
      parts.push({ key, value: dim, what, floats: rows * dim, kind: 'table' });
      grads.push({ what: `the sparse gradient buffer of ${what}`, key, value: dim, length: SPARSE_GRAD_ROWS * dim });
      extraBytes += 4 * SPARSE_GRAD_ROWS * dim + 4 * rows;
      width += dim;
      if (!widest || dim > widest.value) widest = { key, value: dim };
    };
    if (cfg.id_embedding_dim > 0) table(`${tower}.id_embedding_dim`, 'ID embedding', known(sizes.idRows[tower]), cfg.id_embedding_dim);
    cfg.categorical.forEach((c, i) => {
      const rows = sizes.categoricalRows?.(tower, c.name) ?? (c.max_vocab !== undefined ? c.max_vocab + 1 : undefined);
      table(`${tower}.categorical[${i}].embedding_dim`, `embedding of '${c.name}'`, known(rows), c.embedding_dim);
    });
    cfg.continuous.forEach((c, i) => {
      if (c.buckets !== undefined) table(`${tower}.continuous[${i}].embedding_dim`, `bucket embedding of '${c.name}'`, c.buckets, c.embedding_dim);
      else width += 1;
    });
    let fanIn = width;
    const layers: [string, number][] = [...cfg.mlp.hidden.map((h, i): [string, number] => [`${tower}.mlp.hidden[${i}]`, h]), [`${tower}.output_dim`, cfg.output_dim]];
    layers.forEach(([key, fanOut], l) => {
      // The first layer is as big as the tower's input is wide: when that is what makes it big, the key to lower is the widest input's.
      const blame = l === 0 && widest && fanIn > fanOut ? widest : { key, value: fanOut };
      parts.push({ ...blame, what: `the ${tower} dense layer ${fanIn} × ${fanOut}`, floats: fanIn * fanOut + fanOut, kind: 'dense' });
      fanIn = fanOut;
    });
  }
  parts.sort((a, b) => b.floats - a.floats);
  const arrays: ModelArray[] = [...parts.map((p) => ({ what: p.what, key: p.key, value: p.value, length: p.floats })), ...grads];
  const slots = SLOTS[config.training.optimizer];
  const paramFloats = parts.reduce((sum, p) => sum + p.floats, 0);
  // writeWeights puts every weight and slot of a checkpoint in one buffer.
  if (parts[0]) arrays.push({ what: "a checkpoint's weights.bin (every weight and optimizer slot in one buffer)", key: parts[0].key, value: parts[0].value, length: paramFloats * (1 + slots) });
  const stateBytes = 4 * paramFloats * (1 + slots);
  return {
    stateFloats: paramFloats * (1 + slots),
    trainingBytes: stateBytes + extraBytes,
    peakBytes: CHECKPOINT_COPIES * stateBytes + extraBytes,
    parts,
    arrays,
    lowerBound,
  };
}

/** `4.7 GB`, `310 MB`: decimal units, as memory sizes are usually read. */
export function formatMemory(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? String(v) : v >= 10 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

/** `≈ 115 GB at its peak (38 GB of weights and optimizer state while training, …)`. */
export function memoryFigures(estimate: MemoryEstimate): string {
  const at = estimate.lowerBound ? 'at least ' : '≈ ';
  return `${at}${formatMemory(estimate.peakBytes)} at its peak (${formatMemory(estimate.trainingBytes)} of weights and optimizer state while training, held three times over while a checkpoint is written)`;
}

/** The largest parts with their keys: `` `user_tower.id_embedding_dim: 200000000` (the user_tower dense layer 200000000 × 128) ``. */
export function largestParts(estimate: MemoryEstimate, count = 2): string {
  return estimate.parts
    .slice(0, count)
    .map((p) => `\`${p.key}: ${p.value}\` (${p.what})`)
    .join('; ');
}

/**
 * Why the model cannot be built here, or undefined when it can: an array longer than a typed array can be,
 * or a peak above the machine's memory. The message gives the estimate and the key to lower.
 */
export function modelMemoryProblem(estimate: MemoryEstimate, limits: { memoryBytes: number; maxArrayLength?: number }): string | undefined {
  const maxLength = limits.maxArrayLength ?? MAX_ARRAY_LENGTH;
  const longest = tooLongArray(estimate, maxLength);
  const lower = (key: string) => `Lower \`${key}\` (embedding and layer sizes are usually 16–512).`;
  if (longest) {
    return `The model is too large to build: ${longest.what}, would hold ${longest.length} values, more than one array can (${maxLength}). The model would need ${memoryFigures(estimate)}; its largest parts: ${largestParts(estimate)}. ${lower(longest.key)}`;
  }
  if (estimate.peakBytes > limits.memoryBytes && estimate.parts[0]) {
    return `The model needs ${memoryFigures(estimate)}, more than this machine's ${formatMemory(limits.memoryBytes)} of memory; its largest parts: ${largestParts(estimate)}. ${lower(estimate.parts[0].key)}`;
  }
  return undefined;
}

/** The first array of the model (in the order of `arrays`) longer than a typed array can be, if any. */
export function tooLongArray(estimate: MemoryEstimate, maxLength = MAX_ARRAY_LENGTH): ModelArray | undefined {
  return estimate.arrays.find((a) => a.length > maxLength);
}
