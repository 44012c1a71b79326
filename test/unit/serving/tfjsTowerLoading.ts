/**
 * Loading a bundle's tfjs tower the way a serving user does, with plain tf.loadLayersModel: from the
 * files on disk (what tfjs-node's file:// handler reads: model.json, then the weight files it lists
 * beside it), or from artifacts in memory after a JSON round trip. And running it on encoded rows.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { TfjsTowerArtifacts, TfjsTowerInput } from '../../../src/core/serving/tfjsTower';

interface ModelJsonFile {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** An IOHandler that reads `modelFile` and the weight files its manifest names (paths relative to its folder). */
export function filesHandler(modelFile: string): tf.io.IOHandler {
  return {
    load: () => {
      const json = JSON.parse(readFileSync(modelFile, 'utf8')) as ModelJsonFile;
      const buffers = json.weightsManifest.flatMap((group) => group.paths.map((p) => new Uint8Array(readFileSync(path.join(path.dirname(modelFile), p))).buffer));
      return Promise.resolve({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData: buffers });
    },
  };
}

/** An IOHandler for artifacts that went through JSON as a file would. */
export function artifactsHandler(artifacts: TfjsTowerArtifacts): tf.io.IOHandler {
  const json = JSON.parse(JSON.stringify(artifacts.modelJson)) as ModelJsonFile;
  return { load: () => Promise.resolve({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData: artifacts.weightData.slice().buffer }) };
}

export const loadTower = (handler: tf.io.IOHandler, options: tf.io.LoadOptions = {}): Promise<tfl.LayersModel> => tfl.loadLayersModel(handler, options);

/**
 * The model's vectors for rows encoded as the trainer encodes them (`embed --with-inputs`, TowerInput.encoded):
 * `rows` holds the table inputs (id, categorical, bucket) in input order, `values` the value inputs.
 */
export function towerVectors(model: tfl.LayersModel, inputs: readonly TfjsTowerInput[], encoded: readonly { rows: number[]; values: number[] }[]): Float32Array {
  return tf.tidy(() => {
    let table = 0;
    let value = 0;
    const tensors = inputs.map((input) => {
      const column = input.kind === 'value' ? value++ : table++;
      const cells = encoded.map((e) => (input.kind === 'value' ? e.values[column] : e.rows[column]));
      return tf.tensor2d(cells, [encoded.length, 1], input.dtype);
    });
    return (model.predict(tensors) as tf.Tensor).dataSync() as Float32Array;
  });
}

/** The largest absolute difference between two equally long vectors. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}
