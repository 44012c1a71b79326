/**
 * Weights in the tfjs weights format: a `weightsManifest` (names, shapes, dtypes) in model.json and
 * the float32 values concatenated in weights.bin, so that `tf.io.loadWeights` and other tfjs tools
 * can read what checkpoints and `export` write.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from './atomicWrite';
import { CheckpointError, readJsonFile } from './checkpointError';

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

/**
 * Reads what writeWeights wrote; errors (CheckpointError) name the file and what is inconsistent, and
 * weights.bin's size is checked against the manifest before a byte of it is used.
 */
export function readWeights(dir: string): { weights: WeightMap; model: Record<string, unknown> } {
  const modelFile = path.join(dir, MODEL_FILE);
  const raw = readJsonFile(modelFile);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new CheckpointError(modelFile, 'is not a tfjs model.json (an object with a weightsManifest)');
  const model = raw as Record<string, unknown> & { weightsManifest?: unknown };
  const entry = manifestEntry(model.weightsManifest, modelFile);
  const binFile = path.join(dir, entry.paths[0] ?? WEIGHTS_FILE);
  let floats = 0;
  for (const w of entry.weights) floats += w.shape.reduce((a, b) => a * b, 1);
  let bytes: Buffer;
  try {
    bytes = readFileSync(binFile);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new CheckpointError(binFile, `is missing (${MODEL_FILE} lists ${entry.weights.length} weights in it)`);
    throw error;
  }
  if (bytes.byteLength !== floats * 4) {
    throw new CheckpointError(
      binFile,
      `holds ${bytes.byteLength} bytes, but ${modelFile} describes ${entry.weights.length} weights of ${floats} float32 values, which take ${floats * 4} bytes (${bytes.byteLength < floats * 4 ? `${floats * 4 - bytes.byteLength} missing` : `${bytes.byteLength - floats * 4} too many`})`,
    );
  }
  // A copy into a fresh buffer: Buffer's memory may be shared and not 4-byte aligned.
  const values = new Float32Array(floats);
  new Uint8Array(values.buffer).set(bytes);
  const weights: WeightMap = {};
  let offset = 0;
  for (const w of entry.weights) {
    const size = w.shape.reduce((a, b) => a * b, 1);
    weights[w.name] = { shape: w.shape, data: values.slice(offset, offset + size) };
    offset += size;
  }
  return { weights, model };
}

/** The manifest's one entry, checked: names, and shapes of whole numbers. */
function manifestEntry(manifest: unknown, modelFile: string): WeightsManifestEntry {
  const entry = Array.isArray(manifest) ? (manifest[0] as unknown) : undefined;
  if (typeof entry !== 'object' || entry === null) throw new CheckpointError(modelFile, 'has no weightsManifest');
  const { paths, weights } = entry as { paths?: unknown; weights?: unknown };
  if (!Array.isArray(paths) || !Array.isArray(weights)) throw new CheckpointError(modelFile, 'has a weightsManifest without `paths` and `weights` lists');
  // The weights file lies beside model.json: a path elsewhere is not followed.
  if (!paths.every((p) => typeof p === 'string' && p === path.basename(p) && p !== '..')) throw new CheckpointError(modelFile, 'names a weights file outside its folder in weightsManifest.paths');
  weights.forEach((w: unknown, i) => {
    const { name, shape } = (typeof w === 'object' && w !== null ? w : {}) as { name?: unknown; shape?: unknown };
    if (typeof name !== 'string' || !Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) {
      throw new CheckpointError(modelFile, `weight ${i} of the weightsManifest has no name or no shape of whole numbers`);
    }
  });
  return entry as WeightsManifestEntry;
}
