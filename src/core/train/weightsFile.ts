/**
 * Weights in the tfjs weights format: a `weightsManifest` (names, shapes, dtypes) in model.json and
 * the float32 values concatenated in weights.bin, so that `tf.io.loadWeights` and other tfjs tools
 * can read what checkpoints and `export` write.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from './atomicWrite';

export type WeightMap = Record<string, { shape: number[]; data: Float32Array }>;

export interface WeightsManifestEntry {
  paths: string[];
  weights: { name: string; shape: number[]; dtype: 'float32' }[];
}

export const WEIGHTS_FILE = 'weights.bin';
export const MODEL_FILE = 'model.json';

/** Writes weights.bin and model.json (with `extra` fields merged in) into `dir`. */
export function writeWeights(dir: string, weights: WeightMap, extra: Record<string, unknown> = {}): void {
  const names = Object.keys(weights).sort();
  let floats = 0;
  for (const name of names) {
    const { shape, data } = weights[name];
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== data.length) throw new Error(`Weight '${name}' has shape [${shape.join(', ')}] (${size} values) but holds ${data.length}.`);
    floats += size;
  }
  const all = new Float32Array(floats);
  let offset = 0;
  for (const name of names) {
    all.set(weights[name].data, offset);
    offset += weights[name].data.length;
  }
  const manifest: WeightsManifestEntry[] = [{ paths: [WEIGHTS_FILE], weights: names.map((name) => ({ name, shape: weights[name].shape, dtype: 'float32' })) }];
  writeFileAtomic(path.join(dir, WEIGHTS_FILE), new Uint8Array(all.buffer));
  writeFileAtomic(path.join(dir, MODEL_FILE), JSON.stringify({ ...extra, weightsManifest: manifest }, null, 1));
}

/** Reads what writeWeights wrote; errors name the file and what is inconsistent. */
export function readWeights(dir: string): { weights: WeightMap; model: Record<string, unknown> } {
  const modelFile = path.join(dir, MODEL_FILE);
  const model = JSON.parse(readFileSync(modelFile, 'utf8')) as Record<string, unknown> & { weightsManifest?: WeightsManifestEntry[] };
  const entry = model.weightsManifest?.[0];
  if (!entry) throw new Error(`${modelFile}: no weightsManifest; the checkpoint is damaged. Start a fresh run.`);
  const binFile = path.join(dir, entry.paths[0] ?? WEIGHTS_FILE);
  const bytes = readFileSync(binFile);
  const values = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(values.buffer).set(bytes);
  const weights: WeightMap = {};
  let offset = 0;
  for (const w of entry.weights) {
    const size = w.shape.reduce((a, b) => a * b, 1);
    if (offset + size > values.length) throw new Error(`${binFile}: holds ${values.length} floats but the manifest needs more (at weight '${w.name}'); the checkpoint is damaged.`);
    weights[w.name] = { shape: w.shape, data: values.slice(offset, offset + size) };
    offset += size;
  }
  if (offset !== values.length) throw new Error(`${binFile}: holds ${values.length} floats but the manifest describes ${offset}; the checkpoint is damaged.`);
  return { weights, model };
}
